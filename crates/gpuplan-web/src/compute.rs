//! Everything the results panel shows, derived from one model and one workload: the memory a
//! card must have, the verdict for every card, the memory of every weight format, and the CSV /
//! JSON exports. Pure; unit-tested on the host.

use std::sync::Arc;

use gpuplan_core::formats::{WeightFormat, ALL_FORMATS};
use gpuplan_core::memory::{estimate, Engine, Estimate, Mode, Model, Workload};

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

/// Everything the results panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub est: Estimate,
    pub required: u64,
    pub model: ModelRef,
    pub by_count: Vec<(u64, Option<u64>)>,
    pub bars: Vec<FormatBar>,
    pub workload: Workload,
    pub model_name: String,
    pub card: CardSpec,
    pub stale: bool,
}

/// What the fit verdict needs to know about a card.
#[derive(Clone, Debug, PartialEq)]
pub struct CardSpec {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub memory_bytes: u64,
    pub purchase_usd: Option<f64>,
    pub rent_usd_per_hour: Option<f64>,
}

/// Card counts the "cards needed" column tries (plus the scenario's own count).
pub const COUNTS: [u64; 7] = [1, 2, 4, 8, 16, 32, 64];

/// KV bytes per token that one GPU holds under `w`'s split (the core's rule: TP splits KV heads
/// up to their number, MLA's latent is not split; pipeline stages split the layers).
fn kv_per_token_gpu(model: &Model, w: &Workload, e: &Estimate) -> u64 {
    let tp = e.layout.tensor_parallel.max(1);
    let pp = e.layout.pipeline_parallel.max(1);
    let div = if model.arch.mla.is_some() { 1 } else { tp.min(model.arch.kv_heads).max(1) };
    model.kv_bytes_per_token(w.kv_cache).div_ceil(div).div_ceil(pp)
}

/// The memory one GPU must have for the run: the estimate's total for HF transformers and
/// llama.cpp; for vLLM (which takes `gpu_memory_utilization × memory` whatever the load), the
/// memory at which that share holds the weights, the activation profile, the runtime and the KV
/// cache of every sequence at full length.
pub fn required_bytes(model: &Model, w: &Workload, e: &Estimate) -> u64 {
    if w.engine != Engine::Vllm || w.mode != Mode::Inference {
        return e.total_bytes;
    }
    let b = &e.breakdown;
    let non_kv = b.weights.saturating_add(b.activations).saturating_add(b.runtime).saturating_add(b.gradients).saturating_add(b.optimizer);
    let block = e.vllm.map_or(16, |p| p.block_size.max(1));
    let seq_tokens = (w.prompt + w.new_tokens).div_ceil(block) * block;
    let kv = w.batch.saturating_mul(seq_tokens).saturating_mul(kv_per_token_gpu(model, w, e));
    let util = (w.gpu_memory_utilization_permille as u64).max(1);
    (non_kv.saturating_add(kv) as u128 * 1000).div_ceil(util as u128).min(u64::MAX as u128) as u64
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
pub fn required_by_count(model: &Model, w: &Workload) -> Vec<(u64, Option<u64>)> {
    let mut counts: Vec<u64> = COUNTS.to_vec();
    if !counts.contains(&w.gpus) {
        counts.push(w.gpus);
        gpuplan_core::sort::sort(&mut counts);
    }
    counts
        .into_iter()
        .map(|n| {
            let wn = with_gpus(w, n);
            (n, estimate(model, &wn).ok().map(|e| required_bytes(model, &wn, &e)))
        })
        .collect()
}

/// One row of the every-card table.
#[derive(Clone, Debug, PartialEq)]
pub struct FitRow {
    /// Index into the card list.
    pub card: usize,
    /// Fits with the scenario's GPU count.
    pub fits_now: bool,
    /// Fewest cards (of [`COUNTS`]) that fit.
    pub cards_needed: Option<u64>,
    /// Memory left per GPU with the scenario's count (negative: short by).
    pub headroom: Option<i64>,
}

pub fn fit_rows(cards: &[CardSpec], by_count: &[(u64, Option<u64>)], n_now: u64) -> Vec<FitRow> {
    let now = by_count.iter().find(|(n, _)| *n == n_now).and_then(|(_, r)| *r);
    cards
        .iter()
        .enumerate()
        .map(|(i, c)| FitRow {
            card: i,
            fits_now: now.is_some_and(|r| r <= c.memory_bytes),
            cards_needed: by_count.iter().find(|(n, r)| COUNTS.contains(n) && r.is_some_and(|r| r <= c.memory_bytes)).map(|(n, _)| *n),
            headroom: now.map(|r| c.memory_bytes as i64 - r.min(i64::MAX as u64) as i64),
        })
        .collect()
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

/// The CSV (or JSON) export of the scenario `params`, read as a shared link is, with the
/// every-card table sorted as on the page: what the page's worker answers for "export".
/// `None` when the scenario has errors (the page shows them next to their fields).
pub fn export_answer(data: &crate::data::Data, params: &str, json: bool, key: SortKey, descending: bool) -> Option<String> {
    let crate::derive::FromLink { model: m, card, workload: w, .. } = crate::derive::from_link(data, params)?;
    let est = estimate(&m.model, &w).ok()?;
    let required = required_bytes(&m.model, &w, &est);
    let mut rows = fit_rows(&data.specs, &required_by_count(&m.model, &w), w.gpus);
    sort_rows(&mut rows, &data.specs, key, descending);
    Some(if json {
        results_json(params, &m.name, &est, &card.spec, required, &data.specs, &rows)
    } else {
        results_csv(&m.name, &est, &data.specs, &rows, w.gpus)
    })
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

/// Quotes a CSV field when needed.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV sizes are in decimal GB, like the page.
const GB: f64 = 1e9;

/// The results as CSV: the memory breakdown, then the every-card table (bytes and GiB, plain
/// numbers with `.` decimals so spreadsheets in any locale read them).
pub fn results_csv(model_name: &str, e: &Estimate, cards: &[CardSpec], rows: &[FitRow], n_now: u64) -> String {
    let mut s = String::from("item,bytes,gb\n");
    s.push_str(&format!("model,{},\n", csv_field(model_name)));
    s.push_str(&format!("parameters,{},\n", e.params));
    for (label, v) in gpuplan_core::memory::Breakdown::LABELS.iter().zip(e.breakdown.parts()) {
        s.push_str(&format!("{label},{v},{:.3}\n", v as f64 / GB));
    }
    s.push_str(&format!("total_per_gpu,{},{:.3}\n", e.total_bytes, e.total_bytes as f64 / GB));
    s.push_str(&format!("\ncard,memory_gb,fits_on_{n_now},cards_needed,headroom_gb_per_gpu,purchase_usd,rent_usd_per_hour\n"));
    for r in rows {
        let c = &cards[r.card];
        s.push_str(&format!(
            "{},{:.1},{},{},{},{},{}\n",
            csv_field(&c.name),
            c.memory_bytes as f64 / GB,
            if r.fits_now { "yes" } else { "no" },
            r.cards_needed.map_or(String::new(), |n| n.to_string()),
            r.headroom.map_or(String::new(), |h| format!("{:.2}", h as f64 / GB)),
            c.purchase_usd.map_or(String::new(), |p| format!("{p:.0}")),
            c.rent_usd_per_hour.map_or(String::new(), |p| format!("{p:.2}")),
        ));
    }
    s
}

/// The results as JSON: the scenario link, the estimate as the core returns it, the verdict and
/// the every-card table.
pub fn results_json(link: &str, model_name: &str, e: &Estimate, gpu: &CardSpec, required: u64, cards: &[CardSpec], rows: &[FitRow]) -> String {
    use gpuplan_core::json::{object, to_string_pretty, Value};
    let table: Vec<Value> = rows
        .iter()
        .map(|r| {
            let c = &cards[r.card];
            object([
                ("id", c.id.as_str().into()),
                ("name", c.name.as_str().into()),
                ("memory_bytes", c.memory_bytes.into()),
                ("fits", r.fits_now.into()),
                ("cards_needed", r.cards_needed.into()),
                ("headroom_bytes", r.headroom.into()),
                ("purchase_usd", c.purchase_usd.into()),
                ("rent_usd_per_hour", c.rent_usd_per_hour.into()),
            ])
        })
        .collect();
    let v = object([
        ("gpuplan", 1u64.into()),
        ("scenario", link.into()),
        ("model", model_name.into()),
        ("gpu", object([("id", gpu.id.as_str().into()), ("name", gpu.name.as_str().into()), ("memory_bytes", gpu.memory_bytes.into())])),
        ("required_bytes_per_gpu", required.into()),
        ("fits", (required <= gpu.memory_bytes).into()),
        ("estimate", e.to_json()),
        ("cards", Value::Array(table)),
    ]);
    to_string_pretty(&v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuplan_core::model::ManualModel;

    fn model() -> Model {
        Model::new(ManualModel::default().to_arch().unwrap())
    }

    fn cards() -> Vec<CardSpec> {
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

    #[test]
    fn the_workers_export_is_the_pages_results() {
        let data = crate::data::load();
        let s = crate::scenario::Scenario::default();
        let params = s.to_params();
        let csv = export_answer(&data, &params, false, SortKey::Price, true).unwrap();
        let json = export_answer(&data, &params, true, SortKey::Price, true).unwrap();
        // What the page computes from the same scenario.
        let m = crate::derive::build_model(&data, &crate::derive::model_key(&s), &s).unwrap();
        let card = crate::derive::card_of(&data, &s).unwrap();
        let w = s.workload(card.spec.memory_bytes).unwrap();
        let est = estimate(&m.model, &w).unwrap();
        let mut rows = fit_rows(&data.specs, &required_by_count(&m.model, &w), w.gpus);
        sort_rows(&mut rows, &data.specs, SortKey::Price, true);
        assert_eq!(csv, results_csv(&m.name, &est, &data.specs, &rows, w.gpus));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["scenario"], params.as_str());
        assert_eq!(v["cards"].as_array().unwrap().len(), data.specs.len());
        assert_eq!(v["estimate"]["total_bytes"], est.total_bytes);
        for k in SortKey::ALL {
            assert_eq!(SortKey::from_code(k.code()), Some(k));
        }
        let mut bad = s.clone();
        bad.gpus = "0".into();
        assert_eq!(export_answer(&data, &bad.to_params(), false, SortKey::Name, false), None);
    }

    #[test]
    fn hf_requirement_is_the_total_and_shrinks_with_more_gpus() {
        let m = model();
        let w = Workload::default();
        let by = required_by_count(&m, &w);
        let e = estimate(&m, &w).unwrap();
        assert_eq!(by[0], (1, Some(e.total_bytes)));
        let r1 = by[0].1.unwrap();
        let r8 = by.iter().find(|x| x.0 == 8).unwrap().1.unwrap();
        assert!(r8 < r1 / 4, "{r8} vs {r1}");
        // 32 heads cannot be split 64 ways.
        assert_eq!(by.iter().find(|x| x.0 == 64).unwrap().1, None);
    }

    #[test]
    fn vllm_requirement_counts_every_sequence_not_the_pool() {
        let m = model();
        let mut w = Workload { engine: Engine::Vllm, ..Workload::default() };
        let e = estimate(&m, &w).unwrap();
        let r1 = required_bytes(&m, &w, &e);
        // The pool fills the card whatever the load; the requirement does not.
        assert!(r1 < e.total_bytes);
        w.batch = 64;
        let e = estimate(&m, &w).unwrap();
        let r64 = required_bytes(&m, &w, &e);
        assert!(r64 > r1 + 63 * 2000 * e.kv_bytes_per_token / 2, "{r64} {r1}");
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
        let csv = results_csv("Llama \"8B\", test", &estimate(&m, &w).unwrap(), &cs, &rows, 1);
        assert!(csv.contains("model,\"Llama \"\"8B\"\", test\""));
        assert!(csv.contains("C 8,8.0,no,4,"), "{csv}");
        let json = results_json("v=1", "m", &estimate(&m, &w).unwrap(), &cs[0], 1, &cs, &rows);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["cards"].as_array().unwrap().len(), 3);
        assert_eq!(v["estimate"]["params"], m.params);
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
