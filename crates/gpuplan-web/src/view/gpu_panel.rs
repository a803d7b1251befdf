//! The card panel: the catalog's cards by vendor, the chosen card's facts, and the user's own
//! card.

use leptos::prelude::*;

use super::context::Page;
use super::widgets::{err_view, text_field};
use crate::i18n::Phrase;
use crate::inputs::model_fields::CUSTOM_GPU_FIELDS;
use crate::inputs::{CustomGpuKey, Field, CUSTOM_GPU};
use crate::report::card_info::card_info;

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
            <div class="slot" inner_html=move || {
                let lang = c.lang.get();
                c.data.card(&cur.get()).map(|i| card_info(lang, c.nf(), &c.data.catalog.gpus[i])).unwrap_or_default()
            }></div>
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
