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

#[test]
fn compare_the_articles_four_options_and_own_specs() {
    let v = json(&["compare", "--preset-options", "articles-70b", "--years", "3", "--json"]);
    let opts = v["options"].as_array().unwrap();
    assert_eq!(opts.len(), 4);
    assert_eq!(v["years"].as_f64(), Some(3.0));
    for o in opts {
        assert_eq!(o["fits"], true, "{o}");
        assert!(o["tokens_per_s"].as_f64().unwrap() > 0.0 && o["usd_per_million_tokens"].as_f64().unwrap() > 0.0, "{o}");
    }
    assert!(opts[3]["label"].as_str().unwrap().starts_with("hybrid") && opts[3]["parts"].as_array().unwrap().len() == 2);
    // Years scale the rented option's cost linearly.
    let v4 = json(&["compare", "--preset-options", "articles-70b", "--years", "4", "--json"]);
    let (c3, c4) = (opts[2]["total_usd"].as_f64().unwrap(), v4["options"][2]["total_usd"].as_f64().unwrap());
    assert!((c4 / c3 - 4.0 / 3.0).abs() < 1e-9);
    let own = json(&["compare", "--preset", "llama-3.1-8b", "--option", "nvidia-l40s:2:bf16:sglang:own", "--json"]);
    assert_eq!(own["options"][0]["parts"][0]["engine"], "sglang");
    let (ok, _, err) = run(&["compare", "--preset", "llama-3.1-8b", "--option", "a800:8:int8:vllm:own"]);
    assert!(!ok && err.contains("--option") && err.contains("gpuplan gpus"), "{err}");
    let (ok, _, err) = run(&["compare", "--preset", "llama-3.1-8b"]);
    assert!(!ok && err.contains("--option"), "{err}");
}
