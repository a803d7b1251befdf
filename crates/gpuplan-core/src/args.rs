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
}

pub const ESTIMATE_USAGE: &str = "gpuplan estimate (--config PATH | --gguf PATH | --safetensors PATH [--config PATH] | --preset ID
    | --hf OWNER/NAME|URL [--revision R] [--hf-file FILE.gguf])
    [--mode inference|full|pretrain|lora|qlora] [--weights FORMAT] [--double-quant]
    [--kv-cache FORMAT] [--batch N] [--prompt N] [--new-tokens N] [--seq N]
    [--precision bf16|mixed] [--optimizer adamw|adamw8bit|sgd|adafactor|lion] [--grad-ckpt]
    [--lora-rank N] [--lora-targets all-linear|attention|NAME,NAME] [--gpus N] [--tp N] [--pp N] [--zero 0|1|2|3] [--offload-optimizer]
    [--engine hf|vllm|llama.cpp] [--static-cache] [--gpu-memory-utilization 0.9] [--gpu-layers N]
    [--gpu-memory-gib N | --gpu ID] [--json]
  Only the model is required (`gpuplan presets` lists the preset ids). Defaults:
    --mode inference; --weights bf16 (nf4 with --mode qlora; with --gguf or --safetensors the
    file's own format, q4_k_m for a GGUF of unknown type); --kv-cache bf16 (fp16 with fp16 or
    GGUF weights, fp32 with fp32); --batch 1; --prompt 2048; --new-tokens 256; --seq 2048;
    --precision bf16; --optimizer adamw; --lora-rank 16; --lora-targets all-linear; --gpus 1; --tp every GPU for
    inference, else 1; --pp 1; --zero 0; --engine hf (llama.cpp for GGUF weights);
    --gpu-memory-utilization 0.9; --gpu-layers all; --double-quant off; --static-cache off (transformers' DynamicCache).
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
    let mut saw_mode = false;
    let mut gpu_memory_given = false;
    let (mut hf_revision, mut hf_file): (Option<String>, Option<String>) = (None, None);
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
            "--gpu-layers" | "--n-gpu-layers" => w.gpu_layers = Some(number(flag, &value(flag)?)?),
            "--gpu-memory-gib" => {
                w.gpu_memory_bytes = gib_bytes(flag, &value(flag)?)?;
                gpu_memory_given = true;
            }
            "--gpu" => gpu = Some(value(flag)?),
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
    if let Some(k) = kv {
        w.kv_cache = KvFormat::parse(&k)?;
    } else if w.weights == WeightFormat::Fp32 {
        w.kv_cache = KvFormat::Fp32;
    } else if w.weights == WeightFormat::Fp16 {
        w.kv_cache = KvFormat::Fp16;
    } else if matches!(w.weights, WeightFormat::Gguf(_)) || model.is_gguf() {
        w.kv_cache = KvFormat::Fp16;
        if !args.contains(&"--engine") {
            w.engine = Engine::LlamaCpp;
        }
    }
    if gpu_memory_given && gpu.is_some() {
        return Err(InputError::new("--gpu-memory-gib", "give either --gpu ID (the card's own memory) or --gpu-memory-gib N, not both"));
    }
    Ok(EstimateArgs { model, config, workload: w, json, target_tokens_per_s: target, budget_usd: budget, gpu })
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
    /// `--gpu ID`: the card's memory as its driver reports it becomes the workload's GPU memory
    /// (what vLLM's pool is sized from and the fit note compares against).
    pub fn apply_gpu(&mut self, catalog: &crate::catalog::Catalog) -> Result<(), InputError> {
        let Some(id) = &self.gpu else { return Ok(()) };
        match catalog.gpu(id) {
            Some(g) => {
                self.workload.gpu_memory_bytes = g.memory_bytes;
                Ok(())
            }
            None => {
                let ids: Vec<&str> = catalog.gpus.iter().map(|g| g.id.as_str()).collect();
                Err(InputError::new("--gpu", format!("\"{id}\" is not in the catalog; allowed: {}", ids.join(", "))))
            }
        }
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
}
