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
//! `timm/models/mobilenetv5.py`), a fixed architecture that the config only names: counted by
//! [`mobilenetv5`] and added as the vision tower (`model/vision.rs`), with its image tokens.

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

    /// The note naming what is counted (the vision tower has its own note, `model/vision.rs`).
    pub fn vision_note() -> String {
        String::from("Gemma 3n: text model (per-layer embeddings, AltUp, LAuReL), the audio tower (USM conformer) and both multimodal embedders counted; the last num_kv_shared_layers layers keep no KV cache")
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

/// timm `mobilenetv5_300m_enc` (pytorch-image-models `timm/models/mobilenetv5.py`, commit
/// aa4b585, `_gen_mobilenet_v5`, the arch_def of every variant but `mobilenetv5_base`): per
/// entry the stage, the block strings in the notation of `_efficientnet_builder.py`
/// `_decode_block_str` (type, `k` kernel, `a` start depthwise kernel, `s` stride, `e` expansion,
/// `c` out channels, `h` heads, `d` key/value dim, `v` kv stride), and how many times the
/// group repeats (the source writes each block out; e.g. 14 alternating mqa/uir pairs).
const MOBILENETV5_300M: [(u32, &str, u32); 10] = [
    (0, "er_r1_k3_s2_e4_c128", 1),
    (0, "er_r1_k3_s1_e4_c128", 2),
    (1, "uir_r1_a3_k5_s2_e6_c256", 1),
    (1, "uir_r1_a5_k0_s1_e4_c256 uir_r1_a3_k0_s1_e4_c256", 2),
    (2, "uir_r1_a5_k5_s2_e6_c640", 1),
    (2, "uir_r1_a5_k0_s1_e4_c640", 7),
    (2, "uir_r1_a0_k0_s1_e1_c640", 1),
    (2, "mqa_r1_k3_h12_v2_s1_d64_c640 uir_r1_a0_k0_s1_e2_c640", 14),
    (3, "uir_r1_a5_k5_s2_e6_c1280", 1),
    (3, "mqa_r1_k3_h16_s1_d96_c1280 uir_r1_a0_k0_s1_e2_c1280", 19),
];

/// One block string's option `key` (`_decode_block_str`: a letter prefix, then digits).
fn block_opt(block: &str, key: &str, default: u64) -> u64 {
    block.split('_').skip(1).find_map(|op| {
        let digits = op.find(|c: char| c.is_ascii_digit())?;
        (&op[..digits] == key).then(|| op[digits..].parse().ok()).flatten()
    }).unwrap_or(default)
}

/// timm `layers/helpers.py` `make_divisible(v, 8)`: nearest multiple of 8, never below 90 % of v.
fn make_divisible(v: u64) -> u64 {
    let n = ((v + 4) / 8 * 8).max(8);
    if 10 * n < 9 * v { n + 8 } else { n }
}

/// `UniversalInvertedResidual` (`_efficientnet_blocks.py`): optional depthwise start conv
/// (kernel a, no bias) + RmsNorm2d, `pw_exp` 1×1 (in → mid) + norm, optional depthwise mid conv
/// (kernel k) + norm, `pw_proj` 1×1 (mid → out) + norm, `LayerScale2d` gamma (out) when
/// `layer_scale_init_value` is set (1e-5 in the trunk, None in the MSFA). Convs have no bias
/// (`create_conv2d_pad`: `bias` defaults to False); RmsNorm2d has a weight only.
fn uir(c_in: u64, out: u64, a: u64, k: u64, mid: u64, layer_scale: bool) -> u64 {
    let start = if a > 0 { c_in * a * a + c_in } else { 0 };
    let dw_mid = if k > 0 { mid * k * k + mid } else { 0 };
    start + (c_in * mid + mid) + dw_mid + (mid * out + out) + if layer_scale { out } else { 0 }
}

/// The parameters of timm's `MobileNetV5Encoder` for `architecture` (only `mobilenetv5_300m_enc`
/// is known; `None` otherwise), and the elements live at its largest block for one 768 × 768
/// image (`default_cfgs['mobilenetv5_300m_enc']` input_size; a block's input, expanded and
/// output maps; attention is fused, `use_fused_attn`, so no score matrix).
///
/// `MobileNetV5Encoder.__init__`: `conv_stem` ConvNormAct(3, 64, 3, stride 2, bias) +
/// RmsNorm2d; the blocks (`EfficientNetBuilder._make_block`): `EdgeResidual` — `conv_exp`
/// k×k full conv (in → make_divisible(in·e)), `bn1`, `conv_pwl` 1×1 (mid → out), `bn2`, no layer
/// scale; `UniversalInvertedResidual` ([`uir`]); `MobileAttention` (`use_multi_query`) — `norm`
/// (in), `MultiQueryAttention2d`: `query.proj` 1×1 (in → h·d), `key` and `value` each a
/// depthwise `down_conv` (k×k, stride v, no bias) + norm when v > 1, then `proj` 1×1 (in → d),
/// `output.proj` 1×1 (h·d → out), all without bias; `LayerScale2d` (out). Then
/// `MobileNetV5MultiScaleFusionAdapter` on the last two stages' outputs concatenated (640 + 1280
/// channels): a UIR to 2048 (`num_features`) with expansion 2, no depthwise convs, no layer
/// scale, and a RmsNorm2d(2048). Cross-checked: KerasHub `mobilenetv5_presets.py` lists
/// 294,284,096 for its port, which gives every UIR/ER conv a bias (`mobilenetv5_blocks.py`:
/// `use_bias = norm_layer == "rms_norm"`; its timm converter loads a bias only "if
/// key_exists"): that is this count plus those 157,184 biases.
pub fn mobilenetv5(architecture: &str) -> Option<(u64, u64)> {
    if architecture != "mobilenetv5_300m_enc" {
        return None;
    }
    let (stem, side0, features) = (64u64, 768u64, 2048u64);
    let mut params = 3 * stem * 9 + stem + stem;
    let mut side = side0 / 2;
    let mut c = stem;
    let mut peak = 3 * side0 * side0 + stem * side * side;
    let mut stage_out = [(0u64, 0u64); 4];
    for (stage, group, repeat) in MOBILENETV5_300M {
        for _ in 0..repeat {
            for b in group.split(' ') {
                let (s, out, k) = (block_opt(b, "s", 1), block_opt(b, "c", 0), block_opt(b, "k", 0));
                let side_out = side / s;
                let (p, live) = match b.split('_').next() {
                    Some("er") => {
                        let mid = make_divisible(c * block_opt(b, "e", 1));
                        (c * mid * k * k + mid + mid * out + out, c * side * side + (mid + out) * side_out * side_out)
                    }
                    Some("uir") => {
                        let mid = make_divisible(c * block_opt(b, "e", 1));
                        // pw_exp runs before the strided depthwise conv: mid at the input side.
                        (uir(c, out, block_opt(b, "a", 0), k, mid, true), (c + mid) * side * side + out * side_out * side_out)
                    }
                    _ => {
                        let (h, d, v) = (block_opt(b, "h", 1), block_opt(b, "d", 1), block_opt(b, "v", 1));
                        let down = if v > 1 { c * k * k + c } else { 0 };
                        let kv_side = side / v;
                        (c + c * h * d + 2 * (down + c * d) + h * d * out + out, (c + h * d + out) * side * side + 2 * d * kv_side * kv_side)
                    }
                };
                params += p;
                peak = peak.max(live);
                side = side_out;
                c = out;
            }
        }
        stage_out[stage as usize] = (c, side);
    }
    // The MSFA resizes both inputs to the larger map (the earlier stage's) and concatenates.
    let (msfa_in, msfa_side) = (stage_out[2].0 + stage_out[3].0, stage_out[2].1);
    let mid = make_divisible(2 * msfa_in);
    let msfa = uir(msfa_in, features, 0, 0, mid, false) + features;
    Some((params + msfa, peak.max((msfa_in + mid + features) * msfa_side * msfa_side)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against an independent count written from timm aa4b585 (the arch_def strings parsed from
    /// `mobilenetv5.py` itself, blocks from `_efficientnet_blocks.py`): trunk 278,881,856 + MSFA
    /// 15,245,056 (UIR 1920 → 3840 → 2048: 7,372,800 + 3,840 + 7,864,320 + 2,048, norm 2,048).
    /// KerasHub's preset figure (294,284,096) is this plus a bias on each of its UIR/ER convs.
    #[test]
    fn mobilenetv5_300m_enc_matches_timm() {
        let (params, peak) = mobilenetv5("mobilenetv5_300m_enc").unwrap();
        assert_eq!(params, 294_126_912);
        let blocks: u32 = MOBILENETV5_300M.iter().map(|(_, g, r)| r * g.split(' ').count() as u32).sum();
        assert_eq!(blocks, 84, "timm lists 3 + 5 + 37 + 39 blocks");
        // Largest live block: stage 1's first UIR at 192 × 192 (128 in, 768 expanded) → 96 × 96.
        assert_eq!(peak, (128 + 768) * 192 * 192 + 256 * 96 * 96);
        assert_eq!(mobilenetv5("mobilenetv5_base"), None);
        assert_eq!((make_divisible(1920 * 2), make_divisible(12), make_divisible(4)), (3840, 16, 8));
        assert_eq!((block_opt("mqa_r1_k3_h12_v2_s1_d64_c640", "v", 1), block_opt("uir_r1_a0_k0_s1_e2_c640", "v", 1)), (2, 1));
    }
}
