//! "On my card(s) and my RAM" (issue 13): llama.cpp's offload, context and mixed cards. The
//! inputs are the page's (field-table entries, in the link); the result — the split, tokens/s,
//! the largest context with a control up to it, bars per device and host, a Mac's wired
//! limit — is written by the worker (`worker::panels::LLAMA`) while the section is open.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::Page;
use super::widgets::{err_view, num_field};
use super::worker_panel::worker_panel;
use crate::i18n::Phrase;
use crate::inputs::{Field, LlamaKey, Scenario};
use crate::worker::panels;

pub fn llama_panel(c: Page) -> impl IntoView {
    let open = RwSignal::new(false);
    let html = worker_panel(c, panels::LLAMA, open.into(), Signal::stored(String::new()), true);
    // The context control inside the worker's answer sets the page's context.
    let on_input = move |ev: leptos::ev::Event| {
        let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        if el.get_attribute("data-ctl").as_deref() == Some("ctx") {
            let v = el.value();
            c.scenario.update(|s| s.context = v);
        }
    };
    let card = move |f: LlamaKey| {
        let id = Field::Llama(f).id();
        let label = if f == LlamaKey::Host { Phrase::HostPreset } else if f == LlamaKey::Gpu2 { Phrase::SecondCard } else { Phrase::ThirdCard };
        let items: Vec<(String, String)> = if f == LlamaKey::Host {
            c.data.catalog.hosts.iter().map(|h| (h.id.clone(), h.label.clone())).collect()
        } else {
            c.data.specs.iter().map(|k| (k.id.clone(), k.name.clone())).collect()
        };
        let cur = Memo::new(move |_| c.scenario.with(|s| get(s, f).clone()));
        // A value from a link that is not in the list stays shown, as typed (its message is
        // under the list).
        let ids: Vec<String> = items.iter().map(|(v, _)| v.clone()).collect();
        let unknown = move || cur.with(|v| (!v.is_empty() && !ids.contains(v)).then(|| v.clone())).map(|v| { let t = v.clone(); view! { <option value=v selected=true>{t}</option> } });
        view! {
            <div class="field">
                <label for=id>{move || c.tr(label)}</label>
                <select id=id data-testid=id on:change=move |ev| { let v = event_target_value(&ev); c.scenario.update(|s| *slot(s, f) = v); }>
                    <option value="" selected=move || cur.with(String::is_empty)>{move || c.tr(Phrase::NoneChoice)}</option>
                    {unknown}
                    {items.into_iter().map(|(v, l)| { let v2 = v.clone(); view! { <option value=v selected=move || cur.with(|g| *g == v2)>{l}</option> } }).collect_view()}
                </select>
                {err_view(c, Field::Llama(f))}
            </div>
        }
    };
    view! {
        <section class="block">
            <details data-testid="llama" on:toggle=move |ev| {
                let o = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open());
                open.set(o);
            }>
                <summary><h2 class="inline">{move || c.tr(Phrase::OnMyCards)}</h2></summary>
                <div class="grid2">
                    {num_field(c, Field::Llama(LlamaKey::HostRam))}
                    {card(LlamaKey::Host)}
                    {card(LlamaKey::Gpu2)}
                    {card(LlamaKey::Gpu3)}
                    {num_field(c, Field::Llama(LlamaKey::Parallel))}
                    {num_field(c, Field::Llama(LlamaKey::KvCache))}
                    {num_field(c, Field::Llama(LlamaKey::Flash))}
                    {num_field(c, Field::Llama(LlamaKey::Layers))}
                    {num_field(c, Field::Llama(LlamaKey::NCpuMoe))}
                    {num_field(c, Field::Llama(LlamaKey::WiredMb))}
                    {num_field(c, Field::Llama(LlamaKey::TensorSplit))}
                </div>
                <div class="slot" on:input=on_input inner_html=move || html.get()></div>
            </details>
        </section>
    }
}

/// The scenario's slot of a list input of this panel (the host preset, the second and third card).
fn slot(s: &mut Scenario, f: LlamaKey) -> &mut String {
    match f {
        LlamaKey::Gpu2 => &mut s.llama.gpu2,
        LlamaKey::Gpu3 => &mut s.llama.gpu3,
        _ => &mut s.llama.host,
    }
}

fn get(s: &Scenario, f: LlamaKey) -> &String {
    match f {
        LlamaKey::Gpu2 => &s.llama.gpu2,
        LlamaKey::Gpu3 => &s.llama.gpu3,
        _ => &s.llama.host,
    }
}
