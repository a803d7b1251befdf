//! Panels the worker writes for the page, one generic path: the page sends the scenario in its
//! link form, a panel id and the panel's own argument (a sort order, a chosen context, the
//! pinned options); the worker answers the panel's HTML/SVG, written in `report/` with
//! `html::Html` (charts with plotters), and the page only sets it into the panel's slot
//! (`view::worker_panel`). A new panel costs the page a slot and a request — a few hundred
//! bytes — and its computation, words and chart code live here, loaded on first use.
//!
//! Every answer is pure and tested on the host. A scenario with errors answers an empty
//! panel (the page shows the errors next to their fields).

use crate::catalog::Data;
use crate::i18n::{tw, Lang, Phrase, Worded};
use crate::numbers::NumFmt;
use crate::report;
use crate::results::memory::{fit_rows, required_by_count, sort_rows, SortKey};
use crate::results::money::cost_series;
use crate::results::resolve::{from_link, Resolved};

/// The panels the worker writes, by the id the page asks for.
pub const PANELS: [&str; 6] = [COST_CHART, FIT_ROWS, CARD_SOURCES, LLAMA, SIZING, COMPARE];
/// The cost-vs-cards chart (SVG).
pub const COST_CHART: &str = "cost-chart";
/// The every-card table's rows (`<tr>…`), sorted as `arg` says: `"{key code},{1 if descending}"`.
pub const FIT_ROWS: &str = "fit-rows";

/// A catalog card's sources (`report::card_info::card_sources`); `arg` is the card's id (the
/// page's catalog does not carry these texts).
pub const CARD_SOURCES: &str = "card-sources";

/// "On my card(s) and my RAM": llama.cpp's split, tokens/s, largest context and bars per
/// device and host (`report::llama`).
pub const LLAMA: &str = "llama";

/// Sizing to a latency target: per card the replicas that meet it, and the throughput–latency
/// chart (`report::serving::sizing`).
pub const SIZING: &str = "sizing";
/// The pinned options side by side with their chart (`report::serving::compared`).
pub const COMPARE: &str = "compare";

/// The panel `panel` for the scenario `params` in the reader's language and number format;
/// empty for an unknown panel or a scenario with errors.
pub fn panel_answer(data: &Data, panel: &str, params: &str, arg: &str, lang: Lang, nf: NumFmt) -> String {
    panel_answer_timed(data, panel, params, arg, lang, nf, &|| 0.0).0
}

/// A benchmark figure of an answer: its name (`window.__gpuplan[name]` on the page) and the
/// milliseconds of the core's computation alone (not the writing of the HTML).
pub type Timed = Option<(&'static str, f64)>;

/// [`panel_answer`], with the core's computation timed by `now` (milliseconds): the offload
/// search over the catalog of the every-card table (`offloadMs`), the llama.cpp run
/// (`llamaMs`) and the sizing over the catalog (`sizingMs`; its chart's curves not counted).
pub fn panel_answer_timed(data: &Data, panel: &str, params: &str, arg: &str, lang: Lang, nf: NumFmt, now: &dyn Fn() -> f64) -> (String, Timed) {
    if panel == CARD_SOURCES {
        return (data.card(arg).map(|i| report::card_info::card_sources(lang, nf, &data.catalog.gpus[i])).unwrap_or_default(), None);
    }
    let Some(x) = from_link(data, params) else { return (String::new(), None) };
    let t0 = now();
    let ms = |name: &'static str| Some((name, now() - t0));
    match panel {
        COST_CHART => (cost_chart(data, &x, lang, nf), None),
        FIT_ROWS => fit_table_rows(data, &x, arg, lang, nf, now),
        SIZING => {
            let run = crate::results::serving::sizing(data, &x, lang, now);
            // The planner's own time; the chart's curves after it are not counted.
            let timed = run.as_ref().ok().and_then(Option::as_ref).map(|r| ("sizingMs", r.planner_ms));
            let names = |id: &str| data.catalog.gpu(id).map_or_else(|| id.to_string(), |g| g.name.clone());
            (report::serving::sizing(lang, nf, run.as_ref().map(Option::as_ref).map_err(String::as_str), &names), timed)
        }
        COMPARE => {
            let rows = crate::results::serving::compared(data, &x, lang);
            let years = x.scenario.cost_settings(data.catalog.fx.cny_per_usd).map_or(4.0, |e| e.cost.years);
            (report::serving::compared(lang, nf, rows.as_deref().map_err(String::as_str), years), None)
        }
        LLAMA => {
            let run = crate::results::llama::run(data, &x);
            let timed = ms("llamaMs");
            match run {
                Ok(run) => (report::llama::panel(lang, nf, Ok(&run)), timed),
                Err(e) => (field_answer(lang, &e), timed),
            }
        }
        _ => (String::new(), None),
    }
}

/// An answer that is inputs' errors: the page shows each message under its field (as it
/// shows its own checks), keeping what was typed, and leaves the panel empty. Written
/// `"\u{1}{id}\u{1}{msg}"` per error: no panel's HTML starts with that byte.
pub fn field_answer(lang: Lang, errs: &[crate::inputs::FieldError]) -> String {
    errs.iter().map(|e| format!("\u{1}{}\u{1}{}", e.field.id(), crate::inputs::validate::msg_text(lang, &e.msg))).collect()
}

/// Reads [`field_answer`] back (in the page): each field's id and its message; nothing for
/// a panel's HTML.
pub fn read_field_answer(answer: &str) -> Vec<(&str, &str)> {
    let Some(rest) = answer.strip_prefix('\u{1}') else { return Vec::new() };
    let parts: Vec<&str> = rest.split('\u{1}').collect();
    parts.chunks(2).filter_map(|p| Some((p[0], *p.get(1)?))).collect()
}

/// The cost of 1–64 cards of the chosen kind and of the catalog's others, own and rented.
fn cost_chart(data: &Data, x: &Resolved, lang: Lang, nf: NumFmt) -> String {
    let Ok(e) = x.scenario.cost_settings(data.catalog.fx.cny_per_usd) else { return String::new() };
    let by_count = required_by_count(&x.model.model, &x.workload);
    let series = cost_series(&x.card.gpu, &data.catalog.gpus, &by_count, &e, lang.t(Phrase::Own), lang.t(Phrase::Rent));
    report::charts::cost_chart(&series, lang.t(Phrase::ChartCost), tw(lang, Worded::ChartCostAxisX), tw(lang, Worded::ChartCostAxisY), &|y| nf.usd(y))
}

/// The every-card table's body: each card's fit at the scenario's count, cards needed,
/// headroom and price, sorted by `arg` (`"{key code},{1 if descending}"`).
fn fit_table_rows(data: &Data, x: &Resolved, arg: &str, lang: Lang, nf: NumFmt, now: &dyn Fn() -> f64) -> (String, Timed) {
    let (code, desc) = arg.split_once(',').unwrap_or((arg, "0"));
    let key = SortKey::from_code(code).unwrap_or(SortKey::CardsNeeded);
    let specs = &data.specs;
    let mut rows = fit_rows(specs, &required_by_count(&x.model.model, &x.workload), x.workload.gpus);
    sort_rows(&mut rows, specs, key, desc == "1");
    // The llama.cpp columns apply to inference (llama.cpp does not train).
    let t0 = now();
    let offload = if x.workload.mode == gpuplan_core::memory::Mode::Inference { crate::results::llama::per_card(data, x) } else { Vec::new() };
    let timed = Some(("offloadMs", now() - t0));
    (report::fit_table::rows(lang, nf, specs, &rows, &x.scenario.gpu, &offload), timed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::Scenario;
    use crate::results::card::chosen_card;
    use crate::results::memory::Outcome;
    use crate::results::model::{build_model, model_key};

    fn page_outcome(data: &Data, s: &Scenario) -> Outcome {
        let m = build_model(data, &model_key(s), s).unwrap();
        let card = chosen_card(data, s).unwrap();
        let w = crate::results::card::workload_on(s, &card).unwrap();
        Outcome::compute(&m, &w, &card.spec, s).unwrap()
    }

    #[test]
    fn the_fit_rows_are_the_pages_table_in_the_asked_order() {
        let data = crate::catalog::load();
        let s = Scenario::default();
        let o = page_outcome(&data, &s);
        for (key, desc) in [(SortKey::CardsNeeded, false), (SortKey::Price, true), (SortKey::Name, false)] {
            let arg = format!("{},{}", key.code(), u8::from(desc));
            let got = panel_answer(&data, FIT_ROWS, &s.to_params(), &arg, Lang::En, NumFmt::default());
            let mut rows = fit_rows(&data.specs, &o.by_count, o.workload.gpus);
            sort_rows(&mut rows, &data.specs, key, desc);
            let offload = crate::results::llama::per_card(&data, &from_link(&data, &s.to_params()).unwrap());
            assert_eq!(offload.len(), data.specs.len());
            assert!(offload.iter().any(|o| o.is_some_and(|o| o.fits && o.max_ctx > 0)));
            assert_eq!(got, report::fit_table::rows(Lang::En, NumFmt::default(), &data.specs, &rows, &s.gpu, &offload));
            assert_eq!(got.matches("<tr").count(), data.specs.len());
        }
    }

    #[test]
    fn the_cost_chart_is_the_pages_series_drawn() {
        let data = crate::catalog::load();
        let s = Scenario::default();
        let svg = panel_answer(&data, COST_CHART, &s.to_params(), "", Lang::ZhHans, NumFmt::default());
        assert!(svg.starts_with("<svg") && svg.contains("<circle") && svg.contains(Lang::ZhHans.t(Phrase::Rent)), "{}", &svg[..svg.len().min(200)]);
    }

    #[test]
    fn the_card_sources_are_the_card_infos_texts() {
        let data = crate::catalog::load();
        for g in &data.catalog.gpus {
            let got = panel_answer(&data, CARD_SOURCES, "", &g.id, Lang::En, NumFmt::default());
            assert!(got.contains("data-testid=\"memory-source\"") && got.contains(&crate::html::escape(&g.source)), "{}", g.id);
            assert!(report::card_info::card_info(Lang::En, NumFmt::default(), g).contains(&got), "{}", g.id);
        }
        assert_eq!(panel_answer(&data, CARD_SOURCES, "", "no-such-card", Lang::En, NumFmt::default()), "");
    }

    /// Issue 13's case: Qwen3-30B-A3B at q4_k_m on a 12 GB card with 32 GiB of DDR5: part of
    /// it in system RAM, a split, tokens/s and a largest context that the panel shows.
    #[test]
    fn the_llama_panel_shows_the_split_speed_and_largest_context() {
        let data = crate::catalog::load();
        let mut s = Scenario { preset: "qwen3-30b-a3b".into(), ..Scenario::default() };
        s.set_weights(gpuplan_core::formats::WeightFormat::parse("q4_k_m", false).unwrap());
        s.gpu = "nvidia-rtx-3060-12gb".into();
        s.llama.host_ram = "32".into();
        s.llama.host = "ddr5-5600-2ch".into();
        let x = from_link(&data, &s.to_params()).unwrap();
        let run = crate::results::llama::run(&data, &x).unwrap();
        let r = &run.report;
        assert!(r.acc.n_gpu_layers < run.n_layer + 1 || r.params.n_cpu_moe > 0, "does not fit whole on 12 GB: {:?}", r.params);
        assert!(r.fits.iter().all(|f| *f) && r.host_fits);
        assert!(r.tokens_per_s > 0.0 && r.max_ctx > 0);
        let html = panel_answer(&data, LLAMA, &s.to_params(), "", Lang::En, NumFmt::default());
        assert!(html.contains("data-testid=\"llama-split\"") && html.contains("tokens/s") && html.contains("data-testid=\"llama-host\""), "{html}");
        assert!(html.contains(&format!("data-max-ctx=\"{}\"", r.max_ctx)));
        // A 3090 + 4090 pair: one bar per card.
        s.gpu = "nvidia-rtx-3090".into();
        s.llama.gpu2 = "nvidia-rtx-4090".into();
        let html = panel_answer(&data, LLAMA, &s.to_params(), "", Lang::En, NumFmt::default());
        assert_eq!(html.matches("data-testid=\"llama-device\"").count(), 2, "{html}");
        // A wrong input is named, not a panic: the answer places the message under its field.
        s.llama.gpu2 = "no-such-card".into();
        let html = panel_answer(&data, LLAMA, &s.to_params(), "", Lang::En, NumFmt::default());
        let errs = read_field_answer(&html);
        assert_eq!(errs.len(), 1, "{html}");
        let (id, msg) = errs[0];
        assert_eq!(id, "gpu2");
        assert!(msg.contains("--gpu") && msg.contains("no-such-card"), "{msg}");
        // Several at once, each under its own field; -ngl against the model's layers.
        s.llama.layers = "999".into();
        s.llama.tensor_split = "1,2,3".into();
        let html = panel_answer(&data, LLAMA, &s.to_params(), "", Lang::En, NumFmt::default());
        let ids: Vec<&str> = read_field_answer(&html).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["gpu2", "ll-gpu-layers", "tensor-split"], "{html}");
        s.llama.layers.clear();
        s.llama.tensor_split.clear();
        assert!(read_field_answer("<div class=\"llama\">").is_empty());
        // Too little RAM is found by the run (the core names --host-ram-gb), and placed so.
        s.llama.gpu2.clear();
        s.gpu = "nvidia-rtx-3060-12gb".into();
        s.llama.host_ram = "1".into();
        let html = panel_answer(&data, LLAMA, &s.to_params(), "", Lang::En, NumFmt::default());
        let errs = read_field_answer(&html);
        let (id, msg) = *errs.first().unwrap_or_else(|| panic!("{html}"));
        assert_eq!(id, "host-ram");
        assert!(msg.starts_with("--host-ram-gb:"), "{msg}");
    }

    /// A Mac: the wired limit, and the limit given against macOS's default.
    #[test]
    fn the_llama_panel_on_a_mac_shows_what_raising_the_wired_limit_changes() {
        let data = crate::catalog::load();
        let mut s = Scenario { preset: "qwen3-30b-a3b".into(), gpu: "apple-m4-pro-24gb".into(), ..Scenario::default() };
        let html = panel_answer(&data, LLAMA, &s.to_params(), "", Lang::En, NumFmt::default());
        assert!(html.contains("data-testid=\"wired-limit\"") && html.contains("iogpu.wired_limit_mb"), "{html}");
        s.llama.wired_mb = "20000".into();
        let html = panel_answer(&data, LLAMA, &s.to_params(), "", Lang::En, NumFmt::default());
        assert!(html.contains("<table class=\"wired\"") && html.contains("macOS default limit"), "{html}");
    }

    /// Issue 14: a target-driven sizing with its chart, and four pinned options compared.
    #[test]
    fn sizing_to_a_target_and_four_pinned_options() {
        let data = crate::catalog::load();
        let mut s = Scenario { preset: "llama-3.1-8b".into(), ..Scenario::default() };
        let hint = panel_answer(&data, SIZING, &s.to_params(), "", Lang::En, NumFmt::default());
        assert!(hint.contains("class=\"hint\"") && !hint.contains("<table"), "{hint}");
        s.serving.ttft_ms = "2000".into();
        s.serving.tpot_ms = "50".into();
        s.serving.rps = "5".into();
        let x = from_link(&data, &s.to_params()).unwrap();
        let run = crate::results::serving::sizing(&data, &x, Lang::En, &|| 0.0).unwrap().unwrap();
        assert!(run.rows.iter().any(|r| r.best.is_some_and(|p| p.tpot_s <= 0.05 && p.ttft_s <= 2.0)));
        assert!(!run.curves.is_empty() && run.curves.iter().all(|c| !c.2.is_empty()));
        let html = panel_answer(&data, SIZING, &s.to_params(), "", Lang::En, NumFmt::default());
        assert!(html.contains("data-testid=\"sizing\"") && html.contains("data-testid=\"chart-latency\"><svg") && html.contains("TPOT 50 ms"), "{}", &html[..html.len().min(400)]);
        // An impossible TPOT names the failed target.
        s.serving.tpot_ms = "0.1".into();
        let html = panel_answer(&data, SIZING, &s.to_params(), "", Lang::En, NumFmt::default());
        assert!(html.contains("data-failed=\"tpot\""), "{}", &html[..html.len().min(400)]);
        s.serving.tpot_ms = "50".into();
        s.serving.pinned = vec![
            "nvidia-h100-sxm5-80gb:1:bf16:vllm:own".into(),
            "nvidia-rtx-4090:2:bf16:vllm:own".into(),
            "nvidia-h100-sxm5-80gb:1:bf16:vllm:rent".into(),
            "nvidia-a100-sxm-80gb:1:int8:vllm:own".into(),
        ];
        let x = from_link(&data, &s.to_params()).unwrap();
        assert_eq!(x.scenario.serving.pinned.len(), 4, "the link keeps the four options");
        let rows = crate::results::serving::compared(&data, &x, Lang::En).unwrap();
        assert_eq!(rows.len(), 4);
        let html = panel_answer(&data, COMPARE, &s.to_params(), "", Lang::En, NumFmt::default());
        assert_eq!(html.matches("<tr class=").count(), 4, "{html}");
        assert!(html.contains("data-testid=\"chart-compare\"><svg"));
        // An option that cannot hold the model has no bar (not a $0 one).
        s.serving.pinned = vec!["nvidia-h100-sxm5-80gb:1:bf16:vllm:own".into(), "nvidia-rtx-3060-12gb:1:bf16:vllm:own".into()];
        let x = from_link(&data, &s.to_params()).unwrap();
        let rows = crate::results::serving::compared(&data, &x, Lang::En).unwrap();
        assert!(rows[0].fits && !rows[1].fits, "{:?}", rows.iter().map(|r| r.fits).collect::<Vec<_>>());
        let html = panel_answer(&data, COMPARE, &s.to_params(), "", Lang::En, NumFmt::default());
        assert!(html.contains(">#1</text>") && !html.contains(">#2</text>"), "{html}");
    }

    #[test]
    fn unknown_panels_and_bad_scenarios_answer_nothing() {
        let data = crate::catalog::load();
        let mut s = Scenario::default();
        assert_eq!(panel_answer(&data, "no-such-panel", &s.to_params(), "", Lang::En, NumFmt::default()), "");
        s.context = "-5".into();
        for p in [COST_CHART, FIT_ROWS] {
            assert_eq!(panel_answer(&data, p, &s.to_params(), "", Lang::En, NumFmt::default()), "", "{p}");
        }
    }
}
