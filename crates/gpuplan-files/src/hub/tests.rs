use super::fetch::{Fetch, FetchError, Method, Response, Step, GGUF_FIRST_READ, INDEX, SINGLE};
use super::*;
use crate::gguf::builder::GgufBuilder;
use crate::safetensors::builder::SafetensorsBuilder;
use crate::{Dtype, GgmlType};

fn hf(repo: &str, revision: Option<&str>, file: Option<&str>) -> HubRef {
    HubRef { host: Host::HuggingFace, repo: repo.into(), revision: revision.map(Into::into), file: file.map(Into::into) }
}

#[test]
fn what_people_type() {
    let cases: &[(&str, HubRef)] = &[
        ("Qwen/Qwen3-30B-A3B", hf("Qwen/Qwen3-30B-A3B", None, None)),
        ("  Qwen/Qwen3-30B-A3B/  ", hf("Qwen/Qwen3-30B-A3B", None, None)),
        ("https://huggingface.co/Qwen/Qwen2.5-14B", hf("Qwen/Qwen2.5-14B", None, None)),
        ("HTTPS://HuggingFace.co/Qwen/Qwen2.5-14B?library=transformers#x", hf("Qwen/Qwen2.5-14B", None, None)),
        ("huggingface.co/Qwen/Qwen2.5-14B/tree/v1.0", hf("Qwen/Qwen2.5-14B", Some("v1.0"), None)),
        ("https://hf.co/Qwen/Qwen2.5-14B/tree/refs%2Fpr%2F3", hf("Qwen/Qwen2.5-14B", Some("refs/pr/3"), None)),
        (
            "https://huggingface.co/unsloth/Qwen3-8B-GGUF/blob/main/Qwen3-8B-Q4_K_M.gguf",
            hf("unsloth/Qwen3-8B-GGUF", Some("main"), Some("Qwen3-8B-Q4_K_M.gguf")),
        ),
        (
            "https://huggingface.co/unsloth/Qwen3-8B-GGUF/resolve/abc123/sub/dir/x%20y.gguf?download=true",
            hf("unsloth/Qwen3-8B-GGUF", Some("abc123"), Some("sub/dir/x y.gguf")),
        ),
        (
            "https://huggingface.co/unsloth/Qwen3.6-35B-A3B-GGUF?show_file_info=Qwen3.6-35B-A3B-UD-Q3_K_XL.gguf",
            hf("unsloth/Qwen3.6-35B-A3B-GGUF", None, Some("Qwen3.6-35B-A3B-UD-Q3_K_XL.gguf")),
        ),
        ("https://huggingface.co/Qwen/Qwen2.5-14B/discussions/3", hf("Qwen/Qwen2.5-14B", None, None)),
        (
            "https://modelscope.cn/models/Qwen/Qwen2.5-7B-Instruct",
            HubRef { host: Host::ModelScope, repo: "Qwen/Qwen2.5-7B-Instruct".into(), revision: None, file: None },
        ),
        (
            "https://www.modelscope.cn/models/Qwen/Qwen2.5-7B-Instruct/file/view/master/config.json",
            HubRef { host: Host::ModelScope, repo: "Qwen/Qwen2.5-7B-Instruct".into(), revision: Some("master".into()), file: Some("config.json".into()) },
        ),
    ];
    for (input, want) in cases {
        assert_eq!(&parse_ref(input).unwrap(), want, "{input}");
    }
}

#[test]
fn what_is_refused_and_why() {
    let cases: &[(&str, &str)] = &[
        ("", "empty"),
        ("   ", "empty"),
        ("Qwen", "no_repo"),
        ("https://huggingface.co/", "no_repo"),
        ("https://example.com/Qwen/Qwen2.5-14B", "unknown_host"),
        ("hf-mirror.com/Qwen/Qwen2.5-14B", "unknown_host"),
        ("https://huggingface.co/datasets/HuggingFaceFW/fineweb", "not_a_model"),
        ("https://huggingface.co/spaces/x/y", "not_a_model"),
        ("https://modelscope.cn/Qwen/Qwen2.5-7B", "no_repo"),
        ("Qwen/Qwen 2.5", "bad_repo"),
        ("Qwen/-x", "bad_repo"),
        ("Qwen/a--b", "bad_repo"),
        ("Qwen/x.git", "bad_repo"),
        ("Qwen/Qwen2.5-14B/blob/main/../../etc/passwd", "bad_path"),
        ("Qwen/Qwen2.5-14B/blob/main/", "bad_path"),
        ("Qwen/Qwen2.5-14B/tree/%FF", "bad_path"),
        ("Qwen/Qwen2.5-14B/settings", "bad_path"),
    ];
    for (input, kind) in cases {
        let e = parse_ref(input).unwrap_err();
        assert_eq!(e.kind(), *kind, "{input}: {e}");
        assert!(e.to_string().contains("OWNER/NAME"), "{input}: the message says what is expected: {e}");
    }
    let long = "a/".repeat(MAX_REF_LEN);
    assert_eq!(parse_ref(&long).unwrap_err().kind(), "too_long");
    assert_eq!(parse_ref(&format!("{}/{}", "a".repeat(60), "b".repeat(60))).unwrap_err().kind(), "bad_repo");
}

#[test]
fn urls_as_the_hubs_own_clients_build_them() {
    let r = hf("Qwen/Qwen2.5-14B", Some("refs/pr/3"), None);
    assert_eq!(r.file_url("http://127.0.0.1:9/", "sub/x y.gguf"), "http://127.0.0.1:9/Qwen/Qwen2.5-14B/resolve/refs%2Fpr%2F3/sub/x%20y.gguf");
    assert_eq!(hf("a/b", None, None).file_url(HF_ENDPOINT, "config.json"), "https://huggingface.co/a/b/resolve/main/config.json");
    let ms = parse_ref("modelscope.cn/models/Qwen/Qwen2.5-7B").unwrap();
    assert_eq!(ms.file_url(ms.host.endpoint(), "sub/config.json"), "https://www.modelscope.cn/api/v1/models/Qwen/Qwen2.5-7B/repo?Revision=master&FilePath=sub%2Fconfig.json");
}

#[test]
fn content_range_and_error_bodies() {
    assert_eq!(parse_content_range("bytes 0-7/1234"), Some((0, 7, Some(1234))));
    assert_eq!(parse_content_range("bytes 8-99/*"), Some((8, 99, None)));
    for bad in ["bytes 9-8/100", "bytes 0-100/100", "bytes=0-7/10", "0-7/10", "bytes -7/10", "bytes 0-99999999999999999999999/1", ""] {
        assert_eq!(parse_content_range(bad), None, "{bad}");
    }
    assert_eq!(error_message(br#"{"error":"Access to model x/y is restricted."}"#).as_deref(), Some("Access to model x/y is restricted."));
    assert_eq!(error_message(br#"{"Code":10010205001,"Message":"model not found"}"#).as_deref(), Some("model not found"));
    assert_eq!(error_message(b"Entry not found").as_deref(), Some("Entry not found"));
    assert_eq!(error_message(b"<html>502</html>"), None);
    assert_eq!(error_message(b""), None);
    let long = format!(r#"{{"error":"{}"}}"#, "x\\n".repeat(1000));
    assert!(error_message(long.as_bytes()).unwrap().chars().count() <= MAX_ERROR_TEXT);
}

/// A stand-in repo: files by name; answers as the Hub does (HEAD with X-Linked-Size, Range
/// with 206 and Content-Range, 404 with EntryNotFound). Records the requests.
type Seen = (Method, String, Option<(u64, u64)>);

struct Repo {
    files: Vec<(&'static str, Vec<u8>)>,
    gated: bool,
    log: Vec<Seen>,
}

impl Repo {
    fn answer(&mut self, req: &super::fetch::Request) -> Response {
        self.log.push((req.method, req.file.clone(), req.range));
        if self.gated {
            return Response { status: 401, error_code: Some("GatedRepo".into()), body: br#"{"error":"Access to model m/gated is restricted."}"#.to_vec(), ..Default::default() };
        }
        let Some((_, data)) = self.files.iter().find(|(n, _)| *n == req.file) else {
            return Response { status: 404, error_code: Some("EntryNotFound".into()), ..Default::default() };
        };
        let size = data.len() as u64;
        match (req.method, req.range) {
            (Method::Head, _) => Response { status: 200, linked_size: Some(size), ..Default::default() },
            (Method::Get, None) => Response { status: 200, body: data.clone(), content_length: Some(size), ..Default::default() },
            (Method::Get, Some((a, b))) => {
                let b = b.min(size - 1);
                Response { status: 206, body: data[a as usize..=b as usize].to_vec(), content_range: Some(format!("bytes {a}-{b}/{size}")), ..Default::default() }
            }
        }
    }

    fn run(&mut self, r: HubRef) -> Result<super::fetch::Fetched, FetchError> {
        let (mut f, mut step) = Fetch::start(r);
        loop {
            match step {
                Step::Send(req) => {
                    let resp = self.answer(&req);
                    step = f.answer(resp);
                }
                Step::Done(d) => return Ok(d),
                Step::Failed(e) => return Err(e),
            }
        }
    }
}

const CONFIG: &str = r#"{"model_type":"llama","hidden_size":256,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":512,"vocab_size":1000}"#;

#[test]
fn a_repo_reads_its_config_and_index_only() {
    let index = br#"{"metadata":{"total_size":123456},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}"#;
    let mut repo = Repo { files: vec![("config.json", CONFIG.into()), (INDEX, index.to_vec())], gated: false, log: vec![] };
    let got = repo.run(hf("m/x", None, None)).unwrap();
    assert_eq!(got.config.as_deref(), Some(CONFIG));
    assert_eq!(got.index.unwrap().total_size, Some(123456));
    assert_eq!(repo.log, vec![(Method::Get, "config.json".into(), None), (Method::Get, INDEX.into(), None)]);
}

#[test]
fn without_an_index_the_single_file_header_is_read_by_range() {
    let st = SafetensorsBuilder::new().tensor("model.embed_tokens.weight", Dtype::BF16, &[1000, 256]).build();
    let header_len = u64::from_le_bytes(st[..8].try_into().unwrap());
    let mut repo = Repo { files: vec![("config.json", CONFIG.into()), (SINGLE, st.clone())], gated: false, log: vec![] };
    let got = repo.run(hf("m/x", None, None)).unwrap();
    assert_eq!(got.safetensors[0].total_bytes(), 1000 * 256 * 2);
    let ranges: Vec<_> = repo.log.iter().map(|(m, f, r)| (*m, f.as_str(), *r)).collect();
    assert_eq!(
        ranges,
        vec![
            (Method::Get, "config.json", None),
            (Method::Get, INDEX, None),
            (Method::Head, SINGLE, None),
            (Method::Get, SINGLE, Some((0, 7))),
            (Method::Get, SINGLE, Some((8, 8 + header_len - 1))),
        ]
    );
}

#[test]
fn an_index_without_total_size_reads_each_shard_header() {
    let a = SafetensorsBuilder::new().tensor("a", Dtype::BF16, &[10, 10]).build();
    let b = SafetensorsBuilder::new().tensor("b", Dtype::F32, &[10]).build();
    let index = br#"{"metadata":{},"weight_map":{"a":"s-1.safetensors","b":"s-2.safetensors"}}"#;
    let mut repo = Repo { files: vec![("config.json", CONFIG.into()), (INDEX, index.to_vec()), ("s-1.safetensors", a), ("s-2.safetensors", b)], gated: false, log: vec![] };
    let got = repo.run(hf("m/x", None, None)).unwrap();
    assert_eq!(got.safetensors.iter().map(|h| h.total_bytes()).sum::<u64>(), 200 + 40);
    assert_eq!(repo.log.len(), 2 + 3 * 2);
}

#[test]
fn a_gguf_link_reads_only_its_header_in_growing_ranges() {
    // A header of about 9 MiB (a long token list): 4 MiB, then the parser's answer or double.
    let tokens: Vec<String> = (0..600_000).map(|i| format!("tok{i:010}")).collect();
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let header = GgufBuilder::new(3)
        .meta_str("general.architecture", "llama")
        .meta_array_str("tokenizer.ggml.tokens", &refs)
        .tensor("token_embd.weight", GgmlType::Q8_0, &[256, 1000])
        .build_header();
    let mut file = header.clone();
    file.resize(header.len() + (32 << 20), 0);
    let size = file.len() as u64;
    let mut repo = Repo { files: vec![("m.gguf", file)], gated: false, log: vec![] };
    let got = repo.run(hf("m/x-GGUF", Some("main"), Some("m.gguf"))).unwrap();
    assert_eq!(got.gguf.len(), 1);
    assert_eq!(repo.log[0], (Method::Head, "m.gguf".into(), None));
    assert_eq!(repo.log[1].2, Some((0, GGUF_FIRST_READ - 1)));
    let mut next = 0;
    for (m, f, r) in &repo.log[1..] {
        let (a, b) = r.unwrap();
        assert_eq!((*m, f.as_str(), a), (Method::Get, "m.gguf", next), "contiguous ranges, nothing read twice");
        next = b + 1;
    }
    assert!(next >= header.len() as u64 && next <= 2 * header.len() as u64 && next < size, "read {next} bytes of a {size}-byte file whose header is {}", header.len());
    assert!(repo.log.len() <= 4, "{} requests", repo.log.len());
}

#[test]
fn gated_missing_and_bad_answers_are_named() {
    let mut repo = Repo { files: vec![], gated: true, log: vec![] };
    let e = repo.run(hf("m/gated", None, None)).unwrap_err();
    assert_eq!(e.kind(), "gated");
    assert!(e.to_string().contains("restricted"), "{e}");
    let mut repo = Repo { files: vec![], gated: false, log: vec![] };
    assert_eq!(repo.run(hf("m/x", None, None)).unwrap_err().kind(), "no_config");
    assert_eq!(repo.run(hf("m/x", None, Some("a.gguf"))).unwrap_err().kind(), "file_not_found");
    let mut repo = Repo { files: vec![("config.json", CONFIG.into())], gated: false, log: vec![] };
    assert_eq!(repo.run(hf("m/x", None, None)).unwrap_err().kind(), "no_weights");
    let (_, step) = Fetch::start(hf("m/x", None, Some("README.md")));
    assert!(matches!(step, Step::Failed(FetchError::NotAModelFile { .. })));
    // A truncated GGUF: the header needs more than the file has.
    let header = GgufBuilder::new(3).meta_str("general.architecture", "llama").tensor("t", GgmlType::F32, &[4]).build_header();
    let mut repo = Repo { files: vec![("t.gguf", header[..header.len() / 2].to_vec())], gated: false, log: vec![] };
    let e = repo.run(hf("m/x", None, Some("t.gguf"))).unwrap_err();
    assert_eq!(e.kind(), "bad_file", "{e}");
    // Status → error, as huggingface_hub's hf_raise_for_status reads X-Error-Code.
    for (status, code, kind) in [(401, None, "unauthorized"), (403, None, "gated"), (404, Some("RepoNotFound"), "repo_not_found"), (401, Some("RepoNotFound"), "unauthorized"), (404, Some("RevisionNotFound"), "revision_not_found"), (429, None, "rate_limited"), (500, None, "http")] {
        let (mut f, _) = Fetch::start(hf("m/x", None, None));
        match f.answer(Response { status, error_code: code.map(Into::into), ..Default::default() }) {
            Step::Failed(e) => assert_eq!(e.kind(), kind, "{status} {code:?}"),
            s => panic!("{status}: {s:?}"),
        }
    }
}

#[test]
fn a_server_that_ignores_range_is_read_only_as_far_as_asked() {
    let st = SafetensorsBuilder::new().tensor("x", Dtype::BF16, &[4, 4]).build();
    let (mut f, _) = Fetch::start(HubRef { host: Host::ModelScope, repo: "m/x".into(), revision: None, file: Some("a.safetensors".into()) });
    let Step::Send(req) = f.answer(Response { status: 200, body: CONFIG.into(), ..Default::default() }) else { panic!() };
    assert_eq!((req.method, req.range), (Method::Get, Some((0, 7))), "ModelScope: no HEAD");
    let Step::Send(req) = f.answer(Response { status: 200, body: st.clone(), ..Default::default() }) else { panic!() };
    let (a, b) = req.range.unwrap();
    assert_eq!(a, 8);
    match f.answer(Response { status: 200, body: st[..=b as usize].to_vec(), ..Default::default() }) {
        Step::Done(d) => assert_eq!(d.safetensors[0].total_bytes(), 32),
        s => panic!("{s:?}"),
    }
}

#[test]
fn a_part_of_a_split_gguf_reads_every_part() {
    use super::fetch::split_parts;
    assert_eq!(split_parts("Q4/m-00002-of-00003.gguf").unwrap(), vec!["Q4/m-00001-of-00003.gguf", "Q4/m-00002-of-00003.gguf", "Q4/m-00003-of-00003.gguf"]);
    for single in ["m.gguf", "m-1-of-00003.gguf", "m-00001-of-00001.gguf", "m-00001-of-x.gguf", "m-00001-of-99999.gguf", "m-00001-of-00002.safetensors"] {
        assert_eq!(split_parts(single), None, "{single}");
    }
    let part = |no: u16| {
        let b = GgufBuilder::new(3).split(no, 2, 2);
        let b = if no == 0 { b.meta_str("general.architecture", "llama") } else { b };
        b.tensor(&format!("t{no}"), GgmlType::Q8_0, &[64, 2]).build_header()
    };
    let mut repo = Repo { files: vec![("m-00001-of-00002.gguf", part(0)), ("m-00002-of-00002.gguf", part(1))], gated: false, log: vec![] };
    let got = repo.run(hf("m/x", None, Some("m-00002-of-00002.gguf"))).unwrap();
    assert_eq!(got.gguf.len(), 2);
    assert_eq!(got.files, vec!["m-00001-of-00002.gguf", "m-00002-of-00002.gguf"]);
    assert!(crate::merge_splits(got.gguf).is_ok());
    let mut repo = Repo { files: vec![("m-00001-of-00002.gguf", part(0))], gated: false, log: vec![] };
    assert_eq!(repo.run(hf("m/x", None, Some("m-00001-of-00002.gguf"))).unwrap_err().kind(), "file_not_found");
}
