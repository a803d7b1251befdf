//! Model architecture: read a Hugging Face `config.json` (or a manual description) into an
//! [`Arch`], list every weight tensor, and count parameters exactly.
//!
//! Sources: `huggingface/transformers:src/transformers/models/<type>/modeling_<type>.py` for the
//! module shapes; DeepSeek `inference/model.py` for MLA; the gpt-oss model card (arXiv 2508.10925).
//! The formulas are `data/reference/memory-model.md` §1.2–1.4, validated there to 0 parameters
//! against `sum(p.numel())` measured on real models.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloc::{format, vec};
use crate::json::Value;

use crate::error::InputError;

pub mod encoder;
pub mod gemma3n;
pub mod hybrid;
pub mod ssm;
pub mod vision;

/// Which code family the config belongs to; it decides the per-family rules (biases, norms…).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Llama,
    Mistral,
    Mixtral,
    Qwen2,
    Qwen2Moe,
    Qwen3,
    Qwen3Moe,
    Gemma,
    Gemma2,
    Gemma3,
    Phi3,
    DeepseekV2,
    DeepseekV3,
    GptOss,
    /// Qwen3-Next: Gated DeltaNet + gated full attention, Qwen MoE with a shared expert.
    Qwen3Next,
    /// GLM-4.5/4.6/4.7 (`glm4_moe`): DeepSeek-V3-style MoE with GQA attention.
    Glm4Moe,
    /// MiniMax-M2 (`minimax_m2`): GQA, full-width q/k RMSNorm, 256 routed experts.
    MinimaxM2,
    /// Llama 4 (`llama4_text`): interleaved MoE with a shared expert, chunked attention.
    Llama4,
    /// BERT / RoBERTa / XLM-RoBERTa encoders (embedding and reranker models; `model/encoder.rs`).
    Encoder,
    /// Jamba (`jamba`): Mamba-1 and attention layers, MoE every other layer (`model/ssm.rs`).
    Jamba,
    /// Nemotron-H (`nemotron_h`): Mamba-2, attention, MLP and MoE blocks by
    /// `hybrid_override_pattern` (`model/ssm.rs`).
    NemotronH,
    /// Gemma 3n (`gemma3n`, `gemma3n_text`): Gemma 3 layers plus per-layer embeddings, AltUp,
    /// LAuReL and KV sharing across the last layers (`model/gemma3n.rs`).
    Gemma3n,
    /// Typed in by hand: a Llama-style decoder (SwiGLU, RMSNorm, no biases).
    Custom,
}

impl Family {
    pub fn from_model_type(t: &str) -> Option<Family> {
        Some(match t {
            "llama" => Family::Llama,
            "mistral" => Family::Mistral,
            "mixtral" => Family::Mixtral,
            "qwen2" => Family::Qwen2,
            "qwen2_moe" => Family::Qwen2Moe,
            "qwen3" => Family::Qwen3,
            "qwen3_moe" => Family::Qwen3Moe,
            "gemma" => Family::Gemma,
            "gemma2" => Family::Gemma2,
            "gemma3_text" | "gemma3" => Family::Gemma3,
            "gemma3n" | "gemma3n_text" => Family::Gemma3n,
            "phi3" => Family::Phi3,
            "deepseek_v2" => Family::DeepseekV2,
            "deepseek_v3" => Family::DeepseekV3,
            "gpt_oss" => Family::GptOss,
            // Kimi K2 is DeepseekV3ForCausalLM; V3.2 adds the indexer (read from its fields).
            "kimi_k2" | "deepseek_v32" => Family::DeepseekV3,
            // Qwen3.5/3.6 keep Qwen3-Next's hybrid decoder (their text_config model types).
            "qwen3_next" | "qwen3_5" | "qwen3_5_text" | "qwen3_5_moe" | "qwen3_5_moe_text" => Family::Qwen3Next,
            "glm4_moe" => Family::Glm4Moe,
            "minimax_m2" => Family::MinimaxM2,
            "llama4" | "llama4_text" => Family::Llama4,
            "bert" | "roberta" | "xlm-roberta" | "xlm_roberta" => Family::Encoder,
            "jamba" => Family::Jamba,
            "nemotron_h" => Family::NemotronH,
            // Llama 3.2 Vision's text model: Llama layers plus gated cross-attention layers.
            "mllama" | "mllama_text_model" => Family::Llama,
            // The text decoders of the Qwen vision-language checkpoints.
            "qwen2_5_vl" | "qwen2_5_vl_text" => Family::Qwen2,
            "qwen3_vl" | "qwen3_vl_text" => Family::Qwen3,
            "qwen3_vl_moe" | "qwen3_vl_moe_text" => Family::Qwen3Moe,
            _ => return None,
        })
    }

    /// `tie_word_embeddings` when a config.json leaves it out: the default of the family's
    /// transformers config class (a config only stores what differs from its class's default).
    /// `PretrainedConfig` itself defaults to `True`, but each class below sets its own.
    /// Read in huggingface/transformers `src/transformers/models/<type>/configuration_<type>.py`
    /// at commit 008e574 (main, transformers 5.x; the same defaults as the 4.4x `__init__`
    /// signatures):
    /// - untied (`tie_word_embeddings = False`): `LlamaConfig`, `MistralConfig` (commit 001f85b),
    ///   `MixtralConfig`, `Qwen2Config`, `Qwen2MoeConfig`, `Qwen3Config`, `Qwen3MoeConfig`,
    ///   `Phi3Config`, `DeepseekV2Config`, `DeepseekV3Config` (commit 001f85b), `GptOssConfig`
    ///   (commit 02b8f42);
    /// - tied (`True`): `GemmaConfig`, `Gemma2Config`, `Gemma3TextConfig` (commit 008f5c8).
    ///
    /// Custom (typed-in) models carry their own flag and never read a config.
    pub fn ties_embeddings_by_default(self) -> bool {
        match self {
            // BertConfig/XLMRobertaConfig leave PretrainedConfig's True (only the masked-LM head
            // uses it).
            // Gemma3nTextConfig: tie_word_embeddings=True (commit 00aa0f5).
            Family::Gemma | Family::Gemma2 | Family::Gemma3 | Family::Gemma3n | Family::Encoder => true,
            // JambaConfig and NemotronHConfig: tie_word_embeddings=False.
            Family::Jamba | Family::NemotronH => false,
            Family::Llama
            | Family::Mistral
            | Family::Mixtral
            | Family::Qwen2
            | Family::Qwen2Moe
            | Family::Qwen3
            | Family::Qwen3Moe
            | Family::Phi3
            | Family::DeepseekV2
            | Family::DeepseekV3
            | Family::GptOss
            | Family::Qwen3Next
            | Family::Glm4Moe
            | Family::MinimaxM2
            | Family::Llama4
            | Family::Custom => false,
        }
    }

    pub const SUPPORTED: &'static str = "llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, gemma, gemma2, gemma3_text, phi3, deepseek_v2, deepseek_v3, deepseek_v32, kimi_k2, gpt_oss, qwen3_next, glm4_moe, minimax_m2, llama4, qwen2_5_vl, qwen3_vl, qwen3_vl_moe, jamba, nemotron_h, bert, roberta, xlm-roberta, gemma3n, gemma3 and mistral3 (with their vision towers), mllama (any other model_type is read as a Llama-style decoder, with a note)";
}

/// Multi-head latent attention (DeepSeek-V2/V3). Source: DeepSeek-V3 `inference/model.py`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mla {
    /// 0 = plain `q_proj` (DeepSeek-V2-Lite).
    pub q_lora_rank: u64,
    pub kv_lora_rank: u64,
    pub qk_nope_head_dim: u64,
    pub qk_rope_head_dim: u64,
    pub v_head_dim: u64,
}

/// Mixture of experts. Sources: transformers `modeling_mixtral.py`, `modeling_qwen2_moe.py`,
/// DeepSeek-V3 `README_WEIGHTS.md`, gpt-oss model card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moe {
    /// Routed experts per MoE layer (E).
    pub experts: u64,
    /// Experts per token (k).
    pub top_k: u64,
    /// Per-expert MLP width (I_e).
    pub expert_intermediate: u64,
    /// Shared experts per MoE layer (DeepSeek `n_shared_experts`; qwen2_moe: 1).
    pub shared_experts: u64,
    /// Width of each shared expert.
    pub shared_intermediate: u64,
    /// qwen2_moe's `shared_expert_gate` (h → 1).
    pub shared_gate: bool,
    /// Router bias (gpt-oss) or `e_score_correction_bias` (DeepSeek-V3): E extra params.
    pub router_bias: bool,
    /// Expert biases (gpt-oss): 2·I_e + h per expert.
    pub expert_bias: bool,
}

/// What one decoder layer is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayerKind {
    /// Sparse MoE MLP (else the dense MLP of width `intermediate`).
    pub moe: bool,
    /// Sliding-window attention (else full attention).
    pub sliding: bool,
    /// A linear-attention layer (Gated DeltaNet) or a Mamba layer: a fixed state per sequence,
    /// no KV cache.
    pub linear: bool,
    /// A block without token mixer (Nemotron-H's `-` MLP and `E` MoE blocks): no KV cache.
    pub no_mixer: bool,
    /// A block without MLP (Nemotron-H's `M` Mamba and `*` attention blocks).
    pub no_mlp: bool,
    /// A cross-attention layer (Llama 3.2 Vision's `cross_attention_layers`): its keys and values
    /// come from the image states, fixed per image, not from the context.
    pub cross: bool,
    /// Gemma 3n's last `num_kv_shared_layers`: attention over an earlier layer's keys and
    /// values, no KV cache of its own.
    pub kv_shared: bool,
}

impl LayerKind {
    /// Whether the layer keeps a KV cache (an attention layer).
    #[inline(always)]
    pub fn has_kv(&self) -> bool {
        !self.linear && !self.no_mixer && !self.cross && !self.kv_shared
    }
}

/// What the model is run for: generation (a KV cache that grows with the context), or one
/// forward pass per request (embedding and reranker models: no KV cache growth, the output is
/// a pooled vector or a score, not logits over the vocabulary).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Task {
    #[default]
    Generate,
    Embed,
    Score,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Generate => "generate",
            Task::Embed => "embed",
            Task::Score => "score",
        }
    }
    pub fn parse(s: &str) -> Option<Task> {
        [Task::Generate, Task::Embed, Task::Score].into_iter().find(|t| t.name() == s)
    }
}

/// The parts of the architectures of 2025–2026 that older families do not have; all empty
/// (`Ext::default()`) for them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ext {
    /// The linear-attention mixer of the layers marked `linear` (Qwen3-Next).
    pub linear: Option<hybrid::LinearAttn>,
    /// Qwen3-Next gated attention: `q_proj` also yields a per-head output gate (h → 2·n_q·d).
    /// Source: transformers `modeling_qwen3_next.py` `Qwen3NextAttention`.
    pub attn_gate: bool,
    /// MiniMax-M2 `qk_norm_type: "per_layer"`: RMSNorm over all query heads (n_q·d) and all key
    /// heads (n_kv·d) instead of one head's d. Source: MiniMaxAI/MiniMax-M2
    /// `modeling_minimax_m2.py` (`MiniMaxM2Attention.q_norm/k_norm`).
    pub qk_norm_full: bool,
    /// DeepSeek-V3.2 lightning indexer (`index_n_heads`, `index_head_dim`): per layer `wq_b`
    /// (q_lora_rank → n·d), `wk` (h → d), `k_norm` LayerNorm(d, weight and bias),
    /// `weights_proj` (h → n); its key cache holds d elements per token per layer. Source:
    /// deepseek-ai/DeepSeek-V3.2-Exp `inference/model.py` class `Indexer`.
    pub indexer: Option<(u64, u64)>,
    /// Multi-token-prediction layers (`num_nextn_predict_layers`): stored in the checkpoint, not
    /// run by the forward pass (transformers drops them on load); counted by
    /// [`Arch::checkpoint_params`], not by [`Arch::param_counts`].
    pub mtp_layers: u64,
    /// The MTP module stores its own copy of the embedding and the output head (DeepSeek-V3 and
    /// GLM-4.5, whose MTP layer vLLM `glm4_moe_mtp.py` loads with the same names; DeepSeek-V3:
    /// `model.layers.61.embed_tokens`, `shared_head.head`; README_WEIGHTS.md "MTP Modules").
    pub mtp_embed_head: bool,
    /// The vision encoder of a vision-language checkpoint.
    pub vision: Option<vision::Vision>,
    /// What was assumed while reading the config (unknown `model_type`, image size…).
    pub notes: Vec<String>,
    /// Generation, or an embedding / reranker model run once per request.
    pub task: Task,
    /// An encoder's position/token-type embeddings, pooler and head.
    pub encoder: Option<encoder::Encoder>,
    /// The Mamba mixer of the layers marked `linear` (Jamba, Nemotron-H).
    pub ssm: Option<ssm::Ssm>,
    /// The MLP is `down(act(up(x)))` without a gate (BERT's GELU MLP, Nemotron-H's ReLU² MLP
    /// and experts).
    pub mlp_ungated: bool,
    /// The MLP's Linears carry biases (BERT).
    pub mlp_bias: bool,
    /// Embedding rows beyond `vocab` (Llama 3.2 Vision: `nn.Embedding(vocab_size + 8, h)`,
    /// transformers `modeling_mllama.py` `MllamaTextModel`).
    pub extra_embed_rows: u64,
    /// Block-wise FP8 checkpoints (`quantization_config`: `quant_method` "fp8" with
    /// `weight_block_size` [rows, cols]): each FP8 Linear stores beside its weight one fp32
    /// `weight_scale_inv` per block (DeepSeek-V3 `README_WEIGHTS.md` "FP8 Weight Documentation";
    /// transformers `integrations/finegrained_fp8.py` `FP8Linear`: `weight_scale_inv` of shape
    /// ⌈out/rows⌉ × ⌈in/cols⌉, float32). `None` without it, and for `scale_fmt` "ue8m0",
    /// whose scales are stored as 8-bit exponents that the Hub's parameter count does not
    /// include (see [`Arch::fp8_scale_params`]).
    pub fp8_scale_block: Option<(u64, u64)>,
    /// Gemma 3n's per-layer embeddings, AltUp, LAuReL, per-layer MLP widths and towers.
    pub gemma3n: Option<gemma3n::Gemma3n>,
}

/// A decoder-only transformer, as much as memory, speed and cost need.
#[derive(Clone, Debug, PartialEq)]
pub struct Arch {
    pub family: Family,
    pub hidden: u64,
    pub layers: u64,
    pub heads: u64,
    pub kv_heads: u64,
    pub head_dim: u64,
    /// Dense MLP width (used by dense layers).
    pub intermediate: u64,
    pub vocab: u64,
    pub tied_embeddings: bool,
    pub qkv_bias: bool,
    pub o_bias: bool,
    /// Per-head RMSNorm on q and k (Qwen3, Gemma 3): 2·d params per layer.
    pub qk_norm: bool,
    /// Norm weight vectors of width h per layer (2; Gemma 2/3: 4).
    pub norms_per_layer: u64,
    /// gpt-oss attention sinks: one scalar per query head per layer.
    pub attention_sinks: bool,
    /// `final_logit_softcapping` is set (Gemma 2: 30): the logits go through
    /// `tanh(logits / cap) · cap`, and autograd keeps the tanh output for backward.
    pub logit_softcap: bool,
    pub mla: Option<Mla>,
    pub moe: Option<Moe>,
    /// Sliding window in tokens for the layers marked `sliding`.
    pub sliding_window: Option<u64>,
    pub layer_kinds: Vec<LayerKind>,
    /// Longest context the model supports (`max_position_embeddings`), 0 if unknown.
    pub max_context: u64,
    /// Name for display (`model_type` or "custom").
    pub model_type: String,
    /// Newer architectures' parts (empty for the older families).
    pub ext: Ext,
}

/// What a weight tensor does; decides which tensors stay in high precision per format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Embed,
    Head,
    AttnQ,
    AttnK,
    AttnV,
    AttnO,
    /// MLA down/up projections (q_a, q_b, kv_a, kv_b).
    AttnLatent,
    MlpGate,
    MlpUp,
    MlpDown,
    ExpertGate,
    ExpertUp,
    ExpertDown,
    Router,
    /// 1-D: norms, biases, sinks. Never quantized.
    Vector,
}

impl Role {
    pub fn is_expert(self) -> bool {
        matches!(self, Role::ExpertGate | Role::ExpertUp | Role::ExpertDown)
    }
    /// A 2-D matrix inside the decoder layers (what bnb/GPTQ/AWQ/FP8 quantize).
    pub fn is_layer_linear(self) -> bool {
        !matches!(self, Role::Embed | Role::Head | Role::Vector | Role::Router)
    }
    pub fn is_ffn_down(self) -> bool {
        matches!(self, Role::MlpDown | Role::ExpertDown)
    }
}

/// One weight tensor (or `count` identical ones, e.g. the E experts of a layer).
/// A matrix is `out × inp` (PyTorch `nn.Linear.weight` layout); a vector has `out = 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tensor {
    pub role: Role,
    /// Decoder layer index; `u32::MAX` for embedding, head and final norm.
    pub layer: u32,
    pub out: u64,
    pub inp: u64,
    pub count: u64,
}

pub const NO_LAYER: u32 = u32::MAX;

impl Tensor {
    pub fn elems(&self) -> u64 {
        self.out * self.inp
    }
    pub fn total_elems(&self) -> u64 {
        self.out * self.inp * self.count
    }
}

/// One Linear module LoRA can wrap: its transformers module name, whether it is an attention
/// projection, and its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoraModule {
    pub name: &'static str,
    pub attention: bool,
    pub tensor: Tensor,
}

/// PEFT `LoraConfig.target_modules` as `--lora-targets` spells it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LoraTargets {
    /// `"all-linear"`: every Linear of the decoder except the output layer (PEFT's shorthand).
    #[default]
    AllLinear,
    /// The family's attention projections (q/k/v/o, Phi-3 `qkv_proj`, MLA's latent projections).
    Attention,
    /// Module names, matched as PEFT matches `target_modules` entries: the last name component.
    Names(Vec<String>),
}

impl LoraTargets {
    pub const HELP: &'static str = "all-linear, attention, or module names such as q_proj,v_proj";
    pub fn parse(s: &str) -> Result<LoraTargets, InputError> {
        match s.trim() {
            "all-linear" | "all_linear" => Ok(LoraTargets::AllLinear),
            "attention" => Ok(LoraTargets::Attention),
            list => {
                let mut names: Vec<String> = Vec::new();
                for n in list.split(',').map(str::trim) {
                    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                        return Err(InputError::new("--lora-targets", format!("\"{s}\" is not a target list; allowed: {}", Self::HELP)));
                    }
                    if !names.iter().any(|x| x == n) {
                        names.push(n.to_string());
                    }
                }
                Ok(LoraTargets::Names(names))
            }
        }
    }
    pub fn name(&self) -> String {
        match self {
            LoraTargets::AllLinear => "all-linear".to_string(),
            LoraTargets::Attention => "attention".to_string(),
            LoraTargets::Names(n) => n.join(","),
        }
    }
}

/// A model typed in by hand (the web form's "custom" path).
#[derive(Clone, Debug, PartialEq)]
pub struct ManualModel {
    pub layers: u64,
    pub hidden: u64,
    pub heads: u64,
    pub kv_heads: u64,
    /// 0 = hidden / heads.
    pub head_dim: u64,
    pub intermediate: u64,
    pub vocab: u64,
    pub tied_embeddings: bool,
    /// 0 = dense.
    pub experts: u64,
    pub experts_per_token: u64,
    /// 0 = `intermediate`.
    pub expert_intermediate: u64,
}

impl Default for ManualModel {
    fn default() -> Self {
        // Llama-3.1-8B's shape.
        ManualModel {
            layers: 32,
            hidden: 4096,
            heads: 32,
            kv_heads: 8,
            head_dim: 128,
            intermediate: 14336,
            vocab: 128256,
            tied_embeddings: false,
            experts: 0,
            experts_per_token: 0,
            expert_intermediate: 0,
        }
    }
}

// Plausibility limits for inputs: far beyond any real model, small enough that products of
// them cannot overflow u64 (2^64 ≈ 1.8e19; 1e6 × 1e6 × 1e5 = 1e17).
const MAX_HIDDEN: u64 = 1_000_000;
const MAX_LAYERS: u64 = 10_000;
const MAX_HEADS: u64 = 100_000;
const MAX_HEAD_DIM: u64 = 100_000;
const MAX_INTERMEDIATE: u64 = 10_000_000;
const MAX_VOCAB: u64 = 10_000_000;
const MAX_EXPERTS: u64 = 100_000;

impl ManualModel {
    pub fn to_arch(&self) -> Result<Arch, InputError> {
        use crate::error::check_range;
        let layers = check_range("layers", self.layers, 1, MAX_LAYERS)?;
        let hidden = check_range("hidden", self.hidden, 1, MAX_HIDDEN)?;
        let heads = check_range("heads", self.heads, 1, MAX_HEADS)?;
        let kv_heads = check_range("kv_heads", self.kv_heads, 1, heads)?;
        if heads % kv_heads != 0 {
            return Err(InputError::new("kv_heads", format!("{kv_heads} must divide heads ({heads})")));
        }
        let head_dim = if self.head_dim == 0 { hidden / heads } else { self.head_dim };
        let head_dim = check_range("head_dim", head_dim, 1, MAX_HEAD_DIM)?;
        let intermediate = check_range("intermediate", self.intermediate, 1, MAX_INTERMEDIATE)?;
        let vocab = check_range("vocab", self.vocab, 1, MAX_VOCAB)?;
        let moe = if self.experts > 0 {
            let experts = check_range("experts", self.experts, 1, MAX_EXPERTS)?;
            let top_k = check_range("experts_per_token", self.experts_per_token, 1, experts)?;
            let ie = if self.expert_intermediate == 0 { intermediate } else { self.expert_intermediate };
            let ie = check_range("expert_intermediate", ie, 1, MAX_INTERMEDIATE)?;
            Some(Moe {
                experts,
                top_k,
                expert_intermediate: ie,
                shared_experts: 0,
                shared_intermediate: 0,
                shared_gate: false,
                router_bias: false,
                expert_bias: false,
            })
        } else {
            None
        };
        Ok(Arch {
            family: Family::Custom,
            hidden,
            layers,
            heads,
            kv_heads,
            head_dim,
            intermediate,
            vocab,
            tied_embeddings: self.tied_embeddings,
            qkv_bias: false,
            o_bias: false,
            qk_norm: false,
            norms_per_layer: 2,
            attention_sinks: false,
            logit_softcap: false,
            mla: None,
            moe,
            sliding_window: None,
            layer_kinds: vec![LayerKind { moe: moe.is_some(), ..LayerKind::default() }; layers as usize],
            max_context: 0,
            model_type: "custom".to_string(),
            ext: Ext::default(),
        })
    }
}

/// Reads typed fields from a config object with messages that name the field.
struct Fields<'a> {
    obj: &'a crate::json::Map,
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }
    fn opt_u64(&self, key: &str, max: u64) -> Result<Option<u64>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let n = v.as_u64().or_else(|| {
                    // Accept integral floats such as 4096.0.
                    v.as_f64().filter(|f| *f >= 0.0 && *f == libm::trunc(*f) && *f < 1e18).map(|f| f as u64)
                });
                match n {
                    Some(n) if n <= max => Ok(Some(n)),
                    Some(n) => Err(InputError::range(key, n, 0, max)),
                    None => Err(InputError::new(key, format!("must be a whole number from 0 to {max}, got {v}"))),
                }
            }
        }
    }
    fn req_u64(&self, key: &str, min: u64, max: u64) -> Result<u64, InputError> {
        match self.opt_u64(key, max)? {
            None => Err(InputError::new(key, format!("is missing; a whole number from {min} to {max} is required"))),
            Some(n) if n < min => Err(InputError::range(key, n, min, max)),
            Some(n) => Ok(n),
        }
    }
    fn opt_bool(&self, key: &str) -> Result<Option<bool>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(InputError::new(key, format!("must be true or false, got {v}"))),
        }
    }
    fn opt_str(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(|v| v.as_str())
    }
}

/// The mixture-of-experts block of a config (`Moe`), None for dense models (memory-model.md
/// §1.3).
fn read_moe(f: &Fields, family: Family, intermediate: u64) -> Result<Option<Moe>, InputError> {
    let experts = f
        .opt_u64("num_local_experts", MAX_EXPERTS)?
        .or(f.opt_u64("num_experts", MAX_EXPERTS)?)
        .or(f.opt_u64("n_routed_experts", MAX_EXPERTS)?)
        .unwrap_or(0);
    let is_moe_family = matches!(
        family,
        Family::Mixtral
            | Family::Qwen2Moe
            | Family::Qwen3Moe
            | Family::DeepseekV2
            | Family::DeepseekV3
            | Family::GptOss
            | Family::Qwen3Next
            | Family::Glm4Moe
            | Family::MinimaxM2
            | Family::Llama4
            | Family::Jamba
            | Family::NemotronH
            | Family::Custom
    );
    Ok(if is_moe_family && experts > 0 {
        let top_k = match (family, f.opt_u64("num_experts_per_tok", experts)?) {
            (_, Some(k)) if k >= 1 => k,
            // An unknown model type without the field: one expert per token is assumed (it
            // only changes the active count), and the note says so.
            (Family::Custom, _) => 1,
            _ => f.req_u64("num_experts_per_tok", 1, experts)?,
        };
        // Llama 4: experts and the shared expert are `intermediate_size` wide, the dense layers
        // `intermediate_size_mlp` (the `intermediate` passed in); MiniMax-M2's experts are
        // `intermediate_size` wide. Sources: transformers `modeling_llama4.py` (Llama4TextMoe),
        // MiniMax-M2 `modeling_minimax_m2.py` (MiniMaxM2SparseMoeBlock).
        let raw_intermediate = f.opt_u64("intermediate_size", MAX_INTERMEDIATE)?.unwrap_or(intermediate);
        let expert_intermediate = match family {
            // JambaSparseMoeBlock's experts are JambaMLP(intermediate_size).
            Family::Mixtral | Family::GptOss | Family::Jamba => intermediate,
            Family::MinimaxM2 | Family::Llama4 => raw_intermediate,
            Family::Custom => f.opt_u64("moe_intermediate_size", MAX_INTERMEDIATE)?.unwrap_or(intermediate),
            _ => f.req_u64("moe_intermediate_size", 1, MAX_INTERMEDIATE)?,
        };
        let (shared_experts, shared_intermediate, shared_gate) = match family {
            Family::Qwen2Moe | Family::Qwen3Next => match f.opt_u64("shared_expert_intermediate_size", MAX_INTERMEDIATE)? {
                Some(w) if w > 0 => (1, w, true),
                _ => (0, 0, false),
            },
            Family::DeepseekV2 | Family::DeepseekV3 | Family::Glm4Moe | Family::Custom => {
                (f.opt_u64("n_shared_experts", MAX_EXPERTS)?.unwrap_or(0), expert_intermediate, false)
            }
            Family::Llama4 => (1, raw_intermediate, false),
            // NemotronHMOE: `shared_experts` = NemotronHMLP(moe_shared_expert_intermediate_size).
            Family::NemotronH => match f.opt_u64("moe_shared_expert_intermediate_size", MAX_INTERMEDIATE)? {
                Some(w) if w > 0 => (f.opt_u64("n_shared_experts", MAX_EXPERTS)?.unwrap_or(1).max(1), w, false),
                _ => (0, 0, false),
            },
            _ => (0, 0, false),
        };
        let router_bias = match family {
            Family::GptOss => true,
            // DeepSeek-V3's noaux_tc router carries e_score_correction_bias; so do GLM-4.5's
            // (`Glm4MoeTopkRouter`) and MiniMax-M2's with `use_routing_bias`.
            Family::DeepseekV3 => f.opt_str("topk_method").is_none_or(|m| m == "noaux_tc"),
            // NemotronHTopkRouter keeps e_score_correction_bias (DeepSeek-V3's router).
            Family::Glm4Moe | Family::NemotronH => true,
            Family::MinimaxM2 => f.opt_bool("use_routing_bias")?.unwrap_or(true),
            // An unknown model type read by DeepSeek-V3's fields: `topk_method: "noaux_tc"` is the
            // router that keeps one `e_score_correction_bias` per expert (DeepseekV3TopkRouter,
            // transformers `modeling_deepseek_v3.py`; GLM-5's `glm_moe_dsa` declares it too).
            Family::Custom => f.opt_str("topk_method") == Some("noaux_tc"),
            _ => false,
        };
        Some(Moe {
            experts,
            top_k,
            expert_intermediate,
            shared_experts,
            shared_intermediate,
            shared_gate,
            router_bias,
            expert_bias: family == Family::GptOss,
        })
    } else {
        None
    })
}

/// Each layer's kind (sparse MLP? sliding-window attention?) and the window when some layer
/// slides.
fn read_layer_kinds(f: &Fields, family: Family, layers: u64, has_moe: bool) -> Result<(Vec<LayerKind>, Option<u64>), InputError> {
    // Which layers are sparse. Sources: memory-model.md §1.3.
    let mut layer_kinds = Vec::with_capacity(layers as usize);
    let mlp_only: Vec<u64> = f
        .obj
        .get("mlp_only_layers")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_u64()).collect())
        .unwrap_or_default();
    let sparse_step = f.opt_u64("decoder_sparse_step", MAX_LAYERS)?.unwrap_or(1).max(1);
    let first_dense = f.opt_u64("first_k_dense_replace", MAX_LAYERS)?.unwrap_or(0);
    // `moe_layer_freq` is a number (DeepSeek) or, in some newer configs, one 0/1 per layer.
    let moe_list: Option<Vec<bool>> = f.obj.get("moe_layer_freq").and_then(|v| v.as_array()).filter(|a| a.len() as u64 == layers).map(|a| a.iter().map(|x| x.as_u64().unwrap_or(0) != 0).collect());
    let moe_freq = if moe_list.is_some() { 1 } else { f.opt_u64("moe_layer_freq", MAX_LAYERS)?.unwrap_or(1).max(1) };
    let llama4_moe: Option<Vec<u64>> = f.obj.get("moe_layers").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_u64()).collect());
    let llama4_step = f.opt_u64("interleave_moe_layer_step", MAX_LAYERS)?.unwrap_or(1).max(1);
    let jamba_expert_period = f.opt_u64("expert_layer_period", MAX_LAYERS)?.unwrap_or(2).max(1);
    let jamba_expert_offset = f.opt_u64("expert_layer_offset", MAX_LAYERS)?.unwrap_or(1);
    let nemotron: &[u8] = if family == Family::NemotronH {
        let pattern = f.opt_str("hybrid_override_pattern").unwrap_or("");
        if pattern.len() as u64 != layers || !pattern.bytes().all(|c| matches!(c, b'M' | b'*' | b'-' | b'E')) {
            return Err(InputError::new(
                "hybrid_override_pattern",
                format!("must have one of M, *, -, E per layer ({layers} layers), got \"{pattern}\""),
            ));
        }
        pattern.as_bytes()
    } else {
        &[]
    };
    for i in 0..layers {
        let is_moe = has_moe
            && moe_list.as_ref().is_none_or(|l| l[i as usize])
            && match family {
                Family::Qwen2Moe | Family::Qwen3Moe | Family::Qwen3Next => !mlp_only.contains(&i) && (i + 1) % sparse_step == 0,
                Family::DeepseekV2 | Family::DeepseekV3 | Family::Glm4Moe | Family::Custom => i >= first_dense && i % moe_freq == 0,
                // Llama4TextConfig: `moe_layers` when given, else every
                // `interleave_moe_layer_step`-th layer, starting at step − 1.
                Family::Llama4 => match &llama4_moe {
                    Some(list) => list.contains(&i),
                    None => (i + 1) % llama4_step == 0,
                },
                // JambaConfig.layers_num_experts: experts where i % expert_layer_period ==
                // expert_layer_offset (defaults 2 and 1).
                Family::Jamba => i % jamba_expert_period == jamba_expert_offset,
                Family::NemotronH => nemotron.get(i as usize) == Some(&b'E'),
                _ => true,
            };
        let mut kind = LayerKind { moe: is_moe, ..LayerKind::default() };
        if family == Family::NemotronH {
            // NemotronHBlock: one mixer per block — M Mamba-2, * attention, - MLP, E MoE.
            match nemotron.get(i as usize) {
                Some(b'M') => (kind.linear, kind.no_mlp) = (true, true),
                Some(b'*') => kind.no_mlp = true,
                _ => kind.no_mixer = true,
            }
        }
        layer_kinds.push(kind);
    }

    // Sliding-window layers. Source: memory-model.md §3.3.
    let window = f.opt_u64("sliding_window", u64::MAX >> 8)?.filter(|w| *w > 0);
    let layer_types: Option<Vec<&str>> =
        f.obj.get("layer_types").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_str()).collect());
    if window.is_some() {
        match (&layer_types, family) {
            (Some(types), _) if types.len() == layers as usize => {
                for (k, t) in layer_kinds.iter_mut().zip(types.iter()) {
                    k.sliding = *t == "sliding_attention";
                }
            }
            (_, Family::Gemma2) | (_, Family::GptOss) => {
                for (i, k) in layer_kinds.iter_mut().enumerate() {
                    k.sliding = i % 2 == 0;
                }
            }
            (_, Family::Gemma3 | Family::Gemma3n) => {
                let pattern = f.opt_u64("sliding_window_pattern", MAX_LAYERS)?.unwrap_or(6).max(1);
                for (i, k) in layer_kinds.iter_mut().enumerate() {
                    k.sliding = !(i as u64 + 1).is_multiple_of(pattern);
                }
            }
            // Qwen: sliding only with use_sliding_window (Qwen2Config: default False).
            (_, Family::Qwen2 | Family::Qwen3 | Family::Qwen2Moe | Family::Qwen3Moe) if f.opt_bool("use_sliding_window")?.unwrap_or(false) => {
                let from = f.opt_u64("max_window_layers", MAX_LAYERS)?.unwrap_or(layers);
                for (i, k) in layer_kinds.iter_mut().enumerate() {
                    k.sliding = i as u64 >= from;
                }
            }
            (_, Family::Mistral) | (_, Family::Mixtral) | (_, Family::Phi3) | (_, Family::Llama) => {
                for k in layer_kinds.iter_mut() {
                    k.sliding = true;
                }
            }
            _ => {}
        }
    }
    if family == Family::Llama4 {
        if let Some(chunk) = f.opt_u64("attention_chunk_size", u64::MAX >> 8)?.filter(|c| *c > 0) {
            // Chunked attention: a token attends only within its chunk of `attention_chunk_size`,
            // so the cache of those layers never needs more than one chunk — read here as a
            // window of that size. The layers with RoPE are chunked, the NoPE ones (every 4th,
            // `no_rope_layers` = 0) global. Source: transformers `modeling_llama4.py`
            // (`Llama4TextAttention.use_rope`, `attention_type`), configuration_llama4.py.
            let no_rope: Option<Vec<u64>> = f.obj.get("no_rope_layers").and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_u64()).collect());
            for (i, k) in layer_kinds.iter_mut().enumerate() {
                k.sliding = match &no_rope {
                    Some(r) if r.len() == layers as usize => r[i] != 0,
                    _ => !(i as u64 + 1).is_multiple_of(4),
                };
            }
            return Ok((layer_kinds, Some(chunk)));
        }
    }
    let sliding_window = if layer_kinds.iter().any(|k| k.sliding) { window } else { None };
    Ok((layer_kinds, sliding_window))
}

/// The newer architectures' parts of a config ([`Ext`]); marks the linear layers.
fn read_ext(
    f: &Fields,
    outer: &crate::json::Map,
    family: Family,
    model_type: &str,
    layer_kinds: &mut [LayerKind],
    mla: bool,
    mut notes: Vec<String>,
) -> Result<Ext, InputError> {
    let linear = if family == Family::Qwen3Next { hybrid::LinearAttn::read(f)? } else { None };
    if linear.is_some() {
        let pattern = hybrid::LinearAttn::layer_pattern(f, layer_kinds.len() as u64)?;
        for (k, lin) in layer_kinds.iter_mut().zip(pattern) {
            k.linear = lin;
        }
    }
    let h = f.req_u64("hidden_size", 1, MAX_HIDDEN)?;
    // Llama 3.2 Vision: `cross_attention_layers` lists the gated cross-attention layers.
    if let Some(list) = f.obj.get("cross_attention_layers").and_then(Value::as_array) {
        for i in list.iter().filter_map(Value::as_u64) {
            match layer_kinds.get_mut(i as usize) {
                Some(k) => k.cross = true,
                None => return Err(InputError::new("cross_attention_layers", format!("layer {i} is beyond num_hidden_layers ({})", layer_kinds.len()))),
            }
        }
    }
    let ssm = match family {
        Family::Jamba => {
            let pattern = ssm::Ssm::jamba_pattern(f, layer_kinds.len() as u64)?;
            for (k, m) in layer_kinds.iter_mut().zip(pattern) {
                k.linear = m;
            }
            Some(ssm::Ssm::read_jamba(f, h)?)
        }
        Family::NemotronH => Some(ssm::Ssm::read_mamba2(f, h)?),
        _ => None,
    };
    let encoder = if family == Family::Encoder { Some(encoder::read(f, model_type)?) } else { None };
    let task = match encoder.map(|e| e.head) {
        Some(encoder::EncoderHead::RobertaClassifier(_) | encoder::EncoderHead::BertClassifier(_)) => Task::Score,
        Some(encoder::EncoderHead::None) => Task::Embed,
        _ => Task::Generate,
    };
    if task != Task::Generate {
        notes.push(format!("read as a{} encoder: one forward pass per request over batch × sequence tokens, no KV cache kept", if task == Task::Embed { "n embedding" } else { " reranker (cross-encoder)" }));
    }
    let indexer = match (f.opt_u64("index_n_heads", MAX_HEADS)?, f.opt_u64("index_head_dim", MAX_HEAD_DIM)?) {
        (Some(n), Some(d)) if mla && n > 0 && d > 0 => Some((n, d)),
        _ => None,
    };
    // Qwen3-Next's config names no MTP layer, but its checkpoint stores one (`mtp.*`, which
    // transformers' `Qwen3NextForCausalLM._keys_to_ignore_on_load_unexpected = [r"^mtp.*"]`
    // drops; vLLM `qwen3_next_mtp.py` loads it); Qwen3.5 says `mtp_num_hidden_layers`.
    let mtp_layers = match f.opt_u64("num_nextn_predict_layers", MAX_LAYERS)?.or(f.opt_u64("mtp_num_hidden_layers", MAX_LAYERS)?) {
        Some(n) => n,
        None if family == Family::Qwen3Next => 1,
        None => 0,
    };
    let outer_type = outer.get("model_type").and_then(Value::as_str).unwrap_or(model_type);
    let g3n = if family == Family::Gemma3n {
        let g = gemma3n::Gemma3n::read(f, outer, layer_kinds.len() as u64, h)?;
        let first_shared = layer_kinds.len() - g.kv_shared_layers as usize;
        for k in &mut layer_kinds[first_shared..] {
            k.kv_shared = true;
        }
        notes.push(gemma3n::Gemma3n::vision_note());
        Some(g)
    } else {
        None
    };
    let vision = vision::read(outer_type, outer)?;
    if let Some(v) = &vision {
        notes.push(v.note.clone());
    }
    Ok(Ext {
        linear,
        attn_gate: family == Family::Qwen3Next && f.opt_bool("attn_output_gate")?.unwrap_or(true),
        qk_norm_full: family == Family::MinimaxM2
            && f.opt_bool("use_qk_norm")?.unwrap_or(false)
            && f.opt_str("qk_norm_type").is_none_or(|t| t == "per_layer"),
        indexer,
        mtp_layers,
        mtp_embed_head: matches!(family, Family::DeepseekV3 | Family::Glm4Moe),
        vision,
        notes,
        task,
        encoder,
        ssm,
        mlp_ungated: matches!(family, Family::Encoder | Family::NemotronH),
        // BERT's Linears all carry biases; NemotronHMLP's `mlp_bias` (default False).
        mlp_bias: family == Family::Encoder || (family == Family::NemotronH && f.opt_bool("mlp_bias")?.unwrap_or(false)),
        extra_embed_rows: if model_type.starts_with("mllama") { 8 } else { 0 },
        fp8_scale_block: fp8_scale_block(outer)?,
        gemma3n: g3n,
    })
}

/// The block of a block-wise FP8 checkpoint's fp32 scales, from its `quantization_config`
/// (top level or in `text_config`): `quant_method` "fp8" with `weight_block_size` [rows, cols]
/// and no `scale_fmt` "ue8m0" ([`Ext::fp8_scale_block`]).
fn fp8_scale_block(outer: &crate::json::Map) -> Result<Option<(u64, u64)>, InputError> {
    let qc = outer
        .get("quantization_config")
        .or_else(|| outer.get("text_config").and_then(|t| t.get("quantization_config")))
        .and_then(Value::as_object);
    let Some(qc) = qc else { return Ok(None) };
    if qc.get("quant_method").and_then(Value::as_str) != Some("fp8") || qc.get("scale_fmt").and_then(Value::as_str) == Some("ue8m0") {
        return Ok(None);
    }
    let Some(block) = qc.get("weight_block_size").and_then(Value::as_array) else { return Ok(None) };
    let dims: Vec<u64> = block.iter().filter_map(Value::as_u64).collect();
    match dims[..] {
        [r, c] if (1..=MAX_HIDDEN).contains(&r) && (1..=MAX_HIDDEN).contains(&c) => Ok(Some((r, c))),
        _ => Err(InputError::new("quantization_config.weight_block_size", format!("must be two block sizes [rows, cols], each 1 to {MAX_HIDDEN}"))),
    }
}

/// A Gemma 3 text config with the `Gemma3TextConfig.__init__` defaults filled in where it is
/// silent (transformers v4.57.0 `models/gemma3/configuration_gemma3.py`: 8 attention heads, 4 KV
/// heads, head_dim 256, vocab_size 262208, max_position_embeddings 131072): google/gemma-3-4b-it's
/// `config.json` names only hidden_size, intermediate_size, num_hidden_layers, rope_scaling and
/// sliding_window in its `text_config`.
fn gemma3_text_defaults(obj: &crate::json::Map) -> crate::json::Map {
    let mut m = obj.clone();
    for (k, v) in [("num_attention_heads", 8u64), ("num_key_value_heads", 4), ("head_dim", 256), ("vocab_size", 262_208), ("max_position_embeddings", 131_072)] {
        if m.get(k).is_none_or(|x| *x == Value::Null) {
            m.insert(String::from(k), Value::from(v));
        }
    }
    m
}

/// Adds a tensor when none of its sizes is 0.
fn push(t: &mut Vec<Tensor>, role: Role, layer: u32, out: u64, inp: u64, count: u64) {
    if out > 0 && inp > 0 && count > 0 {
        t.push(Tensor { role, layer, out, inp, count });
    }
}

impl Arch {
    /// Parses a Hugging Face `config.json`. Multimodal wrappers are read through `text_config`.
    pub fn from_config_json(text: &str) -> Result<Arch, InputError> {
        if text.len() > 4 << 20 {
            return Err(InputError::new("config.json", "is larger than 4 MiB; a model config is a few KB"));
        }
        let value: Value = crate::json::parse(text)
            .map_err(|e| InputError::new("config.json", format!("is not valid JSON ({e})")))?;
        Arch::from_config_value(&value)
    }

    pub fn from_config_value(value: &Value) -> Result<Arch, InputError> {
        let Some(outer) = value.as_object() else {
            return Err(InputError::new("config.json", "must be a JSON object like {\"model_type\": \"llama\", …}"));
        };
        // Multimodal wrappers (gemma3, mistral3, llama4, qwen2_5_vl) nest the decoder.
        let obj = match outer.get("text_config").and_then(|v| v.as_object()) {
            Some(inner) if outer.get("hidden_size").is_none() => inner,
            _ => outer,
        };
        let f = Fields { obj };
        let model_type = f
            .opt_str("model_type")
            .or_else(|| outer.get("model_type").and_then(|v| v.as_str()))
            .ok_or_else(|| InputError::new("model_type", format!("is missing; supported: {}", Family::SUPPORTED)))?;
        let mut notes: Vec<String> = Vec::new();
        let family = Family::from_model_type(model_type).unwrap_or_else(|| {
            notes.push(format!(
                "model_type \"{model_type}\" is not one gpuplan knows ({}); it was read as a Llama-style decoder from its fields: SwiGLU MLP, RMSNorm, q/k/v/o biases only with attention_bias, experts and shared experts where the config names them (num_local_experts/num_experts/n_routed_experts, n_shared_experts; a router bias per expert with topk_method noaux_tc), MLA where it gives kv_lora_rank; any other part of the model is not counted",
                Family::SUPPORTED
            ));
            Family::Custom
        });

        // Gemma 3's multimodal configs store only what differs from Gemma3TextConfig.
        let patched;
        let f = if family == Family::Gemma3 {
            patched = gemma3_text_defaults(obj);
            Fields { obj: &patched }
        } else {
            f
        };
        if family == Family::Custom {
            // An unknown type is read only when it has a decoder's fields; otherwise the type is
            // what is wrong (an encoder such as BERT names its sizes the same way but is refused
            // here for lacking the rest).
            let missing: Vec<&str> = ["hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"]
                .into_iter()
                .filter(|k| f.get(k).is_none())
                .collect();
            if !missing.is_empty() {
                return Err(InputError::new(
                    "model_type",
                    format!("\"{model_type}\" is not supported and its config lacks {} to be read as a decoder; supported: {}", missing.join(", "), Family::SUPPORTED),
                ));
            }
        }
        let hidden = f.req_u64("hidden_size", 1, MAX_HIDDEN)?;
        let layers = f.req_u64("num_hidden_layers", 1, MAX_LAYERS)?;
        let heads = f.req_u64("num_attention_heads", 1, MAX_HEADS)?;
        let kv_heads = f.opt_u64("num_key_value_heads", MAX_HEADS)?.unwrap_or(heads);
        if kv_heads == 0 || kv_heads > heads || heads % kv_heads != 0 {
            return Err(InputError::new(
                "num_key_value_heads",
                format!("{kv_heads} must be from 1 to num_attention_heads ({heads}) and divide it"),
            ));
        }
        let head_dim = f.opt_u64("head_dim", MAX_HEAD_DIM)?.filter(|d| *d > 0).unwrap_or(hidden / heads);
        if head_dim == 0 {
            return Err(InputError::new("head_dim", "is 0 (hidden_size / num_attention_heads rounds to 0)"));
        }
        let vocab = f.req_u64("vocab_size", 1, MAX_VOCAB)?;
        let intermediate = match family {
            // Llama 4's dense layers are `intermediate_size_mlp` wide (its experts `intermediate_size`).
            Family::Llama4 => f.opt_u64("intermediate_size_mlp", MAX_INTERMEDIATE)?,
            _ => None,
        };
        let g3n_intermediate = if family == Family::Gemma3n { gemma3n::first_intermediate(&f)? } else { None };
        let intermediate = match intermediate.or(g3n_intermediate) {
            Some(i) => i,
            None => f.opt_u64("intermediate_size", MAX_INTERMEDIATE)?.unwrap_or(4 * hidden),
        };
        // A multimodal wrapper may keep `tie_word_embeddings` at its top level (Qwen3-VL-2B/4B).
        let outer_tie = match outer.get("tie_word_embeddings") {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        };
        let tied = f.opt_bool("tie_word_embeddings")?.or(outer_tie).unwrap_or(family.ties_embeddings_by_default());
        let max_context = f.opt_u64("max_position_embeddings", u64::MAX >> 8)?.unwrap_or(0);

        let attention_bias = f.opt_bool("attention_bias")?.unwrap_or(false);
        let (qkv_bias, o_bias) = match family {
            // modeling_qwen2.py / qwen2_moe: q,k,v Linear(bias=True), o without.
            Family::Qwen2 | Family::Qwen2Moe => (true, false),
            Family::GptOss | Family::Encoder => (true, true),
            // modeling_glm4_moe.py `Glm4MoeAttention`: q/k/v Linear(bias=config.attention_bias),
            // o_proj Linear(bias=False). zai-org/GLM-4.5-Air's Hub total (110,468,824,832) is
            // 47 × 4096 below a count with an o_proj bias in its 46 + 1 MTP layers.
            Family::Glm4Moe => (attention_bias, false),
            Family::Gemma | Family::Gemma2 | Family::Gemma3 | Family::Gemma3n | Family::Phi3 | Family::Mistral | Family::Mixtral => {
                (false, false)
            }
            _ => (attention_bias, attention_bias),
        };
        // Qwen3-Next's and GLM's (`use_qk_norm`) per-head q/k RMSNorm; Llama 4's qk norm is an
        // L2 norm without weights (`Llama4TextL2Norm`), MiniMax-M2's spans all heads (ext).
        let qk_norm = matches!(family, Family::Qwen3 | Family::Qwen3Moe | Family::Gemma3 | Family::Gemma3n | Family::Qwen3Next)
            || (family == Family::Glm4Moe && f.opt_bool("use_qk_norm")?.unwrap_or(false));
        let norms_per_layer = match family {
            // Two LayerNorms with weight and bias (BERT) or four RMSNorms (Gemma 2/3).
            Family::Gemma2 | Family::Gemma3 | Family::Gemma3n | Family::Encoder => 4,
            // NemotronHBlock: one RMSNorm before its single mixer.
            Family::NemotronH => 1,
            _ => 2,
        };
        // modeling_gemma2.py Gemma2ForCausalLM.forward: `if self.config.final_logit_softcapping is
        // not None` (Gemma2Config default 30.0; Gemma3TextConfig default None).
        let logit_softcap = match obj.get("final_logit_softcapping") {
            Some(Value::Null) => false,
            Some(v) => v.as_f64().is_some_and(|c| c > 0.0),
            None => family == Family::Gemma2,
        };

        let mla = if matches!(family, Family::DeepseekV2 | Family::DeepseekV3) || (family == Family::Custom && f.get("kv_lora_rank").is_some()) {
            Some(Mla {
                q_lora_rank: f.opt_u64("q_lora_rank", MAX_HIDDEN)?.unwrap_or(0),
                kv_lora_rank: f.req_u64("kv_lora_rank", 1, MAX_HIDDEN)?,
                qk_nope_head_dim: f.req_u64("qk_nope_head_dim", 1, MAX_HEAD_DIM)?,
                qk_rope_head_dim: f.req_u64("qk_rope_head_dim", 0, MAX_HEAD_DIM)?,
                v_head_dim: f.req_u64("v_head_dim", 1, MAX_HEAD_DIM)?,
            })
        } else {
            None
        };

        let moe = read_moe(&f, family, intermediate)?;

        let (mut layer_kinds, sliding_window) = read_layer_kinds(&f, family, layers, moe.is_some())?;
        let ext = read_ext(&f, outer, family, model_type, &mut layer_kinds, mla.is_some(), notes)?;

        Ok(Arch {
            family,
            hidden,
            layers,
            heads,
            kv_heads,
            head_dim,
            intermediate,
            vocab,
            tied_embeddings: tied,
            qkv_bias,
            o_bias,
            qk_norm,
            norms_per_layer,
            attention_sinks: family == Family::GptOss,
            logit_softcap,
            mla,
            moe,
            sliding_window,
            layer_kinds,
            max_context,
            model_type: model_type.to_string(),
            ext,
        })
    }

    /// The model run for `task`: an embedding model's checkpoint (sentence-transformers' `*Model`)
    /// stores no LM head, and one forward pass per request keeps no KV cache.
    pub fn with_task(mut self, task: Task) -> Arch {
        if task != self.ext.task {
            self.ext.task = task;
            if task != Task::Generate {
                self.ext.notes.push(format!("read as a{} model: one forward pass per request, no KV cache kept, no LM head", if task == Task::Embed { "n embedding" } else { " reranker" }));
            }
        }
        self
    }

    /// Query projection width n_q·d (MLA: n_q·(nope + rope)).
    pub fn q_width(&self) -> u64 {
        match self.mla {
            Some(m) => self.heads * (m.qk_nope_head_dim + m.qk_rope_head_dim),
            None => self.heads * self.head_dim,
        }
    }
    /// Attention output width (input of o_proj).
    pub fn attn_out_width(&self) -> u64 {
        match self.mla {
            Some(m) => self.heads * m.v_head_dim,
            None => self.heads * self.head_dim,
        }
    }
    pub fn kv_width(&self) -> u64 {
        self.kv_heads * self.head_dim
    }
    pub fn moe_layers(&self) -> u64 {
        self.layer_kinds.iter().filter(|k| k.moe).count() as u64
    }

    /// Every weight tensor, layer by layer (memory-model.md §11 step 2). Experts are one entry
    /// with `count = E`. The multi-token-prediction layers are not here (not in the forward
    /// pass; see [`Arch::mtp_params`]); a vision tower is one high-precision entry outside the
    /// layers.
    pub fn tensors(&self) -> Vec<Tensor> {
        let h = self.hidden;
        let mut t = Vec::with_capacity(self.layers as usize * 16 + 4);
        push(&mut t, Role::Embed, NO_LAYER, self.vocab + self.ext.extra_embed_rows, h, 1);
        if let Some(e) = &self.ext.encoder {
            e.push_embeddings(h, &mut t);
        }
        if let Some(g) = &self.ext.gemma3n {
            g.push_model_tensors(h, self.layers, &mut t);
        }
        for (i, kind) in self.layer_kinds.iter().enumerate() {
            self.layer_tensors(i as u32, *kind, &mut t);
        }
        match &self.ext.encoder {
            // A post-norm encoder has no final norm; its pooler or head comes last.
            Some(e) => e.push_head(h, self.vocab, &mut t),
            None => {
                push(&mut t, Role::Vector, NO_LAYER, 1, h, 1); // final norm
                // An embedding model's checkpoint (`*Model`, loaded by sentence-transformers)
                // stores no LM head.
                if !self.tied_embeddings && self.ext.task == Task::Generate {
                    push(&mut t, Role::Head, NO_LAYER, self.vocab, h, 1);
                }
            }
        }
        if let Some(v) = &self.ext.vision {
            push(&mut t, Role::Vector, NO_LAYER, 1, v.params, 1);
        }
        t
    }

    /// The weights of decoder layer `l` of kind `kind`.
    fn layer_tensors(&self, l: u32, kind: LayerKind, t: &mut Vec<Tensor>) {
        let h = self.hidden;
        // Attention (or the linear-attention mixer).
        match (kind.linear, self.ext.linear, self.mla) {
            _ if kind.no_mixer => {}
            // MllamaTextCrossAttention: q/k/v/o without bias, q_norm and k_norm (head_dim each),
            // and the layer's two tanh gates (`cross_attn_attn_gate`, `cross_attn_mlp_gate`).
            _ if kind.cross => {
                push(t, Role::AttnQ, l, self.heads * self.head_dim, h, 1);
                push(t, Role::AttnK, l, self.kv_width(), h, 1);
                push(t, Role::AttnV, l, self.kv_width(), h, 1);
                push(t, Role::AttnO, l, h, self.heads * self.head_dim, 1);
                push(t, Role::Vector, l, 1, 2 * self.head_dim + 2, 1);
            }
            (true, Some(la), _) => la.push_tensors(h, l, t),
            (true, None, _) if self.ext.ssm.is_some() => {
                if let Some(m) = self.ext.ssm {
                    m.push_tensors(h, l, t)
                }
            }
            (_, _, Some(m)) => {
                let qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
                if m.q_lora_rank > 0 {
                    push(t, Role::AttnLatent, l, m.q_lora_rank, h, 1); // q_a_proj
                    push(t, Role::Vector, l, 1, m.q_lora_rank, 1); // q_a_layernorm
                    push(t, Role::AttnQ, l, self.heads * qk, m.q_lora_rank, 1); // q_b_proj
                } else {
                    push(t, Role::AttnQ, l, self.heads * qk, h, 1);
                }
                push(t, Role::AttnLatent, l, m.kv_lora_rank + m.qk_rope_head_dim, h, 1); // kv_a_proj_with_mqa
                push(t, Role::Vector, l, 1, m.kv_lora_rank, 1); // kv_a_layernorm
                push(t, Role::AttnV, l, self.heads * (m.qk_nope_head_dim + m.v_head_dim), m.kv_lora_rank, 1); // kv_b_proj
                push(t, Role::AttnO, l, h, self.heads * m.v_head_dim, 1);
                if let Some((n, d)) = self.ext.indexer {
                    push(t, Role::AttnLatent, l, n * d, m.q_lora_rank.max(1), 1); // indexer wq_b
                    push(t, Role::AttnLatent, l, d, h, 1); // indexer wk
                    push(t, Role::Vector, l, 1, 2 * d, 1); // indexer k_norm (LayerNorm)
                    push(t, Role::AttnLatent, l, n, h, 1); // indexer weights_proj
                }
            }
            _ => {
                let hq = self.heads * self.head_dim;
                let hkv = self.kv_width();
                let q_out = if self.ext.attn_gate { 2 * hq } else { hq };
                push(t, Role::AttnQ, l, q_out, h, 1);
                push(t, Role::AttnK, l, hkv, h, 1);
                push(t, Role::AttnV, l, hkv, h, 1);
                push(t, Role::AttnO, l, h, hq, 1);
                if self.qkv_bias {
                    push(t, Role::Vector, l, 1, hq + 2 * hkv, 1);
                }
                if self.o_bias {
                    push(t, Role::Vector, l, 1, h, 1);
                }
                if self.ext.qk_norm_full {
                    push(t, Role::Vector, l, 1, hq + hkv, 1);
                }
            }
        }
        if self.qk_norm && !kind.linear {
            push(t, Role::Vector, l, 1, 2 * self.head_dim, 1);
        }
        if self.attention_sinks {
            push(t, Role::Vector, l, 1, self.heads, 1);
        }
        push(t, Role::Vector, l, 1, self.norms_per_layer * h, 1);
        if let Some(g) = &self.ext.gemma3n {
            g.push_layer_tensors(h, l, t);
        }
        // MLP (Gemma 3n: one width per layer).
        let width = self.ext.gemma3n.as_ref().and_then(|g| g.intermediates.get(l as usize).copied()).unwrap_or(self.intermediate);
        let gated = !self.ext.mlp_ungated;
        match (kind.moe, self.moe) {
            _ if kind.no_mlp => {}
            (true, Some(m)) => {
                let ie = m.expert_intermediate;
                push(t, Role::Router, l, m.experts, h, 1);
                if m.router_bias {
                    push(t, Role::Vector, l, 1, m.experts, 1);
                }
                if gated {
                    push(t, Role::ExpertGate, l, ie, h, m.experts);
                }
                push(t, Role::ExpertUp, l, ie, h, m.experts);
                push(t, Role::ExpertDown, l, h, ie, m.experts);
                if m.expert_bias {
                    push(t, Role::Vector, l, 1, 2 * ie + h, m.experts);
                }
                if m.shared_experts > 0 {
                    let w = m.shared_experts * m.shared_intermediate;
                    if gated {
                        push(t, Role::MlpGate, l, w, h, 1);
                    }
                    push(t, Role::MlpUp, l, w, h, 1);
                    push(t, Role::MlpDown, l, h, w, 1);
                    if m.shared_gate {
                        push(t, Role::Vector, l, 1, h, 1);
                    }
                }
            }
            _ => {
                if gated {
                    push(t, Role::MlpGate, l, width, h, 1);
                }
                push(t, Role::MlpUp, l, width, h, 1);
                push(t, Role::MlpDown, l, h, width, 1);
                if self.ext.mlp_bias {
                    push(t, Role::Vector, l, 1, self.intermediate + h, 1);
                }
            }
        }
    }

    /// Parameters of the multi-token-prediction layers the checkpoint stores beside the model
    /// (`num_nextn_predict_layers`), which the forward pass does not run: per layer one decoder
    /// layer like the last one but with full attention, the two input norms (`enorm`, `hnorm`),
    /// the projection `eh_proj` (2h → h) and the head's norm, plus (DeepSeek-V3) a copy of the
    /// embedding and the head. Sources: DeepSeek-V3 `README_WEIGHTS.md` "MTP Modules", vLLM
    /// `model_executor/models/deepseek_mtp.py` (`DeepSeekMultiTokenPredictorLayer`) and
    /// `glm4_moe_mtp.py`.
    pub fn mtp_params(&self) -> u64 {
        if self.ext.mtp_layers == 0 {
            return 0;
        }
        let h = self.hidden;
        let last = self.layer_kinds.last().copied().unwrap_or_default();
        let mut t = Vec::new();
        self.layer_tensors(0, LayerKind { moe: last.moe, ..LayerKind::default() }, &mut t);
        let layer: u64 = t.iter().map(Tensor::total_elems).sum();
        let copies = if self.ext.mtp_embed_head { 2 * self.vocab * h } else { 0 };
        self.ext.mtp_layers * (layer + 3 * h + 2 * h * h + copies)
    }

    /// Elements of the fp32 block scales a block-wise FP8 checkpoint stores beside its FP8
    /// Linears ([`Ext::fp8_scale_block`]): ⌈out/rows⌉ × ⌈in/cols⌉ per 2-D Linear of the decoder
    /// layers (attention, MLA projections, MLPs, experts; not the embedding, head, routers or
    /// norms, which stay BF16/F32) and of the multi-token-prediction layers' decoder layer (not
    /// their `eh_proj`, stored in BF16). The Hub counts them as parameters: deepseek-ai/DeepSeek-V3's
    /// safetensors total 684,531,386,000 = 684,489,845,504 weights + 41,540,496 scales (its F32
    /// count 41,555,600 = these + 59 × 256 `e_score_correction_bias`); Qwen3-30B-A3B-Instruct-2507-FP8
    /// 30,533,947,392 = the BF16 release's 30,532,122,624 + 1,824,768. DeepSeek-V3.2
    /// (`scale_fmt` "ue8m0") counts none: its total is the weights alone, 41,591,584 below
    /// V3.2-Exp's (data/reference/published-params.csv).
    pub fn fp8_scale_params(&self) -> u64 {
        let Some((rows, cols)) = self.ext.fp8_scale_block else { return 0 };
        let mut t = self.tensors();
        let last = self.layer_kinds.last().copied().unwrap_or_default();
        for _ in 0..self.ext.mtp_layers {
            self.layer_tensors(0, LayerKind { moe: last.moe, ..LayerKind::default() }, &mut t);
        }
        t.iter().filter(|t| t.role.is_layer_linear()).map(|t| t.out.div_ceil(rows) * t.inp.div_ceil(cols) * t.count).sum()
    }

    /// What the published checkpoint holds: the forward pass's parameters
    /// ([`Arch::param_counts`]), the multi-token-prediction layers ([`Arch::mtp_params`]) and a
    /// block-wise FP8 checkpoint's fp32 scales ([`Arch::fp8_scale_params`]).
    pub fn checkpoint_params(&self) -> u64 {
        self.param_counts().0 + self.mtp_params() + self.fp8_scale_params()
    }

    /// Bytes of linear-attention state one sequence keeps over all linear layers, independent of
    /// its length (0 without linear layers); `act_bytes` is the activation dtype's size.
    /// transformers' caches: Gated DeltaNet's recurrent state in float32, Mamba's conv window
    /// of `conv_kernel` columns and its SSM state in the model dtype (`model/ssm.rs`).
    pub fn linear_state_bytes(&self, act_bytes: u64) -> u64 {
        let layers = self.layer_kinds.iter().filter(|k| k.linear).count() as u64;
        match (self.ext.linear, self.ext.ssm) {
            (Some(la), _) => layers * la.state_bytes(act_bytes),
            (None, Some(m)) => {
                let (conv, state) = m.state_elems(m.conv_kernel);
                layers * (conv + state) * act_bytes
            }
            (None, None) => 0,
        }
    }

    /// The same as vLLM's hybrid allocator keeps it per sequence (one state slot per request
    /// and linear layer): the conv window of kernel − 1 columns in the model dtype
    /// (`MambaStateShapeCalculator.gated_delta_net_state_shape` / `mamba2_state_shape`) and the
    /// recurrent / SSM (temporal) state in `mamba_ssm_cache_dtype`
    /// (`MambaStateDtypeCalculator._mamba_state_dtype`: "auto" = the conv state's dtype;
    /// `vllm/model_executor/layers/mamba/mamba_utils.py` @ 02d71083), which vLLM sets from the
    /// config: Qwen3.5's `mamba_ssm_dtype` (float32), Nemotron-H's `mamba_ssm_cache_dtype`,
    /// float32 when a Nemotron-H config names none (`NemotronHForCausalLMConfig`,
    /// `vllm/model_executor/models/config.py`); Qwen3-Next and Jamba: the model dtype.
    pub fn linear_state_bytes_vllm(&self, act_bytes: u64) -> u64 {
        let layers = self.layer_kinds.iter().filter(|k| k.linear).count() as u64;
        let or_model = |b: u64| if b > 0 { b } else { act_bytes };
        let per_layer = match (self.ext.linear, self.ext.ssm) {
            (Some(la), _) => {
                la.conv_dim() * la.conv_kernel.saturating_sub(1) * act_bytes
                    + la.value_heads * la.key_head_dim * la.value_head_dim * or_model(la.ssm_dtype_bytes)
            }
            (None, Some(m)) => {
                let (conv, state) = m.state_elems(m.conv_kernel.saturating_sub(1));
                let nemotron_default = if self.family == Family::NemotronH { core::mem::size_of::<f32>() as u64 } else { 0 };
                let ssm_bytes = or_model(if m.ssm_cache_dtype_bytes > 0 { m.ssm_cache_dtype_bytes } else { nemotron_default });
                conv * act_bytes + state * ssm_bytes
            }
            (None, None) => 0,
        };
        layers * per_layer
    }

    /// A warning when a context of `tokens` exceeds the longest the model was built for
    /// (`max_position_embeddings`; unknown when 0). Not an error: memory can still be
    /// estimated, but the positions beyond it were never trained (and vLLM refuses a
    /// `max_model_len` above it unless told to allow it).
    pub fn context_note(&self, tokens: u64) -> Option<String> {
        (self.max_context > 0 && tokens > self.max_context).then(|| {
            format!(
                "the context of {tokens} tokens exceeds the model's max_position_embeddings ({}): the model was not trained for it; memory is estimated anyway",
                self.max_context
            )
        })
    }

    /// Exact parameter counts: (total, active per token). Active counts `top_k` routed experts
    /// per MoE layer and includes embedding and head (vendors differ; memory-model.md §1.3).
    pub fn param_counts(&self) -> (u64, u64) {
        let mut total = 0u64;
        let mut active = 0u64;
        let k = self.moe.map_or(0, |m| m.top_k);
        for t in self.tensors() {
            total += t.total_elems();
            active += if t.role.is_expert() || (t.role == Role::Vector && t.count > 1) {
                t.elems() * k.min(t.count)
            } else {
                t.total_elems()
            };
        }
        (total, active)
    }

    /// Parameters of the matrices that multiply activations per token (for FLOPs): active
    /// parameters minus the input embedding (a lookup, no FLOPs); a tied head still costs its
    /// matmul (memory-model.md §6.3).
    pub fn flop_params(&self) -> u64 {
        let (_, active) = self.param_counts();
        let head_matmul = if self.tied_embeddings { self.vocab * self.hidden } else { 0 };
        active - self.vocab * self.hidden + head_matmul
    }

    /// LoRA trainable parameters of the all-linear default: Σ r·(in + out) over the targeted
    /// Linears. Source: PEFT `tuners/lora/layer.py` (`lora_A`: in → r, `lora_B`: r → out).
    pub fn lora_params(&self, rank: u64) -> u64 {
        self.lora_targets().iter().map(|t| rank * (t.inp + t.out) * t.count).sum()
    }

    /// The Linear modules LoRA wraps under PEFT's `"all-linear"` default (see [`Arch::lora_modules`]).
    pub fn lora_targets(&self) -> Vec<Tensor> {
        self.lora_modules().into_iter().map(|m| m.tensor).collect()
    }

    /// Every `nn.Linear` of the decoder layers under its transformers 5 module name: what PEFT's
    /// `target_modules="all-linear"` wraps (`peft/tuners/tuners_utils.py`
    /// `_maybe_include_all_linear_layers`, PEFT 0.21: every `nn.Linear`/`Conv1D` except the output
    /// layer `get_output_embeddings()`; the embedding is an `nn.Embedding`). Names are what
    /// `target_modules` matches by suffix. Per family (`modeling_<type>.py`, transformers 5):
    /// - Llama, Mistral, Qwen2/3, Gemma 1–3, custom: `q_proj k_proj v_proj o_proj` and
    ///   `gate_proj up_proj down_proj`.
    /// - Phi-3 fuses them: `qkv_proj` (h → h_q + 2·h_kv) and `gate_up_proj` (h → 2·I), one adapter
    ///   per fused module.
    /// - DeepSeek-V2/V3 (MLA): `q_a_proj q_b_proj` (or `q_proj` without `q_lora_rank`),
    ///   `kv_a_proj_with_mqa kv_b_proj o_proj`; dense layers and shared experts
    ///   `gate_proj up_proj down_proj`.
    /// - MoE (Mixtral, Qwen2/3-MoE, DeepSeek, gpt-oss): the routed experts are 3-D
    ///   `nn.Parameter`s (`MixtralExperts.gate_up_proj`, `down_proj`) and the routers
    ///   `*TopKRouter.weight` parameters, not `nn.Linear`s, so LoRA's `target_modules` never wraps
    ///   them; qwen2_moe's `shared_expert_gate` (h → 1) is an `nn.Linear`.
    pub fn lora_modules(&self) -> Vec<LoraModule> {
        let h = self.hidden;
        let mut out = Vec::new();
        let mut push = |name: &'static str, attention: bool, role: Role, layer: u32, o: u64, i: u64| {
            if o > 0 && i > 0 {
                out.push(LoraModule { name, attention, tensor: Tensor { role, layer, out: o, inp: i, count: 1 } });
            }
        };
        let fused = self.family == Family::Phi3;
        let bert = self.family == Family::Encoder;
        for (l, kind) in self.layer_kinds.iter().enumerate() {
            let l = l as u32;
            match (self.ext.linear, self.ext.ssm) {
                _ if kind.no_mixer => {}
                // A linear-attention layer has no q/k/v/o: its mixer's Linears are the targets
                // (`Qwen3NextGatedDeltaNet.in_proj_qkvz/in_proj_ba/out_proj`; Mamba's
                // `in_proj/x_proj/dt_proj/out_proj`, `nn.Linear`s all; the conv1d is an
                // `nn.Conv1d`, which all-linear leaves out). Not attention projections.
                (Some(la), _) if kind.linear => {
                    push("in_proj_qkvz", false, Role::AttnQ, l, 2 * la.key_dim() + 2 * la.value_dim(), h);
                    push("in_proj_ba", false, Role::AttnK, l, 2 * la.value_heads, h);
                    push("out_proj", false, Role::AttnO, l, h, la.value_dim());
                }
                (_, Some(m)) if kind.linear => {
                    let in_out = if m.version == 1 { 2 * m.d_inner } else { 2 * m.d_inner + 2 * m.groups * m.d_state + m.dt_rank_or_heads };
                    push("in_proj", false, Role::AttnQ, l, in_out, h);
                    if m.version == 1 {
                        push("x_proj", false, Role::AttnLatent, l, m.dt_rank_or_heads + 2 * m.d_state, m.d_inner);
                        push("dt_proj", false, Role::AttnLatent, l, m.d_inner, m.dt_rank_or_heads);
                    }
                    push("out_proj", false, Role::AttnO, l, h, m.d_inner);
                }
                // BertSelfAttention `query/key/value`, BertSelfOutput `dense`.
                _ if bert => {
                    push("query", true, Role::AttnQ, l, h, h);
                    push("key", true, Role::AttnK, l, h, h);
                    push("value", true, Role::AttnV, l, h, h);
                    push("dense", true, Role::AttnO, l, h, h);
                }
                _ => self.lora_attention(l, fused, &mut push),
            }
            if kind.no_mlp {
                continue;
            }
            if bert {
                // BertIntermediate `dense` (h → I), BertOutput `dense` (I → h).
                push("dense", false, Role::MlpUp, l, self.intermediate, h);
                push("dense", false, Role::MlpDown, l, h, self.intermediate);
                continue;
            }
            let mlp_width = match (kind.moe, self.moe) {
                (true, Some(m)) => {
                    if m.shared_gate {
                        push("shared_expert_gate", false, Role::Router, l, 1, h);
                    }
                    m.shared_experts * m.shared_intermediate
                }
                _ => self.intermediate,
            };
            if fused {
                push("gate_up_proj", false, Role::MlpUp, l, 2 * mlp_width, h);
            } else {
                if !self.ext.mlp_ungated {
                    push("gate_proj", false, Role::MlpGate, l, mlp_width, h);
                }
                push("up_proj", false, Role::MlpUp, l, mlp_width, h);
            }
            push("down_proj", false, Role::MlpDown, l, h, mlp_width);
        }
        out
    }

    /// The attention projections of layer `l` under their module names ([`Arch::lora_modules`]).
    fn lora_attention(&self, l: u32, fused: bool, push: &mut impl FnMut(&'static str, bool, Role, u32, u64, u64)) {
        let h = self.hidden;
        {
            match self.mla {
                Some(m) => {
                    let qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
                    if m.q_lora_rank > 0 {
                        push("q_a_proj", true, Role::AttnLatent, l, m.q_lora_rank, h);
                        push("q_b_proj", true, Role::AttnQ, l, self.heads * qk, m.q_lora_rank);
                    } else {
                        push("q_proj", true, Role::AttnQ, l, self.heads * qk, h);
                    }
                    push("kv_a_proj_with_mqa", true, Role::AttnLatent, l, m.kv_lora_rank + m.qk_rope_head_dim, h);
                    push("kv_b_proj", true, Role::AttnV, l, self.heads * (m.qk_nope_head_dim + m.v_head_dim), m.kv_lora_rank);
                    push("o_proj", true, Role::AttnO, l, h, self.heads * m.v_head_dim);
                }
                None if fused => {
                    push("qkv_proj", true, Role::AttnQ, l, self.q_width() + 2 * self.kv_width(), h);
                    push("o_proj", true, Role::AttnO, l, h, self.q_width());
                }
                None => {
                    // Qwen3-Next's gated attention: q_proj also yields the output gate.
                    let q_out = if self.ext.attn_gate { 2 * self.q_width() } else { self.q_width() };
                    push("q_proj", true, Role::AttnQ, l, q_out, h);
                    push("k_proj", true, Role::AttnK, l, self.kv_width(), h);
                    push("v_proj", true, Role::AttnV, l, self.kv_width(), h);
                    push("o_proj", true, Role::AttnO, l, h, self.q_width());
                }
            }
        }
    }

    /// The modules a `--lora-targets` choice wraps; a name that matches no module of this
    /// family is an error naming the flag and the family's names.
    pub fn lora_modules_for(&self, targets: &LoraTargets) -> Result<Vec<LoraModule>, InputError> {
        let all = self.lora_modules();
        let picked: Vec<LoraModule> = match targets {
            LoraTargets::AllLinear => all,
            LoraTargets::Attention => all.into_iter().filter(|m| m.attention).collect(),
            LoraTargets::Names(names) => {
                for n in names {
                    if !all.iter().any(|m| m.name == n.as_str()) {
                        let mut known: Vec<&str> = all.iter().map(|m| m.name).collect();
                        known.dedup();
                        // The crate's one sort: `slice::sort_unstable` would add its own copy of
                        // the sort to the web bundle (see `crate::sort`).
                        crate::sort::sort(&mut known);
                        known.dedup();
                        return Err(InputError::new(
                            "--lora-targets",
                            format!("\"{n}\" matches no Linear module of {}; its modules: {}", self.model_type, known.join(", ")),
                        ));
                    }
                }
                all.into_iter().filter(|m| names.iter().any(|n| n.as_str() == m.name)).collect()
            }
        };
        if picked.is_empty() {
            return Err(InputError::new("--lora-targets", format!("selects no Linear module of {}", self.model_type)));
        }
        Ok(picked)
    }

    /// KV-cache elements per token per full-attention layer (K and V; MLA: the latent + rope key).
    /// Sources: memory-model.md §3.1–3.2.
    /// DeepSeek-V3.2 adds its indexer's key (index_head_dim) per token and layer.
    pub fn kv_elems_per_token_layer(&self) -> u64 {
        let indexer = self.ext.indexer.map_or(0, |(_, d)| d);
        match self.mla {
            Some(m) => m.kv_lora_rank + m.qk_rope_head_dim + indexer,
            None => 2 * self.kv_heads * self.head_dim,
        }
    }

    /// Largest single layer's parameters (ZeRO-3 gathers about two such units at a time).
    pub fn largest_layer_params(&self) -> u64 {
        let mut per_layer = vec![0u64; self.layers as usize];
        let mut outside = 0u64;
        for t in self.tensors() {
            match per_layer.get_mut(t.layer as usize) {
                Some(slot) => *slot += t.total_elems(),
                None => outside = outside.max(t.total_elems()),
            }
        }
        per_layer.into_iter().max().unwrap_or(0).max(outside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str) -> Arch {
        let path = format!("{}/../../data/calibration/configs/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e} "));
        Arch::from_config_json(&text).unwrap()
    }

    #[test]
    fn calibration_configs_count_exactly() {
        // Measured with sum(p.numel()) on the H100 (calibration/h100-cases.jsonl `params`).
        for (name, params) in [
            ("qwen2.5-0.5b", 494_032_768u64),
            ("llama-3.2-1b", 1_235_814_400),
            ("llama-3.1-8b", 8_030_261_248),
            ("qwen2.5-7b", 7_615_616_512),
            ("qwen3-30b-a3b", 30_532_122_624),
        ] {
            assert_eq!(load(name).param_counts().0, params, "{name}");
        }
    }

    #[test]
    fn a_missing_tie_word_embeddings_takes_the_config_class_default() {
        // Llama-3.1-8B's config without the key: LlamaConfig defaults to untied, so the head is
        // its own 128256 × 4096 matrix (8.03 B, not 7.50 B as a tied reading gives).
        let path = format!("{}/../../data/calibration/configs/llama-3.1-8b.json", env!("CARGO_MANIFEST_DIR"));
        let mut v = crate::json::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(v.as_object_mut().unwrap().remove("tie_word_embeddings").is_some());
        let a = Arch::from_config_value(&v).unwrap();
        assert!(!a.tied_embeddings);
        assert_eq!(a.param_counts().0, 8_030_261_248);
        // The key, where present, wins (Llama-3.2-1B ties).
        assert!(load("llama-3.2-1b").tied_embeddings);
        // Per class (transformers configuration_<type>.py): only the Gemma classes tie.
        for (model_type, tied) in [
            ("llama", false),
            ("mistral", false),
            ("mixtral", false),
            ("qwen2", false),
            ("qwen2_moe", false),
            ("qwen3", false),
            ("qwen3_moe", false),
            ("phi3", false),
            ("deepseek_v2", false),
            ("deepseek_v3", false),
            ("gpt_oss", false),
            ("gemma", true),
            ("gemma2", true),
            ("gemma3_text", true),
        ] {
            let family = Family::from_model_type(model_type).unwrap();
            assert_eq!(family.ties_embeddings_by_default(), tied, "{model_type}");
        }
        let gemma = json(r#"{"model_type":"gemma2","hidden_size":2304,"num_hidden_layers":26,"num_attention_heads":8,
            "num_key_value_heads":4,"head_dim":256,"intermediate_size":9216,"vocab_size":256000}"#);
        assert!(gemma.tied_embeddings);
        let qwen = json(r#"{"model_type":"qwen2","hidden_size":896,"num_hidden_layers":24,"num_attention_heads":14,
            "num_key_value_heads":2,"intermediate_size":4864,"vocab_size":151936}"#);
        assert!(!qwen.tied_embeddings);
    }

    #[test]
    fn lora_rank16_matches_measured_trainables() {
        assert_eq!(load("llama-3.2-1b").lora_params(16), 11_272_192);
        assert_eq!(load("llama-3.1-8b").lora_params(16), 41_943_040);
        assert_eq!(load("qwen2.5-0.5b").lora_params(16), 8_798_208);
    }

    fn json(s: &str) -> Arch {
        Arch::from_config_json(s).unwrap()
    }

    const PHI3_MINI: &str = r#"{"model_type": "phi3", "hidden_size": 3072, "intermediate_size": 8192,
        "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
        "vocab_size": 32064, "tie_word_embeddings": false}"#;

    #[test]
    fn phi3_fused_projections_get_one_adapter_each() {
        let a = json(PHI3_MINI);
        let names: Vec<&str> = a.lora_modules().iter().filter(|m| m.tensor.layer == 0).map(|m| m.name).collect();
        assert_eq!(names, ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]);
        // r·(in + out) per fused module: qkv 3072 → 9216, o, gate_up 3072 → 16384, down 8192 → 3072.
        let per_layer = (3072 + 9216) + (3072 + 3072) + (3072 + 16384) + (8192 + 3072);
        assert_eq!(a.lora_params(16), 16 * 32 * per_layer);
        // Unfused q,k,v would count the input three times: the fused count is smaller.
        let unfused = (3072 + 3072) * 3 + (3072 + 3072) + 2 * (3072 + 8192) + (8192 + 3072);
        assert!(per_layer < unfused);
        let attn = a.lora_modules_for(&LoraTargets::Attention).unwrap();
        assert!(attn.iter().all(|m| m.name == "qkv_proj" || m.name == "o_proj"));
        assert_eq!(attn.len(), 64);
    }

    #[test]
    fn lora_target_names_must_match_a_module_of_the_family() {
        let llama = load("llama-3.2-1b");
        // q_proj,v_proj (PEFT's default mapping for llama): 16 layers × (q + v).
        let qv = llama.lora_modules_for(&LoraTargets::parse("q_proj,v_proj").unwrap()).unwrap();
        assert_eq!(qv.len(), 32);
        // Phi-3 has no q_proj: an error naming the flag and the modules it has.
        let e = json(PHI3_MINI).lora_modules_for(&LoraTargets::parse("q_proj").unwrap()).unwrap_err();
        assert_eq!(e.field, "--lora-targets");
        assert!(e.message.contains("qkv_proj"), "{}", e.message);
        for bad in ["", "q_proj,,v_proj", "q-proj", "lm_head;"] {
            assert_eq!(LoraTargets::parse(bad).unwrap_err().field, "--lora-targets", "{bad}");
        }
        // The output layer is never an all-linear target (PEFT excludes get_output_embeddings()).
        assert!(llama.lora_modules_for(&LoraTargets::parse("lm_head").unwrap()).is_err());
    }

    #[test]
    fn mla_and_moe_targets_follow_transformers_module_names() {
        let v3 = json(r#"{"model_type": "deepseek_v3", "hidden_size": 7168, "num_hidden_layers": 4,
            "num_attention_heads": 128, "num_key_value_heads": 128, "vocab_size": 129280,
            "intermediate_size": 18432, "moe_intermediate_size": 2048, "n_routed_experts": 256,
            "n_shared_experts": 1, "num_experts_per_tok": 8, "first_k_dense_replace": 3,
            "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
            "v_head_dim": 128}"#);
        let attn: Vec<&str> = v3.lora_modules_for(&LoraTargets::Attention).unwrap().iter().filter(|m| m.tensor.layer == 0).map(|m| m.name).collect();
        assert_eq!(attn, ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"]);
        // Layer 3 is MoE: only the shared expert's gate/up/down are Linears (width 1 × 2048);
        // the 256 routed experts are 3-D parameters LoRA's target_modules never wraps.
        let moe: Vec<(&str, u64)> = v3.lora_modules().iter().filter(|m| m.tensor.layer == 3 && !m.attention).map(|m| (m.name, m.tensor.out.min(m.tensor.inp))).collect();
        assert_eq!(moe, [("gate_proj", 2048), ("up_proj", 2048), ("down_proj", 2048)]);
        let gpt_oss = json(r#"{"model_type": "gpt_oss", "hidden_size": 2880, "num_hidden_layers": 2,
            "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 201088,
            "intermediate_size": 2880, "num_local_experts": 32, "num_experts_per_tok": 4}"#);
        let names: Vec<&str> = gpt_oss.lora_modules().iter().map(|m| m.name).collect();
        assert!(names.iter().all(|n| ["q_proj", "k_proj", "v_proj", "o_proj"].contains(n)), "{names:?}");
        assert!(gpt_oss.lora_modules_for(&LoraTargets::parse("gate_proj").unwrap()).is_err());
    }

    #[test]
    fn published_counts_of_other_families() {
        // memory-model.md §1.2/1.3 (validated there against measured numel and checkpoints).
        let mixtral = json(r#"{"model_type":"mixtral","hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,
            "num_attention_heads":32,"num_key_value_heads":8,"vocab_size":32000,"num_local_experts":8,"num_experts_per_tok":2,
            "tie_word_embeddings":false}"#);
        assert_eq!(mixtral.param_counts().0, 46_702_792_704);
        let mistral = json(r#"{"model_type":"mistral","hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,
            "num_attention_heads":32,"num_key_value_heads":8,"vocab_size":32000,"sliding_window":4096,"tie_word_embeddings":false}"#);
        assert_eq!(mistral.param_counts().0, 7_241_732_096);
        assert_eq!(mistral.sliding_window, Some(4096));
        let gemma2 = json(r#"{"model_type":"gemma2","hidden_size":2304,"intermediate_size":9216,"num_hidden_layers":26,
            "num_attention_heads":8,"num_key_value_heads":4,"head_dim":256,"vocab_size":256000,"sliding_window":4096}"#);
        assert_eq!(gemma2.param_counts().0, 2_614_341_888);
        assert_eq!(gemma2.layer_kinds.iter().filter(|k| k.sliding).count(), 13);
        let phi3 = json(r#"{"model_type":"phi3","hidden_size":3072,"intermediate_size":8192,"num_hidden_layers":32,
            "num_attention_heads":32,"num_key_value_heads":32,"vocab_size":32064,"tie_word_embeddings":false}"#);
        assert_eq!(phi3.param_counts().0, 3_821_079_552);
        let qwen3 = json(r#"{"model_type":"qwen3","hidden_size":4096,"intermediate_size":12288,"num_hidden_layers":36,
            "num_attention_heads":32,"num_key_value_heads":8,"head_dim":128,"vocab_size":151936,"tie_word_embeddings":false}"#);
        assert_eq!(qwen3.param_counts().0, 8_190_735_360);
        let v2lite = json(r#"{"model_type":"deepseek_v2","hidden_size":2048,"intermediate_size":10944,"moe_intermediate_size":1408,
            "num_hidden_layers":27,"num_attention_heads":16,"num_key_value_heads":16,"n_routed_experts":64,"n_shared_experts":2,
            "num_experts_per_tok":6,"first_k_dense_replace":1,"moe_layer_freq":1,"q_lora_rank":null,"kv_lora_rank":512,
            "qk_nope_head_dim":128,"qk_rope_head_dim":64,"v_head_dim":128,"vocab_size":102400,"tie_word_embeddings":false,
            "topk_method":"greedy"}"#);
        assert_eq!(v2lite.param_counts().0, 15_706_484_224);
        let v3 = json(r#"{"model_type":"deepseek_v3","hidden_size":7168,"intermediate_size":18432,"moe_intermediate_size":2048,
            "num_hidden_layers":61,"num_attention_heads":128,"num_key_value_heads":128,"n_routed_experts":256,"n_shared_experts":1,
            "num_experts_per_tok":8,"first_k_dense_replace":3,"moe_layer_freq":1,"q_lora_rank":1536,"kv_lora_rank":512,
            "qk_nope_head_dim":128,"qk_rope_head_dim":64,"v_head_dim":128,"vocab_size":129280,"tie_word_embeddings":false,
            "topk_method":"noaux_tc","num_nextn_predict_layers":1}"#);
        assert_eq!(v3.param_counts().0, 671_026_419_200);
        assert_eq!(v3.kv_elems_per_token_layer() * 61 * 2, 70_272);
        let oss120 = json(r#"{"model_type":"gpt_oss","hidden_size":2880,"intermediate_size":2880,"num_hidden_layers":36,
            "num_attention_heads":64,"num_key_value_heads":8,"head_dim":64,"num_local_experts":128,"num_experts_per_tok":4,
            "vocab_size":201088,"sliding_window":128,"tie_word_embeddings":false}"#);
        assert_eq!(oss120.param_counts().0, 116_829_156_672);
        let oss20 = json(r#"{"model_type":"gpt_oss","hidden_size":2880,"intermediate_size":2880,"num_hidden_layers":24,
            "num_attention_heads":64,"num_key_value_heads":8,"head_dim":64,"num_local_experts":32,"num_experts_per_tok":4,
            "vocab_size":201088,"sliding_window":128,"tie_word_embeddings":false}"#);
        assert_eq!(oss20.param_counts().0, 20_914_757_184);
    }

    /// An unknown model_type read by DeepSeek-V3's fields keeps DeepseekV3TopkRouter's
    /// `e_score_correction_bias` (one per routed expert and MoE layer) only with
    /// `topk_method: "noaux_tc"`: GLM-5's `glm_moe_dsa` was 76 × 256 short of the Hub's total.
    /// Gemma 3n against a count written out separately from transformers' modeling_gemma3n.py
    /// (commit 00aa0f5; see model/gemma3n.rs): E2B text 4,456,156,768 (embedding 262,400 × 2048,
    /// PLE 262,144 × 30·256, projections, 30 layers) + audio tower 681,348,640 + the two
    /// multimodal embedders 7,805,952; E4B text 6,866,696,688 + the same towers. The 10 / 15
    /// KV-shared layers keep no cache.
    #[test]
    fn gemma3n_counts_ple_altup_laurel_audio_and_shares_kv() {
        let c = crate::catalog::load().unwrap();
        // With timm's mobilenetv5_300m_enc (294,126,912, model/gemma3n.rs `mobilenetv5`) the totals
        // are the Hub's safetensors totals (data/reference/published-params.csv).
        for (id, want, cached) in [("gemma-3n-e2b-it", 5_145_311_360u64 + 294_126_912, 20usize), ("gemma-3n-e4b-it", 7_555_851_280 + 294_126_912, 20)] {
            let a = c.models.iter().find(|m| m.id == id).unwrap().arch().unwrap();
            assert_eq!(a.family, Family::Gemma3n, "{id}");
            assert_eq!(a.param_counts().0, want, "{id}");
            assert_eq!(a.layer_kinds.iter().filter(|k| k.has_kv()).count(), cached, "{id}");
            assert!(a.ext.notes.iter().any(|n| n.contains("vision tower (timm mobilenetv5_300m_enc) counted")), "{id}");
            assert_eq!(a.ext.vision.as_ref().map(|v| (v.params, v.tokens_per_image)), Some((294_126_912, 256)), "{id}");
        }
        // A text-only config (no towers) and a bad intermediate list.
        let text = r#"{"model_type":"gemma3n_text","hidden_size":2048,"num_hidden_layers":30,"num_attention_heads":8,"num_key_value_heads":2,"head_dim":256,"vocab_size":262400,"intermediate_size":8192,"num_kv_shared_layers":10}"#;
        assert_eq!(Arch::from_config_json(text).unwrap().param_counts().0, 4_456_156_768);
        let bad = text.replace("\"intermediate_size\":8192", "\"intermediate_size\":[8192,8192]");
        let e = Arch::from_config_json(&bad).unwrap_err();
        assert!(e.to_string().contains("intermediate_size"), "{e}");
        let bad = text.replace("\"num_kv_shared_layers\":10", "\"num_kv_shared_layers\":30");
        assert!(Arch::from_config_json(&bad).unwrap_err().to_string().contains("num_kv_shared_layers"));
    }

    #[test]
    fn unknown_type_counts_the_noaux_tc_router_bias() {
        let cfg = |topk: &str| {
            Arch::from_config_json(&format!(
                r#"{{"model_type":"not_a_known_type","hidden_size":256,"intermediate_size":512,"moe_intermediate_size":64,
                "num_hidden_layers":4,"num_attention_heads":4,"n_routed_experts":16,"n_shared_experts":1,"num_experts_per_tok":2,
                "first_k_dense_replace":1,"vocab_size":1000{topk}}}"#
            ))
            .unwrap()
        };
        let plain = cfg("");
        let noaux = cfg(r#","topk_method":"noaux_tc""#);
        let greedy = cfg(r#","topk_method":"greedy""#);
        assert!(!plain.moe.as_ref().unwrap().router_bias);
        assert!(noaux.moe.as_ref().unwrap().router_bias);
        // 3 MoE layers (first_k_dense_replace 1 of 4) × 16 experts.
        assert_eq!(noaux.param_counts().0 - plain.param_counts().0, 3 * 16);
        assert_eq!(greedy.param_counts().0, plain.param_counts().0);
    }

    /// Block-wise FP8 checkpoints: one fp32 scale per 128×128 block of each FP8 Linear, counted
    /// by the Hub (deepseek-ai/DeepSeek-V3: 684,531,386,000, F32 41,555,600 = 41,540,496 scales
    /// plus 59 × 256 router biases; data/reference/published-params.csv); none with
    /// `scale_fmt` "ue8m0" and none without a `weight_block_size`.
    #[test]
    fn fp8_block_scales_close_deepseek_v3s_checkpoint_count() {
        let base = r#""model_type":"deepseek_v3","hidden_size":7168,"intermediate_size":18432,"moe_intermediate_size":2048,
            "num_hidden_layers":61,"num_attention_heads":128,"num_key_value_heads":128,"n_routed_experts":256,"n_shared_experts":1,
            "num_experts_per_tok":8,"first_k_dense_replace":3,"moe_layer_freq":1,"q_lora_rank":1536,"kv_lora_rank":512,
            "qk_nope_head_dim":128,"qk_rope_head_dim":64,"v_head_dim":128,"vocab_size":129280,"tie_word_embeddings":false,
            "topk_method":"noaux_tc","num_nextn_predict_layers":1"#;
        let with = |qc: &str| Arch::from_config_json(&format!("{{{base},\"quantization_config\":{qc}}}"));
        let v3 = with(r#"{"quant_method":"fp8","fmt":"e4m3","weight_block_size":[128,128]}"#).unwrap();
        assert_eq!(v3.ext.fp8_scale_block, Some((128, 128)));
        assert_eq!(v3.fp8_scale_params(), 41_540_496);
        assert_eq!(v3.param_counts().0, 671_026_419_200, "the scales are not in the forward count");
        assert_eq!(v3.checkpoint_params(), 684_531_386_000);
        let ue8m0 = with(r#"{"quant_method":"fp8","scale_fmt":"ue8m0","weight_block_size":[128,128]}"#).unwrap();
        assert_eq!(ue8m0.fp8_scale_params(), 0);
        assert_eq!(ue8m0.checkpoint_params(), 684_489_845_504);
        assert_eq!(with(r#"{"quant_method":"fp8"}"#).unwrap().fp8_scale_params(), 0);
        assert_eq!(with(r#"{"quant_method":"mxfp4","weight_block_size":[128,128]}"#).unwrap().fp8_scale_params(), 0);
        for bad in ["[128]", "[0,128]", "[128,\"x\"]"] {
            let e = with(&format!(r#"{{"quant_method":"fp8","weight_block_size":{bad}}}"#)).unwrap_err().to_string();
            assert!(e.contains("weight_block_size"), "{bad}: {e}");
        }
        // Smaller blocks, more scales: 64×64 has four times as many for these shapes' multiples of 128.
        let b64 = with(r#"{"quant_method":"fp8","weight_block_size":[64,64]}"#).unwrap();
        assert!(b64.fp8_scale_params() > 4 * 41_000_000, "{}", b64.fp8_scale_params());
    }

    #[test]
    fn bad_configs_name_the_field() {
        for (text, field) in [
            ("{", "config.json"),
            ("[]", "config.json"),
            // An encoder is read now (issue 15: embedding and reranker models); this one lacks
            // its sizes. A type with no decoder or encoder fields is still refused.
            (r#"{"model_type":"bert"}"#, "hidden_size"),
            (r#"{"model_type":"t5"}"#, "model_type"),
            (r#"{"model_type":"llama"}"#, "hidden_size"),
            (r#"{"model_type":"llama","hidden_size":-5}"#, "hidden_size"),
            (r#"{"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":5,"vocab_size":10}"#, "num_key_value_heads"),
            (r#"{"model_type":"llama","hidden_size":1e30,"num_hidden_layers":32}"#, "hidden_size"),
            (r#"{"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,"vocab_size":"big"}"#, "vocab_size"),
        ] {
            let err = Arch::from_config_json(text).unwrap_err();
            assert_eq!(err.field, field, "{text}: {err}");
        }
    }

    #[test]
    fn manual_model_matches_config() {
        let arch = ManualModel::default().to_arch().unwrap();
        assert_eq!(arch.param_counts().0, 8_030_261_248);
        let bad = ManualModel { kv_heads: 7, ..ManualModel::default() };
        assert_eq!(bad.to_arch().unwrap_err().field, "kv_heads");
    }
}

// ------------------------------------------------------------------ JSON form of an `Arch`

impl Family {
    /// The family's name in the JSON form of an [`Arch`] (the variant in `snake_case`).
    pub fn json_name(self) -> &'static str {
        match self {
            Family::Llama => "llama",
            Family::Mistral => "mistral",
            Family::Mixtral => "mixtral",
            Family::Qwen2 => "qwen2",
            Family::Qwen2Moe => "qwen2_moe",
            Family::Qwen3 => "qwen3",
            Family::Qwen3Moe => "qwen3_moe",
            Family::Gemma => "gemma",
            Family::Gemma2 => "gemma2",
            Family::Gemma3 => "gemma3",
            Family::Phi3 => "phi3",
            Family::DeepseekV2 => "deepseek_v2",
            Family::DeepseekV3 => "deepseek_v3",
            Family::GptOss => "gpt_oss",
            Family::Qwen3Next => "qwen3_next",
            Family::Glm4Moe => "glm4_moe",
            Family::MinimaxM2 => "minimax_m2",
            Family::Llama4 => "llama4",
            Family::Encoder => "encoder",
            Family::Jamba => "jamba",
            Family::NemotronH => "nemotron_h",
            Family::Gemma3n => "gemma3n",
            Family::Custom => "custom",
        }
    }
    const ALL: [Family; 23] = [
        Family::Llama,
        Family::Mistral,
        Family::Mixtral,
        Family::Qwen2,
        Family::Qwen2Moe,
        Family::Qwen3,
        Family::Qwen3Moe,
        Family::Gemma,
        Family::Gemma2,
        Family::Gemma3,
        Family::Phi3,
        Family::DeepseekV2,
        Family::DeepseekV3,
        Family::GptOss,
        Family::Qwen3Next,
        Family::Glm4Moe,
        Family::MinimaxM2,
        Family::Llama4,
        Family::Encoder,
        Family::Jamba,
        Family::NemotronH,
        Family::Gemma3n,
        Family::Custom,
    ];
}

impl Ext {
    fn to_json(&self) -> Value {
        use crate::json::object;
        let linear = self.linear.map_or(Value::Null, |l| {
            let mut o = object([
                ("key_heads", l.key_heads.into()),
                ("key_head_dim", l.key_head_dim.into()),
                ("value_heads", l.value_heads.into()),
                ("value_head_dim", l.value_head_dim.into()),
                ("conv_kernel", l.conv_kernel.into()),
            ]);
            if l.ssm_dtype_bytes > 0 {
                o["ssm_dtype_bytes"] = l.ssm_dtype_bytes.into();
            }
            o
        });
        let indexer = self.indexer.map_or(Value::Null, |(n, d)| object([("heads", n.into()), ("head_dim", d.into())]));
        let vision = self.vision.as_ref().map_or(Value::Null, |v| {
            let mut o = object([("params", v.params.into()), ("tokens_per_image", v.tokens_per_image.into()), ("note", v.note.as_str().into())]);
            for (k, x) in [("cross_states_per_image", v.cross_states_per_image), ("act_elems_per_image", v.act_elems_per_image)] {
                if x > 0 {
                    o[k] = x.into();
                }
            }
            o
        });
        let notes: Vec<Value> = self.notes.iter().map(|n| n.as_str().into()).collect();
        let encoder = self.encoder.map_or(Value::Null, |e| {
            let (head, labels) = match e.head {
                encoder::EncoderHead::None => ("none", 0),
                encoder::EncoderHead::RobertaClassifier(n) => ("roberta_classifier", n),
                encoder::EncoderHead::BertClassifier(n) => ("bert_classifier", n),
                encoder::EncoderHead::MaskedLm => ("masked_lm", 0),
            };
            object([
                ("positions", e.positions.into()),
                ("token_types", e.token_types.into()),
                ("pooler", e.pooler.into()),
                ("head", head.into()),
                ("labels", labels.into()),
            ])
        });
        let ssm = self.ssm.map_or(Value::Null, |m| {
            let mut o = object([
                ("version", u64::from(m.version).into()),
                ("d_inner", m.d_inner.into()),
                ("d_state", m.d_state.into()),
                ("conv_kernel", m.conv_kernel.into()),
                ("dt_rank_or_heads", m.dt_rank_or_heads.into()),
                ("groups", m.groups.into()),
                ("conv_bias", m.conv_bias.into()),
                ("proj_bias", m.proj_bias.into()),
                ("inner_norms", m.inner_norms.into()),
            ]);
            if m.ssm_cache_dtype_bytes > 0 {
                o["ssm_cache_dtype_bytes"] = m.ssm_cache_dtype_bytes.into();
            }
            o
        });
        let mut out = object([
            ("linear", linear),
            ("attn_gate", self.attn_gate.into()),
            ("qk_norm_full", self.qk_norm_full.into()),
            ("indexer", indexer),
            ("mtp_layers", self.mtp_layers.into()),
            ("mtp_embed_head", self.mtp_embed_head.into()),
            ("vision", vision),
            ("notes", Value::Array(notes)),
        ]);
        // Written only when set, so the forms stored before they existed read back unchanged.
        if self.task != Task::Generate {
            out["task"] = self.task.name().into();
        }
        for (k, v) in [("encoder", encoder), ("ssm", ssm)] {
            if v != Value::Null {
                out[k] = v;
            }
        }
        for (k, v) in [("mlp_ungated", self.mlp_ungated), ("mlp_bias", self.mlp_bias)] {
            if v {
                out[k] = v.into();
            }
        }
        if self.extra_embed_rows > 0 {
            out["extra_embed_rows"] = self.extra_embed_rows.into();
        }
        if let Some((r, c)) = self.fp8_scale_block {
            out["fp8_scale_block"] = Value::Array(vec![r.into(), c.into()]);
        }
        if let Some(g) = &self.gemma3n {
            out["gemma3n"] = g.to_json();
        }
        out
    }

    fn from_json(m: &crate::json::Map) -> Result<Ext, InputError> {
        let f = ArchFields(m, "model.ext");
        let sized = |k: &str, v: u64, max: u64| crate::error::check_range(k, v, 0, max);
        let linear = match f.obj("linear")? {
            None => None,
            Some(o) => {
                let g = ArchFields(o, "model.ext.linear");
                Some(hybrid::LinearAttn {
                    key_heads: sized("key_heads", g.u("key_heads")?, MAX_HEADS)?,
                    key_head_dim: sized("key_head_dim", g.u("key_head_dim")?, MAX_HEAD_DIM)?,
                    value_heads: sized("value_heads", g.u("value_heads")?, MAX_HEADS)?,
                    value_head_dim: sized("value_head_dim", g.u("value_head_dim")?, MAX_HEAD_DIM)?,
                    conv_kernel: sized("conv_kernel", g.u("conv_kernel")?, 1024)?,
                    ssm_dtype_bytes: sized("ssm_dtype_bytes", o.get("ssm_dtype_bytes").and_then(Value::as_u64).unwrap_or(0), 8)?,
                })
            }
        };
        let indexer = match f.obj("indexer")? {
            None => None,
            Some(o) => {
                let g = ArchFields(o, "model.ext.indexer");
                Some((sized("heads", g.u("heads")?, MAX_HEADS)?, sized("head_dim", g.u("head_dim")?, MAX_HEAD_DIM)?))
            }
        };
        let vision = match f.obj("vision")? {
            None => None,
            Some(o) => {
                let g = ArchFields(o, "model.ext.vision");
                Some(vision::Vision {
                    params: sized("params", g.u("params")?, MAX_VOCAB * MAX_HIDDEN)?,
                    tokens_per_image: sized("tokens_per_image", g.u("tokens_per_image")?, MAX_VOCAB)?,
                    note: String::from(o.get("note").and_then(Value::as_str).unwrap_or("")),
                    cross_states_per_image: sized("cross_states_per_image", o.get("cross_states_per_image").and_then(Value::as_u64).unwrap_or(0), MAX_VOCAB)?,
                    act_elems_per_image: sized("act_elems_per_image", o.get("act_elems_per_image").and_then(Value::as_u64).unwrap_or(0), MAX_VOCAB * MAX_HIDDEN)?,
                })
            }
        };
        let notes = m
            .get("notes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default();
        let encoder = match f.obj("encoder")? {
            None => None,
            Some(o) => {
                let g = ArchFields(o, "model.ext.encoder");
                let labels = sized("labels", g.u("labels")?, MAX_VOCAB)?;
                let head = match o.get("head").and_then(Value::as_str) {
                    Some("none") => encoder::EncoderHead::None,
                    Some("roberta_classifier") => encoder::EncoderHead::RobertaClassifier(labels),
                    Some("bert_classifier") => encoder::EncoderHead::BertClassifier(labels),
                    Some("masked_lm") => encoder::EncoderHead::MaskedLm,
                    _ => return Err(g.bad("head")),
                };
                Some(encoder::Encoder {
                    positions: sized("positions", g.u("positions")?, MAX_VOCAB)?,
                    token_types: sized("token_types", g.u("token_types")?, MAX_VOCAB)?,
                    pooler: g.b("pooler")?,
                    head,
                })
            }
        };
        let ssm = match f.obj("ssm")? {
            None => None,
            Some(o) => {
                let g = ArchFields(o, "model.ext.ssm");
                Some(ssm::Ssm {
                    version: sized("version", g.u("version")?, 2)?.max(1) as u8,
                    d_inner: sized("d_inner", g.u("d_inner")?, MAX_INTERMEDIATE)?,
                    d_state: sized("d_state", g.u("d_state")?, 1 << 16)?,
                    conv_kernel: sized("conv_kernel", g.u("conv_kernel")?, 1024)?,
                    dt_rank_or_heads: sized("dt_rank_or_heads", g.u("dt_rank_or_heads")?, MAX_HIDDEN)?,
                    groups: sized("groups", g.u("groups")?, MAX_HEADS)?,
                    conv_bias: g.b("conv_bias")?,
                    proj_bias: g.b("proj_bias")?,
                    inner_norms: g.b("inner_norms")?,
                    ssm_cache_dtype_bytes: sized("ssm_cache_dtype_bytes", o.get("ssm_cache_dtype_bytes").and_then(Value::as_u64).unwrap_or(0), 8)?,
                })
            }
        };
        let task = match m.get("task") {
            None | Some(Value::Null) => Task::Generate,
            Some(v) => v.as_str().and_then(Task::parse).ok_or_else(|| f.bad("task"))?,
        };
        let flag = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
        Ok(Ext {
            task,
            encoder,
            ssm,
            mlp_ungated: flag("mlp_ungated"),
            mlp_bias: flag("mlp_bias"),
            extra_embed_rows: sized("extra_embed_rows", m.get("extra_embed_rows").and_then(Value::as_u64).unwrap_or(0), MAX_VOCAB)?,
            fp8_scale_block: match m.get("fp8_scale_block").and_then(Value::as_array).map(|a| a.iter().map(Value::as_u64).collect::<Vec<_>>()) {
                None => None,
                Some(v) => match v[..] {
                    [Some(r), Some(c)] => Some((sized("fp8_scale_block", r, MAX_HIDDEN)?.max(1), sized("fp8_scale_block", c, MAX_HIDDEN)?.max(1))),
                    _ => return Err(f.bad("fp8_scale_block")),
                },
            },
            gemma3n: match m.get("gemma3n").and_then(Value::as_object) {
                Some(o) => Some(gemma3n::Gemma3n::from_json(o)?),
                None => None,
            },
            linear,
            attn_gate: f.b("attn_gate")?,
            qk_norm_full: f.b("qk_norm_full")?,
            indexer,
            mtp_layers: sized("mtp_layers", f.u("mtp_layers")?, MAX_LAYERS)?,
            mtp_embed_head: f.b("mtp_embed_head")?,
            vision,
            notes,
        })
    }
}

/// Reads the fields of one JSON object of the [`Arch`] form, naming the missing or bad one.
struct ArchFields<'a>(&'a crate::json::Map, &'static str);

impl ArchFields<'_> {
    fn bad(&self, key: &str) -> InputError {
        InputError::new(self.1, format!("field `{key}` is missing or not of its type"))
    }
    fn u(&self, key: &str) -> Result<u64, InputError> {
        self.0.get(key).and_then(Value::as_u64).ok_or_else(|| self.bad(key))
    }
    fn b(&self, key: &str) -> Result<bool, InputError> {
        self.0.get(key).and_then(Value::as_bool).ok_or_else(|| self.bad(key))
    }
    fn obj(&self, key: &str) -> Result<Option<&crate::json::Map>, InputError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(self.bad(key)),
        }
    }
}

impl Arch {
    /// The architecture as a JSON object (field names and order as in the struct, `family` in
    /// snake_case, absent options as `null`): a dropped file's model is kept in this form in
    /// links and local storage (`testdata/arch-json.txt` pins it).
    pub fn to_json(&self) -> Value {
        use crate::json::object;
        let mla = self.mla.map_or(Value::Null, |m| {
            object([
                ("q_lora_rank", m.q_lora_rank.into()),
                ("kv_lora_rank", m.kv_lora_rank.into()),
                ("qk_nope_head_dim", m.qk_nope_head_dim.into()),
                ("qk_rope_head_dim", m.qk_rope_head_dim.into()),
                ("v_head_dim", m.v_head_dim.into()),
            ])
        });
        let moe = self.moe.map_or(Value::Null, |m| {
            object([
                ("experts", m.experts.into()),
                ("top_k", m.top_k.into()),
                ("expert_intermediate", m.expert_intermediate.into()),
                ("shared_experts", m.shared_experts.into()),
                ("shared_intermediate", m.shared_intermediate.into()),
                ("shared_gate", m.shared_gate.into()),
                ("router_bias", m.router_bias.into()),
                ("expert_bias", m.expert_bias.into()),
            ])
        });
        let kinds: Vec<Value> = self
            .layer_kinds
            .iter()
            .map(|k| {
                let mut o = object([("moe", k.moe.into()), ("sliding", k.sliding.into())]);
                for (name, on) in [("linear", k.linear), ("no_mixer", k.no_mixer), ("no_mlp", k.no_mlp), ("cross", k.cross), ("kv_shared", k.kv_shared)] {
                    if on {
                        o[name] = true.into();
                    }
                }
                o
            })
            .collect();
        let mut out = object([
            ("family", self.family.json_name().into()),
            ("hidden", self.hidden.into()),
            ("layers", self.layers.into()),
            ("heads", self.heads.into()),
            ("kv_heads", self.kv_heads.into()),
            ("head_dim", self.head_dim.into()),
            ("intermediate", self.intermediate.into()),
            ("vocab", self.vocab.into()),
            ("tied_embeddings", self.tied_embeddings.into()),
            ("qkv_bias", self.qkv_bias.into()),
            ("o_bias", self.o_bias.into()),
            ("qk_norm", self.qk_norm.into()),
            ("norms_per_layer", self.norms_per_layer.into()),
            ("attention_sinks", self.attention_sinks.into()),
            ("logit_softcap", self.logit_softcap.into()),
            ("mla", mla),
            ("moe", moe),
            ("sliding_window", self.sliding_window.into()),
            ("layer_kinds", Value::Array(kinds)),
            ("max_context", self.max_context.into()),
            ("model_type", self.model_type.as_str().into()),
        ]);
        // Only the newer architectures carry `ext`, so older stored forms stay as they were.
        if self.ext != Ext::default() {
            out["ext"] = self.ext.to_json();
        }
        out
    }

    /// Reads [`Arch::to_json`]'s form back. The sizes are checked as a config's are, so a link
    /// someone edited cannot make the estimator overflow.
    pub fn from_json(v: &Value) -> Result<Arch, InputError> {
        const WHAT: &str = "model";
        let m = v.as_object().ok_or_else(|| InputError::new(WHAT, "must be a JSON object"))?;
        let f = ArchFields(m, WHAT);
        let family_name = m.get("family").and_then(Value::as_str).ok_or_else(|| f.bad("family"))?;
        let family = Family::ALL.into_iter().find(|x| x.json_name() == family_name).ok_or_else(|| f.bad("family"))?;
        let mla = match f.obj("mla")? {
            None => None,
            Some(o) => {
                let g = ArchFields(o, "model.mla");
                Some(Mla {
                    q_lora_rank: g.u("q_lora_rank")?,
                    kv_lora_rank: g.u("kv_lora_rank")?,
                    qk_nope_head_dim: g.u("qk_nope_head_dim")?,
                    qk_rope_head_dim: g.u("qk_rope_head_dim")?,
                    v_head_dim: g.u("v_head_dim")?,
                })
            }
        };
        let moe = match f.obj("moe")? {
            None => None,
            Some(o) => {
                let g = ArchFields(o, "model.moe");
                Some(Moe {
                    experts: g.u("experts")?,
                    top_k: g.u("top_k")?,
                    expert_intermediate: g.u("expert_intermediate")?,
                    shared_experts: g.u("shared_experts")?,
                    shared_intermediate: g.u("shared_intermediate")?,
                    shared_gate: g.b("shared_gate")?,
                    router_bias: g.b("router_bias")?,
                    expert_bias: g.b("expert_bias")?,
                })
            }
        };
        let sliding_window = match m.get("sliding_window") {
            None | Some(Value::Null) => None,
            Some(x) => Some(x.as_u64().ok_or_else(|| f.bad("sliding_window"))?),
        };
        let kinds = m.get("layer_kinds").and_then(Value::as_array).ok_or_else(|| f.bad("layer_kinds"))?;
        let layers = crate::error::check_range("layers", f.u("layers")?, 1, MAX_LAYERS)?;
        if kinds.len() as u64 != layers {
            return Err(InputError::new(WHAT, format!("has {} layer kinds for {layers} layers", kinds.len())));
        }
        let layer_kinds = kinds
            .iter()
            .map(|k| {
                let o = k.as_object().ok_or_else(|| f.bad("layer_kinds"))?;
                let g = ArchFields(o, "model.layer_kinds");
                let flag = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
                Ok(LayerKind { moe: g.b("moe")?, sliding: g.b("sliding")?, linear: flag("linear"), no_mixer: flag("no_mixer"), no_mlp: flag("no_mlp"), cross: flag("cross"), kv_shared: flag("kv_shared") })
            })
            .collect::<Result<Vec<_>, InputError>>()?;
        let arch = Arch {
            family,
            hidden: crate::error::check_range("hidden", f.u("hidden")?, 1, MAX_HIDDEN)?,
            layers,
            heads: crate::error::check_range("heads", f.u("heads")?, 1, MAX_HEADS)?,
            kv_heads: crate::error::check_range("kv_heads", f.u("kv_heads")?, 1, MAX_HEADS)?,
            head_dim: crate::error::check_range("head_dim", f.u("head_dim")?, 1, MAX_HEAD_DIM)?,
            intermediate: crate::error::check_range("intermediate", f.u("intermediate")?, 0, MAX_INTERMEDIATE)?,
            vocab: crate::error::check_range("vocab", f.u("vocab")?, 1, MAX_VOCAB)?,
            tied_embeddings: f.b("tied_embeddings")?,
            qkv_bias: f.b("qkv_bias")?,
            o_bias: f.b("o_bias")?,
            qk_norm: f.b("qk_norm")?,
            norms_per_layer: crate::error::check_range("norms_per_layer", f.u("norms_per_layer")?, 0, 16)?,
            attention_sinks: f.b("attention_sinks")?,
            logit_softcap: m.get("logit_softcap").and_then(Value::as_bool).unwrap_or(false),
            mla,
            moe,
            sliding_window,
            layer_kinds,
            max_context: f.u("max_context")?,
            model_type: String::from(m.get("model_type").and_then(Value::as_str).ok_or_else(|| f.bad("model_type"))?),
            ext: match f.obj("ext")? {
                None => Ext::default(),
                Some(o) => Ext::from_json(o)?,
            },
        };
        if let Some(moe) = &arch.moe {
            crate::error::check_range("experts", moe.experts, 1, MAX_EXPERTS)?;
            crate::error::check_range("top_k", moe.top_k, 1, moe.experts)?;
            crate::error::check_range("expert_intermediate", moe.expert_intermediate, 1, MAX_INTERMEDIATE)?;
            crate::error::check_range("shared_experts", moe.shared_experts, 0, MAX_EXPERTS)?;
            crate::error::check_range("shared_intermediate", moe.shared_intermediate, 0, MAX_INTERMEDIATE)?;
        }
        if let Some(mla) = &arch.mla {
            for (k, v) in [("q_lora_rank", mla.q_lora_rank), ("kv_lora_rank", mla.kv_lora_rank)] {
                crate::error::check_range(k, v, 0, MAX_HIDDEN)?;
            }
            for (k, v) in [("qk_nope_head_dim", mla.qk_nope_head_dim), ("qk_rope_head_dim", mla.qk_rope_head_dim), ("v_head_dim", mla.v_head_dim)] {
                crate::error::check_range(k, v, 0, MAX_HEAD_DIM)?;
            }
        }
        Ok(arch)
    }
}

#[cfg(test)]
mod json_form_tests {
    use super::*;

    fn archs() -> Vec<Arch> {
        let cat = crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap();
        let mut v: Vec<Arch> = cat.models.iter().map(|p| Arch::from_config_value(&p.config).unwrap()).collect();
        v.push(ManualModel { experts: 8, experts_per_token: 2, ..ManualModel::default() }.to_arch().unwrap());
        v
    }

    #[test]
    fn to_json_reads_back_as_the_same_arch() {
        for a in archs() {
            let text = crate::json::to_string(&a.to_json());
            assert_eq!(Arch::from_json(&crate::json::parse(&text).unwrap()).unwrap(), a, "{}", a.model_type);
        }
    }

    /// The form links and local storage hold: it reads, and writes back to the same text, key
    /// order included.
    #[test]
    fn the_stored_form_reads_and_writes_back_unchanged() {
        let golden = include_str!("../testdata/arch-json.txt");
        let mut n = 0;
        for line in golden.lines().filter(|l| !l.starts_with('#')) {
            let (id, text) = line.split_once('\t').unwrap();
            let a = Arch::from_json(&crate::json::parse(text).unwrap()).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(crate::json::to_string(&a.to_json()), text, "{id}");
            n += 1;
        }
        assert_eq!(n, 3);
    }

    #[test]
    fn from_json_names_what_is_wrong() {
        let a = archs().remove(0);
        let mut v = a.to_json();
        v["hidden"] = Value::from("big");
        assert!(Arch::from_json(&v).unwrap_err().to_string().contains("hidden"));
        let mut v = a.to_json();
        v["layers"] = Value::from(3u64);
        assert!(Arch::from_json(&v).unwrap_err().to_string().contains("layer kinds"));
        let mut v = a.to_json();
        v["vocab"] = Value::from(u64::MAX);
        assert!(Arch::from_json(&v).is_err());
        assert!(Arch::from_json(&Value::from(3u64)).is_err());
    }
}
