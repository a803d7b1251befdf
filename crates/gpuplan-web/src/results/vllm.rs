//! vLLM's share of the card: the one place the page sizes vLLM's KV pool, so that it becomes
//! one call to the core's pool function when the core has one.

use gpuplan_core::memory::{Estimate, Model, Workload};

/// KV bytes per token that one GPU holds under `w`'s split (the core's rule: TP splits KV heads
/// up to their number, MLA's latent is not split; pipeline stages split the layers).
fn kv_per_token_gpu(model: &Model, w: &Workload, e: &Estimate) -> u64 {
    let tp = e.layout.tensor_parallel.max(1);
    let pp = e.layout.pipeline_parallel.max(1);
    let div = if model.arch.mla.is_some() { 1 } else { tp.min(model.arch.kv_heads).max(1) };
    model.kv_bytes_per_token(w.kv_cache).div_ceil(div).div_ceil(pp)
}

/// The memory one GPU must have for a vLLM run. vLLM takes `gpu_memory_utilization × memory`
/// whatever the load, so this is the memory at which that share holds the weights, the
/// activation profile, the runtime and the KV cache of every sequence at full length.
pub fn required_bytes(model: &Model, w: &Workload, e: &Estimate) -> u64 {
    let b = &e.breakdown;
    let non_kv = b.weights.saturating_add(b.activations).saturating_add(b.runtime).saturating_add(b.gradients).saturating_add(b.optimizer);
    let block = e.vllm.map_or(16, |p| p.block_size.max(1));
    let seq_tokens = (w.prompt + w.new_tokens).div_ceil(block) * block;
    let kv = w.batch.saturating_mul(seq_tokens).saturating_mul(kv_per_token_gpu(model, w, e));
    let util = (w.gpu_memory_utilization_permille as u64).max(1);
    (non_kv.saturating_add(kv) as u128 * 1000).div_ceil(util as u128).min(u64::MAX as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuplan_core::memory::{estimate, Engine};
    use gpuplan_core::model::ManualModel;

    fn model() -> Model {
        Model::new(ManualModel::default().to_arch().unwrap())
    }

    #[test]
    fn vllm_requirement_counts_every_sequence_not_the_pool() {
        let m = model();
        let mut w = Workload { engine: Engine::Vllm, ..Workload::default() };
        let e = estimate(&m, &w).unwrap();
        let r1 = required_bytes(&m, &w, &e);
        // The pool fills the card whatever the load; the requirement does not.
        assert!(r1 < e.total_bytes);
        w.batch = 64;
        let e = estimate(&m, &w).unwrap();
        let r64 = required_bytes(&m, &w, &e);
        assert!(r64 > r1 + 63 * 2000 * e.kv_bytes_per_token / 2, "{r64} {r1}");
    }

}
