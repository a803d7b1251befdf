//! From the scenario as typed to what the core takes: the `Workload`, the model typed by hand,
//! the user's card, the costing inputs. Every number is read by its entry in the field table
//! (kind and range); every problem is a [`FieldError`] naming the input it belongs to.

use gpuplan_core::error::InputError;
use gpuplan_core::memory::{Engine, Mode, Workload, MIB};
use gpuplan_core::model::{LoraTargets, ManualModel};

use super::model_fields::{CustomGpu, ManualFields, ManualKey, CUSTOM_GPU_FIELDS, MANUAL_FIELDS};
use super::scenario::{input, Access, Field, Input, Kind, LlamaKey, Scenario, Source};
use crate::i18n::{Lang, Phrase};
use crate::numbers::{parse_decimal, parse_whole, NumErr};

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
    /// The file tab without a config yet (shown once the reader has tried, `Page::config_tried`).
    NoConfig,
    /// A pasted config the worker is still reading (no message).
    Reading,
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
            "--lora-targets" => Field::LoraTargets,
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
            other => match (s.source, MANUAL_FIELDS.iter().find(|f| f.core_name == other).map(|f| f.key)) {
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


/// The custom card, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomGpuValues {
    pub name: String,
    pub memory_bytes: u64,
    /// The memory as typed: the GB on the card's label.
    pub memory_label_gb: f64,
    pub bandwidth_gbps: f64,
    pub tflops: f64,
    pub watts: f64,
    pub price_usd: f64,
    pub rent_usd_h: f64,
}


impl ManualFields {
    /// The core's `ManualModel`, or the first field that is not a number.
    pub fn to_manual(&self) -> Result<ManualModel, FieldError> {
        let mut v = [0u64; 10];
        for (slot, f) in v.iter_mut().zip(&MANUAL_FIELDS) {
            *slot = parse_whole(self.get(f.key), 1024).map_err(|e| FieldError::num(Field::Manual(f.key), e))?;
        }
        let [layers, hidden, heads, kv_heads, head_dim, intermediate, vocab, experts, experts_per_token, expert_intermediate] = v;
        Ok(ManualModel { layers, hidden, heads, kv_heads, head_dim, intermediate, vocab, tied_embeddings: self.tied, experts, experts_per_token, expert_intermediate })
    }

}

impl CustomGpu {
    pub fn parse(&self) -> Result<CustomGpuValues, FieldError> {
        let mut v = [0f64; 6];
        for (slot, f) in v.iter_mut().zip(&CUSTOM_GPU_FIELDS) {
            let x = parse_decimal(self.get(f.key), f.max).map_err(|e| FieldError::num(Field::Custom(f.key), e))?;
            if x <= 0.0 && !f.zero_ok {
                return Err(FieldError { field: Field::Custom(f.key), msg: Msg::Positive });
            }
            *slot = x;
        }
        let [memory_gb, bandwidth_gbps, tflops, watts, price_usd, rent_usd_h] = v;
        Ok(CustomGpuValues {
            name: if self.name.trim().is_empty() { "Custom".into() } else { self.name.trim().chars().take(60).collect() },
            // The label's GB read as GiB: the binary capacity (`MemoryBasis::Binary`) the
            // catalog stores where no driver total is published.
            memory_bytes: ((memory_gb * (1u64 << 30) as f64) as u64).max(MIB),
            memory_label_gb: memory_gb,
            bandwidth_gbps,
            tflops,
            watts,
            price_usd,
            rent_usd_h,
        })
    }

}

/// The whole number typed in `field`, read by its entry's kind; `None` when it may be empty
/// and is.
pub fn whole(s: &Scenario, field: Field) -> Result<Option<u64>, FieldError> {
    let Some(Input { kind: Kind::Whole { k_unit, optional }, access: Access::Text { get, .. }, .. }) = input(field) else {
        return Ok(None);
    };
    let text = get(s);
    if *optional && text.trim().is_empty() {
        return Ok(None);
    }
    parse_whole(text, *k_unit).map(Some).map_err(|e| FieldError::num(field, e))
}

/// The decimal typed in `field`, checked against its entry's range; `None` when it may be
/// empty and is.
pub fn decimal(s: &Scenario, field: Field) -> Result<Option<f64>, FieldError> {
    let Some(Input { kind: Kind::Decimal { lo, hi, optional }, access: Access::Text { get, .. }, .. }) = input(field) else {
        return Ok(None);
    };
    let text = get(s);
    if *optional && text.trim().is_empty() {
        return Ok(None);
    }
    match parse_decimal(text, *hi) {
        Ok(x) if x >= *lo => Ok(Some(x)),
        Ok(_) | Err(NumErr::TooLarge) => Err(FieldError { field, msg: Msg::Range(format!("{lo}–{hi}")) }),
        Err(e) => Err(FieldError::num(field, e)),
    }
}

/// Keeps the value, or records the error and goes on with `fallback`.
fn take<T>(errs: &mut Vec<FieldError>, r: Result<Option<T>, FieldError>, fallback: T) -> T {
    match r {
        Ok(v) => v.unwrap_or(fallback),
        Err(e) => {
            errs.push(e);
            fallback
        }
    }
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
        if self.mode.is_training() {
            w.batch = take(&mut errs, whole(self, Field::MicroBatch), 1);
            w.seq = take(&mut errs, whole(self, Field::Seq), 1);
            w.lora_rank = take(&mut errs, whole(self, Field::LoraRank), 1);
            if matches!(self.mode, Mode::Lora | Mode::Qlora) {
                // Empty: PEFT's default here, all linear layers. Names that match none of the
                // model's modules are the core's error, placed here by `from_core`.
                let typed = if self.lora_targets.trim().is_empty() { "all-linear" } else { self.lora_targets.as_str() };
                match LoraTargets::parse(typed) {
                    Ok(t) => w.lora_targets = t,
                    Err(e) => errs.push(FieldError::from_core(&e, self)),
                }
            }
        } else {
            w.batch = take(&mut errs, whole(self, Field::Users), 1);
            let ctx = take(&mut errs, whole(self, Field::Context), 1);
            let out = take(&mut errs, whole(self, Field::Output), 1);
            if out >= ctx && !errs.iter().any(|e: &FieldError| matches!(e.field, Field::Context | Field::Output)) {
                errs.push(FieldError { field: Field::Output, msg: Msg::OutputVsContext });
            }
            w.prompt = ctx.saturating_sub(out).max(1);
            w.new_tokens = out;
        }
        w.gpus = take(&mut errs, whole(self, Field::Gpus), 1);
        if self.engine == Engine::LlamaCpp && !self.mode.is_training() {
            // llama.cpp splits the layers over the GPUs (`--split-mode layer`): pipeline stages.
            w.pipeline_parallel = w.gpus;
            w.gpu_layers = whole(self, Field::GpuLayers).map_err(|e| errs.push(e)).ok().flatten();
        }
        if self.engine == Engine::Vllm && !self.mode.is_training() {
            match decimal(self, Field::Util) {
                Ok(u) => w.gpu_memory_utilization_permille = (u.unwrap_or(0.9) * 1000.0).round() as u32,
                Err(FieldError { msg: Msg::Range(_), .. }) => errs.push(FieldError { field: Field::Util, msg: Msg::Util }),
                Err(e) => errs.push(e),
            }
        }
        if errs.is_empty() {
            Ok(w)
        } else {
            Err(errs)
        }
    }
}

/// The inputs of "on my card(s) and my RAM" (llama.cpp), read and checked.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LlamaInputs {
    /// `--host-ram-gb`, in bytes; `None`: not limited.
    pub host_ram_bytes: Option<u64>,
    /// The RAM's bandwidth of the host preset (`--host ID`).
    pub host_bw_gbs: Option<f64>,
    pub parallel: Option<u64>,
    pub n_cpu_moe: Option<u64>,
    pub type_k: Option<gpuplan_core::llamacpp::CacheType>,
    pub flash_attn: Option<bool>,
    /// `--gpu-layers N`; `None`: auto (the most that fit).
    pub gpu_layers: Option<u64>,
    pub wired_mb: Option<u64>,
    /// The second and third card (catalog ids), when given.
    pub more_cards: Vec<String>,
    /// `--tensor-split`; empty: by free memory.
    pub tensor_split: Vec<f64>,
}

impl Scenario {
    /// The llama.cpp inputs checked as `gpuplan estimate --engine llama.cpp` checks its flags,
    /// each message naming the flag and placed under its field: the numbers by their entries,
    /// the cache type and flash attention by name, `-ngl` and `--n-cpu-moe` against the model's
    /// layers (llama.cpp's `n_layer`, when the model is known), the second and third card and
    /// the host preset against the catalog, the tensor split against the cards. The page shows
    /// these as they are typed; the worker reads the same values (`results::llama`).
    pub fn llama_inputs(&self, catalog: &gpuplan_core::catalog::Catalog, n_layer: Option<u64>) -> Result<LlamaInputs, Vec<FieldError>> {
        use gpuplan_core::error::InputError;
        use LlamaKey as K;
        let l = &self.llama;
        let mut errs = Vec::new();
        let flag = |k: K, e: InputError| FieldError { field: Field::Llama(k), msg: Msg::Core(format!("{}: {}", e.field, e.message)) };
        let mut num = |k: K| whole(self, Field::Llama(k)).map_err(|e| errs.push(e)).ok().flatten();
        let (parallel, n_cpu_moe, wired_mb) = (num(K::Parallel), num(K::NCpuMoe), num(K::WiredMb));
        let mut out = LlamaInputs { parallel, n_cpu_moe, wired_mb, ..LlamaInputs::default() };
        match decimal(self, Field::Llama(K::HostRam)) {
            Ok(g) => out.host_ram_bytes = g.map(|g| (g * (1u64 << 30) as f64).round() as u64),
            Err(e) => errs.push(e),
        }
        if out.parallel == Some(0) {
            errs.push(flag(K::Parallel, InputError::range("--parallel", 0, 1, gpuplan_core::memory::MAX_BATCH)));
        }
        if let (Some(n), Some(layers)) = (out.n_cpu_moe, n_layer) {
            if n > layers {
                errs.push(flag(K::NCpuMoe, InputError::range("--n-cpu-moe", n, 0, layers)));
            }
        }
        let host = l.host.trim();
        if !host.is_empty() {
            match catalog.host(host) {
                Some(h) => out.host_bw_gbs = Some(h.bandwidth_bytes_per_s as f64 / 1e9),
                None => errs.push(flag(K::Host, InputError::new("--host", format!("\"{host}\" is not a host memory preset of the catalog")))),
            }
        }
        for (k, id) in [(K::Gpu2, l.gpu2.trim()), (K::Gpu3, l.gpu3.trim())] {
            match (id.is_empty(), catalog.gpu(id).is_some()) {
                (true, _) => {}
                (false, true) => out.more_cards.push(id.to_string()),
                (false, false) => errs.push(flag(k, InputError::new("--gpu", format!("\"{id}\" is not in the catalog")))),
            }
        }
        let kv = l.kv_cache.trim();
        if !kv.is_empty() {
            match gpuplan_core::llamacpp::CacheType::parse("--kv-cache", kv) {
                Ok(t) => out.type_k = Some(t),
                Err(e) => errs.push(flag(K::KvCache, e)),
            }
        }
        out.flash_attn = match l.flash.trim() {
            "" | "auto" => None,
            "on" => Some(true),
            "off" => Some(false),
            other => {
                errs.push(flag(K::Flash, InputError::new("--flash-attn", format!("\"{other}\" is not on, off or auto"))));
                None
            }
        };
        match l.layers.trim() {
            "" | "auto" => {}
            n => match crate::numbers::parse_whole(n, 1000) {
                // llama.cpp's layers and its output layer (`-ngl` counts both).
                Ok(v) if n_layer.is_some_and(|layers| v > layers + 1) => errs.push(flag(K::Layers, InputError::range("--gpu-layers", v, 0, n_layer.unwrap_or(0) + 1))),
                Ok(v) => out.gpu_layers = Some(v),
                Err(e) => errs.push(FieldError::num(Field::Llama(K::Layers), e)),
            },
        }
        match self.tensor_split(out.more_cards.len()) {
            Ok(t) => out.tensor_split = t,
            Err(e) => errs.push(flag(K::TensorSplit, e)),
        }
        if errs.is_empty() {
            Ok(out)
        } else {
            Err(errs)
        }
    }

    /// `--tensor-split` as typed, for the chosen card and `more` others (or the scenario's
    /// count of one card): one non-negative share per card, adding up to more than 0.
    fn tensor_split(&self, more: usize) -> Result<Vec<f64>, gpuplan_core::error::InputError> {
        use gpuplan_core::error::InputError;
        const FLAG: &str = "--tensor-split";
        let text = self.llama.tensor_split.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let cards = if more > 0 { more as u64 + 1 } else { self.gpus.trim().parse::<u64>().unwrap_or(1).max(1) };
        let mut parts = Vec::new();
        for p in text.split(',') {
            match parse_decimal(p.trim(), 1e6) {
                Ok(x) => parts.push(x),
                Err(_) => return Err(InputError::new(FLAG, format!("\"{}\" is not a number; give one non-negative number per card, e.g. 3,1", p.trim()))),
            }
        }
        if parts.len() as u64 != cards {
            return Err(InputError::new(FLAG, format!("has {} parts for {cards} cards; give one non-negative number per card", parts.len())));
        }
        if parts.iter().sum::<f64>() <= 0.0 {
            return Err(InputError::new(FLAG, "parts must be non-negative numbers adding up to more than 0"));
        }
        Ok(parts)
    }
}

/// The checked costing, speed and planner inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct CostSettings {
    pub cost: gpuplan_core::cost::CostInputs,
    pub eff: gpuplan_core::throughput::Efficiency,
    pub constraints: gpuplan_core::plan::Constraints,
    pub train_tokens: f64,
}

impl Scenario {
    /// Checks every costing field; empty = the sourced default. `cny_per_usd` is the catalog's
    /// rate.
    pub fn cost_settings(&self, cny_per_usd: f64) -> Result<CostSettings, Vec<FieldError>> {
        let s = self;
        use gpuplan_core::plan::{Constraints, Objective};
        let mut errs = Vec::new();
        let mut num = |field: Field| decimal(s, field).map_err(|e| errs.push(e)).ok().flatten();
        let mut cost = gpuplan_core::cost::CostInputs::new(num(Field::Fx).unwrap_or(cny_per_usd));
        let mut eff = gpuplan_core::throughput::Efficiency::default_for(s.engine);
        if let Some(y) = num(Field::Years) {
            cost.years = y;
        }
        if let Some(b) = num(Field::Busy) {
            cost.utilization = b / 100.0;
        }
        if let Some(k) = num(Field::Kwh) {
            cost.electricity_usd_per_kwh = k;
        }
        if let Some(p) = num(Field::Pue) {
            cost.pue = p;
        }
        if let Some(m) = num(Field::Mbu) {
            eff.mbu_decode = m;
        }
        if let Some(m) = num(Field::Mfu) {
            eff.mfu_prefill = m;
            eff.mfu_train = m;
        }
        let target = num(Field::Target);
        let budget = num(Field::Budget);
        let train_tokens = num(Field::TrainTokens).unwrap_or(1.0) * 1e9;
        let constraints = Constraints {
            target_tokens_per_s: target.filter(|t| *t > 0.0),
            budget_usd: budget.filter(|b| *b > 0.0),
            objective: if s.cost.rent { Objective::Rent } else { Objective::Own },
            ..Constraints::default()
        };
        if errs.is_empty() {
            Ok(CostSettings { cost, eff, constraints, train_tokens })
        } else {
            Err(errs)
        }
    }
}

/// The message of `m` in `lang` (shown next to its field, or in a panel the worker writes).
pub fn msg_text(lang: Lang, m: &Msg) -> String {
    match m {
        Msg::Num(e) => lang
            .t(match e {
                NumErr::Empty => Phrase::ErrEmpty,
                NumErr::NotNumber => Phrase::ErrNotNumber,
                NumErr::Negative => Phrase::ErrNegative,
                NumErr::NotWhole => Phrase::ErrNotWhole,
                NumErr::TooLarge => Phrase::ErrTooLarge,
            })
            .to_string(),
        Msg::OutputVsContext => lang.t(Phrase::ErrOutputVsContext).into(),
        Msg::Util => lang.t(Phrase::ErrUtil).into(),
        Msg::Positive => lang.t(Phrase::ErrPositive).into(),
        Msg::UnknownPreset => lang.t(Phrase::ErrUnknownPreset).into(),
        Msg::UnknownGpu => lang.t(Phrase::ErrUnknownGpu).into(),
        Msg::Range(r) => format!("{} {r}", lang.t(Phrase::ErrRange)),
        Msg::Core(s) => s.clone(),
        Msg::NoConfig => "config.json: paste or drop a config.json".into(),
        Msg::Reading => String::new(),
    }
}

