//! The every-card table (sortable; a card's name chooses it) and the CSV/JSON exports.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::{Page, EXPORT_CSV, EXPORT_JSON};
use crate::i18n::Phrase;
use crate::inputs::Scenario;
use crate::platform;
use super::worker_panel::{seen, worker_panel};
use crate::results::memory::SortKey;
use crate::worker::panels;

/// Every card of the catalog: fits with the scenario's count, cards needed, headroom, price.
pub fn fit_table(c: Page, sort: RwSignal<(SortKey, bool)>) -> impl IntoView {
    // The body comes from the worker (`worker::panels::FIT_ROWS`: the rows sorted as asked,
    // one HTML string), once the reader nears the table.
    let node = NodeRef::new();
    let arg = Signal::derive(move || {
        let (key, desc) = sort.get();
        format!("{},{}", key.code(), u8::from(desc))
    });
    let body = worker_panel(c, panels::FIT_ROWS, seen(node), arg, false);

    let th = move |key: SortKey, k: Phrase, num: bool| {
        view! {
            <th scope="col" class:num=num aria-sort=move || { let (sk, d) = sort.get(); if sk == key { if d { "descending" } else { "ascending" } } else { "none" } }>
                <button type="button" class="sort" data-testid=format!("sort-{:?}", key).to_ascii_lowercase() on:click=move |_| sort.update(|(sk, d)| { if *sk == key { *d = !*d } else { *sk = key; *d = matches!(key, SortKey::Headroom | SortKey::Memory) } })>
                    {move || c.tr(k)} {move || { let (sk, d) = sort.get(); if sk == key { if d { " ▼" } else { " ▲" } } else { "" } }}
                </button>
            </th>
        }
    };
    let on_pick = move |ev: leptos::ev::MouseEvent| {
        let id = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.closest("[data-card]").ok().flatten()).and_then(|e| e.get_attribute("data-card"));
        if let Some(id) = id {
            c.scenario.update(|s| s.gpu = id);
        }
    };
    view! {
        <section class="block" aria-labelledby="cards-title" node_ref=node>
            <h2 id="cards-title">{move || c.tr(Phrase::AllCards)}</h2>
            // A row's height per card is kept while the rows load, so nothing below jumps.
            <div class="tablewrap" style:min-height=move || if body.with(String::is_empty) { format!("{}em", 2.6 * c.data.specs.len() as f64) } else { String::new() }>
                <table class="cards" data-testid="fit-table">
                    <thead><tr>
                        {th(SortKey::Name, Phrase::ColCard, false)}
                        {th(SortKey::Memory, Phrase::ColMemory, true)}
                        <th scope="col">{move || c.tr(Phrase::ColFitsHere)} " (" {move || c.outcome.with(|o| o.as_ref().map_or(1, |o| o.workload.gpus))} ")"</th>
                        {th(SortKey::CardsNeeded, Phrase::ColCardsNeeded, true)}
                        {th(SortKey::Headroom, Phrase::ColHeadroom, true)}
                        {th(SortKey::Price, Phrase::ColPrice, true)}
                        <th scope="col">{move || c.tr(Phrase::ColOffload)}</th>
                        <th scope="col" class="num">{move || c.tr(Phrase::ColMaxCtx)}</th>
                    </tr></thead>
                    <tbody on:click=on_pick inner_html=move || body.get()></tbody>
                </table>
            </div>
        </section>
    }
}

/// CSV and JSON of the results: written by the worker from the scenario's link (the table
/// sorted as shown), downloaded here.
pub fn exports(c: Page, sort: RwSignal<(SortKey, bool)>) -> impl IntoView {
    let ask = move |json: bool| {
        let (k, d) = sort.get_untracked();
        let params = c.scenario.with_untracked(Scenario::to_params);
        let kind = if json { "json" } else { "csv" };
        platform::worker_post(platform::request(
            "export",
            if json { EXPORT_JSON } else { EXPORT_CSV },
            &[("kind", kind.into()), ("sort", k.code().into()), ("desc", d.into()), ("params", params.into())],
        ));
    };
    view! {
        <section class="block row">
            <span>{move || c.tr(Phrase::Export)} ":"</span>
            <button type="button" class="small" data-testid="export-csv" on:click=move |_| ask(false)>"CSV"</button>
            <button type="button" class="small" data-testid="export-json" on:click=move |_| ask(true)>"JSON"</button>
        </section>
    }
}
