//! The one value that holds every input of the page, exactly as the reader typed it (numbers stay
//! strings so a half-typed `1.` or a bad value is kept, not clobbered), and the field table:
//! one [`Input`] per scenario input — its link key, DOM id, kind and range, label, and how it
//! reads and writes the scenario. The link form (`link`), validation (`validate`) and the form's
//! widgets (`view::widgets`) all go through the table (the shape of ripgrep's
//! `crates/core/flags/defs.rs`, one `Flag` per flag).
//!
//! Adding an input: a field of [`Scenario`] with its default, a [`Field`], one [`Input`] in
//! [`INPUTS`], and its use where the scenario becomes the core's `Workload` or costing inputs.

use gpuplan_core::catalog::Profile;
use gpuplan_core::formats::{KvFormat, WeightFormat};
use gpuplan_core::memory::{Engine, Mode, Optimizer, Precision};

use super::model_fields::{CustomGpu, CustomGpuKey, FileModel, ManualFields, ManualKey};
use crate::codec::{b64_decode, b64_encode};
use crate::i18n::Phrase;

/// The link format version written by this build.
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
    pub fn code(self) -> &'static str {
        match self {
            Source::Preset => "p",
            Source::Config => "c",
            Source::Manual => "h",
            Source::File => "f",
        }
    }
    pub fn from_code(s: &str) -> Option<Source> {
        Some(match s {
            "p" => Source::Preset,
            "c" => Source::Config,
            "h" => Source::Manual,
            "f" => Source::File,
            _ => return None,
        })
    }
}

/// Costing, speed and planner inputs, as typed; empty = the core's sourced default.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CostFields {
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
    /// LoRA/QLoRA: the wrapped modules, as typed (`all-linear`, `attention` or `q_proj,v_proj`).
    pub lora_targets: String,
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
    pub cost: CostFields,
    /// "On my card(s) and my RAM": llama.cpp's offload, context and mixed cards.
    pub llama: LlamaFields,
    /// Sizing to a latency target and the options pinned side by side.
    pub serving: ServingFields,
}

/// Sizing to a latency target (issue 14 §3) and up to four pinned options (§5), as typed; the
/// worker reads them (`worker::panels`) into the core's `serving::Target` and
/// `compare::OptionSpec`s.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ServingFields {
    /// Time to first token, ms (`--ttft-ms`).
    pub ttft_ms: String,
    /// Time per output token, ms (`--tpot-ms`).
    pub tpot_ms: String,
    /// Requests per second (`--rps`); empty: the scenario's users (`--users`).
    pub rps: String,
    /// Share of prompt tokens from the prefix cache, 0–1 (`--prompt-cache-share`).
    pub cache_share: String,
    /// Pinned options, each `CARD:COUNT:FORMAT:ENGINE:own|rent` (`gpuplan compare --option`).
    pub pinned: Vec<String>,
}

/// The inputs of [`ServingFields`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServingKey {
    Ttft,
    Tpot,
    Rps,
    CacheShare,
    Pinned,
}

/// The inputs of "on my card(s) and my RAM" (llama.cpp's offload, context and mixed cards), as
/// typed; the worker reads them (`worker::panels`) into the core's `llamacpp::Options`. Empty
/// means the default (llama.cpp's, or "not limited" for the RAM).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LlamaFields {
    /// System RAM in GiB (`--host-ram-gb`).
    pub host_ram: String,
    /// A host memory preset id of the catalog (`--host`): the RAM's bandwidth.
    pub host: String,
    /// The second and third card of a mixed set (catalog ids; `--gpu ID,ID,…`).
    pub gpu2: String,
    pub gpu3: String,
    /// `--parallel`.
    pub parallel: String,
    /// `--kv-cache` (f16, q8_0, q4_0, …).
    pub kv_cache: String,
    /// `--flash-attn`: empty (auto), `on` or `off`.
    pub flash: String,
    /// `--gpu-layers`: empty or `auto` (the largest that fits), or N.
    pub layers: String,
    /// `--n-cpu-moe`.
    pub n_cpu_moe: String,
    /// A Mac's `iogpu.wired_limit_mb` (`--wired-limit-mb`); empty: macOS's default.
    pub wired_mb: String,
    /// `--tensor-split a,b,…`: one share per card; empty: by free memory (llama.cpp's default).
    pub tensor_split: String,
}

/// The inputs of [`LlamaFields`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LlamaKey {
    HostRam,
    Host,
    Gpu2,
    Gpu3,
    Parallel,
    KvCache,
    Flash,
    Layers,
    NCpuMoe,
    WiredMb,
    TensorSplit,
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
            lora_targets: "all-linear".into(),
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
            cost: CostFields::default(),
            llama: LlamaFields::default(),
            serving: ServingFields::default(),
        }
    }
}

impl Scenario {
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

}

/// An input of the form (its DOM id is [`Field::id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Source,
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
    LoraTargets,
    Optimizer,
    Precision,
    Zero,
    GradCkpt,
    Offload,
    Gpus,
    Util,
    GpuLayers,
    Gpu,
    Custom(CustomGpuKey),
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
    Rent,
    Llama(LlamaKey),
    Serving(ServingKey),
}

impl Field {
    /// The DOM id (and `data-testid`) of the input.
    pub fn id(self) -> &'static str {
        match self {
            Field::Manual(k) => k.input().id,
            Field::Custom(k) => k.input().id,
            f => input(f).map_or("", |i| i.id),
        }
    }
}

/// What an input holds, and the values it accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A whole number as `numbers::parse_whole` reads it; a `k` suffix multiplies by `k_unit`.
    /// `optional`: empty means the default.
    Whole { k_unit: u64, optional: bool },
    /// A decimal number in `lo..=hi`. `optional`: empty means the core's sourced default.
    Decimal { lo: f64, hi: f64, optional: bool },
    /// One name of a fixed list.
    Name,
    /// On or off.
    Flag,
    /// A catalog id or a record packed into one link value.
    Text,
}

/// How an input reads and writes the scenario.
#[derive(Clone, Copy)]
pub enum Access {
    /// Text kept as typed.
    Text { get: fn(&Scenario) -> &String, slot: fn(&mut Scenario) -> &mut String },
    /// A name: `set` is false when the name is not one of the list.
    Name { get: fn(&Scenario) -> &'static str, set: fn(&mut Scenario, &str) -> bool },
    /// On or off, written in the link as `on` or `off`.
    Flag { get: fn(&Scenario) -> bool, set: fn(&mut Scenario, bool), on: &'static str, off: &'static str },
    /// A value with its own link codec: `write` gives the value to put in the link (`None`:
    /// nothing), `read` is false when the value is not understood.
    Packed { write: fn(&Scenario) -> Option<String>, read: fn(&mut Scenario, &str) -> bool },
}

/// One input of the scenario.
#[derive(Clone, Copy)]
pub struct Input {
    pub field: Field,
    /// The key in the link (`#v=1&ctx=32k`).
    pub key: &'static str,
    /// The DOM id and `data-testid` of its widget.
    pub id: &'static str,
    pub kind: Kind,
    pub label: Phrase,
    /// The placeholder of a number field.
    pub hint: Option<Phrase>,
    pub access: Access,
}

const fn text(field: Field, key: &'static str, id: &'static str, kind: Kind, label: Phrase, hint: Option<Phrase>, access: Access) -> Input {
    Input { field, key, id, kind, label, hint, access }
}

const fn typed(get: fn(&Scenario) -> &String, slot: fn(&mut Scenario) -> &mut String) -> Access {
    Access::Text { get, slot }
}

const fn name(field: Field, key: &'static str, id: &'static str, label: Phrase, get: fn(&Scenario) -> &'static str, set: fn(&mut Scenario, &str) -> bool) -> Input {
    Input { field, key, id, kind: Kind::Name, label, hint: None, access: Access::Name { get, set } }
}

const fn flag(field: Field, key: &'static str, id: &'static str, label: Phrase, get: fn(&Scenario) -> bool, set: fn(&mut Scenario, bool), codes: (&'static str, &'static str)) -> Input {
    Input { field, key, id, kind: Kind::Flag, label, hint: None, access: Access::Flag { get, set, on: codes.0, off: codes.1 } }
}

const fn packed(field: Field, key: &'static str, id: &'static str, label: Phrase, write: fn(&Scenario) -> Option<String>, read: fn(&mut Scenario, &str) -> bool) -> Input {
    Input { field, key, id, kind: Kind::Text, label, hint: None, access: Access::Packed { write, read } }
}

const fn whole(k_unit: u64) -> Kind {
    Kind::Whole { k_unit, optional: false }
}

const fn optional(lo: f64, hi: f64) -> Kind {
    Kind::Decimal { lo, hi, optional: true }
}

const DEFAULT: Option<Phrase> = Some(Phrase::DefaultHint);
const TOKENS: Option<Phrase> = Some(Phrase::TokensHint);

/// Every input, in the link's order.
pub static INPUTS: &[Input] = &[
    packed(Field::Source, "src", "model-panel", Phrase::Model, write_source, read_source),
    text(Field::Preset, "m", "preset", Kind::Text, Phrase::TabPreset, None, typed(|s| &s.preset, |s| &mut s.preset)),
    packed(Field::Config, "cfg", "config", Phrase::PasteConfig, write_config, read_config),
    packed(Field::Manual(ManualKey::Layers), "mm", "m-layers", Phrase::TabManual, |s| (s.manual != ManualFields::default()).then(|| s.manual.encode()), |s, v| {
        s.manual = ManualFields::decode(v);
        true
    }),
    packed(Field::File, "fn", "file", Phrase::TabFile, |s| s.file.as_ref().map(|f| f.name.clone()), |s, v| {
        s.file.get_or_insert_with(FileModel::default).name = v.chars().take(64).collect();
        true
    }),
    packed(Field::File, "fa", "file", Phrase::TabFile, write_file_arch, read_file_arch),
    packed(Field::File, "fw", "file", Phrase::TabFile, |s| s.file.as_ref()?.weight_bytes.map(|b| b.to_string()), |s, v| {
        v.parse::<u64>().map(|b| s.file.get_or_insert_with(FileModel::default).weight_bytes = Some(b)).is_ok()
    }),
    packed(Field::File, "ff", "file", Phrase::TabFile, |s| s.file.as_ref()?.format.clone(), |s, v| {
        WeightFormat::parse(v, false).map(|_| s.file.get_or_insert_with(FileModel::default).format = Some(v.to_string())).is_ok()
    }),
    name(Field::Mode, "mo", "mode", Phrase::Task, |s| s.mode.name(), |s, v| Mode::parse(v).map(|m| s.mode = m).is_ok()),
    name(Field::Weights, "w", "weights", Phrase::WeightFormat, |s| s.weights.name(), |s, v| WeightFormat::parse(v, false).map(|f| s.weights = f).is_ok()),
    name(Field::Kv, "kv", "kv", Phrase::KvFormat, |s| s.kv.name(), |s, v| KvFormat::parse(v).map(|f| s.kv = f).is_ok()),
    name(Field::Engine, "e", "engine", Phrase::Engine, |s| s.engine.name(), |s, v| Engine::parse(v).map(|e| s.engine = e).is_ok()),
    text(Field::Context, "ctx", "context", whole(1024), Phrase::Context, TOKENS, typed(|s| &s.context, |s| &mut s.context)),
    text(Field::Output, "out", "output", whole(1024), Phrase::Output, None, typed(|s| &s.output, |s| &mut s.output)),
    text(Field::Users, "u", "users", whole(1000), Phrase::Users, None, typed(|s| &s.users, |s| &mut s.users)),
    text(Field::MicroBatch, "mb", "micro-batch", whole(1000), Phrase::MicroBatch, None, typed(|s| &s.micro_batch, |s| &mut s.micro_batch)),
    text(Field::Seq, "sq", "seq", whole(1024), Phrase::Seq, TOKENS, typed(|s| &s.seq, |s| &mut s.seq)),
    text(Field::LoraRank, "r", "lora-rank", whole(1024), Phrase::LoraRank, None, typed(|s| &s.lora_rank, |s| &mut s.lora_rank)),
    text(Field::LoraTargets, "lt", "lora-targets", Kind::Text, Phrase::LoraTargets, Some(Phrase::LoraTargetsHint), typed(|s| &s.lora_targets, |s| &mut s.lora_targets)),
    text(Field::Gpus, "n", "gpus", whole(1000), Phrase::Gpus, None, typed(|s| &s.gpus, |s| &mut s.gpus)),
    text(Field::Util, "gmu", "util", Kind::Decimal { lo: 0.05, hi: 1.0, optional: false }, Phrase::Util, None, typed(|s| &s.util, |s| &mut s.util)),
    text(Field::GpuLayers, "ngl", "gpu-layers", Kind::Whole { k_unit: 1000, optional: true }, Phrase::GpuLayers, None, typed(|s| &s.gpu_layers, |s| &mut s.gpu_layers)),
    text(Field::Gpu, "g", "gpu", Kind::Text, Phrase::Card, None, typed(|s| &s.gpu, |s| &mut s.gpu)),
    text(Field::Years, "y", "years", optional(0.25, 20.0), Phrase::Years, DEFAULT, typed(|s| &s.cost.years, |s| &mut s.cost.years)),
    text(Field::Busy, "busy", "busy", optional(1.0, 100.0), Phrase::BusyPct, DEFAULT, typed(|s| &s.cost.busy_pct, |s| &mut s.cost.busy_pct)),
    text(Field::Kwh, "kwh", "kwh", optional(0.0, 10.0), Phrase::KwhUsd, DEFAULT, typed(|s| &s.cost.kwh_usd, |s| &mut s.cost.kwh_usd)),
    text(Field::Fx, "fx", "fx", optional(0.01, 1000.0), Phrase::FxRate, DEFAULT, typed(|s| &s.cost.fx, |s| &mut s.cost.fx)),
    text(Field::Pue, "pue", "pue", optional(1.0, 3.0), Phrase::Pue, DEFAULT, typed(|s| &s.cost.pue, |s| &mut s.cost.pue)),
    text(Field::Mbu, "mbu", "mbu", optional(0.01, 1.0), Phrase::Mbu, DEFAULT, typed(|s| &s.cost.mbu, |s| &mut s.cost.mbu)),
    text(Field::Mfu, "mfu", "mfu", optional(0.01, 1.0), Phrase::Mfu, DEFAULT, typed(|s| &s.cost.mfu, |s| &mut s.cost.mfu)),
    text(Field::Target, "tgt", "target", optional(0.0, 1e9), Phrase::TargetTps, DEFAULT, typed(|s| &s.cost.target, |s| &mut s.cost.target)),
    text(Field::Budget, "bud", "budget", optional(0.0, 1e12), Phrase::BudgetUsd, DEFAULT, typed(|s| &s.cost.budget, |s| &mut s.cost.budget)),
    text(Field::TrainTokens, "tt", "train-tokens", optional(0.000001, 1e6), Phrase::TrainTokensB, DEFAULT, typed(|s| &s.cost.train_tokens_b, |s| &mut s.cost.train_tokens_b)),
    name(Field::Optimizer, "o", "optimizer", Phrase::Optimizer, |s| s.optimizer.name(), |s, v| Optimizer::parse(v).map(|o| s.optimizer = o).is_ok()),
    name(Field::Precision, "pr", "precision", Phrase::TrainPrecision, |s| s.precision.name(), |s, v| Precision::parse(v).map(|p| s.precision = p).is_ok()),
    name(Field::Zero, "z", "zero", Phrase::Zero, |s| ["0", "1", "2", "3"][s.zero.min(3) as usize], |s, v| match v.parse::<u8>() {
        Ok(z) if z <= 3 => {
            s.zero = z;
            true
        }
        _ => false,
    }),
    flag(Field::GradCkpt, "gc", "grad-ckpt", Phrase::GradCkpt, |s| s.grad_ckpt, |s, v| s.grad_ckpt = v, ("1", "0")),
    flag(Field::Offload, "off", "offload", Phrase::Offload, |s| s.offload, |s, v| s.offload = v, ("1", "0")),
    flag(Field::Rent, "obj", "rent", Phrase::RankByRent, |s| s.cost.rent, |s, v| s.cost.rent = v, ("rent", "own")),
    text(Field::Llama(LlamaKey::HostRam), "hr", "host-ram", optional(0.5, 1_048_576.0), Phrase::HostRamGb, DEFAULT, typed(|s| &s.llama.host_ram, |s| &mut s.llama.host_ram)),
    text(Field::Llama(LlamaKey::Host), "hp", "host", Kind::Text, Phrase::HostPreset, None, typed(|s| &s.llama.host, |s| &mut s.llama.host)),
    text(Field::Llama(LlamaKey::Gpu2), "g2", "gpu2", Kind::Text, Phrase::SecondCard, None, typed(|s| &s.llama.gpu2, |s| &mut s.llama.gpu2)),
    text(Field::Llama(LlamaKey::Gpu3), "g3", "gpu3", Kind::Text, Phrase::ThirdCard, None, typed(|s| &s.llama.gpu3, |s| &mut s.llama.gpu3)),
    text(Field::Llama(LlamaKey::Parallel), "np", "parallel", Kind::Whole { k_unit: 1000, optional: true }, Phrase::Parallel, DEFAULT, typed(|s| &s.llama.parallel, |s| &mut s.llama.parallel)),
    text(Field::Llama(LlamaKey::KvCache), "kvt", "kv-cache", Kind::Text, Phrase::KvCacheType, DEFAULT, typed(|s| &s.llama.kv_cache, |s| &mut s.llama.kv_cache)),
    text(Field::Llama(LlamaKey::Flash), "fla", "flash-attn", Kind::Text, Phrase::FlashAttn, DEFAULT, typed(|s| &s.llama.flash, |s| &mut s.llama.flash)),
    text(Field::Llama(LlamaKey::Layers), "lgl", "ll-gpu-layers", Kind::Text, Phrase::LlamaLayers, Some(Phrase::AutoHint), typed(|s| &s.llama.layers, |s| &mut s.llama.layers)),
    text(Field::Llama(LlamaKey::NCpuMoe), "ncm", "n-cpu-moe", Kind::Whole { k_unit: 1000, optional: true }, Phrase::NCpuMoe, DEFAULT, typed(|s| &s.llama.n_cpu_moe, |s| &mut s.llama.n_cpu_moe)),
    text(Field::Llama(LlamaKey::WiredMb), "wl", "wired-limit-mb", Kind::Whole { k_unit: 1024, optional: true }, Phrase::WiredLimitMb, DEFAULT, typed(|s| &s.llama.wired_mb, |s| &mut s.llama.wired_mb)),
    text(Field::Llama(LlamaKey::TensorSplit), "ts", "tensor-split", Kind::Text, Phrase::TensorSplit, Some(Phrase::SplitHint), typed(|s| &s.llama.tensor_split, |s| &mut s.llama.tensor_split)),
    text(Field::Serving(ServingKey::Ttft), "ttft", "ttft-ms", optional(1.0, 600_000.0), Phrase::TtftMs, None, typed(|s| &s.serving.ttft_ms, |s| &mut s.serving.ttft_ms)),
    text(Field::Serving(ServingKey::Tpot), "tpot", "tpot-ms", optional(0.1, 60_000.0), Phrase::TpotMs, None, typed(|s| &s.serving.tpot_ms, |s| &mut s.serving.tpot_ms)),
    text(Field::Serving(ServingKey::Rps), "rps", "rps", optional(0.001, 1e6), Phrase::Rps, Some(Phrase::RpsHint), typed(|s| &s.serving.rps, |s| &mut s.serving.rps)),
    text(Field::Serving(ServingKey::CacheShare), "pcs", "prompt-cache-share", optional(0.0, 1.0), Phrase::PromptCacheShare, DEFAULT, typed(|s| &s.serving.cache_share, |s| &mut s.serving.cache_share)),
    packed(Field::Serving(ServingKey::Pinned), "opt", "pinned", Phrase::Pinned, |s| (!s.serving.pinned.is_empty()).then(|| s.serving.pinned.join("~")), |s, v| {
        s.serving.pinned = v.split('~').filter(|p| !p.is_empty()).take(4).map(|p| p.chars().take(200).collect()).collect();
        true
    }),
    packed(Field::Custom(CustomGpuKey::Memory), "cg", "cg-memory", Phrase::CustomCard, |s| (s.custom_gpu != CustomGpu::default() && s.gpu == CUSTOM_GPU).then(|| s.custom_gpu.encode()), |s, v| {
        s.custom_gpu = CustomGpu::decode(v);
        true
    }),
];

/// The table's entry of `field` (the first, for the file's several keys).
pub fn input(field: Field) -> Option<&'static Input> {
    INPUTS.iter().find(|i| i.field == field)
}


fn write_source(s: &Scenario) -> Option<String> {
    (s.source != Source::Preset).then(|| s.source.code().to_string())
}

fn read_source(s: &mut Scenario, v: &str) -> bool {
    Source::from_code(v).map(|src| s.source = src).is_some()
}

fn write_config(s: &Scenario) -> Option<String> {
    (!s.config.trim().is_empty()).then(|| b64_encode(minify_config(&s.config).as_bytes()))
}

fn read_config(s: &mut Scenario, v: &str) -> bool {
    match b64_decode(v).and_then(|b| String::from_utf8(b).ok()) {
        Some(text) if text.len() <= 1 << 20 => {
            s.config = text;
            true
        }
        _ => false,
    }
}

fn write_file_arch(s: &Scenario) -> Option<String> {
    s.file.as_ref().map(|f| b64_encode(f.arch_json.as_bytes()))
}

fn read_file_arch(s: &mut Scenario, v: &str) -> bool {
    match b64_decode(v).and_then(|b| String::from_utf8(b).ok()) {
        Some(text) => {
            s.file.get_or_insert_with(FileModel::default).arch_json = text;
            true
        }
        None => false,
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
                map.remove(k);
            }
            if let Some(Value::Object(tc)) = map.get_mut("text_config") {
                for k in CONFIG_NOISE {
                    tc.remove(k);
                }
            }
            json::to_string(&Value::Object(map))
        }
        _ => text.to_string(),
    }
}

/// Applies one of the source articles' user profiles to the scenario.
pub fn apply_profile(s: &mut Scenario, p: &Profile) {
    if let Ok(m) = Mode::parse(&p.mode) {
        s.set_mode(m);
    }
    s.source = Source::Preset;
    s.preset = p.model.clone();
    if let Ok(f) = WeightFormat::parse(&p.weights, true) {
        s.set_weights(f);
    }
    if s.mode.is_training() {
        s.micro_batch = p.batch.to_string();
        s.seq = p.seq.to_string();
    } else {
        s.users = p.batch.to_string();
        s.context = p.seq.to_string();
        if s.output.parse::<u64>().map_or(true, |o| o >= p.seq as u64) {
            s.output = (p.seq / 8).max(1).to_string();
        }
    }
    s.gpu = p.gpu.clone();
    s.gpus = p.gpu_count.max(1).to_string();
    s.cost.budget = p.budget_usd.map(|b| format!("{b}")).unwrap_or_default();
    s.cost.target = p.target_tokens_per_s.map(|t| format!("{t}")).unwrap_or_default();
}
