//! SGLang's KV pool: `max_total_num_tokens` from `--mem-fraction-static`.
//!
//! `ModelRunner.profile_max_num_token` (sgl-project/sglang,
//! `python/sglang/srt/model_executor/model_runner.py`, v0.4.x–v0.5.x):
//! ```text
//! available = free GPU memory after the weights are loaded (min over the TP ranks)
//! cell_size = num_kv_heads_per_rank · head_dim · layers · 2 · element_size    (MHA/GQA)
//!           = (kv_lora_rank + qk_rope_head_dim) · layers · element_size         (MLA: one latent)
//! rest      = available − total · (1 − mem_fraction_static)
//! max_total_num_tokens = rest // cell_size
//! ```
//! The `1 − mem_fraction_static` share left free holds the CUDA graphs and the activations
//! of a forward pass; the free memory after loading has already lost the CUDA context,
//! NCCL's buffers and the weights. So `rest = total · f − context − weights`.

use crate::memory::{NCCL_BYTES, TORCH_NON_POOL_BYTES};

/// SGLang's options (`python -m sglang.launch_server` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SglangOptions {
    /// `--mem-fraction-static` in per-mille (None: [`default_mem_fraction_permille`]).
    pub mem_fraction_static_permille: Option<u32>,
    /// `--context-length` (default: the model's `max_position_embeddings`).
    pub context_length: Option<u64>,
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

/// What SGLang needs per GPU before its pool: card-independent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Demand {
    /// Weights on one GPU.
    pub weights: u64,
    /// Memory gone before the weights: CUDA context, PyTorch and cuBLAS, NCCL when TP > 1.
    pub context: u64,
    /// `cell_size`: KV bytes per token on one GPU.
    pub cell_size: u64,
    pub mem_fraction_static_permille: u32,
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
}

impl SglangPool {
    pub fn to_json(&self) -> crate::json::Value {
        crate::json::object([
            ("max_total_num_tokens", self.max_total_num_tokens.into()),
            ("kv_bytes", self.kv_bytes.into()),
            ("weights_bytes", self.weights_bytes.into()),
            ("mem_fraction_static", crate::json::Value::from(self.mem_fraction_static_permille as f64 / 1000.0)),
        ])
    }
}

/// The context SGLang's process holds before it loads weights: the measured CUDA context +
/// PyTorch + cuBLAS handles ([`TORCH_NON_POOL_BYTES`]) and NCCL's buffers with TP > 1.
pub fn context_bytes(tp: u64) -> u64 {
    TORCH_NON_POOL_BYTES + if tp > 1 { NCCL_BYTES } else { 0 }
}

/// `profile_max_num_token` on a card of `card_bytes`.
pub fn size(d: &Demand, card_bytes: u64) -> SglangPool {
    let share = (card_bytes as u128 * d.mem_fraction_static_permille as u128 / 1000) as u64;
    let rest = share.saturating_sub(d.context).saturating_sub(d.weights);
    let tokens = rest / d.cell_size.max(1);
    SglangPool {
        max_total_num_tokens: tokens,
        kv_bytes: tokens.saturating_mul(d.cell_size),
        weights_bytes: d.weights,
        mem_fraction_static_permille: d.mem_fraction_static_permille,
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
        let d = Demand { weights: 15 << 30, context: context_bytes(1), cell_size: 131_072, mem_fraction_static_permille: 880 };
        let p = size(&d, 80 << 30);
        let rest = (80u64 << 30) * 88 / 100 - context_bytes(1) - (15 << 30);
        assert_eq!(p.max_total_num_tokens, rest / 131_072);
        assert!(p.kv_bytes <= rest && rest - p.kv_bytes < 131_072);
        let small = size(&d, 16 << 30);
        assert_eq!(small.max_total_num_tokens, 0);
    }
}
