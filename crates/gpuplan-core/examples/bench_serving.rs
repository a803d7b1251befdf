//! Timing of the latency-target sizing over the whole catalog (native).
//!
//! `cargo run --release -p gpuplan-core --example bench_serving`
//!
//! Prints the fastest and the median ms of 30 `serving::size_catalog` runs (every card, the smallest tensor-parallel group that
//! holds the model, the batch search per card) for a few targets. The page's budget is ≤ 5 ms
//! per run in WebAssembly; this is the native figure, the page measures its own. Figures only;
//! nothing is asserted (timings depend on the machine).

use std::hint::black_box;
use std::time::Instant;

use gpuplan_core::catalog;
use gpuplan_core::cost::CostInputs;
use gpuplan_core::memory::{Engine, Model, Workload};
use gpuplan_core::serving::{size_catalog, Load, Target};
use gpuplan_core::throughput::Efficiency;
use gpuplan_core::WeightFormat;

fn main() {
    let cat = catalog::load().expect("catalog");
    let inputs = CostInputs::from_catalog(&cat);
    let model = |id: &str| Model::new(cat.model(id).expect("preset").arch().expect("arch"));
    let (l8, l70) = (model("llama-3.1-8b"), model("llama-3.1-70b"));
    let vllm = |weights, prompt, new_tokens| Workload { engine: Engine::Vllm, weights, prompt, new_tokens, ..Workload::default() };
    let runs: Vec<(&str, &Model, Workload, Target)> = vec![
        ("Llama-3.1-8B  bf16, 1000→200, TTFT 500 / TPOT 30 ms, 20 req/s", &l8, vllm(WeightFormat::Bf16, 1000, 200),
            Target { ttft_s: 0.5, tpot_s: 0.030, load: Load::Rps(20.0), prompt_cache_share: 0.0 }),
        ("Llama-3.1-8B  bf16, 2000→300, TTFT 1 s / TPOT 50 ms, 500 users", &l8, vllm(WeightFormat::Bf16, 2000, 300),
            Target { ttft_s: 1.0, tpot_s: 0.050, load: Load::Users(500), prompt_cache_share: 0.3 }),
        ("Llama-3.1-70B fp8, 1000→200, TTFT 1 s / TPOT 40 ms, 10 req/s", &l70, vllm(WeightFormat::Fp8, 1000, 200),
            Target { ttft_s: 1.0, tpot_s: 0.040, load: Load::Rps(10.0), prompt_cache_share: 0.0 }),
        ("worst case: 70B bf16, TPOT 1 ms (no card reaches it)", &l70, vllm(WeightFormat::Bf16, 1000, 200),
            Target { ttft_s: 1.0, tpot_s: 0.001, load: Load::Rps(10.0), prompt_cache_share: 0.0 }),
    ];
    println!("serving::size_catalog (ms per run over {} cards)", cat.gpus.len());
    for (name, m, w, t) in runs {
        let eff = Efficiency::default_for(w.engine);
        let rows = size_catalog(m, &w, &cat, &eff, &t, &inputs);
        // The fastest of 30 runs and their median: a shared machine only ever adds time.
        let mut times: Vec<f64> = (0..30)
            .map(|_| {
                let start = Instant::now();
                black_box(size_catalog(black_box(m), black_box(&w), &cat, &eff, &t, &inputs).len());
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let (ms, median) = (times[0], times[times.len() / 2]);
        let met = rows.iter().filter(|r| r.best.is_some()).count();
        println!("  {name:<64} {ms:>7.3} ms (median {median:.3})  {:>3} cards sized, {met:>3} meet the target", rows.len());
    }
}
