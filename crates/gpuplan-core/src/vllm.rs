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
    /// Everything else vLLM subtracts from the requested share: its non-torch increase and,
    /// from v0.19, the estimated CUDA-graph memory (see [`VllmOptions::graphs_outside_pool`]).
    pub runtime: u64,
    /// KV bytes per token on one GPU (all its layers; TP/PP split applied).
    pub kv_bytes_per_token: u64,
    /// Tokens of one full-length sequence (prompt + new tokens).
    pub seq_len: u64,
    /// Of `runtime`: memory allocated outside torch during the profile run
    /// (`MemoryProfilingResult.non_torch_increase`).
    pub non_torch: u64,
    /// CUDA-graph memory (0 with `--enforce-eager`); in `runtime` only when vLLM profiles it.
    pub cuda_graph: u64,
    /// `max_model_len`: the request length vLLM's "Maximum concurrency" line divides by.
    pub max_model_len: u64,
    /// Linear-attention / Mamba state one running sequence holds in the pool on this GPU,
    /// whatever its length (0 without such layers): vLLM's hybrid allocator gives each request
    /// one state slot per linear layer (`vllm/v1/kv_cache_interface.py` `MambaSpec`, one block
    /// per request; v0.11.0).
    pub state_bytes_per_seq: u64,
    /// The scheduler's `max_num_seqs`: what bounds the running sequences when the model keeps
    /// no cache at all (encoder-only attention, [`size`]).
    pub max_num_seqs: u64,
}

/// vLLM's options that change its memory accounting (`vllm serve` flags). `None` = vLLM's
/// default for the card ([`VllmOptions::scheduler_defaults`]) or the model (max_model_len).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VllmOptions {
    /// `--max-model-len` (default: the model's `max_position_embeddings`).
    pub max_model_len: Option<u64>,
    /// `--max-num-seqs`.
    pub max_num_seqs: Option<u64>,
    /// `--max-num-batched-tokens`: the profile run's batch of tokens.
    pub max_num_batched_tokens: Option<u64>,
    /// `--enforce-eager`: no CUDA graphs.
    pub enforce_eager: bool,
    /// The card is an A100 (vLLM keeps the small scheduler defaults on it, PR #17885).
    pub card_is_a100: bool,
    /// vLLM before 0.19: CUDA graphs are captured after the pool is sized, from the headroom
    /// `1 − gpu_memory_utilization` leaves, not subtracted from the pool. From v0.19
    /// `VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1` is the default and the estimate is
    /// subtracted (vLLM's own log in v0.18: "In v0.19, CUDA graph memory profiling will be
    /// enabled by default", quoted in vllm-project/vllm PR #39559).
    pub graphs_outside_pool: bool,
}

/// Cards of at least this much memory get vLLM's large scheduler defaults (unless A100):
/// `device_memory >= 70 * GiB_bytes and "a100" not in device_name`
/// (`vllm/engine/arg_utils.py` `EngineArgs.get_batch_defaults`, v0.10–v0.11).
pub const LARGE_CARD_BYTES: u64 = 70 << 30;
/// `vllm serve` (`UsageContext.OPENAI_API_SERVER`) defaults, same function: large cards
/// 8192 batched tokens and 1024 sequences, other cards 2048 and 256.
pub const SERVE_BATCHED_TOKENS_LARGE: u64 = 8192;
pub const SERVE_MAX_NUM_SEQS_LARGE: u64 = 1024;
pub const SERVE_BATCHED_TOKENS_SMALL: u64 = 2048;
pub const SERVE_MAX_NUM_SEQS_SMALL: u64 = 256;

impl VllmOptions {
    /// (max_num_batched_tokens, max_num_seqs) vLLM uses on a card of `card_bytes`.
    pub fn scheduler_defaults(&self, card_bytes: u64) -> (u64, u64) {
        let large = card_bytes >= LARGE_CARD_BYTES && !self.card_is_a100;
        let (t, s) = if large { (SERVE_BATCHED_TOKENS_LARGE, SERVE_MAX_NUM_SEQS_LARGE) } else { (SERVE_BATCHED_TOKENS_SMALL, SERVE_MAX_NUM_SEQS_SMALL) };
        (self.max_num_batched_tokens.unwrap_or(t), self.max_num_seqs.unwrap_or(s))
    }
}

/// vLLM's accounting on one GPU, field for field as its log prints it: the estimate's `vllm`
/// object (with [`VllmPool`]'s fields) and the page's vLLM panel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accounting {
    /// "GPU KV cache size: N tokens".
    pub kv_capacity_tokens: u64,
    pub blocks: u64,
    pub block_size: u64,
    /// "Maximum concurrency for `max_model_len` tokens per request: X".
    pub max_concurrency: f64,
    pub max_model_len: u64,
    pub weights_bytes: u64,
    pub non_torch_bytes: u64,
    pub activation_peak_bytes: u64,
    pub cuda_graph_bytes: u64,
    /// "Available KV cache memory": requested − weights − activation peak − non-torch
    /// (− CUDA graphs from v0.19).
    pub available_kv_bytes: u64,
    pub requested_bytes: u64,
}

/// vLLM's accounting of `d` on a card of `card_bytes` at `utilization_permille`: the pure
/// function behind `estimate --engine vllm --json`'s `vllm` object.
pub fn accounting(d: &Demand, card_bytes: u64, utilization_permille: u32) -> Accounting {
    let s = size(d, card_bytes, utilization_permille);
    let page = d.kv_bytes_per_token.max(1).saturating_mul(BLOCK_SIZE);
    let available = s.pool.requested_bytes.saturating_sub(d.non_kv());
    let blocks = available / page;
    // `get_max_concurrency_for_kv_cache_config` (vllm/v1/core/kv_cache_utils.py): tokens of
    // the pool over max_model_len, printed with two decimals.
    let max_concurrency = (blocks * BLOCK_SIZE) as f64 / d.max_model_len.max(1) as f64;
    Accounting {
        kv_capacity_tokens: s.pool.kv_capacity_tokens,
        blocks,
        block_size: BLOCK_SIZE,
        max_concurrency: libm::round(max_concurrency * 100.0) / 100.0,
        max_model_len: d.max_model_len,
        weights_bytes: d.weights,
        non_torch_bytes: d.non_torch,
        activation_peak_bytes: d.profile_activations,
        cuda_graph_bytes: d.cuda_graph,
        available_kv_bytes: available,
        requested_bytes: s.pool.requested_bytes,
    }
}

impl Accounting {
    /// The fields the issue names, added to the [`VllmPool`] object.
    pub fn add_to_json(&self, v: &mut crate::json::Value) {
        if let Some(o) = v.as_object_mut() {
            for (k, x) in [
                ("blocks", self.blocks.into()),
                ("max_concurrency", crate::json::Value::from(self.max_concurrency)),
                ("max_model_len", self.max_model_len.into()),
                ("weights_bytes", self.weights_bytes.into()),
                ("non_torch_bytes", self.non_torch_bytes.into()),
                ("activation_peak_bytes", self.activation_peak_bytes.into()),
                ("cuda_graph_bytes", self.cuda_graph_bytes.into()),
                ("available_kv_bytes", self.available_kv_bytes.into()),
            ] {
                o.insert(k.into(), x);
            }
        }
    }
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
    if d.kv_bytes_per_token == 0 && d.state_bytes_per_seq == 0 {
        // No layer asks for a cache (encoder-only attention: "Encoder attention is a special
        // case that doesn't need a KV Cache", `vllm/attention/layers/encoder_only_attention.py`
        // @ 0213df59): `EngineCore._initialize_kv_caches` (`vllm/v1/engine/core.py` @ 00080ee1)
        // finds no KV cache spec, gives the cache 0 bytes ("Attention free models don't need
        // memory for kv cache") and allocates no blocks; only `max_num_seqs` bounds the batch.
        let fits = non_kv <= requested;
        return PoolOnCard {
            pool: VllmPool { kv_capacity_tokens: 0, max_concurrent_sequences: if fits { d.max_num_seqs } else { 0 }, block_size: BLOCK_SIZE, requested_bytes: requested },
            kv_bytes: 0,
            fits,
        };
    }
    let available = requested.saturating_sub(non_kv);
    let page = d.kv_bytes_per_token.max(1).saturating_mul(BLOCK_SIZE);
    let blocks = available / page;
    let capacity = blocks.saturating_mul(BLOCK_SIZE);
    // A sequence takes its KV blocks plus, in a hybrid model, its fixed state.
    let seqs = if d.state_bytes_per_seq == 0 {
        capacity / d.seq_len.max(1)
    } else {
        available / d.seq_len.max(1).div_ceil(BLOCK_SIZE).saturating_mul(page).saturating_add(d.state_bytes_per_seq)
    };
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
        Demand { weights: 15 << 30, profile_activations: 2 << 30, runtime: 1 << 30, kv_bytes_per_token: 128 << 10, seq_len: 4096, non_torch: 1 << 30, cuda_graph: 0, max_model_len: 8192, state_bytes_per_seq: 0, max_num_seqs: 1024 }
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

    #[test]
    fn a_model_without_any_cache_gets_no_pool_and_the_schedulers_sequences() {
        let d = Demand { kv_bytes_per_token: 0, ..demand() };
        let s = size(&d, 81_559 * MIB, 900);
        assert!(s.fits);
        assert_eq!((s.kv_bytes, s.pool.kv_capacity_tokens, s.pool.max_concurrent_sequences), (0, 0, 1024));
        // Too small a card: nothing runs.
        let t4 = size(&d, 15_360 * MIB, 900);
        assert_eq!((t4.fits, t4.pool.max_concurrent_sequences), (false, 0));
        // A Mamba-only model keeps its per-sequence state: a pool all the same.
        let m = size(&Demand { state_bytes_per_seq: 64 << 20, ..d }, 81_559 * MIB, 900);
        assert!(m.pool.max_concurrent_sequences > 0 && m.pool.max_concurrent_sequences < 1024 * 100);
    }
}
