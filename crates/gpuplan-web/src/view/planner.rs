//! The planner: the cheapest plans over the catalog, asked of the worker; choosing one sets its
//! card, count and format.

use gpuplan_core::formats::WeightFormat;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::Page;
use crate::i18n::Phrase;
use crate::inputs::Scenario;
use crate::platform;

pub fn planner(c: Page) -> impl IntoView {
    let open = RwSignal::new(false);
    // While open, every change of the scenario, language or number format asks the worker for
    // the plans (its answer replaces the table; an older answer is dropped).
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let params = c.scenario.with(Scenario::to_params);
        let (lang, nf) = (c.lang.get(), c.nf());
        let id = c.plan_seq.get_value() + 1.0;
        c.plan_seq.set_value(id);
        let group: wasm_bindgen::JsValue = nf.group.map(String::from).unwrap_or_default().into();
        platform::worker_post(platform::request(
            "plan",
            id,
            &[("lang", lang.tag().into()), ("group", group), ("decimal", String::from(nf.decimal).into()), ("params", params.into())],
        ));
    });
    let body = move || c.plans_html.get();
    // One listener for the plans' buttons: choosing a plan sets its card, count and format.
    let on_pick = move |ev: leptos::ev::MouseEvent| {
        let i = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-plan]").ok().flatten())
            .and_then(|e| e.get_attribute("data-plan"))
            .and_then(|i| i.parse::<usize>().ok());
        let Some(i) = i else { return };
        let chosen = c.plan_choices.with_value(|p| p.get(i).cloned());
        if let Some((id, n, fmt)) = chosen.and_then(|(id, n, f)| Some((id, n, WeightFormat::parse(&f, false).ok()?))) {
            c.scenario.update(|s| {
                s.gpu = id;
                s.gpus = n.to_string();
                s.set_weights(fmt);
            });
        }
    };
    view! {
        <section class="block">
            <details data-testid="planner" on:toggle=move |ev| {
                let o = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open());
                open.set(o);
            }>
                <summary><h2 class="inline">{move || c.tr(Phrase::Planner)}</h2></summary>
                <p class="hint">{move || c.tr(Phrase::PlannerHint)}</p>
                <div class="slot" on:click=on_pick inner_html=body></div>
            </details>
        </section>
    }
}
