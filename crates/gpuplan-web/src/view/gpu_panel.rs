//! The card panel: the catalog's cards by vendor, the chosen card's facts, and the user's own
//! card.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::Page;
use super::widgets::{err_view, text_field};
use crate::i18n::Phrase;
use crate::inputs::model_fields::CUSTOM_GPU_FIELDS;
use crate::inputs::{CustomGpuKey, Field, CUSTOM_GPU};
use super::worker_panel::worker_panel;
use crate::report::card_info::{card_facts, card_summary};
use crate::worker::panels;

/// The card: one of the catalog's (with its facts and sources) or the user's own.
pub fn gpu_panel(c: Page) -> impl IntoView {
    let cur = Memo::new(move |_| c.scenario.with(|s| s.gpu.clone()));
    let mut vendors: Vec<String> = Vec::new();
    for card in &c.data.specs {
        if !vendors.contains(&card.vendor) {
            vendors.push(card.vendor.clone());
        }
    }
    view! {
        <fieldset class="panel">
            <legend>{move || c.tr(Phrase::Gpu)}</legend>
            <div class="field">
                <label for="gpu">{move || c.tr(Phrase::Card)}</label>
                <select id="gpu" data-testid="gpu" on:change=move |ev| { let v = event_target_value(&ev); c.scenario.update(|s| s.gpu = v); }>
                    {vendors.into_iter().map(|v| {
                        let items: Vec<(String, String)> = c.data.specs.iter().filter(|k| k.vendor == v).map(|k| (k.id.clone(), format!("{} · {}", k.name, c.nf().bytes(k.memory_bytes)))).collect();
                        view! {
                            <optgroup label=v>
                                {items.into_iter().map(|(id, label)| { let id2 = id.clone(); view! { <option value=id selected=move || cur.with(|g| *g == id2)>{label}</option> } }).collect_view()}
                            </optgroup>
                        }
                    }).collect_view()}
                    <option value=CUSTOM_GPU selected=move || cur.with(|g| g == CUSTOM_GPU)>{move || c.tr(Phrase::CustomCard)}</option>
                </select>
                {err_view(c, Field::Gpu)}
            </div>
            {card_info_view(c, cur)}
            {move || (cur.get() == CUSTOM_GPU).then(|| view! {
                <div class="field">
                    <label for="cg-name">{move || c.tr(Phrase::CustomName)}</label>
                    <input id="cg-name" data-testid="cg-name" type="text" maxlength="60" prop:value=move || c.scenario.with(|s| s.custom_gpu.name.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); c.scenario.update(|s| s.custom_gpu.name = v); }/>
                </div>
                <div class="grid2">
                    {CUSTOM_GPU_FIELDS.iter().map(|f| custom_field(c, f.key)).collect_view()}
                </div>
                <p class="hint" data-testid="cg-memory-hint">{move || c.tr(Phrase::MemoryGbHint)}</p>
            })}
        </fieldset>
    }
}

fn custom_field(c: Page, key: CustomGpuKey) -> impl IntoView {
    let value = Memo::new(move |_| c.scenario.with(|s| s.custom_gpu.get(key).clone()));
    text_field(c, Field::Custom(key), key.input().label, None, "decimal", value, Box::new(move |v| c.scenario.update(|s| *s.custom_gpu.get_mut(key) = v)))
}

/// A catalog card's facts and badge, and its sources in a details block: their texts come from
/// the worker when the reader opens it (`worker::panels::CARD_SOURCES`).
fn card_info_view(c: Page, cur: Memo<String>) -> impl IntoView {
    let open = RwSignal::new(false);
    let sources = worker_panel(c, panels::CARD_SOURCES, open.into(), cur.into(), true);
    let card = move || c.data.card(&cur.get()).map(|i| &c.data.catalog.gpus[i]);
    view! {
        <div class="cardinfo" data-testid="gpu-info" hidden=move || card().is_none()>
            <p inner_html=move || card().map(|g| card_facts(c.lang.get(), c.nf(), g)).unwrap_or_default()></p>
            <details on:toggle=move |ev| {
                let o = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open());
                open.set(o);
            }>
                <summary>{move || card().map(|g| card_summary(c.lang.get(), g)).unwrap_or_default()}</summary>
                <div inner_html=move || sources.get()></div>
            </details>
        </div>
    }
}
