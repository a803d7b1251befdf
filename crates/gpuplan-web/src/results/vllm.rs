//! vLLM's share of the card, as the core sizes it: the page asks the core's pool
//! (`gpuplan_core::memory::vllm_pool`, the one computation behind the CLI's `vllm` field and the
//! planner's per-card fit) and keeps no rule of its own.

use gpuplan_core::memory::{vllm_demand, vllm_pool, Engine, Mode, Model, Workload};
use gpuplan_core::vllm::BLOCK_SIZE;

/// The smallest card (bytes per GPU) on which the core's vLLM pool holds every one of the
/// workload's `batch` sequences at full length at once; `None` when the workload is not valid.
///
/// `vllm::size` gives `blocks = ⌊(⌊card·u/1000⌋ − non_kv) / page⌋` and `sequences =
/// ⌊16·blocks / seq_len⌋`, so `batch` sequences need `blocks ≥ ⌈batch·seq_len / 16⌉`, that is
/// `card ≥ ⌈1000·(non_kv + blocks·page) / u⌉`: the inverse of the core's sizing, checked
/// against it in the tests (one byte less holds fewer sequences).
pub fn required_bytes(model: &Model, w: &Workload) -> Option<u64> {
    let d = vllm_demand(model, &Workload { engine: Engine::Vllm, mode: Mode::Inference, ..w.clone() }).ok()?;
    let blocks = (w.batch.max(1) as u128 * d.seq_len.max(1) as u128).div_ceil(BLOCK_SIZE as u128);
    let page = d.kv_bytes_per_token.max(1) as u128 * BLOCK_SIZE as u128;
    let requested = d.non_kv() as u128 + blocks * page;
    let util = (w.gpu_memory_utilization_permille as u128).max(1);
    Some((requested * 1000).div_ceil(util).min(u64::MAX as u128) as u64)
}

/// vLLM on a card of `card_bytes`: (bytes it takes per GPU — the pool's blocks plus everything
/// outside them, as the CLI's `total_bytes` —, full-length sequences the pool holds at once).
pub fn on_card(model: &Model, w: &Workload, card_bytes: u64) -> Option<(u64, u64)> {
    let p = vllm_pool(model, w, card_bytes).ok()?;
    let d = vllm_demand(model, &Workload { engine: Engine::Vllm, mode: Mode::Inference, ..w.clone() }).ok()?;
    Some((d.non_kv().saturating_add(p.kv_bytes), p.pool.max_concurrent_sequences))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuplan_core::memory::estimate;
    use gpuplan_core::model::ManualModel;

    fn model() -> Model {
        Model::new(ManualModel::default().to_arch().unwrap())
    }

    #[test]
    fn vllm_requirement_counts_every_sequence_not_the_pool() {
        let m = model();
        let mut w = Workload { engine: Engine::Vllm, ..Workload::default() };
        let e = estimate(&m, &w).unwrap();
        let r1 = required_bytes(&m, &w).unwrap();
        // The pool fills the card whatever the load; the requirement does not.
        assert!(r1 < e.total_bytes);
        w.batch = 64;
        let e = estimate(&m, &w).unwrap();
        let r64 = required_bytes(&m, &w).unwrap();
        assert!(r64 > r1 + 63 * 2000 * e.kv_bytes_per_token / 2, "{r64} {r1}");
    }

    #[test]
    fn the_requirement_is_the_smallest_card_the_cores_pool_serves_every_sequence_on() {
        let m = model();
        for (batch, util, prompt) in [(1, 900, 2000), (7, 900, 8000), (64, 950, 1000), (3, 500, 100_000)] {
            let w = Workload { engine: Engine::Vllm, batch, gpu_memory_utilization_permille: util, prompt, ..Workload::default() };
            let r = required_bytes(&m, &w).unwrap();
            let seqs = |bytes: u64| vllm_pool(&m, &w, bytes).unwrap().pool.max_concurrent_sequences;
            assert!(seqs(r) >= batch, "batch {batch}: {} sequences on {r} bytes", seqs(r));
            assert!(seqs(r - 1) < batch, "batch {batch}: one byte less still holds {}", seqs(r - 1));
        }
    }

    /// One vLLM scenario (Llama-3.1-8B, bf16, on an L40S, 2,048 + 256 tokens, more users than
    /// the pool holds) as the CLI computes it (`parse_estimate_args` + `estimate`, as
    /// `gpuplan estimate --preset … --gpu …` does), as the planner does for that card, and as the
    /// page does from its link: the same bytes per card and the same concurrent sequences.
    #[test]
    fn cli_planner_and_page_agree_on_a_vllm_scenario() {
        use gpuplan_core::args::parse_estimate_args;
        use gpuplan_core::catalog;
        use gpuplan_core::plan::{plan, Constraints};
        const CARD: &str = "nvidia-l40s";
        let cat = catalog::load().unwrap();
        // The CLI.
        let args = ["--preset", "llama-3.1-8b", "--engine", "vllm", "--gpu", CARD, "--batch", "1000", "--prompt", "2048", "--new-tokens", "256"];
        let mut a = parse_estimate_args(&args).unwrap();
        a.apply_gpu(&cat).unwrap();
        let cli_model = Model::new(cat.model("llama-3.1-8b").unwrap().arch().unwrap());
        let cli = estimate(&cli_model, &a.workload).unwrap();
        let cli_seqs = cli.vllm.unwrap().max_concurrent_sequences;
        assert!(cli_seqs > 1 && cli_seqs < 1000, "{cli_seqs}");
        assert!(cli.total_bytes < cat.gpu(CARD).unwrap().memory_bytes);
        // The planner, on that card alone, one card, bf16.
        let mut one = cat.clone();
        one.gpus.retain(|g| g.id == CARD);
        let c = Constraints { max_gpus: 1, formats: vec![a.workload.weights], ..Constraints::default() };
        let eff = gpuplan_core::throughput::Efficiency::default_for(Engine::Vllm);
        let plans = plan(&cli_model, &a.workload, &one, &c, &eff, &gpuplan_core::cost::CostInputs::new(cat.fx.cny_per_usd));
        let p = plans.iter().find(|p| p.count == 1).expect("a one-card plan");
        assert_eq!((p.per_gpu_bytes, p.batch), (cli.total_bytes, cli_seqs), "planner vs CLI");
        // The page, from its link.
        let data = crate::catalog::load();
        let x = crate::results::resolve::from_link(&data, &format!("v=1&m=llama-3.1-8b&e=vllm&g={CARD}&u=1000&ctx=2304&out=256")).unwrap();
        // (The page's training checkbox defaults on; inference does not read it.)
        assert_eq!(Workload { grad_ckpt: false, ..x.workload.clone() }, a.workload, "the page reads the link into the CLI's workload");
        let o = crate::results::memory::Outcome::compute(&x.model, &x.workload, &x.card.spec, &x.scenario).unwrap();
        assert_eq!((o.est.total_bytes, o.est.vllm.unwrap().max_concurrent_sequences), (cli.total_bytes, cli_seqs), "page vs CLI");
        assert_eq!(on_card(&x.model.model, &x.workload, x.card.spec.memory_bytes), Some((cli.total_bytes, cli_seqs)));
        // What the verdict shows.
        let h = crate::report::verdict::verdict(crate::i18n::Lang::En, crate::numbers::NumFmt::default(), &o);
        assert!(h.contains(&format!("data-bytes=\"{}\" data-seqs=\"{cli_seqs}\"", cli.total_bytes)), "{h}");
        // Every sequence at once needs a bigger card than the L40S: the requirement says so.
        assert!(o.need.bytes > x.card.spec.memory_bytes && vllm_pool(&x.model.model, &x.workload, o.need.bytes).unwrap().pool.max_concurrent_sequences >= 1000);
    }
}
