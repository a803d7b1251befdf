//! Speed, money and plans for the page: the core's `throughput`, `cost` and `plan` applied to
//! the scenario's model and workload. Pure; unit-tested on the host.

use gpuplan_core::catalog::{Catalog, Gpu, Profile};
use gpuplan_core::cost::{self, Cost, RunCost};
use gpuplan_core::memory::{Estimate, Model, Workload};
use gpuplan_core::plan::{self, Plan};
use gpuplan_core::throughput::{self, Speed, TrainTime};

use crate::charts::Series;
use crate::compute::{self, COUNTS};
use crate::scenario::{Economics, Scenario, Source};

/// Speed and cost of the scenario on its card.
#[derive(Clone, Debug, PartialEq)]
pub struct Econ {
    pub speed: Speed,
    /// Training modes: time of a run of `Economics::train_tokens`.
    pub train: Option<TrainTime>,
    pub run: Option<RunCost>,
    pub cost: Cost,
    /// Inference: USD per million generated tokens, owned (TCO per busy hour) and rented.
    pub usd_per_mtok_own: Option<f64>,
    pub usd_per_mtok_rent: Option<f64>,
}

pub fn econ(model: &Model, w: &Workload, est: &Estimate, gpu: &Gpu, e: &Economics) -> Econ {
    let speed = throughput::speed(model, w, gpu, &est.layout, &e.eff);
    let cost = cost::cost(gpu, w.gpus, &e.cost);
    let (train, run) = if w.mode.is_training() {
        let t = throughput::train_time(model, w, gpu, w.gpus, e.train_tokens, &e.eff);
        let r = cost::training_run_cost(gpu, w.gpus, t.seconds / 3600.0, &e.cost);
        (Some(t), Some(r))
    } else {
        (None, None)
    };
    let per_mtok = |h: Option<f64>| h.map(|h| cost::usd_per_million_tokens(h, speed.generated_tokens_per_s)).filter(|x| x.is_finite());
    let (own, rent) = if w.mode.is_training() { (None, None) } else { (per_mtok(cost.own_usd_per_hour), per_mtok(cost.rent_usd_per_hour)) };
    Econ { speed, train, run, cost, usd_per_mtok_own: own, usd_per_mtok_rent: rent }
}

/// Fewest cards of [`COUNTS`] whose memory holds the scenario (from the per-count requirement).
pub fn min_count(by_count: &[(u64, Option<u64>)], memory_bytes: u64) -> Option<u64> {
    by_count.iter().find(|(n, r)| COUNTS.contains(n) && r.is_some_and(|r| r <= memory_bytes)).map(|(n, _)| *n)
}

/// The cost-vs-cards chart: own (solid) and rent (dashed) totals over the horizon for the chosen
/// card and the three priced cards that are cheapest to own at their fewest fitting count, each
/// from 1 to 64 cards, with that count marked.
pub fn cost_series(chosen: &Gpu, catalog: &[Gpu], by_count: &[(u64, Option<u64>)], e: &Economics, own: &str, rent: &str) -> Vec<Series> {
    let mut picked: Vec<&Gpu> = vec![chosen];
    let mut others: Vec<(f64, &Gpu)> = catalog
        .iter()
        .filter(|g| g.id != chosen.id && g.price.purchase_usd.is_some())
        .filter_map(|g| {
            let n = min_count(by_count, g.memory_bytes)?;
            Some((cost::cost(g, n, &e.cost).own_total_usd?, g))
        })
        .collect();
    gpuplan_core::sort::sort_by(&mut others, |a, b| a.0.total_cmp(&b.0));
    picked.extend(others.into_iter().take(3).map(|(_, g)| g));
    let mut out = Vec::new();
    for (i, g) in picked.into_iter().enumerate() {
        let min = min_count(by_count, g.memory_bytes);
        let pts = |f: &dyn Fn(&Cost) -> Option<f64>| -> Vec<(u64, f64)> { COUNTS.iter().filter_map(|&n| f(&cost::cost(g, n, &e.cost)).map(|y| (n, y))).collect() };
        let short = short_name(&g.name);
        let o = pts(&|c| c.own_total_usd);
        if !o.is_empty() {
            out.push(Series { label: format!("{short} {own}"), color: i, dashed: false, points: o, min_count: min });
        }
        let r = pts(&|c| c.rent_total_usd);
        if !r.is_empty() {
            out.push(Series { label: format!("{short} {rent}"), color: i, dashed: true, points: r, min_count: min });
        }
    }
    out
}

/// A card's name without its parenthesised detail.
pub fn short_name(name: &str) -> String {
    name.split(" (").next().unwrap_or(name).chars().take(28).collect()
}

/// The cheapest plans over the catalog (plus the user's own card when it is the chosen one).
pub fn plans(model: &Model, w: &Workload, catalog: &Catalog, custom: Option<Gpu>, e: &Economics) -> Vec<Plan> {
    let mut c = e.constraints.clone();
    c.top_n = 8;
    match custom {
        Some(g) => {
            let mut cat = catalog.clone();
            cat.gpus.push(g);
            plan::plan(model, w, &cat, &c, &e.eff, &e.cost)
        }
        None => plan::plan(model, w, catalog, &c, &e.eff, &e.cost),
    }
}

/// Applies one of the source articles' user profiles to the scenario.
pub fn apply_profile(s: &mut Scenario, p: &Profile) {
    use gpuplan_core::formats::WeightFormat;
    use gpuplan_core::memory::Mode;
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

/// Requirement per card count for the planner-independent views (re-exported for the app).
pub use compute::required_by_count;

/// What the page's worker answers for the planner: the scenario read from its URL form
/// (`params`, exactly as a shared link is read), the cheapest plans as the table's HTML, and
/// each row's (card id, count, format) for the page's "choose this plan" buttons:
/// `{"html": …, "choices": [[gpu_id, count, format], …]}`. An empty table when the scenario
/// has errors (the page shows those next to their fields).
pub fn planner_answer(data: &crate::data::Data, params: &str, lang: crate::i18n::Lang, nf: crate::fmt::NumFmt) -> gpuplan_core::json::Value {
    use gpuplan_core::json::{object, Value};
    let plans = (|| {
        let x = crate::derive::from_link(data, params)?;
        let e = x.scenario.cost.check(data.catalog.fx.cny_per_usd, x.scenario.engine).ok()?;
        let custom = x.card.idx.is_none().then(|| x.card.gpu.clone());
        Some(plans(&x.model.model, &x.workload, &data.catalog, custom, &e))
    })();
    let (html, choices) = match &plans {
        Some(p) => (
            crate::render::plans(lang, nf, p),
            p.iter().map(|p| Value::Array(vec![p.gpu_id.as_str().into(), p.count.into(), p.format.name().into()])).collect(),
        ),
        None => (String::new(), Vec::new()),
    };
    object([("html", html.into()), ("choices", Value::Array(choices))])
}

#[cfg(test)]
fn tests_setup() -> (Catalog, Model, Workload, Economics) {
    tests::setup()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use gpuplan_core::catalog;

    pub(super) fn setup() -> (Catalog, Model, Workload, Economics) {
        let cat = catalog::load().unwrap();
        let s = Scenario::default();
        let arch = cat.model(&s.preset).unwrap().arch().unwrap();
        let model = Model::new(arch);
        let w = s.workload(80_000_000_000).unwrap();
        let e = s.cost.check(cat.fx.cny_per_usd, w.engine).unwrap();
        (cat, model, w, e)
    }

    #[test]
    fn the_workers_planner_answer_reads_the_scenario_from_its_link() {
        let data = crate::data::load();
        let mut s = Scenario::default();
        let p = data.catalog.profiles.iter().find(|p| p.id == "startup-inference").unwrap();
        apply_profile(&mut s, p);
        let nf = crate::fmt::NumFmt::default();
        let v = planner_answer(&data, &s.to_params(), crate::i18n::Lang::En, nf);
        let choices = v.get("choices").and_then(|c| c.as_array()).unwrap();
        assert!(choices.len() >= 3, "{v}");
        // The same plans the page would compute from the scenario itself.
        let m = crate::derive::build_model(&data, &crate::derive::model_key(&s), &s).unwrap();
        let card = crate::derive::card_of(&data, &s).unwrap();
        let w = s.workload(card.spec.memory_bytes).unwrap();
        let e = s.cost.check(data.catalog.fx.cny_per_usd, s.engine).unwrap();
        let direct = plans(&m.model, &w, &data.catalog, None, &e);
        assert_eq!(choices.len(), direct.len());
        for (c, d) in choices.iter().zip(&direct) {
            assert_eq!((c[0].as_str(), c[1].as_u64(), c[2].as_str()), (Some(d.gpu_id.as_str()), Some(d.count), Some(d.format.name())));
        }
        let html = v.get("html").and_then(|h| h.as_str()).unwrap();
        assert!(html.contains("data-testid=\"plans\"") && html.contains("data-plan=\"0\""), "{html}");
        // A scenario with an error gives an empty table.
        s.context = "-5".into();
        let v = planner_answer(&data, &s.to_params(), crate::i18n::Lang::En, nf);
        assert_eq!(v.get("choices").and_then(|c| c.as_array()).map(Vec::len), Some(0));
    }

    #[test]
    fn speed_and_cost_of_the_default_scenario() {
        let (cat, model, w, e) = setup();
        let est = gpuplan_core::estimate(&model, &w).unwrap();
        let gpu = cat.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let x = econ(&model, &w, &est, gpu, &e);
        assert!(x.speed.decode_tokens_per_s_per_seq > 10.0 && x.speed.decode_tokens_per_s_per_seq < 1000.0, "{}", x.speed.decode_tokens_per_s_per_seq);
        assert!(x.cost.own_total_usd.unwrap() > x.cost.purchase_usd.unwrap());
        assert!(x.usd_per_mtok_rent.unwrap() > 0.0);
        assert!(x.train.is_none());
    }

    #[test]
    fn cost_lines_rise_with_cards_and_mark_the_minimum() {
        let (cat, model, w, e) = setup();
        let by = required_by_count(&model, &w);
        let gpu = cat.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let s = cost_series(gpu, &cat.gpus, &by, &e, "own", "rent");
        assert!(s.len() >= 4, "{}", s.len());
        assert!(s[0].label.contains("H100") && s[0].label.ends_with("own"));
        for line in &s {
            assert!(line.points.windows(2).all(|p| p[1].1 >= p[0].1), "{}", line.label);
            assert!(line.min_count.is_some());
        }
        let svg = crate::charts::cost_chart(&s, "t", "x", "y", &|y| format!("{y:.0}"));
        assert!(svg.contains("<circle"));
    }

    #[test]
    fn plans_fit_and_training_has_a_run_cost() {
        let (cat, model, w, e) = setup();
        let p = plans(&model, &w, &cat, None, &e);
        assert!(!p.is_empty());
        assert!(p.iter().all(|p| p.fits && p.per_gpu_bytes <= p.gpu_memory_bytes));
        assert!(p.windows(2).all(|x| x[0].ranked_usd <= x[1].ranked_usd));

        let mut s = Scenario::default();
        let prof = cat.profiles.iter().find(|p| p.mode == "qlora").unwrap().clone();
        apply_profile(&mut s, &prof);
        assert_eq!((s.preset.as_str(), s.gpu.as_str()), (prof.model.as_str(), prof.gpu.as_str()));
        let arch = cat.model(&s.preset).unwrap().arch().unwrap();
        let model = Model::new(arch);
        let w = s.workload(cat.gpu(&s.gpu).unwrap().memory_bytes).unwrap();
        let e = s.cost.check(7.1, w.engine).unwrap();
        let est = gpuplan_core::estimate(&model, &w).unwrap();
        let x = econ(&model, &w, &est, cat.gpu(&s.gpu).unwrap(), &e);
        assert!(x.train.as_ref().unwrap().gpu_hours > 0.0);
        assert!(x.run.as_ref().unwrap().energy_usd > 0.0);
    }

    #[test]
    fn bad_cost_fields_are_named_with_their_range() {
        let mut s = Scenario::default();
        s.cost.pue = "0.5".into();
        s.cost.years = "abc".into();
        s.cost.mbu = "2".into();
        let errs = s.cost.check(7.1, gpuplan_core::Engine::Hf).unwrap_err();
        let ids: Vec<&str> = errs.iter().map(|e| e.field.id()).collect();
        assert_eq!(ids, ["years", "pue", "mbu"]);
        assert_eq!(errs[1].msg, crate::scenario::Msg::Range("1–3".into()));
        // Round trip through the URL.
        s.cost.rent = true;
        s.cost.target = "1500".into();
        let (back, bad) = Scenario::from_params(&s.to_params());
        assert!(bad.is_empty());
        assert_eq!(back.cost, s.cost);
    }
}
#[cfg(test)]
mod timing_probe {
    #[test]
    fn probe() {
        let (cat, model, w, e) = super::tests_setup();
        let by = super::required_by_count(&model, &w);
        let gpu = cat.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let t = std::time::Instant::now();
        for _ in 0..20 { let s = super::cost_series(gpu, &cat.gpus, &by, &e, "own", "rent"); std::hint::black_box(s); }
        eprintln!("series {:?}", t.elapsed() / 20);
        let s = super::cost_series(gpu, &cat.gpus, &by, &e, "own", "rent");
        let t = std::time::Instant::now();
        for _ in 0..20 { std::hint::black_box(crate::charts::cost_chart(&s, "t", "x", "y", &|y| format!("{y:.0}"))); }
        eprintln!("chart {:?}", t.elapsed() / 20);
    }
}
