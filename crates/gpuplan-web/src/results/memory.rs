//! Memory: what one model and one workload need on the chosen card, on every card of the
//! catalog and at every card count, and with every weight format.

use gpuplan_core::accuracy::Accuracy;
use gpuplan_core::formats::{WeightFormat, ALL_FORMATS};
use gpuplan_core::memory::{estimate, fit_verdict, Engine, Estimate, Mode, Model, Verdict, Workload};

pub use super::accuracy::accuracy_of;
use super::model::ModelRef;
use super::vllm;
use crate::catalog::CardSpec;
use crate::inputs::{FieldError, Scenario};

/// Everything the results panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub est: Estimate,
    /// What one GPU must have, and the allocator slack within it.
    pub need: Need,
    pub model: ModelRef,
    pub by_count: Vec<(u64, Option<Need>)>,
    pub bars: Vec<FormatBar>,
    pub workload: Workload,
    pub model_name: String,
    pub card: CardSpec,
    pub stale: bool,
    /// How sure the estimate is: the measured runs of its kind (`gpuplan_core::accuracy`).
    pub accuracy: Accuracy,
}

impl Outcome {
    /// The memory results of `model` under `w` on `card`; a core error is placed by `s`'s fields.
    pub fn compute(model: &ModelRef, w: &Workload, card: &CardSpec, s: &Scenario) -> Result<Outcome, FieldError> {
        let est = estimate(&model.model, w).map_err(|e| FieldError::from_core(&e, s))?;
        let need = need_of(&model.model, w, &est);
        Ok(Outcome {
            by_count: required_by_count(&model.model, w),
            bars: format_bars(&model.model, w),
            est,
            need,
            model: model.clone(),
            workload: w.clone(),
            model_name: model.name.clone(),
            card: card.clone(),
            stale: false,
            accuracy: accuracy_of(w),
        })
    }
}

impl Outcome {
    /// The fit on the scenario's card.
    pub fn verdict(&self) -> Verdict {
        self.need.verdict(self.card.memory_bytes)
    }
}

/// The memory one GPU must have for the run, and how much of it is the caching allocator's
/// slack (memory PyTorch frees before it raises out-of-memory: the core's
/// `Estimate::allocator_slack`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    pub bytes: u64,
    pub slack: u64,
}

impl Need {
    /// Fits, fits tight (only the slack is over) or does not fit on a card of `capacity` bytes:
    /// the core's rule (`gpuplan_core::memory::fit_verdict`).
    pub fn verdict(&self, capacity: u64) -> Verdict {
        fit_verdict(self.bytes, self.slack, None, capacity)
    }
    /// Fits, tight or not.
    pub fn fits(&self, capacity: u64) -> bool {
        self.verdict(capacity) != Verdict::DoesNotFit
    }
}

/// [`required_bytes`] with the estimate's allocator slack (none for vLLM, whose requirement is
/// its pool's).
pub fn need_of(model: &Model, w: &Workload, e: &Estimate) -> Need {
    let vllm = w.engine == Engine::Vllm && w.mode == Mode::Inference;
    Need { bytes: required_bytes(model, w, e), slack: if vllm { 0 } else { e.allocator_slack } }
}

/// Card counts the "cards needed" column tries (plus the scenario's own count).
pub const COUNTS: [u64; 7] = [1, 2, 4, 8, 16, 32, 64];

/// The memory one GPU must have for the run: the estimate's total for HF transformers and
/// llama.cpp; for vLLM, which takes its share of the card whatever the load, the smallest card
/// on which the core's pool holds every sequence at once ([`vllm::required_bytes`]).
pub fn required_bytes(model: &Model, w: &Workload, e: &Estimate) -> u64 {
    if w.engine == Engine::Vllm && w.mode == Mode::Inference {
        vllm::required_bytes(model, w).unwrap_or(e.total_bytes)
    } else {
        e.total_bytes
    }
}

/// The workload spread over `n` GPUs the way the page spreads it.
pub fn with_gpus(w: &Workload, n: u64) -> Workload {
    let mut w = w.clone();
    w.gpus = n;
    if w.engine == Engine::LlamaCpp && w.mode == Mode::Inference {
        w.pipeline_parallel = n;
    }
    w
}

/// Memory required per GPU at each count of [`COUNTS`] and at `n_now` (`None` where the
/// model cannot be split that way).
pub fn required_by_count(model: &Model, w: &Workload) -> Vec<(u64, Option<Need>)> {
    let mut counts: Vec<u64> = COUNTS.to_vec();
    if !counts.contains(&w.gpus) {
        counts.push(w.gpus);
        gpuplan_core::sort::sort(&mut counts);
    }
    counts
        .into_iter()
        .map(|n| {
            let wn = with_gpus(w, n);
            (n, estimate(model, &wn).ok().map(|e| need_of(model, &wn, &e)))
        })
        .collect()
}

/// One row of the every-card table.
#[derive(Clone, Debug, PartialEq)]
pub struct FitRow {
    /// Index into the card list.
    pub card: usize,
    /// Fits with the scenario's GPU count (tight or not).
    pub fits_now: bool,
    /// Fits only because PyTorch frees its cache before out-of-memory ("fits, tight").
    pub tight: bool,
    /// Fewest cards (of [`COUNTS`]) that fit.
    pub cards_needed: Option<u64>,
    /// Memory left per GPU with the scenario's count (negative: short by).
    pub headroom: Option<i64>,
}

/// Each card's row: its verdict with `n_now` cards, the fewest cards that fit and the headroom.
pub fn fit_rows(cards: &[CardSpec], by_count: &[(u64, Option<Need>)], n_now: u64) -> Vec<FitRow> {
    let now = by_count.iter().find(|(n, _)| *n == n_now).and_then(|(_, r)| *r);
    cards
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let verdict = now.map_or(Verdict::DoesNotFit, |r| r.verdict(c.memory_bytes));
            FitRow {
                card: i,
                fits_now: verdict != Verdict::DoesNotFit,
                tight: verdict == Verdict::FitsTight,
                cards_needed: min_count(by_count, c.memory_bytes),
                headroom: now.map(|r| c.memory_bytes as i64 - r.bytes.min(i64::MAX as u64) as i64),
            }
        })
        .collect()
}

/// Fewest cards of [`COUNTS`] that hold the scenario (tight or not) on cards of `memory_bytes`.
pub fn min_count(by_count: &[(u64, Option<Need>)], memory_bytes: u64) -> Option<u64> {
    by_count.iter().find(|(n, r)| COUNTS.contains(n) && r.is_some_and(|r| r.fits(memory_bytes))).map(|(n, _)| *n)
}

/// Columns the every-card table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Memory,
    CardsNeeded,
    Headroom,
    Price,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [SortKey::Name, SortKey::Memory, SortKey::CardsNeeded, SortKey::Headroom, SortKey::Price];
    /// The key's name in the worker's messages.
    pub fn code(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Memory => "memory",
            SortKey::CardsNeeded => "cards",
            SortKey::Headroom => "headroom",
            SortKey::Price => "price",
        }
    }
    pub fn from_code(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Sorts rows in place; rows without a value go last either way, ties by memory then name.
pub fn sort_rows(rows: &mut [FitRow], cards: &[CardSpec], key: SortKey, descending: bool) {
    use core::cmp::Ordering;
    let value = |r: &FitRow| -> Option<f64> {
        let c = &cards[r.card];
        match key {
            SortKey::Name => Some(0.0),
            SortKey::Memory => Some(c.memory_bytes as f64),
            SortKey::CardsNeeded => r.cards_needed.map(|n| n as f64),
            SortKey::Headroom => r.headroom.map(|h| h as f64),
            SortKey::Price => c.purchase_usd,
        }
    };
    gpuplan_core::sort::sort_by(rows, |a, b| {
        let primary = if key == SortKey::Name {
            let o = cards[a.card].name.to_ascii_lowercase().cmp(&cards[b.card].name.to_ascii_lowercase());
            if descending {
                o.reverse()
            } else {
                o
            }
        } else {
            match (value(a), value(b)) {
                (Some(x), Some(y)) => {
                    let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                    if descending {
                        o.reverse()
                    } else {
                        o
                    }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        };
        primary
            .then_with(|| cards[b.card].memory_bytes.cmp(&cards[a.card].memory_bytes))
            .then_with(|| cards[a.card].name.cmp(&cards[b.card].name))
    });
}

/// One bar of the memory-vs-format chart: the memory one GPU needs to hold the whole run.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatBar {
    pub format: WeightFormat,
    pub required: u64,
}

/// Every weight format the mode allows, the run on one GPU (the chart's capacity lines for
/// 1/2/4/8 cards compare against these totals).
pub fn format_bars(model: &Model, w: &Workload) -> Vec<FormatBar> {
    let mut seen_current = false;
    let mut bars: Vec<FormatBar> = ALL_FORMATS
        .iter()
        .copied()
        .chain(core::iter::once(w.weights))
        .filter_map(|f| {
            if f == w.weights {
                if seen_current {
                    return None;
                }
                seen_current = true;
            }
            let mut wf = with_gpus(w, 1);
            wf.weights = f;
            estimate(model, &wf).ok().map(|e| FormatBar { format: f, required: required_bytes(model, &wf, &e) })
        })
        .collect();
    gpuplan_core::sort::sort_by(&mut bars, |a, b| b.required.cmp(&a.required));
    bars
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use gpuplan_core::model::ManualModel;

    pub(crate) fn cards() -> Vec<CardSpec> {
        [("a", "A 24", 24u64, Some(1600.0)), ("b", "B 80", 80, Some(30000.0)), ("c", "C 8", 8, None)]
            .into_iter()
            .map(|(id, name, gib, p)| CardSpec {
                id: id.into(),
                name: name.into(),
                vendor: "X".into(),
                memory_bytes: gib * 1_000_000_000,
                purchase_usd: p,
                rent_usd_per_hour: None,
            })
            .collect()
    }

    fn model() -> Model {
        Model::new(ManualModel::default().to_arch().unwrap())
    }

    #[test]
    fn hf_requirement_is_the_total_and_shrinks_with_more_gpus() {
        let m = model();
        let w = Workload::default();
        let by = required_by_count(&m, &w);
        let e = estimate(&m, &w).unwrap();
        assert_eq!(by[0], (1, Some(Need { bytes: e.total_bytes, slack: e.allocator_slack })));
        let r1 = by[0].1.unwrap().bytes;
        let r8 = by.iter().find(|x| x.0 == 8).unwrap().1.unwrap().bytes;
        assert!(r8 < r1 / 4, "{r8} vs {r1}");
        // 32 heads cannot be split 64 ways.
        assert_eq!(by.iter().find(|x| x.0 == 64).unwrap().1, None);
    }

    #[test]
    fn verdicts_and_sorting() {
        let m = model();
        let w = Workload::default();
        let by = required_by_count(&m, &w);
        let cs = cards();
        let mut rows = fit_rows(&cs, &by, 1);
        // ~17 GiB for Llama-3.1-8B bf16 at 2k context: fits 24 and 80 GiB, not 8.
        assert!(rows[0].fits_now && rows[1].fits_now && !rows[2].fits_now);
        assert_eq!(rows[2].cards_needed, Some(4));
        assert!(rows[2].headroom.unwrap() < 0);
        sort_rows(&mut rows, &cs, SortKey::Headroom, true);
        assert_eq!(rows.iter().map(|r| r.card).collect::<Vec<_>>(), [1, 0, 2]);
        sort_rows(&mut rows, &cs, SortKey::Price, false);
        assert_eq!(rows.iter().map(|r| r.card).collect::<Vec<_>>(), [0, 1, 2]);
        sort_rows(&mut rows, &cs, SortKey::Name, true);
        assert_eq!(rows.iter().map(|r| r.card).collect::<Vec<_>>(), [2, 1, 0]);
    }

    #[test]
    fn format_bars_cover_the_mode_and_shrink_with_bits() {
        let m = model();
        let w = Workload::default();
        let bars = format_bars(&m, &w);
        assert_eq!(bars.len(), ALL_FORMATS.len());
        let get = |n: &str| bars.iter().find(|b| b.format.name() == n).unwrap().required;
        assert!(get("fp32") > get("bf16") && get("bf16") > get("q8_0") && get("q8_0") > get("q4_k_m"));
        // Training modes skip GGUF; QLoRA keeps only nf4.
        let wt = Workload { mode: Mode::Full, ..Workload::default() };
        assert!(format_bars(&m, &wt).iter().all(|b| !matches!(b.format, WeightFormat::Gguf(_))));
        let wq = Workload { mode: Mode::Qlora, weights: WeightFormat::Nf4 { double_quant: true }, ..Workload::default() };
        let q = format_bars(&m, &wq);
        assert!(q.iter().all(|b| matches!(b.format, WeightFormat::Nf4 { .. })) && q.len() == 2, "{q:?}");
    }
}
