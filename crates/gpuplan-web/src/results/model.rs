//! The model the scenario describes: a preset, a pasted config, typed numbers or a dropped
//! file, read into the core's `Model`. Used by the page and by its worker, so both read a
//! scenario the same way.

use std::sync::Arc;

use gpuplan_core::formats::WeightFormat;
use gpuplan_core::memory::Model;
use gpuplan_core::model::Arch;

use crate::catalog::Data;
use crate::inputs::{Field, FieldError, FileModel, ManualFields, Msg, Scenario, Source};

/// The model the page computes with. Equality is by identity, so the memo chain only reruns
/// when the model inputs change.
#[derive(Clone, Debug)]
pub struct ModelRef {
    pub model: Arc<Model>,
    pub name: String,
    /// Exact weight bytes from a dropped file, and the format they are stored in.
    pub exact: Option<(u64, WeightFormat)>,
}

impl PartialEq for ModelRef {
    fn eq(&self, o: &Self) -> bool {
        Arc::ptr_eq(&self.model, &o.model) && self.name == o.name && self.exact == o.exact
    }
}

/// The model-related part of the scenario (the model is rebuilt only when it changes).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelKey {
    pub source: Source,
    pub preset: String,
    pub config: String,
    pub manual: ManualFields,
    pub file: Option<FileModel>,
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

/// The model `key` describes; errors are placed by `scenario`'s fields.
pub fn build_model(data: &Data, key: &ModelKey, scenario: &Scenario) -> Result<ModelRef, FieldError> {
    let core = |e: gpuplan_core::InputError| FieldError::from_core(&e, scenario);
    match key.source {
        Source::Preset => {
            let p = data.preset(&key.preset).ok_or(FieldError { field: Field::Preset, msg: Msg::UnknownPreset })?;
            // `arch()` also applies the preset's `task` (an embedding checkpoint without LM head).
            let arch = p.arch().map_err(core)?;
            Ok(ModelRef { model: Arc::new(Model::new(arch)), name: p.name.clone(), exact: None })
        }
        Source::Config => {
            if key.config.trim().is_empty() {
                return Err(FieldError { field: Field::Config, msg: Msg::Core("config.json: paste or drop a config.json".into()) });
            }
            let arch = Arch::from_config_json(&key.config).map_err(core)?;
            let name = if arch.model_type.is_empty() { "config.json".to_string() } else { format!("config.json ({})", arch.model_type) };
            Ok(ModelRef { model: Arc::new(Model::new(arch)), name, exact: None })
        }
        Source::Manual => {
            let m = key.manual.to_manual()?;
            let arch = m.to_arch().map_err(core)?;
            Ok(ModelRef { model: Arc::new(Model::new(arch)), name: "custom".into(), exact: None })
        }
        Source::File => {
            let f = key.file.as_ref().ok_or(FieldError { field: Field::File, msg: Msg::Core("drop a file".into()) })?;
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

