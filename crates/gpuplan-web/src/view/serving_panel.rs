//! Serving to a latency target and options side by side (issue 14 §3, §5). The inputs (the
//! targets, the load, the prefix-cache share, the pinned options) are the page's, in the link;
//! the sizing table, the throughput–latency chart and the comparison with its chart are written
//! by the worker (`worker::panels::SIZING`, `COMPARE`) while the section is open.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::Page;
use super::widgets::num_field;
use super::worker_panel::worker_panel;
use crate::i18n::Phrase;
use crate::inputs::{Field, ServingKey};
use crate::platform;
use crate::results::serving::{spec_of, ARTICLES_PRESET};
use crate::worker::panels;

/// At most this many options are pinned (`gpuplan_core::compare::MAX_OPTIONS`).
const MAX_PINNED: usize = gpuplan_core::compare::MAX_OPTIONS;

pub fn serving_panel(c: Page) -> impl IntoView {
    let open = RwSignal::new(false);
    let sizing = worker_panel(c, panels::SIZING, open.into(), Signal::stored(String::new()), true);
    let has_pins = Signal::derive(move || open.get() && c.scenario.with(|s| !s.serving.pinned.is_empty()));
    let compared = worker_panel(c, panels::COMPARE, has_pins, Signal::stored(String::new()), true);
    let pin = move |rent: bool| {
        c.scenario.update(|s| {
            let spec = spec_of(s, rent);
            if s.serving.pinned.len() < MAX_PINNED && !s.serving.pinned.contains(&spec) {
                s.serving.pinned.push(spec);
            }
        })
    };
    let pinned = move || {
        c.scenario.with(|s| s.serving.pinned.clone()).into_iter().enumerate().map(|(i, p)| view! {
            <li data-testid="pinned-option"><code>{p}</code> " "
                <button type="button" class="x" aria-label=move || c.tr(Phrase::Close) on:click=move |_| c.scenario.update(|s| { if i < s.serving.pinned.len() { s.serving.pinned.remove(i); } })>"×"</button>
            </li>
        }).collect_view()
    };
    view! {
        <section class="block">
            <details data-testid="serving" on:toggle=move |ev| {
                let o = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open());
                open.set(o);
            }>
                <summary><h2 class="inline">{move || c.tr(Phrase::Serving)}</h2></summary>
                <div class="grid2">
                    {num_field(c, Field::Serving(ServingKey::Ttft))}
                    {num_field(c, Field::Serving(ServingKey::Tpot))}
                    {num_field(c, Field::Serving(ServingKey::Rps))}
                    {num_field(c, Field::Serving(ServingKey::CacheShare))}
                </div>
                <div class="slot" inner_html=move || sizing.get()></div>
                <div class="row">
                    <button type="button" class="small" data-testid="pin-option" disabled=move || c.scenario.with(|s| s.serving.pinned.len() >= MAX_PINNED) on:click=move |_| pin(false)>{move || c.tr(Phrase::PinOption)}</button>
                    <button type="button" class="small" data-testid="pin-option-rent" disabled=move || c.scenario.with(|s| s.serving.pinned.len() >= MAX_PINNED) on:click=move |_| pin(true)>{move || c.tr(Phrase::PinRent)}</button>
                    <button type="button" class="small" data-testid="preset-options" on:click=move |_| { platform::worker_post(platform::request("options-preset", 0.0, &[("id", ARTICLES_PRESET.into())])); }>{move || c.tr(Phrase::ArticlesOptions)}</button>
                </div>
                <ul class="pinned">{pinned}</ul>
                <div class="slot" inner_html=move || compared.get()></div>
            </details>
        </section>
    }
}
