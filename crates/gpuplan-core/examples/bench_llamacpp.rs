//! Timing of llama.cpp's offload search over the whole catalog (native).
//!
//! `cargo run --release -p gpuplan-core --example bench_llamacpp`
//!
//! For each model preset of the catalog at q4_k_m and 8192 tokens of context: on every card of
//! the catalog, the largest `-ngl` / `--n-cpu-moe` that fits with 32 GiB of system RAM, and the
//! largest context at that split — what the page's every-card table asks ("fits with offload",
//! "largest context"). Prints ms per sweep (all cards) per model and over all models. Target:
//! ≤ 5 ms per model sweep in the page (WebAssembly runs about 1.5–2× slower than native).
//! Figures only; nothing is asserted.

use std::hint::black_box;
use std::time::Instant;

use gpuplan_core::catalog;
use gpuplan_core::llamacpp::{max_ctx, offload_search, Card, HostMemory, Params, Shape};
use gpuplan_core::memory::Model;
use gpuplan_core::WeightFormat;

fn main() {
    let cat = catalog::load().expect("catalog");
    let format = WeightFormat::parse("q4_k_m", false).unwrap();
    let host = HostMemory { ram_bytes: Some(32 << 30), bandwidth_gbs: 89.6 };
    let cards: Vec<Vec<Card>> = cat.gpus.iter().map(|g| vec![Card { id: g.id.clone(), free_bytes: g.memory_bytes.saturating_sub(350 << 20), bandwidth_gbs: g.bandwidth_gbps }]).collect();
    let shapes: Vec<(String, Shape)> = cat
        .models
        .iter()
        .filter_map(|m| Some((m.id.clone(), Shape::from_model(&Model::new(m.arch().ok()?), format))))
        .collect();
    println!("offload search + largest context on all {} cards, q4_k_m, -c 8192, 32 GiB RAM", cards.len());
    let mut total = 0.0;
    let mut worst = (0.0, String::new());
    for (id, shape) in &shapes {
        let p = Params::new(8192);
        let sweep = || {
            let mut fitting = 0;
            for c in &cards {
                let o = offload_search(shape, &p, c, &[1.0], &host, 0.5).unwrap();
                if o.fits {
                    fitting += 1;
                    let q = Params { n_gpu_layers: o.n_gpu_layers, n_cpu_moe: o.n_cpu_moe, ..p.clone() };
                    black_box(max_ctx(shape, &q, c, &[1.0], &host, 131_072).unwrap());
                }
            }
            fitting
        };
        let fitting = sweep();
        let iters = 20;
        let t = Instant::now();
        for _ in 0..iters {
            black_box(sweep());
        }
        let ms = t.elapsed().as_secs_f64() * 1e3 / iters as f64;
        total += ms;
        if ms > worst.0 {
            worst = (ms, id.clone());
        }
        println!("  {id:<32} {ms:>7.2} ms  ({fitting} of {} cards fit)", cards.len());
    }
    println!("all {} models: {total:.1} ms; per model: mean {:.2} ms, worst {:.2} ms ({})", shapes.len(), total / shapes.len() as f64, worst.0, worst.1);
}
