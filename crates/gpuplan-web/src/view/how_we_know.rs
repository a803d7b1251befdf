//! "How we know": the evidence behind the numbers (the calibration chart, the error per kind,
//! the published speed checks, every constant's source). The worker writes it
//! (`worker::answers::evidence_answer`) when the section is first opened, so its chart code,
//! tables and words stay out of the page's bundle; the page shows "Loading…" meanwhile, and
//! the worker's failure (offline before it was ever loaded) in its place.
//!
//! The section is `#how-we-know`: a link to it (the accuracy line next to the verdict) opens it
//! and scrolls to it without replacing the scenario in the page's `#…` link, and a page opened
//! at `#how-we-know` starts with it open. The embed has no such section.

use leptos::prelude::*;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;

use super::context::Page;
use crate::html;
use crate::i18n::Phrase;
use crate::platform;

/// The section's element id, and the fragment that links to it.
pub const ID: &str = "how-we-know";

#[inline(never)]
pub fn how_we_know(c: Page) -> impl IntoView {
    let open = RwSignal::new(platform::hash() == ID);
    if open.get_untracked() {
        platform::after_first_frame(scroll_to_section);
    }
    follow_links(open);
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
/// browser's jump, which would put `#how-we-know` in place of the scenario's link.
#[inline(never)]
fn follow_links(open: RwSignal<bool>) {
    let Some(doc) = platform::document() else { return };
    let on_click = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let link = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.closest("a[href=\"#how-we-know\"]").ok().flatten());
        if link.is_some() {
            ev.prevent_default();
            open.set(true);
            scroll_to_section();
        }
    });
    let _ = doc.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_click.forget();
}

#[inline(never)]
fn scroll_to_section() {
    if let Some(el) = platform::document().and_then(|d| d.get_element_by_id(ID)) {
        el.scroll_into_view();
    }
}
