//! The one value that holds every input of the page, exactly as the reader typed it (numbers stay
//! strings so a half-typed `1.` or a bad value is kept, not clobbered), its short versioned URL
//! form, and its validation into the core's `Workload`.
//!
//! URL form (`#v=1&m=llama-3.1-8b&w=q4_k_m&ctx=32k`): only values that differ from the defaults
//! are written; unknown keys are ignored and unreadable values fall back to their defaults with a
//! notice, so old and hand-edited links keep working.

use gpuplan_core::error::InputError;
use gpuplan_core::formats::{KvFormat, WeightFormat};
use gpuplan_core::memory::{Engine, Mode, Optimizer, Precision, Workload, MIB};
use gpuplan_core::model::ManualModel;

use crate::codec::{b64_decode, b64_encode, pct_decode, pct_encode};
use crate::fmt::{parse_decimal, parse_whole, NumErr};

/// The URL format version written by this build.
pub const URL_VERSION: u32 = 1;

/// The default model preset (a catalog id).
pub const DEFAULT_PRESET: &str = "llama-3.1-8b";
/// The default card (a catalog id).
pub const DEFAULT_GPU: &str = "nvidia-h100-sxm5-80gb";
/// The id of the user's own card.
pub const CUSTOM_GPU: &str = "custom";

/// Where the model comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Preset,
    Config,
    Manual,
    /// A dropped GGUF / safetensors file (its header, read in the browser).
    File,
}

impl Source {
    fn code(self) -> &'static str {
        match self {
            Source::Preset => "p",
            Source::Config => "c",
            Source::Manual => "h",
            Source::File => "f",
        }
    }
    fn from_code(s: &str) -> Option<Source> {
        Some(match s {
            "p" => Source::Preset,
            "c" => Source::Config,
            "h" => Source::Manual,
            "f" => Source::File,
            _ => return None,
        })
    }
}

/// The typed-by-hand model, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualFields {
    pub layers: String,
    pub hidden: String,
    pub heads: String,
    pub kv_heads: String,
    pub head_dim: String,
    pub intermediate: String,
    pub vocab: String,
    pub experts: String,
    pub experts_per_token: String,
    pub expert_intermediate: String,
    pub tied: bool,
}

impl Default for ManualFields {
    fn default() -> Self {
        let m = ManualModel::default();
        ManualFields {
            layers: m.layers.to_string(),
            hidden: m.hidden.to_string(),
            heads: m.heads.to_string(),
            kv_heads: m.kv_heads.to_string(),
            head_dim: m.head_dim.to_string(),
            intermediate: m.intermediate.to_string(),
            vocab: m.vocab.to_string(),
            experts: m.experts.to_string(),
            experts_per_token: m.experts_per_token.to_string(),
            expert_intermediate: m.expert_intermediate.to_string(),
            tied: m.tied_embeddings,
        }
    }
}

/// Keys of the by-hand model fields (their order is the URL order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManualKey {
    Layers,
    Hidden,
    Heads,
    KvHeads,
    HeadDim,
    Intermediate,
    Vocab,
    Experts,
    ExpertsPerToken,
    ExpertIntermediate,
}

impl ManualKey {
    pub const ALL: [ManualKey; 10] = [
        ManualKey::Layers,
        ManualKey::Hidden,
        ManualKey::Heads,
        ManualKey::KvHeads,
        ManualKey::HeadDim,
        ManualKey::Intermediate,
        ManualKey::Vocab,
        ManualKey::Experts,
        ManualKey::ExpertsPerToken,
        ManualKey::ExpertIntermediate,
    ];
    /// The field name the core uses in its `InputError`s.
    pub fn core_name(self) -> &'static str {
        match self {
            ManualKey::Layers => "layers",
            ManualKey::Hidden => "hidden",
            ManualKey::Heads => "heads",
            ManualKey::KvHeads => "kv_heads",
            ManualKey::HeadDim => "head_dim",
            ManualKey::Intermediate => "intermediate",
            ManualKey::Vocab => "vocab",
            ManualKey::Experts => "experts",
            ManualKey::ExpertsPerToken => "experts_per_token",
            ManualKey::ExpertIntermediate => "expert_intermediate",
        }
    }
}

impl ManualFields {
    pub fn get(&self, k: ManualKey) -> &String {
        match k {
            ManualKey::Layers => &self.layers,
            ManualKey::Hidden => &self.hidden,
            ManualKey::Heads => &self.heads,
            ManualKey::KvHeads => &self.kv_heads,
            ManualKey::HeadDim => &self.head_dim,
            ManualKey::Intermediate => &self.intermediate,
            ManualKey::Vocab => &self.vocab,
            ManualKey::Experts => &self.experts,
            ManualKey::ExpertsPerToken => &self.experts_per_token,
            ManualKey::ExpertIntermediate => &self.expert_intermediate,
        }
    }
    pub fn get_mut(&mut self, k: ManualKey) -> &mut String {
        match k {
            ManualKey::Layers => &mut self.layers,
            ManualKey::Hidden => &mut self.hidden,
            ManualKey::Heads => &mut self.heads,
            ManualKey::KvHeads => &mut self.kv_heads,
            ManualKey::HeadDim => &mut self.head_dim,
            ManualKey::Intermediate => &mut self.intermediate,
            ManualKey::Vocab => &mut self.vocab,
            ManualKey::Experts => &mut self.experts,
            ManualKey::ExpertsPerToken => &mut self.experts_per_token,
            ManualKey::ExpertIntermediate => &mut self.expert_intermediate,
        }
    }

    /// The core's `ManualModel`, or the first field that is not a number.
    pub fn to_manual(&self) -> Result<ManualModel, FieldError> {
        let mut v = [0u64; 10];
        for (i, k) in ManualKey::ALL.into_iter().enumerate() {
            v[i] = parse_whole(self.get(k), 1024).map_err(|e| FieldError::num(Field::Manual(k), e))?;
        }
        Ok(ManualModel {
            layers: v[0],
            hidden: v[1],
            heads: v[2],
            kv_heads: v[3],
            head_dim: v[4],
            intermediate: v[5],
            vocab: v[6],
            tied_embeddings: self.tied,
            experts: v[7],
            experts_per_token: v[8],
            expert_intermediate: v[9],
        })
    }
}

/// The user's own card (issue #4), as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomGpu {
    pub name: String,
    pub memory_gb: String,
    pub bandwidth_gbps: String,
    pub tflops: String,
    pub watts: String,
    pub price_usd: String,
    pub rent_usd_h: String,
}

impl Default for CustomGpu {
    fn default() -> Self {
        // An RTX 4090-like card, so the fields show what they expect.
        CustomGpu {
            name: "My GPU".into(),
            memory_gb: "24".into(),
            bandwidth_gbps: "1008".into(),
            tflops: "165".into(),
            watts: "450".into(),
            price_usd: "1599".into(),
            rent_usd_h: "0.69".into(),
        }
    }
}

/// Fields of the custom card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CgKey {
    Memory,
    Bandwidth,
    Tflops,
    Watts,
    Price,
    Rent,
}

/// The custom card, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomGpuValues {
    pub name: String,
    pub memory_bytes: u64,
    pub bandwidth_gbps: f64,
    pub tflops: f64,
    pub watts: f64,
    pub price_usd: f64,
    pub rent_usd_h: f64,
}

impl CustomGpu {
    pub fn parse(&self) -> Result<CustomGpuValues, FieldError> {
        let f = |k: CgKey, s: &str, max: f64| -> Result<f64, FieldError> {
            let x = parse_decimal(s, max).map_err(|e| FieldError::num(Field::Custom(k), e))?;
            if x <= 0.0 && !matches!(k, CgKey::Price | CgKey::Rent) {
                return Err(FieldError { field: Field::Custom(k), msg: Msg::Positive });
            }
            Ok(x)
        };
        let mem = f(CgKey::Memory, &self.memory_gb, 1_000_000.0)?;
        Ok(CustomGpuValues {
            name: if self.name.trim().is_empty() { "Custom".into() } else { self.name.trim().chars().take(60).collect() },
            memory_bytes: ((mem * 1e9) as u64).max(MIB),
            bandwidth_gbps: f(CgKey::Bandwidth, &self.bandwidth_gbps, 1e7)?,
            tflops: f(CgKey::Tflops, &self.tflops, 1e7)?,
            watts: f(CgKey::Watts, &self.watts, 1e6)?,
            price_usd: f(CgKey::Price, &self.price_usd, 1e9)?,
            rent_usd_h: f(CgKey::Rent, &self.rent_usd_h, 1e6)?,
        })
    }

    fn encode(&self) -> String {
        [&self.name, &self.memory_gb, &self.bandwidth_gbps, &self.tflops, &self.watts, &self.price_usd, &self.rent_usd_h]
            .iter()
            .map(|s| s.replace(['~'], ""))
            .collect::<Vec<_>>()
            .join("~")
    }

    fn decode(s: &str) -> CustomGpu {
        let mut c = CustomGpu::default();
        let parts: Vec<&str> = s.split('~').collect();
        let slots: [&mut String; 7] =
            [&mut c.name, &mut c.memory_gb, &mut c.bandwidth_gbps, &mut c.tflops, &mut c.watts, &mut c.price_usd, &mut c.rent_usd_h];
        for (slot, p) in slots.into_iter().zip(parts) {
            *slot = p.chars().take(80).collect();
        }
        c
    }
}

/// A model read from a dropped GGUF / safetensors header.
#[derive(Clone, Debug, PartialEq)]
pub struct FileModel {
    /// The file name(s), for display.
    pub name: String,
    /// The architecture as the core's `Arch` JSON (round-trips through the URL).
    pub arch_json: String,
    /// Exact weight bytes of the file(s), when the header tells them.
    pub weight_bytes: Option<u64>,
    /// The weight format the file is stored in, when it maps to one (`q4_k_m`, `bf16`…).
    pub format: Option<String>,
}

/// Costing inputs (issue #4); empty = the core's sourced default.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CostInputs {
    /// Years the cards are owned.
    pub years: String,
    /// Percent of the time the cards are busy.
    pub busy_pct: String,
    /// Electricity price, USD per kWh.
    pub kwh_usd: String,
    /// Yuan per US dollar.
    pub fx: String,
    /// Data-centre power usage effectiveness.
    pub pue: String,
    /// Decode model-bandwidth utilisation (fraction of peak bandwidth).
    pub mbu: String,
    /// Model FLOPs utilisation (prefill and training).
    pub mfu: String,
    /// Planner: tokens per second to reach (inference: generated; training: trained).
    pub target: String,
    /// Planner: budget in USD (own: purchase; rent: rent over the horizon).
    pub budget: String,
    /// Training: tokens of the run, in billions.
    pub train_tokens_b: String,
    /// Rank plans by renting instead of owning.
    pub rent: bool,
}

/// The checked costing, speed and planner inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Economics {
    pub cost: gpuplan_core::cost::CostInputs,
    pub eff: gpuplan_core::throughput::Efficiency,
    pub constraints: gpuplan_core::plan::Constraints,
    pub train_tokens: f64,
}

impl CostInputs {
    /// Checks every field; empty = the sourced default. `cny_per_usd` is the catalog's rate.
    pub fn check(&self, cny_per_usd: f64, engine: Engine) -> Result<Economics, Vec<FieldError>> {
        use gpuplan_core::plan::{Constraints, Objective};
        let mut errs = Vec::new();
        let mut cost = gpuplan_core::cost::CostInputs::new(cny_per_usd);
        let mut eff = gpuplan_core::throughput::Efficiency::default_for(engine);
        let mut num = |field: Field, text: &str, lo: f64, hi: f64| -> Option<f64> {
            if text.trim().is_empty() {
                return None;
            }
            match parse_decimal(text, hi) {
                Ok(x) if x >= lo => Some(x),
                Ok(_) | Err(NumErr::TooLarge) => {
                    errs.push(FieldError { field, msg: Msg::Range(format!("{lo}–{hi}")) });
                    None
                }
                Err(e) => {
                    errs.push(FieldError::num(field, e));
                    None
                }
            }
        };
        if let Some(fx) = num(Field::Fx, &self.fx, 0.01, 1000.0) {
            cost = gpuplan_core::cost::CostInputs::new(fx);
        }
        if let Some(y) = num(Field::Years, &self.years, 0.25, 20.0) {
            cost.years = y;
        }
        if let Some(b) = num(Field::Busy, &self.busy_pct, 1.0, 100.0) {
            cost.utilization = b / 100.0;
        }
        if let Some(k) = num(Field::Kwh, &self.kwh_usd, 0.0, 10.0) {
            cost.electricity_usd_per_kwh = k;
        }
        if let Some(p) = num(Field::Pue, &self.pue, 1.0, 3.0) {
            cost.pue = p;
        }
        if let Some(m) = num(Field::Mbu, &self.mbu, 0.01, 1.0) {
            eff.mbu_decode = m;
        }
        if let Some(m) = num(Field::Mfu, &self.mfu, 0.01, 1.0) {
            eff.mfu_prefill = m;
            eff.mfu_train = m;
        }
        let target = num(Field::Target, &self.target, 0.0, 1e9);
        let budget = num(Field::Budget, &self.budget, 0.0, 1e12);
        let train_tokens = num(Field::TrainTokens, &self.train_tokens_b, 0.000001, 1e6).unwrap_or(1.0) * 1e9;
        let constraints = Constraints {
            target_tokens_per_s: target.filter(|t| *t > 0.0),
            budget_usd: budget.filter(|b| *b > 0.0),
            objective: if self.rent { Objective::Rent } else { Objective::Own },
            ..Constraints::default()
        };
        if errs.is_empty() {
            Ok(Economics { cost, eff, constraints, train_tokens })
        } else {
            Err(errs)
        }
    }
}

/// Every input of the page.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub source: Source,
    pub preset: String,
    /// The pasted / dropped config.json text, verbatim.
    pub config: String,
    pub manual: ManualFields,
    pub file: Option<FileModel>,
    pub mode: Mode,
    pub weights: WeightFormat,
    pub kv: KvFormat,
    pub engine: Engine,
    /// Inference: tokens per sequence (prompt + output).
    pub context: String,
    /// Inference: generated tokens per sequence.
    pub output: String,
    /// Inference: concurrent sequences.
    pub users: String,
    /// Training: micro-batch per GPU.
    pub micro_batch: String,
    /// Training: sequence length.
    pub seq: String,
    pub lora_rank: String,
    pub optimizer: Optimizer,
    pub precision: Precision,
    pub zero: u8,
    pub grad_ckpt: bool,
    pub offload: bool,
    pub gpus: String,
    /// vLLM `gpu_memory_utilization`, as typed (`0.9`).
    pub util: String,
    /// llama.cpp `--n-gpu-layers`; empty = all.
    pub gpu_layers: String,
    /// Catalog GPU id, or [`CUSTOM_GPU`].
    pub gpu: String,
    pub custom_gpu: CustomGpu,
    pub cost: CostInputs,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            source: Source::Preset,
            preset: DEFAULT_PRESET.into(),
            config: String::new(),
            manual: ManualFields::default(),
            file: None,
            mode: Mode::Inference,
            weights: WeightFormat::Bf16,
            kv: KvFormat::Bf16,
            engine: Engine::Hf,
            context: "8192".into(),
            output: "512".into(),
            users: "1".into(),
            micro_batch: "4".into(),
            seq: "2048".into(),
            lora_rank: "16".into(),
            optimizer: Optimizer::Adamw,
            precision: Precision::Bf16,
            zero: 0,
            grad_ckpt: true,
            offload: false,
            gpus: "1".into(),
            util: "0.9".into(),
            gpu_layers: String::new(),
            gpu: DEFAULT_GPU.into(),
            custom_gpu: CustomGpu::default(),
            cost: CostInputs::default(),
        }
    }
}

/// An input of the form (its DOM id is `Field::id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Preset,
    Config,
    File,
    Manual(ManualKey),
    Mode,
    Weights,
    Kv,
    Engine,
    Context,
    Output,
    Users,
    MicroBatch,
    Seq,
    LoraRank,
    Optimizer,
    Precision,
    Zero,
    Gpus,
    Util,
    GpuLayers,
    Gpu,
    Custom(CgKey),
    Years,
    Busy,
    Kwh,
    Fx,
    Pue,
    Mbu,
    Mfu,
    Target,
    Budget,
    TrainTokens,
}

impl Field {
    /// The DOM id (and `data-testid`) of the input.
    pub fn id(self) -> &'static str {
        match self {
            Field::Preset => "preset",
            Field::Config => "config",
            Field::File => "file",
            Field::Manual(k) => match k {
                ManualKey::Layers => "m-layers",
                ManualKey::Hidden => "m-hidden",
                ManualKey::Heads => "m-heads",
                ManualKey::KvHeads => "m-kv-heads",
                ManualKey::HeadDim => "m-head-dim",
                ManualKey::Intermediate => "m-intermediate",
                ManualKey::Vocab => "m-vocab",
                ManualKey::Experts => "m-experts",
                ManualKey::ExpertsPerToken => "m-experts-per-token",
                ManualKey::ExpertIntermediate => "m-expert-intermediate",
            },
            Field::Mode => "mode",
            Field::Weights => "weights",
            Field::Kv => "kv",
            Field::Engine => "engine",
            Field::Context => "context",
            Field::Output => "output",
            Field::Users => "users",
            Field::MicroBatch => "micro-batch",
            Field::Seq => "seq",
            Field::LoraRank => "lora-rank",
            Field::Optimizer => "optimizer",
            Field::Precision => "precision",
            Field::Zero => "zero",
            Field::Gpus => "gpus",
            Field::Util => "util",
            Field::GpuLayers => "gpu-layers",
            Field::Gpu => "gpu",
            Field::Custom(k) => match k {
                CgKey::Memory => "cg-memory",
                CgKey::Bandwidth => "cg-bandwidth",
                CgKey::Tflops => "cg-tflops",
                CgKey::Watts => "cg-watts",
                CgKey::Price => "cg-price",
                CgKey::Rent => "cg-rent",
            },
            Field::Years => "years",
            Field::Busy => "busy",
            Field::Kwh => "kwh",
            Field::Fx => "fx",
            Field::Pue => "pue",
            Field::Mbu => "mbu",
            Field::Mfu => "mfu",
            Field::Target => "target",
            Field::Budget => "budget",
            Field::TrainTokens => "train-tokens",
        }
    }
}

/// What is wrong with a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Num(NumErr),
    OutputVsContext,
    Util,
    Positive,
    UnknownPreset,
    UnknownGpu,
    /// Outside the allowed range (inclusive), written `lo–hi`.
    Range(String),
    /// The core's own message (English), already naming what is allowed.
    Core(String),
}

/// A message to show next to one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub msg: Msg,
}

impl FieldError {
    pub fn num(field: Field, e: NumErr) -> FieldError {
        FieldError { field, msg: Msg::Num(e) }
    }

    /// Places a core `InputError` next to the input it names.
    pub fn from_core(e: &InputError, s: &Scenario) -> FieldError {
        let training = s.mode.is_training();
        let field = match e.field.as_str() {
            "--batch" if training => Field::MicroBatch,
            "--batch" => Field::Users,
            "--prompt" => Field::Context,
            "--new-tokens" => Field::Output,
            "--seq" => Field::Seq,
            "--lora-rank" => Field::LoraRank,
            "--gpus" | "--tensor-parallel" | "--pipeline-parallel" => Field::Gpus,
            "--zero" => Field::Zero,
            "--gpu-memory-utilization" => Field::Util,
            "--gpu-layers" => Field::GpuLayers,
            "--weights" => Field::Weights,
            "--kv-cache" => Field::Kv,
            "--mode" => Field::Mode,
            "--engine" => Field::Engine,
            "--optimizer" => Field::Optimizer,
            "gpu memory" => Field::Gpu,
            other => match (s.source, ManualKey::ALL.into_iter().find(|k| k.core_name() == other)) {
                (Source::Manual, Some(k)) => Field::Manual(k),
                (Source::Manual, None) => Field::Manual(ManualKey::Layers),
                (Source::Config, _) => Field::Config,
                (Source::File, _) => Field::File,
                (Source::Preset, _) => Field::Preset,
            },
        };
        let text = if e.field.starts_with("--") || e.field == "gpu memory" {
            e.message.clone()
        } else {
            format!("{}: {}", e.field, e.message)
        };
        FieldError { field, msg: Msg::Core(text) }
    }
}

fn whole(field: Field, s: &str, k: u64) -> Result<u64, FieldError> {
    parse_whole(s, k).map_err(|e| FieldError::num(field, e))
}

impl Scenario {
    /// The core `Workload` for a card of `gpu_memory_bytes`, or every field that is wrong.
    pub fn workload(&self, gpu_memory_bytes: u64) -> Result<Workload, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut w = Workload {
            mode: self.mode,
            weights: self.weights,
            kv_cache: self.kv,
            engine: self.engine,
            optimizer: self.optimizer,
            precision: self.precision,
            zero: self.zero,
            grad_ckpt: self.grad_ckpt,
            offload_optimizer: self.offload,
            gpu_memory_bytes,
            ..Workload::default()
        };
        fn take(errs: &mut Vec<FieldError>, r: Result<u64, FieldError>) -> u64 {
            r.unwrap_or_else(|e| {
                errs.push(e);
                1
            })
        }
        if self.mode.is_training() {
            w.batch = take(&mut errs, whole(Field::MicroBatch, &self.micro_batch, 1000));
            w.seq = take(&mut errs, whole(Field::Seq, &self.seq, 1024));
            w.lora_rank = take(&mut errs, whole(Field::LoraRank, &self.lora_rank, 1024));
        } else {
            w.batch = take(&mut errs, whole(Field::Users, &self.users, 1000));
            let ctx = take(&mut errs, whole(Field::Context, &self.context, 1024));
            let out = take(&mut errs, whole(Field::Output, &self.output, 1024));
            if out >= ctx && !errs.iter().any(|e: &FieldError| matches!(e.field, Field::Context | Field::Output)) {
                errs.push(FieldError { field: Field::Output, msg: Msg::OutputVsContext });
            }
            w.prompt = ctx.saturating_sub(out).max(1);
            w.new_tokens = out;
        }
        w.gpus = take(&mut errs, whole(Field::Gpus, &self.gpus, 1000));
        if self.engine == Engine::LlamaCpp && !self.mode.is_training() {
            // llama.cpp splits the layers over the GPUs (`--split-mode layer`): pipeline stages.
            w.pipeline_parallel = w.gpus;
        }
        if self.engine == Engine::Vllm && !self.mode.is_training() {
            match parse_decimal(&self.util, 1.0) {
                Ok(u) if u >= 0.05 => w.gpu_memory_utilization_permille = (u * 1000.0).round() as u32,
                Ok(_) | Err(NumErr::TooLarge) => errs.push(FieldError { field: Field::Util, msg: Msg::Util }),
                Err(e) => errs.push(FieldError::num(Field::Util, e)),
            }
        }
        if self.engine == Engine::LlamaCpp && !self.mode.is_training() && !self.gpu_layers.trim().is_empty() {
            w.gpu_layers = Some(take(&mut errs, whole(Field::GpuLayers, &self.gpu_layers, 1000)));
        }
        if errs.is_empty() {
            Ok(w)
        } else {
            Err(errs)
        }
    }

    /// Applies the rules a person expects when changing the task: QLoRA trains on nf4, GGUF is
    /// for llama.cpp inference, training does not use inference engines' formats.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        match mode {
            Mode::Qlora => {
                if !matches!(self.weights, WeightFormat::Nf4 { .. }) {
                    self.weights = WeightFormat::Nf4 { double_quant: true };
                }
            }
            Mode::Lora | Mode::Full | Mode::Pretrain => {
                if matches!(self.weights, WeightFormat::Gguf(_) | WeightFormat::Nf4 { .. } | WeightFormat::Gptq { .. } | WeightFormat::Awq { .. }) {
                    self.weights = WeightFormat::Bf16;
                }
                if self.engine == Engine::LlamaCpp {
                    self.engine = Engine::Hf;
                }
            }
            Mode::Inference => {}
        }
    }

    /// Picking a GGUF format switches to llama.cpp (and an fp16 cache, as llama.cpp uses).
    pub fn set_weights(&mut self, f: WeightFormat) {
        self.weights = f;
        if matches!(f, WeightFormat::Gguf(_)) && self.mode == Mode::Inference {
            if self.engine != Engine::LlamaCpp {
                self.engine = Engine::LlamaCpp;
            }
            if matches!(self.kv, KvFormat::Bf16 | KvFormat::Fp32) {
                self.kv = KvFormat::Fp16;
            }
        } else if self.engine == Engine::LlamaCpp && !matches!(f, WeightFormat::Gguf(_)) && f != WeightFormat::Fp16 && f != WeightFormat::Fp32 {
            self.engine = Engine::Hf;
        }
        if f == WeightFormat::Fp32 {
            self.kv = KvFormat::Fp32;
        } else if self.kv == KvFormat::Fp32 {
            self.kv = KvFormat::Bf16;
        }
    }

    /// The short URL form (without `#`), only non-default values.
    pub fn to_params(&self) -> String {
        let d = Scenario::default();
        let mut out = vec![format!("v={URL_VERSION}")];
        let mut put = |k: &str, v: &str| out.push(format!("{k}={}", pct_encode(v)));
        if self.source != d.source {
            put("src", self.source.code());
        }
        if self.preset != d.preset {
            put("m", &self.preset);
        }
        if !self.config.trim().is_empty() {
            put("cfg", &b64_encode(minify_config(&self.config).as_bytes()));
        }
        if self.manual != d.manual {
            let mut parts: Vec<String> = ManualKey::ALL.iter().map(|k| self.manual.get(*k).replace('.', "")).collect();
            parts.push(if self.manual.tied { "1" } else { "0" }.into());
            put("mm", &parts.join("."));
        }
        if let Some(f) = &self.file {
            put("fn", &f.name);
            put("fa", &b64_encode(f.arch_json.as_bytes()));
            if let Some(b) = f.weight_bytes {
                put("fw", &b.to_string());
            }
            if let Some(fmt) = &f.format {
                put("ff", fmt);
            }
        }
        if self.mode != d.mode {
            put("mo", self.mode.name());
        }
        if self.weights != d.weights {
            put("w", self.weights.name());
        }
        if self.kv != d.kv {
            put("kv", self.kv.name());
        }
        if self.engine != d.engine {
            put("e", self.engine.name());
        }
        for (k, v, dv) in [
            ("ctx", &self.context, &d.context),
            ("out", &self.output, &d.output),
            ("u", &self.users, &d.users),
            ("mb", &self.micro_batch, &d.micro_batch),
            ("sq", &self.seq, &d.seq),
            ("r", &self.lora_rank, &d.lora_rank),
            ("n", &self.gpus, &d.gpus),
            ("gmu", &self.util, &d.util),
            ("ngl", &self.gpu_layers, &d.gpu_layers),
            ("g", &self.gpu, &d.gpu),
            ("y", &self.cost.years, &d.cost.years),
            ("busy", &self.cost.busy_pct, &d.cost.busy_pct),
            ("kwh", &self.cost.kwh_usd, &d.cost.kwh_usd),
            ("fx", &self.cost.fx, &d.cost.fx),
            ("pue", &self.cost.pue, &d.cost.pue),
            ("mbu", &self.cost.mbu, &d.cost.mbu),
            ("mfu", &self.cost.mfu, &d.cost.mfu),
            ("tgt", &self.cost.target, &d.cost.target),
            ("bud", &self.cost.budget, &d.cost.budget),
            ("tt", &self.cost.train_tokens_b, &d.cost.train_tokens_b),
        ] {
            if v != dv {
                put(k, v);
            }
        }
        if self.optimizer != d.optimizer {
            put("o", self.optimizer.name());
        }
        if self.precision != d.precision {
            put("pr", self.precision.name());
        }
        if self.zero != d.zero {
            put("z", &self.zero.to_string());
        }
        if self.grad_ckpt != d.grad_ckpt {
            put("gc", if self.grad_ckpt { "1" } else { "0" });
        }
        if self.offload != d.offload {
            put("off", if self.offload { "1" } else { "0" });
        }
        if self.cost.rent {
            put("obj", "rent");
        }
        if self.custom_gpu != d.custom_gpu && self.gpu == CUSTOM_GPU {
            put("cg", &self.custom_gpu.encode());
        }
        out.join("&")
    }

    /// Reads a URL query or fragment (with or without the leading `?`/`#`). Returns the scenario
    /// and the keys whose values were not understood (left at their defaults).
    pub fn from_params(s: &str) -> (Scenario, Vec<String>) {
        let mut sc = Scenario::default();
        let mut bad = Vec::new();
        let s = s.trim_start_matches(['#', '?']);
        let mut saw_model_source = None;
        for pair in s.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = pct_decode(v);
            let short = |v: &str| -> String { v.chars().take(64).collect() };
            let ok = match k {
                "v" => v.parse::<u32>().is_ok(),
                "src" => Source::from_code(&v).map(|x| saw_model_source = Some(x)).is_some(),
                "m" => {
                    sc.preset = short(&v);
                    true
                }
                "cfg" => match b64_decode(&v).and_then(|b| String::from_utf8(b).ok()) {
                    Some(text) if text.len() <= 1 << 20 => {
                        sc.config = text;
                        true
                    }
                    _ => false,
                },
                "mm" => {
                    let parts: Vec<&str> = v.split('.').collect();
                    for (i, k) in ManualKey::ALL.into_iter().enumerate() {
                        if let Some(p) = parts.get(i) {
                            *sc.manual.get_mut(k) = short(p);
                        }
                    }
                    sc.manual.tied = parts.get(10) == Some(&"1");
                    true
                }
                "fn" => {
                    sc.file.get_or_insert_with(empty_file).name = short(&v);
                    true
                }
                "fa" => match b64_decode(&v).and_then(|b| String::from_utf8(b).ok()) {
                    Some(text) => {
                        sc.file.get_or_insert_with(empty_file).arch_json = text;
                        true
                    }
                    None => false,
                },
                "fw" => v.parse::<u64>().map(|b| sc.file.get_or_insert_with(empty_file).weight_bytes = Some(b)).is_ok(),
                "ff" => WeightFormat::parse(&v, false).map(|_| sc.file.get_or_insert_with(empty_file).format = Some(v.clone())).is_ok(),
                "mo" => Mode::parse(&v).map(|m| sc.mode = m).is_ok(),
                "w" => WeightFormat::parse(&v, false).map(|f| sc.weights = f).is_ok(),
                "kv" => KvFormat::parse(&v).map(|f| sc.kv = f).is_ok(),
                "e" => Engine::parse(&v).map(|e| sc.engine = e).is_ok(),
                "o" => Optimizer::parse(&v).map(|o| sc.optimizer = o).is_ok(),
                "pr" => Precision::parse(&v).map(|p| sc.precision = p).is_ok(),
                "z" => match v.parse::<u8>() {
                    Ok(z) if z <= 3 => {
                        sc.zero = z;
                        true
                    }
                    _ => false,
                },
                "gc" => bool_param(&v).map(|b| sc.grad_ckpt = b).is_some(),
                "off" => bool_param(&v).map(|b| sc.offload = b).is_some(),
                "obj" => match v.as_str() {
                    "rent" | "own" => {
                        sc.cost.rent = v == "rent";
                        true
                    }
                    _ => false,
                },
                "ctx" | "out" | "u" | "mb" | "sq" | "r" | "n" | "gmu" | "ngl" | "g" | "y" | "busy" | "kwh" | "fx" | "pue" | "mbu" | "mfu" | "tgt" | "bud" | "tt" => {
                    // Kept as typed (a bad number is shown with its message, like a typed one).
                    let slot = match k {
                        "ctx" => &mut sc.context,
                        "out" => &mut sc.output,
                        "u" => &mut sc.users,
                        "mb" => &mut sc.micro_batch,
                        "sq" => &mut sc.seq,
                        "r" => &mut sc.lora_rank,
                        "n" => &mut sc.gpus,
                        "gmu" => &mut sc.util,
                        "ngl" => &mut sc.gpu_layers,
                        "g" => &mut sc.gpu,
                        "y" => &mut sc.cost.years,
                        "busy" => &mut sc.cost.busy_pct,
                        "fx" => &mut sc.cost.fx,
                        "pue" => &mut sc.cost.pue,
                        "mbu" => &mut sc.cost.mbu,
                        "mfu" => &mut sc.cost.mfu,
                        "tgt" => &mut sc.cost.target,
                        "bud" => &mut sc.cost.budget,
                        "tt" => &mut sc.cost.train_tokens_b,
                        _ => &mut sc.cost.kwh_usd,
                    };
                    *slot = short(&v);
                    true
                }
                "cg" => {
                    sc.custom_gpu = CustomGpu::decode(&v);
                    true
                }
                // Not part of the scenario (read by the page): language, embed mode.
                "lang" | "embed" => true,
                _ => true, // unknown keys from newer versions are ignored
            };
            if !ok {
                bad.push(k.to_string());
            }
        }
        // Without an explicit source, the model fields decide (older links had no `src`).
        sc.source = saw_model_source.unwrap_or(if sc.file.is_some() {
            Source::File
        } else if !sc.config.is_empty() {
            Source::Config
        } else if sc.manual != ManualFields::default() {
            Source::Manual
        } else {
            Source::Preset
        });
        if sc.source == Source::File && sc.file.as_ref().is_none_or(|f| f.arch_json.is_empty()) {
            sc.source = Source::Preset;
            sc.file = None;
        }
        (sc, bad)
    }
}

fn empty_file() -> FileModel {
    FileModel { name: String::new(), arch_json: String::new(), weight_bytes: None, format: None }
}

fn bool_param(v: &str) -> Option<bool> {
    match v {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Keys of a Hugging Face config.json that never change memory, speed or cost: dropped from
/// links to keep them short.
const CONFIG_NOISE: &[&str] = &[
    "_name_or_path",
    "architectures",
    "auto_map",
    "transformers_version",
    "initializer_range",
    "bos_token_id",
    "eos_token_id",
    "pad_token_id",
    "use_cache",
    "torch_dtype",
    "dtype",
    "id2label",
    "label2id",
    "task_specific_params",
];

/// The config without noise keys and whitespace; the text as typed if it is not JSON.
pub fn minify_config(text: &str) -> String {
    use gpuplan_core::json::{self, Value};
    match json::parse(text) {
        Ok(Value::Object(mut map)) => {
            for k in CONFIG_NOISE {
                map.remove(*k);
            }
            if let Some(Value::Object(tc)) = map.get_mut("text_config") {
                for k in CONFIG_NOISE {
                    tc.remove(*k);
                }
            }
            json::to_string(&Value::Object(map))
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scenario_is_a_short_link() {
        assert_eq!(Scenario::default().to_params(), "v=1");
        let (s, bad) = Scenario::from_params("");
        assert_eq!(s, Scenario::default());
        assert!(bad.is_empty());
    }

    #[test]
    fn every_field_round_trips() {
        let mut s = Scenario::default();
        s.preset = "qwen2.5-72b".into();
        s.set_mode(Mode::Qlora);
        s.kv = KvFormat::Fp8;
        s.engine = Engine::Vllm;
        s.context = "32k".into();
        s.output = "1,024".into();
        s.users = "16".into();
        s.micro_batch = "2".into();
        s.seq = "4096".into();
        s.lora_rank = "64".into();
        s.optimizer = Optimizer::Adamw8bit;
        s.precision = Precision::Mixed;
        s.zero = 3;
        s.grad_ckpt = false;
        s.offload = true;
        s.gpus = "8".into();
        s.util = "0.85".into();
        s.gpu_layers = "20".into();
        s.gpu = CUSTOM_GPU.into();
        s.custom_gpu.name = "Tesla & co ~ 24GB".into();
        s.custom_gpu.memory_gb = "48".into();
        s.cost.years = "3".into();
        s.cost.busy_pct = "80".into();
        s.cost.kwh_usd = "0.3".into();
        let url = s.to_params();
        let (back, bad) = Scenario::from_params(&format!("#{url}"));
        assert!(bad.is_empty(), "{bad:?}");
        let mut expect = s.clone();
        expect.custom_gpu.name = "Tesla & co  24GB".into();
        assert_eq!(back, expect);
    }

    #[test]
    fn config_and_manual_models_round_trip() {
        let mut s = Scenario::default();
        s.source = Source::Config;
        s.config = "{\n  \"model_type\": \"llama\", \"hidden_size\": 4096,\n  \"architectures\": [\"LlamaForCausalLM\"]\n}".into();
        let (back, _) = Scenario::from_params(&s.to_params());
        assert_eq!(back.source, Source::Config);
        // Noise keys dropped, whitespace gone, the keys in the order they were typed.
        assert_eq!(back.config, "{\"model_type\":\"llama\",\"hidden_size\":4096}");

        let mut s = Scenario::default();
        s.source = Source::Manual;
        s.manual.layers = "80".into();
        s.manual.tied = true;
        s.manual.hidden = "abc".into();
        let (back, _) = Scenario::from_params(&s.to_params());
        assert_eq!(back.manual, s.manual);
        assert_eq!(back.source, Source::Manual);

        // A broken config is kept as typed.
        let mut s = Scenario::default();
        s.source = Source::Config;
        s.config = "{ not json".into();
        assert_eq!(Scenario::from_params(&s.to_params()).0.config, "{ not json");
    }

    #[test]
    fn old_and_broken_links_are_tolerated() {
        // No version, no src, unknown keys, bad enum values, junk escapes.
        let (s, bad) = Scenario::from_params("?m=mistral-7b&w=q9_z&mo=sleep&zz=1&ctx=%ZZ&z=7&gc=maybe&cfg=!!!&lang=zh-Hans");
        assert_eq!(s.preset, "mistral-7b");
        assert_eq!(s.weights, WeightFormat::Bf16);
        assert_eq!(s.mode, Mode::Inference);
        assert_eq!(s.context, "%ZZ");
        assert_eq!(s.zero, 0);
        assert_eq!(s.source, Source::Preset);
        let mut bad = bad;
        bad.sort();
        assert_eq!(bad, ["cfg", "gc", "mo", "w", "z"]);
        // A newer version still reads the keys it knows.
        let (s, bad) = Scenario::from_params("v=9&w=q4_k_m&newthing=3");
        assert_eq!(s.weights.name(), "q4_k_m");
        assert!(bad.is_empty());
        // A huge value is cut, not stored whole.
        let (s, _) = Scenario::from_params(&format!("ctx={}", "9".repeat(10_000)));
        assert_eq!(s.context.len(), 64);
    }

    #[test]
    fn workload_checks_every_field_and_names_it() {
        let s = Scenario::default();
        let w = s.workload(80 << 30).unwrap();
        assert_eq!((w.prompt, w.new_tokens, w.batch, w.gpus), (8192 - 512, 512, 1, 1));

        let mut s = Scenario::default();
        s.context = "".into();
        s.users = "-2".into();
        s.gpus = "NaN".into();
        let errs = s.workload(80 << 30).unwrap_err();
        let fields: Vec<Field> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Users, Field::Context, Field::Gpus]);
        assert_eq!(errs[0].msg, Msg::Num(NumErr::Negative));

        let mut s = Scenario::default();
        s.output = "9000".into();
        assert_eq!(s.workload(1 << 30).unwrap_err()[0], FieldError { field: Field::Output, msg: Msg::OutputVsContext });

        let mut s = Scenario::default();
        s.engine = Engine::Vllm;
        s.util = "1.5".into();
        assert_eq!(s.workload(1 << 30).unwrap_err()[0].field, Field::Util);
    }

    #[test]
    fn core_errors_land_next_to_their_field() {
        let mut s = Scenario::default();
        let e = InputError::new("--batch", "x");
        assert_eq!(FieldError::from_core(&e, &s).field, Field::Users);
        s.mode = Mode::Full;
        assert_eq!(FieldError::from_core(&e, &s).field, Field::MicroBatch);
        s.source = Source::Manual;
        assert_eq!(FieldError::from_core(&InputError::new("kv_heads", "x"), &s).field, Field::Manual(ManualKey::KvHeads));
        s.source = Source::Config;
        assert_eq!(FieldError::from_core(&InputError::new("hidden_size", "is missing"), &s).field, Field::Config);
    }

    #[test]
    fn mode_and_format_rules() {
        let mut s = Scenario::default();
        s.set_weights(WeightFormat::parse("q4_k_m", false).unwrap());
        assert_eq!((s.engine, s.kv), (Engine::LlamaCpp, KvFormat::Fp16));
        s.set_mode(Mode::Lora);
        assert_eq!((s.weights, s.engine), (WeightFormat::Bf16, Engine::Hf));
        s.set_mode(Mode::Qlora);
        assert!(matches!(s.weights, WeightFormat::Nf4 { .. }));
    }
}
