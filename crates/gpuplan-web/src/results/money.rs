//! Speed, money and plans: the core's `throughput`, `cost` and `plan` applied to the scenario's
//! model and workload.

use gpuplan_core::catalog::{Catalog, Gpu};
use gpuplan_core::cost::{self, Cost, RunCost};
use gpuplan_core::memory::{Estimate, Model, Workload};
use gpuplan_core::plan::{self, Plan};
use gpuplan_core::throughput::{self, Speed, TrainTime};

use super::memory::{min_count, Need, COUNTS};
use crate::inputs::CostSettings;

/// Speed and cost of the scenario on its card.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeedAndCost {
    pub speed: Speed,
    /// Training modes: time of a run of `CostSettings::train_tokens`.
    pub train: Option<TrainTime>,
    pub run: Option<RunCost>,
    pub cost: Cost,
    /// Inference: USD per million generated tokens, owned (TCO per busy hour) and rented.
    pub usd_per_mtok_own: Option<f64>,
    pub usd_per_mtok_rent: Option<f64>,
}

pub fn speed_and_cost(model: &Model, w: &Workload, est: &Estimate, gpu: &Gpu, e: &CostSettings) -> SpeedAndCost {
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
    SpeedAndCost { speed, train, run, cost, usd_per_mtok_own: own, usd_per_mtok_rent: rent }
}


/// One line of the cost chart.
#[derive(Clone, Debug, PartialEq)]
pub struct CostLine {
    pub label: String,
    /// Index into the chart's palette.
    pub color: usize,
    pub dashed: bool,
    /// (cards, USD)
    pub points: Vec<(u64, f64)>,
    /// The fewest cards that fit, marked with a dot.
    pub min_count: Option<u64>,
}

/// The cost-vs-cards chart: own (solid) and rent (dashed) totals over the horizon for the chosen
/// card and the three priced cards that are cheapest to own at their fewest fitting count, each
/// from 1 to 64 cards, with that count marked.
pub fn cost_series(chosen: &Gpu, catalog: &[Gpu], by_count: &[(u64, Option<Need>)], e: &CostSettings, own: &str, rent: &str) -> Vec<CostLine> {
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
            out.push(CostLine { label: format!("{short} {own}"), color: i, dashed: false, points: o, min_count: min });
        }
        let r = pts(&|c| c.rent_total_usd);
        if !r.is_empty() {
            out.push(CostLine { label: format!("{short} {rent}"), color: i, dashed: true, points: r, min_count: min });
        }
    }
    out
}

/// A card's name without its parenthesised detail.
pub fn short_name(name: &str) -> String {
    name.split(" (").next().unwrap_or(name).chars().take(28).collect()
}

/// The cheapest plans over the catalog (plus the user's own card when it is the chosen one).
pub fn plans(model: &Model, w: &Workload, catalog: &Catalog, custom: Option<Gpu>, e: &CostSettings) -> Vec<Plan> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{apply_profile, Scenario};
    use crate::results::memory::required_by_count;
    use gpuplan_core::catalog;

    fn setup() -> (Catalog, Model, Workload, CostSettings) {
        let cat = catalog::load().unwrap();
        let s = Scenario::default();
        let arch = cat.model(&s.preset).unwrap().arch().unwrap();
        let model = Model::new(arch);
        let w = s.workload(80_000_000_000).unwrap();
        let e = s.cost_settings(cat.fx.cny_per_usd).unwrap();
        (cat, model, w, e)
    }

    #[test]
    fn speed_and_cost_of_the_default_scenario() {
        let (cat, model, w, e) = setup();
        let est = gpuplan_core::estimate(&model, &w).unwrap();
        let gpu = cat.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let x = speed_and_cost(&model, &w, &est, gpu, &e);
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
        let e = s.cost_settings(7.1).unwrap();
        let est = gpuplan_core::estimate(&model, &w).unwrap();
        let x = speed_and_cost(&model, &w, &est, cat.gpu(&s.gpu).unwrap(), &e);
        assert!(x.train.as_ref().unwrap().gpu_hours > 0.0);
        assert!(x.run.as_ref().unwrap().energy_usd > 0.0);
    }

    #[test]
    fn bad_cost_fields_are_named_with_their_range() {
        let mut s = Scenario::default();
        s.cost.pue = "0.5".into();
        s.cost.years = "abc".into();
        s.cost.mbu = "2".into();
        let errs = s.cost_settings(7.1).unwrap_err();
        let ids: Vec<&str> = errs.iter().map(|e| e.field.id()).collect();
        assert_eq!(ids, ["years", "pue", "mbu"]);
        assert_eq!(errs[1].msg, crate::inputs::Msg::Range("1–3".into()));
        // Round trip through the URL.
        s.cost.rent = true;
        s.cost.target = "1500".into();
        let (back, bad) = Scenario::from_params(&s.to_params());
        assert!(bad.is_empty());
        assert_eq!(back.cost, s.cost);
    }
}
