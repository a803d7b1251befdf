//! Gemma 3n (`model_type` `gemma3n` / `gemma3n_text`): the parts of its text model that other
//! decoders lack, and its audio tower.
//!
//! Source: huggingface/transformers `src/transformers/models/gemma3n/modeling_gemma3n.py`
//! (commit 00aa0f5):
//! - `Gemma3nTextModel`: `embed_tokens_per_layer` Embedding(vocab_size_per_layer_input,
//!   L·hidden_size_per_layer_input) (the per-layer embeddings, PLE), `per_layer_model_projection`
//!   Linear(h, L·p), `per_layer_projection_norm` RMSNorm(p), `altup_projections` and
//!   `altup_unembed_projections`: (altup_num_inputs − 1) Linear(h, h) each; no bias anywhere.
//! - `Gemma3nTextDecoderLayer`: besides attention (q/k/v/o, q_norm, k_norm; `v_norm` has no
//!   weight), the MLP (`intermediate_size[layer]`) and four RMSNorms: `altup`
//!   (`Gemma3nTextAltUp`: `correct_output_scale` (h), `correction_coefs` Linear(A, A),
//!   `prediction_coefs` Linear(A, A²), `modality_router` Linear(h, A), `router_norm` RMSNorm(h)),
//!   `laurel` (`Gemma3nTextLaurelBlock`: Linear(h, r), Linear(r, h), RMSNorm(h)),
//!   `per_layer_input_gate` Linear(h, p), `per_layer_projection` Linear(p, h),
//!   `post_per_layer_input_norm` RMSNorm(h).
//! - `Gemma3nTextAttention`: every layer stores k_proj/v_proj, but the last
//!   `num_kv_shared_layers` read the keys and values of the last earlier layer of their type
//!   (`is_kv_shared_layer`) and keep no cache of their own.
//! - `Gemma3nMultimodalEmbedder` (one for vision, one for audio): `embedding`
//!   Embedding(vocab_size, m), `hard_embedding_norm` and `soft_embedding_norm` RMSNorm(m),
//!   `embedding_projection` Linear(m, h_text); `embedding_post_projection_norm` has no weight.
//! - `Gemma3nAudioEncoder` (USM conformer): `subsample_conv_projection` (two Conv2d without bias,
//!   channels `sscp_conv_channel_size`, kernels `sscp_conv_kernel_size`, each with a
//!   `CumulativeGroupNorm` weight per channel; frequency padded 1 + 1, `input_proj_linear`
//!   Linear(c_last · f_last, h)), then `conf_num_hidden_layers` blocks of two feed-forwards
//!   (RMSNorm, Linear(h, 4h), Linear(4h, h), RMSNorm), attention (`pre_attn_norm`, q/k/v
//!   Linear(h, h), `per_dim_scale` (h / heads), `relative_position_embedding.pos_proj`
//!   Linear(h, h), `post` Linear(h, h), `post_norm`), a light conv (`pre_layer_norm`,
//!   `linear_start` Linear(h, 2h), depthwise Conv1d(h, kernel `conf_conv_kernel_size`, no
//!   bias), `conv_norm`, `linear_end` Linear(h, h)) and a final RMSNorm.
//!
//! The vision tower is timm's `mobilenetv5_300m_enc` (pytorch-image-models
//! `timm/models/mobilenetv5.py`), a fixed architecture that the config only names; its weights
//! are not counted here (see [`Gemma3n::vision_note`]).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{push, Fields, Role, Tensor, MAX_HIDDEN, MAX_INTERMEDIATE, MAX_LAYERS, MAX_VOCAB};
use crate::error::InputError;
use crate::json::Value;

/// The Gemma 3n specifics of one config.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gemma3n {
    /// `vocab_size_per_layer_input` (rows of the per-layer embedding table).
    pub ple_vocab: u64,
    /// `hidden_size_per_layer_input` (p).
    pub ple_dim: u64,
    /// `laurel_rank` (r).
    pub laurel_rank: u64,
    /// `altup_num_inputs` (A).
    pub altup_inputs: u64,
    /// `num_kv_shared_layers`: the last layers that keep no KV cache of their own.
    pub kv_shared_layers: u64,
    /// `intermediate_size`, one per layer (a single number repeated).
    pub intermediates: Vec<u64>,
    /// The audio tower and both multimodal embedders (vision and audio), when the config has
    /// `audio_config`/`vision_config`.
    pub towers_params: u64,
}

fn list_or_one(f: &Fields, key: &str, layers: u64, max: u64) -> Result<Vec<u64>, InputError> {
    let err = || InputError::new(key, format!("must be a whole number from 1 to {max}, or a list of {layers} of them"));
    match f.get(key) {
        Some(Value::Array(a)) => {
            let v: Vec<u64> = a.iter().filter_map(Value::as_u64).filter(|n| (1..=max).contains(n)).collect();
            if v.len() as u64 == layers && a.len() as u64 == layers { Ok(v) } else { Err(err()) }
        }
        Some(v) => v.as_u64().filter(|n| (1..=max).contains(n)).map(|n| alloc::vec![n; layers as usize]).ok_or_else(err),
        None => Err(err()),
    }
}

impl Gemma3n {
    /// Reads the text config's Gemma 3n fields (`Gemma3nTextConfig` defaults where silent:
    /// vocab_size_per_layer_input 262144, hidden_size_per_layer_input 256, laurel_rank 64,
    /// altup_num_inputs 4, num_kv_shared_layers 15) and the towers from the outer config.
    pub(super) fn read(f: &Fields, outer: &crate::json::Map, layers: u64, hidden: u64) -> Result<Gemma3n, InputError> {
        let u = |k: &str, d: u64, max: u64| -> Result<u64, InputError> { Ok(f.opt_u64(k, max)?.unwrap_or(d)) };
        let g = Gemma3n {
            ple_vocab: u("vocab_size_per_layer_input", 262_144, MAX_VOCAB)?,
            ple_dim: u("hidden_size_per_layer_input", 256, MAX_HIDDEN)?,
            laurel_rank: u("laurel_rank", 64, MAX_HIDDEN)?,
            altup_inputs: u("altup_num_inputs", 4, 64)?.max(1),
            kv_shared_layers: u("num_kv_shared_layers", 15, MAX_LAYERS)?,
            intermediates: list_or_one(f, "intermediate_size", layers, MAX_INTERMEDIATE)?,
            towers_params: 0,
        };
        if g.kv_shared_layers >= layers {
            return Err(InputError::new("num_kv_shared_layers", format!("{} must be below num_hidden_layers ({layers})", g.kv_shared_layers)));
        }
        let mut towers = 0;
        for key in ["vision_config", "audio_config"] {
            if let Some(c) = outer.get(key).and_then(Value::as_object) {
                towers += embedder(key, c, hidden)?;
            }
        }
        if let Some(c) = outer.get("audio_config").and_then(Value::as_object) {
            towers += audio_tower(c)?;
        }
        Ok(Gemma3n { towers_params: towers, ..g })
    }

    /// The model-level tensors beyond the token embedding and the final norm.
    pub(super) fn push_model_tensors(&self, h: u64, layers: u64, t: &mut Vec<Tensor>) {
        let lp = layers * self.ple_dim;
        push(t, Role::Embed, super::NO_LAYER, self.ple_vocab, lp, 1); // embed_tokens_per_layer
        push(t, Role::Vector, super::NO_LAYER, lp, h, 1); // per_layer_model_projection
        push(t, Role::Vector, super::NO_LAYER, 1, self.ple_dim, 1); // per_layer_projection_norm
        push(t, Role::Vector, super::NO_LAYER, h, h, 2 * (self.altup_inputs - 1)); // altup (un)embed projections
        if self.towers_params > 0 {
            push(t, Role::Vector, super::NO_LAYER, 1, self.towers_params, 1);
        }
    }

    /// One decoder layer's AltUp, LAuReL and per-layer-input weights.
    pub(super) fn push_layer_tensors(&self, h: u64, l: u32, t: &mut Vec<Tensor>) {
        let a = self.altup_inputs;
        push(t, Role::Vector, l, 1, 2 * h + a * a + a * a * a + h * a, 1); // altup: correct_output_scale, router_norm, coefs, router
        push(t, Role::Vector, l, 1, 2 * h * self.laurel_rank + h, 1); // laurel
        push(t, Role::Vector, l, 1, 2 * h * self.ple_dim + h, 1); // per-layer input gate/projection/norm
    }

    /// The note naming what is not counted.
    pub fn vision_note() -> String {
        String::from("Gemma 3n: text model (per-layer embeddings, AltUp, LAuReL), the audio tower (USM conformer) and both multimodal embedders counted; the vision tower (timm mobilenetv5_300m_enc, about 0.3 B) is NOT counted; the last num_kv_shared_layers layers keep no KV cache; an image takes 256 tokens")
    }
}

fn field(c: &crate::json::Map, name: &str, key: &str, default: Option<u64>, max: u64) -> Result<u64, InputError> {
    match c.get(key).and_then(Value::as_u64).or(default) {
        Some(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(InputError::new(name, format!("field `{key}` is missing or not a whole number from 1 to {max}"))),
    }
}

/// `Gemma3nMultimodalEmbedder` for the tower whose config is `c`.
fn embedder(name: &str, c: &crate::json::Map, text_h: u64) -> Result<u64, InputError> {
    let m = field(c, name, "hidden_size", None, MAX_HIDDEN)?;
    let v = field(c, name, "vocab_size", Some(128), 1 << 20)?;
    Ok(v * m + 2 * m + m * text_h)
}

/// `Gemma3nAudioEncoder` (defaults of `Gemma3nAudioConfig` where silent).
fn audio_tower(c: &crate::json::Map) -> Result<u64, InputError> {
    let n = "audio_config";
    let h = field(c, n, "hidden_size", Some(1536), MAX_HIDDEN)?;
    let layers = field(c, n, "conf_num_hidden_layers", Some(12), MAX_LAYERS)?;
    let heads = field(c, n, "conf_num_attention_heads", Some(8), h)?;
    let kernel = field(c, n, "conf_conv_kernel_size", Some(5), 1024)?;
    let mut freq = field(c, n, "input_feat_size", Some(128), 1 << 16)?;
    let pairs = |key: &str| -> Vec<(u64, u64)> {
        c.get(key).and_then(Value::as_array).map_or_else(|| alloc::vec![(3, 3), (3, 3)], |a| {
            a.iter().filter_map(|p| p.as_array()).map(|p| (p.first().and_then(Value::as_u64).unwrap_or(0), p.get(1).and_then(Value::as_u64).unwrap_or(0))).collect()
        })
    };
    let channels: Vec<u64> = c.get("sscp_conv_channel_size").and_then(Value::as_array).map_or_else(|| alloc::vec![128, 32], |a| a.iter().filter_map(Value::as_u64).collect());
    let (kernels, strides) = (pairs("sscp_conv_kernel_size"), pairs("sscp_conv_stride_size"));
    let ok = |v: &[(u64, u64)]| v.len() == 2 && v.iter().all(|(a, b)| (1..=64).contains(a) && (1..=64).contains(b));
    if channels.len() != 2 || !channels.iter().all(|c| (1..=1 << 16).contains(c)) || !ok(&kernels) || !ok(&strides) {
        return Err(InputError::new(n, "sscp_conv_channel_size, sscp_conv_kernel_size and sscp_conv_stride_size must describe two convolutions (channels 1 to 65536, kernel and stride pairs 1 to 64)"));
    }
    let mut sscp = 0;
    let mut c_in = 1;
    for i in 0..2 {
        let (kh, kw) = kernels[i];
        sscp += channels[i] * c_in * kh * kw + channels[i];
        freq = (freq + 2).saturating_sub(kw) / strides[i].1 + 1;
        c_in = channels[i];
    }
    sscp += c_in * freq * h;
    let ffw = 2 * h + 8 * h * h;
    let attn = 2 * h + 5 * h * h + h / heads;
    let lconv = 2 * h + 3 * h * h + h * kernel;
    Ok(sscp + layers * (2 * ffw + attn + lconv + h))
}

/// `intermediate_size` of a Gemma 3n text config (a number or one per layer): the first
/// layer's, for what reads one width; the per-layer list is in [`Gemma3n::intermediates`].
pub(super) fn first_intermediate(f: &Fields) -> Result<Option<u64>, InputError> {
    match f.get("intermediate_size") {
        Some(Value::Array(a)) => match a.first().and_then(Value::as_u64) {
            Some(n) if (1..=MAX_INTERMEDIATE).contains(&n) => Ok(Some(n)),
            _ => Err(InputError::new("intermediate_size", format!("must be a whole number from 1 to {MAX_INTERMEDIATE}, or a list of them"))),
        },
        _ => Ok(None),
    }
}

impl Gemma3n {
    /// The JSON form (`model.ext.gemma3n`).
    pub fn to_json(&self) -> Value {
        let mut m = crate::json::Map::new();
        for (k, v) in [("ple_vocab", self.ple_vocab), ("ple_dim", self.ple_dim), ("laurel_rank", self.laurel_rank), ("altup_inputs", self.altup_inputs), ("kv_shared_layers", self.kv_shared_layers), ("towers_params", self.towers_params)] {
            m.insert(String::from(k), Value::from(v));
        }
        m.insert(String::from("intermediates"), Value::Array(self.intermediates.iter().map(|n| Value::from(*n)).collect()));
        Value::Object(m)
    }

    /// Reads [`Gemma3n::to_json`]'s form back, each field in range.
    pub fn from_json(m: &crate::json::Map) -> Result<Gemma3n, InputError> {
        let u = |k: &str, min: u64, max: u64| -> Result<u64, InputError> {
            match m.get(k).and_then(Value::as_u64) {
                Some(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(InputError::new(&format!("model.ext.gemma3n.{k}"), format!("must be a whole number from {min} to {max}"))),
            }
        };
        let intermediates: Vec<u64> = m.get("intermediates").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_u64).filter(|n| *n <= MAX_INTERMEDIATE).collect()).unwrap_or_default();
        Ok(Gemma3n {
            ple_vocab: u("ple_vocab", 0, MAX_VOCAB)?,
            ple_dim: u("ple_dim", 0, MAX_HIDDEN)?,
            laurel_rank: u("laurel_rank", 0, MAX_HIDDEN)?,
            altup_inputs: u("altup_inputs", 1, 64)?,
            kv_shared_layers: u("kv_shared_layers", 0, MAX_LAYERS)?,
            towers_params: u("towers_params", 0, 1 << 40)?,
            intermediates,
        })
    }
}
