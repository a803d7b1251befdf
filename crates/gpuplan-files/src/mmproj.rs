//! llama.cpp multimodal projector files (`mmproj-*.gguf`, `--mmproj FILE`): a GGUF whose
//! `general.architecture` is `clip`, holding the vision encoder and its projector. What the
//! estimator needs of one: its exact weight bytes (every tensor of the file, as llama.cpp
//! loads them onto one backend) and the image tokens one image adds to the context.
//!
//! Source: llama.cpp `tools/mtmd/clip-impl.h` (the `clip.*` keys, `PROJECTOR_TYPE_NAMES`) and
//! `tools/mtmd/clip.cpp` (`clip_model_loader::load_hparams`: each projector's default merge
//! and the key that overrides it; `clip_n_output_tokens`: tokens per image), at commit
//! 0c1e57098bba43ac29e6e3b677cdceebdd22334f (vendored by llama-cpp-python 0.3.36). Models that
//! take images of any size (Qwen2-VL and later, Pixtral, LFM2, Kimi-VL) are counted for one
//! square image of `clip.vision.image_size`, the size the file names; a larger image gives more
//! tokens up to the projector's own limit.

use alloc::format;
use alloc::string::{String, ToString};

use crate::gguf::GgufHeader;

/// The key naming the projector (`KEY_PROJ_TYPE`), and the vision one of a file holding
/// several modalities (`KEY_VISION_PROJ_TYPE`).
pub const KEY_PROJ_TYPE: &str = "clip.projector_type";
/// `KEY_VISION_PROJ_TYPE`: the vision projector of a file with audio too.
pub const KEY_VISION_PROJ_TYPE: &str = "clip.vision.projector_type";
/// `KEY_IMAGE_SIZE`.
pub const KEY_IMAGE_SIZE: &str = "clip.vision.image_size";
/// `KEY_PATCH_SIZE`.
pub const KEY_PATCH_SIZE: &str = "clip.vision.patch_size";
/// `KEY_PROJ_SCALE_FACTOR`: patches merged per side (Gemma 3, Idefics3, InternVL, Llama 4, LFM2,
/// Kimi-VL).
pub const KEY_PROJ_SCALE_FACTOR: &str = "clip.vision.projector.scale_factor";
/// `KEY_SPATIAL_MERGE_SIZE`: patches merged per side (Qwen2-VL family, Pixtral).
pub const KEY_SPATIAL_MERGE_SIZE: &str = "clip.vision.spatial_merge_size";
/// `KEY_HAS_VISION_ENC`.
pub const KEY_HAS_VISION_ENC: &str = "clip.has_vision_encoder";
/// `TN_TOK_IMG_BREAK`: Pixtral's `[IMG_BREAK]` embedding; with it, one more token per row but
/// the last.
pub const TN_TOK_IMG_BREAK: &str = "v.token_embd.img_break";

/// The largest `clip.vision.image_size` read (pixels per side).
pub const MAX_IMAGE_SIZE: u64 = 1 << 16;

/// A multimodal projector file, as the estimator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mmproj {
    /// Bytes of every tensor in the file.
    pub bytes: u64,
    /// Tokens one image adds to the context.
    pub tokens_per_image: u64,
    /// `clip.projector_type` as the file names it.
    pub projector: String,
    /// `clip.vision.image_size`: pixels per side of the image the count is for.
    pub image_size: u64,
    /// `clip.vision.patch_size`.
    pub patch_size: u64,
    /// Patches merged per side, as llama.cpp reads it for this projector.
    pub merge: u64,
    /// How the tokens were counted (and what was assumed).
    pub note: String,
}

/// How a projector turns the patches of one image into tokens (`clip_n_output_tokens`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Every patch is a token (`mlp`, `mlp_norm`, `janus_pro`, `phi4`).
    Patches,
    /// A quarter of the patches (`ldp`, `ldpv2`).
    Quarter,
    /// Patches ÷ merge² (`gemma3` merge 4 by default, `idefics3`, `internvl`, `llama4`,
    /// `nemotron_v2_vl`: `clip.vision.projector.scale_factor`, else 1).
    MergeSquared { default: u64 },
    /// Two stride-2 convolutions: (side ÷ 2·patch)² (`qwen2vl_merger`, `qwen2.5vl_merger`,
    /// `qwen3vl_merger`; llama.cpp counts with a fixed 2 whatever `spatial_merge_size` says).
    DoublePatch,
    /// (side ÷ patch ÷ merge)², plus one `[IMG_BREAK]` per row but the last when the file has
    /// that embedding (`pixtral`, `lightonocr`: `clip.vision.spatial_merge_size`, else 1).
    Pixtral,
    /// ⌈side ÷ (patch · merge)⌉² (`lfm2`, `kimivl`, `kimik25`: scale factor, else 1).
    Aligned,
    /// Gemma 3n's MobileNetV5 adapter: `image_size / patch_size` tokens.
    Gemma3n,
}

fn rule(projector: &str) -> Option<Rule> {
    Some(match projector {
        "mlp" | "mlp_norm" | "janus_pro" | "phi4" => Rule::Patches,
        "ldp" | "ldpv2" => Rule::Quarter,
        "gemma3" => Rule::MergeSquared { default: 4 },
        "idefics3" | "internvl" | "llama4" | "nemotron_v2_vl" => Rule::MergeSquared { default: 1 },
        "qwen2vl_merger" | "qwen2.5vl_merger" | "qwen3vl_merger" | "qwen2.5o" => Rule::DoublePatch,
        "pixtral" | "lightonocr" => Rule::Pixtral,
        "lfm2" | "kimivl" | "kimik25" => Rule::Aligned,
        "gemma3nv" => Rule::Gemma3n,
        _ => return None,
    })
}

/// A whole-number key in `1..=max`, naming the key and the range when it is not.
fn key_in(h: &GgufHeader, key: &str, max: u64) -> Result<Option<u64>, String> {
    match h.get(key) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(format!("{key} must be a whole number from 1 to {max}")),
        },
    }
}

/// The projector of a llama.cpp `mmproj` GGUF header: its bytes and the tokens per image.
pub fn mmproj_from_gguf(h: &GgufHeader) -> Result<Mmproj, String> {
    match h.architecture() {
        Some("clip") => {}
        Some(other) => {
            return Err(format!(
                "general.architecture is \"{other}\", not \"clip\": a llama.cpp multimodal projector (mmproj) file is expected"
            ))
        }
        None => return Err("general.architecture missing in the GGUF header; an mmproj file says \"clip\"".into()),
    }
    if h.get(KEY_HAS_VISION_ENC).and_then(|v| v.as_bool()) == Some(false) {
        return Err(format!("{KEY_HAS_VISION_ENC} is false: this projector has no vision encoder (an audio-only file?)"));
    }
    let projector = h
        .get_str(KEY_PROJ_TYPE)
        .or_else(|| h.get_str(KEY_VISION_PROJ_TYPE))
        .ok_or_else(|| format!("{KEY_PROJ_TYPE} missing in the GGUF header"))?
        .to_string();
    let image_size = key_in(h, KEY_IMAGE_SIZE, MAX_IMAGE_SIZE)?.ok_or_else(|| format!("{KEY_IMAGE_SIZE} missing in the GGUF header"))?;
    let patch_size = key_in(h, KEY_PATCH_SIZE, image_size)?.ok_or_else(|| format!("{KEY_PATCH_SIZE} missing in the GGUF header"))?;
    let scale = key_in(h, KEY_PROJ_SCALE_FACTOR, image_size)?;
    let spatial = key_in(h, KEY_SPATIAL_MERGE_SIZE, image_size)?;
    let side = image_size / patch_size;
    let patches = side * side;
    let (tokens, merge, how) = match rule(&projector) {
        Some(Rule::Patches) => (patches, 1, "one token per patch".to_string()),
        Some(Rule::Quarter) => (patches / 4, 2, "a quarter of the patches".to_string()),
        Some(Rule::MergeSquared { default }) => {
            let m = scale.unwrap_or(default);
            (patches / (m * m), m, format!("patches ÷ {m}² (projector scale factor)"))
        }
        Some(Rule::DoublePatch) => {
            let s = image_size / (patch_size * 2);
            (s * s, 2, "two stride-2 merges: (side ÷ 2·patch)²".to_string())
        }
        Some(Rule::Pixtral) => {
            let m = spatial.unwrap_or(1);
            let s = side / m;
            let breaks = if h.tensor(TN_TOK_IMG_BREAK).is_some() { s.saturating_sub(1) } else { 0 };
            (s * s + breaks, m, format!("(side ÷ patch ÷ {m})² + {breaks} [IMG_BREAK] tokens"))
        }
        Some(Rule::Aligned) => {
            let m = scale.unwrap_or(1);
            let s = image_size.div_ceil(patch_size * m);
            (s * s, m, format!("⌈side ÷ (patch · {m})⌉²"))
        }
        Some(Rule::Gemma3n) => (side, 1, "MobileNetV5's fixed output (image_size ÷ patch_size)".to_string()),
        None => (patches, 1, format!("projector \"{projector}\" is not one gpuplan knows: one token per patch assumed")),
    };
    let note = format!(
        "llama.cpp mmproj ({projector}): {tokens} tokens per {image_size}×{image_size} image, {how}; patch {patch_size}"
    );
    Ok(Mmproj { bytes: h.total_tensor_bytes(), tokens_per_image: tokens, projector, image_size, patch_size, merge, note })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::builder::GgufBuilder;
    use crate::gguf::{parse_gguf, GgmlType};

    /// A clip-shaped header: two ViT blocks of width 64 and a two-layer MLP projector.
    fn clip(projector: &str, image: u32, patch: u32) -> GgufBuilder {
        GgufBuilder::new(3)
            .meta_str("general.architecture", "clip")
            .meta_str(KEY_PROJ_TYPE, projector)
            .meta_u32(KEY_IMAGE_SIZE, image)
            .meta_u32(KEY_PATCH_SIZE, patch)
            .meta_u32("clip.vision.embedding_length", 64)
            .meta_u32("clip.vision.block_count", 2)
            .tensor("v.patch_embd.weight", GgmlType::F16, &[14, 14, 3, 64])
            .tensor("v.blk.0.attn_q.weight", GgmlType::F16, &[64, 64])
            .tensor("v.blk.1.attn_q.weight", GgmlType::Q8_0, &[64, 64])
            .tensor("mm.0.weight", GgmlType::F16, &[64, 128])
            .tensor("mm.2.weight", GgmlType::F32, &[128, 128])
    }

    fn read(b: &GgufBuilder) -> Result<Mmproj, String> {
        mmproj_from_gguf(&parse_gguf(&b.build()).unwrap())
    }

    #[test]
    fn llava_mlp_counts_every_patch_and_every_byte() {
        let m = read(&clip("mlp", 336, 14).meta_bool(KEY_HAS_VISION_ENC, true)).unwrap();
        assert_eq!(m.tokens_per_image, 576, "LLaVA-1.5: (336/14)² patches");
        // F16 14·14·3·64 + F16 64·64 + Q8_0 64·64 (34 bytes per 32) + F16 64·128 + F32 128·128.
        assert_eq!(m.bytes, 2 * 14 * 14 * 3 * 64 + 2 * 64 * 64 + 64 * 64 / 32 * 34 + 2 * 64 * 128 + 4 * 128 * 128);
        assert!(m.note.contains("576 tokens"), "{}", m.note);
    }

    #[test]
    fn merges_follow_each_projector() {
        // Gemma 3: 896/14 = 64 patches per side, merged 4×4 → 256 (the model's mm_tokens_per_image).
        assert_eq!(read(&clip("gemma3", 896, 14)).unwrap().tokens_per_image, 256);
        assert_eq!(read(&clip("gemma3", 896, 14).meta_u32(KEY_PROJ_SCALE_FACTOR, 2)).unwrap().tokens_per_image, 1024);
        // Qwen2.5-VL: two stride-2 merges whatever spatial_merge_size says.
        assert_eq!(read(&clip("qwen2.5vl_merger", 560, 14).meta_u32(KEY_SPATIAL_MERGE_SIZE, 2)).unwrap().tokens_per_image, 400);
        // Idefics3 / SmolVLM: 512/16 = 32 per side, scale factor 4 → 64.
        assert_eq!(read(&clip("idefics3", 512, 16).meta_u32(KEY_PROJ_SCALE_FACTOR, 4)).unwrap().tokens_per_image, 64);
        assert_eq!(read(&clip("ldp", 336, 14)).unwrap().tokens_per_image, 144);
        // Pixtral: 1024/16 = 64 per side, merge 2 → 32×32 + 31 row breaks.
        let px = clip("pixtral", 1024, 16).meta_u32(KEY_SPATIAL_MERGE_SIZE, 2).tensor(TN_TOK_IMG_BREAK, GgmlType::F16, &[64]);
        assert_eq!(read(&px).unwrap().tokens_per_image, 32 * 32 + 31);
        assert_eq!(read(&clip("lfm2", 500, 16).meta_u32(KEY_PROJ_SCALE_FACTOR, 2)).unwrap().tokens_per_image, 16 * 16);
        let unknown = read(&clip("somethingnew", 224, 16)).unwrap();
        assert_eq!(unknown.tokens_per_image, 196);
        assert!(unknown.note.contains("not one gpuplan knows"), "{}", unknown.note);
    }

    #[test]
    fn what_is_not_an_mmproj_is_named() {
        let e = |b: GgufBuilder| read(&b).unwrap_err();
        assert!(e(GgufBuilder::new(3).meta_str("general.architecture", "llama")).contains("not \"clip\""));
        assert!(e(GgufBuilder::new(3)).contains("general.architecture missing"));
        assert!(e(clip("mlp", 336, 14).meta_bool(KEY_HAS_VISION_ENC, false)).contains("no vision encoder"));
        assert!(e(GgufBuilder::new(3).meta_str("general.architecture", "clip").meta_u32(KEY_IMAGE_SIZE, 336)).contains(KEY_PROJ_TYPE));
        let no_patch = GgufBuilder::new(3).meta_str("general.architecture", "clip").meta_str(KEY_PROJ_TYPE, "mlp").meta_u32(KEY_IMAGE_SIZE, 336);
        assert!(e(no_patch).contains(KEY_PATCH_SIZE));
        assert!(e(clip("mlp", 336, 0)).contains("from 1 to 336"));
        assert!(e(clip("mlp", 336, 400)).contains(KEY_PATCH_SIZE));
        assert!(e(clip("gemma3", 896, 14).meta_u32(KEY_PROJ_SCALE_FACTOR, 0)).contains(KEY_PROJ_SCALE_FACTOR));
        assert!(e(clip("mlp", 0, 14)).contains(KEY_IMAGE_SIZE));
    }
}
