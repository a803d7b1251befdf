//! Timing of the estimator and the planner (native).
//!
//! `cargo run --release -p gpuplan-core --example bench_plan`
//!
//! Prints ns per `estimate` call (and estimates per second) and ms per full planner run over the whole catalog × formats ×
//! 1–64 cards. Targets: > 1 M estimates/s, ≤ 2 ms per planner run. Figures only; nothing is
//! asserted (timings depend on the machine).

use std::hint::black_box;
use std::time::Instant;

use gpuplan_core::catalog;
use gpuplan_core::cost::CostInputs;
use gpuplan_core::memory::{estimate, Engine, Mode, Model, Optimizer, Precision, Workload};
use gpuplan_core::model::ManualModel;
use gpuplan_core::plan::{plan, plan_with_stats, Constraints};
use gpuplan_core::throughput::Efficiency;
use gpuplan_core::WeightFormat;

fn llama(layers: u64, hidden: u64, heads: u64, kv_heads: u64, intermediate: u64, vocab: u64) -> Model {
    Model::new(ManualModel { layers, hidden, heads, kv_heads, head_dim: 0, intermediate, vocab, ..ManualModel::default() }.to_arch().unwrap())
}

fn time<F: FnMut() -> usize>(iters: usize, mut f: F) -> (f64, usize) {
    let mut sink = 0usize;
    for _ in 0..iters.min(3) {
        sink = sink.wrapping_add(f());
    }
    let t = Instant::now();
    for _ in 0..iters {
        sink = sink.wrapping_add(f());
    }
    (t.elapsed().as_secs_f64() / iters as f64, sink)
}

fn main() {
    let cat = catalog::load().expect("catalog");
    let inputs = CostInputs::from_catalog(&cat);
    let l8 = llama(32, 4096, 32, 8, 14336, 128256);
    let l70 = llama(80, 8192, 64, 8, 28672, 128256);

    let plan_only = std::env::args().any(|a| a == "--plan-only");
    println!("estimate (ns per call)");
    for (name, model, w) in if plan_only { vec![] } else { vec![
        ("Llama-3.1-8B  HF bf16 inference", &l8, Workload::default()),
        ("Llama-3.1-8B  llama.cpp q4_k_m", &l8, Workload { engine: Engine::LlamaCpp, weights: WeightFormat::parse("q4_k_m", false).unwrap(), ..Workload::default() }),
        ("Llama-3.1-70B vLLM fp8 TP4", &l70, Workload { engine: Engine::Vllm, weights: WeightFormat::Fp8, gpus: 4, ..Workload::default() }),
        ("Llama-3.1-70B full mixed ZeRO-3 ×8", &l70, Workload { mode: Mode::Full, precision: Precision::Mixed, optimizer: Optimizer::Adamw, gpus: 8, zero: 3, ..Workload::default() }),
    ] } {
        let mut i = 0u64;
        let (s, _) = time(200_000, || {
            i += 1;
            let w = Workload { batch: 1 + (i & 7), ..w.clone() };
            black_box(estimate(black_box(model), black_box(&w)).map(|e| e.total_bytes as usize).unwrap_or(0))
        });
        println!("  {name:<38} {:>8.0} ns  ({:.2} M/s)", s * 1e9, 1e-6 / s);
    }

    println!("\nplanner (ms per run: {} cards × formats × counts 1,2,4,8,16…64 × layouts)", cat.gpus.len());
    let runs: Vec<(&str, &Model, Workload, Constraints)> = vec![
        ("Llama-3.1-8B  HF inference, all formats", &l8, Workload::default(), Constraints::default()),
        ("Llama-3.1-8B  llama.cpp, all GGUF types", &l8, Workload { engine: Engine::LlamaCpp, ..Workload::default() }, Constraints::default()),
        ("Llama-3.1-70B vLLM b64, all formats", &l70, Workload { engine: Engine::Vllm, batch: 64, ..Workload::default() }, Constraints::default()),
        (
            "Llama-3.1-70B full training (ZeRO 0–3)",
            &l70,
            Workload { mode: Mode::Full, precision: Precision::Mixed, grad_ckpt: true, batch: 1, ..Workload::default() },
            Constraints::default(),
        ),
        ("Llama-3.1-70B QLoRA", &l70, Workload { mode: Mode::Qlora, weights: WeightFormat::Nf4 { double_quant: true }, grad_ckpt: true, ..Workload::default() }, Constraints::default()),
        (
            "Llama-3.1-8B  HF bf16, target 2000 tok/s (batch climb)",
            &l8,
            Workload::default(),
            Constraints { formats: vec![WeightFormat::Bf16], target_tokens_per_s: Some(2000.0), ..Constraints::default() },
        ),
        (
            "Llama-3.1-8B  HF, all formats, target 5000 tok/s",
            &l8,
            Workload::default(),
            Constraints { target_tokens_per_s: Some(5000.0), ..Constraints::default() },
        ),
        (
            "Llama-3.1-70B vLLM b1, all formats, target 20000 tok/s",
            &l70,
            Workload { engine: Engine::Vllm, ..Workload::default() },
            Constraints { target_tokens_per_s: Some(20_000.0), ..Constraints::default() },
        ),
        (
            "worst case: 70B vLLM, unreachable target (every count)",
            &l70,
            Workload { engine: Engine::Vllm, batch: 64, ..Workload::default() },
            Constraints { target_tokens_per_s: Some(1e12), ..Constraints::default() },
        ),
    ];
    for (name, model, w, c) in runs {
        let eff = Efficiency::default_for(w.engine);
        let (s, _) = time(if plan_only { 500 } else { 50 }, || plan(model, &w, &cat, &c, &eff, &inputs).len());
        let (plans, st) = plan_with_stats(model, &w, &cat, &c, &eff, &inputs);
        println!(
            "  {name:<56} {:>7.3} ms  {:>4} estimates, {:>5} speeds, {:>3} candidates, {:>2} plans",
            s * 1e3,
            st.estimates,
            st.speeds,
            st.candidates,
            plans.len()
        );
    }
}
