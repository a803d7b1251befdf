//! `gpuplan estimate --engine llama.cpp …`: the issue-13 flags, the `llama_cpp` JSON object
//! and the errors that name their flag.

use std::process::{Command, Output};

fn gpuplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(args).output().unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = gpuplan(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

const QWEN_MOE: [&str; 6] = ["estimate", "--preset", "qwen3-30b-a3b", "--weights", "q4_k_m", "--json"];

#[test]
fn the_llama_cpp_object_has_the_documented_fields() {
    let mut args = QWEN_MOE.to_vec();
    args.extend(["--engine", "llama.cpp", "--ctx", "32768", "--gpu", "nvidia-rtx-3060-12gb", "--gpu-layers", "auto", "--host-ram-gb", "32", "--host-bw-gbs", "89.6"]);
    let v = json(&args);
    let l = &v["llama_cpp"];
    assert_eq!(l["n_ctx"], 32768);
    for k in ["model_bytes", "kv_bytes", "compute_bytes"] {
        assert!(l["devices"][0][k].is_u64() && l["host"][k].is_u64(), "{k}");
    }
    assert_eq!(l["devices"][0]["gpu"], "nvidia-rtx-3060-12gb");
    assert_eq!(l["devices"][0]["fits"], true);
    for k in ["kv_bytes", "output_bytes", "gpu_layers", "n_cpu_moe", "max_ctx"] {
        assert!(l[k].is_u64(), "{k}");
    }
    assert!(l["tokens_per_s"].as_f64().unwrap() > 0.0);
    let kv = l["devices"][0]["kv_bytes"].as_u64().unwrap() + l["host"]["kv_bytes"].as_u64().unwrap();
    assert_eq!(l["kv_bytes"].as_u64().unwrap(), kv, "kv_bytes sums devices and host");
    // 18 GB of q4_k_m weights cannot all sit on a 12 GB card: experts go to the host.
    assert!(l["n_cpu_moe"].as_u64().unwrap() > 0 || l["gpu_layers"].as_u64().unwrap() < 49, "{l}");
    assert!(l["max_ctx"].as_u64().unwrap() >= 32768 && l["max_ctx"].as_u64().unwrap().is_multiple_of(256));
}

#[test]
fn two_different_cards_each_show_their_fit_and_the_split_follows_tensor_split() {
    let base = ["estimate", "--preset", "llama-3.1-8b", "--weights", "q4_k_m", "--engine", "llama.cpp", "--ctx", "8192", "--gpu", "nvidia-rtx-3090,nvidia-rtx-4090", "--json"];
    let v = json(&base);
    let d = v["llama_cpp"]["devices"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!((d[0]["gpu"].as_str(), d[1]["gpu"].as_str()), (Some("nvidia-rtx-3090"), Some("nvidia-rtx-4090")));
    assert!(d.iter().all(|x| x["fits"] == true));
    let mut skewed = base.to_vec();
    skewed.extend(["--tensor-split", "3,1"]);
    let s = json(&skewed);
    let sd = s["llama_cpp"]["devices"].as_array().unwrap();
    assert!(sd[0]["model_bytes"].as_u64() > sd[1]["model_bytes"].as_u64());
    // --gpus N means N cards of --gpu.
    let n = json(&["estimate", "--preset", "llama-3.1-8b", "--weights", "q4_k_m", "--gpu", "nvidia-rtx-4090", "--gpus", "2", "--json"]);
    assert_eq!(n["llama_cpp"]["devices"].as_array().unwrap().len(), 2);
}

#[test]
fn runtimes_set_their_defaults_and_flags_win() {
    let o = json(&["estimate", "--preset", "llama-3.1-8b", "--weights", "q4_k_m", "--runtime", "ollama", "--gpu", "nvidia-rtx-3060-12gb", "--json"]);
    assert_eq!((o["llama_cpp"]["n_ctx"].as_u64(), o["llama_cpp"]["n_batch"].as_u64()), (Some(4096), Some(512)));
    let o = json(&["estimate", "--preset", "llama-3.1-8b", "--weights", "q4_k_m", "--runtime", "ollama", "--ctx", "8192", "--gpu", "nvidia-rtx-3060-12gb", "--json"]);
    assert_eq!(o["llama_cpp"]["n_ctx"], 8192);
    let q = json(&["estimate", "--preset", "llama-3.1-8b", "--weights", "q4_k_m", "--kv-cache", "q8_0", "--ctx", "4096", "--json"]);
    assert_eq!((q["llama_cpp"]["type_k"].as_str(), q["llama_cpp"]["type_v"].as_str()), (Some("q8_0"), Some("q8_0")));
}

#[test]
fn bad_llama_cpp_input_names_the_flag() {
    let m = ["estimate", "--preset", "llama-3.1-8b", "--weights", "q4_k_m", "--engine", "llama.cpp"];
    for (extra, flag) in [
        (&["--gpu-layers", "40"][..], "--gpu-layers"),
        (&["--gpu", "nvidia-rtx-3090,nvidia-rtx-9999"][..], "--gpu"),
        (&["--gpu", "nvidia-rtx-3090,nvidia-rtx-4090", "--tensor-split", "1,2,3"][..], "--tensor-split"),
        (&["--tensor-split", "1,x"][..], "--tensor-split"),
        (&["--gpu", "nvidia-rtx-3060-12gb", "--gpu-layers", "0", "--host-ram-gb", "2"][..], "--host-ram-gb"),
        (&["--flash-attn", "off", "--kv-cache", "q8_0"][..], "--kv-cache-v"),
        (&["--flash-attn", "sometimes"][..], "--flash-attn"),
        (&["--kv-cache", "q3_k"][..], "--kv-cache"),
        (&["--n-cpu-moe", "99"][..], "--n-cpu-moe"),
        (&["--runtime", "vllm"][..], "--runtime"),
        (&["--ctx", "0"][..], "--ctx"),
    ] {
        let mut args = m.to_vec();
        args.extend(extra);
        let out = gpuplan(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.starts_with(&format!("error: {flag}:")), "{extra:?}: {err}");
    }
}
