//! Deterministic, dependency-free mutational fuzzer for the parsers of `gpuplan-files`.
//!
//! ```text
//! cargo run --release -p gpuplan-files --example fuzz -- [INPUTS_PER_TARGET] [SEED]
//! ```
//!
//! Targets: `parse_gguf` (each parsed header also through `model_from_gguf` and `mmproj_from_gguf`), `parse_safetensors`, `parse_index_json`, `config_json` (the JSON
//! reader and `Arch::from_config_json`), `merge_splits`, and the Hub's: `hub_ref` (what a
//! person types), `content_range`, `hub_error_body` (what the Hub answers) and `hub_fetch` (the
//! plan of requests driven by random statuses, headers and mutated bodies), each
//! fed `INPUTS_PER_TARGET` inputs (default 1,000,000). Seeds are valid files made with the
//! crate's builders; each input applies 1–4 mutations (bit flips, bytes set to 0/0xFF/0x7F/
//! 0x80, truncation, splicing with another seed, u32/u64 fields overwritten with boundary
//! values, dictionary tokens inserted, ranges deleted or duplicated); for the JSON targets,
//! half the inputs instead get JSON-aware mutations (numbers and strings replaced by
//! boundary values and format words) so they get past the JSON syntax check, and the
//! safetensors length prefix is fixed up after those (and after half the others). The PRNG is xorshift64* so a
//! run is reproducible from its seed.
//!
//! Every call runs under `std::panic::catch_unwind`; outcomes are counted per error kind.
//! The process exits with status 1 if any input panicked. The workspace's release profile
//! sets `panic = "abort"`: there a panic cannot be caught, so a panic hook prints the
//! target, the input number and the path of the saved input before the process aborts
//! (non-zero status either way). To keep going and count panics instead, build with
//! unwinding: `cargo run --release --config 'profile.release.panic="unwind"' …`.
//! `GPUPLAN_FUZZ_INJECT_PANIC=N` makes input N of each byte target panic, to check that
//! the harness reports panics and exits non-zero.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use gpuplan_files::gguf::builder::GgufBuilder;
use gpuplan_files::gguf::{
    merge_splits, parse_gguf, GgmlType, GgufHeader, GgufValueType, MetaValue,
};
use gpuplan_files::safetensors::builder::SafetensorsBuilder;
use gpuplan_files::safetensors::{parse_index_json, parse_safetensors, Dtype};

/// xorshift64* (Marsaglia / Vigna): tiny, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const INTERESTING_U8: &[u8] = &[0, 0xFF, 0x7F, 0x80, 1, 0xFE, b'{', b'"'];
const INTERESTING_U32: &[u32] = &[
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    8,
    9,
    10,
    12,
    13,
    30,
    31,
    34,
    39,
    40,
    41,
    42,
    43,
    64,
    255,
    256,
    0x0300_0000,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFE,
    0xFFFF_FFFF,
];
const INTERESTING_U64: &[u64] = &[
    0,
    1,
    2,
    4,
    5,
    32,
    64,
    255,
    1 << 16,
    1 << 24,
    16 << 20,
    (16 << 20) + 1,
    999_999,
    1_000_000,
    1_000_001,
    100_000_000,
    100_000_001,
    256 << 20,
    (256 << 20) + 1,
    1 << 31,
    1 << 32,
    (1 << 32) + 1,
    i64::MAX as u64,
    1 << 63,
    u64::MAX - 31,
    u64::MAX - 1,
    u64::MAX,
];

/// Largest input kept after mutation.
const MAX_INPUT: usize = 1 << 16;

fn mutate(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[Vec<u8>], dictionary: &[&[u8]]) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = data.len();
        match rng.below(11) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = *rng.pick(INTERESTING_U8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            3 => {
                let cut = rng.below(len + 1);
                data.truncate(cut);
            }
            4 => {
                // Splice: our head, another seed's tail.
                let other = rng.pick(seeds);
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            5 if len >= 8 => {
                let i = if rng.below(2) == 0 {
                    rng.below(len / 8) * 8
                } else {
                    rng.below(len - 7)
                };
                data[i..i + 8].copy_from_slice(&rng.pick(INTERESTING_U64).to_le_bytes());
            }
            6 if len >= 4 => {
                let i = if rng.below(2) == 0 {
                    rng.below(len / 4) * 4
                } else {
                    rng.below(len - 3)
                };
                data[i..i + 4].copy_from_slice(&rng.pick(INTERESTING_U32).to_le_bytes());
            }
            7 if !dictionary.is_empty() => {
                let token = *rng.pick(dictionary);
                let i = rng.below(len + 1);
                if rng.below(2) == 0 || i + token.len() > len {
                    data.splice(i..i, token.iter().copied());
                } else {
                    data[i..i + token.len()].copy_from_slice(token);
                }
            }
            8 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(16)).min(len);
                data.drain(start..end);
            }
            9 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let chunk: Vec<u8> = data[start..end].to_vec();
                let at = rng.below(len + 1);
                data.splice(at..at, chunk);
            }
            10 if len >= 8 => {
                // A random 64-bit value.
                let i = rng.below(len - 7);
                data[i..i + 8].copy_from_slice(&rng.next().to_le_bytes());
            }
            _ => {}
        }
    }
    data.truncate(MAX_INPUT);
}

const JSON_NUMBERS: &[&[u8]] = &[
    b"0",
    b"1",
    b"-1",
    b"2",
    b"8",
    b"1.5",
    b"1e400",
    b"-0",
    b"4294967296",
    b"9007199254740993",
    b"100000000",
    b"18446744073709551615",
    b"18446744073709551616",
];
const JSON_WORDS: &[&[u8]] = &[
    b"",
    b"a",
    b"BF16",
    b"F4",
    b"F6_E2M3",
    b"F8_E4M3",
    b"U8",
    b"Q4",
    b"__metadata__",
    b"dtype",
    b"shape",
    b"data_offsets",
    b"weight_map",
    b"metadata",
    b"total_size",
    b"format",
    b"\\u0000",
    b"x.qweight",
    b"x.g_idx",
    b"w_blocks",
    b"w_scales",
    b"weight_scale_inv",
];

/// `[start, end)` byte ranges.
type Spans = Vec<(usize, usize)>;

/// Byte ranges of the number literals and string contents in `data[from..]`.
fn json_tokens(data: &[u8], from: usize) -> (Spans, Spans) {
    let (mut numbers, mut strings) = (Vec::new(), Vec::new());
    let mut i = from;
    while i < data.len() {
        match data[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < data.len() && data[j] != b'"' {
                    j += if data[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(data.len());
                strings.push((start, end));
                i = end + 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < data.len()
                    && matches!(data[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                numbers.push((start, i));
            }
            _ => i += 1,
        }
    }
    (numbers, strings)
}

/// Structure-aware mutations of JSON text starting at `data[from]`: numbers and strings
/// replaced by boundary values and format words, so inputs stay JSON and reach the
/// parsers' own checks.
fn mutate_json(rng: &mut Rng, data: &mut Vec<u8>, from: usize) {
    for _ in 0..1 + rng.below(3) {
        let (numbers, strings) = json_tokens(data, from);
        match rng.below(3) {
            0 if !numbers.is_empty() => {
                let (start, end) = *rng.pick(&numbers);
                data.splice(start..end, rng.pick(JSON_NUMBERS).iter().copied());
            }
            1 if !strings.is_empty() => {
                let (start, end) = *rng.pick(&strings);
                data.splice(start..end, rng.pick(JSON_WORDS).iter().copied());
            }
            _ if strings.len() >= 2 => {
                // Copy one string over another (makes duplicate keys, swaps dtypes, ...).
                let (a_start, a_end) = *rng.pick(&strings);
                let (b_start, b_end) = *rng.pick(&strings);
                let word: Vec<u8> = data[a_start..a_end].to_vec();
                data.splice(b_start..b_end, word);
            }
            _ => {}
        }
    }
    data.truncate(MAX_INPUT);
}

// ---------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------

fn gguf_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let llama = GgufBuilder::new(3)
        .meta_str("general.architecture", "llama")
        .meta_str("general.name", "fuzz llama")
        .meta_u32("general.file_type", 15)
        .meta_u32("llama.block_count", 2)
        .meta_u32("llama.context_length", 8192)
        .meta_u32("llama.embedding_length", 256)
        .meta_u32("llama.attention.head_count", 8)
        .meta_u32("llama.attention.head_count_kv", 2)
        .meta_f32("llama.rope.freq_base", 500_000.0)
        .meta_f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
        .meta_bool("tokenizer.ggml.add_bos_token", true)
        .meta_array_str("tokenizer.ggml.tokens", &["<s>", "</s>", "a", "b"])
        .tensor("token_embd.weight", GgmlType::Q4_K, &[256, 32])
        .tensor("blk.0.attn_q.weight", GgmlType::Q4_K, &[256, 256])
        .tensor("blk.0.attn_k.weight", GgmlType::Q4_K, &[256, 64])
        .tensor("blk.0.attn_v.weight", GgmlType::Q6_K, &[256, 64])
        .tensor("blk.0.ffn_down.weight", GgmlType::Q8_0, &[512, 256])
        .tensor("blk.0.attn_norm.weight", GgmlType::F32, &[256])
        .tensor("output.weight", GgmlType::Q6_K, &[256, 32]);
    seeds.push(llama.build_header());
    seeds.push(llama.build());

    // A llama.cpp mmproj (`general.architecture` clip): the keys `mmproj_from_gguf` reads.
    let clip = GgufBuilder::new(3)
        .meta_str("general.architecture", "clip")
        .meta_bool("clip.has_vision_encoder", true)
        .meta_str("clip.projector_type", "pixtral")
        .meta_u32("clip.vision.image_size", 1024)
        .meta_u32("clip.vision.patch_size", 16)
        .meta_u32("clip.vision.spatial_merge_size", 2)
        .meta_u32("clip.vision.projector.scale_factor", 2)
        .meta_u32("clip.vision.embedding_length", 64)
        .tensor("v.patch_embd.weight", GgmlType::F16, &[16, 16, 3, 64])
        .tensor("v.token_embd.img_break", GgmlType::F32, &[64])
        .tensor("mm.1.weight", GgmlType::Q8_0, &[64, 128]);
    seeds.push(clip.build_header());
    seeds.push(clip.build());

    let tokens: Vec<String> = (0..300).map(|i| format!("tok{i}")).collect();
    let merges: Vec<String> = (0..200).map(|i| format!("t{i} o{i}")).collect();
    let scores: Vec<f32> = (0..300).map(|i| -(i as f32)).collect();
    let types: Vec<i32> = (0..300).map(|i| i % 6).collect();
    seeds.push(
        GgufBuilder::new(3)
            .meta_str("general.architecture", "qwen2")
            .meta_str("tokenizer.ggml.model", "gpt2")
            .meta_array_str("tokenizer.ggml.tokens", &tokens)
            .meta_array_f32("tokenizer.ggml.scores", &scores)
            .meta_array_i32("tokenizer.ggml.token_type", &types)
            .meta_array_str("tokenizer.ggml.merges", &merges)
            .meta_str(
                "tokenizer.chat_template",
                "{% for m in messages %}{{ m.content }}{% endfor %}",
            )
            .tensor("token_embd.weight", GgmlType::BF16, &[64, 300])
            .build_header(),
    );
    seeds.push(
        GgufBuilder::new(2)
            .alignment(64)
            .meta_str("general.architecture", "phi3")
            .tensor("a", GgmlType::F16, &[3])
            .tensor("b", GgmlType::IQ4_NL, &[64, 2])
            .tensor("c", GgmlType::MXFP4, &[32, 4, 2])
            .build(),
    );
    seeds.push(
        GgufBuilder::new(3)
            .meta_str("general.architecture", "llama")
            .split(0, 3, 4)
            .tensor("x", GgmlType::Q8_0, &[64, 2])
            .build_header(),
    );
    let nested = MetaValue::Array {
        elem_type: GgufValueType::Array,
        len: 2,
        small: vec![
            MetaValue::Array {
                elem_type: GgufValueType::U8,
                len: 2,
                small: vec![MetaValue::U8(1), MetaValue::U8(2)],
            },
            MetaValue::Array {
                elem_type: GgufValueType::String,
                len: 1,
                small: vec![MetaValue::String("s".into())],
            },
        ],
    };
    let mut all_values = GgufBuilder::new(3)
        .meta("u8", MetaValue::U8(1))
        .meta("i8", MetaValue::I8(-1))
        .meta("u16", MetaValue::U16(2))
        .meta("i16", MetaValue::I16(-2))
        .meta("i32", MetaValue::I32(-3))
        .meta("u64", MetaValue::U64(4))
        .meta("i64", MetaValue::I64(-4))
        .meta("f64", MetaValue::F64(0.5))
        .meta("nested", nested);
    for &ty in GgmlType::ALL {
        let row = ty.block_elems() * 2;
        all_values = all_values.tensor(&format!("t.{}", ty.name()), ty, &[row, 3]);
    }
    seeds.push(all_values.build_header());
    seeds
}

const GGUF_DICTIONARY: &[&[u8]] = &[
    b"GGUF",
    &[3, 0, 0, 0],
    &[2, 0, 0, 0],
    &[0, 0, 0, 3],
    b"general.alignment",
    b"general.architecture",
    b"split.no",
    b"split.count",
    b"split.tensors.count",
    b"clip",
    b"clip.projector_type",
    b"clip.vision.image_size",
    b"clip.vision.patch_size",
    &[9, 0, 0, 0, 8, 0, 0, 0],
    &[0xFF, 0xFE, 0xFD],
];

fn safetensors_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    seeds.push(
        SafetensorsBuilder::new()
            .metadata("format", "pt")
            .tensor("model.embed_tokens.weight", Dtype::BF16, &[64, 32])
            .tensor("model.norm.weight", Dtype::F32, &[32])
            .build_header(),
    );
    let mut all = SafetensorsBuilder::new();
    for &dtype in Dtype::ALL {
        all = all.tensor(&format!("t.{}", dtype.name()), dtype, &[2, 4]);
    }
    seeds.push(all.build_header());
    let p = "model.layers.0.self_attn.q_proj";
    seeds.push(
        SafetensorsBuilder::new()
            .tensor(&format!("{p}.qweight"), Dtype::I32, &[16, 64])
            .tensor(&format!("{p}.qzeros"), Dtype::I32, &[1, 8])
            .tensor(&format!("{p}.scales"), Dtype::F16, &[1, 64])
            .tensor(&format!("{p}.g_idx"), Dtype::I32, &[128])
            .tensor(&format!("{p}.weight_scale_inv"), Dtype::F32, &[1, 1])
            .tensor(
                "model.layers.0.mlp.experts.gate_up_proj_blocks",
                Dtype::U8,
                &[2, 16],
            )
            .build_header(),
    );
    seeds.push(
        SafetensorsBuilder::new()
            .metadata("quant", "nvfp4")
            .tensor("w", Dtype::F4, &[4, 4])
            .tensor("s", Dtype::F8_E4M3, &[])
            .tensor("e", Dtype::U8, &[0, 3])
            .build_header(),
    );
    seeds
}

const JSON_DICTIONARY: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\u0000",
    b"\"__metadata__\"",
    b"\"dtype\"",
    b"\"shape\"",
    b"\"data_offsets\"",
    b"\"weight_map\"",
    b"\"metadata\"",
    b"\"total_size\"",
    b"\"F4\"",
    b"\"BF16\"",
    b"\"F8_E4M3\"",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"1e400",
    b"1.5",
    b"18446744073709551615",
    b"18446744073709551616",
    b"4294967296",
    b"[0,0]",
    b"[4294967296,4294967296]",
    b"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
];

const INDEX_SEED: &str = r#"{
  "metadata": {"total_size": 16060522496, "total_parameters": 8030261248},
  "weight_map": {
    "lm_head.weight": "model-00004-of-00004.safetensors",
    "model.embed_tokens.weight": "model-00001-of-00004.safetensors",
    "model.layers.0.mlp.down_proj.weight": "model-00001-of-00004.safetensors",
    "model.layers.9.mlp.up_proj.weight": "model-00002-of-00004.safetensors"
  }
}"#;

// ---------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------

thread_local! {
    /// The input under test, for the panic hook.
    static CURRENT: RefCell<(String, u64, Vec<u8>)> = const { RefCell::new((String::new(), 0, Vec::new())) };
}

fn set_current(target: &str, index: u64, input: &[u8]) {
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        if current.0 != target {
            current.0 = target.to_string();
        }
        current.1 = index;
        current.2.clear();
        current.2.extend_from_slice(input);
    });
}

fn install_panic_hook() {
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let (target, index, input) = CURRENT.with(|c| c.borrow().clone());
        let path = std::env::temp_dir().join(format!("gpuplan-fuzz-crash-{target}-{index}.bin"));
        let saved = std::fs::write(&path, &input).is_ok();
        eprintln!(
            "PANIC in {target} on input #{index} ({} bytes){}",
            input.len(),
            if saved {
                format!(", saved to {}", path.display())
            } else {
                String::new()
            }
        );
        default_hook(info);
    }));
}

#[derive(Default)]
struct Stats {
    inputs: u64,
    panics: u64,
    ok: u64,
    errors: BTreeMap<&'static str, u64>,
    elapsed: Duration,
}

impl Stats {
    fn record<T, E>(
        &mut self,
        outcome: std::thread::Result<Result<T, E>>,
        kind: impl Fn(&E) -> &'static str,
    ) {
        self.inputs += 1;
        match outcome {
            Err(_) => self.panics += 1,
            Ok(Ok(_)) => self.ok += 1,
            Ok(Err(e)) => *self.errors.entry(kind(&e)).or_default() += 1,
        }
    }

    fn print(&self, name: &str) {
        let n = self.inputs.max(1) as f64;
        let errors: u64 = self.errors.values().sum();
        println!(
            "{name}: {} inputs, {} panics, {:.1}% errors, {:.1}% ok, {:.2} s ({:.0} inputs/s)",
            self.inputs,
            self.panics,
            100.0 * errors as f64 / n,
            100.0 * self.ok as f64 / n,
            self.elapsed.as_secs_f64(),
            self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9),
        );
        let mut kinds: Vec<(&&str, &u64)> = self.errors.iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(a.1));
        let line: Vec<String> = kinds
            .iter()
            .map(|(k, v)| format!("{k} {:.2}% ({v})", 100.0 * **v as f64 / n))
            .collect();
        println!("    {}", line.join(", "));
    }
}

/// How to make inputs for one byte-level target.
struct ByteTarget<'a> {
    name: &'static str,
    seeds: &'a [Vec<u8>],
    dictionary: &'a [&'a [u8]],
    /// Rewrite the 8-byte safetensors length prefix to match the mutated input.
    fix_length_prefix: bool,
    /// Offset of JSON text to mutate structurally, for JSON targets.
    json_from: Option<usize>,
}

fn fuzz_bytes<T, E>(
    target: &ByteTarget<'_>,
    inputs: u64,
    rng: &mut Rng,
    parse: impl Fn(&[u8]) -> Result<T, E>,
    kind: impl Fn(&E) -> &'static str,
) -> Stats {
    let ByteTarget {
        name,
        seeds,
        dictionary,
        fix_length_prefix,
        json_from,
    } = *target;
    // Harness self-test: GPUPLAN_FUZZ_INJECT_PANIC=N panics on input N of every byte target.
    let inject_panic_at: Option<u64> = std::env::var("GPUPLAN_FUZZ_INJECT_PANIC")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut stats = Stats::default();
    let mut input = Vec::with_capacity(MAX_INPUT);
    let start = Instant::now();
    for index in 0..inputs {
        input.clear();
        input.extend_from_slice(rng.pick::<Vec<u8>>(seeds));
        let json_aware = match json_from {
            Some(from) if rng.below(2) == 0 => {
                mutate_json(rng, &mut input, from);
                true
            }
            _ => {
                mutate(rng, &mut input, seeds, dictionary);
                false
            }
        };
        // After JSON-aware mutations, and half the time after byte mutations, make the
        // safetensors length prefix match the mutated JSON so the inputs reach the JSON and
        // tensor checks instead of stopping at the length.
        if fix_length_prefix && input.len() >= 8 && (json_aware || rng.below(2) == 0) {
            let json_len = (input.len() - 8) as u64;
            input[..8].copy_from_slice(&json_len.to_le_bytes());
        }
        set_current(name, index, &input);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            if inject_panic_at == Some(index) {
                panic!("injected panic (GPUPLAN_FUZZ_INJECT_PANIC) to test the harness");
            }
            parse(&input)
        }));
        stats.record(outcome, &kind);
    }
    stats.elapsed = start.elapsed();
    stats
}

/// Builds one part of a split set, optionally with wrong metadata.
fn split_part(no: u16, count: u16, total: i32, names: &[String]) -> Vec<u8> {
    let mut builder = GgufBuilder::new(3);
    if no == 0 {
        builder = builder.meta_str("general.architecture", "llama");
    }
    builder = builder.split(no, count, total);
    for name in names {
        builder = builder.tensor(name, GgmlType::Q8_0, &[64, 2]);
    }
    builder.build_header()
}

fn fuzz_merge(inputs: u64, rng: &mut Rng) -> Stats {
    // A pool of serialized parts: complete sets of 1–4 parts, plus parts with wrong counts,
    // wrong tensor totals, clashing names and no split metadata at all.
    let mut pool: Vec<Vec<u8>> = Vec::new();
    for count in 1..=4u16 {
        for no in 0..count {
            let names: Vec<String> = (0..2).map(|i| format!("c{count}.p{no}.t{i}")).collect();
            pool.push(split_part(no, count, i32::from(count) * 2, &names));
            pool.push(split_part(no, count, i32::from(count) * 2 + 1, &names));
            pool.push(split_part(no, count + 1, i32::from(count) * 2, &names));
            pool.push(split_part(
                no,
                count,
                i32::from(count) * 2,
                &["clash".to_string()],
            ));
        }
        pool.push(split_part(count, count, 2, &["oob".to_string()]));
    }
    pool.push(
        GgufBuilder::new(3)
            .tensor("plain", GgmlType::F32, &[4])
            .build_header(),
    );
    let parsed_pool: Vec<GgufHeader> = pool.iter().filter_map(|p| parse_gguf(p).ok()).collect();
    assert_eq!(
        parsed_pool.len(),
        pool.len(),
        "every builder-made part parses"
    );

    let mut stats = Stats::default();
    let start = Instant::now();
    let mut scratch = Vec::new();
    for index in 0..inputs {
        // Mostly a complete set of `count` parts, shuffled, then disturbed.
        let count = 1 + rng.below(4);
        let base: usize = (1..count).map(|c| 4 * c + 1).sum();
        let mut parts: Vec<GgufHeader> = (0..count)
            .map(|no| parsed_pool[base + 4 * no].clone())
            .collect();
        for _ in 0..rng.below(3) {
            match rng.below(6) {
                0 if !parts.is_empty() => {
                    let i = rng.below(parts.len());
                    parts.remove(i);
                }
                1 => parts.push(rng.pick(&parsed_pool).clone()),
                2 if !parts.is_empty() => {
                    let i = rng.below(parts.len());
                    parts[i] = rng.pick(&parsed_pool).clone();
                }
                3 if !parts.is_empty() => {
                    // A byte-mutated part, kept if it still parses.
                    scratch.clear();
                    scratch.extend_from_slice(rng.pick::<Vec<u8>>(&pool));
                    mutate(rng, &mut scratch, &pool, GGUF_DICTIONARY);
                    if let Ok(header) = parse_gguf(&scratch) {
                        let i = rng.below(parts.len());
                        parts[i] = header;
                    }
                }
                4 if parts.len() > 1 => {
                    let (a, b) = (rng.below(parts.len()), rng.below(parts.len()));
                    parts.swap(a, b);
                }
                _ => {}
            }
        }
        // Shuffle (Fisher–Yates).
        for i in (1..parts.len()).rev() {
            let j = rng.below(i + 1);
            parts.swap(i, j);
        }
        set_current("merge_splits", index, &(parts.len() as u64).to_le_bytes());
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| merge_splits(parts)));
        stats.record(outcome, |e| e.kind());
    }
    stats.elapsed = start.elapsed();
    stats
}

// ---------------------------------------------------------------------------------------
// The Hub: what a person types, what the Hub answers, and the plan of requests
// ---------------------------------------------------------------------------------------

/// References as people type them (ids, links of every form the parser reads).
const HUB_REF_SEEDS: &[&str] = &[
    "Qwen/Qwen3-30B-A3B",
    "https://huggingface.co/Qwen/Qwen2.5-14B",
    "https://huggingface.co/Qwen/Qwen2.5-14B/tree/refs%2Fpr%2F3",
    "https://huggingface.co/unsloth/Qwen3-8B-GGUF/blob/main/Qwen3-8B-Q4_K_M.gguf",
    "hf.co/unsloth/Qwen3-8B-GGUF/resolve/abc/sub/x%20y.gguf?download=true",
    "https://huggingface.co/unsloth/Q-GGUF?show_file_info=Q-UD-Q3_K_XL.gguf",
    "https://modelscope.cn/models/Qwen/Qwen2.5-7B-Instruct/file/view/master/config.json",
    "https://huggingface.co/datasets/a/b",
];
const HUB_REF_DICTIONARY: &[&[u8]] = &[
    b"https://", b"huggingface.co/", b"hf.co/", b"modelscope.cn/models/", b"/blob/", b"/resolve/", b"/tree/",
    b"/file/view/", b"%2F", b"%", b"%FF", b"..", b"--", b"?show_file_info=", b"#", b".gguf", b".safetensors", b"/",
];
/// `Content-Range` values.
const CONTENT_RANGE_SEEDS: &[&str] = &["bytes 0-7/1234", "bytes 8-4194311/9000000000", "bytes 0-0/*", "bytes 18446744073709551614-18446744073709551614/18446744073709551615"];
/// Error answers of the Hub and ModelScope.
const HUB_ERROR_SEEDS: &[&str] = &[
    r#"{"error":"Access to model meta-llama/Llama-3.1-8B is restricted. You must have access to it and be authenticated to access it. Please log in."}"#,
    r#"{"error":["Repository Not Found"]}"#,
    r#"{"Code":10010205001,"Message":"model not found","RequestId":"x","Success":false}"#,
    "Entry not found",
    "<html><body>502 Bad Gateway</body></html>",
];

/// The plan of requests ([`gpuplan_files::hub::fetch::Fetch`]) against answers made of random
/// statuses, headers and (mutated) bodies: configs, indexes, safetensors and GGUF headers.
fn fuzz_hub_fetch(inputs: u64, rng: &mut Rng) -> Stats {
    use gpuplan_files::hub::fetch::{Fetch, Method, Response, Step};
    use gpuplan_files::hub::parse_ref;
    let refs: Vec<_> = HUB_REF_SEEDS.iter().filter_map(|r| parse_ref(r).ok()).chain([parse_ref("a/b/blob/main/m.safetensors").unwrap(), parse_ref("a/b/blob/main/m-00002-of-00002.gguf").unwrap(), parse_ref("modelscope.cn/models/a/b").unwrap()]).collect();
    let mut bodies: Vec<Vec<u8>> = vec![SAFETENSORS_CONFIG.as_bytes().to_vec(), INDEX_SEED.as_bytes().to_vec(), br#"{"metadata":{},"weight_map":{"a":"s-1.safetensors","b":"../s.safetensors"}}"#.to_vec()];
    bodies.extend(safetensors_seeds());
    bodies.extend(gguf_seeds());
    bodies.extend(HUB_ERROR_SEEDS.iter().map(|s| s.as_bytes().to_vec()));
    const STATUSES: &[u16] = &[200, 200, 200, 206, 206, 206, 0, 301, 401, 403, 404, 416, 429, 500];
    const CODES: &[&str] = &["GatedRepo", "RepoNotFound", "RevisionNotFound", "EntryNotFound", ""];
    let mut stats = Stats::default();
    let start = Instant::now();
    for index in 0..inputs {
        let r = rng.pick(&refs).clone();
        set_current("hub_fetch", index, r.repo.as_bytes());
        let mut script: Vec<(u16, usize, u64)> = (0..12).map(|_| (*rng.pick(STATUSES), rng.below(bodies.len()), rng.next())).collect();
        let mut mutated: Vec<Vec<u8>> = Vec::new();
        for _ in 0..3 {
            let mut b = rng.pick(&bodies).clone();
            mutate(rng, &mut b, &bodies, JSON_DICTIONARY);
            mutated.push(b);
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            let (mut f, mut step) = Fetch::start(r);
            let mut turn = 0usize;
            loop {
                match step {
                    Step::Send(req) => {
                        let (status, body_i, bits) = script.get(turn).copied().unwrap_or((206, 0, turn as u64));
                        turn += 1;
                        if turn > 4 * gpuplan_files::hub::fetch::MAX_REQUESTS as usize {
                            panic!("the plan did not end after {turn} answers");
                        }
                        let body = if bits % 3 == 0 { &mutated[(bits as usize / 3) % 3] } else { &bodies[body_i] };
                        let (a, b) = req.range.unwrap_or((0, u64::MAX - 1));
                        // Mostly a faithful 206 of the asked range, sometimes something else.
                        let faithful = bits % 4 != 1;
                        let slice: Vec<u8> = if req.method == Method::Head { Vec::new() } else if faithful && status == 206 {
                            body.get(a.min(body.len() as u64) as usize..(b.saturating_add(1)).min(body.len() as u64).max(a.min(body.len() as u64)) as usize).unwrap_or(&[]).to_vec()
                        } else {
                            body[..body.len().min(req.max_body.min(1 << 20) as usize)].to_vec()
                        };
                        let total = if bits % 5 == 0 { bits >> 8 } else { body.len() as u64 };
                        let content_range = match bits % 7 {
                            0 => None,
                            1 => Some(format!("bytes {}-{}/{}", bits % 100, bits % 1000, total)),
                            _ => Some(format!("bytes {a}-{}/{total}", a + (slice.len() as u64).max(1) - 1)),
                        };
                        let code = *rng_free_pick(CODES, bits);
                        step = f.answer(Response {
                            status,
                            body: slice,
                            content_range,
                            content_length: (bits % 11 != 0).then_some(total),
                            linked_size: (bits % 13 == 0).then_some(bits >> 4),
                            error_code: (!code.is_empty() && status >= 400).then(|| code.to_string()),
                            error_message: None,
                        });
                    }
                    Step::Done(d) => return Ok(d.files.len()),
                    Step::Failed(e) => return Err(e.kind()),
                }
            }
        }));
        script.clear();
        stats.record(outcome, |e| e);
    }
    stats.elapsed = start.elapsed();
    stats
}

/// A deterministic pick from `bits` (inside the caught closure, which cannot borrow the RNG).
fn rng_free_pick<T>(items: &[T], bits: u64) -> &T {
    &items[((bits >> 17) % items.len() as u64) as usize]
}

fn fuzz_hub_text(inputs: u64, rng: &mut Rng) -> Vec<Stats> {
    use gpuplan_files::hub::{error_message, parse_content_range, parse_ref, HF_ENDPOINT};
    let mut all = Vec::new();
    let seeds: Vec<Vec<u8>> = HUB_REF_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    let target = ByteTarget { name: "hub_ref", seeds: &seeds, dictionary: HUB_REF_DICTIONARY, fix_length_prefix: false, json_from: None };
    let stats = fuzz_bytes(&target, inputs, rng, |bytes: &[u8]| {
        let text = core::str::from_utf8(bytes).map_err(|_| "utf-8")?;
        let r = parse_ref(text).map_err(|e| e.kind())?;
        Ok::<_, &str>(r.file_url(HF_ENDPOINT, r.file.as_deref().unwrap_or("config.json")))
    }, |e| e);
    stats.print("hub_ref (parse_ref + file_url)");
    all.push(stats);
    let seeds: Vec<Vec<u8>> = CONTENT_RANGE_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    let target = ByteTarget { name: "content_range", seeds: &seeds, dictionary: &[b"bytes ", b"-", b"/", b"*", b"18446744073709551615"], fix_length_prefix: false, json_from: None };
    let stats = fuzz_bytes(&target, inputs, rng, |bytes: &[u8]| core::str::from_utf8(bytes).ok().and_then(parse_content_range).ok_or("none"), |e| e);
    stats.print("content_range");
    all.push(stats);
    let seeds: Vec<Vec<u8>> = HUB_ERROR_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    let target = ByteTarget { name: "hub_error_body", seeds: &seeds, dictionary: JSON_DICTIONARY, fix_length_prefix: false, json_from: Some(0) };
    let stats = fuzz_bytes(&target, inputs, rng, |bytes: &[u8]| error_message(bytes).ok_or("none"), |e| e);
    stats.print("hub_error_body");
    all.push(stats);
    all
}

/// The config paired with fuzzed safetensors headers.
const SAFETENSORS_CONFIG: &str = r#"{"model_type":"llama","hidden_size":256,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":512,"vocab_size":1000}"#;

fn main() {
    let mut args = std::env::args().skip(1);
    let inputs: u64 = args
        .next()
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args
        .next()
        .and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    install_panic_hook();
    let strategy = if cfg!(panic = "abort") {
        "abort (a panic ends the run)"
    } else {
        "unwind"
    };
    println!("gpuplan-files fuzz: {inputs} inputs per target, seed 0x{seed:x}, panic strategy {strategy}");

    let total = Instant::now();
    let mut rng = Rng::new(seed);
    let mut all = Vec::new();

    let seeds = gguf_seeds();
    let stats = fuzz_bytes(
        &ByteTarget {
            name: "gguf",
            seeds: &seeds,
            dictionary: GGUF_DICTIONARY,
            fix_length_prefix: false,
            json_from: None,
        },
        inputs,
        &mut rng,
        // Every header that parses also goes through the header → model bridge (architecture,
        // exact bytes, format) that the CLI and the web app use.
        |bytes: &[u8]| {
            parse_gguf(bytes).inspect(|h| {
                let _ = gpuplan_files::model::model_from_gguf(h);
                let _ = gpuplan_files::mmproj::mmproj_from_gguf(h);
            })
        },
        |e| e.kind(),
    );
    stats.print("gguf (+ model_from_gguf, mmproj_from_gguf)");
    all.push(stats);

    let seeds = safetensors_seeds();
    let stats = fuzz_bytes(
        &ByteTarget {
            name: "safetensors",
            seeds: &seeds,
            dictionary: JSON_DICTIONARY,
            fix_length_prefix: true,
            json_from: Some(8),
        },
        inputs,
        &mut rng,
        |bytes: &[u8]| {
            parse_safetensors(bytes).inspect(|h| {
                let _ = gpuplan_files::model::model_from_safetensors(SAFETENSORS_CONFIG, core::slice::from_ref(h), None);
            })
        },
        |e| e.kind(),
    );
    stats.print("safetensors (+ model_from_safetensors)");
    all.push(stats);

    let seeds = vec![
        INDEX_SEED.as_bytes().to_vec(),
        b"{\"weight_map\":{}}".to_vec(),
    ];
    let stats = fuzz_bytes(
        &ByteTarget {
            name: "index_json",
            seeds: &seeds,
            dictionary: JSON_DICTIONARY,
            fix_length_prefix: false,
            json_from: Some(0),
        },
        inputs,
        &mut rng,
        |bytes: &[u8]| parse_index_json(bytes),
        |e| e.kind(),
    );
    stats.print("index_json");
    all.push(stats);

    // config.json: the estimator's own JSON reader, then the config → model reading, seeded
    // with every preset's config from the catalog (dense, MoE, MLA, sliding-window, wrapped).
    let catalog = gpuplan_core::catalog::parse(gpuplan_core::catalog::CATALOG_JSON).expect("catalog");
    let seeds: Vec<Vec<u8>> = catalog.models.iter().map(|m| gpuplan_core::json::to_string(&m.config).into_bytes()).collect();
    let stats = fuzz_bytes(
        &ByteTarget {
            name: "config_json",
            seeds: &seeds,
            dictionary: JSON_DICTIONARY,
            fix_length_prefix: false,
            json_from: Some(0),
        },
        inputs,
        &mut rng,
        |bytes: &[u8]| match core::str::from_utf8(bytes) {
            Ok(text) => gpuplan_core::model::Arch::from_config_json(text).map_err(|e| if e.field == "config.json" { "config.json" } else { "field" }),
            Err(_) => Err("utf-8"),
        },
        |e| e,
    );
    stats.print("config_json (json + Arch::from_config_json)");
    all.push(stats);

    let stats = fuzz_merge(inputs, &mut rng);
    stats.print("merge_splits");
    all.push(stats);

    all.extend(fuzz_hub_text(inputs, &mut rng));
    let stats = fuzz_hub_fetch(inputs, &mut rng);
    stats.print("hub_fetch (the plan of requests against random answers)");
    all.push(stats);

    let panics: u64 = all.iter().map(|s| s.panics).sum();
    let count: u64 = all.iter().map(|s| s.inputs).sum();
    println!(
        "total: {count} inputs, {panics} panics, {:.1} s",
        total.elapsed().as_secs_f64()
    );
    if panics > 0 {
        std::process::exit(1);
    }
}
