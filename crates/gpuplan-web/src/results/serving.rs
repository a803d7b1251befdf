//! Sizing to a latency target (issue 14 §3) and options side by side (§5), as
//! `gpuplan plan --ttft-ms --tpot-ms --rps|--users [--prompt-cache-share]` and `gpuplan compare
//! --option …` compute them: the core's `serving::size_catalog`/`curve` and `compare::compare`.
//! Computed in the worker.

use gpuplan_core::compare::{compare, parse_option, Compared};
use gpuplan_core::memory::Workload;
use gpuplan_core::serving::{continuous_batching, curve, size_catalog, Load, Point, Sizing, Target};
use gpuplan_core::Engine;

use crate::catalog::Data;
use crate::i18n::{Lang, Phrase};
use crate::inputs::validate::{decimal, msg_text, whole};
use crate::inputs::{Field, FieldError, ServingKey};
use crate::results::resolve::Resolved;

/// Batches of the throughput–latency chart.
pub const CURVE_BATCHES: [u64; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
/// Cards drawn on the chart: the cheapest per million tokens that meet the target.
pub const CHART_CARDS: usize = 4;

pub struct SizingRun {
    pub target: Target,
    /// Every card that holds the model, cheapest per million tokens (owned) first; those
    /// meeting the target before those that do not.
    pub rows: Vec<Sizing>,
    /// Per charted card: its name, cards per replica and its curve.
    pub curves: Vec<(String, u64, Vec<Point>)>,
    /// Milliseconds of the sizing over the catalog alone (`size_catalog`, by the `now` given
    /// to [`sizing`]; the chart's curves not counted): the benchmark's figure.
    pub planner_ms: f64,
}

fn field_err(lang: Lang, e: FieldError) -> String {
    let label = crate::inputs::scenario::input(e.field).map_or("", |i| lang.t(i.label));
    format!("{label}: {}", msg_text(lang, &e.msg))
}

/// The target of the scenario; `None` until both latency targets are given.
pub fn target(x: &Resolved, lang: Lang) -> Result<Option<Target>, String> {
    let s = &x.scenario;
    let num = |k: ServingKey| decimal(s, Field::Serving(k)).map_err(|e| field_err(lang, e));
    let (Some(ttft), Some(tpot)) = (num(ServingKey::Ttft)?, num(ServingKey::Tpot)?) else { return Ok(None) };
    let load = match num(ServingKey::Rps)? {
        Some(r) => Load::Rps(r),
        None => Load::Users(whole(s, Field::Users).map_err(|e| field_err(lang, e))?.unwrap_or(1).max(1)),
    };
    let share = num(ServingKey::CacheShare)?.unwrap_or(0.0);
    Ok(Some(Target { ttft_s: ttft / 1e3, tpot_s: tpot / 1e3, load, prompt_cache_share: share }))
}

/// The serving workload: an engine without continuous batching is taken as vLLM, as `plan`
/// does.
fn serving_workload(x: &Resolved) -> Workload {
    let mut w = x.workload.clone();
    if !continuous_batching(w.engine) {
        w.engine = Engine::Vllm;
    }
    w
}

/// The sizing over the catalog and the chart's curves; `None` without a target.
pub fn sizing(data: &Data, x: &Resolved, lang: Lang, now: &dyn Fn() -> f64) -> Result<Option<SizingRun>, String> {
    let Some(t) = target(x, lang)? else { return Ok(None) };
    let e = x.scenario.cost_settings(data.catalog.fx.cny_per_usd).map_err(|es| es.into_iter().next().map(|e| field_err(lang, e)).unwrap_or_default())?;
    let w = serving_workload(x);
    let t0 = now();
    let mut rows = size_catalog(&x.model.model, &w, &data.catalog, &e.eff, &t, &e.cost);
    let planner_ms = now() - t0;
    let key = |s: &Sizing| (s.best.is_none(), s.usd_per_million_own.unwrap_or(f64::INFINITY));
    rows.sort_by(|a, b| key(a).0.cmp(&key(b).0).then(key(a).1.total_cmp(&key(b).1)));
    let curves = rows
        .iter()
        .filter(|s| s.best.is_some())
        .take(CHART_CARDS)
        .filter_map(|s| {
            let g = data.catalog.gpu(&s.gpu_id)?;
            Some((g.name.clone(), s.cards_per_replica, curve(&x.model.model, &w, g, s.cards_per_replica, &e.eff, &t, &CURVE_BATCHES)))
        })
        .collect();
    Ok(Some(SizingRun { target: t, rows, curves, planner_ms }))
}

/// The pinned options compared at the scenario's target (its TTFT and TPOT; 2 s and 50 ms
/// when not given, `gpuplan compare`'s defaults).
pub fn compared(data: &Data, x: &Resolved, lang: Lang) -> Result<Vec<Compared>, String> {
    let pinned = &x.scenario.serving.pinned;
    if pinned.is_empty() {
        return Ok(Vec::new());
    }
    let mut options = Vec::new();
    let named = gpuplan_core::compare::preset(ARTICLES_PRESET, &data.catalog).unwrap_or_default();
    for p in pinned {
        let mut o = parse_option(p, &data.catalog).map_err(|e| format!("{}: {}", lang.t(Phrase::Pinned), e.message))?;
        // An option of the articles' preset keeps its name ("8x A800 owned (…)").
        if let Some(n) = named.iter().find(|n| n.parts == o.parts) {
            o.label = n.label.clone();
        }
        options.push(o);
    }
    let e = x.scenario.cost_settings(data.catalog.fx.cny_per_usd).map_err(|es| es.into_iter().next().map(|e| field_err(lang, e)).unwrap_or_default())?;
    let t = target(x, lang)?.unwrap_or(Target { ttft_s: COMPARE_TTFT_S, tpot_s: COMPARE_TPOT_S, load: Load::Users(1), prompt_cache_share: 0.0 });
    compare(&x.model.model, &serving_workload(x), &data.catalog, &options, &t, &e.cost, &e.eff).map_err(|e| format!("{}: {}", e.field, e.message))
}

/// `gpuplan compare`'s default targets when the page has none: `--ttft-ms 2000 --tpot-ms 50`
/// (`crates/gpuplan-cli/src/compare_cmd.rs`).
pub const COMPARE_TTFT_S: f64 = 2.0;
pub const COMPARE_TPOT_S: f64 = 0.05;

/// The option spec of the scenario as it stands (`CARD:COUNT:FORMAT:ENGINE:own|rent`).
pub fn spec_of(s: &crate::inputs::Scenario, rent: bool) -> String {
    let engine = if continuous_batching(s.engine) { s.engine } else { Engine::Vllm };
    format!("{}:{}:{}:{}:{}", s.gpu, s.gpus.trim(), s.weights.name(), engine.name(), if rent { "rent" } else { "own" })
}

/// The options preset the compare panel loads: the source articles' four options for a 70B
/// model (`gpuplan compare --preset-options articles-70b`).
pub const ARTICLES_PRESET: &str = "articles-70b";

/// The options of the core's preset `id` (`compare::preset`) as pinned specs
/// (`CARD:COUNT:FORMAT:ENGINE:…`, the form `parse_option` reads), joined by `~` as in the link:
/// the worker's answer to the page's "load the articles' options" button.
pub fn preset_specs(data: &Data, id: &str) -> String {
    let Ok(options) = gpuplan_core::compare::preset(id, &data.catalog) else { return String::new() };
    // `preset` labels each option "NAME (SPEC)".
    let specs: Vec<&str> = options.iter().filter_map(|o| o.label.rsplit_once(" (")?.1.strip_suffix(')')).collect();
    specs.join("~")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The four options the button pins are the core preset's, each read back to the same parts.
    #[test]
    fn the_articles_preset_pins_its_four_options() {
        let data = crate::catalog::load();
        let joined = preset_specs(&data, ARTICLES_PRESET);
        let specs: Vec<&str> = joined.split('~').collect();
        let core = gpuplan_core::compare::preset(ARTICLES_PRESET, &data.catalog).unwrap();
        assert_eq!(specs.len(), 4);
        for (s, o) in specs.iter().zip(&core) {
            assert_eq!(parse_option(s, &data.catalog).unwrap().parts, o.parts, "{s}");
        }
        // Through the link and back, as the page keeps them.
        let sc = crate::inputs::Scenario { serving: crate::inputs::ServingFields { pinned: specs.iter().map(|s| s.to_string()).collect(), ..Default::default() }, ..Default::default() };
        assert_eq!(crate::inputs::Scenario::from_params(&sc.to_params()).0.serving.pinned, sc.serving.pinned);
        assert_eq!(preset_specs(&data, "no-such-preset"), "");
    }
}
