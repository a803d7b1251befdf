//! The `gpuplan estimate` argument grammar, parsed without I/O so the CLI, the tests and the
//! calibration runner share one definition.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloc::format;

use crate::error::InputError;
use crate::formats::{KvFormat, WeightFormat};
use crate::memory::{Engine, Mode, Optimizer, Precision, Workload, GIB, MAX_BATCH, MAX_GPUS, MAX_LORA_RANK, MAX_TOKENS};

/// Where the model comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelSource {
    Config(String),
    Gguf(String),
    Safetensors(String),
    Preset(String),
    /// `--hf OWNER/NAME|URL [--revision R] [--hf-file FILE]`: a model on the Hugging Face Hub
    /// (or ModelScope), read over the network by the CLI (`gpuplan_files::hub`).
    Hub { reference: String, revision: Option<String>, file: Option<String> },
}

impl ModelSource {
    /// Whether the model is a GGUF file (`--gguf`, or `--hf … --hf-file X.gguf`): its default
    /// weights are `q4_k_m`, its KV cache fp16 and its engine llama.cpp.
    pub fn is_gguf(&self) -> bool {
        match self {
            ModelSource::Gguf(_) => true,
            ModelSource::Hub { reference, file, .. } => {
                let f = file.as_deref().unwrap_or(reference).to_ascii_lowercase();
                f.ends_with(".gguf") || f.contains(".gguf?")
            }
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EstimateArgs {
    pub model: ModelSource,
    /// A config.json to pair with --safetensors.
    pub config: Option<String>,
    pub workload: Workload,
    pub json: bool,
    /// `plan`: tokens/s the plan must reach.
    pub target_tokens_per_s: Option<u64>,
    /// `plan`: budget in USD.
    pub budget_usd: Option<u64>,
    /// Catalog GPU id for the fit verdict.
    pub gpu: Option<String>,
    /// `--wired-limit-mb N`: a Mac's `iogpu.wired_limit_mb` (0 = macOS's default); needs an
    /// Apple `--gpu`, whose RAM bounds it ([`crate::unified::wired_limit_bytes`]).
    pub wired_limit_mb: Option<u64>,
    /// What the `--gpu` card's GPU may use, and why (set by [`EstimateArgs::apply_gpu`]).
    pub gpu_usable: Option<crate::unified::Usable>,
    /// `--host ID`: a host memory preset of the catalog (`gpuplan hosts`), read by
    /// [`EstimateArgs::host_preset`].
    pub host: Option<String>,
    /// `--mmproj FILE`: a llama.cpp multimodal projector GGUF (read by the CLI).
    pub mmproj: Option<String>,
}

pub const ESTIMATE_USAGE: &str = "gpuplan estimate (--config PATH | --gguf PATH | --safetensors PATH [--config PATH] | --preset ID
    | --hf OWNER/NAME|URL [--revision R] [--hf-file FILE.gguf])
    [--mode inference|full|pretrain|lora|qlora] [--weights FORMAT] [--double-quant]
    [--kv-cache FORMAT] [--batch N] [--prompt N] [--new-tokens N] [--images N] [--seq N]
    [--precision bf16|mixed] [--optimizer adamw|adamw8bit|sgd|adafactor|lion] [--grad-ckpt]
    [--lora-rank N] [--lora-targets all-linear|attention|NAME,NAME] [--gpus N] [--tp N] [--pp N] [--zero 0|1|2|3] [--offload-optimizer]
    [--engine hf|vllm|llama.cpp|sglang] [--static-cache] [--gpu-memory-utilization 0.9] [--gpu-layers N|auto]
    [--max-model-len N] [--max-num-seqs N] [--max-num-batched-tokens N] [--enforce-eager] [--disable-hybrid-kv-cache-manager] (vLLM)
    [--mem-fraction-static F] [--context-length N] [--swa-full-tokens-ratio F]
    [--max-mamba-cache-size N] (SGLang)
    [--spec draft|eagle|mtp [--spec-accept X] [--spec-steps N] [--draft-preset ID]] (speculative decoding)
    [--gpu-memory-gib N | --gpu ID [--wired-limit-mb N] | --gpu ID,ID,…] [--host ID] [--json]
  llama.cpp (--engine llama.cpp): [--runtime llama-server|ollama|lm-studio] [--ctx N] [--parallel N]
    [--ubatch N] [--batch-size N] [--flash-attn on|off|auto] [--kv-cache TYPE] [--kv-cache-v TYPE]
    [--kv-unified] [--swa-full] [--n-outputs-max N] [--llama-cpp-build N] [--n-cpu-moe N] [--tensor-split a,b,…] [--host-ram-gb N] [--host-bw-gbs N] [--gpu-bw-gbs N]
    [--mmproj FILE [--no-mmproj-offload]] (a vision projector GGUF: its bytes on the first GPU, or the host)
    (--gpu-layers counts the output layer as llama.cpp's -ngl does: layers + 1 = everything;
    --ctx is the whole context of all sequences, default (prompt + new tokens) × --parallel;
    --parallel defaults to --batch; --ubatch 512, --batch-size 2048, flash attention auto (on);
    --kv-cache f16 sets K and V unless --kv-cache-v is given; --host-ram-gb in GiB, default
    unlimited; --host-bw-gbs 89.6 (dual-channel DDR5-5600); a runtime's defaults apply where
    a flag is not given)
  Only the model is required (`gpuplan presets` lists the preset ids). Defaults:
    --mode inference; --weights bf16 (nf4 with --mode qlora; with --gguf or --safetensors the
    file's own format, q4_k_m for a GGUF of unknown type); --kv-cache bf16 (fp16 with fp16 or
    GGUF weights, fp32 with fp32); --batch 1; --prompt 2048; --new-tokens 256; --images 0; --seq 2048;
    --precision bf16; --optimizer adamw; --lora-rank 16; --lora-targets all-linear; --gpus 1; --tp every GPU for
    inference, else 1; --pp 1; --zero 0; --engine hf (llama.cpp for GGUF weights);
    --gpu-memory-utilization 0.9; --gpu-layers all; --double-quant off; --static-cache off (transformers' DynamicCache).
  On an Apple --gpu the GPU may use macOS's default wired limit (2/3 of the RAM up to 32 GiB,
    3/4 above); --wired-limit-mb N is `sudo sysctl iogpu.wired_limit_mb=N` (0 = the default, at
    most the RAM in MiB). --host ID: a host memory preset (`gpuplan hosts` lists them).
  --hf reads config.json and the safetensors index (or a GGUF's header, by Range) from
    $HF_ENDPOINT (default https://huggingface.co), with $HF_TOKEN as a Bearer token when set;
    --revision defaults to main. Only --hf uses the network.";

/// A whole number with no bound of its own (the core's checks bound it).
fn number(flag: &str, v: &str) -> Result<u64, InputError> {
    InputError::whole_number(flag, v, 0, u64::MAX)
}

/// A whole number in `min..=max`: the same bounds as [`Workload::validate`], so `--batch -1`
/// and `--batch 0` state the same rule.
fn whole(flag: &str, v: &str, min: u64, max: u64) -> Result<u64, InputError> {
    InputError::whole_number(flag, v, min, max)
}

/// Parses the arguments after the subcommand.
pub fn parse_estimate_args(args: &[&str]) -> Result<EstimateArgs, InputError> {
    let mut w = Workload::default();
    let mut model: Option<ModelSource> = None;
    let mut config: Option<String> = None;
    let mut json = false;
    let mut weights: Option<String> = None;
    let mut double_quant = false;
    let mut kv: Option<String> = None;
    let mut target = None;
    let mut budget = None;
    let mut gpu = None;
    let mut wired_limit_mb = None;
    let mut host = None;
    let mut saw_mode = false;
    let mut gpu_memory_given = false;
    let mut kv_v: Option<String> = None;
    let mut host_ram_gb: Option<f64> = None;
    let (mut hf_revision, mut hf_file): (Option<String>, Option<String>) = (None, None);
    let mut mmproj = None;
    let mut it = args.iter().peekable();
    while let Some(&flag) = it.next() {
        let mut value = |name: &str| -> Result<String, InputError> {
            match it.next() {
                Some(v) if !v.starts_with("--") => Ok(v.to_string()),
                _ => Err(InputError::new(name, "needs a value")),
            }
        };
        match flag {
            "--json" => json = true,
            "--double-quant" => double_quant = true,
            "--grad-ckpt" => w.grad_ckpt = true,
            "--static-cache" => w.static_cache = true,
            "--offload-optimizer" => w.offload_optimizer = true,
            "--config" => {
                let v = value(flag)?;
                if matches!(model, Some(ModelSource::Safetensors(_))) {
                    config = Some(v);
                } else if model.is_none() {
                    model = Some(ModelSource::Config(v.clone()));
                    config = Some(v);
                } else {
                    config = Some(v);
                }
            }
            "--gguf" => model = Some(ModelSource::Gguf(value(flag)?)),
            "--safetensors" => model = Some(ModelSource::Safetensors(value(flag)?)),
            "--preset" => model = Some(ModelSource::Preset(value(flag)?)),
            "--hf" => model = Some(ModelSource::Hub { reference: value(flag)?, revision: None, file: None }),
            "--revision" => hf_revision = Some(value(flag)?),
            "--hf-file" => hf_file = Some(value(flag)?),
            "--mode" => {
                w.mode = Mode::parse(&value(flag)?)?;
                saw_mode = true;
            }
            "--weights" => weights = Some(value(flag)?),
            "--kv-cache" => kv = Some(value(flag)?),
            "--batch" => w.batch = whole(flag, &value(flag)?, 1, MAX_BATCH)?,
            "--prompt" => w.prompt = whole(flag, &value(flag)?, 1, MAX_TOKENS)?,
            "--new-tokens" => w.new_tokens = whole(flag, &value(flag)?, 0, MAX_TOKENS)?,
            "--images" => w.images = whole(flag, &value(flag)?, 0, crate::memory::MAX_IMAGES)?,
            "--seq" => w.seq = whole(flag, &value(flag)?, 1, MAX_TOKENS)?,
            "--precision" => w.precision = Precision::parse(&value(flag)?)?,
            "--optimizer" => w.optimizer = Optimizer::parse(&value(flag)?)?,
            "--lora-rank" => w.lora_rank = whole(flag, &value(flag)?, 1, MAX_LORA_RANK)?,
            "--lora-targets" => w.lora_targets = crate::model::LoraTargets::parse(&value(flag)?)?,
            "--gpus" => w.gpus = whole(flag, &value(flag)?, 1, MAX_GPUS)?,
            "--tp" | "--tensor-parallel" => w.tensor_parallel = whole(flag, &value(flag)?, 0, MAX_GPUS)?,
            "--pp" | "--pipeline-parallel" => w.pipeline_parallel = whole(flag, &value(flag)?, 0, MAX_GPUS)?,
            "--zero" => {
                w.zero = whole(flag, &value(flag)?, 0, 3)? as u8;
            }
            "--engine" => w.engine = Engine::parse(&value(flag)?)?,
            "--gpu-memory-utilization" => {
                let v = value(flag)?;
                let not_a_number = || InputError::new(flag, format!("\"{v}\" is not a number; must be a number from 0.05 to 1"));
                let f: f64 = v.trim().parse().ok().filter(|f: &f64| !f.is_nan()).ok_or_else(not_a_number)?;
                if !(0.05..=1.0).contains(&f) {
                    let what = if f > 1.0 { "too large" } else { "too small" };
                    return Err(InputError::new(flag, format!("{v} is {what}; must be a number from 0.05 to 1")));
                }
                w.gpu_memory_utilization_permille = libm::round(f * 1000.0) as u32;
            }
            "--gpu-layers" | "--n-gpu-layers" => {
                let v = value(flag)?;
                if v == "auto" {
                    w.llama_cpp.gpu_layers_auto = true;
                } else {
                    let n = number(flag, &v).map_err(|e| InputError::new(flag, format!("{}, or auto", e.message)))?;
                    w.gpu_layers = Some(n);
                }
            }
            "--ctx" | "--ctx-size" => w.llama_cpp.ctx = Some(whole(flag, &value(flag)?, 1, MAX_TOKENS)?),
            "--parallel" => w.llama_cpp.parallel = Some(whole(flag, &value(flag)?, 1, MAX_BATCH)?),
            "--ubatch" | "--ubatch-size" => w.llama_cpp.ubatch = Some(whole(flag, &value(flag)?, 1, MAX_TOKENS)?),
            "--batch-size" => w.llama_cpp.batch_size = Some(whole(flag, &value(flag)?, 1, MAX_TOKENS)?),
            "--flash-attn" => {
                w.llama_cpp.flash_attn = match value(flag)?.as_str() {
                    "on" | "1" | "true" => Some(true),
                    "off" | "0" | "false" => Some(false),
                    "auto" => None,
                    other => return Err(InputError::new(flag, format!("\"{other}\" is not a flash-attention mode; allowed: on, off, auto"))),
                }
            }
            "--kv-cache-v" => kv_v = Some(value(flag)?),
            "--kv-unified" => w.llama_cpp.kv_unified = Some(true),
            "--swa-full" => w.llama_cpp.swa_full = true,
            "--n-outputs-max" => w.llama_cpp.n_outputs_max = Some(whole(flag, &value(flag)?, 1, MAX_TOKENS)?),
            "--llama-cpp-build" => w.llama_cpp.build = Some(whole(flag, &value(flag)?, 1, 1_000_000)?),
            "--n-cpu-moe" => w.llama_cpp.n_cpu_moe = Some(number(flag, &value(flag)?)?),
            "--tensor-split" => w.llama_cpp.tensor_split = tensor_split(&value(flag)?)?,
            "--host-ram-gb" => host_ram_gb = Some(decimal(flag, &value(flag)?, 0.5, 1_048_576.0)?),
            "--host-bw-gbs" => w.llama_cpp.host_bw_gbs = Some(decimal(flag, &value(flag)?, 0.1, 100_000.0)?),
            "--gpu-bw-gbs" => w.llama_cpp.gpu_bw_gbs = Some(decimal(flag, &value(flag)?, 0.1, 100_000.0)?),
            "--runtime" => w.llama_cpp.runtime = Some(crate::llamacpp::Runtime::parse(&value(flag)?)?),
            "--mmproj" => mmproj = Some(value(flag)?),
            "--no-mmproj-offload" => w.llama_cpp.mmproj_on_host = true,
            "--gpu-memory-gib" => {
                w.gpu_memory_bytes = gib_bytes(flag, &value(flag)?)?;
                gpu_memory_given = true;
            }
            "--gpu" => gpu = Some(value(flag)?),
            "--max-model-len" => w.vllm.max_model_len = Some(whole(flag, &value(flag)?, 1, MAX_TOKENS)?),
            "--max-num-seqs" => w.vllm.max_num_seqs = Some(whole(flag, &value(flag)?, 1, MAX_BATCH)?),
            "--max-num-batched-tokens" => w.vllm.max_num_batched_tokens = Some(whole(flag, &value(flag)?, 1, MAX_TOKENS)?),
            "--enforce-eager" => w.vllm.enforce_eager = true,
            "--disable-hybrid-kv-cache-manager" => w.vllm.disable_hybrid_kv_cache_manager = true,
            "--mem-fraction-static" => w.sglang.mem_fraction_static_permille = Some(fraction(flag, &value(flag)?)?),
            "--context-length" => w.sglang.context_length = Some(whole(flag, &value(flag)?, 1, MAX_TOKENS)?),
            "--swa-full-tokens-ratio" => w.sglang.swa_full_tokens_ratio_permille = Some(fraction(flag, &value(flag)?)?),
            "--max-mamba-cache-size" => w.sglang.max_mamba_cache_size = Some(whole(flag, &value(flag)?, 1, MAX_BATCH)?),
            // Bounded by the machine's RAM once the card is known (`apply_gpu`).
            "--wired-limit-mb" => wired_limit_mb = Some(number(flag, &value(flag)?)?),
            "--host" => host = Some(value(flag)?),
            "--target-tokens-per-s" => target = Some(number(flag, &value(flag)?)?),
            "--budget" => budget = Some(number(flag, &value(flag)?)?),
            other => {
                return Err(InputError::new(other, format!("is not an option of estimate; usage:\n{ESTIMATE_USAGE}")));
            }
        }
    }
    let mut model = model.ok_or_else(|| InputError::new("--config", "a model is required: --config PATH, --gguf PATH, --safetensors PATH, --preset ID or --hf OWNER/NAME"))?;
    match &mut model {
        ModelSource::Hub { revision, file, .. } => (*revision, *file) = (hf_revision, hf_file),
        _ if hf_revision.is_some() => return Err(InputError::new("--revision", "goes with --hf OWNER/NAME (the revision of a Hub repo)")),
        _ if hf_file.is_some() => return Err(InputError::new("--hf-file", "goes with --hf OWNER/NAME (a file of a Hub repo; a local file is --gguf PATH)")),
        _ => {}
    }
    if !saw_mode {
        w.mode = Mode::Inference;
    }
    let default_weights = if model.is_gguf() { "q4_k_m" } else if w.mode == Mode::Qlora { "nf4" } else { "bf16" };
    let weights_name = weights.unwrap_or_else(|| default_weights.to_string());
    // Double quantisation only when asked, QLoRA included: transformers' BitsAndBytesConfig
    // defaults `bnb_4bit_use_double_quant=False` (src/transformers/utils/quantization_config.py),
    // and the calibration's QLoRA runs ("NF4 double-quant") pass --double-quant explicitly.
    // (The former `double_quant || qlora && nf4 && double_quant` reduced to this.)
    w.weights = WeightFormat::parse(&weights_name, double_quant)?;
    // `--kv-cache auto` is vLLM's and SGLang's spelling of "the model's dtype": the default.
    let kv = kv.filter(|k| k != "auto");
    let gguf = matches!(w.weights, WeightFormat::Gguf(_)) || model.is_gguf();
    if (gguf || w.llama_cpp.runtime.is_some()) && !args.contains(&"--engine") {
        w.engine = Engine::LlamaCpp;
    }
    if let Some(r) = w.llama_cpp.runtime {
        if w.engine != Engine::LlamaCpp {
            return Err(InputError::new("--runtime", format!("{} runs llama.cpp; use it with --engine llama.cpp", r.defaults().id)));
        }
    }
    w.llama_cpp.host_ram_bytes = host_ram_gb.map(|g| libm::round(g * GIB as f64) as u64);
    if let Some(k) = &kv {
        // llama.cpp's own cache types (q5_0, iq4_nl, …) are taken for llama.cpp only.
        w.llama_cpp.type_k = crate::llamacpp::CacheType::parse("--kv-cache", k).ok();
        match KvFormat::parse(k) {
            Ok(f) => w.kv_cache = f,
            Err(e) if w.llama_cpp.type_k.is_none() || w.engine != Engine::LlamaCpp => return Err(e),
            Err(_) => w.kv_cache = KvFormat::Fp16,
        }
        if w.engine == Engine::LlamaCpp && w.llama_cpp.type_k.is_none() {
            return Err(InputError::new("--kv-cache", format!("\"{k}\" is not a llama.cpp cache type; allowed: {}", crate::llamacpp::CacheType::NAMES)));
        }
    } else if w.weights == WeightFormat::Fp32 {
        w.kv_cache = KvFormat::Fp32;
    } else if w.weights == WeightFormat::Fp16 || gguf {
        w.kv_cache = KvFormat::Fp16;
    }
    if let Some(v) = &kv_v {
        w.llama_cpp.type_v = Some(crate::llamacpp::CacheType::parse("--kv-cache-v", v)?);
    }
    // `--tp N [--pp M]` without `--gpus`: the world size, N × M cards (vLLM's and SGLang's
    // `tensor_parallel_size × pipeline_parallel_size`).
    if !args.contains(&"--gpus") && (w.tensor_parallel > 0 || w.pipeline_parallel > 0) {
        w.gpus = (w.tensor_parallel.max(1) * w.pipeline_parallel.max(1)).min(MAX_GPUS);
    }
    if mmproj.is_some() && w.engine != Engine::LlamaCpp {
        return Err(InputError::new("--mmproj", "is a llama.cpp multimodal projector: use it with --engine llama.cpp (the default for --gguf)"));
    }
    if w.llama_cpp.mmproj_on_host && mmproj.is_none() {
        return Err(InputError::new("--no-mmproj-offload", "keeps a projector in host memory: give it with --mmproj FILE"));
    }
    if gpu_memory_given && gpu.is_some() {
        return Err(InputError::new("--gpu-memory-gib", "give either --gpu ID (the card's own memory) or --gpu-memory-gib N, not both"));
    }
    if wired_limit_mb.is_some() && gpu.is_none() {
        return Err(InputError::new("--wired-limit-mb", "is a Mac's GPU wired limit: give the Mac with --gpu ID (an apple-… id of `gpuplan gpus`)"));
    }
    Ok(EstimateArgs { model, config, workload: w, json, target_tokens_per_s: target, budget_usd: budget, gpu, wired_limit_mb, gpu_usable: None, host, mmproj })
}

/// A fraction in (0, 1] as per-mille (`--mem-fraction-static 0.88` → 880).
fn fraction(flag: &str, v: &str) -> Result<u32, InputError> {
    let f: f64 = v.trim().parse().ok().filter(|f: &f64| !f.is_nan()).ok_or_else(|| InputError::new(flag, format!("\"{v}\" is not a number; must be a number from 0.05 to 1")))?;
    if !(0.05..=1.0).contains(&f) {
        return Err(InputError::new(flag, format!("{v} is out of range; must be a number from 0.05 to 1")));
    }
    Ok(libm::round(f * 1000.0) as u32)
}

/// A decimal number in `min..=max` (`--host-ram-gb`, `--host-bw-gbs`).
fn decimal(flag: &str, v: &str, min: f64, max: f64) -> Result<f64, InputError> {
    let range = format!("allowed {min} to {max} (decimals accepted)");
    let x: f64 = v.trim().parse().map_err(|_| InputError::new(flag, format!("\"{v}\" is not a number; {range}")))?;
    if !(min..=max).contains(&x) {
        return Err(InputError::new(flag, format!("{v} is out of range; {range}")));
    }
    Ok(x)
}

/// `--tensor-split a,b,…`: one non-negative share per card (llama.cpp's `-ts`).
fn tensor_split(v: &str) -> Result<Vec<f64>, InputError> {
    let parts: Result<Vec<f64>, InputError> = v
        .split(',')
        .map(|p| {
            p.trim().parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0).ok_or_else(|| {
                InputError::new("--tensor-split", format!("\"{p}\" is not a non-negative number; give one share per card, e.g. 3,1"))
            })
        })
        .collect();
    let parts = parts?;
    if parts.iter().sum::<f64>() <= 0.0 {
        return Err(InputError::new("--tensor-split", "the shares add up to 0; give at least one positive share"));
    }
    Ok(parts)
}

/// Smallest and largest `--gpu-memory-gib` (the workload accepts 1 MiB to 2⁵⁰ bytes).
pub const MIN_GPU_MEMORY_GIB: f64 = 0.001;
pub const MAX_GPU_MEMORY_GIB: f64 = 1_048_576.0;

/// `--gpu-memory-gib X`: any decimal in range; bytes = round(X × 2³⁰).
fn gib_bytes(flag: &str, v: &str) -> Result<u64, InputError> {
    let range = format!("allowed {MIN_GPU_MEMORY_GIB} to {MAX_GPU_MEMORY_GIB} GiB (decimals accepted)");
    let g: f64 = v.trim().parse().map_err(|_| InputError::new(flag, format!("\"{v}\" is not a number; {range}")))?;
    if !(MIN_GPU_MEMORY_GIB..=MAX_GPU_MEMORY_GIB).contains(&g) {
        return Err(InputError::new(flag, format!("{v} is out of range; {range}")));
    }
    Ok(libm::round(g * GIB as f64) as u64)
}

impl EstimateArgs {
    /// `--gpu ID`: what the card's GPU may use becomes the workload's GPU memory (what vLLM's
    /// pool is sized from and the fit note compares against): a discrete card's memory as its
    /// driver reports it, a Mac's GPU wired limit (macOS's default, or `--wired-limit-mb`).
    pub fn apply_gpu(&mut self, catalog: &crate::catalog::Catalog) -> Result<(), InputError> {
        let Some(spec) = &self.gpu else { return Ok(()) };
        // `--gpu ID,ID,…`: several cards, each by its catalog id (llama.cpp splits layers).
        let mut gpus = Vec::new();
        for id in spec.split(',').map(str::trim) {
            match catalog.gpu(id) {
                Some(g) => gpus.push(g),
                None => {
                    let ids: Vec<&str> = catalog.gpus.iter().map(|g| g.id.as_str()).collect();
                    return Err(InputError::new("--gpu", format!("\"{id}\" is not in the catalog; allowed: {}", ids.join(", "))));
                }
            }
        }
        // What each card's GPU may use: a discrete card's memory, a Mac's wired limit.
        let mut usable = Vec::with_capacity(gpus.len());
        for g in &gpus {
            usable.push(crate::unified::gpu_usable(g, self.wired_limit_mb)?);
        }
        self.gpu_usable = Some(usable[0]);
        let w = &mut self.workload;
        w.gpu_memory_bytes = usable[0].bytes;
        // What the engines read of the card beyond its memory (vLLM's A100 rule, SGLang on NVLink).
        crate::memory::apply_card(w, gpus[0]);
        if gpus.len() > 1 {
            if w.gpus != 1 && w.gpus != gpus.len() as u64 {
                return Err(InputError::new("--gpus", format!("{} does not match the {} cards of --gpu; give --gpus N with one card id, or a list of ids", w.gpus, gpus.len())));
            }
            if w.engine != Engine::LlamaCpp {
                return Err(InputError::new("--gpu", "a list of different cards is for --engine llama.cpp (its layer split); other engines take one card id and --gpus N"));
            }
            w.gpus = gpus.len() as u64;
        }
        if w.engine == Engine::LlamaCpp {
            let count = if gpus.len() > 1 { 1 } else { w.gpus.min(crate::memory::MAX_GPUS) };
            let cards: Vec<(&crate::catalog::Gpu, u64)> = gpus.iter().copied().zip(usable.iter().map(|u| u.bytes)).collect();
            w.llama_cpp.cards = crate::memory::llama_cpp_cards(&cards, count, w);
        }
        Ok(())
    }
}

impl EstimateArgs {
    /// `--host ID`: the host memory preset it names (its bandwidth is what the part of a model
    /// kept in system RAM is read at), `None` without the flag, an error naming the ids.
    pub fn host_preset<'c>(&self, catalog: &'c crate::catalog::Catalog) -> Result<Option<&'c crate::catalog::Host>, InputError> {
        let Some(id) = &self.host else { return Ok(None) };
        catalog.host(id).map(Some).ok_or_else(|| {
            let ids: Vec<&str> = catalog.hosts.iter().map(|h| h.id.as_str()).collect();
            InputError::new("--host", format!("\"{id}\" is not a host preset; allowed: {} (`gpuplan hosts` lists them)", ids.join(", ")))
        })
    }
}

/// Splits a command line on whitespace (for tests and the calibration runner).
pub fn split(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_calibration_style_arguments() {
        let a = parse_estimate_args(&split(
            "--config c.json --mode qlora --weights nf4 --double-quant --lora-rank 16 --optimizer adamw --batch 4 --seq 2048 --grad-ckpt --json",
        ))
        .unwrap();
        assert_eq!(a.model, ModelSource::Config("c.json".into()));
        assert_eq!(a.workload.weights, WeightFormat::Nf4 { double_quant: true });
        assert_eq!(a.workload.batch, 4);
        assert!(a.workload.grad_ckpt && a.json);
    }

    #[test]
    fn tp_and_pp_without_gpus_give_the_world_size() {
        let a = parse_estimate_args(&["--preset", "x", "--tp", "8"]).unwrap();
        assert_eq!((a.workload.gpus, a.workload.tensor_parallel), (8, 8));
        let a = parse_estimate_args(&["--preset", "x", "--tp", "4", "--pp", "2"]).unwrap();
        assert_eq!(a.workload.gpus, 8);
        // An explicit --gpus wins (data parallel over the rest).
        let a = parse_estimate_args(&["--preset", "x", "--tp", "2", "--gpus", "8"]).unwrap();
        assert_eq!(a.workload.gpus, 8);
        let a = parse_estimate_args(&["--preset", "x"]).unwrap();
        assert_eq!(a.workload.gpus, 1);
    }

    #[test]
    fn lora_targets_flag() {
        let a = parse_estimate_args(&split("--config c --mode lora --lora-targets q_proj,v_proj")).unwrap();
        assert_eq!(a.workload.lora_targets, crate::model::LoraTargets::Names(vec!["q_proj".into(), "v_proj".into()]));
        let d = parse_estimate_args(&split("--config c --mode lora")).unwrap();
        assert_eq!(d.workload.lora_targets, crate::model::LoraTargets::AllLinear);
        for bad in ["--config c --lora-targets q_proj,,v", "--config c --lora-targets"] {
            assert_eq!(parse_estimate_args(&split(bad)).unwrap_err().field, "--lora-targets", "{bad}");
        }
        assert!(ESTIMATE_USAGE.contains("--lora-targets"));
    }

    #[test]
    fn the_usage_states_the_defaults_the_parser_uses() {
        let d = parse_estimate_args(&split("--config c")).unwrap().workload;
        let defaults = &ESTIMATE_USAGE[ESTIMATE_USAGE.find("Defaults:").unwrap()..];
        for (flag, value) in [("--batch", d.batch), ("--prompt", d.prompt), ("--new-tokens", d.new_tokens), ("--seq", d.seq), ("--lora-rank", d.lora_rank), ("--gpus", d.gpus), ("--zero", u64::from(d.zero))] {
            assert!(defaults.contains(&format!("{flag} {value};")), "{flag} {value}");
        }
        assert!(defaults.contains(&format!("--mode {};", d.mode.name())));
        assert!(defaults.contains(&format!("--weights {} ", d.weights)));
        assert!(defaults.contains(&format!("--engine {} ", d.engine.name())));
        assert!(defaults.contains(&format!("--gpu-memory-utilization {};", d.gpu_memory_utilization_permille as f64 / 1000.0)));
        assert_eq!((d.tensor_parallel, d.pipeline_parallel, d.gpu_layers), (0, 0, None), "auto TP, PP 1, all layers");
    }

    #[test]
    fn double_quant_only_when_asked() {
        // QLoRA's nf4 base is double-quantised only with --double-quant (bitsandbytes' and
        // transformers' default is off); the calibration's QLoRA runs pass the flag.
        let w = |line: &str| parse_estimate_args(&split(line)).unwrap().workload.weights;
        assert_eq!(w("--config c --mode qlora"), WeightFormat::Nf4 { double_quant: false });
        assert_eq!(w("--config c --mode qlora --weights nf4"), WeightFormat::Nf4 { double_quant: false });
        assert_eq!(w("--config c --mode qlora --double-quant"), WeightFormat::Nf4 { double_quant: true });
        assert_eq!(w("--config c --mode qlora --weights nf4-dq"), WeightFormat::Nf4 { double_quant: true });
        assert_eq!(w("--config c --weights nf4 --double-quant"), WeightFormat::Nf4 { double_quant: true });
    }

    #[test]
    fn bad_arguments_name_the_flag() {
        for (line, field) in [
            ("--config c --batch -3", "--batch"),
            ("--config c --batch many", "--batch"),
            ("--config c --mode sleep", "--mode"),
            ("--config c --weights q4", "--weights"),
            ("--config c --zero 4", "--zero"),
            ("--config c --frobnicate", "--frobnicate"),
            ("--mode inference", "--config"),
            ("--config c --gpu-memory-utilization NaN", "--gpu-memory-utilization"),
            ("--config", "--config"),
            ("--config c --gpu-memory-gib 0", "--gpu-memory-gib"),
            ("--config c --gpu-memory-gib lots", "--gpu-memory-gib"),
            ("--config c --gpu-memory-gib 2000000", "--gpu-memory-gib"),
            ("--config c --gpu-memory-gib 40 --gpu nvidia-l40s", "--gpu-memory-gib"),
        ] {
            assert_eq!(parse_estimate_args(&split(line)).unwrap_err().field, field, "{line}");
        }
    }

    /// Issue 11 §5: `--gpu-memory-gib 44.99` was refused as "not a whole number".
    #[test]
    fn gpu_memory_gib_takes_decimals() {
        let a = parse_estimate_args(&split("--config c --gpu-memory-gib 44.99")).unwrap();
        assert_eq!(a.workload.gpu_memory_bytes, 48_307_644_662, "round(44.99 × 2³⁰)");
        let a = parse_estimate_args(&split("--config c --gpu-memory-gib 80")).unwrap();
        assert_eq!(a.workload.gpu_memory_bytes, 80 << 30);
        let e = parse_estimate_args(&split("--config c --gpu-memory-gib 0")).unwrap_err();
        assert!(e.to_string().contains("allowed 0.001 to 1048576 GiB"), "{e}");
    }

    /// Issue 11 §5: `--gpu nvidia-l40s` sized vLLM's pool from an H100's memory.
    #[test]
    fn gpu_id_sets_the_cards_memory() {
        let cat = crate::catalog::load().unwrap();
        let mut a = parse_estimate_args(&split("--config c --engine vllm --gpu nvidia-l40s")).unwrap();
        a.apply_gpu(&cat).unwrap();
        assert_eq!(a.workload.gpu_memory_bytes, cat.gpu("nvidia-l40s").unwrap().memory_bytes);
        let mut a = parse_estimate_args(&split("--config c --gpu nvidia-nope")).unwrap();
        assert_eq!(a.apply_gpu(&cat).unwrap_err().field, "--gpu");
    }

    /// Issue 13 §5: a Mac's GPU may use its wired limit, not the whole RAM.
    #[test]
    fn apple_gpu_uses_the_wired_limit() {
        use crate::unified::{Usable, UsableBasis};
        let cat = crate::catalog::load().unwrap();
        let mut a = parse_estimate_args(&split("--config c --gpu apple-m4-max")).unwrap();
        a.apply_gpu(&cat).unwrap();
        assert_eq!(a.workload.gpu_memory_bytes, 96 * GIB, "3/4 of 128 GiB");
        assert_eq!(a.gpu_usable, Some(Usable { bytes: 96 * GIB, basis: UsableBasis::MacosDefault }));
        let mut a = parse_estimate_args(&split("--config c --gpu apple-m4-max --wired-limit-mb 120000")).unwrap();
        a.apply_gpu(&cat).unwrap();
        assert_eq!(a.workload.gpu_memory_bytes, 120_000 << 20);
        assert_eq!(a.gpu_usable.unwrap().basis, UsableBasis::WiredLimitMb(120_000));
        for (line, apply) in [
            ("--config c --gpu apple-m4-max --wired-limit-mb 131073", true),
            ("--config c --gpu nvidia-l40s --wired-limit-mb 1000", true),
            ("--config c --wired-limit-mb 1000", false),
            ("--config c --gpu apple-m4-max --wired-limit-mb 1.5", false),
            ("--config c --gpu apple-m4-max --wired-limit-mb -1", false),
        ] {
            let e = match parse_estimate_args(&split(line)) {
                Ok(mut a) if apply => a.apply_gpu(&cat).unwrap_err(),
                Ok(_) => panic!("{line}: accepted"),
                Err(e) => e,
            };
            assert_eq!(e.field, "--wired-limit-mb", "{line}: {e}");
        }
        let e = parse_estimate_args(&split("--config c --gpu apple-m4-max --wired-limit-mb 131073")).unwrap().apply_gpu(&cat).unwrap_err();
        assert!(e.to_string().contains("from 0 (macOS's default) to 131072"), "{e}");
    }

    #[test]
    fn host_flag_names_a_preset() {
        let cat = crate::catalog::load().unwrap();
        let a = parse_estimate_args(&split("--config c --host ddr5-6400-2ch")).unwrap();
        assert_eq!(a.host_preset(&cat).unwrap().map(|h| h.bandwidth_bytes_per_s), Some(102_400_000_000));
        let a = parse_estimate_args(&split("--config c")).unwrap();
        assert_eq!(a.host_preset(&cat).unwrap(), None);
        let a = parse_estimate_args(&split("--config c --host ddr3")).unwrap();
        let e = a.host_preset(&cat).unwrap_err();
        assert!(e.field == "--host" && e.message.contains("ddr4-3200-2ch"), "{e}");
        assert_eq!(parse_estimate_args(&split("--config c --host")).unwrap_err().field, "--host");
    }
}
