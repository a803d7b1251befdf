//! The CLI contract: flags, JSON fields, readable errors with non-zero exits, never a panic.

use std::path::PathBuf;
use std::process::{Command, Output};

fn configs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/calibration/configs")
}

fn gpuplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(args).current_dir(configs()).output().unwrap()
}

#[test]
fn json_has_the_documented_fields() {
    let out = gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--mode", "inference", "--weights", "bf16", "--batch", "1", "--prompt", "4096", "--new-tokens", "16", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["params"], 8_030_261_248u64);
    assert_eq!(v["active_params"], 8_030_261_248u64);
    let b = &v["breakdown"];
    let sum: u64 = ["weights", "kv_cache", "activations", "gradients", "optimizer", "runtime"].iter().map(|k| b[k].as_u64().unwrap()).sum();
    assert_eq!(sum, v["total_bytes"].as_u64().unwrap());
    // KV: 4111 stored tokens × 128 KiB.
    assert_eq!(b["kv_cache"], 4111u64 * 131_072);
}

#[test]
fn per_gpu_figures_with_several_gpus() {
    let one = gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--mode", "full", "--weights", "bf16", "--json"]);
    let eight = gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--mode", "full", "--weights", "bf16", "--gpus", "8", "--zero", "3", "--json"]);
    let one: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    let eight: serde_json::Value = serde_json::from_slice(&eight.stdout).unwrap();
    assert_eq!(eight["layout"]["data_parallel"], 8);
    assert!(eight["total_bytes"].as_u64().unwrap() < one["total_bytes"].as_u64().unwrap() / 2);
}

#[test]
fn readable_table_without_json() {
    let out = gpuplan(&["estimate", "--config", "qwen3-30b-a3b.json", "--mode", "inference", "--weights", "q4_k_m", "--engine", "llama.cpp"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(text.contains("GiB") && text.contains("kv_cache") && text.contains("total"), "{text}");
}

#[test]
fn bad_input_names_the_field_and_exits_non_zero() {
    let dir = std::env::temp_dir().join(format!("gpuplan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"model_type\": \"llama\", \"hidden_size\": ").unwrap();
    let missing = dir.join("missing.json");
    std::fs::write(&missing, "{\"model_type\": \"llama\"}").unwrap();
    let broken = broken.to_str().unwrap();
    let missing = missing.to_str().unwrap();
    for (args, needle) in [
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--batch", "0"], "--batch"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--batch", "-1"], "--batch"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--weights", "q1"], "--weights"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--prompt", "99999999999"], "--prompt"),
        (vec!["estimate", "--config", "nope.json"], "--config"),
        (vec!["estimate", "--config", broken], "config.json"),
        (vec!["estimate", "--config", missing], "hidden_size"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--gpus", "3", "--tp", "2"], "--gpus"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--mode", "qlora", "--weights", "bf16"], "--weights"),
        (vec!["frobnicate"], "frobnicate"),
    ] {
        let out = gpuplan(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

// ---- model files (issue 5): GGUF and safetensors headers

use gpuplan_files::gguf::builder::GgufBuilder;
use gpuplan_files::safetensors::builder::SafetensorsBuilder;
use gpuplan_files::{Dtype, GgmlType};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gpuplan-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small Llama-shaped GGUF header (2 layers) with known tensors; returns (bytes, tensor bytes).
fn small_gguf(layers: u32, tensors: std::ops::Range<u32>, split: Option<(u16, u16)>) -> (Vec<u8>, u64) {
    let (h, inter, vocab, kv) = (512u64, 1024u64, 4096u64, 128u64);
    let mut b = GgufBuilder::new(3)
        .meta_str("general.architecture", "llama")
        .meta_u32("general.file_type", 7)
        .meta_u32("llama.block_count", layers)
        .meta_u32("llama.embedding_length", h as u32)
        .meta_u32("llama.attention.head_count", 8)
        .meta_u32("llama.attention.head_count_kv", 2)
        .meta_u32("llama.feed_forward_length", inter as u32)
        .meta_u32("llama.vocab_size", vocab as u32);
    if let Some((no, count)) = split {
        b = b.meta_u16("split.no", no).meta_u16("split.count", count).meta_u32("split.tensors.count", layers * 9 + 3);
    }
    let q8 = |n: u64| n / 32 * 34;
    let mut bytes = 0;
    let mut all: Vec<(String, GgmlType, Vec<u64>, u64)> = vec![
        ("token_embd.weight".into(), GgmlType::Q8_0, vec![h, vocab], q8(h * vocab)),
        ("output.weight".into(), GgmlType::Q8_0, vec![h, vocab], q8(h * vocab)),
        ("output_norm.weight".into(), GgmlType::F32, vec![h], 4 * h),
    ];
    for l in 0..layers {
        for (n, dims) in [("attn_q", [h, h]), ("attn_k", [h, kv]), ("attn_v", [h, kv]), ("attn_output", [h, h]), ("ffn_gate", [h, inter]), ("ffn_up", [h, inter]), ("ffn_down", [inter, h])] {
            all.push((format!("blk.{l}.{n}.weight"), GgmlType::Q8_0, dims.to_vec(), q8(dims[0] * dims[1])));
        }
        for n in ["attn_norm", "ffn_norm"] {
            all.push((format!("blk.{l}.{n}.weight"), GgmlType::F32, vec![h], 4 * h));
        }
    }
    for (i, (name, ty, dims, n)) in all.into_iter().enumerate() {
        if tensors.contains(&(i as u32)) {
            b = b.tensor(&name, ty, &dims);
            bytes += n;
        }
    }
    (b.build_header(), bytes)
}

#[test]
fn gguf_header_gives_exact_weight_bytes() {
    let d = temp_dir("gguf");
    let (file, bytes) = small_gguf(2, 0..100, None);
    let p = d.join("tiny-Q8_0.gguf");
    std::fs::write(&p, &file).unwrap();
    let out = gpuplan(&["estimate", "--gguf", p.to_str().unwrap(), "--engine", "hf", "--prompt", "512", "--new-tokens", "16", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["file"]["format"], "q8_0");
    assert_eq!(v["file"]["weight_bytes"], bytes);
    assert_eq!(v["model_weight_bytes"], bytes);
    assert_eq!(v["breakdown"]["weights"], bytes, "one GPU holds every tensor of the file");
    // Parameters from the metadata: 2 layers of a 512-wide GQA Llama, untied head.
    let params = 2 * 512 * 4096 + 512 + 2 * (2 * 512 * 512 + 2 * 512 * 128 + 3 * 512 * 1024 + 2 * 512);
    assert_eq!(v["params"], params);

    // Asking for another format estimates that format (formula bytes) and says so.
    let out = gpuplan(&["estimate", "--gguf", p.to_str().unwrap(), "--weights", "q4_k_m", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["model_weight_bytes"].as_u64().unwrap() < bytes);
    assert!(v["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("q8_0")));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn split_gguf_files_are_merged() {
    let d = temp_dir("split");
    let (a, bytes_a) = small_gguf(2, 0..10, Some((0, 2)));
    let (b, bytes_b) = small_gguf(2, 10..100, Some((1, 2)));
    std::fs::write(d.join("m-00001-of-00002.gguf"), &a).unwrap();
    std::fs::write(d.join("m-00002-of-00002.gguf"), &b).unwrap();
    let out = gpuplan(&["estimate", "--gguf", d.join("m-00001-of-00002.gguf").to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["file"]["weight_bytes"], bytes_a + bytes_b);
    // A missing part is named.
    std::fs::remove_file(d.join("m-00002-of-00002.gguf")).unwrap();
    let out = gpuplan(&["estimate", "--gguf", d.join("m-00001-of-00002.gguf").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("m-00002-of-00002.gguf"));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn safetensors_header_with_its_config() {
    let d = temp_dir("st");
    let cfg = r#"{"model_type":"llama","hidden_size":256,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":512,"vocab_size":1000,"tie_word_embeddings":true}"#;
    std::fs::write(d.join("config.json"), cfg).unwrap();
    let st = SafetensorsBuilder::new()
        .tensor("model.embed_tokens.weight", Dtype::BF16, &[1000, 256])
        .tensor("model.layers.0.mlp.down_proj.weight", Dtype::BF16, &[256, 512])
        .build();
    std::fs::write(d.join("model.safetensors"), &st).unwrap();
    let out = gpuplan(&["estimate", "--safetensors", d.join("model.safetensors").to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["file"]["weight_bytes"], 2 * (1000 * 256 + 256 * 512));
    assert_eq!(v["file"]["format"], "bf16");
    // Without a config next to it or --config: a message naming --config.
    std::fs::remove_file(d.join("config.json")).unwrap();
    let out = gpuplan(&["estimate", "--safetensors", d.join("model.safetensors").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config"));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn hostile_files_give_messages_not_panics() {
    let d = temp_dir("bad");
    let (good, _) = small_gguf(2, 0..100, None);
    let mut huge_count = good.clone();
    huge_count[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.gguf", vec![], "--gguf"),
        ("magic.gguf", b"PK\x03\x04 not a gguf at all, just some bytes".to_vec(), "--gguf"),
        ("truncated.gguf", good[..good.len() / 2].to_vec(), "--gguf"),
        ("count.gguf", huge_count, "--gguf"),
        ("bad.safetensors", b"\xff\xff\xff\xff\xff\xff\xff\x7f{}".to_vec(), "--safetensors"),
        ("short.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":".to_vec(), "--safetensors"),
    ];
    std::fs::write(d.join("config.json"), r#"{"model_type":"llama","hidden_size":256,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":512,"vocab_size":1000}"#).unwrap();
    for (name, bytes, flag) in cases {
        let p = d.join(name);
        std::fs::write(&p, &bytes).unwrap();
        let out = gpuplan(&["estimate", flag, p.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(flag) && !err.contains("panicked"), "{name}: {err}");
    }
    std::fs::remove_dir_all(d).ok();
}

// ---- issue 11 §2: the CLI keeps its word

fn json_of(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr_of(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "stdout: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn presets_work_in_estimate_and_plan() {
    // The preset is the catalog's copy of the same config.json: the same estimate.
    let by_preset = json_of(&gpuplan(&["estimate", "--preset", "llama-3.1-8b", "--prompt", "4096", "--new-tokens", "16", "--json"]));
    let by_file = json_of(&gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--prompt", "4096", "--new-tokens", "16", "--json"]));
    assert_eq!(by_preset["params"], 8_030_261_248u64);
    assert_eq!(by_preset, by_file);
    let plans = json_of(&gpuplan(&["plan", "--preset", "qwen2.5-7b", "--engine", "vllm", "--json"]));
    assert!(!plans["plans"].as_array().unwrap().is_empty());
    // An unknown id lists the allowed ones and how to see them.
    let err = stderr_of(&gpuplan(&["estimate", "--preset", "llama-9"]));
    assert!(err.contains("--preset") && err.contains("llama-3.1-8b") && err.contains("gpuplan presets"), "{err}");
    assert!(stderr_of(&gpuplan(&["plan", "--preset", "llama-9"])).contains("--preset"));
    // `gpuplan presets` lists every id with its name and public origin; each id works.
    let list = json_of(&gpuplan(&["presets", "--json"]));
    let list = list["presets"].as_array().unwrap();
    assert!(list.len() >= 32);
    for p in list {
        assert!(p["name"].is_string() && p["hf_repo"].as_str().unwrap().contains('/') && !p["source"].as_str().unwrap().is_empty(), "{p}");
        let id = p["id"].as_str().unwrap();
        let e = json_of(&gpuplan(&["estimate", "--preset", id, "--json"]));
        assert!(e["params"].as_u64().unwrap() > 0, "{id}");
    }
    let table = String::from_utf8(gpuplan(&["presets"]).stdout).unwrap();
    assert!(table.contains("qwen3-30b-a3b") && table.contains("https://huggingface.co/Qwen/"), "{table}");
}

#[test]
fn the_help_marks_only_the_model_as_required_and_states_the_defaults() {
    let out = gpuplan(&["estimate", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    // The synopsis, less its optional [..] and alternative (..) groups, names no flag: nothing
    // else is required. (It showed `--mode ... --weights FORMAT` bare, though both default.)
    let synopsis = &help[..help.find("Defaults:").expect("the help states the defaults")];
    let mut bare = String::new();
    let mut depth = 0;
    for c in synopsis.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            c if depth == 0 => bare.push(c),
            _ => {}
        }
    }
    assert!(!bare.contains("--"), "flags shown as required: {bare}");
    for d in ["--mode inference", "--weights bf16", "--batch 1", "--engine hf"] {
        assert!(help.contains(d), "{d}");
    }
    // And indeed the model alone is enough.
    json_of(&gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--json"]));
}

#[test]
fn whole_number_messages_state_one_rule() {
    let err = |v: &str| stderr_of(&gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--batch", v]));
    let rule = "must be a whole number from 1 to 65536";
    for v in ["-1", "0", "65537", "99999999999999999999", "2.5", "many"] {
        let e = err(v);
        assert!(e.contains("--batch") && e.contains(rule), "{v}: {e}");
    }
    assert!(err("-1").contains("too small") && err("0").contains("too small"));
    // 20 digits: too large, with the maximum (not "not a whole number").
    let e = err("99999999999999999999");
    assert!(e.contains("too large") && !e.contains("not a whole number"), "{e}");
    let e = stderr_of(&gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--prompt", "99999999999999999999"]));
    assert!(e.contains("--prompt") && e.contains("too large") && e.contains("16777216"), "{e}");
}

#[test]
fn file_messages_name_the_flag_and_the_path() {
    let d = temp_dir("msgs");
    let broken = d.join("not-json.json");
    std::fs::write(&broken, "model_type = llama").unwrap();
    let e = stderr_of(&gpuplan(&["estimate", "--config", broken.to_str().unwrap()]));
    assert!(e.contains("--config") && e.contains(broken.to_str().unwrap()) && e.contains("not JSON"), "{e}");
    // A missing --safetensors file is named missing (not "no config.json next to it").
    for name in ["model.safetensors", "model.safetensors.index.json"] {
        let p = d.join("absent").join(name);
        let e = stderr_of(&gpuplan(&["estimate", "--safetensors", p.to_str().unwrap()]));
        assert!(e.contains("--safetensors") && e.contains(p.to_str().unwrap()) && e.contains("no such file"), "{e}");
    }
    let e = stderr_of(&gpuplan(&["estimate", "--gguf", d.join("absent.gguf").to_str().unwrap()]));
    assert!(e.contains("--gguf") && e.contains("no such file"), "{e}");
    // A --safetensors config that is not JSON names --config and its path.
    std::fs::write(d.join("config.json"), "{").unwrap();
    std::fs::write(d.join("model.safetensors"), SafetensorsBuilder::new().tensor("a", Dtype::BF16, &[2, 2]).build()).unwrap();
    let e = stderr_of(&gpuplan(&["estimate", "--safetensors", d.join("model.safetensors").to_str().unwrap()]));
    assert!(e.contains("--config") && e.contains("config.json") && e.contains("not JSON"), "{e}");
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn a_context_beyond_max_position_embeddings_is_a_warning_note() {
    let has_note = |args: &[&str]| {
        let v = json_of(&gpuplan(args));
        v["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("max_position_embeddings (32768)"))
    };
    // Qwen2.5-0.5B: max_position_embeddings 32768.
    assert!(has_note(&["estimate", "--config", "qwen2.5-0.5b.json", "--prompt", "32768", "--new-tokens", "1", "--json"]));
    assert!(!has_note(&["estimate", "--config", "qwen2.5-0.5b.json", "--prompt", "32000", "--new-tokens", "768", "--json"]));
    assert!(has_note(&["estimate", "--config", "qwen2.5-0.5b.json", "--mode", "full", "--seq", "40000", "--json"]));
    let table = String::from_utf8(gpuplan(&["estimate", "--config", "qwen2.5-0.5b.json", "--prompt", "40000"]).stdout).unwrap();
    assert!(table.contains("note: the context of 40256 tokens exceeds"), "{table}");
}

#[test]
fn a_budget_that_rules_out_every_plan_says_so() {
    let out = gpuplan(&["plan", "--config", "llama-3.1-8b.json", "--budget", "100"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("--budget 100 USD rules out every plan") && text.contains("cheapest plan that fits costs"), "{text}");
    // The price it names is the cheapest: a budget of exactly that admits a plan.
    let usd: String = text.split("costs ").nth(1).unwrap().chars().take_while(|c| c.is_ascii_digit()).collect();
    let v = json_of(&gpuplan(&["plan", "--config", "llama-3.1-8b.json", "--budget", &(usd.parse::<u64>().unwrap() + 1).to_string(), "--json"]));
    assert!(!v["plans"].as_array().unwrap().is_empty());
    let v = json_of(&gpuplan(&["plan", "--config", "llama-3.1-8b.json", "--budget", "100", "--objective", "rent", "--json"]));
    assert!(v["plans"].as_array().unwrap().is_empty());
    assert!(v["why_empty"].as_str().unwrap().contains("--budget 100 USD"), "{v}");
}

#[test]
fn the_readme_cli_examples_run_as_written() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = &readme[readme.find("## The CLI").unwrap()..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut in_block = false;
    let mut ran = 0;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let Some(args) = line.strip_prefix("gpuplan ").filter(|_| in_block) else { continue };
        let args: Vec<&str> = args.split(" #").next().unwrap().split_whitespace().collect();
        let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(&args).current_dir(&root).output().unwrap();
        assert!(out.status.success() && !out.stdout.is_empty(), "README: {line}\n{}", String::from_utf8_lossy(&out.stderr));
        ran += 1;
    }
    assert!(ran >= 7, "{ran} examples");
    assert!(section.contains("cargo install --path crates/gpuplan-cli"));
}

/// Issue 13 §5: on a Mac the verdict is against the GPU wired limit, which `--wired-limit-mb`
/// sets; the JSON says which (`gpu_usable_bytes`, `usable_basis`).
#[test]
fn a_mac_is_judged_against_its_gpu_wired_limit() {
    let run = |extra: &[&str]| {
        let mut args = vec!["estimate", "--config", "llama-3.1-8b.json", "--weights", "bf16", "--prompt", "16384", "--new-tokens", "0", "--batch", "1", "--gpu", "apple-m4-pro-24gb", "--json"];
        args.extend_from_slice(extra);
        let out = gpuplan(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let d = run(&[]);
    assert_eq!((d["gpu_usable_bytes"].as_u64(), d["usable_basis"].as_str()), (Some(16 << 30), Some("macos_default")), "2/3 of 24 GiB");
    let need = d["total_bytes"].as_u64().unwrap();
    assert!(need > 16 << 30 && need < 24 << 30, "{need}");
    assert_eq!(d["verdict"], "does_not_fit");
    let r = run(&["--wired-limit-mb", "24576"]);
    assert_eq!((r["gpu_usable_bytes"].as_u64(), r["usable_basis"].as_str(), r["verdict"].as_str()), (Some(24 << 30), Some("wired_limit_mb"), Some("fits")));
    // The table says so and how to raise it.
    let t = gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--gpu", "apple-m3-ultra"]);
    let t = String::from_utf8(t.stdout).unwrap();
    assert!(t.contains("verdict on M3 Ultra (Mac Studio 2025) (384.00 GiB)") && t.contains("iogpu.wired_limit_mb"), "{t}");
    assert!(t.contains("MLX (mlx-lm) is not modelled"), "{t}");
    assert!(d["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("MLX (mlx-lm) is not modelled")));
    for (args, needle) in [
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--gpu", "apple-m4-pro-24gb", "--wired-limit-mb", "24577"], "--wired-limit-mb: 24577 is too large; must be a whole number from 0 (macOS's default) to 24576"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--gpu", "nvidia-l40s", "--wired-limit-mb", "1000"], "--wired-limit-mb: applies to Apple"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--wired-limit-mb", "1000"], "--wired-limit-mb: is a Mac's GPU wired limit"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--gpu", "apple-m4-max", "--wired-limit-mb", "lots"], "--wired-limit-mb: \"lots\" is not a number"),
        (vec!["plan", "--config", "llama-3.1-8b.json", "--gpu", "apple-m4-max", "--wired-limit-mb", "140000"], "--wired-limit-mb: 140000 is too large"),
        (vec!["estimate", "--config", "llama-3.1-8b.json", "--host", "ddr3"], "--host: \"ddr3\" is not a host preset"),
    ] {
        let out = gpuplan(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn hosts_lists_the_presets_with_sources() {
    let out = gpuplan(&["hosts", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hosts = v["hosts"].as_array().unwrap();
    let h = hosts.iter().find(|h| h["id"] == "epyc-12ch-ddr5-4800").unwrap();
    assert_eq!(h["bandwidth_bytes_per_s"], 460_800_000_000u64);
    assert!(h["source"].as_str().unwrap().contains("HM1: "));
    assert!(hosts.iter().all(|h| !h["source"].as_str().unwrap().is_empty() && h["as_of"].is_string()));
    let text = String::from_utf8(gpuplan(&["hosts"]).stdout).unwrap();
    assert!(text.contains("ddr5-6400-2ch") && text.contains("102.4"), "{text}");
    let e = gpuplan(&["estimate", "--config", "llama-3.1-8b.json", "--host", "ddr5-6400-2ch", "--json"]);
    let e: serde_json::Value = serde_json::from_slice(&e.stdout).unwrap();
    assert_eq!(e["host_preset"]["bandwidth_bytes_per_s"], 102_400_000_000u64);
}

/// A llama.cpp `mmproj` (issue 15 §2): a clip GGUF written here (a LLaVA-style MLP projector
/// for 336-pixel images in 14-pixel patches); returns the file and its tensor bytes.
fn small_mmproj() -> (Vec<u8>, u64) {
    let b = GgufBuilder::new(3)
        .meta_str("general.architecture", "clip")
        .meta_bool("clip.has_vision_encoder", true)
        .meta_str("clip.projector_type", "mlp")
        .meta_u32("clip.vision.image_size", 336)
        .meta_u32("clip.vision.patch_size", 14)
        .meta_u32("clip.vision.embedding_length", 256)
        .meta_u32("clip.vision.block_count", 1)
        .tensor("v.patch_embd.weight", GgmlType::F16, &[14, 14, 3, 256])
        .tensor("v.blk.0.attn_q.weight", GgmlType::F16, &[256, 256])
        .tensor("v.blk.0.ffn_up.weight", GgmlType::Q8_0, &[256, 1024])
        .tensor("mm.0.weight", GgmlType::F16, &[256, 512])
        .tensor("mm.0.bias", GgmlType::F32, &[512]);
    (b.build_header(), 2 * 14 * 14 * 3 * 256 + 2 * 256 * 256 + 256 * 1024 / 32 * 34 + 2 * 256 * 512 + 4 * 512)
}

#[test]
fn mmproj_bytes_go_to_the_first_gpu_or_the_host_and_its_images_to_the_context() {
    let d = temp_dir("mmproj");
    let (text, _) = small_gguf(2, 0..100, None);
    let (mm, mm_bytes) = small_mmproj();
    let (tp, mp) = (d.join("tiny-Q8_0.gguf"), d.join("mmproj-tiny-f16.gguf"));
    std::fs::write(&tp, &text).unwrap();
    std::fs::write(&mp, &mm).unwrap();
    let (t, m) = (tp.to_str().unwrap(), mp.to_str().unwrap());
    let run = |extra: &[&str]| {
        let mut args = vec!["estimate", "--gguf", t, "--prompt", "512", "--new-tokens", "16", "--gpus", "2", "--gpu-memory-gib", "24", "--json"];
        args.extend_from_slice(extra);
        let out = gpuplan(&args);
        assert!(out.status.success(), "{extra:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let model = |v: &serde_json::Value, i: usize| v["llama_cpp"]["devices"][i]["model_bytes"].as_u64().unwrap();
    let host = |v: &serde_json::Value| v["llama_cpp"]["host"]["model_bytes"].as_u64().unwrap();
    let plain = run(&[]);
    assert!(plain.get("mmproj").is_none());
    let on_gpu = run(&["--mmproj", m]);
    assert_eq!(on_gpu["mmproj"]["bytes"], mm_bytes);
    assert_eq!(on_gpu["mmproj"]["tokens_per_image"], 576, "(336/14)² patches, one token each");
    assert_eq!(on_gpu["mmproj"]["projector"], "mlp");
    assert_eq!(on_gpu["mmproj"]["device"], "gpu0");
    assert_eq!(model(&on_gpu, 0), model(&plain, 0) + mm_bytes, "the first GPU holds the projector");
    assert_eq!(model(&on_gpu, 1), model(&plain, 1));
    assert_eq!(host(&on_gpu), host(&plain));
    let on_host = run(&["--mmproj", m, "--no-mmproj-offload"]);
    assert_eq!(on_host["mmproj"]["device"], "host");
    assert_eq!(model(&on_host, 0), model(&plain, 0));
    assert_eq!(host(&on_host), host(&plain) + mm_bytes);
    // Two images are 2 × 576 more context tokens: 528 + 1152 = 1680, padded to 256 → 1792.
    let images = run(&["--mmproj", m, "--images", "2"]);
    assert_eq!(plain["llama_cpp"]["n_ctx"], 768);
    assert_eq!(images["llama_cpp"]["n_ctx"], 1792);
    assert!(images["llama_cpp"]["kv_bytes"].as_u64().unwrap() > on_gpu["llama_cpp"]["kv_bytes"].as_u64().unwrap());
    // The table says where it went.
    let out = gpuplan(&["estimate", "--gguf", t, "--mmproj", m]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("576 tokens per image"), "{}", String::from_utf8_lossy(&out.stdout));

    // Refusals name the flag, exit 2.
    for (args, says) in [
        (vec!["estimate", "--gguf", t, "--mmproj", t], "not \"clip\""),
        (vec!["estimate", "--gguf", t, "--mmproj", m, "--engine", "vllm"], "--engine llama.cpp"),
        (vec!["estimate", "--gguf", t, "--no-mmproj-offload"], "--mmproj FILE"),
        (vec!["estimate", "--gguf", t, "--mmproj", "/nonexistent/mmproj.gguf"], "no such file"),
    ] {
        let out = gpuplan(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("--") && err.contains(says), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(d).ok();
}
