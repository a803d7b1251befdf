//! Real llama.cpp load logs on GPU backends (CUDA, ROCm, Metal, Vulkan), posted publicly
//! (`data/llamacpp/published-logs.csv`), against `gpuplan estimate --engine llama.cpp … --json`.
//!
//! Each row holds what the log prints (MiB with 2 decimals) and the flags that reproduce the
//! run. The KV and output buffers, and the model buffers where the row scores them (the GGUF's
//! llama-quantize mix is the format's), must match the print to its rounding (0.01 MiB); the
//! compute buffers within 10 %. A row scores only the buffers its `scored` column names: the
//! `notes` say why the others are left out (a buffer not printed, a GGUF of unknown mix, a
//! program whose graph is not llama.cpp's). `cargo test -p gpuplan-cli --test llamacpp_logs --
//! --nocapture` prints every row and the median / worst error per buffer.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

const MIB: f64 = 1024.0 * 1024.0;
/// The print's rounding: `%8.2f MiB`, so a byte count matches when it rounds to the printed
/// value (half a hundredth either way, plus float slack).
const PRINT_MIB: f64 = 0.0051;
/// A mapped model buffer (`CPU_Mapped`, a device's buffer made from the mmapped file) spans
/// whole pages of the file at both ends of its tensors' range (`llama-model-loader.cpp`
/// `get_mapping_range` + `ggml_backend_dev_buffer_from_host_ptr`), so it may exceed the tensor
/// bytes by up to a 4 KiB page at each end: the CUDA log's 308.24 MiB for token embeddings of
/// 323 205 120 bytes (308.232 MiB).
const MAPPED_PAGES_MIB: f64 = 2.0 * 4096.0 / MIB;
/// The target for compute buffers.
const COMPUTE_PCT: f64 = 10.0;

fn csv() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/llamacpp/published-logs.csv");
    std::fs::read_to_string(p).expect("data/llamacpp/published-logs.csv")
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if xs.is_empty() { 0.0 } else { xs[xs.len() / 2] }
}

#[test]
fn published_gpu_logs_are_reproduced() {
    let text = csv();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("column {name}"));
    let mut errs: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut rows = 0;
    println!("{:<36} {:<8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}", "log", "backend", "model_dev", "model_hst", "kv", "output", "comp_dev", "comp_hst", "model_d1", "kv_d1", "comp_d1");
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), header.len(), "{line}");
        let g = |name: &str| f[col(name)].trim();
        let mut args: Vec<String> = ["estimate", "--preset", g("preset"), "--weights", g("weights"), "--engine", "llama.cpp", "--gpu-memory-gib", "141", "--json"].iter().map(|s| s.to_string()).collect();
        for (column, flag) in [
            ("ctx", "--ctx"),
            ("parallel", "--parallel"),
            ("ubatch", "--ubatch"),
            ("batch", "--batch-size"),
            ("flash_attn", "--flash-attn"),
            ("kv_k", "--kv-cache"),
            ("kv_v", "--kv-cache-v"),
            ("gpu_layers", "--gpu-layers"),
            ("runtime", "--runtime"),
            ("n_outputs_max", "--n-outputs-max"),
            ("llama_build", "--llama-cpp-build"),
            ("gpus", "--gpus"),
            ("tensor_split", "--tensor-split"),
            ("n_cpu_moe", "--n-cpu-moe"),
        ] {
            if !g(column).is_empty() {
                args.push(flag.into());
                // `--tensor-split a,b` is written `a:b` (the file is comma-separated).
                args.push(g(column).replace(':', ","));
            }
        }
        let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(&args).output().unwrap();
        assert!(out.status.success(), "{}: {}", g("id"), String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let l = &v["llama_cpp"];
        let dev = &l["devices"][0];
        let dev1 = &l["devices"][1];
        let mib = |x: &serde_json::Value| x.as_u64().map_or(f64::NAN, |b| b as f64 / MIB);
        // A log's `kv` is its first device's KV buffer; with one device that is all of it.
        let kv = if dev1.is_null() { mib(&l["kv_bytes"]) } else { mib(&dev["kv_bytes"]) };
        let ours = [
            ("model_dev", mib(&dev["model_bytes"])),
            ("model_host", mib(&l["host"]["model_bytes"])),
            ("kv", kv),
            ("output", mib(&l["output_bytes"])),
            ("compute_dev", mib(&dev["compute_bytes"])),
            ("compute_host", mib(&l["host"]["compute_bytes"])),
            ("model_dev1", mib(&dev1["model_bytes"])),
            ("kv_dev1", mib(&dev1["kv_bytes"])),
            ("compute_dev1", mib(&dev1["compute_bytes"])),
        ];
        let theirs = |what: &str| -> Option<f64> {
            let c = match what {
                "model_dev" => "model_dev_mib",
                "model_host" => "model_host_mib",
                "kv" => "kv_dev_mib",
                "output" => "output_mib",
                "compute_dev" => "compute_dev_mib",
                "model_dev1" => "model_dev1_mib",
                "kv_dev1" => "kv_dev1_mib",
                "compute_dev1" => "compute_dev1_mib",
                _ => "compute_host_mib",
            };
            g(c).parse::<f64>().ok()
        };
        let scored: Vec<&str> = g("scored").split(';').collect();
        let mut shown = Vec::new();
        for (what, o) in ours {
            let Some(t) = theirs(what) else {
                shown.push("-".to_string());
                continue;
            };
            let e = 100.0 * (o - t) / t;
            shown.push(format!("{e:+.2}%"));
            if !scored.contains(&what) {
                continue;
            }
            errs.entry(what).or_default().push(e.abs());
            let ok = if what.starts_with("compute") {
                e.abs() <= COMPUTE_PCT
            } else if what.starts_with("model") {
                (o - t).abs() <= PRINT_MIB + MAPPED_PAGES_MIB
            } else {
                (o - t).abs() <= PRINT_MIB
            };
            if !ok {
                failures.push(format!("{} {what}: ours {o:.2} MiB vs the log's {t:.2} MiB ({e:+.2} %)", g("id")));
            }
        }
        println!("{:<36} {:<8} {}", g("id"), g("backend"), shown.iter().map(|s| format!("{s:>9}")).collect::<Vec<_>>().join(" "));
        rows += 1;
    }
    println!("{rows} logs; |error| per scored buffer: median / worst (n)");
    for (what, e) in &errs {
        println!("  {what:<13} {:>7.3} % / {:>7.3} %  ({})", median(e.clone()), e.iter().cloned().fold(0.0, f64::max), e.len());
    }
    assert!(rows >= 9, "the published logs are missing");
    for b in ["kv", "compute_dev", "compute_host"] {
        assert!(errs.get(b).is_some_and(|e| e.len() >= 3), "too few logs score {b}");
    }
    assert!(failures.is_empty(), "{} buffers off:\n{}", failures.len(), failures.join("\n"));
}

fn llama(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["llama_cpp"].clone()
}

/// A Mac's llama.cpp device is its GPU's wired limit, not its RAM: macOS's default (3/4 of a
/// 36 GiB machine's RAM, `unified.rs`; the Metal logs above print 10922.67 MiB = 2/3 of a
/// 16 GiB M1 Pro) less llama.cpp's context, and `--wired-limit-mb N` moves both the largest
/// context and, for a model that does not fit, the layers `--gpu-layers auto` puts on the GPU.
#[test]
fn a_macs_wired_limit_is_its_llama_cpp_free_memory() {
    let base = |model: &str, weights: &str, wired: &str| -> serde_json::Value {
        llama(&["estimate", "--preset", model, "--weights", weights, "--engine", "llama.cpp", "--ctx", "8192", "--gpu", "apple-m4-max-36gb", "--wired-limit-mb", wired, "--gpu-layers", "auto", "--json"])
    };
    let free = |v: &serde_json::Value| v["devices"][0]["free_bytes"].as_u64().unwrap();
    let (stock, raised) = (base("qwen3-32b", "q4_k_m", "0"), base("qwen3-32b", "q4_k_m", "34000"));
    // macOS's default above 32 GiB: 3/4 of the RAM, 27 GiB on 36 GiB.
    let default_limit = (36u64 << 30) / 4 * 3;
    assert!(free(&stock) < default_limit && free(&stock) > default_limit - (1 << 30), "{}", free(&stock));
    assert_eq!(free(&raised) - free(&stock), (34000u64 << 20) - default_limit, "the raise goes to llama.cpp whole");
    assert!(raised["max_ctx"].as_u64() > stock["max_ctx"].as_u64(), "{} vs {}", raised["max_ctx"], stock["max_ctx"]);
    let (stock, raised) = (base("llama-3.1-70b", "q3_k_m", "0"), base("llama-3.1-70b", "q3_k_m", "34000"));
    assert!(stock["gpu_layers"].as_u64().unwrap() < 81, "a 70B at q3_k_m does not fit 27 GiB: {}", stock["gpu_layers"]);
    assert!(raised["gpu_layers"].as_u64() > stock["gpu_layers"].as_u64(), "{} vs {}", raised["gpu_layers"], stock["gpu_layers"]);
}
