//! "How we know": the evidence behind the numbers (the calibration chart, the error per kind,
//! the published speed checks, every constant's source). The worker writes it
//! (`worker::answers::evidence_answer`) when the section is first opened, so its chart code,
//! tables and words stay out of the page's bundle; the page shows "Loading…" meanwhile, and
//! the worker's failure (offline before it was ever loaded) in its place.
//!
//! The section is `#how-we-know`: a link to it (the accuracy line next to the verdict) opens it
//! and scrolls to it without replacing the scenario in the page's `#…` link, and a page opened
//! at `#how-we-know` starts with it open. In the embed, where it is not shown, such a link opens
//! the full page there.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::Page;
use crate::html;
use crate::i18n::Phrase;
use crate::inputs::Scenario;
use crate::platform;

/// The section's element id, and the fragment that links to it.
pub const ID: &str = "how-we-know";

pub fn how_we_know(c: Page) -> impl IntoView {
    let open = RwSignal::new(platform::hash() == ID);
    if open.get_untracked() {
        platform::after_first_frame(scroll_to_section);
    }
    follow_links(c, open);
    // While open, the reader's language and number format ask the worker for the section (its
    // answer replaces the content; an older answer is dropped).
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let (lang, nf) = (c.lang.get(), c.nf());
        let id = c.evidence_seq.get_value() + 1.0;
        c.evidence_seq.set_value(id);
        if c.evidence_html.with_untracked(String::is_empty) {
            c.evidence_html.set(html::paragraph("hint", true, lang.t(Phrase::Loading)));
        }
        let group: wasm_bindgen::JsValue = nf.group.map(String::from).unwrap_or_default().into();
        platform::worker_post(platform::request("evidence", id, &[("lang", lang.tag().into()), ("group", group), ("decimal", String::from(nf.decimal).into())]));
    });
    view! {
        <section class="block hwk" id=ID aria-labelledby="how-we-know-title">
            <details data-testid="how-we-know" prop:open=move || open.get() on:toggle=move |ev| {
                let o = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open());
                open.set(o);
            }>
                <summary><h2 class="inline" id="how-we-know-title">{move || c.tr(Phrase::HowWeKnow)}</h2></summary>
                <div class="slot" inner_html=move || c.evidence_html.get()></div>
            </details>
        </section>
    }
}

/// Clicks on a link to `#how-we-know` open the section and scroll to it, instead of the
/// browser's jump, which would put `#how-we-know` in place of the scenario's link. In the embed
/// (no section) they open the full page, with the scenario, at the section.
pub fn follow_links(c: Page, open: RwSignal<bool>) {
    let handle = window_event_listener(leptos::ev::click, move |ev| {
        let link = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.closest("a[href=\"#how-we-know\"]").ok().flatten());
        if link.is_none() {
            return;
        }
        ev.prevent_default();
        if c.embed {
            let query = format!("lang={}&{}", c.lang.get_untracked().tag(), c.scenario.with_untracked(Scenario::to_params));
            if let Some(w) = platform::window() {
                let _ = w.open_with_url_and_target(&platform::page_url(&query, ID), "_blank");
            }
            return;
        }
        open.set(true);
        scroll_to_section();
    });
    // The listener lives as long as the page.
    std::mem::forget(handle);
}

fn scroll_to_section() {
    if let Some(el) = platform::document().and_then(|d| d.get_element_by_id(ID)) {
        el.scroll_into_view();
    }
}
