//! Vision encoders of vision-language checkpoints: their parameters (weights the model loads
//! beside the text decoder) and the tokens an image adds to the context.
//!
//! Sources (huggingface/transformers v4.57.0):
//! - Qwen2.5-VL: `models/qwen2_5_vl/modeling_qwen2_5_vl.py` — `Qwen2_5_VisionPatchEmbed`
//!   (Conv3d 3 → h, kernel temporal × patch × patch, no bias), per block `norm1`/`norm2`
//!   RMSNorm(h), `attn.qkv` Linear(h, 3h, bias) and `attn.proj` Linear(h, h, bias), a gated MLP
//!   (`gate_proj`, `up_proj`: h → I, `down_proj`: I → h, all with bias); `merger`
//!   (`Qwen2_5_VLPatchMerger`): `ln_q` RMSNorm(h), Linear(4h', 4h', bias), Linear(4h', out, bias)
//!   with h' = h and 4 = spatial_merge_size².
//! - Qwen3-VL: `models/qwen3_vl/modeling_qwen3_vl.py` — `Qwen3VLVisionPatchEmbed` (Conv3d with
//!   bias), `pos_embed` Embedding(num_position_embeddings, h), per block LayerNorm(h) ×2 (weight
//!   and bias), `qkv`/`proj` with bias, a plain MLP (`linear_fc1` h → I, `linear_fc2` I → h, with
//!   bias); `merger` (`Qwen3VLVisionPatchMerger`, norm over h) and one merger per
//!   `deepstack_visual_indexes` entry (`use_postshuffle_norm`: norm over m·h).
//! - Image tokens: the Qwen processors resize to multiples of patch · merge pixels and emit one
//!   token per merge × merge patches; for a 1024 × 1024 image (the size assumed here, stated in
//!   the note) that is (⌈1024 / (patch·merge)⌉)² tokens (Qwen2.5-VL 14·2 = 28 px: 37² = 1369;
//!   Qwen3-VL 16·2 = 32 px: 32² = 1024).
//! - Gemma 3: `models/siglip/modeling_siglip.py` — `SiglipVisionEmbeddings` (`patch_embedding`
//!   Conv2d(3, h, patch, stride patch) with bias, `position_embedding` Embedding((image_size /
//!   patch)², h)), per `SiglipEncoderLayer` LayerNorm ×2 (weight and bias), `q/k/v/out_proj`
//!   Linear(h, h, bias), `mlp.fc1` Linear(h, I, bias), `fc2` Linear(I, h, bias),
//!   `post_layernorm`; no head (`vision_use_head: false`). `models/gemma3/modeling_gemma3.py`
//!   `Gemma3MultiModalProjector`: `mm_input_projection_weight` (h_vision × h_text) and
//!   `mm_soft_emb_norm` RMSNorm(h_vision). An image is pooled to `mm_tokens_per_image` (256)
//!   tokens whatever its size (`Gemma3Processor`: 896 × 896 input, 4 × 4 average pooling).
//! - Mistral 3 (Mistral Small 3.1/3.2): `models/pixtral/modeling_pixtral.py` — `patch_conv`
//!   Conv2d(3, h, patch, no bias), `ln_pre` RMSNorm(h), per block `attention_norm`/`ffn_norm`
//!   RMSNorm(h), `q/k/v/o_proj` Linear(h, h) without bias, a gated MLP (`gate_proj`, `up_proj`
//!   h → I, `down_proj` I → h, no bias); `models/mistral3/modeling_mistral3.py`
//!   `Mistral3MultiModalProjector`: `norm` RMSNorm(h), `patch_merger.merging_layer`
//!   Linear(h·m², h, no bias), `linear_1` Linear(h, h_text), `linear_2` Linear(h_text, h_text)
//!   (bias = `multimodal_projector_bias`). Tokens: ⌈side / patch⌉ patches per side, merged m × m,
//!   plus one `[IMG_BREAK]`/`[IMG_END]` per row (`PixtralProcessor`).
//! - Llama 3.2 Vision: `models/mllama/modeling_mllama.py` `MllamaVisionModel` — `patch_embedding`
//!   Conv2d(3, h, patch, no bias), `class_embedding` (h), `gated_positional_embedding` (gate,
//!   `embedding` (P + 1) × h with P = (image_size / patch)², `tile_embedding`
//!   Embedding(max_aspect_ratio_id + 1, max_num_tiles·(P + 1)·h)), `pre_tile_positional_embedding`
//!   and `post_tile_positional_embedding` (gate + Embedding(max_aspect_ratio_id + 1,
//!   max_num_tiles·h)), `layernorm_pre`/`layernorm_post` (LayerNorm), `transformer`
//!   (`num_hidden_layers` encoder layers: q/k/v/o without bias, fc1/fc2 with bias, two
//!   LayerNorms) and `global_transformer` (`num_global_layers` gated ones: + `gate_attn`,
//!   `gate_ffn`); `MllamaForConditionalGeneration.multi_modal_projector` Linear(vision_output_dim,
//!   h_text, bias). max_aspect_ratio_id = len(`supported_aspect_ratios`). An image enters the
//!   context as one `<|image|>` token; the text model's cross-attention layers attend to its
//!   max_num_tiles·(P + 1) states instead.
//! - Gemma 3n: timm `mobilenetv5_300m_enc`, counted in [`super::gemma3n::mobilenetv5`].

use alloc::string::String;
use alloc::format;

use crate::error::InputError;
use crate::json::Value;

/// A vision tower: its parameter count and the context tokens one image takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vision {
    pub params: u64,
    pub tokens_per_image: u64,
    /// What was assumed about the image (shown in the estimate's notes).
    pub note: String,
    /// Llama 3.2 Vision: the image states each cross-attention layer keeps keys and values for
    /// (0 when images are context tokens).
    pub cross_states_per_image: u64,
    /// Elements live at one encoder layer's peak per image: its patch tokens × (4·h + the MLP's
    /// live width: 3·I gated, 2·I plain), as [`crate::memory`]'s prefill rule for a decoder layer.
    pub act_elems_per_image: u64,
}

/// The side of the image whose token count is reported (pixels); the Qwen processors' own
/// bound is `max_pixels` (12 845 056 = 3584²), so real images range from a few to 16 384 tokens.
fn image_side() -> u64 {
    1024
}

/// The range each `vision_config` field is read in: wide enough for any published tower, and
/// narrow enough that the counts below neither divide by zero nor overflow (the fuzzer found
/// both with every field allowed 0..=1000000).
fn bounds(key: &str) -> (u64, u64) {
    match key {
        "hidden_size" => (1, 1 << 16),
        "intermediate_size" | "out_hidden_size" | "vision_output_dim" => (1, 1 << 20),
        "depth" | "num_hidden_layers" | "num_global_layers" => (0, 1024),
        "patch_size" => (1, 1024),
        "temporal_patch_size" | "spatial_merge_size" | "in_chans" | "in_channels" | "num_channels" | "max_num_tiles" => (1, 64),
        "image_size" => (1, 1 << 16),
        "num_position_embeddings" => (0, 1 << 24),
        _ => (0, 1_000_000),
    }
}

struct V<'a>(&'a crate::json::Map);
impl V<'_> {
    fn u(&self, key: &str, default: Option<u64>) -> Result<u64, InputError> {
        let (min, max) = bounds(key);
        match self.0.get(key).and_then(Value::as_u64).or(default) {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(InputError::new("vision_config", format!("field `{key}` is missing or not a whole number from {min} to {max}"))),
        }
    }
}

/// A top-level field of a vision-language config (`spatial_merge_size`, `mm_tokens_per_image`)
/// in `1..=max`, else `default` when absent.
fn outer_u(outer: &crate::json::Map, key: &str, default: u64, max: u64) -> Result<u64, InputError> {
    match outer.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_u64().filter(|n| (1..=max).contains(n)).ok_or_else(|| InputError::new(key, format!("must be a whole number from 1 to {max}"))),
    }
}

/// The vision tower of a `qwen2_5_vl` / `qwen3_vl` / `qwen3_vl_moe` config (`vision_config`),
/// `None` for other model types or when the config carries no vision block.
pub fn read(model_type: &str, outer: &crate::json::Map) -> Result<Option<Vision>, InputError> {
    let Some(vc) = outer.get("vision_config").and_then(Value::as_object) else {
        return Ok(None);
    };
    let v = V(vc);
    let side = image_side();
    match model_type {
        "qwen2_5_vl" => {
            let h = v.u("hidden_size", None)?;
            let i = v.u("intermediate_size", None)?;
            let depth = v.u("depth", None)?;
            let p = v.u("patch_size", Some(14))?;
            let tp = v.u("temporal_patch_size", Some(2))?;
            let m = v.u("spatial_merge_size", Some(2))?;
            let out = v.u("out_hidden_size", None)?;
            let c = v.u("in_chans", Some(3))?;
            let patch = h * c * tp * p * p;
            let block = 2 * h + (3 * h * h + 3 * h) + (h * h + h) + 2 * (i * h + i) + (h * i + h);
            let mh = h * m * m;
            let merger = h + (mh * mh + mh) + (out * mh + out);
            let per_side = side.div_ceil(p * m);
            Ok(Some(Vision {
                params: patch + depth * block + merger,
                tokens_per_image: per_side * per_side,
                cross_states_per_image: 0,
                act_elems_per_image: per_side * per_side * m * m * (3 * i + 4 * h),
                note: format!("vision tower (Qwen2.5-VL ViT, {depth} blocks) counted; an image is taken as {side}×{side} px = {} tokens", per_side * per_side),
            }))
        }
        "qwen3_vl" | "qwen3_vl_moe" | "qwen3_5" | "qwen3_5_moe" => {
            let h = v.u("hidden_size", None)?;
            let i = v.u("intermediate_size", None)?;
            let depth = v.u("depth", None)?;
            let p = v.u("patch_size", Some(16))?;
            let tp = v.u("temporal_patch_size", Some(2))?;
            let m = v.u("spatial_merge_size", Some(2))?;
            let out = v.u("out_hidden_size", None)?;
            let c = v.u("in_channels", Some(3))?;
            let pos = v.u("num_position_embeddings", Some(2304))?;
            let deepstack = vc.get("deepstack_visual_indexes").and_then(Value::as_array).map_or(0, |a| a.len() as u64);
            let patch = h * c * tp * p * p + h;
            let block = 4 * h + (3 * h * h + 3 * h) + (h * h + h) + (i * h + i) + (h * i + h);
            let mh = h * m * m;
            let tail = (mh * mh + mh) + (out * mh + out);
            let merger = 2 * h + tail;
            let deep = deepstack * (2 * mh + tail);
            let per_side = side.div_ceil(p * m);
            Ok(Some(Vision {
                params: patch + pos * h + depth * block + merger + deep,
                tokens_per_image: per_side * per_side,
                cross_states_per_image: 0,
                act_elems_per_image: per_side * per_side * m * m * (2 * i + 4 * h),
                note: format!("vision tower (Qwen3-VL ViT, {depth} blocks, {deepstack} deepstack mergers) counted; an image is taken as {side}×{side} px = {} tokens", per_side * per_side),
            }))
        }
        "gemma3" => {
            // SiglipVisionConfig defaults where the config is silent.
            let h = v.u("hidden_size", Some(768))?;
            let i = v.u("intermediate_size", Some(3072))?;
            let depth = v.u("num_hidden_layers", Some(12))?;
            let p = v.u("patch_size", Some(16))?;
            let size = v.u("image_size", Some(224))?;
            let c = v.u("num_channels", Some(3))?;
            let text_h = text_hidden(outer)?;
            let positions = (size / p) * (size / p);
            let block = 4 * h + 4 * (h * h + h) + (h * i + i) + (i * h + h);
            let tower = (c * p * p * h + h) + positions * h + depth * block + 2 * h;
            let projector = h * text_h + h;
            // Gemma3Config.mm_tokens_per_image (default 256).
            let tokens = outer_u(outer, "mm_tokens_per_image", 256, 1 << 20)?;
            Ok(Some(Vision {
                params: tower + projector,
                tokens_per_image: tokens,
                cross_states_per_image: 0,
                act_elems_per_image: positions * (2 * i + 4 * h),
                note: format!("vision tower (SigLIP, {depth} layers, {size}×{size} px) counted; an image takes {tokens} tokens whatever its size"),
            }))
        }
        "mistral3" => {
            // PixtralVisionConfig defaults where the config is silent.
            let h = v.u("hidden_size", Some(1024))?;
            let i = v.u("intermediate_size", Some(4096))?;
            let depth = v.u("num_hidden_layers", Some(24))?;
            let p = v.u("patch_size", Some(16))?;
            let c = v.u("num_channels", Some(3))?;
            let m = outer_u(outer, "spatial_merge_size", 2, 64)?;
            let bias = outer.get("multimodal_projector_bias").and_then(Value::as_bool).unwrap_or(false);
            let text_h = text_hidden(outer)?;
            let block = 2 * h + 4 * h * h + 3 * h * i;
            let tower = c * p * p * h + h + depth * block;
            let b = |n: u64| if bias { n } else { 0 };
            let projector = h + h * m * m * h + (h * text_h + b(text_h)) + (text_h * text_h + b(text_h));
            let per_side = side.div_ceil(p).div_ceil(m);
            let tokens = per_side * per_side + per_side;
            Ok(Some(Vision {
                params: tower + projector,
                tokens_per_image: tokens,
                cross_states_per_image: 0,
                act_elems_per_image: per_side * per_side * m * m * (3 * i + 4 * h),
                note: format!("vision tower (Pixtral, {depth} layers) counted; an image is taken as {side}×{side} px = {tokens} tokens ({per_side}² merged patches + one break per row)"),
            }))
        }
        "mllama" => {
            let h = v.u("hidden_size", Some(1280))?;
            let i = v.u("intermediate_size", Some(5120))?;
            let local = v.u("num_hidden_layers", Some(32))?;
            let global = v.u("num_global_layers", Some(8))?;
            let p = v.u("patch_size", Some(14))?;
            let size = v.u("image_size", Some(560))?;
            let c = v.u("num_channels", Some(3))?;
            let tiles = v.u("max_num_tiles", Some(4))?;
            let out = v.u("vision_output_dim", Some(7680))?;
            let ratios = vc.get("supported_aspect_ratios").and_then(Value::as_array).map_or(8, |a| a.len() as u64);
            if ratios > 64 {
                return Err(InputError::new("vision_config", format!("field `supported_aspect_ratios` lists {ratios} ratios; at most 64 are read")));
            }
            let text_h = text_hidden(outer)?;
            let patches = (size / p) * (size / p) + 1;
            let layer = 4 * h * h + (h * i + i) + (i * h + h) + 4 * h;
            let embeddings = c * p * p * h + h + (1 + patches * h + (ratios + 1) * tiles * patches * h) + 2 * (1 + (ratios + 1) * tiles * h) + 4 * h;
            let tower = embeddings + local * layer + global * (layer + 2);
            let states = tiles * patches;
            Ok(Some(Vision {
                params: tower + out * text_h + text_h,
                tokens_per_image: 1,
                cross_states_per_image: states,
                act_elems_per_image: states * (2 * i + 4 * h),
                note: format!("vision encoder ({local} + {global} global layers) counted; an image is one <|image|> token in the context, and each cross-attention layer attends to its {states} states ({tiles} tiles × {patches} patches), kept apart from the KV cache"),
            }))
        }
        "gemma3n" => {
            // The MobileNetV5 tower only: the vision `Gemma3nMultimodalEmbedder` is counted with
            // the text model (model/gemma3n.rs). Gemma3nConfig.vision_soft_tokens_per_image
            // (default 256; transformers `configuration_gemma3n.py`): an image is encoded to 256
            // tokens whatever its resolution (256, 512 or 768 px, the Gemma 3n model card).
            let tokens = outer_u(outer, "vision_soft_tokens_per_image", 256, 1 << 20)?;
            let name = vc.get("architecture").and_then(Value::as_str).unwrap_or("mobilenetv5_300m_enc");
            let (params, act, note) = match super::gemma3n::mobilenetv5(name) {
                Some((p, a)) => (p, a, format!("vision tower (timm {name}) counted; an image takes {tokens} tokens whatever its size")),
                None => (0, 0, format!("vision tower `{name}` is not a timm architecture known here (mobilenetv5_300m_enc): NOT counted; an image takes {tokens} tokens")),
            };
            Ok(Some(Vision { params, tokens_per_image: tokens, cross_states_per_image: 0, act_elems_per_image: act, note }))
        }
        _ => Ok(None),
    }
}

/// The text decoder's width (`text_config.hidden_size`), which the projector maps the image
/// features to.
fn text_hidden(outer: &crate::json::Map) -> Result<u64, InputError> {
    outer
        .get("text_config")
        .and_then(Value::as_object)
        .and_then(|t| t.get("hidden_size"))
        .or_else(|| outer.get("hidden_size"))
        .and_then(Value::as_u64)
        .filter(|n| *n <= 1_000_000)
        .ok_or_else(|| InputError::new("text_config", "field `hidden_size` is missing or not a whole number up to 1000000"))
}

#[cfg(test)]
mod tests {
    use crate::model::Arch;

    fn preset(id: &str) -> Arch {
        crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap().model(id).unwrap().arch().unwrap()
    }

    /// Found by the fuzzer (`cargo run -p gpuplan-files --example fuzz`, config_json target):
    /// a patch or merge of 0 divided by zero, a wide Pixtral projector overflowed. Both are
    /// now an error naming the field and its range.
    #[test]
    fn vision_fields_out_of_range_are_refused_not_a_panic() {
        let qwen = |vc: &str| Arch::from_config_json(&alloc::format!(r#"{{"model_type":"qwen3_vl","text_config":{{"model_type":"qwen3_vl_text","hidden_size":64,
            "intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":100}},
            "vision_config":{{"hidden_size":32,"intermediate_size":64,"depth":1,"out_hidden_size":64{vc}}}}}"#));
        assert!(qwen("").is_ok());
        for bad in [r#","patch_size":0"#, r#","spatial_merge_size":0"#, r#","hidden_size":1000000"#, r#","in_channels":100000"#] {
            let e = qwen(bad).unwrap_err().to_string();
            assert!(e.contains("vision_config") && e.contains(" to "), "{bad}: {e}");
        }
        let pixtral = |extra: &str| Arch::from_config_json(&alloc::format!(r#"{{"model_type":"mistral3","text_config":{{"model_type":"mistral","hidden_size":64,
            "intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":100}},
            "vision_config":{{"hidden_size":32,"intermediate_size":64,"num_hidden_layers":1}}{extra}}}"#));
        assert!(pixtral("").is_ok());
        let e = pixtral(r#","spatial_merge_size":1000000"#).unwrap_err().to_string();
        assert!(e.contains("spatial_merge_size") && e.contains("1 to 64"), "{e}");
    }

    #[test]
    fn gemma3_reads_its_minimal_config_with_the_siglip_tower() {
        let a = preset("gemma-3-4b-it");
        let v = a.ext.vision.as_ref().unwrap();
        // SigLIP 416,866,032 + projector 1152 × 2560 + 1152.
        assert_eq!(v.params, 416_866_032 + 2_950_272);
        assert_eq!(v.tokens_per_image, 256);
        // The text_config names 6 fields; the rest are Gemma3TextConfig's defaults.
        assert_eq!((a.heads, a.kv_heads, a.head_dim, a.vocab), (8, 4, 256, 262_208));
        // 5 local layers (window 1024) per global one.
        assert_eq!(a.sliding_window, Some(1024));
        let global: Vec<usize> = a.layer_kinds.iter().enumerate().filter(|(_, k)| !k.sliding).map(|(i, _)| i).collect();
        assert_eq!(global, [5, 11, 17, 23, 29]);
        // The text part is the gemma-3-4b preset's.
        assert_eq!(a.param_counts().0 - v.params, preset("gemma-3-4b").param_counts().0);
    }

    /// Llama-3.2-11B-Vision: 10,670,220,835 parameters (the Hub's safetensors count, BF16).
    #[test]
    fn mllama_counts_text_cross_attention_and_vision_exactly() {
        let cfg = r#"{"architectures": ["MllamaForConditionalGeneration"], "image_token_index": 128256, "model_type": "mllama",
            "text_config": {"cross_attention_layers": [3, 8, 13, 18, 23, 28, 33, 38], "hidden_size": 4096, "intermediate_size": 14336,
              "max_position_embeddings": 131072, "model_type": "mllama_text_model", "num_attention_heads": 32, "num_hidden_layers": 40,
              "num_key_value_heads": 8, "tie_word_embeddings": false, "vocab_size": 128256},
            "vision_config": {"attention_heads": 16, "hidden_size": 1280, "image_size": 560, "intermediate_size": 5120, "max_num_tiles": 4,
              "model_type": "mllama_vision_model", "num_channels": 3, "num_global_layers": 8, "num_hidden_layers": 32, "patch_size": 14,
              "supported_aspect_ratios": [[1, 1], [1, 2], [1, 3], [1, 4], [2, 1], [2, 2], [3, 1], [4, 1]], "vision_output_dim": 7680}}"#;
        let a = Arch::from_config_json(cfg).unwrap();
        assert_eq!(a.param_counts().0, 10_670_220_835);
        assert_eq!(a.ext.vision.as_ref().unwrap().params, 863_567_379 + 31_461_376);
        // The 8 cross-attention layers keep no context KV cache.
        assert_eq!(a.layer_kinds.iter().filter(|k| k.has_kv()).count(), 32);
    }

    #[test]
    fn images_add_their_tokens_to_the_context_or_their_states_to_the_cross_attention() {
        use crate::memory::{estimate, Model, Workload};
        let w = Workload { batch: 2, prompt: 1000, new_tokens: 100, ..Workload::default() };
        // Qwen3-VL: a 1024 px image is 1024 merged tokens of context.
        let vl = Model::new(preset("qwen3-vl-8b"));
        let kv_token = vl.kv_bytes_per_token(w.kv_cache);
        let none = estimate(&vl, &w).unwrap();
        let three = estimate(&vl, &Workload { images: 3, ..w.clone() }).unwrap();
        assert_eq!(three.breakdown.kv_cache - none.breakdown.kv_cache, 2 * 3 * 1024 * kv_token);
        // Gemma 3: 256 tokens an image, whatever its size.
        let g = Model::new(preset("gemma-3-4b-it"));
        let a = estimate(&g, &Workload { prompt: 1256, ..w.clone() }).unwrap();
        let b = estimate(&g, &Workload { images: 1, ..w.clone() }).unwrap();
        assert_eq!(a.breakdown.kv_cache, b.breakdown.kv_cache);
        // Llama 3.2 Vision: one token in the context, the states in 8 cross-attention layers.
        let m = Model::new(preset("llama-3.2-11b-vision"));
        let plain = estimate(&m, &Workload { prompt: 1001, ..w.clone() }).unwrap();
        let img = estimate(&m, &Workload { images: 1, ..w.clone() }).unwrap();
        let per_state = m.arch.kv_elems_per_token_layer() * 2; // bf16
        assert_eq!(img.breakdown.kv_cache - plain.breakdown.kv_cache, 2 * 4 * 1601 * 8 * per_state);
        // A text-only model refuses images, naming the flag.
        let llama = Model::new(preset("llama-3.1-8b"));
        assert_eq!(estimate(&llama, &Workload { images: 1, ..w.clone() }).unwrap_err().field, "--images");
        assert_eq!(estimate(&vl, &Workload { images: 1025, ..w }).unwrap_err().field, "--images");
        let args = crate::args::parse_estimate_args(&["--preset", "qwen3-vl-8b", "--images", "4"]).unwrap();
        assert_eq!(args.workload.images, 4);
        assert_eq!(crate::args::parse_estimate_args(&["--preset", "x", "--images", "-1"]).unwrap_err().field, "--images");
    }

    #[test]
    fn mistral3_counts_the_pixtral_tower_and_its_merged_image_tokens() {
        let a = preset("mistral-small-3.1-24b");
        let v = a.ext.vision.as_ref().unwrap();
        assert_eq!(v.params, 438_958_080);
        assert_eq!(a.param_counts().0, 23_572_403_200 + 438_958_080);
        // 1024 px: ⌈1024 / 14⌉ = 74 patches per side, merged 2 × 2 → 37, plus 37 row breaks.
        assert_eq!(v.tokens_per_image, 37 * 37 + 37);
    }

    /// Gemma 3n: the MobileNetV5 tower and 256 tokens per image (`vision_soft_tokens_per_image`);
    /// an unknown timm architecture is named in the note and not counted.
    #[test]
    fn gemma3n_vision_tower_and_tokens() {
        let a = preset("gemma-3n-e2b-it");
        let v = a.ext.vision.as_ref().unwrap();
        assert_eq!((v.params, v.tokens_per_image, v.cross_states_per_image), (294_126_912, 256, 0));
        let mut cfg = crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap().model("gemma-3n-e2b-it").unwrap().config.clone();
        cfg["vision_config"]["architecture"] = crate::json::Value::from("mobilenetv5_base");
        cfg["vision_soft_tokens_per_image"] = crate::json::Value::from(64u64);
        let b = Arch::from_config_value(&cfg).unwrap();
        let w = b.ext.vision.as_ref().unwrap();
        assert_eq!((w.params, w.tokens_per_image), (0, 64));
        assert!(w.note.contains("mobilenetv5_base") && w.note.contains("NOT counted"), "{}", w.note);
        assert_eq!(a.param_counts().0 - b.param_counts().0, 294_126_912);
    }
}
