//! From the scenario's inputs to what the estimator takes: the model (preset, pasted config,
//! typed numbers or a dropped file) and the chosen card. Used by the page and by its worker
//! (the planner runs there), so both read a scenario the same way. Pure; tested on the host.

use std::sync::Arc;

use gpuplan_core::catalog::Gpu;
use gpuplan_core::formats::WeightFormat;
use gpuplan_core::memory::Model;
use gpuplan_core::model::Arch;

use crate::compute::{CardSpec, ModelRef};
use crate::data::{self, Data};
use crate::scenario::{Field, FieldError, Msg, Scenario, Source, CUSTOM_GPU};

/// The model-related part of the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelKey {
    pub source: Source,
    pub preset: String,
    pub config: String,
    pub manual: crate::scenario::ManualFields,
    pub file: Option<crate::scenario::FileModel>,
}

pub fn model_key(s: &Scenario) -> ModelKey {
    ModelKey {
        source: s.source,
        preset: if s.source == Source::Preset { s.preset.clone() } else { String::new() },
        config: if s.source == Source::Config { s.config.clone() } else { String::new() },
        manual: if s.source == Source::Manual { s.manual.clone() } else { Default::default() },
        file: if s.source == Source::File { s.file.clone() } else { None },
    }
}

pub fn build_model(data: &Data, k: &ModelKey, s_for_errors: &Scenario) -> Result<ModelRef, FieldError> {
    let core = |e: gpuplan_core::InputError| FieldError::from_core(&e, s_for_errors);
    match k.source {
        Source::Preset => {
            let p = data.preset(&k.preset).ok_or(FieldError { field: Field::Preset, msg: Msg::UnknownPreset })?;
            let arch = Arch::from_config_value(&p.config).map_err(core)?;
            Ok(ModelRef { model: Arc::new(Model::new(arch)), name: p.name.clone(), exact: None })
        }
        Source::Config => {
            if k.config.trim().is_empty() {
                return Err(FieldError { field: Field::Config, msg: Msg::Core("config.json: paste or drop a config.json".into()) });
            }
            let arch = Arch::from_config_json(&k.config).map_err(core)?;
            let name = if arch.model_type.is_empty() { "config.json".to_string() } else { format!("config.json ({})", arch.model_type) };
            Ok(ModelRef { model: Arc::new(Model::new(arch)), name, exact: None })
        }
        Source::Manual => {
            let m = k.manual.to_manual()?;
            let arch = m.to_arch().map_err(core)?;
            Ok(ModelRef { model: Arc::new(Model::new(arch)), name: "custom".into(), exact: None })
        }
        Source::File => {
            let f = k.file.as_ref().ok_or(FieldError { field: Field::File, msg: Msg::Core("drop a file".into()) })?;
            let bad = |e: String| FieldError { field: Field::File, msg: Msg::Core(e) };
            let arch = gpuplan_core::json::parse(&f.arch_json).map_err(|e| bad(format!("{e}"))).and_then(|v| Arch::from_json(&v).map_err(|e| bad(format!("{e}"))))?;
            let exact = match (f.weight_bytes, f.format.as_deref().and_then(|n| WeightFormat::parse(n, false).ok())) {
                (Some(b), Some(fmt)) => Some((b, fmt)),
                _ => None,
            };
            let model = match exact {
                Some((b, fmt)) => Model::new(arch).with_file_weights(fmt, b),
                None => Model::new(arch),
            };
            Ok(ModelRef { model: Arc::new(model), name: f.name.clone(), exact })
        }
    }
}

/// The chosen card.
#[derive(Clone, Debug, PartialEq)]
pub struct CardSel {
    /// Index into the catalog; `None` = the custom card.
    pub idx: Option<usize>,
    pub spec: CardSpec,
    /// The card as speed and cost take it.
    pub gpu: Gpu,
}

pub fn card_of(data: &Data, s: &Scenario) -> Result<CardSel, FieldError> {
    if s.gpu == CUSTOM_GPU {
        let v = s.custom_gpu.parse()?;
        let gpu = data::custom_gpu(&v);
        return Ok(CardSel {
            idx: None,
            gpu,
            spec: CardSpec {
                id: CUSTOM_GPU.into(),
                name: v.name,
                vendor: String::new(),
                memory_bytes: v.memory_bytes,
                purchase_usd: Some(v.price_usd),
                rent_usd_per_hour: Some(v.rent_usd_h),
            },
        });
    }
    let i = data.card(&s.gpu).ok_or(FieldError { field: Field::Gpu, msg: Msg::UnknownGpu })?;
    Ok(CardSel { idx: Some(i), spec: data.specs[i].clone(), gpu: data.catalog.gpus[i].clone() })
}

/// A scenario read from its link form (`params`, as a shared URL is read) with the model, card
/// and workload it describes: what the page's worker starts from. `None` when the scenario has
/// errors (the page shows them next to their fields).
pub struct FromLink {
    pub scenario: Scenario,
    pub model: ModelRef,
    pub card: CardSel,
    pub workload: gpuplan_core::memory::Workload,
}

pub fn from_link(data: &Data, params: &str) -> Option<FromLink> {
    let (scenario, _) = Scenario::from_params(params);
    let model = build_model(data, &model_key(&scenario), &scenario).ok()?;
    let card = card_of(data, &scenario).ok()?;
    let workload = scenario.workload(card.spec.memory_bytes).ok()?;
    Some(FromLink { scenario, model, card, workload })
}
