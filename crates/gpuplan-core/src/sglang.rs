//! SGLang's KV pool: `max_total_num_tokens` from `--mem-fraction-static`.
//!
//! `_profile_available_bytes` (sgl-project/sglang,
//! `python/sglang/srt/model_executor/model_runner_kv_cache_mixin.py` @ 4fa3482, v0.5.x; the
//! same arithmetic as `ModelRunner.profile_max_num_token` in `model_runner.py`, v0.4.x):
//! ```text
//! pre  = free GPU memory after torch.distributed init, before the weights (min over ranks)
//! post = free GPU memory after the weights are loaded (torch.cuda.empty_cache() first)
//! rest = post − pre · (1 − mem_fraction_static)
//! cell_size = num_kv_heads_per_rank · head_dim · layers · 2 · element_size    (MHA/GQA)
//!           = (kv_lora_rank + qk_rope_head_dim) · layers · element_size         (MLA: one latent)
//! max_total_num_tokens = rest // cell_size
//! ```
//! With `pre = total − context` (CUDA context, PyTorch, cuBLAS, NCCL) and
//! `post = pre − loaded`, `rest = f · (total − context) − loaded`, where `loaded` is what the
//! load leaves allocated: the weights, each large weight tensor rounded up by PyTorch's caching
//! allocator ([`allocator_rounding`]) and the RoPE cos/sin cache ([`rope_cache_bytes`]).
//! Checked against a log that prints `pre` and `post` (QwQ-32B on 4× L4, SGLang 2025-03:
//! "Load weight begin. avail mem=21.63 GB" … "mem usage=15.54 GB", 46611 tokens;
//! `data/engines/vllm-logs.csv`).

use crate::memory::{NCCL_BYTES, TORCH_NON_POOL_BYTES};

/// SGLang's options (`python -m sglang.launch_server` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SglangOptions {
    /// `--mem-fraction-static` in per-mille (None: [`default_mem_fraction_permille`]).
    pub mem_fraction_static_permille: Option<u32>,
    /// `--context-length` (default: the model's `max_position_embeddings`).
    pub context_length: Option<u64>,
    /// `--swa-full-tokens-ratio` in per-mille (None: [`SWA_FULL_TOKENS_RATIO_PERMILLE`]).
    pub swa_full_tokens_ratio_permille: Option<u32>,
    /// `--max-mamba-cache-size`: state slots of a linear-attention model (None: sized by
    /// [`MAMBA_FULL_MEMORY_RATIO_PERMILLE`]).
    pub max_mamba_cache_size: Option<u64>,
    /// The cards are joined by NVLink (the catalog's interconnect kind, set with the card by
    /// [`crate::memory::apply_card`]): SGLang's distributed init then holds
    /// [`NVLINK_DIST_INIT_BYTES`], not the PCIe [`NCCL_BYTES`].
    pub card_nvlink: bool,
}

/// What SGLang's distributed init holds on each rank of one NVLink/NVSwitch node with TP > 1:
/// its own log line `Init torch distributed ends. mem usage=X GB` (free memory before − after
/// `init_torch_distributed`, in GiB: NCCL communicators of its groups, pynccl and the custom
/// all-reduce buffers, all before `pre` is read; NVLS is off by default, `NCCL_NVLS_ENABLE=0`
/// set by `_set_envs_and_config`). Published logs of single NVLink nodes, ranks other than the
/// first and last (they hold the most, and `pre` is the minimum free memory over ranks):
/// 8× H100 HGX TP8, 1.25 GB (rank 0 only printed; SGLang 0.5.2rc2, NCCL 2.27.3; Shivank
/// Chaudhary, "Grok2 OnPrem Deployment via sglang", 2025-09-14); 8× H200 TP8, 2.01 GB
/// (sgl-project/sglang PR #11716, 2025-10-16); 8× B200 DP8 TP8, 2.50 GB (PR #5390,
/// 2025-05-13). The median, 2.01 GiB; the spread (1.25–2.50) is this term's uncertainty.
/// Over PCIe the same line prints 0.13–0.39 GB (4× L4, 2× RTX 4090, 4× RTX PRO 6000, 3× 48 GB),
/// which [`NCCL_BYTES`] covers.
pub const NVLINK_DIST_INIT_BYTES: u64 = 2058 * crate::memory::MIB;

/// `swa_full_tokens_ratio`'s default, 0.8: the sliding-window layers' token pool over the
/// full-attention layers' (`ServerArgs.swa_full_tokens_ratio`, `python/sglang/srt/server_args.py`;
/// the split in `ModelRunnerKVCacheMixin.set_num_tokens_hybrid_swa`,
/// `python/sglang/srt/model_executor/model_runner_kv_cache_mixin.py` @ 001ccef0).
pub const SWA_FULL_TOKENS_RATIO_PERMILLE: u32 = 800;
/// `mamba_full_memory_ratio`'s default, 0.9: the linear-attention state memory over the full
/// KV cache memory when `--max-mamba-cache-size` is not given (`ServerArgs`; used by
/// `ModelRunnerKVCacheMixin.handle_max_mamba_cache` @ 001ccef0).
pub const MAMBA_FULL_MEMORY_RATIO_PERMILLE: u32 = 900;

/// A hybrid model's pools beside the one `cell_size` pool: SGLang's `SWAKVPool` (sliding-window
/// layers in their own token pool) and `HybridLinearKVPool` + `MambaPool` (Gated DeltaNet /
/// Mamba layers keep one state slot per request; only the full-attention layers take KV
/// cells). `python/sglang/srt/mem_cache/memory_pool.py`, `swa_memory_pool.py`,
/// `model_runner_kv_cache_mixin.py` (sgl-project/sglang @ 001ccef0):
/// - SWA: `cell_size = F·n_full + S·n_swa` (every layer, as if all held all tokens); then
///   `full = ⌊tokens · cell_size / (F·n_full + r·S·n_swa)⌋`, `swa = ⌊full · r⌋`, both floored
///   to `page_size`; the log's `max_total_num_tokens` is `full`;
/// - linear attention: `cell_size` counts the full-attention layers only, and before dividing,
///   `handle_max_mamba_cache` takes the state slots out of `rest`: `--max-mamba-cache-size`, or
///   `⌊rest · m / (1 + m) / per_req⌋` slots with `m = mamba_full_memory_ratio`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hybrid {
    /// `F·n_full`: KV bytes per token of all full-attention layers on one GPU.
    pub full_bytes_per_token: u64,
    /// `S·n_swa`: KV bytes per token of all sliding-window layers on one GPU (0: none).
    pub swa_bytes_per_token: u64,
    pub swa_full_tokens_ratio_permille: u32,
    /// `--page-size` (1 by default).
    pub page_size: u64,
    /// `mamba_cache_per_req`: one request's conv + temporal state over all linear layers on one
    /// GPU (0: none).
    pub mamba_bytes_per_req: u64,
    pub max_mamba_cache_size: Option<u64>,
    pub mamba_full_memory_ratio_permille: u32,
}

/// `handle_max_mamba_cache`: the state slots and what `rest` keeps for the KV cells.
pub fn mamba_slots(rest: u64, h: &Hybrid) -> (u64, u64) {
    if h.mamba_bytes_per_req == 0 {
        return (0, rest);
    }
    let m = h.mamba_full_memory_ratio_permille as u128;
    let slots = h.max_mamba_cache_size.unwrap_or_else(|| (rest as u128 * m / (1000 + m) / h.mamba_bytes_per_req as u128) as u64);
    (slots, rest.saturating_sub(slots.saturating_mul(h.mamba_bytes_per_req)))
}

/// `set_num_tokens_hybrid_swa`: (full, swa) token pools of `tokens` profiled cells.
pub fn swa_split(tokens: u64, h: &Hybrid) -> (u64, u64) {
    let page = h.page_size.max(1);
    let align = |x: u64| x / page * page;
    if h.full_bytes_per_token == 0 {
        return (0, align(tokens));
    }
    let r = h.swa_full_tokens_ratio_permille as u128;
    let total = tokens as u128 * (h.full_bytes_per_token + h.swa_bytes_per_token) as u128 * 1000;
    let full = (total / (h.full_bytes_per_token as u128 * 1000 + r * h.swa_bytes_per_token as u128)) as u64;
    let swa = (full as u128 * r / 1000) as u64;
    (align(full), align(swa))
}

/// SGLang's default `mem_fraction_static` by tensor-parallel size, per-mille:
/// `ServerArgs.__post_init__` (`python/sglang/srt/server_args.py`, v0.4.x): tp ≥ 16 → 0.79,
/// ≥ 8 → 0.81, ≥ 4 → 0.85, ≥ 2 → 0.87, else 0.88. Later versions derive it from the card's
/// memory and the CUDA-graph batch sizes; pass `--mem-fraction-static` to match one.
pub const MEM_FRACTION_BY_TP: [(u64, u32); 5] = [(16, 790), (8, 810), (4, 850), (2, 870), (1, DEFAULT_MEM_FRACTION_PERMILLE)];
/// The tp = 1 default of [`MEM_FRACTION_BY_TP`], 0.88.
pub const DEFAULT_MEM_FRACTION_PERMILLE: u32 = 880;

pub fn default_mem_fraction_permille(tp: u64) -> u32 {
    MEM_FRACTION_BY_TP.iter().find(|(t, _)| tp >= *t).map_or(DEFAULT_MEM_FRACTION_PERMILLE, |(_, f)| *f)
}

/// SGLang's memory-dependent defaults (`ServerArgs._handle_gpu_memory_settings`,
/// `python/sglang/srt/server_args.py`, v0.5.x of 2025-11/12, the version with piecewise CUDA
/// graphs): by the card's memory `gpu_mem` in MiB, (upper bound in MiB, chunked_prefill_size,
/// cuda_graph_max_bs below tp 4, cuda_graph_max_bs at tp ≥ 4). T4/4080: 2048, 8; A10/4090/5090:
/// 2048, 24 | 80; A100-40G/L40: 4096, 32 | 160; H100/A100-80G: 8192, 256 | 512; H20/H200: 8192,
/// 256 | 512; above (B200, MI300): 16384, 512.
pub const GPU_MEM_BANDS_MIB: [(u64, u64, u64, u64); 6] =
    [(20 * 1024, 2048, 8, 8), (35 * 1024, 2048, 24, 80), (60 * 1024, 4096, 32, 160), (90 * 1024, 8192, 256, 512), (160 * 1024, 8192, 256, 512), (u64::MAX, 16384, 512, 512)];
/// `reserved_mem` terms of the same function, MiB: constant metadata 512; activations
/// `max(chunked_prefill_size, 2048) · 1.5`; CUDA graphs `cuda_graph_max_bs · 2`; parallel size
/// `tp · pp / 8 · 1024`; at least 10 GiB on cards above 60 GiB.
pub const RESERVED_BASE_MIB: u64 = 512;
pub const RESERVED_MIN_PREFILL_TOKENS: u64 = 2048;
pub const RESERVED_LARGE_CARD_FLOOR_MIB: u64 = 10 * 1024;

/// SGLang's default `mem_fraction_static` on a card of `card_bytes` at `tp` × `pp` (no DP
/// attention, no speculative decoding), per-mille: `round((gpu_mem − reserved) / gpu_mem, 3)`.
/// H100 80 GB: 0.835 at tp 1, 0.824 at tp 4, 0.818 at tp 8.
pub fn default_mem_fraction_static_permille(card_bytes: u64, tp: u64, pp: u64) -> u32 {
    let gpu_mem = (card_bytes >> 20).max(1);
    let &(_, chunk, bs_small, bs_large) = GPU_MEM_BANDS_MIB.iter().find(|b| gpu_mem < b.0).unwrap_or(&GPU_MEM_BANDS_MIB[5]);
    let graph_bs = if tp < 4 { bs_small } else { bs_large };
    // All terms in half-MiB so the 1.5 and tp·pp/8 factors stay integral.
    let mut reserved2 = 2 * RESERVED_BASE_MIB + 3 * chunk.max(RESERVED_MIN_PREFILL_TOKENS) + 4 * graph_bs + tp * pp * 256;
    if gpu_mem > 60 * 1024 {
        reserved2 = reserved2.max(2 * RESERVED_LARGE_CARD_FLOOR_MIB);
    }
    let free2 = (2 * gpu_mem).saturating_sub(reserved2);
    ((free2 * 1000 + gpu_mem) / (2 * gpu_mem)) as u32
}

/// PyTorch's caching allocator gives an allocation of at least `kMinLargeAlloc` (10 MiB) its
/// own segment rounded up to `kRoundLarge` (2 MiB) (`c10/cuda/CUDACachingAllocator.cpp`
/// `get_allocation_size`, PyTorch 2.x); smaller ones share 2 MiB / 20 MiB segments.
pub const ALLOC_MIN_LARGE: u64 = 10 << 20;
pub const ALLOC_ROUND_LARGE: u64 = 2 << 20;

/// Bytes the caching allocator adds to the weights of one GPU: SGLang's parameters as it
/// builds them (`QKVParallelLinear` q|k|v merged, `MergedColumnParallelLinear` gate|up merged,
/// `FusedMoE` w13 = all experts' gate|up and w2 = all experts' down, each one tensor), split
/// by `tp` (column-parallel rows, row-parallel columns, vocab-parallel rows), each rounded up to
/// 2 MiB when at least 10 MiB.
pub fn allocator_rounding(arch: &crate::model::Arch, tensors: &[crate::model::Tensor], format: crate::WeightFormat, tp: u64) -> u64 {
    use crate::model::{Role, Tensor, NO_LAYER};
    let tp = tp.max(1);
    let bytes = |t: &Tensor| {
        let (a, b) = crate::formats::weight_bytes_split(arch, core::slice::from_ref(t), format);
        a + b
    };
    let waste = |b: u64| if b >= ALLOC_MIN_LARGE { b.div_ceil(ALLOC_ROUND_LARGE) * ALLOC_ROUND_LARGE - b } else { 0 };
    let mut total = 0;
    let layers = arch.layers as u32;
    for l in (0..layers).chain(core::iter::once(NO_LAYER)) {
        // (role group, out, inp, count): merged as SGLang allocates them.
        let mut groups: alloc::vec::Vec<(u8, Tensor)> = alloc::vec::Vec::new();
        for t in tensors.iter().filter(|t| t.layer == l && t.role != Role::Vector) {
            // 0: split the rows (column parallel), 1: the columns (row parallel), 2: replicated.
            let mla = arch.mla.is_some();
            let (g, split) = match t.role {
                Role::AttnQ | Role::AttnK | Role::AttnV if !mla => (0, 0),
                Role::MlpGate | Role::MlpUp => (1, 0),
                Role::ExpertGate | Role::ExpertUp => (2, 0),
                Role::AttnQ | Role::AttnV | Role::Embed | Role::Head => (3 + t.role as u8, 0),
                Role::AttnLatent | Role::Router => (3 + t.role as u8, 2),
                _ => (3 + t.role as u8, 1),
            };
            let part = match split {
                0 => Tensor { out: t.out.div_ceil(tp), ..*t },
                1 => Tensor { inp: t.inp.div_ceil(tp), ..*t },
                _ => *t,
            };
            match groups.iter_mut().find(|(gg, _)| *gg == g && g <= 2) {
                Some((_, m)) => m.out += part.out,
                None => groups.push((g, part)),
            }
        }
        total += groups.iter().map(|(_, t)| waste(bytes(t))).sum::<u64>();
    }
    total
}

/// SGLang's RoPE cos/sin cache, kept in fp32 on CUDA (`RotaryEmbedding.__init__`,
/// `python/sglang/srt/layers/rotary_embedding.py`: "cache needs to be in FP32 for numerical
/// stability", `if not _is_cuda: cache = cache.to(dtype)`): `max_position_embeddings ×
/// rotary_dim × 4` bytes, one per model (`get_rope` caches it).
pub fn rope_cache_bytes(arch: &crate::model::Arch) -> u64 {
    let rotary_dim = arch.mla.map_or(arch.head_dim, |m| m.qk_rope_head_dim);
    arch.max_context.saturating_mul(rotary_dim).saturating_mul(4)
}

/// What SGLang needs per GPU before its pool: card-independent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Demand {
    /// Weights on one GPU.
    pub weights: u64,
    /// Memory gone before the weights: CUDA context, PyTorch and cuBLAS, NCCL when TP > 1.
    pub context: u64,
    /// What the load leaves allocated beyond `weights`: allocator rounding of the weight
    /// tensors and the RoPE cache ([`allocator_rounding`], [`rope_cache_bytes`]).
    pub load_extra: u64,
    /// `cell_size`: KV bytes per token on one GPU.
    pub cell_size: u64,
    pub mem_fraction_static_permille: u32,
    /// Sliding-window / linear-attention pools ([`Hybrid`]); `None`: one pool of `cell_size`.
    pub hybrid: Option<Hybrid>,
}

/// SGLang's pool on one GPU: the estimate's `sglang` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SglangPool {
    /// "max_total_num_tokens" (log: "KV Cache is allocated. #tokens").
    pub max_total_num_tokens: u64,
    /// K + V bytes of the pool on one GPU.
    pub kv_bytes: u64,
    pub weights_bytes: u64,
    pub mem_fraction_static_permille: u32,
    /// A sliding-window model's two pools ("Use sliding window memory pool.
    /// full_layer_tokens=…, swa_layer_tokens=…"): (full, swa) tokens.
    pub swa_tokens: Option<(u64, u64)>,
    /// A linear-attention model's state slots (`max_mamba_cache_size`).
    pub max_mamba_cache_size: Option<u64>,
}

impl SglangPool {
    pub fn to_json(&self) -> crate::json::Value {
        crate::json::object([
            ("max_total_num_tokens", self.max_total_num_tokens.into()),
            ("kv_bytes", self.kv_bytes.into()),
            ("weights_bytes", self.weights_bytes.into()),
            ("mem_fraction_static", crate::json::Value::from(self.mem_fraction_static_permille as f64 / 1000.0)),
        ])
        .with_hybrid(self)
    }
}

/// The context SGLang's process holds before it loads weights: the measured CUDA context +
/// PyTorch + cuBLAS handles ([`TORCH_NON_POOL_BYTES`]) and, with TP > 1, what its distributed
/// init holds: [`NVLINK_DIST_INIT_BYTES`] on NVLink, [`NCCL_BYTES`] over PCIe.
pub fn context_bytes(tp: u64, nvlink: bool) -> u64 {
    TORCH_NON_POOL_BYTES
        + match (tp > 1, nvlink) {
            (false, _) => 0,
            (true, true) => NVLINK_DIST_INIT_BYTES,
            (true, false) => NCCL_BYTES,
        }
}

trait WithHybrid {
    fn with_hybrid(self, p: &SglangPool) -> Self;
}

impl WithHybrid for crate::json::Value {
    /// The hybrid pools' fields, only for models that have them.
    fn with_hybrid(mut self, p: &SglangPool) -> Self {
        if let Some((full, swa)) = p.swa_tokens {
            self["full_max_total_num_tokens"] = full.into();
            self["swa_max_total_num_tokens"] = swa.into();
        }
        if let Some(n) = p.max_mamba_cache_size {
            self["max_mamba_cache_size"] = n.into();
        }
        self
    }
}

/// `_profile_available_bytes` on a card of `card_bytes`: `f · (total − context) − loaded`,
/// then the hybrid pools ([`Hybrid`]).
pub fn size(d: &Demand, card_bytes: u64) -> SglangPool {
    let pre = card_bytes.saturating_sub(d.context);
    let share = (pre as u128 * d.mem_fraction_static_permille as u128 / 1000) as u64;
    let rest = share.saturating_sub(d.weights).saturating_sub(d.load_extra);
    let h = d.hybrid.unwrap_or_default();
    let (slots, rest) = mamba_slots(rest, &h);
    let tokens = rest / d.cell_size.max(1);
    let swa_tokens = (h.swa_bytes_per_token > 0).then(|| swa_split(tokens, &h));
    SglangPool {
        max_total_num_tokens: swa_tokens.map_or(tokens, |(full, swa)| if h.full_bytes_per_token > 0 { full } else { swa }),
        kv_bytes: tokens.saturating_mul(d.cell_size),
        weights_bytes: d.weights,
        mem_fraction_static_permille: d.mem_fraction_static_permille,
        swa_tokens,
        max_mamba_cache_size: (h.mamba_bytes_per_req > 0).then_some(slots),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_by_tp_and_pool_arithmetic() {
        assert_eq!(default_mem_fraction_permille(1), 880);
        assert_eq!(default_mem_fraction_permille(2), 870);
        assert_eq!(default_mem_fraction_permille(4), 850);
        assert_eq!(default_mem_fraction_permille(8), 810);
        assert_eq!(default_mem_fraction_permille(32), 790);
        let d = Demand { weights: 15 << 30, context: context_bytes(1, false), load_extra: 0, cell_size: 131_072, mem_fraction_static_permille: 880, hybrid: None };
        let p = size(&d, 80 << 30);
        let rest = ((80u64 << 30) - context_bytes(1, false)) * 88 / 100 - (15 << 30);
        assert_eq!(p.max_total_num_tokens, rest / 131_072);
        assert!(p.kv_bytes <= rest && rest - p.kv_bytes < 131_072);
        let small = size(&d, 16 << 30);
        assert_eq!(small.max_total_num_tokens, 0);
    }

    #[test]
    fn recent_default_follows_the_cards_memory() {
        // H100 80 GB (81559 MiB): reserved 13440 / 14336 / 14848 MiB at tp 1 / 4 / 8.
        let h100 = 81_559u64 << 20;
        assert_eq!(default_mem_fraction_static_permille(h100, 1, 1), 835);
        assert_eq!(default_mem_fraction_static_permille(h100, 4, 1), 824);
        assert_eq!(default_mem_fraction_static_permille(h100, 8, 1), 818);
        // L4 (23034 MiB), tp 4: 512 + 3072 + 160 + 512 = 4256 MiB reserved.
        assert_eq!(default_mem_fraction_static_permille(23_034 << 20, 4, 1), 815);
        // A small card: 20 GiB at least floor-less; more reserved than memory gives 0.
        assert_eq!(default_mem_fraction_static_permille(2 << 30, 1, 1), 0);
    }

    #[test]
    fn rounding_counts_merged_tensors_per_gpu() {
        let cat = crate::catalog::load().unwrap();
        let m = crate::memory::Model::new(cat.model("qwen2.5-32b").unwrap().arch().unwrap());
        // Per layer at tp 4: qkv 17.5 MiB, o 12.5, gate_up 135, down 67.5 -> 3.5 MiB rounding;
        // embed and head 371.25 MiB each -> 0.75 MiB each.
        assert_eq!(allocator_rounding(&m.arch, &m.tensors, crate::WeightFormat::Bf16, 4), (64 * 7 + 3) << 19);
        assert_eq!(rope_cache_bytes(&m.arch), 131_072 * 128 * 4);
    }

    #[test]
    fn sliding_window_layers_get_their_own_pool() {
        // gpt-oss-120b at tp 1: 18 full + 18 sliding layers of 8 KV heads x 64 (bf16, 2048 B
        // per layer and token). cell_size counts all 36; full = N x 36 / (18 + 0.8 x 18).
        let h = Hybrid { full_bytes_per_token: 18 * 2048, swa_bytes_per_token: 18 * 2048, swa_full_tokens_ratio_permille: 800, page_size: 1, ..Hybrid::default() };
        assert_eq!(swa_split(900_000, &h), (1_000_000, 800_000));
        // Pages floor both pools; a model of only sliding layers keeps one pool.
        assert_eq!(swa_split(900_001, &Hybrid { page_size: 64, ..h }), (1_000_000 / 64 * 64, 800_000 / 64 * 64));
        assert_eq!(swa_split(1000, &Hybrid { full_bytes_per_token: 0, ..h }), (0, 1000));
        // Through size(): the log's max_total_num_tokens is the full pool.
        let d = Demand { weights: 60 << 30, context: 0, load_extra: 0, cell_size: 36 * 2048, mem_fraction_static_permille: 1000, hybrid: Some(h) };
        let p = size(&d, (60 << 30) + 900_000 * 36 * 2048);
        assert_eq!((p.max_total_num_tokens, p.swa_tokens), (1_000_000, Some((1_000_000, 800_000))));
        assert_eq!(p.max_mamba_cache_size, None);
        let json = p.to_json();
        assert_eq!((json["full_max_total_num_tokens"].as_u64(), json["swa_max_total_num_tokens"].as_u64()), (Some(1_000_000), Some(800_000)));
    }

    #[test]
    fn linear_attention_state_slots_come_out_of_the_rest_first() {
        // Qwen3-Next-80B at tp 4: 12 full-attention layers of 2 KV heads x 256 split 4 ways
        // (bf16: 256 B per layer and token) and 36 Gated DeltaNet layers whose state per
        // request is conv 8192 x 3 / 4 in bf16 + 32 / 4 x 128 x 128 in fp32.
        let per_req = 36 * (8192 * 3 / 4 * 2 + 8 * 128 * 128 * 4);
        let h = Hybrid { full_bytes_per_token: 12 * 256, mamba_bytes_per_req: per_req, mamba_full_memory_ratio_permille: 900, page_size: 1, ..Hybrid::default() };
        let rest = 19u64 << 30;
        let (slots, kept) = mamba_slots(rest, &h);
        assert_eq!(slots, (rest as u128 * 900 / 1900 / per_req as u128) as u64);
        assert_eq!(kept, rest - slots * per_req);
        // About 9/19 of the rest holds state, the other 10/19 KV cells.
        assert!(kept * 19 >= rest * 10 && kept * 19 < rest * 10 + 19 * per_req);
        // --max-mamba-cache-size takes exactly that many slots.
        assert_eq!(mamba_slots(rest, &Hybrid { max_mamba_cache_size: Some(64), ..h }), (64, rest - 64 * per_req));
        let d = Demand { weights: 0, context: 0, load_extra: 0, cell_size: 12 * 256, mem_fraction_static_permille: 1000, hybrid: Some(h) };
        let p = size(&d, rest);
        assert_eq!((p.max_total_num_tokens, p.max_mamba_cache_size, p.swa_tokens), (kept / (12 * 256), Some(slots), None));
    }

    #[test]
    fn presets_get_sglangs_hybrid_pools() {
        let cat = crate::catalog::load().unwrap();
        let pool = |id: &str, tp: u64| {
            let m = crate::memory::Model::new(cat.model(id).unwrap().arch().unwrap());
            let w = crate::memory::Workload { engine: crate::memory::Engine::Sglang, gpus: tp, tensor_parallel: tp, gpu_memory_bytes: 80 << 30, ..crate::memory::Workload::default() };
            crate::memory::sglang_pool(&m, &w, 80 << 30).unwrap()
        };
        let gpt = pool("gpt-oss-20b", 1);
        let (full, swa) = gpt.swa_tokens.unwrap();
        assert_eq!(gpt.max_total_num_tokens, full);
        assert_eq!(swa, full * 4 / 5);
        // gpt-oss-20b: 24 layers' cells were profiled; 12 full + 0.8 x 12 sliding are allocated.
        assert!(full > 100_000);
        assert!((full as f64 / (gpt.kv_bytes / (24 * 2048)) as f64 - 24.0 / 21.6).abs() < 1e-3);
        let next = pool("qwen3-next-80b-a3b-instruct", 4);
        assert!(next.swa_tokens.is_none() && next.max_mamba_cache_size.unwrap() > 0);
        // A dense model keeps one pool and none of these fields.
        let dense = pool("llama-3.1-8b", 1);
        assert!(dense.swa_tokens.is_none() && dense.max_mamba_cache_size.is_none());
        assert!(dense.to_json().get("swa_max_total_num_tokens").is_none());
    }
}
