//! The results panel: what the scenario needs and whether it fits, the memory-vs-format and
//! cost-vs-cards charts, speed and cost, then the planner, the every-card table and exports.

use leptos::prelude::*;

use super::context::Page;
use super::fit_table::{exports, fit_table};
use super::llama_panel::llama_panel;
use super::planner::planner;
use super::serving_panel::serving_panel;
use super::widgets::chart_block;
use crate::html;
use crate::i18n::Phrase;
use crate::platform;
use crate::report::charts;
use crate::report::speed_cost::speed_cost;
use crate::report::verdict::{breakdown, notes, verdict};
use crate::results::memory::SortKey;
use crate::worker::panels;
use super::worker_panel::{seen, worker_panel};

/// The results: the verdict, the breakdown, the notes, the charts, speed and cost, the
/// planner, the every-card table and the exports.
pub fn results_panel(c: Page) -> impl IntoView {
    let sort = RwSignal::new((SortKey::CardsNeeded, false));
    view! {
        <div class="slot" inner_html=move || {
            let lang = c.lang.get();
            match c.outcome.with(|o| o.as_ref().map(|o| o.stale)) {
                Some(false) => String::new(),
                // "until the marked field is fixed": only when a field is marked (not while the
                // worker reads a config, nor on an untouched file tab).
                Some(true) if c.errors.with(|e| !e.is_empty()) => html::paragraph("stale", true, lang.t(Phrase::StaleResult)),
                Some(true) => String::new(),
                None => html::paragraph("stale", true, lang.t(Phrase::NoResult)),
            }
        }></div>
        <div class="slot" inner_html=move || { let lang = c.lang.get(); c.outcome.with(|o| o.as_ref().map(|o| verdict(lang, c.nf(), o))).unwrap_or_default() }></div>
        <div class="slot" inner_html=move || { let lang = c.lang.get(); c.outcome.with(|o| o.as_ref().map(|o| breakdown(lang, c.nf(), o))).unwrap_or_default() }></div>
        <div class="slot" inner_html=move || { let lang = c.lang.get(); c.outcome.with(|o| o.as_ref().map(|o| notes(lang, o))).unwrap_or_default() }></div>
        {format_chart_view(c)}
        <div class="slot" inner_html=move || { let lang = c.lang.get(); c.speed_cost.with(|x| x.as_ref().map(|x| speed_cost(lang, c.nf(), x))).unwrap_or_default() }></div>
        {(!c.embed).then(|| cost_chart_view(c))}
        {(!c.embed).then(|| llama_panel(c))}
        {(!c.embed).then(|| serving_panel(c))}
        {(!c.embed).then(|| planner(c))}
        {(!c.embed).then(|| fit_table(c, sort))}
        {(!c.embed).then(|| exports(c, sort))}
    }
}

fn format_chart_view(c: Page) -> impl IntoView {
    let svg = Memo::new(move |_| {
        let lang = c.lang.get();
        c.outcome.with(|o| {
            let Some(o) = o else { return String::new() };
            // GiB, like the axis label and every other figure of the page.
            let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
            let bars: Vec<charts::Bar> = o.bars.iter().map(|b| charts::Bar { label: b.format.name().to_string(), gib: gib(b.required), highlight: b.format == o.workload.weights }).collect();
            let cap = gib(o.card.memory_bytes);
            let short = o.card.name.split([' ', '(']).next().unwrap_or("").to_string();
            let lines: Vec<charts::Line> = [1u64, 2, 4, 8].iter().map(|&n| charts::Line { label: format!("{n}× {short}"), gib: cap * n as f64 }).collect();
            let nf = c.nf();
            let t0 = platform::now_ms();
            let s = charts::format_chart(&bars, &lines, lang.t(Phrase::ChartPrecision), lang.t(Phrase::ChartPrecisionAxis), &|x| nf.sig(x));
            platform::expose("chartMs", platform::now_ms() - t0);
            s
        })
    });
    view! {
        <section class="block" aria-labelledby="chart-title">
            {chart_block(c, Phrase::ChartPrecision, "chart-title", "chart-formats", ("export-svg", "export-png"), "gpuplan-memory-vs-format", svg.into())}
        </section>
    }
}

fn cost_chart_view(c: Page) -> impl IntoView {
    // Written by the worker (plotters stays out of the page's bundle), once the reader nears it.
    let node = NodeRef::new();
    let svg = worker_panel(c, panels::COST_CHART, seen(node), Signal::stored(String::new()), true);
    view! {
        <section class="block" aria-labelledby="cost-chart-title" node_ref=node>
            // Its place is kept while it loads, so nothing below it jumps when it comes.
            <div style:aspect-ratio=move || if svg.with(|s| s.starts_with("<svg")) { "auto" } else { "720 / 420" }>
                {chart_block(c, Phrase::ChartCost, "cost-chart-title", "chart-cost", ("export-cost-svg", "export-cost-png"), "gpuplan-cost-vs-cards", svg.into())}
            </div>
            <p class="hint">"● " {move || c.tr(Phrase::MinCards)}</p>
        </section>
    }
}
