//! Dropped files → a model: `config.json`, GGUF headers (one file or `-0000k-of-0000N`
//! splits), safetensors headers and `model.safetensors.index.json`. Pure: the browser reads
//! the bytes (`Blob.slice`, growing on `NeedMore`) and hands them here.

use gpuplan_core::model::Arch;
use gpuplan_files::{merge_splits, parse_gguf, parse_index_json, parse_safetensors, GgufError, GgufHeader, SafetensorsError, SafetensorsHeader, SafetensorsIndex};

use crate::i18n::{tw, Lang, Worded};
use super::model_fields::FileModel;

/// First read of a GGUF file; grown on `NeedMore` up to the parser's header limit.
pub const FIRST_READ: u64 = 4 << 20;
/// The parser's limit on a GGUF header.
pub const MAX_READ: u64 = gpuplan_files::gguf::MAX_HEADER_LEN;

/// What kind of file a name says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Json,
    Gguf,
    Safetensors,
    Other,
}

pub fn kind_of(name: &str) -> Kind {
    let n = name.to_ascii_lowercase();
    if n.ends_with(".gguf") {
        Kind::Gguf
    } else if n.ends_with(".safetensors") {
        Kind::Safetensors
    } else if n.ends_with(".json") {
        Kind::Json
    } else {
        Kind::Other
    }
}

/// Result of one attempt at parsing a prefix of a file.
pub enum Parse<T> {
    Done(T),
    /// Read at least this many bytes from the start and try again.
    More(u64),
    Failed(String),
}

pub fn try_gguf(bytes: &[u8]) -> Parse<GgufHeader> {
    match parse_gguf(bytes) {
        Ok(h) => Parse::Done(h),
        Err(GgufError::NeedMore { at_least }) => Parse::More(at_least),
        Err(e) => Parse::Failed(format!("{e}")),
    }
}

pub fn try_safetensors(bytes: &[u8]) -> Parse<SafetensorsHeader> {
    match parse_safetensors(bytes) {
        Ok(h) => Parse::Done(h),
        Err(SafetensorsError::NeedMore { at_least }) => Parse::More(at_least),
        Err(e) => Parse::Failed(format!("{e}")),
    }
}

/// The next prefix length to read after `NeedMore { at_least }` with `have` bytes read of a
/// `size`-byte file; `None` when the header cannot fit the limit or the file.
pub fn next_read(have: u64, at_least: u64, size: u64) -> Option<u64> {
    if at_least <= have || at_least > size || at_least > MAX_READ + 8 {
        return None;
    }
    Some(at_least.max(have.saturating_mul(2)).min(size).min(MAX_READ + 8))
}

/// Everything the user dropped at once, parsed.
#[derive(Default)]
pub struct Dropped {
    pub names: Vec<String>,
    pub config: Option<String>,
    pub index: Option<SafetensorsIndex>,
    pub gguf: Vec<GgufHeader>,
    pub safetensors: Vec<SafetensorsHeader>,
}

/// What the drop turned into.
#[derive(Debug, PartialEq)]
pub enum DropOutcome {
    /// A model with exact weight bytes (GGUF, or safetensors + config).
    File(FileModel),
    /// Only a config.json: the regular config path.
    Config(String),
    /// Weights without a config: ask for the config.json.
    NeedConfig,
    Failed(String),
}

/// What a drop of files came to: a status line for the reader and the outcome.
#[derive(Debug, PartialEq)]
pub struct DropResult {
    pub status: String,
    pub outcome: DropOutcome,
}

/// Largest `config.json` / `model.safetensors.index.json` read (DeepSeek-V3's index is 9 MB).
const MAX_JSON_BYTES: u64 = 32 << 20;

/// Reads and resolves dropped files: `files` are (name, size); `read(i, end)` returns the
/// first `end` bytes of file `i`, `read_text(i)` its text. GGUF headers are read 4 MiB first
/// and grown on `NeedMore` up to the parser's limit; safetensors headers from their length
/// prefix. Runs in the page's worker (synchronous reads there); tested on the host.
pub fn read_dropped(
    lang: Lang,
    files: &[(String, u64)],
    read: &mut dyn FnMut(usize, u64) -> Option<Vec<u8>>,
    read_text: &mut dyn FnMut(usize) -> Option<String>,
) -> DropResult {
    let mut d = Dropped::default();
    let mut problems: Vec<String> = Vec::new();
    for (i, (name, size)) in files.iter().enumerate() {
        let (name, size) = (name.clone(), *size);
        match kind_of(&name) {
            // The size is checked before anything is read: a 2 GB file named `.json` is refused
            // from its metadata, never loaded into memory.
            Kind::Json if size > MAX_JSON_BYTES => problems.push(format!("{name}: {size} bytes; a config.json or index.json is read up to {} MiB", MAX_JSON_BYTES >> 20)),
            Kind::Json => match read_text(i) {
                Some(text) if text.len() as u64 <= MAX_JSON_BYTES => {
                    if let Some(ix) = index_from(&text) {
                        d.index = Some(ix);
                    } else {
                        d.config = Some(text);
                    }
                    d.names.push(name);
                }
                _ => problems.push(format!("{name}: unreadable")),
            },
            Kind::Gguf => {
                let too_big = format!("the header does not fit in the file or the {} MiB limit", MAX_READ >> 20);
                match read_header(i, FIRST_READ.min(size), read, try_gguf, &|have, n| next_read(have, n, size), &too_big) {
                    Ok(h) => {
                        d.gguf.push(h);
                        d.names.push(name);
                    }
                    Err(e) => problems.push(format!("{name}: {e}")),
                }
            }
            Kind::Safetensors => {
                // The 8-byte length prefix first, then the whole header it announces.
                let grow = |have: u64, n: u64| (n > have && n <= size && n <= (100 << 20) + 8).then_some(n);
                match read_header(i, 8u64.min(size), read, try_safetensors, &grow, "the header does not fit in the file") {
                    Ok(h) => {
                        d.safetensors.push(h);
                        d.names.push(name);
                    }
                    Err(e) => problems.push(format!("{name}: {e}")),
                }
            }
            Kind::Other => problems.push(format!("{name}: {}", tw(lang, Worded::UnknownFile))),
        }
    }
    let names = d.names.join(", ");
    let outcome = resolve(d);
    let status = match &outcome {
        DropOutcome::File(_) | DropOutcome::Config(_) => format!("{} {names}", tw(lang, Worded::FileRead)),
        DropOutcome::NeedConfig => tw(lang, Worded::NeedConfig).to_string(),
        DropOutcome::Failed(e) => e.clone(),
    };
    let mut all = problems;
    if !status.is_empty() {
        all.insert(0, status);
    }
    DropResult { status: all.join(" · "), outcome }
}

/// Reads a header from the start of file `i`: `first` bytes, then as many as the parser asks
/// for on `NeedMore`, as `grow(have, at_least)` allows (`None`: it cannot fit, `too_big`).
fn read_header<T>(
    i: usize,
    first: u64,
    read: &mut dyn FnMut(usize, u64) -> Option<Vec<u8>>,
    parse: fn(&[u8]) -> Parse<T>,
    grow: &dyn Fn(u64, u64) -> Option<u64>,
    too_big: &str,
) -> Result<T, String> {
    let mut have = first;
    loop {
        let bytes = read(i, have).ok_or("unreadable")?;
        match parse(&bytes) {
            Parse::Done(h) => return Ok(h),
            Parse::More(n) => have = grow(have, n).ok_or(too_big)?,
            Parse::Failed(e) => return Err(e),
        }
    }
}

impl DropResult {
    /// The message the worker sends back to the page.
    pub fn to_json(&self) -> String {
        use gpuplan_core::json::{object, to_string, Value};
        let (kind, file, config) = match &self.outcome {
            DropOutcome::File(f) => (
                "file",
                object([
                    ("name", f.name.as_str().into()),
                    ("arch_json", f.arch_json.as_str().into()),
                    ("weight_bytes", f.weight_bytes.into()),
                    ("format", f.format.clone().into()),
                ]),
                Value::Null,
            ),
            DropOutcome::Config(t) => ("config", Value::Null, t.as_str().into()),
            _ => ("none", Value::Null, Value::Null),
        };
        to_string(&object([("status", self.status.as_str().into()), ("kind", kind.into()), ("file", file), ("config", config)]))
    }

    /// Reads [`DropResult::to_json`] back (in the page).
    pub fn from_json(text: &str) -> Option<DropResult> {
        let v = gpuplan_core::json::parse(text).ok()?;
        let status = v.get("status")?.as_str()?.to_string();
        let outcome = match v.get("kind")?.as_str()? {
            "file" => {
                let f = v.get("file")?;
                DropOutcome::File(FileModel {
                    name: f.get("name")?.as_str()?.to_string(),
                    arch_json: f.get("arch_json")?.as_str()?.to_string(),
                    weight_bytes: f.get("weight_bytes").and_then(|x| x.as_u64()),
                    format: f.get("format").and_then(|x| x.as_str()).map(str::to_string),
                })
            }
            "config" => DropOutcome::Config(v.get("config")?.as_str()?.to_string()),
            _ => DropOutcome::Failed(String::new()),
        };
        Some(DropResult { status, outcome })
    }
}

pub fn index_from(text: &str) -> Option<SafetensorsIndex> {
    if !text.contains("\"weight_map\"") {
        return None;
    }
    parse_index_json(text).ok()
}

/// Decides what the dropped files describe.
pub fn resolve(d: Dropped) -> DropOutcome {
    let name = d.names.join(", ");
    if !d.gguf.is_empty() {
        let header = match merge_splits(d.gguf) {
            Ok(h) => h,
            Err(e) => return DropOutcome::Failed(format!("{e}")),
        };
        return match model_from_file_header(&header) {
            Ok((arch, weight_bytes, format)) => DropOutcome::File(file_model(name, &arch, Some(weight_bytes), format)),
            Err(e) => DropOutcome::Failed(e),
        };
    }
    let st_bytes: Option<u64> = match (&d.index, d.safetensors.is_empty()) {
        (Some(ix), _) if ix.total_size.is_some() => ix.total_size,
        (_, false) => Some(d.safetensors.iter().map(SafetensorsHeader::total_bytes).sum()),
        _ => None,
    };
    match (d.config, st_bytes) {
        (Some(cfg), Some(bytes)) => match Arch::from_config_json(&cfg) {
            Ok(arch) => {
                let format = safetensors_format(&d.safetensors, &cfg);
                DropOutcome::File(file_model(name, &arch, Some(bytes), format))
            }
            Err(e) => DropOutcome::Failed(format!("{e}")),
        },
        (Some(cfg), None) => DropOutcome::Config(cfg),
        (None, Some(_)) => DropOutcome::NeedConfig,
        (None, None) => DropOutcome::Failed(String::new()),
    }
}

fn file_model(name: String, arch: &Arch, weight_bytes: Option<u64>, format: Option<&'static str>) -> FileModel {
    FileModel {
        name,
        arch_json: gpuplan_core::json::to_string(&arch.to_json()),
        weight_bytes,
        format: format.map(str::to_string),
    }
}

/// The weight format a safetensors checkpoint is stored in (the shared bridge's reading).
fn safetensors_format(headers: &[SafetensorsHeader], config: &str) -> Option<&'static str> {
    let v = gpuplan_core::json::parse(config).ok()?;
    gpuplan_files::model::safetensors_format(headers, &v).map(|f| f.name())
}

/// A GGUF header → (architecture, exact weight bytes, weight format name), through the bridge
/// the CLI uses too (`gpuplan_files::model`).
pub fn model_from_file_header(h: &GgufHeader) -> Result<(Arch, u64, Option<&'static str>), String> {
    let m = gpuplan_files::model::model_from_gguf(h)?;
    Ok((m.arch, m.weight_bytes, m.format.map(|f| f.name())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuplan_files::gguf::builder::GgufBuilder;
    use gpuplan_files::safetensors::builder::SafetensorsBuilder;
    use gpuplan_files::{Dtype, GgmlType};

    fn tiny_gguf() -> Vec<u8> {
        GgufBuilder::new(3)
            .meta_str("general.architecture", "llama")
            .meta_u32("general.file_type", 15)
            .meta_u32("llama.block_count", 2)
            .meta_u32("llama.embedding_length", 256)
            .meta_u32("llama.attention.head_count", 4)
            .meta_u32("llama.attention.head_count_kv", 2)
            .meta_u32("llama.feed_forward_length", 512)
            .meta_u32("llama.vocab_size", 1000)
            .tensor("token_embd.weight", GgmlType::Q4_K, &[256, 1000])
            .tensor("blk.0.ffn_down.weight", GgmlType::Q6_K, &[512, 256])
            .build_header()
    }

    /// `read_dropped` over in-memory files, counting the reads.
    fn drop_files(files: Vec<(&str, Vec<u8>)>) -> (DropResult, Vec<u64>) {
        let meta: Vec<(String, u64)> = files.iter().map(|(n, b)| (n.to_string(), b.len() as u64)).collect();
        let mut reads = Vec::new();
        let r = read_dropped(
            Lang::En,
            &meta,
            &mut |i, end| {
                reads.push(end);
                Some(files[i].1[..end as usize].to_vec())
            },
            &mut |i| String::from_utf8(files[i].1.clone()).ok(),
        );
        (r, reads)
    }

    #[test]
    fn a_drop_reads_headers_and_says_what_it_read() {
        // A GGUF header alone: read once (4 MiB covers it), a model with exact bytes.
        let mut gguf = tiny_gguf();
        gguf.extend(std::iter::repeat_n(0u8, 1000));
        let (r, reads) = drop_files(vec![("tiny.gguf", gguf.clone())]);
        assert_eq!(reads, vec![gguf.len() as u64]);
        assert!(matches!(&r.outcome, DropOutcome::File(f) if f.format.as_deref() == Some("q4_k_m")), "{r:?}");
        assert_eq!(r.status, "Read tiny.gguf");
        // Only weights: ask for the config. An unknown file is named with the reason.
        let st = SafetensorsBuilder::new().tensor("model.embed_tokens.weight", Dtype::BF16, &[10, 4]).build();
        let (r, _) = drop_files(vec![("model.safetensors", st.clone()), ("notes.txt", b"hi".to_vec())]);
        assert_eq!(r.outcome, DropOutcome::NeedConfig);
        assert!(r.status.starts_with(tw(Lang::En, Worded::NeedConfig)) && r.status.contains("notes.txt: "), "{}", r.status);
        // A config alone is the config path; broken bytes fail with the parser's message.
        let (r, _) = drop_files(vec![("config.json", b"{\"model_type\": \"llama\"}".to_vec())]);
        assert!(matches!(r.outcome, DropOutcome::Config(_)));
        let (r, _) = drop_files(vec![("x.gguf", b"GGUF\x07\x00\x00\x00garbage".to_vec())]);
        assert!(r.status.starts_with("x.gguf: "), "{}", r.status);
    }

    #[test]
    fn an_oversized_json_is_refused_from_its_size_before_it_is_read() {
        let files = vec![("config.json".to_string(), MAX_JSON_BYTES + 1)];
        let mut texts_read = 0;
        let r = read_dropped(Lang::En, &files, &mut |_, _| None, &mut |_| {
            texts_read += 1;
            Some(String::from("{}"))
        });
        assert_eq!(texts_read, 0, "the text was read before its size was checked");
        assert!(r.status.contains("config.json: ") && r.status.contains("32 MiB"), "{}", r.status);
    }

    #[test]
    fn a_drop_result_survives_the_trip_to_the_page() {
        let (r, _) = drop_files(vec![("tiny.gguf", tiny_gguf())]);
        assert_eq!(DropResult::from_json(&r.to_json()), Some(r));
        let r = DropResult { status: "s \"q\"".into(), outcome: DropOutcome::Config("{\"a\":1}".into()) };
        assert_eq!(DropResult::from_json(&r.to_json()), Some(r));
        let r = DropResult { status: "x".into(), outcome: DropOutcome::Failed(String::new()) };
        assert_eq!(DropResult::from_json(&r.to_json()), Some(r));
    }

    #[test]
    fn a_gguf_header_gives_the_shape_and_exact_bytes() {
        let bytes = tiny_gguf();
        let Parse::Done(h) = try_gguf(&bytes) else { panic!("parse") };
        let DropOutcome::File(f) = resolve(Dropped { names: vec!["tiny.gguf".into()], gguf: vec![h], ..Default::default() }) else { panic!("file") };
        assert_eq!(f.format.as_deref(), Some("q4_k_m"));
        assert_eq!(f.weight_bytes, Some(256 * 1000 / 256 * 144 + 512 * 256 / 256 * 210));
        let arch = Arch::from_json(&gpuplan_core::json::parse(&f.arch_json).unwrap()).unwrap();
        assert_eq!((arch.layers, arch.hidden, arch.kv_heads, arch.vocab, arch.tied_embeddings), (2, 256, 2, 1000, true));
        // A short prefix asks for more; garbage fails with a message.
        assert!(matches!(try_gguf(&bytes[..40]), Parse::More(n) if n > 40));
        assert!(matches!(try_gguf(b"GGUF\xff\xff\xff\xff0000000000000000"), Parse::Failed(_) | Parse::More(_)));
        assert!(matches!(try_gguf(b"PK\x03\x04 not a gguf"), Parse::Failed(_)));
    }

    #[test]
    fn safetensors_need_a_config() {
        let st = SafetensorsBuilder::new().tensor("model.embed_tokens.weight", Dtype::BF16, &[1000, 256]).build_header();
        let Parse::Done(h) = try_safetensors(&st) else { panic!() };
        assert_eq!(resolve(Dropped { safetensors: vec![h.clone()], ..Default::default() }), DropOutcome::NeedConfig);
        let cfg = r#"{"model_type":"llama","hidden_size":256,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":512,"vocab_size":1000}"#;
        let DropOutcome::File(f) = resolve(Dropped { config: Some(cfg.into()), safetensors: vec![h], ..Default::default() }) else { panic!() };
        assert_eq!((f.weight_bytes, f.format.as_deref()), (Some(512_000), Some("bf16")));
        // A lone config is the config path.
        assert_eq!(resolve(Dropped { config: Some(cfg.into()), ..Default::default() }), DropOutcome::Config(cfg.into()));
        let ix = index_from(r#"{"metadata":{"total_size":123456},"weight_map":{"a":"model-00001-of-00002.safetensors"}}"#).unwrap();
        let DropOutcome::File(f) = resolve(Dropped { config: Some(cfg.into()), index: Some(ix), ..Default::default() }) else { panic!() };
        assert_eq!(f.weight_bytes, Some(123456));
    }

    #[test]
    fn reads_grow_within_the_limits() {
        assert_eq!(next_read(FIRST_READ, FIRST_READ + 10, 1 << 40), Some(2 * FIRST_READ));
        assert_eq!(next_read(100, 50, 1000), None);
        assert_eq!(next_read(100, 2000, 1000), None);
        assert_eq!(next_read(100, 150, 180), Some(180));
        assert_eq!(kind_of("Model-00001-of-00003.GGUF"), Kind::Gguf);
        assert_eq!(kind_of("config.json"), Kind::Json);
    }
}
