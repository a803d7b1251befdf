//! Mamba state-space mixers (Jamba's Mamba-1, Nemotron-H's Mamba-2): a fixed state per sequence
//! instead of a KV cache.
//!
//! Sources (huggingface/transformers v4.57.0):
//! - Mamba-1, `models/jamba/modeling_jamba.py` `JambaMambaMixer` (and `models/mamba/
//!   modeling_mamba.py` `MambaMixer`, the same without the inner norms): d_inner = `mamba_expand`
//!   · h; `in_proj` Linear(h, 2·d_inner, bias=`mamba_proj_bias`); `conv1d` depthwise
//!   (d_inner × `mamba_d_conv`, bias=`mamba_conv_bias`); `x_proj` Linear(d_inner, dt_rank +
//!   2·d_state, no bias); `dt_proj` Linear(dt_rank, d_inner, bias); `A_log` (d_inner × d_state);
//!   `D` (d_inner); `out_proj` Linear(d_inner, h, bias=`mamba_proj_bias`); Jamba only:
//!   `dt_layernorm` (dt_rank), `b_layernorm`, `c_layernorm` (d_state each). dt_rank "auto" =
//!   ⌈h / 16⌉. Cache (`HybridMambaAttentionDynamicCache`): `conv_states` d_inner × d_conv and
//!   `ssm_states` d_inner × d_state per sequence and layer, in the model's dtype.
//! - Mamba-2, `models/nemotron_h/modeling_nemotron_h.py` `NemotronHMamba2Mixer`: d_inner =
//!   `mamba_num_heads` · `mamba_head_dim`; `in_proj` Linear(h, 2·d_inner + 2·n_groups·d_state +
//!   heads, bias=`use_bias`); `conv1d` over conv_dim = d_inner + 2·n_groups·d_state channels
//!   (kernel `conv_kernel`, bias=`use_conv_bias`); `dt_bias`, `A_log`, `D`: heads each; `norm`
//!   (gated RMSNorm, d_inner); `out_proj` Linear(d_inner, h, bias=`use_bias`). Cache: conv_dim ×
//!   conv_kernel and heads × head_dim × d_state per sequence and layer.
//! - vLLM keeps the conv state one column shorter (`conv_kernel − 1`: vLLM v0.11.0
//!   `model_executor/layers/mamba/mamba_utils.py` `MambaStateShapeCalculator.mamba1_state_shape`
//!   / `mamba2_state_shape`), in the model dtype unless `--mamba-ssm-cache-dtype` says otherwise.

use alloc::vec::Vec;

use crate::error::InputError;
use crate::model::{Role, Tensor};

/// One Mamba mixer (per Mamba layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ssm {
    /// 1 = Mamba (selective scan with x_proj/dt_proj), 2 = Mamba-2 (multi-head, grouped B/C).
    pub version: u8,
    pub d_inner: u64,
    pub d_state: u64,
    pub conv_kernel: u64,
    /// Mamba-1: the rank of dt (`mamba_dt_rank`); Mamba-2: the heads.
    pub dt_rank_or_heads: u64,
    /// Mamba-2: B/C groups (`n_groups`); Mamba-1: 0.
    pub groups: u64,
    pub conv_bias: bool,
    pub proj_bias: bool,
    /// Jamba's dt/B/C RMSNorms inside the mixer.
    pub inner_norms: bool,
    /// Bytes per element of the SSM (temporal) state the checkpoint names:
    /// Nemotron-H's `mamba_ssm_cache_dtype` ("float32"); 0 when absent. vLLM takes it for
    /// `--mamba-ssm-cache-dtype auto` and, for Nemotron-H, defaults it to float32 when absent
    /// (`vllm/model_executor/models/config.py` `NemotronHForCausalLMConfig`
    /// `DEFAULT_MAMBA_SSM_CACHE_DTYPE`; `MambaStateDtypeCalculator.mamba2_state_dtype`,
    /// `vllm/model_executor/layers/mamba/mamba_utils.py` @ 02d71083); transformers' cache keeps
    /// the model dtype.
    pub ssm_cache_dtype_bytes: u64,
}

impl Ssm {
    /// Channels of the depthwise convolution.
    pub fn conv_dim(&self) -> u64 {
        match self.version {
            1 => self.d_inner,
            _ => self.d_inner + 2 * self.groups * self.d_state,
        }
    }

    /// Jamba's `mamba_*` fields.
    pub(super) fn read_jamba(f: &super::Fields, h: u64) -> Result<Ssm, InputError> {
        let expand = f.opt_u64("mamba_expand", 64)?.unwrap_or(2);
        let dt_rank = match f.opt_u64("mamba_dt_rank", super::MAX_HIDDEN) {
            Ok(Some(r)) => r,
            // "auto" (JambaConfig default): ceil(hidden_size / 16).
            _ => h.div_ceil(16),
        };
        Ok(Ssm {
            version: 1,
            d_inner: expand * h,
            d_state: f.opt_u64("mamba_d_state", 1 << 16)?.unwrap_or(16),
            conv_kernel: f.opt_u64("mamba_d_conv", 1024)?.unwrap_or(4),
            dt_rank_or_heads: dt_rank,
            groups: 0,
            conv_bias: f.opt_bool("mamba_conv_bias")?.unwrap_or(true),
            proj_bias: f.opt_bool("mamba_proj_bias")?.unwrap_or(false),
            inner_norms: true,
            ssm_cache_dtype_bytes: super::hybrid::state_dtype_bytes(f, "mamba_ssm_cache_dtype")?,
        })
    }

    /// Nemotron-H's Mamba-2 fields.
    pub(super) fn read_mamba2(f: &super::Fields, h: u64) -> Result<Ssm, InputError> {
        let heads = f.req_u64("mamba_num_heads", 1, super::MAX_HEADS)?;
        let head_dim = f.req_u64("mamba_head_dim", 1, super::MAX_HEAD_DIM)?;
        let _ = h;
        Ok(Ssm {
            version: 2,
            d_inner: heads * head_dim,
            d_state: f.req_u64("ssm_state_size", 1, 1 << 16)?,
            conv_kernel: f.opt_u64("conv_kernel", 1024)?.unwrap_or(4),
            dt_rank_or_heads: heads,
            groups: f.opt_u64("n_groups", super::MAX_HEADS)?.unwrap_or(1),
            conv_bias: f.opt_bool("use_conv_bias")?.unwrap_or(true),
            proj_bias: f.opt_bool("use_bias")?.unwrap_or(false),
            inner_norms: false,
            ssm_cache_dtype_bytes: super::hybrid::state_dtype_bytes(f, "mamba_ssm_cache_dtype")?,
        })
    }

    /// The mixer's weights in layer `l` (the layer's norm and MLP are the caller's).
    pub(crate) fn push_tensors(&self, h: u64, l: u32, t: &mut Vec<Tensor>) {
        let mut push = |role, out: u64, inp: u64| {
            if out > 0 && inp > 0 {
                t.push(Tensor { role, layer: l, out, inp, count: 1 })
            }
        };
        let di = self.d_inner;
        let n = self.d_state;
        let conv = self.conv_dim();
        let in_out = match self.version {
            1 => 2 * di,
            _ => 2 * di + 2 * self.groups * n + self.dt_rank_or_heads,
        };
        push(Role::AttnQ, in_out, h); // in_proj
        push(Role::Vector, 1, conv * self.conv_kernel + if self.conv_bias { conv } else { 0 }); // conv1d
        if self.version == 1 {
            let r = self.dt_rank_or_heads;
            push(Role::AttnLatent, r + 2 * n, di); // x_proj
            push(Role::AttnLatent, di, r); // dt_proj
            // dt_proj bias, A_log, D (+ Jamba's dt/B/C norms).
            push(Role::Vector, 1, di + di * n + di + if self.inner_norms { r + 2 * n } else { 0 });
        } else {
            // dt_bias, A_log, D (one per head) and the gated norm over d_inner.
            push(Role::Vector, 1, 3 * self.dt_rank_or_heads + di);
        }
        push(Role::AttnO, h, di); // out_proj
        if self.proj_bias {
            push(Role::Vector, 1, in_out + h);
        }
    }

    /// Elements of state one sequence keeps in one Mamba layer: the conv window (`conv_len`
    /// columns: the kernel in transformers, kernel − 1 in vLLM) and the SSM state.
    pub fn state_elems(&self, conv_len: u64) -> (u64, u64) {
        (self.conv_dim() * conv_len, self.d_inner * self.d_state)
    }

    /// Which layers are Mamba layers in a Jamba config: all but every `attn_layer_period`-th
    /// from `attn_layer_offset` (`JambaConfig.layers_block_type`), or the `layers_block_type`
    /// list itself.
    pub(super) fn jamba_pattern(f: &super::Fields, layers: u64) -> Result<Vec<bool>, InputError> {
        if let Some(types) = f.obj.get("layers_block_type").and_then(|v| v.as_array()).filter(|a| a.len() as u64 == layers) {
            return Ok(types.iter().map(|x| x.as_str() == Some("mamba")).collect());
        }
        let period = f.opt_u64("attn_layer_period", super::MAX_LAYERS)?.unwrap_or(8).max(1);
        let offset = f.opt_u64("attn_layer_offset", super::MAX_LAYERS)?.unwrap_or(4);
        Ok((0..layers).map(|i| i % period != offset).collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Arch, LoraTargets};

    fn preset(id: &str) -> Arch {
        let cat = crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap();
        cat.model(id).unwrap().arch().unwrap()
    }

    #[test]
    fn jamba_layers_follow_the_periods_and_keep_a_fixed_state() {
        let a = preset("jamba-1.5-mini");
        let attn: Vec<usize> = a.layer_kinds.iter().enumerate().filter(|(_, k)| k.has_kv()).map(|(i, _)| i).collect();
        assert_eq!(attn, [4, 12, 20, 28]);
        assert_eq!(a.layer_kinds.iter().filter(|k| k.moe).count(), 16);
        assert!(a.layer_kinds[1].moe && !a.layer_kinds[0].moe);
        // 28 Mamba mixers of 105,308,448 + 4 attention blocks + 16 dense and 16 MoE MLPs +
        // 64 norms + untied embedding and head (model/ssm.rs; modeling_jamba.py).
        assert_eq!(a.param_counts().0, 51_570_323_328);
        // Per sequence: 28 × (d_inner·d_conv + d_inner·d_state) = 28 × 8192 × 20 elements (bf16),
        // whatever the context; vLLM keeps d_conv − 1 columns.
        assert_eq!(a.linear_state_bytes(2), 28 * 8192 * (4 + 16) * 2);
        assert_eq!(a.linear_state_bytes_vllm(2), 28 * 8192 * (3 + 16) * 2);
        // Only the 4 attention layers hold KV: 4 × 2 × 8 × 128 elements per token.
        assert_eq!(a.layer_kinds.iter().filter(|k| k.has_kv()).count() as u64 * a.kv_elems_per_token_layer(), 4 * 2 * 8 * 128);
    }

    #[test]
    fn nemotron_h_reads_its_pattern_instead_of_a_llama_guess() {
        let a = preset("nemotron-3-nano-30b-a3b");
        assert_eq!(a.param_counts().0, 31_577_940_288);
        assert!(a.ext.notes.is_empty(), "a known type: {:?}", a.ext.notes);
        assert_eq!(a.layer_kinds.iter().filter(|k| k.has_kv()).count(), 6);
        assert_eq!(a.layer_kinds.iter().filter(|k| k.linear).count(), 23);
        assert_eq!(a.layer_kinds.iter().filter(|k| k.moe).count(), 23);
        // Mamba-2 state: conv (4096 + 2·8·128) × 4 and 64 heads × 64 × 128, per Mamba block.
        assert_eq!(a.linear_state_bytes(2), 23 * (6144 * 4 + 4096 * 128) * 2);
        // LoRA: no q/k/v/o on Mamba blocks, the mixer's in_proj/out_proj instead; no gate_proj
        // (ReLU² MLP without gate).
        let all = a.lora_modules();
        assert_eq!(all.iter().filter(|m| m.name == "q_proj").count(), 6);
        assert_eq!(all.iter().filter(|m| m.name == "in_proj").count(), 23);
        assert!(all.iter().all(|m| m.name != "gate_proj"));
        assert_eq!(a.lora_modules_for(&LoraTargets::Attention).unwrap().len(), 6 * 4);
        // A pattern that does not match the layers is an error naming the field.
        let mut cfg = crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap().model("nemotron-3-nano-30b-a3b").unwrap().config.clone();
        cfg["hybrid_override_pattern"] = crate::json::Value::from("MEM");
        assert_eq!(Arch::from_config_value(&cfg).unwrap_err().field, "hybrid_override_pattern");
    }

    #[test]
    fn gated_deltanet_layers_offer_their_own_linears_to_lora() {
        let a = preset("qwen3-next-80b-a3b-thinking");
        let linear = a.layer_kinds.iter().filter(|k| k.linear).count();
        let full = a.layers as usize - linear;
        let all = a.lora_modules();
        assert_eq!(all.iter().filter(|m| m.name == "q_proj").count(), full);
        assert_eq!(all.iter().filter(|m| m.name == "in_proj_qkvz").count(), linear);
        // The per-sequence state vLLM keeps: conv (kernel − 1) and recurrent state, model dtype.
        let la = a.ext.linear.unwrap();
        assert_eq!(a.linear_state_bytes_vllm(2), linear as u64 * (la.conv_dim() * 3 + la.value_heads * la.key_head_dim * la.value_head_dim) * 2);
    }
}

#[cfg(test)]
mod vllm_tests {
    use crate::memory::{vllm_demand, vllm_pool, Engine, Model, Workload};

    #[test]
    fn vllm_keeps_one_state_per_sequence_beside_the_kv_blocks() {
        let cat = crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap();
        let model = Model::new(cat.model("nemotron-3-nano-30b-a3b").unwrap().arch().unwrap());
        let mut w = Workload { engine: Engine::Vllm, prompt: 4096, new_tokens: 1024, ..Workload::default() };
        // The state beside the blocks is the pool without vLLM's hybrid KV cache manager (its
        // groups: `crate::vllm::KvGroups`, tested in `vllm.rs`).
        w.vllm.disable_hybrid_kv_cache_manager = true;
        let d = vllm_demand(&model, &w).unwrap();
        assert_eq!(d.state_bytes_per_seq, model.arch.linear_state_bytes_vllm(2));
        assert!(d.state_bytes_per_seq > 0);
        let with = vllm_pool(&model, &w, 141 << 30).unwrap();
        let without = crate::vllm::size(&crate::vllm::Demand { state_bytes_per_seq: 0, ..d }, 141 << 30, 900);
        assert!(with.pool.max_concurrent_sequences < without.pool.max_concurrent_sequences);
        assert_eq!(with.pool.kv_capacity_tokens, without.pool.kv_capacity_tokens);
        // A model without linear layers keeps none.
        let dense = Model::new(cat.model("llama-3.1-8b").unwrap().arch().unwrap());
        assert_eq!(vllm_demand(&dense, &w).unwrap().state_bytes_per_seq, 0);
    }
}

#[cfg(test)]
mod state_dtype_tests {
    use crate::memory::{vllm_demand, Engine, Model, Workload};
    use crate::model::Arch;

    fn preset(id: &str) -> crate::catalog::ModelPreset {
        crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap().model(id).unwrap().clone()
    }

    #[test]
    fn the_configs_state_dtype_sets_vllms_mamba_page() {
        // Qwen3.5 names `mamba_ssm_dtype: "float32"`: vLLM keeps the recurrent state in fp32
        // (conv 10240 × 3 bf16 + 48 × 128 × 128 fp32 per layer), its attention block becomes
        // 784 tokens (⌈3,207,168 / (16 × 4096)⌉ × 16); Qwen3-Next names none: model dtype.
        let q35 = preset("qwen3.5-27b").arch().unwrap();
        assert_eq!(q35.ext.linear.unwrap().ssm_dtype_bytes, 4);
        assert_eq!(q35.linear_state_bytes_vllm(2), 48 * (10_240 * 3 * 2 + 48 * 128 * 128 * 4));
        let model = Model::new(q35);
        let mut w = Workload { engine: Engine::Vllm, ..Workload::default() };
        w.vllm.max_model_len = Some(32_768);
        w.vllm.max_num_batched_tokens = Some(16_384);
        let g = vllm_demand(&model, &w).unwrap().groups.unwrap();
        assert_eq!((g.block_size, g.group_size, g.groups()), (784, 16, 4));
        let next = preset("qwen3-next-80b-a3b-instruct").arch().unwrap();
        let la = next.ext.linear.unwrap();
        assert_eq!(la.ssm_dtype_bytes, 0);
        assert_eq!(next.linear_state_bytes_vllm(2) / 36, la.conv_dim() * 3 * 2 + 32 * 128 * 128 * 2);
        // The serialised arch keeps the field (and reads back the same).
        let back = Arch::from_json(&model.arch.to_json()).unwrap();
        assert_eq!(back.ext.linear.unwrap().ssm_dtype_bytes, 4);
    }

    #[test]
    fn nemotron_h_keeps_its_ssm_cache_dtype_and_vllms_float32_default() {
        let p = preset("nemotron-3-nano-30b-a3b");
        let a = p.arch().unwrap();
        assert_eq!(a.ext.ssm.unwrap().ssm_cache_dtype_bytes, 4);
        // vLLM: conv (4 − 1 columns, bf16) + SSM state 64 × 64 × 128 in fp32, per Mamba block;
        // transformers' cache stays in the model dtype.
        assert_eq!(a.linear_state_bytes_vllm(2), 23 * (6144 * 3 * 2 + 4096 * 128 * 4));
        assert_eq!(a.linear_state_bytes(2), 23 * (6144 * 4 + 4096 * 128) * 2);
        let mut cfg = p.config.clone();
        cfg["mamba_ssm_cache_dtype"] = crate::json::Value::from("bfloat16");
        assert_eq!(Arch::from_config_value(&cfg).unwrap().linear_state_bytes_vllm(2), 23 * (6144 * 3 + 4096 * 128) * 2);
        // Absent: vLLM's NemotronHForCausalLMConfig default, float32.
        cfg.as_object_mut().unwrap().remove("mamba_ssm_cache_dtype");
        let absent = Arch::from_config_value(&cfg).unwrap();
        assert_eq!(absent.ext.ssm.unwrap().ssm_cache_dtype_bytes, 0);
        assert_eq!(absent.linear_state_bytes_vllm(2), a.linear_state_bytes_vllm(2));
        // Jamba names none and is not Nemotron-H: the model dtype.
        let jamba = preset("jamba-1.5-mini").arch().unwrap();
        assert_eq!(jamba.linear_state_bytes_vllm(2), 28 * 8192 * (3 + 16) * 2);
        // A dtype no engine keeps is an error naming the field.
        cfg["mamba_ssm_cache_dtype"] = crate::json::Value::from("int3");
        assert_eq!(Arch::from_config_value(&cfg).unwrap_err().field, "mamba_ssm_cache_dtype");
    }
}
