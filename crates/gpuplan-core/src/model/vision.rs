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
}

/// The side of the image whose token count is reported (pixels); the Qwen processors' own
/// bound is `max_pixels` (12 845 056 = 3584²), so real images range from a few to 16 384 tokens.
fn image_side() -> u64 {
    1024
}

struct V<'a>(&'a crate::json::Map);
impl V<'_> {
    fn u(&self, key: &str, default: Option<u64>) -> Result<u64, InputError> {
        match self.0.get(key).and_then(Value::as_u64).or(default) {
            Some(n) if n <= 1_000_000 => Ok(n),
            _ => Err(InputError::new("vision_config", format!("field `{key}` is missing or not a whole number up to 1000000"))),
        }
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
                note: format!("vision tower (Qwen3-VL ViT, {depth} blocks, {deepstack} deepstack mergers) counted; an image is taken as {side}×{side} px = {} tokens", per_side * per_side),
            }))
        }
        _ => Ok(None),
    }
}
