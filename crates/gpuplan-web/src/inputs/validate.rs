//! From the scenario as typed to what the core takes: the `Workload`, the model typed by hand,
//! the user's card, the costing inputs. Every number is read by its entry in the field table
//! (kind and range); every problem is a [`FieldError`] naming the input it belongs to.

use gpuplan_core::error::InputError;
use gpuplan_core::memory::{Engine, Mode, Workload, MIB};
use gpuplan_core::model::{LoraTargets, ManualModel};

use super::model_fields::{CustomGpu, ManualFields, ManualKey, CUSTOM_GPU_FIELDS, MANUAL_FIELDS};
use super::scenario::{input, Access, Field, Input, Kind, Scenario, Source};
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
    }
}

