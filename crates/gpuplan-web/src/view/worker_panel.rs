//! Panels the worker writes (`worker::panels`), the page's side: a slot whose HTML the worker
//! sends. While the panel is active (for a panel below the fold: once the reader has come near
//! it, so the worker still loads on first use), every change of the scenario, the language,
//! the number format or the panel's own argument asks the worker again; an older answer is
//! dropped. The inputs stay the page's; the slot only shows what comes back.

use leptos::prelude::*;

use super::context::Page;
use crate::html;
use crate::i18n::Phrase;
use crate::inputs::Scenario;
use crate::platform;

/// The HTML of the worker's panel `panel` (an id of `worker::panels`) with its argument `arg`,
/// asked for while `active` is true. Shows "Loading…" until the first answer where `loading`
/// (not inside a table body, where a paragraph cannot go).
pub fn worker_panel(c: Page, panel: &'static str, active: Signal<bool>, arg: Signal<String>, loading: bool) -> RwSignal<String> {
    let out = RwSignal::new(String::new());
    let slot = c.panels.with_value(Vec::len);
    c.panels.update_value(|p| p.push((0.0, out)));
    Effect::new(move |_| {
        if !active.get() {
            return;
        }
        let params = c.scenario.with(Scenario::to_params);
        let (lang, nf, arg) = (c.lang.get(), c.nf(), arg.get());
        let id = c.panel_seq.get_value() + 1.0;
        c.panel_seq.set_value(id);
        c.panels.update_value(|p| p[slot].0 = id);
        if loading && out.with_untracked(String::is_empty) {
            out.set(html::paragraph("hint", true, lang.t(Phrase::Loading)));
        }
        let group: wasm_bindgen::JsValue = nf.group.map(String::from).unwrap_or_default().into();
        platform::worker_post(platform::request(
            "panel",
            id,
            &[("panel", panel.into()), ("arg", arg.into()), ("lang", lang.tag().into()), ("group", group), ("decimal", String::from(nf.decimal).into()), ("params", params.into())],
        ));
    });
    out
}

/// `true` from the first time the section of `node` comes near the viewport.
pub fn seen(node: NodeRef<leptos::html::Section>) -> Signal<bool> {
    let on = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            platform::when_visible(&el, move || on.set(true));
        }
    });
    on.into()
}

/// The worker's answer `json` to request `id`: into the slot that asked it last. An answer
/// that is inputs' errors (`panels::field_answer`) goes under those fields instead, as the
/// page's own checks do, keeping what was typed, and empties the slot.
pub fn answered(c: Page, id: f64, json: &str) {
    let Some((slot, out)) = c.panels.with_value(|p| p.iter().enumerate().find(|(_, (i, _))| *i == id).map(|(k, (_, o))| (k, *o))) else { return };
    let errs: Vec<(usize, crate::inputs::FieldError)> = crate::worker::panels::read_field_answer(json)
        .into_iter()
        .filter_map(|(fid, msg)| {
            let field = crate::inputs::scenario::INPUTS.iter().find(|i| i.id == fid)?.field;
            Some((slot, crate::inputs::FieldError { field, msg: crate::inputs::Msg::Core(msg.to_string()) }))
        })
        .collect();
    let had = c.worker_errors.with_untracked(|w| w.iter().any(|(k, _)| *k == slot));
    if had || !errs.is_empty() {
        c.worker_errors.update(|w| {
            w.retain(|(k, _)| *k != slot);
            w.extend(errs.iter().cloned());
        });
    }
    out.set(if errs.is_empty() { json.to_string() } else { String::new() });
}

/// The worker could not start: every panel says so.
pub fn failed(c: Page, msg: &str) {
    c.panels.with_value(|p| p.iter().for_each(|(_, o)| o.set(html::paragraph("err", false, msg))));
}
