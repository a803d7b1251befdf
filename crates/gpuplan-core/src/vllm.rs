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
    /// The hybrid KV cache manager's groups when the model mixes layer kinds (sliding window,
    /// chunked local attention, Mamba / linear attention) and the manager is on; `None`: one
    /// group of full-attention layers (`kv_bytes_per_token`, `state_bytes_per_seq`).
    pub groups: Option<KvGroups>,
}

/// vLLM V1's hybrid KV cache manager (`vllm/v1/core/kv_cache_utils.py`
/// `get_kv_cache_groups` → `_get_kv_cache_groups_uniform_page_size`,
/// `get_kv_cache_config_from_groups`, `_report_kv_cache_config`,
/// `get_max_concurrency_for_kv_cache_config`; specs in `vllm/v1/kv_cache_interface.py`;
/// vllm-project/vllm @ 001cabc1):
/// - layers are grouped by spec (full attention, `SlidingWindowSpec`,
///   `ChunkedLocalAttentionSpec`, `MambaSpec`); every group holds `group_size` layers: the
///   fewest layers of any kind, or the most when that is under 1.5 × the fewest, each kind split
///   into ⌈n / group_size⌉ groups (the last padded);
/// - all groups share one page size (a Mamba page is padded to the attention page, whose block
///   is raised to hold it: [`mamba_attention_block_size`]) and one pool of `num_blocks =
///   available // page // group_size` blocks, `group_size` tensors of `num_blocks` pages;
/// - the log's "GPU KV cache size" is `num_blocks // groups × block_size` tokens, and
///   "Maximum concurrency" is `num_blocks / ` the blocks one `max_model_len` request takes in
///   every group: ⌈L / bs⌉ for full attention, ⌈min(window − 1 + max_num_batched_tokens, L) /
///   bs⌉ + 1 for a sliding window, ⌈min(chunk + max_num_batched_tokens, L) / bs⌉ for chunked
///   local attention, one state block for Mamba (`mamba_cache_mode` "none").
///
/// With `--disable-hybrid-kv-cache-manager` (and by default with KV connectors that do not
/// support it, or before v0.10) `unify_hybrid_kv_cache_specs` turns sliding and chunked layers
/// into full attention: [`Demand::groups`] is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvGroups {
    /// Bytes of one layer's block on one GPU, shared by every group.
    pub page_bytes: u64,
    /// Tokens per attention block.
    pub block_size: u64,
    /// Layers per group on one GPU (`group_size`).
    pub group_size: u64,
    pub full_groups: u64,
    pub sliding_groups: u64,
    pub sliding_window: u64,
    pub chunked_groups: u64,
    pub attention_chunk: u64,
    pub mamba_groups: u64,
    /// The scheduler's `max_num_batched_tokens` (a window's chunked-prefill margin).
    pub max_num_batched_tokens: u64,
}

/// The kinds of KV-holding layers of a model on one GPU, for [`KvGroups::new`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayerCounts {
    pub full: u64,
    pub sliding: u64,
    pub sliding_window: u64,
    pub chunked: u64,
    pub attention_chunk: u64,
    pub mamba: u64,
    /// KV bytes of one attention layer per token on one GPU.
    pub attn_bytes_per_token: u64,
    /// One Mamba / linear-attention layer's state per request on one GPU.
    pub mamba_state_bytes: u64,
}

/// The attention block that holds a Mamba layer's state in one page:
/// `16 · ⌈mamba_page / (16 · attention bytes per token)⌉`
/// (`HybridAttentionMambaModelConfig.verify_and_update_config`,
/// `vllm/model_executor/models/config.py` @ 0144dd5b, v0.11.0; the Mamba page is then padded to
/// the attention page).
pub fn mamba_attention_block_size(mamba_state_bytes: u64, attn_bytes_per_token: u64) -> u64 {
    BLOCK_SIZE * mamba_state_bytes.div_ceil(BLOCK_SIZE * attn_bytes_per_token.max(1)).max(1)
}

/// `group_size` above is the fewest layers of a kind unless the most are under this ratio of
/// it (1.5, `_get_kv_cache_groups_uniform_page_size`: "gpt-oss-20b + eagle, with 12 sw + 13
/// full"), in tenths.
pub const GROUP_SIZE_RATIO_TENTHS: u64 = 15;

impl KvGroups {
    /// The groups of a model with these layers, or `None` when every KV layer is full
    /// attention (one group, the plain pool) or no layer is attention.
    pub fn new(c: &LayerCounts, max_num_batched_tokens: u64) -> Option<KvGroups> {
        let attention = c.full + c.sliding + c.chunked;
        if attention == 0 || attention == c.full && c.mamba == 0 {
            return None;
        }
        let kinds = [c.full, c.sliding, c.chunked, c.mamba];
        let present = kinds.iter().copied().filter(|n| *n > 0);
        let (min, max) = (present.clone().min().unwrap_or(1), present.max().unwrap_or(1));
        let group_size = if max * 10 < min * GROUP_SIZE_RATIO_TENTHS { max } else { min };
        let groups = |n: u64| n.div_ceil(group_size);
        let block_size = if c.mamba > 0 { mamba_attention_block_size(c.mamba_state_bytes, c.attn_bytes_per_token) } else { BLOCK_SIZE };
        Some(KvGroups {
            page_bytes: block_size.saturating_mul(c.attn_bytes_per_token),
            block_size,
            group_size,
            full_groups: groups(c.full),
            sliding_groups: groups(c.sliding),
            sliding_window: c.sliding_window,
            chunked_groups: groups(c.chunked),
            attention_chunk: c.attention_chunk,
            mamba_groups: groups(c.mamba),
            max_num_batched_tokens,
        })
    }

    /// Number of KV cache groups.
    pub fn groups(&self) -> u64 {
        self.full_groups + self.sliding_groups + self.chunked_groups + self.mamba_groups
    }

    /// Blocks one request of `len` tokens can take over all groups (`max_memory_usage_bytes`
    /// of each group's spec, in pages).
    pub fn blocks_per_request(&self, len: u64) -> u64 {
        let bs = self.block_size.max(1);
        let mnbt = self.max_num_batched_tokens;
        let full = len.div_ceil(bs);
        let sliding = (self.sliding_window.saturating_sub(1) + mnbt).min(len).div_ceil(bs) + 1;
        let chunked = (self.attention_chunk + mnbt).min(len).div_ceil(bs);
        self.full_groups * full + self.sliding_groups * sliding + self.chunked_groups * chunked + self.mamba_groups
    }

    /// `num_blocks` of `available` bytes.
    pub fn num_blocks(&self, available: u64) -> u64 {
        available / self.page_bytes.max(1) / self.group_size.max(1)
    }

    /// The log's "GPU KV cache size" of `num_blocks`: tokens of one group, in the smallest
    /// block of any group (a Mamba group's block is `max_model_len`).
    pub fn tokens(&self, num_blocks: u64, max_model_len: u64) -> u64 {
        let min_block = if self.mamba_groups > 0 { self.block_size.min(max_model_len.max(1)) } else { self.block_size };
        num_blocks / self.groups().max(1) * min_block
    }
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
    /// `--disable-hybrid-kv-cache-manager`: sliding-window and chunked local attention layers
    /// are allocated as full attention (`unify_hybrid_kv_cache_specs`, [`KvGroups`]); what vLLM
    /// also does before v0.10, with KV connectors that lack hybrid support, and for chunked
    /// local attention (Llama 4) from v0.10.1 until `VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE`
    /// defaulted to on.
    pub disable_hybrid_kv_cache_manager: bool,
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
    let available = s.pool.requested_bytes.saturating_sub(d.non_kv());
    let (blocks, block_size, max_concurrency) = match &d.groups {
        // `get_max_concurrency_for_kv_cache_config`: the pool's blocks over one request's.
        Some(g) => {
            let blocks = g.num_blocks(available);
            (blocks, g.block_size, blocks as f64 / g.blocks_per_request(d.max_model_len).max(1) as f64)
        }
        None => {
            let page = d.kv_bytes_per_token.max(1).saturating_mul(BLOCK_SIZE);
            let blocks = available / page;
            // `get_max_concurrency_for_kv_cache_config` (vllm/v1/core/kv_cache_utils.py):
            // tokens of the pool over max_model_len, printed with two decimals.
            (blocks, BLOCK_SIZE, (blocks * BLOCK_SIZE) as f64 / d.max_model_len.max(1) as f64)
        }
    };
    Accounting {
        kv_capacity_tokens: s.pool.kv_capacity_tokens,
        blocks,
        block_size,
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
    let fits = non_kv <= requested;
    if let Some(g) = &d.groups {
        let blocks = g.num_blocks(available);
        return PoolOnCard {
            pool: VllmPool {
                kv_capacity_tokens: g.tokens(blocks, d.max_model_len),
                max_concurrent_sequences: blocks / g.blocks_per_request(d.seq_len).max(1),
                block_size: g.block_size,
                requested_bytes: requested,
            },
            kv_bytes: if fits { blocks.saturating_mul(g.page_bytes).saturating_mul(g.group_size) } else { 0 },
            fits,
        };
    }
    let page = d.kv_bytes_per_token.max(1).saturating_mul(BLOCK_SIZE);
    let blocks = available / page;
    let capacity = blocks.saturating_mul(BLOCK_SIZE);
    // A sequence takes its KV blocks plus, in a hybrid model, its fixed state.
    let seqs = if d.state_bytes_per_seq == 0 {
        capacity / d.seq_len.max(1)
    } else {
        available / d.seq_len.max(1).div_ceil(BLOCK_SIZE).saturating_mul(page).saturating_add(d.state_bytes_per_seq)
    };
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
        Demand { weights: 15 << 30, profile_activations: 2 << 30, runtime: 1 << 30, kv_bytes_per_token: 128 << 10, seq_len: 4096, non_torch: 1 << 30, cuda_graph: 0, max_model_len: 8192, state_bytes_per_seq: 0, max_num_seqs: 1024, groups: None }
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

    #[test]
    fn hybrid_groups_follow_vllms_layer_split() {
        // gpt-oss-20b: 12 sliding (128) + 12 full layers, 8 KV heads × 64, bf16: two groups of 12.
        let gpt = KvGroups::new(&LayerCounts { full: 12, sliding: 12, sliding_window: 128, attn_bytes_per_token: 2 * 8 * 64 * 2, ..Default::default() }, 8192).unwrap();
        assert_eq!((gpt.group_size, gpt.groups(), gpt.block_size), (12, 2, 16));
        // The pool is the same bytes per token as full attention (two groups of equal size) ...
        let available = 20u64 << 30;
        let blocks = gpt.num_blocks(available);
        assert_eq!(gpt.tokens(blocks, 131_072), available / (16 * 2048) / 12 / 2 * 16);
        assert!(available / (24 * 2048) - gpt.tokens(blocks, 131_072) < 2 * 16);
        // ... but a 131,072-token request holds 8192 full blocks and 1 + ⌈(127 + 8192) / 16⌉ sliding ones.
        assert_eq!(gpt.blocks_per_request(131_072), 8192 + 521);
        // Gemma 3 27B: 52 sliding (1024) + 10 full: groups of 10, 6 sliding groups (8 padding
        // layers) + 1 full; the log's tokens count one group of 7.
        let g3 = KvGroups::new(&LayerCounts { full: 10, sliding: 52, sliding_window: 1024, attn_bytes_per_token: 2 * 16 * 128 * 2, ..Default::default() }, 2048).unwrap();
        assert_eq!((g3.group_size, g3.full_groups, g3.sliding_groups), (10, 1, 6));
        assert_eq!(g3.tokens(700, 8192), 100 * 16);
        assert_eq!(g3.blocks_per_request(8192), 512 + 6 * ((1023u64 + 2048).div_ceil(16) + 1));
        // A short request stops at its own length in the sliding groups.
        assert_eq!(g3.blocks_per_request(100), 7 + 6 * 8);
        // Only full attention: the plain pool, no groups.
        assert!(KvGroups::new(&LayerCounts { full: 32, attn_bytes_per_token: 4096, ..Default::default() }, 8192).is_none());
        // Two kinds within 1.5× of each other: the larger count (gpt-oss + one EAGLE layer).
        let eagle = KvGroups::new(&LayerCounts { full: 13, sliding: 12, sliding_window: 128, attn_bytes_per_token: 2048, ..Default::default() }, 8192).unwrap();
        assert_eq!((eagle.group_size, eagle.groups()), (13, 2));
    }

    #[test]
    fn mamba_groups_reproduce_a_published_log() {
        // vllm-project/vllm issue #40691 (v0.19.0, H20, Qwen3.5-27B, --max-model-len 32768
        // --max-num-batched-tokens 16384): "GPU KV cache size: 290,864 tokens", "Maximum
        // concurrency for 32,768 tokens per request: 33.04x". 16 full-attention layers (4 KV
        // heads × 256, bf16: 4096 B per token) and 48 Gated DeltaNet layers whose state is the
        // conv window (10240 × 3 bf16) and the fp32 recurrent state (48 × 128 × 128, the config's
        // `mamba_ssm_dtype`): the attention block is raised to 784 tokens, 4 groups of 16 layers.
        let c = LayerCounts { full: 16, mamba: 48, attn_bytes_per_token: 4096, mamba_state_bytes: 10_240 * 3 * 2 + 48 * 128 * 128 * 4, ..Default::default() };
        let g = KvGroups::new(&c, 16_384).unwrap();
        assert_eq!((g.block_size, g.group_size, g.groups()), (784, 16, 4));
        assert_eq!(g.blocks_per_request(32_768), 42 + 3);
        // One number of blocks gives both printed figures (the plain pool cannot: 290,864 /
        // 32,768 = 8.88x).
        let blocks = 1487;
        assert_eq!(g.tokens(blocks, 32_768), 290_864);
        assert_eq!(libm::round(blocks as f64 / 45.0 * 100.0) / 100.0, 33.04);
        // The pool's bytes: group_size tensors of `blocks` pages.
        let d = Demand { kv_bytes_per_token: 16 * 4096, groups: Some(g), seq_len: 32_768, max_model_len: 32_768, ..demand() };
        let requested = d.non_kv() + blocks * g.page_bytes * 16 + 1;
        let s = size(&d, requested, 1000);
        assert_eq!((s.pool.kv_capacity_tokens, s.pool.max_concurrent_sequences, s.kv_bytes), (290_864, 33, blocks * g.page_bytes * 16));
        let a = accounting(&d, requested, 1000);
        assert_eq!((a.blocks, a.block_size, a.max_concurrency), (blocks, 784, 33.04));
    }
}
