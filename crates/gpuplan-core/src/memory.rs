//! GPU memory of a workload: weights, KV cache, activations, gradients, optimizer states and
//! runtime, per GPU, for inference engines (HF transformers, vLLM, llama.cpp) and training
//! (full bf16 / mixed precision, LoRA, QLoRA, ZeRO/FSDP, tensor/pipeline parallel).
//!
//! Every constant is a mechanism with a source (memory-model.md section in brackets) or a
//! measured property of the runtime (CUDA context, cuBLAS workspace), never a per-model fit.

use alloc::string::String;
use alloc::vec::Vec;
use alloc::format;

use crate::arith::smul;
use crate::error::{check_range, InputError};
use crate::formats::{self, KvFormat, WeightFormat};
use crate::model::{Arch, LoraModule, LoraTargets, Role, Tensor};

pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;

/// What the GPUs are doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Inference,
    /// Full fine-tuning (all parameters trained).
    Full,
    /// Pre-training: the memory of full training; speed/cost use the token budget.
    Pretrain,
    Lora,
    Qlora,
}

impl Mode {
    pub const NAMES: &'static str = "inference, full, pretrain, lora, qlora";
    pub fn parse(s: &str) -> Result<Mode, InputError> {
        Ok(match s {
            "inference" | "infer" => Mode::Inference,
            "full" => Mode::Full,
            "pretrain" | "pre-training" => Mode::Pretrain,
            "lora" => Mode::Lora,
            "qlora" => Mode::Qlora,
            _ => return Err(InputError::new("--mode", format!("\"{s}\" is not a mode; allowed: {}", Self::NAMES))),
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Mode::Inference => "inference",
            Mode::Full => "full",
            Mode::Pretrain => "pretrain",
            Mode::Lora => "lora",
            Mode::Qlora => "qlora",
        }
    }
    pub fn is_training(self) -> bool {
        self != Mode::Inference
    }
}

/// The inference engine (each allocates memory its own way, memory-model.md §3.5–3.6, §8.16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// transformers + PyTorch `generate()`: the cache grows per token.
    Hf,
    /// vLLM: takes `gpu_memory_utilization × total` and fills the rest with paged KV.
    Vllm,
    /// llama.cpp: `n_ctx` preallocated at load, compute buffers, optional partial offload.
    LlamaCpp,
    /// SGLang: takes `mem_fraction_static × total` for weights and its KV pool ([`crate::sglang`]).
    Sglang,
}

impl Engine {
    pub const NAMES: &'static str = "hf, vllm, llama.cpp, sglang";
    pub fn parse(s: &str) -> Result<Engine, InputError> {
        Ok(match s {
            "hf" | "transformers" => Engine::Hf,
            "vllm" => Engine::Vllm,
            "llama.cpp" | "llamacpp" | "llama-cpp" | "ollama" => Engine::LlamaCpp,
            "sglang" => Engine::Sglang,
            _ => return Err(InputError::new("--engine", format!("\"{s}\" is not an engine; allowed: {}", Self::NAMES))),
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Engine::Hf => "hf",
            Engine::Vllm => "vllm",
            Engine::LlamaCpp => "llama.cpp",
            Engine::Sglang => "sglang",
        }
    }
}

/// Training precision regime (memory-model.md §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// Parameters, gradients and optimizer states in bf16.
    Bf16,
    /// fp32 master weights, autocast bf16 compute (torch AMP / ZeRO mixed precision).
    Mixed,
}

impl Precision {
    pub fn parse(s: &str) -> Result<Precision, InputError> {
        Ok(match s {
            "bf16" => Precision::Bf16,
            "mixed" | "amp" => Precision::Mixed,
            _ => return Err(InputError::new("--precision", format!("\"{s}\" is not a precision; allowed: bf16, mixed"))),
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Precision::Bf16 => "bf16",
            Precision::Mixed => "mixed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    Adamw,
    Adamw8bit,
    Sgd,
    Adafactor,
    Lion,
}

impl Optimizer {
    pub const NAMES: &'static str = "adamw, adamw8bit, sgd, adafactor, lion";
    pub fn parse(s: &str) -> Result<Optimizer, InputError> {
        Ok(match s {
            "adamw" | "adam" => Optimizer::Adamw,
            "adamw8bit" | "adamw_8bit" | "adam8bit" => Optimizer::Adamw8bit,
            "sgd" => Optimizer::Sgd,
            "adafactor" => Optimizer::Adafactor,
            "lion" => Optimizer::Lion,
            _ => {
                return Err(InputError::new("--optimizer", format!("\"{s}\" is not an optimizer; allowed: {}", Self::NAMES)))
            }
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Adamw => "adamw",
            Optimizer::Adamw8bit => "adamw8bit",
            Optimizer::Sgd => "sgd",
            Optimizer::Adafactor => "adafactor",
            Optimizer::Lion => "lion",
        }
    }
}

/// Everything about the run except the model. Integer counts; `gpu_memory_utilization` in
/// per-mille so the core needs no floats.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    pub mode: Mode,
    pub weights: WeightFormat,
    pub kv_cache: KvFormat,
    /// Concurrent sequences (inference) or micro-batch (training).
    pub batch: u64,
    /// Prompt tokens per sequence (inference).
    pub prompt: u64,
    /// Generated tokens per sequence (inference).
    pub new_tokens: u64,
    /// Training sequence length.
    pub seq: u64,
    pub precision: Precision,
    pub optimizer: Optimizer,
    pub grad_ckpt: bool,
    pub lora_rank: u64,
    /// Which Linear modules LoRA wraps (`--lora-targets`; PEFT `target_modules`).
    pub lora_targets: LoraTargets,
    /// GPUs in total (= tensor × pipeline × data parallel).
    pub gpus: u64,
    /// Tensor-parallel size (0 = choose: inference splits over all GPUs, training uses 1).
    pub tensor_parallel: u64,
    /// Pipeline stages (0 = 1).
    pub pipeline_parallel: u64,
    /// ZeRO stage over the data-parallel GPUs (FSDP FULL_SHARD = 3, SHARD_GRAD_OP = 2).
    pub zero: u8,
    /// Optimizer states (and fp32 master) offloaded to CPU memory (ZeRO-Offload).
    pub offload_optimizer: bool,
    pub engine: Engine,
    /// transformers `generate(cache_implementation="static")`: the cache is allocated at its
    /// full length up front and `generate` compiles the decode step (affects `hf` decode speed).
    pub static_cache: bool,
    /// vLLM `gpu_memory_utilization` in per-mille (900 = 0.9).
    pub gpu_memory_utilization_permille: u32,
    /// Memory of one GPU in bytes (vLLM sizes its pool from it; fit verdicts compare to it).
    pub gpu_memory_bytes: u64,
    /// llama.cpp `--n-gpu-layers` as llama.cpp counts it: the output layer is layer
    /// `n_layer`, so `n_layer + 1` puts everything on the GPUs (None = all).
    pub gpu_layers: Option<u64>,
    /// vLLM's scheduler and graph options (`--max-model-len`, `--max-num-seqs`,
    /// `--max-num-batched-tokens`, `--enforce-eager`).
    pub vllm: crate::vllm::VllmOptions,
    /// SGLang's options (`--mem-fraction-static`, `--context-length`).
    pub sglang: crate::sglang::SglangOptions,
    /// llama.cpp's context, batch, cache, offload and runtime settings ([`crate::llamacpp`]).
    pub llama_cpp: crate::llamacpp::Options,
    /// Images per sequence (`--images`, inference): each adds its vision tokens to the prompt
    /// ([`crate::model::vision::Vision::tokens_per_image`]), or, for Llama 3.2 Vision, its states
    /// to every cross-attention layer's cache.
    pub images: u64,
}

/// An H100 80GB as the driver reports it: 81559 MiB (calibration/README.md).
pub const H100_VISIBLE_BYTES: u64 = 81_559 * MIB;

impl Default for Workload {
    fn default() -> Self {
        Workload {
            mode: Mode::Inference,
            weights: WeightFormat::Bf16,
            kv_cache: KvFormat::Bf16,
            batch: 1,
            prompt: 2048,
            new_tokens: 256,
            seq: 2048,
            precision: Precision::Bf16,
            optimizer: Optimizer::Adamw,
            grad_ckpt: false,
            lora_rank: 16,
            lora_targets: LoraTargets::AllLinear,
            gpus: 1,
            tensor_parallel: 0,
            pipeline_parallel: 0,
            zero: 0,
            offload_optimizer: false,
            engine: Engine::Hf,
            static_cache: false,
            gpu_memory_utilization_permille: 900,
            gpu_memory_bytes: H100_VISIBLE_BYTES,
            gpu_layers: None,
            vllm: crate::vllm::VllmOptions::default(),
            sglang: crate::sglang::SglangOptions::default(),
            llama_cpp: crate::llamacpp::Options::default(),
            images: 0,
        }
    }
}

/// Bytes per GPU by kind. `total()` is what the driver would show for the process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Breakdown {
    pub weights: u64,
    pub kv_cache: u64,
    pub activations: u64,
    pub gradients: u64,
    pub optimizer: u64,
    /// CUDA context, library workspaces, allocator slack, engine buffers.
    pub runtime: u64,
}

impl Breakdown {
    pub fn total(&self) -> u64 {
        self.weights
            .saturating_add(self.kv_cache)
            .saturating_add(self.activations)
            .saturating_add(self.gradients)
            .saturating_add(self.optimizer)
            .saturating_add(self.runtime)
    }
    pub const LABELS: [&'static str; 6] = ["weights", "kv_cache", "activations", "gradients", "optimizer", "runtime"];
    pub fn parts(&self) -> [u64; 6] {
        [self.weights, self.kv_cache, self.activations, self.gradients, self.optimizer, self.runtime]
    }
    /// `{"weights": …, "kv_cache": …, …}`: the [`Breakdown::LABELS`] with their bytes.
    pub fn to_json(&self) -> crate::json::Value {
        let mut m = crate::json::Map::new();
        for (label, bytes) in Self::LABELS.iter().zip(self.parts()) {
            m.insert(String::from(*label), bytes.into());
        }
        m.into()
    }
}

/// How the GPUs split the work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub gpus: u64,
    pub tensor_parallel: u64,
    pub pipeline_parallel: u64,
    pub data_parallel: u64,
    pub zero: u8,
}

impl Layout {
    /// `{"gpus", "tensor_parallel", "pipeline_parallel", "data_parallel", "zero"}`.
    pub fn to_json(&self) -> crate::json::Value {
        crate::json::object([
            ("gpus", self.gpus.into()),
            ("tensor_parallel", self.tensor_parallel.into()),
            ("pipeline_parallel", self.pipeline_parallel.into()),
            ("data_parallel", self.data_parallel.into()),
            ("zero", u64::from(self.zero).into()),
        ])
    }
}

pub use crate::vllm::VllmPool;

#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub params: u64,
    pub active_params: u64,
    pub trainable_params: u64,
    /// Peak bytes per GPU (the most loaded GPU).
    pub total_bytes: u64,
    /// Per GPU.
    pub breakdown: Breakdown,
    /// Sum over all GPUs.
    pub all_gpus_bytes: u64,
    pub layout: Layout,
    /// KV-cache bytes per token of context, whole model (before TP split).
    pub kv_bytes_per_token: u64,
    /// Weight bytes of the whole model in the chosen format.
    pub model_weight_bytes: u64,
    /// Host (CPU) memory the run needs: offloaded optimizer, llama.cpp layers left on the CPU.
    pub host_bytes: u64,
    pub vllm: Option<VllmPool>,
    /// vLLM's accounting as its log prints it (with `vllm`).
    pub vllm_accounting: Option<crate::vllm::Accounting>,
    /// SGLang's pool (`--engine sglang`).
    pub sglang: Option<crate::sglang::SglangPool>,
    /// Bytes per GPU of `breakdown.runtime` that are the caching allocator's slack: segments it
    /// has reserved but that hold no live tensor at the peak (freed blocks it keeps cached).
    pub allocator_slack: u64,
    /// The fit on the workload's own card (`gpu_memory_bytes`); [`Estimate::verdict`] answers
    /// for any other capacity.
    pub verdict: Verdict,
    /// Plain-language remarks (warnings, what was assumed).
    pub notes: Vec<String>,
}

/// Does the run fit a card? PyTorch's caching allocator, when a `cudaMalloc` fails, frees its
/// cached unused segments and retries before it raises out-of-memory
/// (`c10/cuda/CUDACachingAllocator.cpp`, `DeviceCachingAllocator::malloc`:
/// `release_available_cached_blocks` then `release_cached_blocks`, each followed by another
/// `alloc_block`). So a run whose total exceeds the card only by allocator slack still runs:
/// "fits, tight" (slower, and only if the slack sits in wholly free segments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Total (slack included) within the card.
    Fits,
    /// Over the card only by the allocator's cached slack.
    FitsTight,
    /// Live tensors alone exceed the card (or vLLM cannot start).
    DoesNotFit,
}

impl Verdict {
    /// The JSON spelling: `fits`, `fits_tight`, `does_not_fit`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Fits => "fits",
            Verdict::FitsTight => "fits_tight",
            Verdict::DoesNotFit => "does_not_fit",
        }
    }
    /// Plain words for tables: "fits", "fits, tight", "does not fit".
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Fits => "fits",
            Verdict::FitsTight => "fits, tight",
            Verdict::DoesNotFit => "does not fit",
        }
    }
}

impl Estimate {
    /// The fit on a card of `capacity_bytes` per GPU: [`Verdict::Fits`] when the total is within
    /// it, [`Verdict::FitsTight`] when only the allocator slack is over, else
    /// [`Verdict::DoesNotFit`] (also when vLLM's pool cannot hold one sequence).
    pub fn verdict(&self, capacity_bytes: u64) -> Verdict {
        fit_verdict(self.total_bytes, self.allocator_slack, self.vllm, capacity_bytes)
    }

    /// The estimate as a JSON object, fields in declaration order (the CLI's `--json` and the
    /// page's JSON export both write this).
    pub fn to_json(&self) -> crate::json::Value {
        use crate::json::{object, Value};
        let mut v = object([
            ("params", self.params.into()),
            ("active_params", self.active_params.into()),
            ("trainable_params", self.trainable_params.into()),
            ("total_bytes", self.total_bytes.into()),
            ("breakdown", self.breakdown.to_json()),
            ("all_gpus_bytes", self.all_gpus_bytes.into()),
            ("layout", self.layout.to_json()),
            ("kv_bytes_per_token", self.kv_bytes_per_token.into()),
            ("model_weight_bytes", self.model_weight_bytes.into()),
            ("host_bytes", self.host_bytes.into()),
            ("vllm", self.vllm.map_or(Value::Null, |p| {
                let mut v = p.to_json();
                if let Some(a) = self.vllm_accounting {
                    a.add_to_json(&mut v);
                }
                v
            })),
            ("allocator_slack", self.allocator_slack.into()),
            ("verdict", self.verdict.name().into()),
            ("notes", Value::Array(self.notes.iter().map(|n| n.as_str().into()).collect())),
        ]);
        if let (Some(p), Some(o)) = (self.sglang, v.as_object_mut()) {
            o.insert("sglang".into(), p.to_json());
        }
        v
    }
}

// Measured runtime constants (calibration/README.md, H100, torch 2.11 + CUDA 13):
/// CUDA context + PyTorch init + cuBLAS handles, outside PyTorch's pool:
/// 1103 MiB used − 418 MiB reserved after the first bf16 GEMM.
pub const TORCH_NON_POOL_BYTES: u64 = 685 * MIB;
/// cuBLASLt workspace allocated through the caching allocator on Hopper (pytorch PR #120925).
pub const CUBLAS_WORKSPACE_BYTES: u64 = 32 * MIB;
/// Kernels a training step adds to the context outside PyTorch's pool: CUDA loads each kernel's
/// module on first launch (lazy loading, the default since CUDA 12.2 and in PyTorch builds), and a
/// training step launches the autograd backward kernels, the loss and the optimizer's foreach
/// kernels that inference never does. Measured (calibration/README.md stack): 767–773 MiB outside
/// the pool in every directly measured training run of all three trained models, against 685 MiB
/// after the first bf16 GEMM.
pub const TORCH_TRAIN_KERNELS_BYTES: u64 = 86 * MIB;
/// bitsandbytes' CUDA kernels module loaded into the context (calibration: bnb runs show
/// ≈ 50 MiB more outside the pool than plain bf16 runs of the same process).
pub const BNB_MODULE_BYTES: u64 = 50 * MIB;
/// NCCL communicator buffers per process when GPUs > 1 (memory-model.md §4.2: "100s of MiB").
pub const NCCL_BYTES: u64 = 256 * MIB;
/// llama.cpp's CUDA context (no PyTorch): driver context + cuBLAS.
pub const LLAMA_CPP_CONTEXT_BYTES: u64 = 350 * MIB;
/// vLLM CUDA-graph capture memory (memory-model.md §4.2: 0.2–1 GiB).
pub const VLLM_CUDA_GRAPH_BYTES: u64 = 512 * MIB;

/// Largest accepted values (absurd inputs get a message, not an overflow).
pub const MAX_BATCH: u64 = 1 << 16;
pub const MAX_TOKENS: u64 = 1 << 24;
pub const MAX_IMAGES: u64 = 1024;
pub const MAX_GPUS: u64 = 1 << 16;
pub const MAX_LORA_RANK: u64 = 1 << 16;

/// Saturating product.
fn mul(xs: &[u64]) -> u64 {
    xs.iter().fold(1u64, |acc, x| smul(acc, *x))
}

impl Workload {
    /// Checks every field; the error names the field and the allowed range.
    pub fn validate(&self, arch: &Arch) -> Result<Layout, InputError> {
        check_range("--batch", self.batch, 1, MAX_BATCH)?;
        check_range("--gpus", self.gpus, 1, MAX_GPUS)?;
        if self.mode == Mode::Inference {
            check_range("--prompt", self.prompt, 1, MAX_TOKENS)?;
            check_range("--new-tokens", self.new_tokens, 0, MAX_TOKENS)?;
        } else {
            check_range("--seq", self.seq, 1, MAX_TOKENS)?;
        }
        check_range("--images", self.images, 0, MAX_IMAGES)?;
        if self.images > 0 && arch.ext.vision.is_none() {
            return Err(InputError::new(
                "--images",
                format!("{} has no vision encoder in its config (no vision_config this estimator reads); images need a vision-language model, leave --images at 0", arch.model_type),
            ));
        }
        if matches!(self.mode, Mode::Lora | Mode::Qlora) {
            check_range("--lora-rank", self.lora_rank, 1, MAX_LORA_RANK)?;
        }
        if self.zero > 3 {
            return Err(InputError::range("--zero", self.zero as u64, 0, 3));
        }
        check_range("--gpu-memory-utilization", self.gpu_memory_utilization_permille as u64, 50, 1000)?;
        check_range("gpu memory", self.gpu_memory_bytes, MIB, 1 << 50)?;
        let tp = match self.tensor_parallel {
            0 if self.mode == Mode::Inference && self.engine != Engine::LlamaCpp => self.gpus,
            0 => 1,
            t => t,
        };
        let pp = self.pipeline_parallel.max(1);
        let tp = check_range("--tensor-parallel", tp, 1, self.gpus)?;
        let pp = check_range("--pipeline-parallel", pp, 1, self.gpus)?;
        if !self.gpus.is_multiple_of(tp * pp) {
            return Err(InputError::new(
                "--gpus",
                format!("{} GPUs cannot be split into tensor {tp} × pipeline {pp} groups; use a multiple of {}", self.gpus, tp * pp),
            ));
        }
        if pp > arch.layers {
            return Err(InputError::range("--pipeline-parallel", pp, 1, arch.layers));
        }
        if !arch.heads.is_multiple_of(tp) {
            return Err(InputError::new(
                "--tensor-parallel",
                format!("{tp} must divide the {} attention heads", arch.heads),
            ));
        }
        if let Some(n) = self.gpu_layers {
            check_range("--gpu-layers", n, 0, arch.layers + 1)?;
        }
        if self.mode == Mode::Qlora && !matches!(self.weights, WeightFormat::Nf4 { .. }) {
            return Err(InputError::new("--weights", "QLoRA trains on an nf4 base; use --weights nf4"));
        }
        if matches!(self.weights, WeightFormat::Gguf(_)) && self.mode.is_training() {
            return Err(InputError::new("--weights", "GGUF formats are for llama.cpp inference; training needs bf16, fp16, fp32 or nf4 (QLoRA)"));
        }
        Ok(Layout { gpus: self.gpus, tensor_parallel: tp, pipeline_parallel: pp, data_parallel: self.gpus / (tp * pp), zero: self.zero })
    }
}

/// A model prepared once (tensor list and counts), then estimated for many workloads.
#[derive(Clone, Debug)]
pub struct Model {
    pub arch: Arch,
    pub tensors: Vec<Tensor>,
    pub params: u64,
    pub active_params: u64,
    /// Exact weight bytes read from a model file (GGUF tensor table, safetensors header) and
    /// the format that file is stored in: used instead of the formula for that format.
    pub file_weights: Option<(WeightFormat, u64)>,
    /// (format, layer bytes, outside-layer bytes) of every format of
    /// [`formats::ALL_FORMATS`] (and nf4 with double quant), computed once: an estimate then
    /// looks its weights up instead of walking every tensor (GGUF type rules included).
    weight_cache: Vec<(WeightFormat, u64, u64)>,
    /// [`Arch::largest_layer_params`], computed once.
    largest_layer_params: u64,
    /// A GGUF's tensors by name with their exact bytes (llama.cpp's per-device buffers);
    /// empty for other sources.
    pub gguf_tensors: Vec<(String, u64)>,
}

impl Model {
    pub fn new(arch: Arch) -> Model {
        let tensors = arch.tensors();
        let (params, active_params) = arch.param_counts();
        let mut weight_cache: Vec<(WeightFormat, u64, u64)> = Vec::with_capacity(formats::ALL_FORMATS.len() + 1);
        for f in formats::ALL_FORMATS.iter().copied().chain(core::iter::once(WeightFormat::Nf4 { double_quant: true })) {
            if !weight_cache.iter().any(|c| c.0 == f) {
                let (l, o) = formats::weight_bytes_split(&arch, &tensors, f);
                weight_cache.push((f, l, o));
            }
        }
        let largest_layer_params = arch.largest_layer_params();
        Model { arch, tensors, params, active_params, file_weights: None, weight_cache, largest_layer_params, gguf_tensors: Vec::new() }
    }

    /// The formula's (layer, outside) bytes, from the cache when the format is in it.
    fn formula_split(&self, format: WeightFormat) -> (u64, u64) {
        match self.weight_cache.iter().find(|c| c.0 == format) {
            Some(&(_, l, o)) => (l, o),
            None => formats::weight_bytes_split(&self.arch, &self.tensors, format),
        }
    }

    /// The model with the exact weight bytes of a file stored in `format`.
    pub fn with_file_weights(mut self, format: WeightFormat, bytes: u64) -> Model {
        self.file_weights = Some((format, bytes));
        self
    }

    /// Weight bytes in `format`: the file's own bytes when it is stored in `format`, else the
    /// formula of [`formats::weight_bytes`].
    pub fn weight_bytes(&self, format: WeightFormat) -> u64 {
        match self.file_weights {
            Some((f, bytes)) if f == format => bytes,
            _ => {
                let (l, o) = self.formula_split(format);
                l + o
            }
        }
    }

    /// (layer, outside-layer) weight bytes; with file weights the formula's split is scaled
    /// to the file's total.
    pub fn weight_bytes_split(&self, format: WeightFormat) -> (u64, u64) {
        let (layers, outside) = self.formula_split(format);
        match self.file_weights {
            Some((f, bytes)) if f == format && layers + outside > 0 => {
                let l = ((bytes as u128 * layers as u128) / (layers as u128 + outside as u128)) as u64;
                (l, bytes - l)
            }
            _ => (layers, outside),
        }
    }

    /// KV bytes per token of context summed over layers, with `stored(layer_is_sliding)` tokens.
    fn kv_bytes(&self, kv: KvFormat, tokens_full: u64, tokens_sliding: u64, kv_heads_div: u64) -> u64 {
        let per_layer = self.arch.kv_elems_per_token_layer();
        let per_layer = if self.arch.mla.is_some() { per_layer } else { per_layer / kv_heads_div.max(1) };
        // Linear-attention layers (Qwen3-Next's Gated DeltaNet) keep no KV cache; their fixed
        // per-sequence state is `Arch::linear_state_bytes`. Every full (sliding) layer stores the
        // same bytes: the layer's bytes times the count of such layers.
        let (full, sliding) = self.arch.layer_kinds.iter().filter(|k| k.has_kv()).fold((0u64, 0u64), |(f, s), k| if k.sliding { (f, s + 1) } else { (f + 1, s) });
        let layer = |tokens: u64| kv.bytes(smul(per_layer, tokens));
        smul(layer(tokens_full), full).saturating_add(smul(layer(tokens_sliding), sliding))
    }

    pub fn kv_bytes_per_token(&self, kv: KvFormat) -> u64 {
        self.kv_bytes(kv, 1, 1, 1)
    }

    /// Live activation bytes per token of one dense decoder layer during HF prefill with SDPA:
    /// the SwiGLU MLP keeps act(gate), up and their product (3·I) while the residual stream
    /// holds the embedding output, the layer input, the residual and the normed input (4·h).
    /// Derived from `modeling_llama.py`; calibration: 8·b·s·I ± 5 % for dense models (§4.1).
    fn prefill_dense_elems_per_token(&self) -> u64 {
        // Phi-3 fuses gate and up into one 2·I output whose storage stays alive while act(gate)
        // and the product exist (`modeling_phi3.py` Phi3MLP): 4·I instead of 3·I.
        // An ungated MLP (BERT's GELU, Nemotron-H's ReLU²) keeps up and act(up): 2·I.
        let mlp = if self.arch.family == crate::model::Family::Phi3 {
            4
        } else if self.arch.ext.mlp_ungated {
            2
        } else {
            3
        };
        mlp * self.arch.intermediate + 4 * self.arch.hidden
    }

    /// The same for a sparse MoE layer run as one grouped GEMM over the k routed copies of each
    /// token: gathered input, gate/up (2·I_e), act and product (2·I_e), down output and its
    /// routing-weighted copy: k·(3·h + 4·I_e). Derived from transformers 5 MoE experts forward;
    /// calibration qwen3-30b-a3b: 72.2·h bytes per token measured vs 72·h.
    fn prefill_moe_elems_per_token(&self) -> u64 {
        match self.arch.moe {
            Some(m) => m.top_k * (3 * self.arch.hidden + 4 * m.expert_intermediate),
            None => 0,
        }
    }

    fn prefill_elems_per_token(&self) -> u64 {
        let dense = if self.arch.layer_kinds.iter().any(|k| !k.moe) { self.prefill_dense_elems_per_token() } else { 0 };
        dense.max(self.prefill_moe_elems_per_token())
    }

    /// Attention when no fused kernel applies: fp32 weights with grouped KV heads reach SDPA's
    /// math path (flash attention has no fp32 kernel, memory-efficient attention no GQA), in
    /// fp32 elements per token. `_scaled_dot_product_attention_math` (PyTorch 2.5+
    /// `aten/src/ATen/native/transformers/attention.cpp`) materialises the scores (b·n_q·s²) and
    /// calls `_safe_softmax`, which holds the scores, the softmax output and a bool mask of the
    /// −inf scores (`self.eq(-inf)`, 1 B each) at once: 9 B = 2.25 fp32 elements per score.
    /// Beside them: q, its scaled copy and the GQA-expanded key (3·h_q), k and v (2·h_kv) and
    /// the residual stream (4·h). Calibration: 2.25·n_q·s + 7.4·h per token measured on both
    /// fp32 models (Llama-3.2-1B, Qwen2.5-0.5B, b1·s512 and b8·s2048).
    fn math_attention_elems_per_token(&self, s: u64) -> u64 {
        (9 * self.arch.heads * s).div_ceil(4) + 3 * self.arch.q_width() + 2 * self.arch.kv_width() + 4 * self.arch.hidden
    }

    /// Saved activations per token per layer for training, bytes, HF Llama-family layer with
    /// SDPA, bf16 (memory-model.md §5.3): 12·h + 8·h_q + 8·h_kv + 8·I, where the dense MLP
    /// term becomes k·(8·I_e + 4·h) in MoE layers (routed copies of gate/up/act/product and
    /// the gathered input and output) plus the router logits (E·4).
    fn train_bytes_per_token_layer(&self, kind_moe: bool) -> u64 {
        let a = &self.arch;
        let attn = 12 * a.hidden + 8 * a.q_width() + 8 * a.kv_width() + self.extra_norm_bytes_per_token_layer();
        let mlp = match (kind_moe, a.moe) {
            (true, Some(m)) => {
                m.top_k * (8 * m.expert_intermediate + 4 * a.hidden)
                    + 4 * m.experts
                    + 8 * m.shared_experts * m.shared_intermediate
            }
            _ => 8 * a.intermediate,
        };
        attn + mlp
    }

    /// Saved bytes of the norms beyond the two Llama RMSNorms the 12·h above counts. Llama's
    /// RMSNorm (`modeling_llama.py` LlamaRMSNorm, bf16 model) saves its fp32 input (for `pow`
    /// and the `rsqrt` product, 4 B) and the bf16 normalised tensor the weight multiplies
    /// (2 B): 6 B per element. Gemma's RMSNorm (`modeling_gemma2.py`, `modeling_gemma3.py`:
    /// `self._norm(x.float()) * (1.0 + self.weight.float())`) keeps the fp32 input and the fp32
    /// normalised tensor: 8 B.
    /// Gemma 2/3 have four norms per layer (input, post-attention, pre- and post-feedforward),
    /// and Qwen3/Gemma 3 also norm q and k per head (h_q + h_kv elements). No calibration run
    /// trains a Gemma or a Qwen3 model: this term is derived from the modeling code only.
    fn extra_norm_bytes_per_token_layer(&self) -> u64 {
        let a = &self.arch;
        let gemma = matches!(a.family, crate::model::Family::Gemma | crate::model::Family::Gemma2 | crate::model::Family::Gemma3);
        let per_elem = if gemma { 8 } else { 6 };
        let qk = if a.qk_norm { a.q_width() + a.kv_width() } else { 0 };
        (per_elem * (a.norms_per_layer * a.hidden + qk)).saturating_sub(12 * a.hidden)
    }

    /// Sum over layers of saved activation bytes per token.
    fn train_bytes_per_token_all_layers(&self) -> u64 {
        self.arch.layer_kinds.iter().map(|k| self.train_bytes_per_token_layer(k.moe)).sum()
    }

    fn max_train_bytes_per_token_layer(&self) -> u64 {
        self.arch.layer_kinds.iter().map(|k| self.train_bytes_per_token_layer(k.moe)).max().unwrap_or(0)
    }

    /// Extra saved bytes per token per layer under LoRA with fp32 adapters (PEFT default
    /// `autocast_adapter_dtype=True`), averaged over the layers: each wrapped Linear saves an
    /// fp32 cast of its input (4·in) and the fp32 A output (4·r), while the frozen base Linears
    /// stop saving their bf16 inputs (a frozen weight needs no input for its gradient): the
    /// attention input, the attention output, the MLP input and the MLP product,
    /// 2·(2·h + h_o + I). With all-linear on a Llama layer: +16·h + 2·h_q + 2·I + 28·r. Derived
    /// from PEFT `tuners/lora/layer.py` (`_cast_input_dtype`) and autograd's saved tensors.
    /// Signed: wrapping only the attention of a wide-MLP model saves less than full training.
    fn lora_extra_bytes_per_token_layer(&self, modules: &[LoraModule], rank: u64) -> i128 {
        let a = &self.arch;
        let added: u64 = modules.iter().map(|m| m.tensor.count * 4 * (m.tensor.inp + rank)).sum();
        let removed = 2 * (2 * a.hidden + a.attn_out_width() + a.intermediate);
        (added / a.layers.max(1)) as i128 - removed as i128
    }
}

/// LoRA trainable parameters of `modules` at `rank`: r·(in + out) each (PEFT `lora_A`, `lora_B`).
fn lora_params(modules: &[LoraModule], rank: u64) -> u64 {
    modules.iter().map(|m| mul(&[rank, m.tensor.inp + m.tensor.out, m.tensor.count])).fold(0u64, u64::saturating_add)
}

/// The estimate for one model and workload.
/// The workload with its images as prompt tokens (inference): `images ×
/// tokens_per_image` more context per sequence, which every engine's KV cache and prefill see.
fn with_image_tokens(arch: &Arch, w: &Workload) -> Workload {
    match (&arch.ext.vision, w.mode) {
        (Some(v), Mode::Inference) if w.images > 0 => Workload { prompt: w.prompt.saturating_add(w.images.saturating_mul(v.tokens_per_image)), ..w.clone() },
        _ => w.clone(),
    }
}

/// What images add beside their context tokens (inference, per GPU): Llama 3.2 Vision's
/// cross-attention keys and values over each image's states (`MllamaTextCrossAttention`, kept in
/// the cache for the whole generation), and the vision encoder's live activations while it
/// encodes the batch's images, which run before the prefill (the peak is the larger of the two).
fn add_image_memory(model: &Model, w: &Workload, layout: &Layout, b: &mut Breakdown) {
    let arch = &model.arch;
    let Some(v) = arch.ext.vision.as_ref().filter(|_| w.images > 0 && w.mode == Mode::Inference) else {
        return;
    };
    let cross_layers = arch.layer_kinds.iter().filter(|k| k.cross).count() as u64;
    let per_state = arch.kv_elems_per_token_layer() / kv_heads_split(arch, layout.tensor_parallel);
    let cross = w.kv_cache.bytes(mul(&[w.batch, w.images, v.cross_states_per_image, cross_layers, per_state])) / layout.pipeline_parallel;
    b.kv_cache = b.kv_cache.saturating_add(cross);
    let encoder = mul(&[w.batch, w.images, v.act_elems_per_image, w.weights.activation_bytes()]);
    b.activations = b.activations.max(encoder);
}

/// Whether [`estimate`]'s numbers (breakdown, totals, verdict, pools) are the same at every
/// batch, only its notes differing: vLLM and SGLang size their pools from the card and their
/// scheduler limits, not from the batch asked; images add per-sequence memory
/// ([`add_image_memory`]). The sizing search ([`crate::serving`]) then estimates once per
/// replica instead of once per batch; a test checks it over every preset.
pub fn numbers_batch_independent(model: &Model, w: &Workload) -> bool {
    matches!(w.engine, Engine::Vllm | Engine::Sglang) && w.mode == Mode::Inference && !(model.arch.ext.vision.is_some() && w.images > 0)
}

pub fn estimate(model: &Model, w: &Workload) -> Result<Estimate, InputError> {
    let layout = w.validate(&model.arch)?;
    let with_images = with_image_tokens(&model.arch, w);
    let w = &with_images;
    let mut notes = Vec::new();
    notes.extend(model.arch.ext.notes.iter().cloned());
    notes.extend(model.arch.context_note(if w.mode == Mode::Inference { w.prompt + w.new_tokens } else { w.seq }));
    let model_weight_bytes = model.weight_bytes(w.weights);
    let kv_per_token = model.kv_bytes_per_token(w.kv_cache);
    let (layer_bytes, outside_bytes) = model.weight_bytes_split(w.weights);
    let model_split = layout.tensor_parallel * layout.pipeline_parallel;
    // Per GPU: layers split over TP×PP; embedding/head split over TP and kept by the first/last
    // stage (counted whole on the busiest GPU).
    let weights_per_gpu = layer_bytes / model_split + outside_bytes / layout.tensor_parallel;
    let mut host_bytes = 0;
    let mut allocator_slack = 0;
    let mut sglang = None;

    let (mut b, trainable, vllm) = if w.mode == Mode::Inference {
        let (mut b, vllm) = inference(model, w, &layout, weights_per_gpu, &mut host_bytes, &mut allocator_slack, &mut notes)?;
        add_image_memory(model, w, &layout, &mut b);
        if w.engine == Engine::Sglang {
            sglang = Some(sglang_pool_laid_out(model, w, &layout, weights_per_gpu, w.gpu_memory_bytes));
        }
        (b, 0, vllm)
    } else {
        let (b, trainable) = training(model, w, &layout, weights_per_gpu, &mut host_bytes, &mut allocator_slack, &mut notes)?;
        (b, trainable, None)
    };
    // vLLM counts the module in its profile (non-torch memory) before sizing the pool.
    if w.weights.is_bitsandbytes() && !(w.mode == Mode::Inference && w.engine == Engine::Vllm) {
        b.runtime += BNB_MODULE_BYTES;
    }
    let total_bytes = b.total();
    let verdict = fit_verdict(total_bytes, allocator_slack, vllm, w.gpu_memory_bytes);
    let (needs, has) = (total_bytes as f64 / GIB as f64, w.gpu_memory_bytes as f64 / GIB as f64);
    if w.engine != Engine::Vllm {
        match verdict {
            Verdict::DoesNotFit => notes.push(format!("needs {needs:.1} GiB per GPU but the GPU has {has:.1} GiB: does not fit")),
            Verdict::FitsTight => notes.push(format!(
                "needs {needs:.1} GiB per GPU with {:.1} GiB of allocator cache; the GPU has {has:.1} GiB: fits, tight (PyTorch frees its cache and retries before it raises out-of-memory)",
                allocator_slack as f64 / GIB as f64
            )),
            Verdict::Fits => {}
        }
    }
    Ok(Estimate {
        params: model.params,
        active_params: model.active_params,
        trainable_params: trainable,
        total_bytes,
        breakdown: b,
        all_gpus_bytes: total_bytes.saturating_mul(layout.gpus),
        layout,
        kv_bytes_per_token: kv_per_token,
        model_weight_bytes,
        host_bytes,
        vllm,
        vllm_accounting: vllm.map(|_| {
            let d = vllm_demand_laid_out(model, w, &layout, weights_per_gpu);
            crate::vllm::accounting(&d, w.gpu_memory_bytes, w.gpu_memory_utilization_permille)
        }),
        sglang,
        allocator_slack,
        verdict,
        notes,
    })
}

/// Whether a card of `capacity` bytes holds a run of `total` bytes per GPU of which `slack` is
/// the allocator's cached slack (see [`Estimate::verdict`]); callers that size a requirement
/// per card count (the page's every-card table) use it with their own totals.
pub fn fit_verdict(total: u64, slack: u64, vllm: Option<VllmPool>, capacity: u64) -> Verdict {
    if let Some(p) = vllm {
        if p.max_concurrent_sequences == 0 || total > p.requested_bytes {
            return Verdict::DoesNotFit;
        }
    }
    if total <= capacity {
        Verdict::Fits
    } else if total.saturating_sub(slack) <= capacity {
        Verdict::FitsTight
    } else {
        Verdict::DoesNotFit
    }
}

/// Reserved-but-unused memory left by loading a bitsandbytes 4-bit checkpoint. bitsandbytes
/// quantizes on the way to the GPU: `Params4bit.to(cuda)` calls `_quantize`, which first copies
/// the bf16 weight to the device (`w = self.data.contiguous().to(device)`), then allocates the
/// packed 4-bit tensor and its absmax while that copy is live, then drops the copy
/// (`bitsandbytes/nn/modules.py`, commit 95f9af3). The caching allocator keeps the freed bf16
/// block, and later 4-bit tensors and the unquantized tensors loaded after it are carved out
/// of it (best-fit reuse); a segment goes back to the driver only when wholly free
/// (`c10/cuda/CUDACachingAllocator.cpp`: `release_cached_blocks` frees only unsplit blocks), so
/// the bf16 load segments stay reserved around the small quantized tensors inside them. Size:
/// the largest bf16 load buffer the loader holds, the embedding's (its V·h bf16 copy; the
/// per-Linear copies are far smaller). Calibration: Llama-3.2-1B nf4 runs keep 0.38–0.40 GiB
/// reserved beyond allocated whatever the batch, against a 0.49 GiB embedding; int8 loads
/// quantize in place and show none. One model only: the embedding-size bound is the mechanism's
/// upper end, not a fit.
fn bnb4_load_residue(model: &Model, format: WeightFormat) -> u64 {
    if matches!(format, WeightFormat::Nf4 { .. }) {
        2 * model.arch.vocab * model.arch.hidden
    } else {
        0
    }
}

fn kv_heads_split(arch: &Arch, tp: u64) -> u64 {
    // TP > n_kv replicates KV heads: the per-GPU KV stops shrinking (§3.5, §8.24).
    tp.min(arch.kv_heads).max(1)
}

fn inference(
    model: &Model,
    w: &Workload,
    layout: &Layout,
    weights_per_gpu: u64,
    host_bytes: &mut u64,
    allocator_slack: &mut u64,
    notes: &mut Vec<String>,
) -> Result<(Breakdown, Option<VllmPool>), InputError> {
    let arch = &model.arch;
    let tp = layout.tensor_parallel;
    let pp = layout.pipeline_parallel;
    let kv_div = kv_heads_split(arch, tp);
    let act_b = w.weights.activation_bytes();
    let nccl = if layout.gpus > 1 { NCCL_BYTES } else { 0 };
    let window = arch.sliding_window.unwrap_or(u64::MAX);
    let mut b = Breakdown { weights: weights_per_gpu, ..Breakdown::default() };
    match w.engine {
        Engine::Hf => {
            // DynamicCache stores prompt + new − 1 tokens (the last sampled token is never
            // written); sliding layers keep window − 1 (§3.1, §3.3).
            let stored = (w.prompt + w.new_tokens).saturating_sub(1).max(1);
            // An embedding or reranker model runs one forward pass per request (`model(**batch)`,
            // `use_cache` unused): no KV cache is kept and no logits over the vocabulary are made.
            let generates = arch.ext.task == crate::model::Task::Generate;
            let kv_full = if generates { mul(&[w.batch, model.kv_bytes(w.kv_cache, stored, stored.min(window.saturating_sub(1).max(1)), kv_div)]) / pp } else { 0 };
            let prompt_kv = if generates { mul(&[w.batch, model.kv_bytes(w.kv_cache, w.prompt, w.prompt.min(window.saturating_sub(1).max(1)), kv_div)]) / pp } else { 0 };
            // A hybrid model's linear layers add a fixed state per sequence (conv + recurrent).
            b.kv_cache = kv_full.saturating_add(mul(&[w.batch, arch.linear_state_bytes(act_b)]) / pp);
            let tokens = mul(&[w.batch, w.prompt]);
            let grouped_kv = arch.mla.is_none() && arch.kv_heads < arch.heads;
            let per_token = if act_b >= 4 && grouped_kv {
                // The attention and the MLP of a layer are live at different times.
                model.prefill_elems_per_token().max(model.math_attention_elems_per_token(w.prompt))
            } else {
                model.prefill_elems_per_token()
            };
            let mut prefill = mul(&[tokens, per_token, act_b]) / tp;
            if arch.layer_kinds.iter().any(|k| k.sliding) && w.prompt > window {
                // Sliding-window layers cannot use SDPA's is_causal: transformers builds a boolean
                // b×1×s×s mask (1 B) that lives through the forward, and PyTorch converts it per
                // call to an additive mask in the compute dtype (`convert_boolean_attn_mask`:
                // logical_not 1 B + where 2 B) while the MLP tensors are freed.
                let mask = mul(&[w.batch, w.prompt, w.prompt]);
                prefill = mask.saturating_add(prefill.max(mask.saturating_mul(3)));
            }
            if w.weights == WeightFormat::Int8 {
                // LLM.int8 matmul accumulates in int32 before dequantizing: 4 B per output of
                // the widest projection per token (bitsandbytes `int8_linear_matmul`);
                // calibration: int8 b8·s2048 transient 1.56× the bf16 one.
                prefill = prefill.saturating_add(mul(&[tokens, arch.intermediate, 4]) / tp);
            }
            // generate() keeps only the last position's logits, upcast to fp32 (§4.1).
            let logits = if generates { mul(&[w.batch, arch.vocab, 2 + 4]) } else { 0 };
            b.activations = prefill.saturating_add(logits);
            // Caching-allocator slack (§4.3): the KV tensors written during prefill land in the
            // transient's freed segments, so later layers' transients need fresh segments. The
            // extra is bounded by the KV written then and by half the transient.
            let slack = prompt_kv.min(prefill / 2).max(bnb4_load_residue(model, w.weights) / tp);
            *allocator_slack = slack;
            b.runtime = TORCH_NON_POOL_BYTES + CUBLAS_WORKSPACE_BYTES + nccl + slack;
            Ok((b, None))
        }
        Engine::Vllm => {
            // vLLM requests util × total, profiles activations at max_num_batched_tokens, and
            // gives every remaining block to paged KV (`crate::vllm`, §3.5, §4.1).
            let d = vllm_demand_laid_out(model, w, layout, weights_per_gpu);
            let sized = crate::vllm::size(&d, w.gpu_memory_bytes, w.gpu_memory_utilization_permille);
            let (capacity, seqs, seq_len) = (sized.pool.kv_capacity_tokens, sized.pool.max_concurrent_sequences, d.seq_len);
            // Sliding-window, chunked and Mamba layers: the hybrid KV cache manager's groups
            // (`crate::vllm::KvGroups`) unless `--disable-hybrid-kv-cache-manager`.
            if d.kv_bytes_per_token == 0 && d.state_bytes_per_seq == 0 {
                notes.push("vLLM: encoder-only attention keeps no KV cache, so vLLM allocates no KV pool (weights, activations and runtime only)".into());
            } else if seqs == 0 {
                notes.push(format!(
                    "vLLM: one {seq_len}-token sequence does not fit in the KV pool ({capacity} tokens); vLLM refuses to start"
                ));
            } else if seqs < w.batch {
                notes.push(format!("vLLM: only {seqs} sequences of {seq_len} tokens fit at once; the rest wait"));
            }
            b.kv_cache = sized.kv_bytes;
            b.activations = d.profile_activations;
            b.runtime = d.runtime;
            if !sized.fits {
                // Weights alone exceed the pool: report what is needed, not the pool.
                notes.push(format!(
                    "vLLM: weights, activation profile and runtime need {:.1} GiB per GPU but gpu_memory_utilization × memory is {:.1} GiB: does not fit",
                    d.non_kv() as f64 / GIB as f64,
                    sized.pool.requested_bytes as f64 / GIB as f64
                ));
            }
            Ok((b, Some(sized.pool)))
        }
        Engine::Sglang => {
            // SGLang takes mem_fraction_static × total for the weights and its pool; the
            // rest holds CUDA graphs and activations (`crate::sglang`).
            let p = sglang_pool_laid_out(model, w, layout, weights_per_gpu, w.gpu_memory_bytes);
            let share = (w.gpu_memory_bytes as u128 * p.mem_fraction_static_permille as u128 / 1000) as u64;
            b.kv_cache = p.kv_bytes;
            b.runtime = crate::sglang::context_bytes(tp, w.sglang.card_nvlink);
            b.activations = share.saturating_sub(p.kv_bytes).saturating_sub(weights_per_gpu).saturating_sub(b.runtime);
            let seq = w.prompt + w.new_tokens;
            if p.max_total_num_tokens < seq {
                notes.push(format!("SGLang: the pool holds {} tokens, less than one {seq}-token sequence", p.max_total_num_tokens));
            } else if p.max_total_num_tokens / seq < w.batch {
                notes.push(format!("SGLang: only {} sequences of {seq} tokens fit at once; the rest wait", p.max_total_num_tokens / seq));
            }
            Ok((b, None))
        }
        Engine::LlamaCpp => {
            // llama.cpp's own accounting (`crate::llamacpp`) on `layout.gpus` cards of this
            // workload's memory, layers split by free memory (equal cards: evenly).
            let (shape, opts, p, cards) = llama_cpp_inputs(model, w, layout.gpus);
            let (_, _, acc) = crate::llamacpp::resolve(&shape, opts, p, &cards, crate::throughput::Efficiency::default_for(Engine::LlamaCpp).mbu_decode)?;
            let most = acc.devices.iter().max_by_key(|d| d.total()).copied().unwrap_or_default();
            b.weights = most.model;
            b.kv_cache = most.kv + most.kv_swa;
            b.activations = most.compute;
            b.runtime = LLAMA_CPP_CONTEXT_BYTES;
            *host_bytes = acc.host_total();
            let layers = arch.layers + 1;
            if acc.n_gpu_layers < layers {
                notes.push(format!("llama.cpp: {} of {layers} layers (the output layer counted) on the GPU; the rest run from CPU memory", acc.n_gpu_layers));
            }
            Ok((b, None))
        }
    }
}

/// llama.cpp's accounting for `model` and `w` on `gpus` cards of `w.gpu_memory_bytes` each
/// (named `gpu0`, `gpu1`, …): what the estimate's llama.cpp branch reports per GPU.
pub fn llama_cpp_report(model: &Model, w: &Workload, gpus: u64) -> Result<crate::llamacpp::Report, InputError> {
    // Images are context tokens here too, as in [`estimate`].
    let with_images = with_image_tokens(&model.arch, w);
    let (shape, opts, p, cards) = llama_cpp_inputs(model, &with_images, gpus);
    crate::llamacpp::report(&shape, opts, p, &cards, crate::throughput::Efficiency::default_for(Engine::LlamaCpp).mbu_decode)
}

/// llama.cpp's devices for catalog cards, each with the bytes its GPU may use (a Mac's wired
/// limit, a card's memory): `count` of each, its free memory net of llama.cpp's context and
/// the runtime's reserve per GPU (`w.llama_cpp.reserve_per_gpu`). The CLI's `--gpu` and the
/// page's cards both build their devices here.
pub fn llama_cpp_cards(cards: &[(&crate::catalog::Gpu, u64)], count: u64, w: &Workload) -> Vec<crate::llamacpp::Card> {
    let reserve = LLAMA_CPP_CONTEXT_BYTES + w.llama_cpp.reserve_per_gpu();
    cards
        .iter()
        .flat_map(|(g, usable)| (0..count).map(move |_| crate::llamacpp::Card { id: g.id.clone(), free_bytes: usable.saturating_sub(reserve), bandwidth_gbs: g.bandwidth_gbps }))
        .collect()
}

/// The every-card table's question for one card set, with the model's `shape`
/// ([`crate::llamacpp::Shape::for_model`] of `w.weights`) built once by the caller:
/// the accounting, whether it fits, and the largest context
/// ([`crate::llamacpp::fit_and_max_ctx`]). Same inputs as [`llama_cpp_report`].
pub fn llama_cpp_fit(model: &Model, shape: &crate::llamacpp::Shape, w: &Workload, gpus: u64) -> Result<(crate::llamacpp::Accounting, bool, u64), InputError> {
    let with_images = with_image_tokens(&model.arch, w);
    let (p, cards) = llama_cpp_params_cards(&with_images, gpus);
    crate::llamacpp::fit_and_max_ctx(shape, &with_images.llama_cpp, p, &cards, crate::throughput::Efficiency::default_for(Engine::LlamaCpp).mbu_decode)
}

/// The shape, options, parameters and cards of a llama.cpp workload on `gpus` cards.
fn llama_cpp_inputs<'w>(model: &Model, w: &'w Workload, gpus: u64) -> (crate::llamacpp::Shape, &'w crate::llamacpp::Options, crate::llamacpp::Params, Vec<crate::llamacpp::Card>) {
    let shape = crate::llamacpp::Shape::for_model(model, w.weights);
    let (p, cards) = llama_cpp_params_cards(w, gpus);
    (shape, &w.llama_cpp, p, cards)
}

/// The parameters and cards of a llama.cpp workload on `gpus` cards.
fn llama_cpp_params_cards(w: &Workload, gpus: u64) -> (crate::llamacpp::Params, Vec<crate::llamacpp::Card>) {
    use crate::llamacpp as ll;
    let total_vram = w.gpu_memory_bytes.saturating_mul(gpus);
    let p = w.llama_cpp.params(w.prompt + w.new_tokens, w.batch, total_vram, w.gpu_layers);
    let free = w.gpu_memory_bytes.saturating_sub(LLAMA_CPP_CONTEXT_BYTES + w.llama_cpp.reserve_per_gpu());
    let cards: Vec<ll::Card> = if w.llama_cpp.cards.is_empty() {
        // Unnamed cards: only their memory is known; the bandwidth (`--gpu-bw-gbs`, else an
        // H100's 3350 GB/s) orders the devices' shares of tokens/s; named cards bring their own.
        (0..gpus.min(MAX_GPUS)).map(|i| ll::Card { id: format!("gpu{i}"), free_bytes: free, bandwidth_gbs: w.llama_cpp.gpu_bw_gbs.unwrap_or(3350.0) }).collect()
    } else {
        w.llama_cpp.cards.clone()
    };
    (p, cards)
}

/// vLLM's fallback scheduler limits (`SchedulerConfig` when no usage context sets them):
/// `max_num_batched_tokens` 8192 and `max_num_seqs` 256 (`vllm/config/scheduler.py`, v1).
/// The planner's card-independent demand uses them; a card's own defaults come from
/// [`crate::vllm::VllmOptions::scheduler_defaults`].
pub(crate) const VLLM_MAX_BATCHED_TOKENS: u64 = 8192;
pub(crate) const VLLM_MAX_NUM_SEQS: u64 = 256;
/// Memory vLLM allocates outside torch during its profile run (its log's "non_torch_memory"):
/// vLLM's own logs print 0.16 GiB (H100, vllm-project/vllm PR #12126), 0.20 GiB (RTX 3090,
/// PR #14447), 0.25 GiB (RTX 4090 TP 2, issue #13061) and 0.35 GiB (RTX 3090, issue #10517):
/// kernels loaded lazily and cuBLAS handles, measured from a snapshot taken after the CUDA
/// context and NCCL exist. The median of these logs, 0.20 GiB.
pub const VLLM_NON_TORCH_BYTES: u64 = 205 * MIB;
/// Bytes per logit the profile run's sampler holds for each of `max_num_reqs` rows: the
/// model-dtype logits (2), their fp32 copy (`logits.to(torch.float32)`, 4) and the fp32
/// probabilities of random sampling (4) (`vllm/v1/sample/sampler.py`).
pub const VLLM_SAMPLER_BYTES_PER_LOGIT: u64 = 10;

impl Model {
    /// Elements per token live at the peak of vLLM's profile run through one layer: the
    /// fused `gate_up_proj` output (2·I) and `SiluAndMul`'s output (I) beside the residual
    /// and the normed hidden state (2·h) (`vllm/model_executor/models/llama.py` LlamaMLP);
    /// an MoE layer's fused_moe holds `intermediate_cache1..3` (k·2·I_e, k·I_e, k·h)
    /// (`vllm/model_executor/layers/fused_moe/fused_moe.py`).
    pub fn vllm_profile_elems_per_token(&self) -> u64 {
        let a = &self.arch;
        let dense = if a.layer_kinds.iter().any(|k| !k.moe) { 3 * a.intermediate + 2 * a.hidden } else { 0 };
        let moe = a.moe.map_or(0, |m| m.top_k * (3 * m.expert_intermediate + a.hidden) + 2 * a.hidden + m.shared_experts * 3 * m.shared_intermediate);
        dense.max(moe)
    }
}

/// What vLLM needs per GPU outside its KV pool for this model and workload (see
/// [`crate::vllm`]): the weights, the profile run's activation peak (one
/// `max_num_batched_tokens` batch through the widest layer, plus the sampler's logits for
/// `min(max_num_seqs, max_num_batched_tokens)` requests), the non-torch increase and, from
/// v0.19, the CUDA graphs.
fn vllm_demand_laid_out(model: &Model, w: &Workload, layout: &Layout, weights_per_gpu: u64) -> crate::vllm::Demand {
    let arch = &model.arch;
    let tp = layout.tensor_parallel;
    let o = &w.vllm;
    let (tokens, seqs) = o.scheduler_defaults(w.gpu_memory_bytes);
    let reqs = seqs.min(tokens);
    let profile_activations = mul(&[tokens, model.vllm_profile_elems_per_token(), w.weights.activation_bytes()]) / tp
        + mul(&[reqs, arch.vocab, VLLM_SAMPLER_BYTES_PER_LOGIT]) / tp;
    let bnb = if w.weights.is_bitsandbytes() { BNB_MODULE_BYTES } else { 0 };
    let non_torch = VLLM_NON_TORCH_BYTES + bnb;
    let cuda_graph = if o.enforce_eager { 0 } else { VLLM_CUDA_GRAPH_BYTES };
    let graphs_in_pool = if o.graphs_outside_pool { 0 } else { cuda_graph };
    let max_model_len = o.max_model_len.unwrap_or(if arch.max_context > 0 { arch.max_context } else { w.prompt + w.new_tokens });
    crate::vllm::Demand {
        weights: weights_per_gpu,
        profile_activations,
        runtime: non_torch + graphs_in_pool,
        // Encoder-only (bidirectional) attention keeps no KV cache in vLLM (`crate::vllm::size`);
        // a decoder run for embeddings (Qwen3-Embedding) keeps its causal attention's.
        kv_bytes_per_token: if arch.ext.encoder.is_some() { 0 } else { vllm_stage_kv_bytes(model.kv_bytes(w.kv_cache, 1, 1, kv_heads_split(arch, tp)), arch, layout.pipeline_parallel) },
        seq_len: w.prompt + w.new_tokens,
        non_torch,
        cuda_graph,
        max_model_len,
        // The hybrid allocator's per-request state (Gated DeltaNet, Mamba): kernel − 1 conv
        // columns and the recurrent/SSM state in the model dtype, split like the layers.
        state_bytes_per_seq: arch.linear_state_bytes_vllm(w.weights.activation_bytes()) / layout.pipeline_parallel / tp.max(1),
        max_num_seqs: seqs,
        groups: if o.disable_hybrid_kv_cache_manager || arch.ext.encoder.is_some() {
            None
        } else {
            crate::vllm::KvGroups::new(&vllm_layer_counts(model, w, layout), tokens)
        },
    }
}

/// KV bytes per token of the pipeline stage holding the most layers, of `all_bytes` over the
/// whole model: vLLM splits `n` layers over `pp` stages as `n // pp` each, the `n % pp` extra
/// layers going one each to stages other than the last (`get_pp_indices`,
/// `vllm/distributed/utils.py` @ 5a6541db), each stage sizes its own blocks from its own
/// layers, and the engine keeps the smallest count of all ranks (`unify_kv_cache_configs`,
/// `vllm/v1/core/kv_cache_utils.py`): with the same available memory the binding stage is one
/// with ⌈n / pp⌉ layers (DeepSeek-V2-Lite, 27 layers at PP 2: 14 and 13; vLLM PR #20665's log
/// prints 12.13 GiB available on the first stage and 807,792 tokens = 12.13 GiB / (14 × 1152 B)).
fn vllm_stage_kv_bytes(all_bytes: u64, arch: &Arch, pp: u64) -> u64 {
    let n = arch.layer_kinds.iter().filter(|k| k.has_kv()).count() as u64;
    if pp <= 1 || n == 0 {
        return all_bytes / pp.max(1);
    }
    (all_bytes as u128 * n.div_ceil(pp) as u128 / n as u128) as u64
}

/// The KV-holding layers of one GPU by the spec vLLM gives them (`get_kv_cache_spec` of each
/// attention / Mamba layer): sliding-window layers, Llama 4's chunked local attention (read as
/// sliding with the chunk as window, `model.rs`), full attention, and the linear-attention /
/// Mamba layers with their per-request state; pipeline stages hold ⌈n / pp⌉ of each.
fn vllm_layer_counts(model: &Model, w: &Workload, layout: &Layout) -> crate::vllm::LayerCounts {
    let arch = &model.arch;
    let pp = layout.pipeline_parallel.max(1);
    let tp = layout.tensor_parallel.max(1);
    let kv = arch.layer_kinds.iter().filter(|k| k.has_kv());
    let sliding = kv.clone().filter(|k| k.sliding).count() as u64;
    let full = kv.count() as u64 - sliding;
    let linear = arch.layer_kinds.iter().filter(|k| k.linear).count() as u64;
    let chunked = arch.family == crate::model::Family::Llama4;
    let window = arch.sliding_window.unwrap_or(0);
    let per_layer = arch.kv_elems_per_token_layer();
    let per_layer = if arch.mla.is_some() { per_layer } else { per_layer / kv_heads_split(arch, tp) };
    crate::vllm::LayerCounts {
        full: full.div_ceil(pp),
        sliding: if chunked { 0 } else { sliding.div_ceil(pp) },
        sliding_window: window,
        chunked: if chunked { sliding.div_ceil(pp) } else { 0 },
        attention_chunk: window,
        mamba: linear.div_ceil(pp),
        attn_bytes_per_token: w.kv_cache.bytes(per_layer),
        mamba_state_bytes: arch.linear_state_bytes_vllm(w.weights.activation_bytes()).checked_div(linear).unwrap_or(0) / tp,
    }
}

/// SGLang's pool for this model and layout on a card of `card_bytes` ([`crate::sglang`]).
fn sglang_pool_laid_out(model: &Model, w: &Workload, layout: &Layout, weights_per_gpu: u64, card_bytes: u64) -> crate::sglang::SglangPool {
    let tp = layout.tensor_parallel;
    let d = crate::sglang::Demand {
        weights: weights_per_gpu,
        context: crate::sglang::context_bytes(tp, w.sglang.card_nvlink),
        load_extra: crate::sglang::allocator_rounding(&model.arch, &model.tensors, w.weights, tp) / layout.pipeline_parallel + crate::sglang::rope_cache_bytes(&model.arch),
        cell_size: model.kv_bytes(w.kv_cache, 1, 1, kv_heads_split(&model.arch, tp)) / layout.pipeline_parallel,
        mem_fraction_static_permille: w
            .sglang
            .mem_fraction_static_permille
            .unwrap_or_else(|| crate::sglang::default_mem_fraction_static_permille(card_bytes, tp, layout.pipeline_parallel)),
        hybrid: sglang_hybrid(model, w, layout),
    };
    crate::sglang::size(&d, card_bytes)
}

/// SGLang's hybrid pools for this model on one GPU ([`crate::sglang::Hybrid`]): sliding-window
/// layers (not Llama 4's chunked attention, kept in the one pool here) and linear-attention
/// state. Its state per request: the conv window (kernel − 1 columns) in bf16
/// (`SGLANG_MAMBA_CONV_DTYPE` default) and the temporal state in the config's
/// `mamba_ssm_dtype`, float32 when absent (`mamba2_state_dtype`,
/// `python/sglang/srt/configs/mamba_utils.py` @ 02e208de; shapes `Mamba2StateShape.create`,
/// heads and conv channels split by TP).
fn sglang_hybrid(model: &Model, w: &Workload, layout: &Layout) -> Option<crate::sglang::Hybrid> {
    let arch = &model.arch;
    let pp = layout.pipeline_parallel.max(1);
    let tp = layout.tensor_parallel.max(1);
    let per_layer = arch.kv_elems_per_token_layer();
    let per_layer = w.kv_cache.bytes(if arch.mla.is_some() { per_layer } else { per_layer / kv_heads_split(arch, tp) });
    let kv = arch.layer_kinds.iter().filter(|k| k.has_kv());
    let chunked = arch.family == crate::model::Family::Llama4;
    let n_swa = if chunked { 0 } else { kv.clone().filter(|k| k.sliding).count() as u64 };
    let n_full = kv.count() as u64 - n_swa;
    let linear = arch.layer_kinds.iter().filter(|k| k.linear).count() as u64;
    let f32_bytes = core::mem::size_of::<f32>() as u64;
    let (conv, temporal, ssm_bytes) = match (arch.ext.linear, arch.ext.ssm) {
        (Some(la), _) => (la.conv_dim() * la.conv_kernel.saturating_sub(1), la.value_heads * la.key_head_dim * la.value_head_dim, la.ssm_dtype_bytes),
        (None, Some(m)) => {
            let (c, t) = m.state_elems(m.conv_kernel.saturating_sub(1));
            (c, t, 0)
        }
        (None, None) => (0, 0, 0),
    };
    let per_req = linear.div_ceil(pp) * (conv * 2 + temporal * if ssm_bytes > 0 { ssm_bytes } else { f32_bytes }) / tp;
    (n_swa > 0 || per_req > 0).then(|| crate::sglang::Hybrid {
        full_bytes_per_token: n_full.div_ceil(pp) * per_layer,
        swa_bytes_per_token: n_swa.div_ceil(pp) * per_layer,
        swa_full_tokens_ratio_permille: w.sglang.swa_full_tokens_ratio_permille.unwrap_or(crate::sglang::SWA_FULL_TOKENS_RATIO_PERMILLE),
        page_size: 1,
        mamba_bytes_per_req: per_req,
        max_mamba_cache_size: w.sglang.max_mamba_cache_size,
        mamba_full_memory_ratio_permille: crate::sglang::MAMBA_FULL_MEMORY_RATIO_PERMILLE,
    })
}

/// What the engines read of the card beyond its memory, set in one place for the CLI's
/// `--gpu`, the page's chosen card and each card the sizing tries: vLLM keeps its small
/// scheduler defaults on A100s ([`crate::vllm::VllmOptions::card_is_a100`]); SGLang's
/// distributed init holds more on NVLink ([`crate::sglang::SglangOptions::card_nvlink`]).
pub fn apply_card(w: &mut Workload, gpu: &crate::catalog::Gpu) {
    w.vllm.card_is_a100 = gpu.id.contains("a100");
    w.sglang.card_nvlink = gpu.interconnect.kind == "nvlink";
}

/// SGLang's pool for `model` and `w` on a card of `card_bytes`: the pure function behind
/// `estimate --engine sglang --json`'s `sglang` object.
pub fn sglang_pool(model: &Model, w: &Workload, card_bytes: u64) -> Result<crate::sglang::SglangPool, InputError> {
    let w = Workload { engine: Engine::Sglang, mode: Mode::Inference, gpu_memory_bytes: card_bytes, ..w.clone() };
    let layout = w.validate(&model.arch)?;
    let (layer_bytes, outside_bytes) = model.weight_bytes_split(w.weights);
    let weights_per_gpu = layer_bytes / (layout.tensor_parallel * layout.pipeline_parallel) + outside_bytes / layout.tensor_parallel;
    Ok(sglang_pool_laid_out(model, &w, &layout, weights_per_gpu, card_bytes))
}

/// vLLM's accounting (its log's lines) for `model` and `w` on a card of `card_bytes`: the pure
/// function behind `estimate --engine vllm --json`'s `vllm` object.
pub fn vllm_accounting(model: &Model, w: &Workload, card_bytes: u64) -> Result<crate::vllm::Accounting, InputError> {
    let w = Workload { engine: Engine::Vllm, mode: Mode::Inference, gpu_memory_bytes: card_bytes, ..w.clone() };
    let d = vllm_demand(model, &w)?;
    Ok(crate::vllm::accounting(&d, card_bytes, w.gpu_memory_utilization_permille))
}

/// [`vllm_demand_laid_out`] for a workload as given (its layout checked and derived first).
pub fn vllm_demand(model: &Model, w: &Workload) -> Result<crate::vllm::Demand, InputError> {
    let layout = w.validate(&model.arch)?;
    let w = &with_image_tokens(&model.arch, w);
    let (layer_bytes, outside_bytes) = model.weight_bytes_split(w.weights);
    let weights_per_gpu = layer_bytes / (layout.tensor_parallel * layout.pipeline_parallel) + outside_bytes / layout.tensor_parallel;
    Ok(vllm_demand_laid_out(model, w, &layout, weights_per_gpu))
}

/// vLLM's KV pool for `model` and `w` on a card of `card_bytes` (what its driver reports):
/// the one computation behind `estimate`'s `vllm` field and the planner's per-card fit, for
/// any caller that has a card size (the page's every-card table).
pub fn vllm_pool(model: &Model, w: &Workload, card_bytes: u64) -> Result<crate::vllm::PoolOnCard, InputError> {
    let d = vllm_demand(model, &Workload { engine: Engine::Vllm, mode: Mode::Inference, ..w.clone() })?;
    Ok(crate::vllm::size(&d, card_bytes, w.gpu_memory_utilization_permille))
}

/// bitsandbytes' 8-bit optimizers quantize each state in blocks of 256 elements with one fp32
/// absmax per block, and keep fp32 states for tensors under `min_8bit_size` = 4096 elements
/// (`bitsandbytes/optim/optimizer.py` `Optimizer2State.init_state`, `blocksize = 256`,
/// bitsandbytes commit 95f9af3, 2026-08).
pub(crate) const BNB_OPTIM_BLOCK: u64 = 256;
pub(crate) const BNB_MIN_8BIT_SIZE: u64 = 4096;

/// Bytes of the two AdamW8bit states of one tensor of `n` elements.
fn adamw8bit_state_bytes(n: u64) -> u64 {
    if n < BNB_MIN_8BIT_SIZE {
        2 * 4 * n
    } else {
        2 * (n + 4 * n.div_ceil(BNB_OPTIM_BLOCK))
    }
}

/// Optimizer-state bytes of the trainable tensors (memory-model.md §5.1), on the GPU's share
/// (`trainable_gpu` of `trainable`), and whether the step runs as a foreach (multi-tensor) loop
/// holding one extra copy of the parameters. `lora`: the wrapped modules (adapters A: r×in, B:
/// out×r), else every weight tensor is trained.
fn optimizer_bytes(model: &Model, opt: Optimizer, state_bytes: u64, trainable_gpu: u64, lora: Option<(&[LoraModule], u64)>) -> (u64, bool) {
    // (elements, count) of each trainable tensor.
    let tensors: Vec<(u64, u64, u64, bool)> = match lora {
        Some((mods, r)) => mods
            .iter()
            .flat_map(|m| [(r, m.tensor.inp, m.tensor.count, false), (m.tensor.out, r, m.tensor.count, false)])
            .collect(),
        None => model.tensors.iter().map(|t| (t.out, t.inp, t.count, t.role == Role::Vector)).collect(),
    };
    let total: u64 = tensors.iter().map(|t| mul(&[t.0, t.1, t.2])).fold(0, u64::saturating_add);
    // Scales a whole-model figure to this GPU's share.
    let share = |bytes: u64| -> u64 {
        if total == 0 { 0 } else { ((bytes as u128 * trainable_gpu as u128) / total as u128) as u64 }
    };
    match opt {
        // m and v in the parameters' dtype; torch's default foreach step.
        Optimizer::Adamw => (2 * state_bytes * trainable_gpu, true),
        Optimizer::Adamw8bit => {
            let bytes = tensors.iter().map(|t| adamw8bit_state_bytes(t.0 * t.1).saturating_mul(t.2)).fold(0, u64::saturating_add);
            (share(bytes), false)
        }
        Optimizer::Sgd | Optimizer::Lion => (state_bytes * trainable_gpu, true),
        // Factored second moment: rows + cols per matrix; vectors keep a full state.
        Optimizer::Adafactor => {
            let factored: u64 = tensors
                .iter()
                .map(|&(o, i, c, vector)| if vector { o * i * c } else { c * (o + i) })
                .fold(0, u64::saturating_add);
            (share(factored * state_bytes), false)
        }
    }
}

fn training(
    model: &Model,
    w: &Workload,
    layout: &Layout,
    weights_per_gpu: u64,
    host_bytes: &mut u64,
    allocator_slack: &mut u64,
    notes: &mut Vec<String>,
) -> Result<(Breakdown, u64), InputError> {
    let arch = &model.arch;
    let tp = layout.tensor_parallel;
    let pp = layout.pipeline_parallel;
    let dp = layout.data_parallel;
    let split = tp * pp;
    let lora = matches!(w.mode, Mode::Lora | Mode::Qlora);
    let tokens = mul(&[w.batch, w.seq]);
    let h = arch.hidden;

    let lora_modules = if lora { arch.lora_modules_for(&w.lora_targets)? } else { Vec::new() };
    let (trainable, param_bytes, weights) = if lora {
        let lp = lora_params(&lora_modules, w.lora_rank);
        // PEFT creates adapters in fp32 (autocast_adapter_dtype=True).
        (lp, 4u64, weights_per_gpu + 4 * lp / split)
    } else {
        if !matches!(w.weights, WeightFormat::Bf16 | WeightFormat::Fp16 | WeightFormat::Fp32) {
            return Err(InputError::new("--weights", "full training keeps trainable weights in bf16/fp16/fp32; use --mode qlora for a 4-bit base"));
        }
        let bytes = if w.precision == Precision::Mixed || w.weights == WeightFormat::Fp32 { 4 } else { 2 };
        (model.params, bytes, mul(&[model.params, bytes]) / split)
    };
    let trainable_gpu = trainable / split;

    // Gradients in the parameters' dtype; optimizer states per §5.1.
    let grads_full = trainable_gpu * param_bytes;
    let lora_arg = if lora { Some((lora_modules.as_slice(), w.lora_rank)) } else { None };
    let (opt_full, foreach) = optimizer_bytes(model, w.optimizer, param_bytes, trainable_gpu, lora_arg);
    let step_transient = if foreach { trainable_gpu * param_bytes } else { 0 };

    // ZeRO over the data-parallel group (§5.2): 1 shards optimizer states, 2 also gradients,
    // 3 also parameters (+ about two gathered layers in flight).
    let z = if dp > 1 { w.zero } else { 0 };
    let opt = if z >= 1 { opt_full / dp } else { opt_full };
    let grads = if z >= 2 { grads_full / dp } else { grads_full };
    let mut weights = weights;
    if z >= 3 {
        // Two gathered units in flight (prefetch), never more than the whole model.
        let shard = weights / dp;
        // Gathered copies are in the compute dtype (bf16 under mixed precision).
        let gathered_bytes = if lora { 2 } else { param_bytes.min(w.weights.activation_bytes()) };
        let gathered = (2 * model.largest_layer_params * gathered_bytes / tp).min(weights - shard);
        weights = shard + gathered;
    }
    let (opt, step_transient) = if w.offload_optimizer {
        *host_bytes += opt * dp.max(1) + if lora { 0 } else { trainable_gpu * 4 };
        notes.push(String::from("optimizer states live in CPU memory (ZeRO-Offload); the step runs on the CPU"));
        (0, 0)
    } else {
        (opt, if z >= 1 { step_transient / dp } else { step_transient })
    };

    // Activations (§5.3). Mixed precision keeps the residual stream in fp32 (the embedding output
    // is fp32 and the residual adds promote): each norm also saves its fp32 output next to the
    // bf16 cast the next Linear saves, and the layer input is fp32: +10·h per token-layer.
    let mixed = w.precision == Precision::Mixed && !lora;
    let amp_extra = if mixed { 10 * h } else { 0 };
    let lora_extra = if lora { model.lora_extra_bytes_per_token_layer(&lora_modules, w.lora_rank) } else { 0 };
    let with_extra = |base: u64| -> u64 { (base as i128 + lora_extra).clamp(0, u64::MAX as i128) as u64 };
    let layers_here = arch.layers.div_ceil(pp);
    let per_layer_avg = with_extra(model.train_bytes_per_token_all_layers() / arch.layers.max(1) + amp_extra);
    let per_token_layers = mul(&[per_layer_avg, layers_here]);
    let one_layer = with_extra(model.max_train_bytes_per_token_layer() + amp_extra);
    // HF ForCausalLMLoss: bf16 logits + fp32 upcast + fp32 log-softmax + fp32 gradient ≈ 12 B per
    // logit (§5.3); on the last pipeline stage only. Final-logit softcapping (Gemma 2) adds the
    // bf16 tanh output autograd keeps for backward (`torch.tanh` saves its result): +2 B.
    let logit_bytes = if arch.logit_softcap { 14 } else { 12 };
    let logits = mul(&[tokens, arch.vocab, logit_bytes]) / tp;
    // Autocast saves a bf16 copy of each weight for backward (weight-grad GEMMs need it).
    let autocast_copies = if mixed { if w.grad_ckpt { 2 * arch.vocab * h / tp } else { 2 * model.params / split } } else { 0 };
    // Non-reentrant checkpointing keeps each layer's input; the logits/loss and one recomputed
    // layer are live at different times, so the larger of the two counts as allocated.
    let recompute = if w.grad_ckpt { mul(&[tokens, one_layer]) / tp } else { 0 };
    let activations = if w.grad_ckpt {
        let ckpt = mul(&[tokens, h, if mixed { 4 } else { 2 }, layers_here]);
        ckpt + logits.max(recompute) + autocast_copies
    } else {
        mul(&[tokens, per_token_layers]) / tp + logits + autocast_copies
    };
    // QLoRA dequantizes one base weight to bf16 at a time (§5.4).
    let dequant = if w.mode == Mode::Qlora {
        model.tensors.iter().filter(|t| t.role.is_layer_linear()).map(|t| 2 * t.elems()).max().unwrap_or(0) / tp
    } else {
        0
    };

    // The peak is the larger of (a) the start of backward in step 2: weights, optimizer states
    // and all saved activations, gradients not yet allocated (zero_grad(set_to_none=True)),
    // and (b) the optimizer step: weights, gradients, states and the foreach copy.
    let backward_peak = activations.saturating_add(dequant);
    let step_peak = grads.saturating_add(step_transient);

    // Caching-allocator slack (§4.3), per phase:
    // - backward: the loss allocates and frees b·s·V buffers (bf16 logits, fp32 upcast,
    //   log-softmax, gradient) while other tensors are live, so at least a bf16-logits-sized
    //   segment (2·b·s·V) stays cached; when the gradients and optimizer states created in step 1
    //   take the freed logits segments, step 2 needs up to a whole fp32 buffer (4·b·s·V) of
    //   fresh segments. Calibration: measured reserved − allocated lies between these bounds in
    //   33 of 41 training runs.
    // - optimizer step: the activation segments freed by backward stay cached and the step's
    //   per-parameter tensors reuse only part of them (half, as for the inference transient).
    // bitsandbytes 4-bit checkpoints are reloaded through the GPU (Params4bit): the freed load
    // buffer of the largest unquantized tensor (the embedding) stays cached; later transients
    // reuse it, so it counts as the larger of the slacks, not their sum.
    // The peak is the larger phase; both terms grow with batch and sequence, so the estimate does.
    let logit_elems = mul(&[tokens, arch.vocab]) / tp;
    let residue = bnb4_load_residue(model, w.weights);
    // - checkpointed LoRA/QLoRA: the loss buffers are freed before backward recomputes the last
    //   layer, but their segments are cut to b·s·V sizes and the recomputed layer's tensors
    //   (b·s·h, b·s·I) are carved elsewhere, so the smaller of the two stays reserved on top
    //   (c10/cuda/CUDACachingAllocator.cpp: a free block is reused only by a request that fits,
    //   and a segment returns to the driver only when wholly free). In full training the
    //   gradients allocated during backward fill those freed loss segments instead.
    let ckpt_slack = if lora { recompute.min(logits) } else { 0 };
    let backward_slack = (2 * logit_elems).max(opt.saturating_add(grads).min(4 * logit_elems)).max(residue) + ckpt_slack;
    let step_slack = (backward_peak / 2).max(residue);
    let backward_total = backward_peak.saturating_add(backward_slack);
    let step_total = step_peak.saturating_add(step_slack);
    let (act_shown, grads_shown, slack) = if backward_total >= step_total {
        (backward_peak, 0, backward_slack)
    } else {
        (0, step_peak, step_slack)
    };
    let nccl = if layout.gpus > 1 { NCCL_BYTES } else { 0 };
    *allocator_slack = slack;
    let b = Breakdown {
        weights,
        kv_cache: 0,
        activations: act_shown,
        gradients: grads_shown,
        optimizer: opt,
        runtime: TORCH_NON_POOL_BYTES + TORCH_TRAIN_KERNELS_BYTES + CUBLAS_WORKSPACE_BYTES + nccl + slack,
    };
    Ok((b, trainable))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::GgufType;
    use crate::model::ManualModel;
    use proptest::prelude::*;

    /// The every-card table's question (`llama_cpp_fit`, the shape built once) answers as
    /// the full report does: the same split, fit and largest context, card by card.
    #[test]
    fn llama_cpp_fit_agrees_with_the_report() {
        let cat = crate::catalog::load().unwrap();
        let model = Model::new(cat.model("qwen3-30b-a3b").unwrap().arch().unwrap());
        let mut w = Workload { engine: Engine::LlamaCpp, weights: WeightFormat::parse("q4_k_m", false).unwrap(), prompt: 8000, new_tokens: 192, ..Workload::default() };
        w.llama_cpp.gpu_layers_auto = true;
        w.llama_cpp.host_ram_bytes = Some(32 << 30);
        let shape = crate::llamacpp::Shape::for_model(&model, w.weights);
        let mut checked = 0;
        for gib in [8u64, 12, 16, 24, 48, 80] {
            w.gpu_memory_bytes = gib << 30;
            let (Ok(r), Ok((acc, fits, max_ctx))) = (llama_cpp_report(&model, &w, 1), llama_cpp_fit(&model, &shape, &w, 1)) else { continue };
            assert_eq!(acc, r.acc, "{gib} GiB");
            assert_eq!(fits, r.fits.iter().all(|f| *f) && r.host_fits, "{gib} GiB");
            assert_eq!(max_ctx, r.max_ctx, "{gib} GiB");
            checked += 1;
        }
        assert!(checked >= 4, "only {checked} card sizes answered");
    }

    /// The estimate's JSON, field by field: the names, order and spellings (`fits_tight`,
    /// `null` pool) outside checks read. The CLI's goldens pin real estimates end to end.
    #[test]
    fn estimate_json_has_its_fields_in_order() {
        let e = Estimate {
            params: 8_030_261_248,
            active_params: 8_030_261_248,
            trainable_params: 41_943_040,
            total_bytes: 20_000_000_000,
            breakdown: Breakdown { weights: 16_060_522_496, kv_cache: 536_870_912, activations: 1_073_741_824, gradients: 83_886_080, optimizer: 335_544_320, runtime: 1_100_000_000 },
            all_gpus_bytes: 40_000_000_000,
            layout: Layout { gpus: 2, tensor_parallel: 2, pipeline_parallel: 1, data_parallel: 1, zero: 3 },
            kv_bytes_per_token: 131_072,
            model_weight_bytes: 16_060_522_496,
            host_bytes: 7,
            vllm: Some(VllmPool { kv_capacity_tokens: 400_000, max_concurrent_sequences: 170, block_size: 16, requested_bytes: 77_000_000_000 }),
            vllm_accounting: None,
            sglang: None,
            allocator_slack: 12_345,
            verdict: Verdict::FitsTight,
            notes: vec![String::from("a \"quoted\" note\twith × and a newline\n")],
        };
        assert_eq!(crate::json::to_string(&e.to_json()), "{\"params\":8030261248,\"active_params\":8030261248,\"trainable_params\":41943040,\"total_bytes\":20000000000,\"breakdown\":{\"weights\":16060522496,\"kv_cache\":536870912,\"activations\":1073741824,\"gradients\":83886080,\"optimizer\":335544320,\"runtime\":1100000000},\"all_gpus_bytes\":40000000000,\"layout\":{\"gpus\":2,\"tensor_parallel\":2,\"pipeline_parallel\":1,\"data_parallel\":1,\"zero\":3},\"kv_bytes_per_token\":131072,\"model_weight_bytes\":16060522496,\"host_bytes\":7,\"vllm\":{\"kv_capacity_tokens\":400000,\"max_concurrent_sequences\":170,\"block_size\":16,\"requested_bytes\":77000000000},\"allocator_slack\":12345,\"verdict\":\"fits_tight\",\"notes\":[\"a \\\"quoted\\\" note\\twith × and a newline\\n\"]}");
        let e = Estimate { vllm: None, verdict: Verdict::DoesNotFit, notes: Vec::new(), ..e };
        assert_eq!(crate::json::to_string(&e.to_json()), "{\"params\":8030261248,\"active_params\":8030261248,\"trainable_params\":41943040,\"total_bytes\":20000000000,\"breakdown\":{\"weights\":16060522496,\"kv_cache\":536870912,\"activations\":1073741824,\"gradients\":83886080,\"optimizer\":335544320,\"runtime\":1100000000},\"all_gpus_bytes\":40000000000,\"layout\":{\"gpus\":2,\"tensor_parallel\":2,\"pipeline_parallel\":1,\"data_parallel\":1,\"zero\":3},\"kv_bytes_per_token\":131072,\"model_weight_bytes\":16060522496,\"host_bytes\":7,\"vllm\":null,\"allocator_slack\":12345,\"verdict\":\"does_not_fit\",\"notes\":[]}");
    }

    fn arb_model() -> impl Strategy<Value = Model> {
        (1u64..48, 1u64..8, 1u64..6, 1u64..4, 1u64..6, 1u64..200, any::<bool>(), 0u64..3)
            .prop_map(|(layers, heads_x, kv_div_pow, dim_x, inter_x, vocab_k, tied, moe)| {
                let kv_heads = heads_x;
                let heads = kv_heads * (1 << (kv_div_pow % 3));
                let head_dim = 64 * dim_x;
                let hidden = heads * head_dim;
                let m = ManualModel {
                    layers,
                    hidden,
                    heads,
                    kv_heads,
                    head_dim,
                    intermediate: hidden * inter_x,
                    vocab: 1000 * vocab_k,
                    tied_embeddings: tied,
                    experts: if moe > 0 { 8 } else { 0 },
                    experts_per_token: if moe > 0 { 2 } else { 0 },
                    expert_intermediate: 0,
                };
                Model::new(m.to_arch().unwrap())
            })
    }

    fn arb_workload() -> impl Strategy<Value = Workload> {
        (
            prop::sample::select(vec![Mode::Inference, Mode::Full, Mode::Lora, Mode::Qlora]),
            prop::sample::select(vec![Engine::Hf, Engine::LlamaCpp]),
            1u64..64,
            1u64..8192,
            0u64..1024,
            any::<bool>(),
            prop::sample::select(vec![Precision::Bf16, Precision::Mixed]),
            prop::sample::select(vec![Optimizer::Adamw, Optimizer::Adamw8bit, Optimizer::Sgd, Optimizer::Lion, Optimizer::Adafactor]),
        )
            .prop_map(|(mode, engine, batch, tokens, new_tokens, ckpt, precision, optimizer)| Workload {
                mode,
                engine: if mode == Mode::Inference { engine } else { Engine::Hf },
                weights: if mode == Mode::Qlora { WeightFormat::Nf4 { double_quant: true } } else { WeightFormat::Bf16 },
                batch,
                prompt: tokens,
                seq: tokens,
                new_tokens,
                grad_ckpt: ckpt,
                precision,
                optimizer,
                ..Workload::default()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn more_batch_never_needs_less(model in arb_model(), w in arb_workload(), extra in 1u64..64) {
            let a = estimate(&model, &w).unwrap();
            let b = estimate(&model, &Workload { batch: w.batch + extra, ..w.clone() }).unwrap();
            prop_assert!(b.total_bytes >= a.total_bytes, "{} < {}", b.total_bytes, a.total_bytes);
        }

        #[test]
        fn more_context_never_needs_less(model in arb_model(), w in arb_workload(), extra in 1u64..4096) {
            let a = estimate(&model, &w).unwrap();
            let longer = Workload { prompt: w.prompt + extra, seq: w.seq + extra, new_tokens: w.new_tokens + extra, ..w.clone() };
            let b = estimate(&model, &longer).unwrap();
            prop_assert!(b.total_bytes >= a.total_bytes);
        }

        #[test]
        fn more_precision_never_needs_less(model in arb_model(), w in arb_workload()) {
            let w = Workload { mode: Mode::Inference, ..w };
            let totals = |fs: &[WeightFormat], engine| -> Vec<u64> {
                fs.iter().map(|f| estimate(&model, &Workload { weights: *f, engine, ..w.clone() }).unwrap().total_bytes).collect()
            };
            // Along each chain a format never needs less than the one after it. bitsandbytes int8
            // and nf4 are separate kernels with separate load paths (measured on Llama-3.2-1B at
            // b1: int8 2.26 GiB vs nf4 2.24 GiB), so each is chained to bf16 on its own.
            let quantizable: u64 = model.tensors.iter().filter(|t| t.role.is_layer_linear()).map(|t| t.total_elems()).sum();
            // bnb 4-bit also leaves its embedding-sized load buffer cached (see bnb4_load_residue),
            // so bf16 ≥ nf4 is checked on LLM shapes: ≥ 100 M quantizable parameters making up at
            // least two thirds of the model (every real checkpoint; Llama-3.2-1B: 79 %).
            let big = quantizable >= 100_000_000 && 3 * quantizable >= 2 * model.params;
            let hf: &[WeightFormat] = if big {
                &[WeightFormat::Fp32, WeightFormat::Bf16, WeightFormat::Nf4 { double_quant: false }, WeightFormat::Nf4 { double_quant: true }]
            } else {
                &[WeightFormat::Fp32, WeightFormat::Bf16]
            };
            for pair in totals(&[WeightFormat::Nf4 { double_quant: false }, WeightFormat::Nf4 { double_quant: true }], Engine::Hf).windows(2) {
                prop_assert!(pair[0] >= pair[1], "nf4/nf4-dq {:?}", pair);
            }
            // Loading bitsandbytes costs a constant 50 MiB of kernels, more than 4-bit saves on a
            // toy model with under 100 M quantizable parameters; weights alone are always ordered.
            prop_assert!(model.weight_bytes(WeightFormat::Bf16) >= model.weight_bytes(WeightFormat::Int8));
            // Totals are not compared for int8: LLM.int8's int32 accumulator (4 B per output) can
            // outgrow its weight saving at large batch × context on a small model, as measured
            // (its transient is 1.56× bf16's on Llama-3.2-1B b8·s2048).
            let gguf = [GgufType::Q8_0, GgufType::Q6K, GgufType::Q5KM, GgufType::Q5KS, GgufType::Q4KM, GgufType::Q4KS, GgufType::Q3KM, GgufType::Q3KS, GgufType::Q2K];
            for pair in totals(hf, Engine::Hf).windows(2) {
                prop_assert!(pair[0] >= pair[1], "{:?}", pair);
            }
            // llama.cpp's fallbacks for rows that are not a multiple of 256 (Q4_K → Q5_0, Q6_K →
            // Q8_0, …) really do reorder the mixes, so the GGUF chain holds for K-quant widths.
            let a = &model.arch;
            let k_quant_widths = [a.hidden, a.intermediate, a.heads * a.head_dim]
                .iter()
                .chain(a.moe.as_ref().map(|m| &m.expert_intermediate))
                .all(|w| w % 256 == 0);
            if k_quant_widths {
                let g: Vec<WeightFormat> = gguf.iter().map(|g| WeightFormat::Gguf(*g)).collect();
                for pair in totals(&g, Engine::LlamaCpp).windows(2) {
                    prop_assert!(pair[0] >= pair[1], "{:?}", pair);
                }
            }
        }

        #[test]
        fn zero3_never_needs_more_per_gpu_than_zero2(model in arb_model(), w in arb_workload(), gpus_pow in 1u32..7) {
            let w = Workload { mode: Mode::Full, weights: WeightFormat::Bf16, gpus: 1 << gpus_pow, ..w };
            let z2 = estimate(&model, &Workload { zero: 2, ..w.clone() }).unwrap();
            let z3 = estimate(&model, &Workload { zero: 3, ..w.clone() }).unwrap();
            prop_assert!(z3.total_bytes <= z2.total_bytes, "z3 {} > z2 {}", z3.total_bytes, z2.total_bytes);
            let z1 = estimate(&model, &Workload { zero: 1, ..w.clone() }).unwrap();
            let z0 = estimate(&model, &Workload { zero: 0, ..w }).unwrap();
            prop_assert!(z2.total_bytes <= z1.total_bytes && z1.total_bytes <= z0.total_bytes);
        }

        #[test]
        fn absurd_inputs_give_errors_not_panics(model in arb_model(), batch in any::<u64>(), tokens in any::<u64>(), gpus in any::<u64>(), tp in any::<u64>()) {
            let w = Workload { batch, prompt: tokens, seq: tokens, gpus, tensor_parallel: tp, ..Workload::default() };
            let _ = estimate(&model, &w);
            let _ = estimate(&model, &Workload { mode: Mode::Full, ..w });
        }
    }

    fn gemma2(extra: &str) -> Model {
        let text = format!(
            r#"{{"model_type": "gemma2", "hidden_size": 2304, "intermediate_size": 9216, "num_attention_heads": 8,
            "num_key_value_heads": 4, "head_dim": 256, "num_hidden_layers": 26, "vocab_size": 256000{extra}}}"#
        );
        Model::new(Arch::from_config_json(&text).unwrap())
    }

    #[test]
    fn gemma_softcap_keeps_the_tanh_output() {
        let capped = gemma2(r#", "final_logit_softcapping": 30.0"#);
        let plain = gemma2(r#", "final_logit_softcapping": null"#);
        assert!(capped.arch.logit_softcap && !plain.arch.logit_softcap);
        // Large enough that the backward peak (not the optimizer step) is the peak.
        let w = Workload { mode: Mode::Full, batch: 8, seq: 2048, ..Workload::default() };
        let a = estimate(&capped, &w).unwrap().breakdown.activations;
        let b = estimate(&plain, &w).unwrap().breakdown.activations;
        // +2 B per logit: the bf16 tanh output, b·s·V of them.
        assert_eq!(a - b, 2 * 8 * 2048 * 256_000);
    }

    #[test]
    fn gemma_four_norms_save_more_than_two() {
        let g = gemma2("");
        // The same shapes as a Llama layer (two 6-byte norms) save 20·h less per token-layer:
        // Gemma's four norms keep 8 B each (fp32 input and fp32 normalised tensor).
        let mut llama_like = g.arch.clone();
        llama_like.family = crate::model::Family::Llama;
        llama_like.norms_per_layer = 2;
        let l = Model::new(llama_like);
        let h = g.arch.hidden;
        assert_eq!(g.train_bytes_per_token_layer(false), l.train_bytes_per_token_layer(false) + 20 * h);
        let w = Workload { mode: Mode::Full, batch: 8, seq: 2048, ..Workload::default() };
        assert!(estimate(&g, &w).unwrap().breakdown.activations > estimate(&l, &w).unwrap().breakdown.activations);
    }

    #[test]
    fn verdict_is_tight_when_only_the_slack_is_over() {
        let model = Model::new(ManualModel::default().to_arch().unwrap());
        let e = estimate(&model, &Workload { batch: 8, prompt: 8192, new_tokens: 16, ..Workload::default() }).unwrap();
        assert!(e.allocator_slack > 0 && e.allocator_slack < e.breakdown.runtime);
        assert_eq!(e.verdict(e.total_bytes), Verdict::Fits);
        assert_eq!(e.verdict(e.total_bytes - 1), Verdict::FitsTight);
        assert_eq!(e.verdict(e.total_bytes - e.allocator_slack), Verdict::FitsTight);
        assert_eq!(e.verdict(e.total_bytes - e.allocator_slack - 1), Verdict::DoesNotFit);
        // The workload's own card decides the verdict field and the note.
        let tight = Workload { batch: 8, prompt: 8192, new_tokens: 16, gpu_memory_bytes: e.total_bytes - 1, ..Workload::default() };
        let t = estimate(&model, &tight).unwrap();
        assert_eq!(t.verdict, Verdict::FitsTight);
        assert!(t.notes.iter().any(|n| n.contains("fits, tight")), "{:?}", t.notes);
        assert!(!t.notes.iter().any(|n| n.contains("does not fit")));
    }

    #[test]
    fn lora_targets_change_trainables_and_unknown_names_fail() {
        let model = Model::new(ManualModel::default().to_arch().unwrap());
        let w = Workload { mode: Mode::Lora, batch: 1, seq: 1024, ..Workload::default() };
        let all = estimate(&model, &w).unwrap();
        let attn = estimate(&model, &Workload { lora_targets: LoraTargets::Attention, ..w.clone() }).unwrap();
        // Llama-3.1-8B shape, r 16: q,k,v,o = 32 · 16 · (8192 + 5120 + 5120 + 8192) = 13.6 M.
        assert_eq!(attn.trainable_params, 32 * 16 * (2 * 4096 + 2 * (4096 + 1024) + 2 * 4096));
        assert_eq!(all.trainable_params, 41_943_040);
        assert!(attn.total_bytes < all.total_bytes);
        let bad = estimate(&model, &Workload { lora_targets: LoraTargets::parse("qkv_proj").unwrap(), ..w });
        assert_eq!(bad.unwrap_err().field, "--lora-targets");
    }

    #[test]
    fn adamw8bit_states_use_256_element_blocks_and_fp32_for_small_tensors() {
        // bnb: uint8 m and v + one fp32 absmax each per 256 elements.
        assert_eq!(adamw8bit_state_bytes(1 << 20), 2 * ((1 << 20) + 4 * 4096));
        assert_eq!(adamw8bit_state_bytes(257 * 16), 2 * (257 * 16 + 4 * 17));
        // Under min_8bit_size (4096) the states stay fp32: a 2048-wide norm costs 8 B per element.
        assert_eq!(adamw8bit_state_bytes(2048), 8 * 2048);
    }

    #[test]
    fn fp32_gqa_prefill_holds_scores_softmax_and_mask() {
        let model = Model::new(ManualModel::default().to_arch().unwrap());
        let w = Workload { weights: WeightFormat::Fp32, kv_cache: KvFormat::Fp32, batch: 2, prompt: 4096, new_tokens: 1, ..Workload::default() };
        let e = estimate(&model, &w).unwrap();
        // 9 B per score (fp32 scores, fp32 softmax, bool −inf mask) over b·n_q·s².
        let scores = 9 * 2 * 32 * 4096u64 * 4096;
        assert!(e.breakdown.activations > scores && e.breakdown.activations < scores + scores / 5, "{}", e.breakdown.activations);
        // Multi-head attention has the memory-efficient kernel in fp32: no scores.
        let mha = Model::new(ManualModel { kv_heads: 32, ..ManualModel::default() }.to_arch().unwrap());
        assert!(estimate(&mha, &w).unwrap().breakdown.activations < scores / 4);
    }

    #[test]
    fn vllm_reports_kv_capacity() {
        let model = Model::new(ManualModel::default().to_arch().unwrap());
        let w = Workload { engine: Engine::Vllm, prompt: 4096, new_tokens: 0, ..Workload::default() };
        let e = estimate(&model, &w).unwrap();
        let pool = e.vllm.unwrap();
        // 0.9 × 81559 MiB − 15 GiB weights − profile − runtime ≈ 50+ GiB of KV at 128 KiB/token.
        assert!(pool.kv_capacity_tokens > 350_000 && pool.kv_capacity_tokens < 500_000, "{}", pool.kv_capacity_tokens);
        assert_eq!(pool.max_concurrent_sequences, pool.kv_capacity_tokens / 4096);
        assert!(e.total_bytes <= pool.requested_bytes);
    }

    /// vLLM keeps no KV cache for encoder-only attention (`crate::vllm::size`): an encoder gets
    /// no pool however large the card, while a decoder run for embeddings keeps its causal KV.
    #[test]
    fn vllm_sizes_no_kv_pool_for_an_encoder() {
        let cat = crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap();
        let model = |id: &str| Model::new(cat.model(id).unwrap().arch().unwrap());
        let w = Workload { engine: Engine::Vllm, prompt: 512, new_tokens: 0, ..Workload::default() };
        for id in ["bge-m3", "bge-reranker-v2-m3"] {
            let e = estimate(&model(id), &w).unwrap();
            let pool = e.vllm.unwrap();
            assert_eq!((e.breakdown.kv_cache, pool.kv_capacity_tokens), (0, 0), "{id}");
            assert!(pool.max_concurrent_sequences >= 1, "{id}: the scheduler's max_num_seqs");
            assert!(e.total_bytes < 8 << 30, "{id}: {} bytes", e.total_bytes);
            assert!(e.notes.iter().any(|n| n.contains("no KV pool")), "{id}: {:?}", e.notes);
        }
        let q = estimate(&model("qwen3-embedding-0.6b"), &w).unwrap();
        assert!(q.breakdown.kv_cache > 0 && q.vllm.unwrap().kv_capacity_tokens > 0);
    }

    #[test]
    fn tensor_parallel_splits_weights_and_kv() {
        let model = Model::new(ManualModel::default().to_arch().unwrap());
        let one = estimate(&model, &Workload { prompt: 32768, ..Workload::default() }).unwrap();
        let four = estimate(&model, &Workload { prompt: 32768, gpus: 4, ..Workload::default() }).unwrap();
        assert_eq!(four.layout.tensor_parallel, 4);
        assert!(four.breakdown.weights * 4 <= one.breakdown.weights + 4 * 2 * 128256 * 4096);
        assert_eq!(four.breakdown.kv_cache * 4, one.breakdown.kv_cache);
        // TP 16 > 8 KV heads: KV heads replicate, KV per GPU stops shrinking at 1/8.
        let sixteen = estimate(&model, &Workload { prompt: 32768, gpus: 16, ..Workload::default() }).unwrap();
        assert_eq!(sixteen.breakdown.kv_cache * 8, one.breakdown.kv_cache);
        let bad = estimate(&model, &Workload { gpus: 6, tensor_parallel: 6, ..Workload::default() });
        assert_eq!(bad.unwrap_err().field, "--tensor-parallel");
    }

    #[test]
    fn invalid_workloads_name_the_field() {
        let model = Model::new(ManualModel::default().to_arch().unwrap());
        for (w, field) in [
            (Workload { batch: 0, ..Workload::default() }, "--batch"),
            (Workload { gpus: 3, tensor_parallel: 2, ..Workload::default() }, "--gpus"),
            (Workload { mode: Mode::Qlora, ..Workload::default() }, "--weights"),
            (Workload { zero: 9, ..Workload::default() }, "--zero"),
            (Workload { prompt: u64::MAX, ..Workload::default() }, "--prompt"),
        ] {
            assert_eq!(estimate(&model, &w).unwrap_err().field, field);
        }
    }
}
