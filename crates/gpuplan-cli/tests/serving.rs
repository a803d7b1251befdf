//! Issue 14's serving flags end to end: `estimate --spec …` (speculative decoding) and
//! `compare` (options side by side).

use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json(args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = run(args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn speculative_object_per_method() {
    let base = ["estimate", "--engine", "vllm", "--weights", "fp8", "--batch", "8", "--json"];
    let mtp = json(&[&base[..], &["--preset", "deepseek-v3", "--gpus", "8", "--gpu", "nvidia-h200-sxm", "--spec", "mtp"]].concat());
    let s = &mtp["speculative"];
    assert_eq!((s["method"].as_str(), s["draft_tokens"].as_u64()), (Some("mtp"), Some(1)));
    assert!((s["acceptance_length"].as_f64().unwrap() - 1.85).abs() < 1e-9);
    assert!(s["speedup"].as_f64().unwrap() > 1.0 && s["speedup"].as_f64().unwrap() < 1.85);
    assert_eq!(s["total_with_draft_bytes"].as_u64().unwrap(), mtp["total_bytes"].as_u64().unwrap() + s["draft_bytes"].as_u64().unwrap());
    let draft = json(&[&base[..], &["--preset", "llama-3.1-70b", "--gpus", "2", "--spec", "draft", "--draft-preset", "llama-3.1-8b", "--spec-accept", "3"]].concat());
    assert_eq!(draft["speculative"]["acceptance_length"].as_f64(), Some(3.0));
    assert!(draft["speculative"]["speedup"].is_null(), "no --gpu: memory only");
    assert!(draft["speculative"]["draft_weights_bytes"].as_u64().unwrap() > 3 << 30);
    // Bad input names the flag.
    let (ok, _, err) = run(&["estimate", "--preset", "llama-3.1-70b", "--spec", "mtp"]);
    assert!(!ok && err.contains("--spec") && err.contains("num_nextn_predict_layers"), "{err}");
    let (ok, _, err) = run(&["estimate", "--preset", "llama-3.1-70b", "--spec", "eagle", "--spec-accept", "x"]);
    assert!(!ok && err.contains("--spec-accept"), "{err}");
}
