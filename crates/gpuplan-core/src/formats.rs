//! Weight and KV-cache formats: the bytes a real checkpoint or runtime uses, tensor by tensor,
//! including the tensors that stay in higher precision.
//!
//! Sources (memory-model.md §2): bitsandbytes `functional.py` (`quantize_4bit`, blocksize 64,
//! double quant of absmax with blocksize 256), vLLM `quantization/gptq.py` and AutoAWQ
//! `WQLinear_GEMM` layouts, DeepSeek-V3 `README_WEIGHTS.md` (FP8 128×128 block scales),
//! llama.cpp `ggml/src/ggml-common.h` (block structs) and `src/llama-quant.cpp`
//! (`llama_tensor_get_type`: which tensor gets which type in each file type).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::InputError;
use crate::model::{Arch, Role, Tensor, NO_LAYER};

/// A llama.cpp block type: `block_elems` weights stored in `block_bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GgmlType {
    F32,
    F16,
    Q8_0,
    Q6K,
    Q5K,
    Q5_0,
    Q5_1,
    Q4K,
    Q4_0,
    Iq4Nl,
    Iq4Xs,
    Q3K,
    Q2K,
    Mxfp4,
}

impl GgmlType {
    /// (elements per block, bytes per block) — `ggml-common.h` block structs.
    pub const fn block(self) -> (u64, u64) {
        match self {
            GgmlType::F32 => (1, 4),
            GgmlType::F16 => (1, 2),
            GgmlType::Q8_0 => (32, 34),
            GgmlType::Q6K => (256, 210),
            GgmlType::Q5K => (256, 176),
            GgmlType::Q5_0 => (32, 22),
            GgmlType::Q5_1 => (32, 24),
            GgmlType::Q4K => (256, 144),
            GgmlType::Q4_0 => (32, 18),
            GgmlType::Iq4Nl => (32, 18),
            GgmlType::Iq4Xs => (256, 136),
            GgmlType::Q3K => (256, 110),
            GgmlType::Q2K => (256, 84),
            GgmlType::Mxfp4 => (32, 17),
        }
    }

    /// llama.cpp `convert_incompatible_tensor` fallback when a row is not a whole number of
    /// blocks: K-quants fall back to 32-element types, then to F16.
    fn fallback(self, row: u64) -> GgmlType {
        if row.is_multiple_of(self.block().0) {
            return self;
        }
        let alt = match self {
            GgmlType::Q2K | GgmlType::Q3K | GgmlType::Iq4Xs => GgmlType::Iq4Nl,
            GgmlType::Q4K => GgmlType::Q5_0,
            GgmlType::Q5K => GgmlType::Q5_1,
            GgmlType::Q6K => GgmlType::Q8_0,
            _ => GgmlType::F16,
        };
        if row.is_multiple_of(alt.block().0) {
            alt
        } else {
            GgmlType::F16
        }
    }

    pub fn bytes(self, rows: u64, row_len: u64) -> u64 {
        let (be, bb) = self.block();
        rows * row_len.div_ceil(be) * bb
    }
}

/// A GGUF file type (`llama-quantize` preset): a mixture of block types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GgufType {
    Q8_0,
    Q6K,
    Q5KM,
    Q5KS,
    Q4KM,
    Q4KS,
    Q4_0,
    Q3KM,
    Q3KS,
    Q2K,
    Iq4Xs,
}

/// How weights are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightFormat {
    Fp32,
    Fp16,
    Bf16,
    /// FP8 E4M3 with one fp32 scale per 128×128 block (DeepSeek-V3 / block-wise FP8).
    Fp8,
    /// bitsandbytes LLM.int8: int8 + fp32 row scale.
    Int8,
    /// bitsandbytes NF4, blocksize 64, with or without double quantization.
    Nf4 { double_quant: bool },
    /// GPTQ int4 with `group` (0 = one group per row).
    Gptq { group: u32 },
    /// AWQ int4 GEMM layout with `group`.
    Awq { group: u32 },
    /// OCP MXFP4: 4-bit + one E8M0 scale per 32 (gpt-oss: experts only).
    Mxfp4,
    /// NVIDIA NVFP4: 4-bit + one FP8 scale per 16 + one fp32 per tensor.
    Nvfp4,
    Gguf(GgufType),
}

/// Every named format, in the order charts show them (most to least bytes).
pub const ALL_FORMATS: [WeightFormat; 21] = [
    WeightFormat::Fp32,
    WeightFormat::Bf16,
    WeightFormat::Fp16,
    WeightFormat::Gguf(GgufType::Q8_0),
    WeightFormat::Int8,
    WeightFormat::Fp8,
    WeightFormat::Gguf(GgufType::Q6K),
    WeightFormat::Gguf(GgufType::Q5KM),
    WeightFormat::Gguf(GgufType::Q5KS),
    WeightFormat::Gguf(GgufType::Q4KM),
    WeightFormat::Gguf(GgufType::Q4KS),
    WeightFormat::Nf4 { double_quant: false },
    WeightFormat::Nvfp4,
    WeightFormat::Gguf(GgufType::Q4_0),
    WeightFormat::Gptq { group: 128 },
    WeightFormat::Awq { group: 128 },
    WeightFormat::Mxfp4,
    WeightFormat::Gguf(GgufType::Iq4Xs),
    WeightFormat::Gguf(GgufType::Q3KM),
    WeightFormat::Gguf(GgufType::Q3KS),
    WeightFormat::Gguf(GgufType::Q2K),
];

impl WeightFormat {
    /// Parses the CLI/URL name (lower case). `double_quant` applies to nf4.
    pub fn parse(name: &str, double_quant: bool) -> Result<WeightFormat, InputError> {
        let f = match name {
            "fp32" | "f32" => WeightFormat::Fp32,
            "fp16" | "f16" => WeightFormat::Fp16,
            "bf16" => WeightFormat::Bf16,
            "fp8" => WeightFormat::Fp8,
            "int8" => WeightFormat::Int8,
            "nf4" => WeightFormat::Nf4 { double_quant },
            "nf4-dq" => WeightFormat::Nf4 { double_quant: true },
            "gptq" | "gptq-g128" => WeightFormat::Gptq { group: 128 },
            "gptq-g64" => WeightFormat::Gptq { group: 64 },
            "gptq-g32" => WeightFormat::Gptq { group: 32 },
            "awq" | "awq-g128" => WeightFormat::Awq { group: 128 },
            "awq-g64" => WeightFormat::Awq { group: 64 },
            "mxfp4" => WeightFormat::Mxfp4,
            "nvfp4" => WeightFormat::Nvfp4,
            "q8_0" => WeightFormat::Gguf(GgufType::Q8_0),
            "q6_k" => WeightFormat::Gguf(GgufType::Q6K),
            "q5_k_m" => WeightFormat::Gguf(GgufType::Q5KM),
            "q5_k_s" => WeightFormat::Gguf(GgufType::Q5KS),
            "q4_k_m" => WeightFormat::Gguf(GgufType::Q4KM),
            "q4_k_s" => WeightFormat::Gguf(GgufType::Q4KS),
            "q4_0" => WeightFormat::Gguf(GgufType::Q4_0),
            "q3_k_m" => WeightFormat::Gguf(GgufType::Q3KM),
            "q3_k_s" => WeightFormat::Gguf(GgufType::Q3KS),
            "q2_k" => WeightFormat::Gguf(GgufType::Q2K),
            "iq4_xs" => WeightFormat::Gguf(GgufType::Iq4Xs),
            _ => {
                return Err(InputError::new(
                    "--weights",
                    alloc::format!("\"{name}\" is not a known format; allowed: {}", Self::NAMES),
                ))
            }
        };
        Ok(f)
    }

    pub const NAMES: &'static str = "fp32, fp16, bf16, fp8, int8, nf4, gptq, gptq-g64, gptq-g32, awq, mxfp4, nvfp4, q8_0, q6_k, q5_k_m, q5_k_s, q4_k_m, q4_k_s, q4_0, q3_k_m, q3_k_s, q2_k, iq4_xs";

    /// The canonical name (`parse(name())` round-trips, nf4 double quant aside).
    pub fn name(self) -> &'static str {
        match self {
            WeightFormat::Fp32 => "fp32",
            WeightFormat::Fp16 => "fp16",
            WeightFormat::Bf16 => "bf16",
            WeightFormat::Fp8 => "fp8",
            WeightFormat::Int8 => "int8",
            WeightFormat::Nf4 { double_quant: false } => "nf4",
            WeightFormat::Nf4 { double_quant: true } => "nf4-dq",
            WeightFormat::Gptq { group: 64 } => "gptq-g64",
            WeightFormat::Gptq { group: 32 } => "gptq-g32",
            WeightFormat::Gptq { .. } => "gptq",
            WeightFormat::Awq { group: 64 } => "awq-g64",
            WeightFormat::Awq { .. } => "awq",
            WeightFormat::Mxfp4 => "mxfp4",
            WeightFormat::Nvfp4 => "nvfp4",
            WeightFormat::Gguf(g) => match g {
                GgufType::Q8_0 => "q8_0",
                GgufType::Q6K => "q6_k",
                GgufType::Q5KM => "q5_k_m",
                GgufType::Q5KS => "q5_k_s",
                GgufType::Q4KM => "q4_k_m",
                GgufType::Q4KS => "q4_k_s",
                GgufType::Q4_0 => "q4_0",
                GgufType::Q3KM => "q3_k_m",
                GgufType::Q3KS => "q3_k_s",
                GgufType::Q2K => "q2_k",
                GgufType::Iq4Xs => "iq4_xs",
            },
        }
    }

    /// Bytes of one element of the activations/compute dtype this format runs with.
    pub fn activation_bytes(self) -> u64 {
        match self {
            WeightFormat::Fp32 => 4,
            _ => 2,
        }
    }

    /// The precision the card must support natively for this format to be fast
    /// (see catalog precision support).
    pub fn compute_precision(self) -> &'static str {
        match self {
            WeightFormat::Fp32 => "fp32",
            WeightFormat::Fp16 => "fp16",
            WeightFormat::Fp8 => "fp8",
            WeightFormat::Int8 => "int8",
            WeightFormat::Nvfp4 => "nvfp4",
            WeightFormat::Mxfp4 => "mxfp4",
            WeightFormat::Nf4 { .. } | WeightFormat::Gptq { .. } | WeightFormat::Awq { .. } => "int4",
            WeightFormat::Bf16 | WeightFormat::Gguf(_) => "bf16",
        }
    }

    pub fn is_bitsandbytes(self) -> bool {
        matches!(self, WeightFormat::Int8 | WeightFormat::Nf4 { .. })
    }
}

impl GgufType {
    /// The variant's Rust name (`"Q4KM"`), as the plan's JSON `format` spells it.
    pub fn variant_name(self) -> &'static str {
        match self {
            GgufType::Q8_0 => "Q8_0",
            GgufType::Q6K => "Q6K",
            GgufType::Q5KM => "Q5KM",
            GgufType::Q5KS => "Q5KS",
            GgufType::Q4KM => "Q4KM",
            GgufType::Q4KS => "Q4KS",
            GgufType::Q4_0 => "Q4_0",
            GgufType::Q3KM => "Q3KM",
            GgufType::Q3KS => "Q3KS",
            GgufType::Q2K => "Q2K",
            GgufType::Iq4Xs => "Iq4Xs",
        }
    }
}

impl WeightFormat {
    /// The format as the plan's JSON `format` field writes it: the variant's name as a string
    /// (`"Bf16"`), or an object of one key for a variant with data (`{"Nf4":{"double_quant":true}}`,
    /// `{"Gptq":{"group":128}}`, `{"Gguf":"Q4KM"}`). `format_name` beside it is the CLI's name.
    pub fn to_json(self) -> crate::json::Value {
        use crate::json::object;
        match self {
            WeightFormat::Fp32 => "Fp32".into(),
            WeightFormat::Fp16 => "Fp16".into(),
            WeightFormat::Bf16 => "Bf16".into(),
            WeightFormat::Fp8 => "Fp8".into(),
            WeightFormat::Int8 => "Int8".into(),
            WeightFormat::Mxfp4 => "Mxfp4".into(),
            WeightFormat::Nvfp4 => "Nvfp4".into(),
            WeightFormat::Nf4 { double_quant } => object([("Nf4", object([("double_quant", double_quant.into())]))]),
            WeightFormat::Gptq { group } => object([("Gptq", object([("group", group.into())]))]),
            WeightFormat::Awq { group } => object([("Awq", object([("group", group.into())]))]),
            WeightFormat::Gguf(g) => object([("Gguf", g.variant_name().into())]),
        }
    }
}

impl fmt::Display for WeightFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Bytes of one tensor of `count × out × inp` in `format`, given its role in `arch`.
fn tensor_bytes(arch: &Arch, t: &Tensor, format: WeightFormat, ctx: &GgufCounters) -> u64 {
    let n = t.elems();
    let high = 2 * n; // tensors left in bf16/fp16 by the format
    let per = match format {
        WeightFormat::Fp32 => 4 * n,
        WeightFormat::Fp16 | WeightFormat::Bf16 => 2 * n,
        // llama.cpp keeps norms, biases and sinks in F32 (`llama_tensor_get_type` quantizes 2-D
        // weights only); checkpoints keep them in their 16-bit dtype.
        WeightFormat::Gguf(_) if t.role == Role::Vector => 4 * n,
        _ if t.role == Role::Vector => 2 * n,
        WeightFormat::Fp8 => {
            if t.role.is_layer_linear() {
                n + t.out.div_ceil(128) * t.inp.div_ceil(128) * 4
            } else {
                high
            }
        }
        WeightFormat::Int8 => {
            if t.role.is_layer_linear() {
                n + t.out * 4
            } else {
                high
            }
        }
        WeightFormat::Nf4 { double_quant } => {
            if t.role.is_layer_linear() {
                let blocks = n.div_ceil(64);
                if double_quant {
                    // uint8 absmax + one fp32 per 256 absmax + fp32 offset.
                    n.div_ceil(2) + blocks + blocks.div_ceil(256) * 4 + 4
                } else {
                    n.div_ceil(2) + blocks * 4
                }
            } else {
                high
            }
        }
        WeightFormat::Gptq { group } => {
            if t.role.is_layer_linear() {
                let groups = if group == 0 { 1 } else { t.inp.div_ceil(group as u64) };
                n / 2 + groups * t.out / 2 + groups * t.out * 2 + t.inp * 4
            } else {
                high
            }
        }
        WeightFormat::Awq { group } => {
            if t.role.is_layer_linear() {
                let groups = if group == 0 { 1 } else { t.inp.div_ceil(group as u64) };
                n / 2 + groups * t.out / 2 + groups * t.out * 2
            } else {
                high
            }
        }
        WeightFormat::Mxfp4 | WeightFormat::Nvfp4 => {
            // gpt-oss / ModelOpt checkpoints: MoE models quantize only the experts; dense models
            // quantize the layer linears; embeddings, head, router, norms stay BF16.
            let quantized = if arch.moe.is_some() { t.role.is_expert() } else { t.role.is_layer_linear() };
            if !quantized {
                high
            } else if format == WeightFormat::Mxfp4 {
                t.out * t.inp.div_ceil(32) * 17
            } else {
                t.out * t.inp.div_ceil(16) * 9 + 4
            }
        }
        WeightFormat::Gguf(g) => gguf_type(arch, t, g, ctx).bytes(t.out, t.inp),
    };
    per * t.count
}

/// Layer counters llama.cpp keeps while it walks the tensors (`i_attention_wv`, `i_ffn_down`).
struct GgufCounters {
    n_layer: u64,
}

/// llama.cpp's `use_more_bits(i_layer, n_layers)`.
fn use_more_bits(i: u64, n: u64) -> bool {
    i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2
}

/// The block type llama.cpp gives tensor `t` in file type `g` (`llama_tensor_get_type` in
/// `src/llama-quant.cpp`, rules for Llama-like models; memory-model.md §2.4).
pub fn gguf_type(arch: &Arch, t: &Tensor, g: GgufType, ctx_or_layers: &impl LayerCount) -> GgmlType {
    use GgmlType::*;
    if t.role == Role::Vector || t.role == Role::Router {
        return F32;
    }
    let n_layer = ctx_or_layers.layers();
    let i = if t.layer == NO_LAYER { 0 } else { t.layer as u64 };
    let n_gqa = arch.heads / arch.kv_heads.max(1);
    let n_expert = arch.moe.map_or(0, |m| m.experts);
    let is_70b = arch.layers == 80 && matches!(arch.family, crate::model::Family::Llama | crate::model::Family::Custom);
    let base = match g {
        GgufType::Q8_0 => Q8_0,
        GgufType::Q6K => Q6K,
        GgufType::Q5KM | GgufType::Q5KS => Q5K,
        GgufType::Q4KM | GgufType::Q4KS => Q4K,
        GgufType::Q4_0 => Q4_0,
        GgufType::Q3KM | GgufType::Q3KS => Q3K,
        GgufType::Q2K => Q2K,
        GgufType::Iq4Xs => Iq4Xs,
    };
    let is_output = t.role == Role::Head || (t.role == Role::Embed && arch.tied_embeddings);
    let ty = if is_output {
        if base == Q8_0 {
            Q8_0
        } else {
            Q6K
        }
    } else {
        match t.role {
            Role::Embed => base,
            Role::AttnV => {
                let mut ty = match g {
                    GgufType::Q2K => {
                        if n_gqa >= 4 {
                            Q4K
                        } else {
                            Q3K
                        }
                    }
                    GgufType::Q3KM => {
                        if i < 2 {
                            Q5K
                        } else {
                            Q4K
                        }
                    }
                    GgufType::Iq4Xs if n_gqa >= 4 => Q5K,
                    GgufType::Q4KM | GgufType::Q5KM if use_more_bits(i, n_layer) => Q6K,
                    GgufType::Q4KS if i < 4 => Q5K,
                    _ => base,
                };
                if is_70b && (ty == Q3K || ty == Q4K) {
                    ty = Q5K;
                }
                if n_expert == 8 {
                    ty = Q8_0;
                }
                ty
            }
            Role::AttnK if n_expert == 8 => Q8_0,
            Role::MlpDown | Role::ExpertDown => match g {
                GgufType::Q2K => Q3K,
                GgufType::Q3KM => {
                    if i < n_layer / 16 {
                        Q5K
                    } else {
                        Q4K
                    }
                }
                GgufType::Q4KM | GgufType::Q5KM if use_more_bits(i, n_layer) => Q6K,
                GgufType::Q4KS if i < n_layer / 8 => Q5K,
                GgufType::Iq4Xs if i < n_layer / 8 => Q5K,
                _ => base,
            },
            Role::AttnO => {
                if n_expert == 8 {
                    match g {
                        GgufType::Q2K | GgufType::Q3KS | GgufType::Q3KM | GgufType::Q4KS | GgufType::Q4KM | GgufType::Iq4Xs => {
                            Q5K
                        }
                        _ => base,
                    }
                } else {
                    match g {
                        GgufType::Q2K => Q3K,
                        GgufType::Q3KM => Q4K,
                        _ => base,
                    }
                }
            }
            _ => base,
        }
    };
    ty.fallback(t.inp)
}

/// Anything that knows the layer count llama.cpp's rules see.
pub trait LayerCount {
    fn layers(&self) -> u64;
}
impl LayerCount for GgufCounters {
    fn layers(&self) -> u64 {
        self.n_layer
    }
}

/// Weight bytes of a whole model in a format: Σ per-tensor bytes (memory-model.md §11 step 3).
pub fn weight_bytes(arch: &Arch, tensors: &[Tensor], format: WeightFormat) -> u64 {
    let ctx = GgufCounters { n_layer: arch.layers };
    tensors.iter().map(|t| tensor_bytes(arch, t, format, &ctx)).sum()
}

/// Weight bytes split into (layer-resident, embedding/head/final-norm) parts, for pipeline and
/// offload splits.
pub fn weight_bytes_split(arch: &Arch, tensors: &[Tensor], format: WeightFormat) -> (u64, u64) {
    let ctx = GgufCounters { n_layer: arch.layers };
    let mut layers = 0;
    let mut outside = 0;
    for t in tensors {
        let b = tensor_bytes(arch, t, format, &ctx);
        if t.layer == NO_LAYER {
            outside += b;
        } else {
            layers += b;
        }
    }
    (layers, outside)
}

/// Bytes of each tensor of `tensors` in `format`, in order (llama.cpp's per-device buffers).
pub fn tensor_bytes_each(arch: &Arch, tensors: &[Tensor], format: WeightFormat) -> Vec<u64> {
    let ctx = GgufCounters { n_layer: arch.layers };
    tensors.iter().map(|t| tensor_bytes(arch, t, format, &ctx)).collect()
}

/// Bytes of routed-expert weights (read only partly per decode step).
pub fn expert_bytes(arch: &Arch, tensors: &[Tensor], format: WeightFormat) -> u64 {
    let ctx = GgufCounters { n_layer: arch.layers };
    tensors.iter().filter(|t| t.role.is_expert()).map(|t| tensor_bytes(arch, t, format, &ctx)).sum()
}

/// A per-type histogram of a GGUF mix: (block type name, elements, bytes).
pub fn gguf_mix(arch: &Arch, tensors: &[Tensor], g: GgufType) -> Vec<(String, u64, u64)> {
    let ctx = GgufCounters { n_layer: arch.layers };
    let mut out: Vec<(String, u64, u64)> = Vec::new();
    for t in tensors {
        let ty = gguf_type(arch, t, g, &ctx);
        let name = alloc::format!("{ty:?}");
        let bytes = ty.bytes(t.out, t.inp) * t.count;
        match out.iter_mut().find(|(n, _, _)| *n == name) {
            Some(e) => {
                e.1 += t.total_elems();
                e.2 += bytes;
            }
            None => out.push((name, t.total_elems(), bytes)),
        }
    }
    out
}

/// KV-cache element formats. Sources: vLLM `kv_cache_interface.py`, llama.cpp `ggml-common.h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvFormat {
    Fp32,
    Fp16,
    Bf16,
    Fp8,
    Q8_0,
    Q4_0,
}

impl KvFormat {
    pub const NAMES: &'static str = "fp16, bf16, fp8, q8_0, q4_0, fp32";

    pub fn parse(name: &str) -> Result<KvFormat, InputError> {
        Ok(match name {
            "fp32" | "f32" => KvFormat::Fp32,
            "fp16" | "f16" => KvFormat::Fp16,
            "bf16" => KvFormat::Bf16,
            "fp8" | "fp8_e4m3" | "fp8_e5m2" => KvFormat::Fp8,
            "q8_0" => KvFormat::Q8_0,
            "q4_0" => KvFormat::Q4_0,
            _ => {
                return Err(InputError::new(
                    "--kv-cache",
                    alloc::format!("\"{name}\" is not a known KV format; allowed: {}", Self::NAMES),
                ))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            KvFormat::Fp32 => "fp32",
            KvFormat::Fp16 => "fp16",
            KvFormat::Bf16 => "bf16",
            KvFormat::Fp8 => "fp8",
            KvFormat::Q8_0 => "q8_0",
            KvFormat::Q4_0 => "q4_0",
        }
    }

    /// Bytes for `elems` elements (block formats round each row of `row` elements up).
    pub fn bytes(self, elems: u64) -> u64 {
        match self {
            KvFormat::Fp32 => 4 * elems,
            KvFormat::Fp16 | KvFormat::Bf16 => 2 * elems,
            KvFormat::Fp8 => elems,
            KvFormat::Q8_0 => elems.div_ceil(32) * 34,
            KvFormat::Q4_0 => elems.div_ceil(32) * 18,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    extern crate std;

    fn llama(layers: u64, hidden: u64, heads: u64, kv: u64, inter: u64, vocab: u64, tied: bool) -> Arch {
        crate::model::ManualModel {
            layers,
            hidden,
            heads,
            kv_heads: kv,
            head_dim: 0,
            intermediate: inter,
            vocab,
            tied_embeddings: tied,
            experts: 0,
            experts_per_token: 0,
            expert_intermediate: 0,
        }
        .to_arch()
        .unwrap()
    }

    fn gib(b: u64) -> f64 {
        b as f64 / (1u64 << 30) as f64
    }

    #[test]
    fn gguf_llama31_8b_matches_llama_cpp_table() {
        // llama.cpp tools/quantize/README.md (Llama-3.1-8B): bits per weight to 4 decimals.
        let a = llama(32, 4096, 32, 8, 14336, 128256, false);
        let t = a.tensors();
        let (params, _) = a.param_counts();
        for (g, bpw) in [
            (GgufType::Q2K, 3.1593),
            (GgufType::Q3KS, 3.6429),
            (GgufType::Q4KS, 4.6672),
            (GgufType::Q4KM, 4.8944),
            (GgufType::Q5KS, 5.5704),
            (GgufType::Q5KM, 5.7036),
            (GgufType::Q6K, 6.5633),
            (GgufType::Q8_0, 8.5008),
            (GgufType::Iq4Xs, 4.4597),
        ] {
            let bytes = weight_bytes(&a, &t, WeightFormat::Gguf(g));
            let got = bytes as f64 * 8.0 / params as f64;
            assert!((got - bpw).abs() < 0.0006, "{g:?}: {got:.4} vs {bpw}");
        }
        assert!((gib(weight_bytes(&a, &t, WeightFormat::Gguf(GgufType::Q4KM))) - 4.58).abs() < 0.01);
    }

    /// Minimal quoted-CSV reader for the reference tables.
    fn csv_rows(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for line in text.lines() {
            let mut row = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' if quoted && chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    '"' => quoted = !quoted,
                    ',' if !quoted => row.push(core::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
            }
            row.push(cur);
            rows.push(row);
        }
        rows
    }

    #[test]
    fn gguf_within_one_percent_of_published_sizes() {
        // Every exact GGUF file-size row of published-sizes.csv for a format we model.
        // Rows marked "approximate" (llama.cpp's rounded Memory/Disk table) are skipped.
        let path = alloc::format!("{}/../../data/reference/published-sizes.csv", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("data/reference/published-sizes.csv");
        let llama8b = llama(32, 4096, 32, 8, 14336, 128256, false);
        let t = llama8b.tensors();
        let mut checked = 0;
        for row in csv_rows(&text).into_iter().skip(1) {
            let (model, format, metric, value, unit, notes) = (&row[0], &row[1], &row[2], &row[3], &row[4], &row[7]);
            if !(model == "Llama-3.1-8B" || model == "Llama-3-8B") || !metric.starts_with("file size") || notes.contains("approximate") {
                continue;
            }
            let Some(name) = format.strip_prefix("GGUF ") else { continue };
            let fmt = if name == "F16" { WeightFormat::Fp16 } else {
                match WeightFormat::parse(&name.to_lowercase(), false) { Ok(f) => f, Err(_) => continue }
            };
            let published: f64 = value.parse().unwrap();
            let scale = if unit.starts_with("GiB") { (1u64 << 30) as f64 } else { 1e9 };
            let got = weight_bytes(&llama8b, &t, fmt) as f64 / scale;
            let err = got / published - 1.0;
            std::println!("{model} {name}: published {published} {unit}, formula {got:.3} ({:+.2} %)", err * 100.0);
            assert!(err.abs() < 0.01, "{model} {name}: {got:.3} vs {published}");
            checked += 1;
        }
        assert!(checked >= 10, "only {checked} GGUF rows checked");
        // Llama-3.1-70B, bartowski model card (GB; memory-model.md §2.4): file = tensors + ~10 MB metadata.
        let llama70b = llama(80, 8192, 64, 8, 28672, 128256, false);
        let t70 = llama70b.tensors();
        for (g, gb) in [(GgufType::Q4KM, 42.52), (GgufType::Q8_0, 74.98), (GgufType::Q2K, 26.38), (GgufType::Iq4Xs, 37.90)] {
            let got = weight_bytes(&llama70b, &t70, WeightFormat::Gguf(g)) as f64 / 1e9;
            assert!((got / gb - 1.0).abs() < 0.01, "70B {g:?}: {got:.2} vs {gb}");
        }
    }

    #[test]
    fn other_published_checkpoint_sizes() {
        // TheBloke Llama-2-7B-Chat GPTQ (GB) and gpt-oss-20b MXFP4 (GiB), published-sizes.csv.
        let llama2 = llama(32, 4096, 32, 32, 11008, 32000, false);
        let t = llama2.tensors();
        for (g, gb) in [(128, 3.90), (64, 4.02), (32, 4.28)] {
            let got = weight_bytes(&llama2, &t, WeightFormat::Gptq { group: g }) as f64 / 1e9;
            assert!((got / gb - 1.0).abs() < 0.01, "GPTQ g{g}: {got:.3} vs {gb}");
        }
        let oss = crate::model::Arch::from_config_json(r#"{"model_type":"gpt_oss","hidden_size":2880,"intermediate_size":2880,"num_hidden_layers":24,
            "num_attention_heads":64,"num_key_value_heads":8,"head_dim":64,"num_local_experts":32,"num_experts_per_tok":4,
            "vocab_size":201088,"sliding_window":128,"tie_word_embeddings":false}"#).unwrap();
        let got = gib(weight_bytes(&oss, &oss.tensors(), WeightFormat::Mxfp4));
        assert!((got / 12.8 - 1.0).abs() < 0.01, "gpt-oss-20b mxfp4 {got:.3} GiB");
    }

    #[test]
    fn bnb_llama32_1b_matches_measured_weights() {
        // calibration: Llama-3.2-1B weights_bytes nf4+dq 1,027,692,544; int8 1,500,059,136 (±0.1 %).
        let a = llama(16, 2048, 32, 8, 8192, 128256, true);
        let t = a.tensors();
        let dq = weight_bytes(&a, &t, WeightFormat::Nf4 { double_quant: true }) as f64;
        assert!((dq / 1_027_692_544.0 - 1.0).abs() < 0.001, "{dq}");
        let i8 = weight_bytes(&a, &t, WeightFormat::Int8) as f64;
        assert!((i8 / 1_500_059_136.0 - 1.0).abs() < 0.001, "{i8}");
    }

    #[test]
    fn four_bit_formats_are_not_half_a_byte() {
        let a = llama(32, 4096, 32, 8, 14336, 128256, false);
        let t = a.tensors();
        let bf16 = weight_bytes(&a, &t, WeightFormat::Bf16);
        for f in [WeightFormat::Gptq { group: 128 }, WeightFormat::Awq { group: 128 }, WeightFormat::Nf4 { double_quant: false }] {
            let b = weight_bytes(&a, &t, f);
            assert!(b > bf16 / 4 + bf16 / 16, "{f}: {b}");
            assert!(b < bf16 / 2, "{f}: {b}");
        }
    }

    #[test]
    fn names_round_trip_and_bad_names_are_named() {
        for f in ALL_FORMATS {
            assert_eq!(WeightFormat::parse(f.name(), false).unwrap(), f);
        }
        assert_eq!(WeightFormat::parse("q4", false).unwrap_err().field, "--weights");
        assert_eq!(KvFormat::parse("int3").unwrap_err().field, "--kv-cache");
    }

    #[test]
    fn k_quants_fall_back_when_rows_are_not_256_wide() {
        // Qwen2.5-0.5B: hidden 896 is not a multiple of 256 → llama.cpp uses Q5_0 for Q4_K rows.
        assert_eq!(GgmlType::Q4K.fallback(896), GgmlType::Q5_0);
        assert_eq!(GgmlType::Q6K.fallback(896), GgmlType::Q8_0);
        assert_eq!(GgmlType::Q4K.fallback(4096), GgmlType::Q4K);
        assert_eq!(GgmlType::Q8_0.fallback(100), GgmlType::F16);
    }

    /// The plan's `format` field: the variant's name, or an object of one key for a variant
    /// with data. Outside checks read this form: the literals pin it.
    #[test]
    fn weight_format_json_names_the_variant() {
        let formats = ALL_FORMATS.iter().copied().chain([WeightFormat::Gptq { group: 0 }, WeightFormat::Awq { group: 64 }, WeightFormat::Nf4 { double_quant: true }]);
        let want = [
            ("fp32", "\"Fp32\""),
            ("bf16", "\"Bf16\""),
            ("fp16", "\"Fp16\""),
            ("q8_0", "{\"Gguf\":\"Q8_0\"}"),
            ("int8", "\"Int8\""),
            ("fp8", "\"Fp8\""),
            ("q6_k", "{\"Gguf\":\"Q6K\"}"),
            ("q5_k_m", "{\"Gguf\":\"Q5KM\"}"),
            ("q5_k_s", "{\"Gguf\":\"Q5KS\"}"),
            ("q4_k_m", "{\"Gguf\":\"Q4KM\"}"),
            ("q4_k_s", "{\"Gguf\":\"Q4KS\"}"),
            ("nf4", "{\"Nf4\":{\"double_quant\":false}}"),
            ("nvfp4", "\"Nvfp4\""),
            ("q4_0", "{\"Gguf\":\"Q4_0\"}"),
            ("gptq", "{\"Gptq\":{\"group\":128}}"),
            ("awq", "{\"Awq\":{\"group\":128}}"),
            ("mxfp4", "\"Mxfp4\""),
            ("iq4_xs", "{\"Gguf\":\"Iq4Xs\"}"),
            ("q3_k_m", "{\"Gguf\":\"Q3KM\"}"),
            ("q3_k_s", "{\"Gguf\":\"Q3KS\"}"),
            ("q2_k", "{\"Gguf\":\"Q2K\"}"),
            ("gptq", "{\"Gptq\":{\"group\":0}}"),
            ("awq-g64", "{\"Awq\":{\"group\":64}}"),
            ("nf4-dq", "{\"Nf4\":{\"double_quant\":true}}"),
        ];
        let got: Vec<(&str, String)> = formats.map(|f| (f.name(), crate::json::to_string(&f.to_json()))).collect();
        assert_eq!(got.len(), want.len());
        for ((name, json), (want_name, want_json)) in got.iter().zip(want) {
            assert_eq!((*name, json.as_str()), (want_name, want_json));
        }
    }
}
