//! llama.cpp's own buffers (`data/llamacpp/buffers.csv`, measured by `scripts/llamacpp/` on
//! llama.cpp's CPU backend) against `gpuplan estimate --engine llama.cpp … --gpu-layers 0
//! --json`: model, KV (+ SWA) and output bytes exact, compute within 10 %.
//!
//! Each model's GGUF header is rebuilt from `data/llamacpp/models/<model>-<ftype>.json` (its
//! metadata and tensor list, written by the same script) and read by the CLI with `--gguf`, as
//! a user's file would be. `cargo test -p gpuplan-cli --test llamacpp_table -- --nocapture`
//! prints every row and the median / worst error per buffer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use gpuplan_files::gguf::builder::GgufBuilder;
use gpuplan_files::GgmlType;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/llamacpp")
}

/// A GGUF header with the model file's metadata and tensors (no tensor data: the CLI reads
/// headers only).
fn write_header(model_json: &Path, out: &Path) -> u64 {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(model_json).unwrap()).unwrap();
    let mut b = GgufBuilder::new(3);
    let mut n_vocab = 0;
    for (k, x) in v["metadata"].as_object().unwrap() {
        if k == "tokenizer.ggml.tokens.count" {
            n_vocab = x.as_u64().unwrap();
            continue;
        }
        b = match x {
            serde_json::Value::String(s) => b.meta_str(k, s),
            serde_json::Value::Bool(t) => b.meta_bool(k, *t),
            serde_json::Value::Number(n) if n.is_u64() => {
                let u = n.as_u64().unwrap();
                if u <= u32::MAX as u64 { b.meta_u32(k, u as u32) } else { b.meta_u64(k, u) }
            }
            serde_json::Value::Number(n) if n.is_i64() => b.meta_i32(k, n.as_i64().unwrap() as i32),
            serde_json::Value::Number(n) => b.meta_f32(k, n.as_f64().unwrap() as f32),
            _ => b,
        };
    }
    for t in v["tensors"].as_array().unwrap() {
        let name = t["type"].as_str().unwrap();
        let ty = *GgmlType::ALL.iter().find(|g| g.name().eq_ignore_ascii_case(name)).unwrap_or_else(|| panic!("ggml type {name}"));
        let dims: Vec<u64> = t["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap()).collect();
        b = b.tensor(t["name"].as_str().unwrap(), ty, &dims);
    }
    std::fs::write(out, b.build_header()).unwrap();
    n_vocab
}

fn pct(ours: f64, theirs: f64) -> f64 {
    if theirs == 0.0 {
        if ours == 0.0 { 0.0 } else { 100.0 }
    } else {
        100.0 * (ours - theirs) / theirs
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if xs.is_empty() { 0.0 } else { xs[xs.len() / 2] }
}

#[test]
fn the_measured_llama_cpp_buffers_are_reproduced() {
    let csv = std::fs::read_to_string(data().join("buffers.csv")).expect("data/llamacpp/buffers.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("column {name}"));
    let tmp = std::env::temp_dir().join(format!("gpuplan-llamacpp-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut headers: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut errs: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut rows = 0;
    println!("{:<62} {:>8} {:>8} {:>8} {:>8}", "case", "model", "kv", "compute", "output");
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let g = |name: &str| f[col(name)];
        let n = |name: &str| g(name).parse::<u64>().unwrap();
        let key = format!("{}-{}", g("model"), g("ftype"));
        let path = headers.entry(key.clone()).or_insert_with(|| {
            let p = tmp.join(format!("{key}.gguf"));
            write_header(&data().join("models").join(format!("{key}.json")), &p);
            p
        });
        let mut args: Vec<String> = ["estimate", "--gguf", path.to_str().unwrap(), "--engine", "llama.cpp", "--gpu-layers", "0", "--json"].iter().map(|s| s.to_string()).collect();
        // The probe keeps the library's `n_outputs_max` = 0, i.e. `n_batch` (data/llamacpp/README.md),
        // where gpuplan's default is llama-server's one output per sequence.
        for (flag, v) in [("--ctx", g("n_ctx_req")), ("--parallel", g("n_seq")), ("--ubatch", g("n_ubatch")), ("--batch-size", g("n_batch")), ("--n-outputs-max", g("n_batch")), ("--flash-attn", g("flash_attn")), ("--kv-cache", g("type_k")), ("--kv-cache-v", g("type_v"))] {
            args.push(flag.into());
            args.push(v.into());
        }
        for (column, flag) in [("kv_unified", "--kv-unified"), ("swa_full", "--swa-full")] {
            if header.contains(&column) && g(column) == "1" {
                args.push(flag.into());
            }
        }
        let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(&args).output().unwrap();
        assert!(out.status.success(), "{}: {}", g("case"), String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let l = &v["llama_cpp"];
        let host = &l["host"];
        let u = |x: &serde_json::Value| x.as_u64().unwrap();
        assert_eq!(u(&l["n_ctx"]), n("n_ctx"), "{}: n_ctx", g("case"));
        let pairs = [
            ("model", u(&host["model_bytes"]), n("model_bytes")),
            ("kv", u(&host["kv_bytes"]) - u(&host["kv_swa_bytes"]), n("kv_bytes")),
            ("kv_swa", u(&host["kv_swa_bytes"]), n("kv_swa_bytes")),
            ("compute", u(&host["compute_bytes"]), n("compute_bytes")),
            ("output", u(&l["output_bytes"]), n("output_bytes")),
        ];
        let mut shown = Vec::new();
        for (what, ours, theirs) in pairs {
            let e = pct(ours as f64, theirs as f64);
            errs.entry(what).or_default().push(e.abs());
            shown.push(e);
            let ok = if what == "compute" { e.abs() <= 10.0 } else { ours == theirs };
            if !ok {
                failures.push(format!("{} {what}: ours {ours} vs llama.cpp {theirs} ({e:+.2} %)", g("case")));
            }
        }
        println!("{:<62} {:>+7.2}% {:>+7.2}% {:>+7.2}% {:>+7.2}%", g("case"), shown[0], shown[1] + shown[2], shown[3], shown[4]);
        rows += 1;
    }
    println!("{rows} rows; |error| per buffer: median / worst");
    for (what, e) in &errs {
        println!("  {what:<8} {:>7.3} % / {:>7.3} %", median(e.clone()), e.iter().cloned().fold(0.0, f64::max));
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(rows > 0, "the table has no rows");
    assert!(failures.is_empty(), "{} of {rows} rows off:\n{}", failures.len(), failures.join("\n"));
}
