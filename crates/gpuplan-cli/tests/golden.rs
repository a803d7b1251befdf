//! The `--json` outputs outside checks read (`estimate`, `plan`, `gpus`, `presets`), pinned:
//! each case's output is compared, parsed, with `tests/golden/<case>.json` — the same keys,
//! the same values (integers and strings exactly, floats within 1e-12 relative), the same array
//! lengths. Outside checks read these outputs, so a field or a value changes only on purpose.
//!
//! A change that is meant to move a figure (a catalog price, a memory mechanism) re-writes them:
//! `GPUPLAN_BLESS=1 cargo test -p gpuplan-cli --test golden`, then review the diff of
//! `tests/golden/` like any other change.

use std::path::{Path, PathBuf};
use std::process::Command;

use gpuplan_files::gguf::builder::GgufBuilder;
use gpuplan_files::safetensors::builder::SafetensorsBuilder;
use gpuplan_files::{Dtype, GgmlType};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The model files the file cases read, written where the goldens expect them: the path is
/// relative to the configs directory the commands run in, so no absolute path reaches a note.
fn write_model_files(dir: &Path) {
    std::fs::create_dir_all(dir.join("st")).unwrap();
    // A small Llama-shaped GGUF header (2 layers, Q8_0 matrices, f32 norms).
    let (h, inter, vocab, kv) = (512u64, 1024u64, 4096u64, 128u64);
    let mut b = GgufBuilder::new(3)
        .meta_str("general.architecture", "llama")
        .meta_u32("general.file_type", 7)
        .meta_u32("llama.block_count", 2)
        .meta_u32("llama.embedding_length", h as u32)
        .meta_u32("llama.attention.head_count", 8)
        .meta_u32("llama.attention.head_count_kv", 2)
        .meta_u32("llama.feed_forward_length", inter as u32)
        .meta_u32("llama.vocab_size", vocab as u32)
        .tensor("token_embd.weight", GgmlType::Q8_0, &[h, vocab])
        .tensor("output.weight", GgmlType::Q8_0, &[h, vocab])
        .tensor("output_norm.weight", GgmlType::F32, &[h]);
    for l in 0..2 {
        for (n, dims) in [("attn_q", [h, h]), ("attn_k", [h, kv]), ("attn_v", [h, kv]), ("attn_output", [h, h]), ("ffn_gate", [h, inter]), ("ffn_up", [h, inter]), ("ffn_down", [inter, h])] {
            b = b.tensor(&format!("blk.{l}.{n}.weight"), GgmlType::Q8_0, &dims);
        }
        for n in ["attn_norm", "ffn_norm"] {
            b = b.tensor(&format!("blk.{l}.{n}.weight"), GgmlType::F32, &[h]);
        }
    }
    std::fs::write(dir.join("tiny-Q8_0.gguf"), b.build_header()).unwrap();
    let cfg = r#"{"model_type":"llama","hidden_size":256,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":512,"vocab_size":1000,"tie_word_embeddings":true}"#;
    std::fs::write(dir.join("st/config.json"), cfg).unwrap();
    let st = SafetensorsBuilder::new()
        .tensor("model.embed_tokens.weight", Dtype::BF16, &[1000, 256])
        .tensor("model.layers.0.mlp.down_proj.weight", Dtype::BF16, &[256, 512])
        .build();
    std::fs::write(dir.join("st/model.safetensors"), st).unwrap();
}

/// (golden name, arguments). `FILES/` stands for the directory of [`write_model_files`].
const CASES: &[(&str, &[&str])] = &[
    ("estimate-hf", &["estimate", "--config", "llama-3.1-8b.json", "--prompt", "4096", "--new-tokens", "16", "--json"]),
    ("estimate-hf-batch-static", &["estimate", "--config", "qwen2.5-7b.json", "--batch", "8", "--static-cache", "--json"]),
    ("estimate-vllm", &["estimate", "--config", "llama-3.1-8b.json", "--engine", "vllm", "--batch", "16", "--prompt", "512", "--new-tokens", "128", "--json"]),
    ("estimate-vllm-l40s", &["estimate", "--config", "llama-3.1-8b.json", "--engine", "vllm", "--gpu", "nvidia-l40s", "--json"]),
    ("estimate-vllm-tp2-fp8", &["estimate", "--config", "qwen3-30b-a3b.json", "--engine", "vllm", "--gpus", "2", "--weights", "fp8", "--kv-cache", "fp8", "--json"]),
    ("estimate-llamacpp", &["estimate", "--config", "qwen3-30b-a3b.json", "--weights", "q4_k_m", "--engine", "llama.cpp", "--json"]),
    ("estimate-llamacpp-offload", &["estimate", "--config", "llama-3.1-8b.json", "--weights", "q8_0", "--engine", "llama.cpp", "--gpu-layers", "20", "--json"]),
    ("estimate-lora", &["estimate", "--config", "llama-3.1-8b.json", "--mode", "lora", "--batch", "4", "--seq", "1024", "--json"]),
    ("estimate-qlora", &["estimate", "--config", "qwen2.5-7b.json", "--mode", "qlora", "--grad-ckpt", "--json"]),
    ("estimate-full-8-zero3", &["estimate", "--config", "llama-3.1-8b.json", "--mode", "full", "--weights", "bf16", "--gpus", "8", "--zero", "3", "--json"]),
    ("estimate-full-mixed-offload", &["estimate", "--config", "llama-3.2-1b.json", "--mode", "full", "--precision", "mixed", "--offload-optimizer", "--json"]),
    ("estimate-vllm-gib", &["estimate", "--preset", "qwen3-8b", "--engine", "vllm", "--gpu-memory-gib", "23.5", "--gpu-memory-utilization", "0.85", "--json"]),
    ("estimate-preset-notes", &["estimate", "--preset", "qwen2.5-0.5b", "--prompt", "40000", "--json"]),
    ("estimate-gguf", &["estimate", "--gguf", "FILES/tiny-Q8_0.gguf", "--engine", "hf", "--prompt", "512", "--new-tokens", "16", "--json"]),
    ("estimate-gguf-other-weights", &["estimate", "--gguf", "FILES/tiny-Q8_0.gguf", "--weights", "q4_k_m", "--json"]),
    ("estimate-safetensors", &["estimate", "--safetensors", "FILES/st/model.safetensors", "--json"]),
    ("plan-vllm", &["plan", "--config", "llama-3.1-8b.json", "--engine", "vllm", "--batch", "16", "--prompt", "512", "--new-tokens", "128", "--json"]),
    ("plan-rent-target", &["plan", "--config", "qwen2.5-7b.json", "--objective", "rent", "--target-tokens-per-s", "2000", "--top", "5", "--json"]),
    ("plan-lora", &["plan", "--config", "llama-3.1-8b.json", "--mode", "lora", "--years", "2", "--utilization", "0.5", "--mbu", "0.6", "--json"]),
    ("plan-qlora", &["plan", "--config", "qwen2.5-7b.json", "--mode", "qlora", "--top", "4", "--json"]),
    ("plan-gguf-weights", &["plan", "--config", "llama-3.1-8b.json", "--engine", "llama.cpp", "--weights", "q4_k_m", "--top", "3", "--json"]),
    ("plan-budget-empty", &["plan", "--config", "llama-3.1-8b.json", "--budget", "100", "--json"]),
    ("plan-budget-empty-rent", &["plan", "--config", "llama-3.1-8b.json", "--budget", "100", "--objective", "rent", "--json"]),
    ("gpus", &["gpus", "--json"]),
    ("presets", &["presets", "--json"]),
];

/// Runs a case in the configs directory; its standard output.
fn output(args: &[&str], files: &str) -> String {
    let args: Vec<String> = args.iter().map(|a| a.replace("FILES", files)).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(&args).current_dir(root().join("../../data/calibration/configs")).output().unwrap();
    assert!(out.status.success(), "gpuplan {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Where `a` (the output) and `b` (the golden) differ, by JSON path; empty when equal.
fn differences(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}.{k}: missing"));
            }
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => differences(&format!("{path}.{k}"), v, w, out),
                    None => out.push(format!("{path}.{k}: not in the golden")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), v, w, out);
            }
        }
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (p, q) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (p - q).abs() > 1e-12 * p.abs().max(q.abs()) {
                out.push(format!("{path}: {p} (golden {q})"));
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: {a} (golden {b})")),
    }
}

#[test]
fn json_outputs_keep_their_fields_and_values() {
    let files_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("golden-files");
    write_model_files(&files_dir);
    // Relative to the configs directory, so notes that name a path read the same everywhere.
    let configs = root().join("../../data/calibration/configs").canonicalize().unwrap();
    let files = relative(&configs, &files_dir.canonicalize().unwrap());
    let golden = root().join("tests/golden");
    let bless = std::env::var_os("GPUPLAN_BLESS").is_some();
    let mut failures = Vec::new();
    for (name, args) in CASES {
        let text = output(args, &files);
        let path = golden.join(format!("{name}.json"));
        if bless {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let ours: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON ({e}):\n{text}"));
        let want: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap();
        let mut diff = Vec::new();
        differences("", &ours, &want, &mut diff);
        if !diff.is_empty() {
            failures.push(format!("{name} (gpuplan {}):\n  {}", args.join(" "), diff.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "outputs differ from tests/golden (GPUPLAN_BLESS=1 re-writes them after an intended change):\n{}", failures.join("\n"));
}

/// `to` as a path relative to `from` (both absolute).
fn relative(from: &Path, to: &Path) -> String {
    let (f, t): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(t[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}
