//! Hybrid linear attention: layers whose token mixer keeps a fixed state per sequence instead of
//! a KV cache that grows with the context.
//!
//! Gated DeltaNet (Qwen3-Next). Source: huggingface/transformers
//! `src/transformers/models/qwen3_next/modeling_qwen3_next.py` (v4.57.0), class
//! `Qwen3NextGatedDeltaNet` and `Qwen3NextDynamicCache`:
//! - `in_proj_qkvz`: h → 2·key_dim + 2·value_dim, `in_proj_ba`: h → 2·n_v (no biases), where
//!   key_dim = `linear_num_key_heads · linear_key_head_dim` and value_dim =
//!   `linear_num_value_heads · linear_value_head_dim`;
//! - `conv1d`: depthwise over conv_dim = 2·key_dim + value_dim channels, kernel
//!   `linear_conv_kernel_dim`, no bias: conv_dim · kernel weights;
//! - `dt_bias`, `A_log`: n_v each; `norm` (`Qwen3NextRMSNormGated`): head_v_dim; `out_proj`:
//!   value_dim → h;
//! - the layer kind: `layer_types` when given, else every `full_attention_interval`-th layer is
//!   full attention (`(i + 1) % interval == 0`), the others linear;
//! - the cache per sequence and linear layer: `conv_states` (conv_dim × kernel, in the model's
//!   dtype) and `recurrent_states` (n_v × head_k_dim × head_v_dim), which
//!   `torch_chunk_gated_delta_rule` computes and returns in float32.

use alloc::vec::Vec;

use crate::error::InputError;
use crate::model::{Role, Tensor};

/// One Gated DeltaNet token mixer (per linear layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearAttn {
    pub key_heads: u64,
    pub key_head_dim: u64,
    pub value_heads: u64,
    pub value_head_dim: u64,
    pub conv_kernel: u64,
    /// Bytes per element of the recurrent state the checkpoint asks engines to keep:
    /// `mamba_ssm_dtype` of Qwen3.5's `text_config` ("float32"), 0 when the config names
    /// none (Qwen3-Next). vLLM takes it for `--mamba-ssm-cache-dtype auto`
    /// (`vllm/model_executor/models/config.py` `Qwen3_5ForConditionalGenerationConfig`, v0.17+;
    /// the dtype is then the temporal state's in `MambaStateDtypeCalculator.
    /// gated_delta_net_state_dtype`, `vllm/model_executor/layers/mamba/mamba_utils.py` @
    /// 02d71083); without it the state is in the model dtype.
    pub ssm_dtype_bytes: u64,
}

/// Bytes per element of a state dtype named in a config (`mamba_ssm_dtype`,
/// `mamba_ssm_cache_dtype`): 0 when absent or "auto" (the engine's default), else the torch
/// dtype's size; anything else is an error naming the field.
pub(super) fn state_dtype_bytes(f: &super::Fields, key: &str) -> Result<u64, InputError> {
    match f.get(key) {
        None => Ok(0),
        Some(v) => match v.as_str() {
            Some("auto") => Ok(0),
            Some("float32" | "fp32") => Ok(4),
            Some("bfloat16" | "float16" | "bf16" | "fp16" | "half") => Ok(2),
            _ => Err(InputError::new(key, alloc::format!("must be \"float32\", \"bfloat16\", \"float16\" or \"auto\", got {v}"))),
        },
    }
}

impl LinearAttn {
    pub fn key_dim(&self) -> u64 {
        self.key_heads * self.key_head_dim
    }
    pub fn value_dim(&self) -> u64 {
        self.value_heads * self.value_head_dim
    }
    /// Channels of the short convolution (q, k and v pass through it).
    pub fn conv_dim(&self) -> u64 {
        2 * self.key_dim() + self.value_dim()
    }

    /// Reads the `linear_*` fields of a Qwen3-Next config; `None` when the config has none.
    pub(super) fn read(f: &super::Fields) -> Result<Option<LinearAttn>, InputError> {
        let Some(key_heads) = f.opt_u64("linear_num_key_heads", super::MAX_HEADS)? else {
            return Ok(None);
        };
        Ok(Some(LinearAttn {
            key_heads: crate::error::check_range("linear_num_key_heads", key_heads, 1, super::MAX_HEADS)?,
            key_head_dim: f.req_u64("linear_key_head_dim", 1, super::MAX_HEAD_DIM)?,
            value_heads: f.req_u64("linear_num_value_heads", 1, super::MAX_HEADS)?,
            value_head_dim: f.req_u64("linear_value_head_dim", 1, super::MAX_HEAD_DIM)?,
            conv_kernel: f.req_u64("linear_conv_kernel_dim", 1, 1024)?,
            ssm_dtype_bytes: state_dtype_bytes(f, "mamba_ssm_dtype")?,
        }))
    }

    /// Which layers are linear: `layer_types` ("linear_attention") when it lists every layer,
    /// else all but every `full_attention_interval`-th (Qwen3NextConfig default 4).
    pub(super) fn layer_pattern(f: &super::Fields, layers: u64) -> Result<Vec<bool>, InputError> {
        let types: Option<Vec<&str>> =
            f.obj.get("layer_types").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_str()).collect());
        if let Some(t) = types.filter(|t| t.len() as u64 == layers) {
            return Ok(t.iter().map(|x| *x == "linear_attention").collect());
        }
        let every = f.opt_u64("full_attention_interval", super::MAX_LAYERS)?.unwrap_or(4).max(1);
        Ok((0..layers).map(|i| !(i + 1).is_multiple_of(every)).collect())
    }

    /// The mixer's weights in layer `l` (the layer's norms and MLP are counted by the caller).
    pub(crate) fn push_tensors(&self, h: u64, l: u32, t: &mut Vec<Tensor>) {
        let mut push = |role, out, inp| t.push(Tensor { role, layer: l, out, inp, count: 1 });
        push(Role::AttnQ, 2 * self.key_dim() + 2 * self.value_dim(), h); // in_proj_qkvz
        push(Role::AttnK, 2 * self.value_heads, h); // in_proj_ba
        push(Role::Vector, 1, self.conv_dim() * self.conv_kernel); // conv1d (depthwise)
        push(Role::Vector, 1, 2 * self.value_heads + self.value_head_dim); // dt_bias, A_log, norm
        push(Role::AttnO, h, self.value_dim()); // out_proj
    }

    /// Cache bytes one sequence keeps in one linear layer, whatever its length: the conv state
    /// in the activation dtype (`act_bytes`) and the float32 recurrent state.
    pub fn state_bytes(&self, act_bytes: u64) -> u64 {
        let recurrent = self.value_heads * self.key_head_dim * self.value_head_dim;
        self.conv_dim() * self.conv_kernel * act_bytes + recurrent * core::mem::size_of::<f32>() as u64
    }
}
