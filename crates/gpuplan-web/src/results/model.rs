//! The model the scenario describes: a preset, a pasted config, typed numbers or a dropped
//! file, read into the core's `Model`. Used by the page and by its worker, so both read a
//! scenario the same way.

use std::sync::Arc;

use gpuplan_core::formats::WeightFormat;
use gpuplan_core::memory::Model;
use gpuplan_core::catalog::ModelPreset;
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

/// The model `key` describes; errors are placed by `scenario`'s fields. Presets and a pasted
/// config are read with the core's config reader (the worker's and the tests' way).
pub fn build_model(data: &Data, key: &ModelKey, scenario: &Scenario) -> Result<ModelRef, FieldError> {
    build_model_with(data, key, scenario, ModelPreset::arch, &|text| Arch::from_config_json(text).map_err(|e| FieldError::from_core(&e, scenario)))
}

/// The page's way: its presets are in the architecture form `build.rs` wrote (`Arch::to_json`,
/// read with `Arch::from_json`), so the page never links the config reader; a pasted config
/// is read by the worker ([`config_answer`]) and `config` gives its answer.
pub fn preset_from_arch_form(p: &ModelPreset) -> Result<Arch, gpuplan_core::InputError> {
    Arch::from_json(&p.config)
}

/// [`build_model`] with the readers of a preset and of a pasted config given.
pub fn build_model_with(
    data: &Data,
    key: &ModelKey,
    scenario: &Scenario,
    preset: fn(&ModelPreset) -> Result<Arch, gpuplan_core::InputError>,
    config: &dyn Fn(&str) -> Result<Arch, FieldError>,
) -> Result<ModelRef, FieldError> {
    let core = |e: gpuplan_core::InputError| FieldError::from_core(&e, scenario);
    match key.source {
        Source::Preset => {
            let p = data.preset(&key.preset).ok_or(FieldError { field: Field::Preset, msg: Msg::UnknownPreset })?;
            // `arch()` also applies the preset's `task` (an embedding checkpoint without LM head).
            let arch = preset(p).map_err(core)?;
            Ok(ModelRef { model: Arc::new(Model::new(arch)), name: p.name.clone(), exact: None })
        }
        Source::Config => {
            if key.config.trim().is_empty() {
                return Err(FieldError { field: Field::Config, msg: Msg::NoConfig });
            }
            let arch = config(&key.config)?;
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


/// The worker's answer to a pasted config (`{"arch": the architecture form}` or `{"field",
/// "message"}`: the core's error, which the page places as it placed it before).
pub fn config_answer(text: &str) -> String {
    use gpuplan_core::json::{object, to_string};
    match Arch::from_config_json(text) {
        Ok(a) => to_string(&object([("arch", to_string(&a.to_json()).into())])),
        Err(e) => to_string(&object([("field", e.field.as_str().into()), ("message", e.message.as_str().into())])),
    }
}

/// Reads [`config_answer`] back (in the page): the architecture, or the core's error.
pub fn read_config_answer(json: &str) -> Result<Arch, gpuplan_core::InputError> {
    let bad = || gpuplan_core::InputError::new("config.json", "could not be read");
    let v = gpuplan_core::json::parse(json).map_err(|_| bad())?;
    if let Some(a) = v.get("arch").and_then(|a| a.as_str()) {
        return gpuplan_core::json::parse(a).map_err(|_| bad()).and_then(|x| Arch::from_json(&x));
    }
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_string();
    Err(gpuplan_core::InputError::new(&s("field"), s("message")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page reads a pasted config through the worker's answer to the same model, and the
    /// same error, as the config reader gives.
    #[test]
    fn a_config_read_by_the_worker_is_the_config_read_here() {
        let data = crate::catalog::load();
        for p in &data.catalog.models {
            let text = gpuplan_core::json::to_string(&p.config);
            assert_eq!(read_config_answer(&config_answer(&text)).unwrap(), Arch::from_config_json(&text).unwrap(), "{}", p.id);
        }
        for bad in ["{\"model_type\": \"llama\", \"hidden_size\": -1", "{\"model_type\":\"llama\",\"hidden_size\":4096}"] {
            let e = Arch::from_config_json(bad).unwrap_err();
            let got = read_config_answer(&config_answer(bad)).unwrap_err();
            assert_eq!((got.field, got.message), (e.field, e.message));
        }
    }

    /// The page's presets (architecture form) build the models the full catalog's configs do.
    #[test]
    fn the_pages_presets_build_the_workers_models() {
        let (page, full) = (crate::catalog::load_page(), crate::catalog::load());
        for p in &full.catalog.models {
            let s = Scenario { preset: p.id.clone(), ..Scenario::default() };
            let k = model_key(&s);
            let a = build_model_with(&page, &k, &s, preset_from_arch_form, &|_| unreachable!()).unwrap();
            let b = build_model(&full, &k, &s).unwrap();
            assert_eq!(a.model.arch, b.model.arch, "{}", p.id);
        }
    }
}
