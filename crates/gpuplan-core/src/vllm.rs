//! vLLM's KV-cache pool: how many tokens of paged KV a card holds once vLLM has taken its share
//! of the card. One definition, used by `memory::estimate` (the CLI's `--json` field `vllm`),
//! the planner (`plan.rs`, per card) and the page (through [`crate::memory::vllm_pool`]).
//!
//! vLLM v1 sizes the pool in two steps:
//! - `vllm/v1/worker/gpu_worker.py` `Worker.determine_available_memory` (vllm-project/vllm @
//!   0012cf69): `available = total_gpu_memory × gpu_memory_utilization − peak`, where `peak` is
//!   the profiled forward pass's peak allocation (weights + activations of one
//!   `max_num_batched_tokens` batch) plus memory allocated outside torch (CUDA context, NCCL);
//!   CUDA-graph capture comes later and is counted here as part of the fixed runtime;
//! - `vllm/v1/core/kv_cache_utils.py` `get_num_blocks` (vllm-project/vllm @ 001cabc1):
//!   `num_blocks = available // page_size // num_layers`, a page holding `block_size` (16)
//!   tokens of one layer. Summed over layers that is `available // (16 × KV bytes per token)`,
//!   floored, never rounded up.
//!
//! This module is the arithmetic only (no model, no workload): [`Demand`] says what the model
//! and workload need outside the pool, [`size`] what a card of a given size then holds.

/// vLLM's default KV block: 16 tokens (`CacheConfig.block_size`, `vllm/config/cache.py`).
pub const BLOCK_SIZE: u64 = 16;

/// vLLM's pool on one card: how many KV tokens and full-length sequences fit (memory-model.md
/// §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VllmPool {
    pub kv_capacity_tokens: u64,
    pub max_concurrent_sequences: u64,
    pub block_size: u64,
    /// Bytes vLLM requests: utilization × total.
    pub requested_bytes: u64,
}

impl VllmPool {
    /// The estimate's `vllm` object: the four fields in declaration order.
    pub fn to_json(&self) -> crate::json::Value {
        crate::json::object([
            ("kv_capacity_tokens", self.kv_capacity_tokens.into()),
            ("max_concurrent_sequences", self.max_concurrent_sequences.into()),
            ("block_size", self.block_size.into()),
            ("requested_bytes", self.requested_bytes.into()),
        ])
    }
}

/// What a vLLM deployment needs per GPU outside the KV pool, and the pool's unit: independent
/// of the card, so one demand sizes the pool on every card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Demand {
    /// Weights held by one GPU.
    pub weights: u64,
    /// The profiled forward pass's activation peak.
    pub profile_activations: u64,
    /// CUDA context, library workspaces, NCCL, CUDA graphs.
    pub runtime: u64,
    /// KV bytes per token on one GPU (all its layers; TP/PP split applied).
    pub kv_bytes_per_token: u64,
    /// Tokens of one full-length sequence (prompt + new tokens).
    pub seq_len: u64,
}

impl Demand {
    /// Everything but the pool: the `peak` vLLM subtracts.
    pub fn non_kv(&self) -> u64 {
        self.weights.saturating_add(self.profile_activations).saturating_add(self.runtime)
    }
}

/// The pool on a card of `card_bytes` at `utilization_permille`, and the KV bytes it allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOnCard {
    pub pool: VllmPool,
    /// Bytes of the allocated blocks (0 when nothing but the weights fit).
    pub kv_bytes: u64,
    /// Whether weights, activation profile and runtime fit in the requested share at all.
    pub fits: bool,
}

/// Sizes the pool on a card of `card_bytes` (what the driver reports) with vLLM's
/// `gpu_memory_utilization` in per-mille.
pub fn size(d: &Demand, card_bytes: u64, utilization_permille: u32) -> PoolOnCard {
    let requested = (card_bytes as u128 * utilization_permille as u128 / 1000).min(u64::MAX as u128) as u64;
    let non_kv = d.non_kv();
    let available = requested.saturating_sub(non_kv);
    let page = d.kv_bytes_per_token.max(1).saturating_mul(BLOCK_SIZE);
    let blocks = available / page;
    let capacity = blocks.saturating_mul(BLOCK_SIZE);
    let seqs = capacity / d.seq_len.max(1);
    let fits = non_kv <= requested;
    PoolOnCard {
        pool: VllmPool { kv_capacity_tokens: capacity, max_concurrent_sequences: seqs, block_size: BLOCK_SIZE, requested_bytes: requested },
        kv_bytes: if fits { blocks.saturating_mul(page) } else { 0 },
        fits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn demand() -> Demand {
        Demand { weights: 15 << 30, profile_activations: 2 << 30, runtime: 1 << 30, kv_bytes_per_token: 128 << 10, seq_len: 4096 }
    }

    #[test]
    fn blocks_are_floored_to_whole_pages() {
        let d = demand();
        let s = size(&d, 81_559 * MIB, 900);
        let requested = 81_559 * MIB * 9 / 10;
        assert_eq!(s.pool.requested_bytes, requested);
        let page = (128 << 10) * BLOCK_SIZE;
        assert_eq!(s.kv_bytes, (requested - d.non_kv()) / page * page, "floor, as get_num_blocks");
        assert_eq!(s.pool.kv_capacity_tokens, s.kv_bytes / (128 << 10));
        assert_eq!(s.pool.kv_capacity_tokens % BLOCK_SIZE, 0);
        assert_eq!(s.pool.max_concurrent_sequences, s.pool.kv_capacity_tokens / 4096);
        // One byte less than a page more does not add a block.
        let t = size(&Demand { runtime: d.runtime + page - 1, ..d }, 81_559 * MIB, 900);
        assert!(t.pool.kv_capacity_tokens >= s.pool.kv_capacity_tokens - BLOCK_SIZE);
    }

    #[test]
    fn a_larger_card_holds_more_and_too_small_a_card_holds_nothing() {
        let d = demand();
        let l40s = size(&d, 46_068 * MIB, 900);
        let h100 = size(&d, 81_559 * MIB, 900);
        assert!(l40s.pool.kv_capacity_tokens < h100.pool.kv_capacity_tokens);
        assert!(l40s.pool.requested_bytes < 46_068 * MIB);
        let t4 = size(&d, 15_360 * MIB, 900);
        assert!(!t4.fits && t4.kv_bytes == 0 && t4.pool.kv_capacity_tokens == 0);
    }
}
