//! The scenario's short, versioned link form (`#v=1&m=llama-3.1-8b&w=q4_k_m&ctx=32k`), written
//! and read through the field table: only values that differ from the defaults are written;
//! unknown keys are ignored and unreadable values fall back to their defaults with a notice, so
//! old and hand-edited links keep working.

use super::model_fields::ManualFields;
use super::scenario::{Access, Scenario, Source, INPUTS, URL_VERSION};
use crate::codec::{pct_decode, pct_encode};

/// Keys of the page's own, not the scenario's: language, embed mode and the format version.
const PAGE_KEYS: [&str; 3] = ["v", "lang", "embed"];

impl Scenario {
    /// The short link form (without `#`), only non-default values.
    pub fn to_params(&self) -> String {
        let d = Scenario::default();
        let mut out = vec![format!("v={URL_VERSION}")];
        for input in INPUTS {
            let value = match input.access {
                Access::Text { get, .. } => (get(self) != get(&d)).then(|| get(self).clone()),
                Access::Name { get, .. } => (get(self) != get(&d)).then(|| get(self).to_string()),
                Access::Flag { get, on, off, .. } => (get(self) != get(&d)).then(|| if get(self) { on } else { off }.to_string()),
                Access::Packed { write, .. } => write(self),
            };
            if let Some(v) = value {
                out.push(format!("{}={}", input.key, pct_encode(&v)));
            }
        }
        out.join("&")
    }

    /// Reads a link's query or fragment (with or without the leading `?`/`#`). Returns the
    /// scenario and the keys whose values were not understood (left at their defaults).
    pub fn from_params(s: &str) -> (Scenario, Vec<String>) {
        let mut sc = Scenario::default();
        let mut bad = Vec::new();
        let mut source_given = false;
        for pair in s.trim_start_matches(['#', '?']).split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = pct_decode(v);
            let ok = match INPUTS.iter().find(|i| i.key == k) {
                Some(input) => read(&mut sc, input.access, &v),
                None if k == "v" => v.parse::<u32>().is_ok(),
                // The page's own keys, and keys of newer versions: ignored.
                None => true,
            };
            if !ok {
                bad.push(k.to_string());
            } else if k == "src" {
                source_given = true;
            }
        }
        // A link without `src`: the model fields decide.
        if !source_given {
            sc.source = if sc.file.is_some() {
                Source::File
            } else if !sc.config.is_empty() {
                Source::Config
            } else if sc.manual != ManualFields::default() {
                Source::Manual
            } else {
                Source::Preset
            };
        }
        if sc.source == Source::File && sc.file.as_ref().is_none_or(|f| f.arch_json.is_empty()) {
            sc.source = Source::Preset;
            sc.file = None;
        }
        (sc, bad)
    }
}

/// Does a link carry a scenario (any key but the page's own)?
pub fn has_scenario(params: &str) -> bool {
    params.split('&').any(|p| {
        let k = p.split('=').next().unwrap_or("");
        p.contains('=') && !k.is_empty() && !PAGE_KEYS.contains(&k)
    })
}

/// Sets one input from its link value; false when the value is not understood.
fn read(sc: &mut Scenario, access: Access, v: &str) -> bool {
    match access {
        // Kept as typed (a bad number is shown with its message, like a typed one), cut short.
        Access::Text { slot, .. } => {
            *slot(sc) = v.chars().take(64).collect();
            true
        }
        Access::Name { set, .. } => set(sc, v),
        Access::Flag { set, on, off, .. } => {
            let numeric = on == "1";
            if v == on || (numeric && matches!(v, "true" | "yes")) {
                set(sc, true);
                true
            } else if v == off || (numeric && matches!(v, "false" | "no")) {
                set(sc, false);
                true
            } else {
                false
            }
        }
        Access::Packed { read, .. } => read(sc, v),
    }
}
