//! The page's shared state: one `RwSignal<Scenario>` holds every input; the memos derived
//! from it (card, errors, memory results, speed and cost) and the interface settings. `App`
//! builds it once and hands it to each panel (all `Copy`).

use leptos::prelude::*;

use crate::catalog::Data;
use crate::i18n::{Lang, Phrase};
use crate::inputs::{CostSettings, Field, FieldError, Scenario};
use crate::numbers::NumFmt;
use crate::results::card::ChosenCard;
use crate::results::memory::Outcome;
use crate::results::money::SpeedAndCost;

/// Local storage keys.
pub const KEY_SCENARIO: &str = "gpuplan:scenario";
pub const KEY_LANG: &str = "gpuplan:lang";
pub const KEY_THEME: &str = "gpuplan:theme";
pub const KEY_CUSTOM_GPU: &str = "gpuplan:custom-gpu";

/// Request ids of the two exports: the worker echoes the id, which says what to download.
pub const EXPORT_CSV: f64 = 1.0;
pub const EXPORT_JSON: f64 = 2.0;

/// Theme choice; `Auto` follows the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemePref {
    Auto,
    Light,
    Dark,
}

impl ThemePref {
    pub fn code(self) -> &'static str {
        match self {
            ThemePref::Auto => "auto",
            ThemePref::Light => "light",
            ThemePref::Dark => "dark",
        }
    }
    pub fn from_code(s: &str) -> ThemePref {
        match s {
            "light" => ThemePref::Light,
            "dark" => ThemePref::Dark,
            _ => ThemePref::Auto,
        }
    }
}

/// Signals and memos shared by the views (all `Copy`), built by `app::App`.
#[derive(Clone, Copy)]
pub struct Page {
    pub scenario: RwSignal<Scenario>,
    pub lang: RwSignal<Lang>,
    pub theme: RwSignal<ThemePref>,
    pub sys_dark: RwSignal<bool>,
    /// The reader's number format: a default at first, the browser's `Intl` answer once the
    /// first frame is painted (see `App`).
    pub nf: RwSignal<NumFmt>,
    pub data: &'static Data,
    pub embed: bool,
    pub card: Memo<Result<ChosenCard, FieldError>>,
    pub errors: Memo<Vec<FieldError>>,
    /// The memory results; the last good one, marked stale, while an input is wrong.
    pub outcome: Memo<Option<Outcome>>,
    pub cost_settings: Memo<Result<CostSettings, Vec<FieldError>>>,
    pub speed_cost: Memo<Option<SpeedAndCost>>,
    pub notice: RwSignal<Option<String>>,
    pub file_status: RwSignal<String>,
    /// The planner's table (HTML from the worker) and each row's (card, count, format).
    pub plans_html: RwSignal<String>,
    pub plan_choices: StoredValue<Vec<(String, u64, String)>>,
    /// Number of the latest planner request: older answers are dropped.
    pub plan_seq: StoredValue<f64>,
    /// The "How we know" section (HTML from the worker) and the number of its latest request.
    pub evidence_html: RwSignal<String>,
    pub evidence_seq: StoredValue<f64>,
    /// The panels the worker writes (`worker_panel`): each one's latest request number and
    /// its HTML; and the last request number given out.
    pub panels: StoredValue<Vec<(f64, RwSignal<String>)>>,
    pub panel_seq: StoredValue<f64>,
    /// A pasted config as the worker read it: (the text, its answer `results::model::config_answer`),
    /// and the number and text of the latest request.
    pub config_read: RwSignal<Option<(String, String)>>,
    pub config_seq: StoredValue<(f64, String)>,
    /// Whether the reader has typed or dropped anything in the file tab (its "paste or drop"
    /// message waits until then).
    pub config_tried: RwSignal<bool>,
    /// Inputs' errors that only the worker's computation finds (too little RAM for llama.cpp's
    /// host part), by the panel slot that answered them; shown under their fields.
    pub worker_errors: RwSignal<Vec<(usize, FieldError)>>,
}

impl Page {
    pub fn nf(&self) -> NumFmt {
        self.nf.get()
    }
    pub fn tr(&self, k: Phrase) -> &'static str {
        self.lang.get().t(k)
    }
    pub fn dark(&self) -> bool {
        match self.theme.get() {
            ThemePref::Auto => self.sys_dark.get(),
            ThemePref::Light => false,
            ThemePref::Dark => true,
        }
    }
    pub fn err(&self, f: Field) -> Option<String> {
        let lang = self.lang.get();
        self.errors.with(|es| es.iter().find(|e| e.field == f).map(|e| msg_text(lang, &e.msg)))
    }
}

pub use crate::inputs::validate::msg_text;
