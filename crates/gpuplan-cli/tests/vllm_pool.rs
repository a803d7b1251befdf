//! vLLM's KV pool is one computation (`gpuplan_core::vllm`): the CLI's `--json` field `vllm`
//! and the planner agree on it, and `--gpu` sizes it from that card (issue 11 §5, issue 12).

use std::path::PathBuf;
use std::process::Command;

use gpuplan_core::catalog;
use gpuplan_core::cost::CostInputs;
use gpuplan_core::memory::{Model, Workload};
use gpuplan_core::plan::{plan, Constraints};
use gpuplan_core::throughput::Efficiency;
use gpuplan_core::{Arch, Engine, WeightFormat};

fn config(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/calibration/configs").join(name)
}

fn estimate_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).arg("estimate").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn gpu_flag_sizes_the_pool_from_that_card() {
    let cfg = config("llama-3.1-8b.json");
    let cfg = cfg.to_str().unwrap();
    let l40s = catalog::load().unwrap().gpu("nvidia-l40s").unwrap().memory_bytes;
    let v = estimate_json(&["--config", cfg, "--engine", "vllm", "--gpu", "nvidia-l40s", "--json"]);
    // 0.9 × the L40S's 46068 MiB, not 0.9 × an H100's 81559 MiB.
    assert_eq!(v["vllm"]["requested_bytes"], l40s * 9 / 10);
    assert!(v["total_bytes"].as_u64().unwrap() <= l40s);
    // A decimal --gpu-memory-gib is the same card by hand.
    let by_hand = estimate_json(&["--config", cfg, "--engine", "vllm", "--gpu-memory-gib", "44.99", "--json"]);
    assert_eq!(by_hand["vllm"]["requested_bytes"], (44.99f64 * (1u64 << 30) as f64).round() as u64 * 9 / 10);
}

#[test]
fn cli_and_planner_agree_on_a_vllm_scenario() {
    let cfg = config("llama-3.1-8b.json");
    // More sequences than the L40S pool holds, so the planner's batch is the pool's count.
    let args = ["--config", cfg.to_str().unwrap(), "--engine", "vllm", "--weights", "bf16", "--batch", "256", "--prompt", "4096", "--new-tokens", "512"];
    let mut with_gpu = args.to_vec();
    with_gpu.extend(["--gpu", "nvidia-l40s", "--json"]);
    let cli = estimate_json(&with_gpu);

    let model = Model::new(Arch::from_config_json(&std::fs::read_to_string(&cfg).unwrap()).unwrap());
    let w = Workload { engine: Engine::Vllm, batch: 256, prompt: 4096, new_tokens: 512, ..Workload::default() };
    let mut only = catalog::load().unwrap();
    only.gpus.retain(|g| g.id == "nvidia-l40s");
    let c = Constraints { formats: vec![WeightFormat::Bf16], max_gpus: 1, ..Constraints::default() };
    let plans = plan(&model, &w, &only, &c, &Efficiency::default_for(Engine::Vllm), &CostInputs::from_catalog(&only));
    let p = plans.first().expect("one L40S runs Llama-3.1-8B under vLLM");
    assert_eq!(p.count, 1);
    assert_eq!(p.per_gpu_bytes, cli["total_bytes"].as_u64().unwrap(), "bytes per card");
    let seqs = cli["vllm"]["max_concurrent_sequences"].as_u64().unwrap();
    assert!(seqs > 0 && seqs < 256, "{seqs}");
    assert_eq!(p.batch, seqs, "sequences the pool holds");
}
