//! Parsed headers → the estimator's model: architecture (for KV cache and activations) and the
//! exact weight bytes and format of the file. Used by the CLI (`--gguf`, `--safetensors`) and the
//! web app (dropped files), so both read a file the same way.
//!
//! GGUF: llama.cpp writes the Hugging Face config as `{arch}.*` metadata
//! (`convert_hf_to_gguf.py`, `gguf-py/gguf/constants.py` `Keys.LLM`/`Keys.Attention`); this module
//! maps it back to a config.json object and reads it with the core's own config parser, so every
//! mechanism (GQA, MLA, MoE, sliding windows, tied embeddings) comes out as it does for the
//! original config. Tied embeddings: llama.cpp stores no `output.weight` then.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use gpuplan_core::formats::WeightFormat;
use gpuplan_core::model::Arch;
use gpuplan_core::json::{Map, Value};

use crate::gguf::{GgmlType, GgufHeader};
use crate::safetensors::{SafetensorsHeader, SafetensorsIndex};
use crate::Dtype;

/// A model read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileModel {
    /// The architecture, as from the model's config.json.
    pub arch: Arch,
    /// The format the file stores its weights in, when it is one the estimator knows.
    pub format: Option<WeightFormat>,
    /// Bytes of every tensor in the file(s).
    pub weight_bytes: u64,
}

/// llama.cpp architecture name → Hugging Face `model_type`.
fn model_type(arch: &str, experts: u64) -> Option<&'static str> {
    Some(match arch {
        "llama" if experts > 0 => "mixtral",
        "llama" => "llama",
        "mistral" | "mistral3" => "mistral",
        "qwen2" => "qwen2",
        "qwen2moe" => "qwen2_moe",
        "qwen3" => "qwen3",
        "qwen3moe" => "qwen3_moe",
        "gemma" => "gemma",
        "gemma2" => "gemma2",
        "gemma3" => "gemma3_text",
        "phi3" => "phi3",
        "deepseek2" => "deepseek_v3",
        "gpt-oss" => "gpt_oss",
        _ => return None,
    })
}

/// `general.file_type` (llama.cpp `llama_ftype`) → weight format name.
pub fn gguf_file_type(ft: u64) -> Option<&'static str> {
    Some(match ft {
        0 => "fp32",
        1 => "fp16",
        2 => "q4_0",
        7 => "q8_0",
        10 => "q2_k",
        11 => "q3_k_s",
        12 => "q3_k_m",
        14 => "q4_k_s",
        15 => "q4_k_m",
        16 => "q5_k_s",
        17 => "q5_k_m",
        18 => "q6_k",
        30 => "iq4_xs",
        32 => "bf16",
        38 => "mxfp4",
        _ => return None,
    })
}

/// The architecture a GGUF header describes.
pub fn arch_from_gguf(h: &GgufHeader) -> Result<Arch, String> {
    let name = h.architecture().ok_or("general.architecture missing in the GGUF header")?.to_string();
    let get = |k: &str| h.arch_u64(k);
    let need = |k: &str| get(k).ok_or_else(|| format!("{name}.{k} missing in the GGUF header"));
    let experts = get("expert_count").unwrap_or(0);
    let mt = model_type(&name, experts).ok_or_else(|| {
        format!("general.architecture \"{name}\" is not supported; supported: llama, mistral, qwen2, qwen2moe, qwen3, qwen3moe, gemma, gemma2, gemma3, phi3, deepseek2, gpt-oss")
    })?;
    let hidden = need("embedding_length")?;
    let heads = need("attention.head_count")?;
    let vocab = get("vocab_size")
        .or_else(|| h.get("tokenizer.ggml.tokens").and_then(|v| v.array_len()))
        .or_else(|| h.tensor("token_embd.weight").and_then(|t| t.dims.get(1).copied()))
        .ok_or("the vocabulary size (tokenizer.ggml.tokens or token_embd.weight) is missing in the GGUF header")?;
    let mut c = Map::new();
    let mut put = |k: &str, v: u64| {
        c.insert(k.to_string(), Value::from(v));
    };
    put("hidden_size", hidden);
    put("num_hidden_layers", need("block_count")?);
    put("num_attention_heads", heads);
    put("num_key_value_heads", get("attention.head_count_kv").unwrap_or(heads));
    put("vocab_size", vocab);
    if let Some(ff) = get("feed_forward_length") {
        put("intermediate_size", ff);
    }
    if let Some(ctx) = get("context_length") {
        put("max_position_embeddings", ctx);
    }
    if let Some(w) = get("attention.sliding_window") {
        put("sliding_window", w);
    }
    if experts > 0 {
        put("num_local_experts", experts);
        put("num_experts", experts);
        put("n_routed_experts", experts);
        put("num_experts_per_tok", get("expert_used_count").unwrap_or(2));
        if let Some(e) = get("expert_feed_forward_length") {
            put("moe_intermediate_size", e);
            if get("feed_forward_length").is_none() {
                put("intermediate_size", e);
            }
        }
        if let Some(s) = get("expert_shared_feed_forward_length") {
            put("shared_expert_intermediate_size", s);
        }
        if let Some(s) = get("expert_shared_count") {
            put("n_shared_experts", s);
        }
        if let Some(d) = get("leading_dense_block_count") {
            put("first_k_dense_replace", d);
        }
    }
    if name == "deepseek2" {
        let rope = get("rope.dimension_count").unwrap_or(64);
        let k = need("attention.key_length")?;
        put("kv_lora_rank", need("attention.kv_lora_rank")?);
        if let Some(q) = get("attention.q_lora_rank").filter(|q| *q > 0) {
            put("q_lora_rank", q);
        }
        put("qk_rope_head_dim", rope);
        put("qk_nope_head_dim", k.saturating_sub(rope));
        put("v_head_dim", get("attention.value_length").unwrap_or(k.saturating_sub(rope)));
    } else if let Some(k) = get("attention.key_length") {
        put("head_dim", k);
    }
    c.insert("model_type".into(), Value::from(mt));
    c.insert("tie_word_embeddings".into(), Value::from(h.tensor("output.weight").is_none()));
    if h.tensors.iter().any(|t| t.name.ends_with(".attn_q.bias")) {
        c.insert("attention_bias".into(), Value::from(true));
    }
    Arch::from_config_value(&Value::Object(c)).map_err(|e| format!("the GGUF metadata does not describe a model: {e}"))
}

/// The format of a GGUF file: its `general.file_type`, else its most common quantised type.
fn gguf_format(h: &GgufHeader) -> Option<WeightFormat> {
    if let Some(f) = h.get_u64("general.file_type").and_then(gguf_file_type) {
        return WeightFormat::parse(f, false).ok();
    }
    let by = h.bytes_by_type();
    let (t, _, _) = by.iter().filter(|(t, _, _)| !matches!(t, GgmlType::F32)).max_by_key(|(_, _, b)| *b)?;
    let name = match t {
        GgmlType::F16 => "fp16",
        GgmlType::BF16 => "bf16",
        GgmlType::Q8_0 => "q8_0",
        GgmlType::Q6_K => "q6_k",
        GgmlType::Q5_K => "q5_k_m",
        GgmlType::Q4_K => "q4_k_m",
        GgmlType::Q4_0 => "q4_0",
        GgmlType::Q3_K => "q3_k_m",
        GgmlType::Q2_K => "q2_k",
        GgmlType::IQ4_XS => "iq4_xs",
        GgmlType::MXFP4 => "mxfp4",
        _ => return None,
    };
    WeightFormat::parse(name, false).ok()
}

/// A (merged) GGUF header → the model, exact bytes and format.
pub fn model_from_gguf(h: &GgufHeader) -> Result<FileModel, String> {
    Ok(FileModel { arch: arch_from_gguf(h)?, format: gguf_format(h), weight_bytes: h.total_tensor_bytes() })
}

/// The format of a safetensors checkpoint: the quantisation its tensors or its config declare,
/// else the dtype holding most bytes.
pub fn safetensors_format(headers: &[SafetensorsHeader], config: &Value) -> Option<WeightFormat> {
    use crate::safetensors as st;
    let hint = headers.iter().find_map(|h| h.quantization_hint());
    let qc = config.get("quantization_config").or_else(|| config.get("text_config").and_then(|t| t.get("quantization_config")));
    let method = qc.and_then(|q| q.get("quant_method")).and_then(|m| m.as_str()).unwrap_or("");
    let name = match (hint, method) {
        (Some(st::HINT_MXFP4), _) | (_, "mxfp4") => "mxfp4",
        (Some(st::HINT_GPTQ), _) | (_, "gptq") => "gptq",
        (Some(st::HINT_AWQ), _) | (_, "awq") => "awq",
        (Some(st::HINT_NVFP4), _) | (_, "modelopt") => "nvfp4",
        (Some(st::HINT_FP8), _) | (_, "fp8") => "fp8",
        (Some(st::HINT_BITSANDBYTES), _) | (_, "bitsandbytes") => "nf4",
        _ => {
            let mut by: Vec<(Dtype, u64)> = Vec::new();
            for h in headers {
                for (d, _, b) in h.bytes_by_dtype() {
                    match by.iter_mut().find(|x| x.0 == d) {
                        Some(x) => x.1 += b,
                        None => by.push((d, b)),
                    }
                }
            }
            match by.iter().max_by_key(|x| x.1).map(|x| x.0) {
                Some(Dtype::BF16) => "bf16",
                Some(Dtype::F16) => "fp16",
                Some(Dtype::F32) => "fp32",
                Some(_) => return None,
                None => match config.get("torch_dtype").or_else(|| config.get("dtype")).and_then(|d| d.as_str()) {
                    Some("float16") => "fp16",
                    Some("float32") => "fp32",
                    _ => "bf16",
                },
            }
        }
    };
    WeightFormat::parse(name, false).ok()
}

/// A config.json with safetensors headers (or the index's `total_size`) → the model, exact bytes
/// and format.
pub fn model_from_safetensors(config_json: &str, headers: &[SafetensorsHeader], index: Option<&SafetensorsIndex>) -> Result<FileModel, String> {
    let value: Value = gpuplan_core::json::parse(config_json).map_err(|e| format!("config.json: {e}"))?;
    let arch = Arch::from_config_value(&value).map_err(|e| format!("{e}"))?;
    let weight_bytes = if !headers.is_empty() {
        headers.iter().map(SafetensorsHeader::total_bytes).fold(0u64, u64::saturating_add)
    } else {
        index.and_then(|i| i.total_size).ok_or("model.safetensors.index.json has no metadata.total_size and no shard header was read")?
    };
    Ok(FileModel { arch, format: safetensors_format(headers, &value), weight_bytes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::builder::GgufBuilder;
    use crate::parse_gguf;
    use gpuplan_core::formats::{self, GgufType};
    use gpuplan_core::model::{Role, NO_LAYER};

    fn config(name: &str) -> String {
        std::fs::read_to_string(format!("{}/../../data/calibration/configs/{name}.json", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// The llama.cpp tensor name of one of the core's tensors (`n` numbers the 1-D ones).
    fn gguf_name(role: Role, layer: u32, n: usize) -> String {
        let base = match role {
            Role::Embed => return "token_embd.weight".into(),
            Role::Head => return "output.weight".into(),
            Role::Vector if layer == NO_LAYER => return "output_norm.weight".into(),
            Role::AttnQ => "attn_q.weight".into(),
            Role::AttnK => "attn_k.weight".into(),
            Role::AttnV => "attn_v.weight".into(),
            Role::AttnO => "attn_output.weight".into(),
            Role::MlpGate => "ffn_gate.weight".into(),
            Role::MlpUp => "ffn_up.weight".into(),
            Role::MlpDown => "ffn_down.weight".into(),
            _ => format!("vec{n}.weight"),
        };
        format!("blk.{layer}.{base}")
    }

    fn ggml(t: formats::GgmlType) -> GgmlType {
        use formats::GgmlType as C;
        match t {
            C::F32 => GgmlType::F32,
            C::F16 => GgmlType::F16,
            C::Q8_0 => GgmlType::Q8_0,
            C::Q6K => GgmlType::Q6_K,
            C::Q5K => GgmlType::Q5_K,
            C::Q5_0 => GgmlType::Q5_0,
            C::Q5_1 => GgmlType::Q5_1,
            C::Q4K => GgmlType::Q4_K,
            C::Q4_0 => GgmlType::Q4_0,
            C::Iq4Nl => GgmlType::IQ4_NL,
            C::Iq4Xs => GgmlType::IQ4_XS,
            C::Q3K => GgmlType::Q3_K,
            C::Q2K => GgmlType::Q2_K,
            C::Mxfp4 => GgmlType::MXFP4,
        }
    }

    /// A GGUF header as llama.cpp writes a dense model's Q4_K_M: its metadata, and each tensor
    /// with the type llama.cpp's rules give it.
    fn q4_k_m_header(cfg: &str) -> (Vec<u8>, Arch) {
        let arch = Arch::from_config_json(cfg).unwrap();
        let tensors = arch.tensors();
        let name = if arch.model_type == "qwen2" { "qwen2" } else { "llama" };
        let mut b = GgufBuilder::new(3)
            .meta_str("general.architecture", name)
            .meta_u32("general.file_type", 15)
            .meta_u32(&format!("{name}.block_count"), arch.layers as u32)
            .meta_u32(&format!("{name}.embedding_length"), arch.hidden as u32)
            .meta_u32(&format!("{name}.attention.head_count"), arch.heads as u32)
            .meta_u32(&format!("{name}.attention.head_count_kv"), arch.kv_heads as u32)
            .meta_u32(&format!("{name}.feed_forward_length"), arch.intermediate as u32)
            .meta_u32(&format!("{name}.vocab_size"), arch.vocab as u32);
        let ctx = LayersOf(arch.layers);
        for (n, t) in tensors.iter().enumerate() {
            let ty = ggml(formats::gguf_type(&arch, t, GgufType::Q4KM, &ctx));
            for k in 0..t.count.max(1) {
                let dims: Vec<u64> = if t.inp <= 1 || t.out <= 1 { vec![t.inp.max(t.out)] } else { vec![t.inp, t.out] };
                b = b.tensor(&format!("{}{}", gguf_name(t.role, t.layer, n), if k > 0 { format!(".{k}") } else { String::new() }), ty, &dims);
            }
        }
        (b.build_header(), arch)
    }

    struct LayersOf(u64);
    impl formats::LayerCount for LayersOf {
        fn layers(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn gguf_headers_of_known_models_give_their_exact_shape_and_bytes() {
        for name in ["llama-3.2-1b", "llama-3.1-8b", "qwen2.5-0.5b", "qwen2.5-7b"] {
            let cfg = config(name);
            let (bytes, arch) = q4_k_m_header(&cfg);
            let h = parse_gguf(&bytes).unwrap();
            let m = model_from_gguf(&h).unwrap();
            assert_eq!(m.arch.param_counts(), arch.param_counts(), "{name}");
            assert_eq!(m.format, Some(WeightFormat::parse("q4_k_m", false).unwrap()));
            let formula = formats::weight_bytes(&arch, &arch.tensors(), m.format.unwrap());
            assert_eq!(m.weight_bytes, formula, "{name}: header bytes = formula bytes");
        }
    }

    #[test]
    fn hostile_metadata_gives_messages() {
        let h = parse_gguf(&GgufBuilder::new(3).meta_str("general.architecture", "llama").build_header()).unwrap();
        assert!(model_from_gguf(&h).unwrap_err().contains("llama."));
        let h = parse_gguf(&GgufBuilder::new(3).meta_str("general.architecture", "rwkv9").build_header()).unwrap();
        assert!(model_from_gguf(&h).unwrap_err().contains("not supported"));
        let h = parse_gguf(&GgufBuilder::new(3).build_header()).unwrap();
        assert!(model_from_gguf(&h).unwrap_err().contains("general.architecture"));
        let h = parse_gguf(
            &GgufBuilder::new(3)
                .meta_str("general.architecture", "llama")
                .meta_u32("llama.block_count", u32::MAX)
                .meta_u32("llama.embedding_length", u32::MAX)
                .meta_u32("llama.attention.head_count", 0)
                .meta_u32("llama.feed_forward_length", 1)
                .meta_u32("llama.vocab_size", 1)
                .build_header(),
        )
        .unwrap();
        assert!(model_from_gguf(&h).is_err());
    }

    #[test]
    fn safetensors_with_a_config() {
        use crate::safetensors::builder::SafetensorsBuilder;
        let cfg = config("qwen2.5-0.5b");
        let st = SafetensorsBuilder::new().tensor("model.embed_tokens.weight", Dtype::BF16, &[151936, 896]).build_header();
        let h = crate::parse_safetensors(&st).unwrap();
        let m = model_from_safetensors(&cfg, &[h], None).unwrap();
        assert_eq!(m.weight_bytes, 151936 * 896 * 2);
        assert_eq!(m.format, Some(WeightFormat::Bf16));
        assert!(model_from_safetensors("{", &[], None).unwrap_err().contains("config.json"));
        assert!(model_from_safetensors(&cfg, &[], None).is_err());
    }
}
