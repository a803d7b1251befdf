//! The form's shared widgets, each driven by the field table: a number field, a list, a
//! checkbox, the message under a field, and a chart block with its SVG/PNG export.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::Page;
use crate::i18n::{Lang, Phrase};
use crate::inputs::scenario::{input, Access, Input, Kind};
use crate::inputs::{Field, Scenario};
use crate::platform;
use crate::report::charts;

/// The message under a field (empty when it is fine).
pub fn err_view(c: Page, f: Field) -> impl IntoView {
    let id = format!("{}-err", f.id());
    view! { <p class="err" id=id aria-live="polite">{move || c.err(f)}</p> }
}

/// A text input for a number, kept as typed, with its message under it.
/// `inputmode` is `decimal` or `numeric` (whole numbers only).
pub fn text_field(c: Page, f: Field, label: Phrase, hint: Option<Phrase>, inputmode: &'static str, value: Memo<String>, on_input: Box<dyn Fn(String)>) -> impl IntoView {
    let id = f.id();
    let bad = Memo::new(move |_| c.errors.with(|es| es.iter().any(|e| e.field == f)));
    view! {
        <div class="field" class:invalid=move || bad.get()>
            <label for=id>{move || c.tr(label)}</label>
            <input id=id data-testid=id type="text" inputmode=inputmode autocomplete="off" spellcheck="false"
                placeholder=move || hint.map(|h| c.tr(h))
                aria-invalid=move || if bad.get() { "true" } else { "false" }
                aria-describedby=format!("{id}-err")
                prop:value=move || value.get()
                on:input=move |ev| on_input(event_target_value(&ev))/>
            {err_view(c, f)}
        </div>
    }
}

/// The field of a text input of the field table (label, hint, value from its entry): a number,
/// or text for a `Kind::Text` entry.
pub fn num_field(c: Page, f: Field) -> impl IntoView {
    let &Input { label, hint, kind, access: Access::Text { get, slot }, .. } = input(f)? else {
        return None;
    };
    let value = Memo::new(move |_| c.scenario.with(|s| get(s).clone()));
    // A number brings up the phone's number pad; text (names, lists) the keyboard.
    let mode = if kind == Kind::Text { "text" } else { "decimal" };
    Some(text_field(c, f, label, hint, mode, value, Box::new(move |v| c.scenario.update(|s| *slot(s) = v))))
}

/// An option's text: a translation, or a fixed name.
#[derive(Clone, Copy)]
pub enum OptionText {
    Translated(Phrase),
    Fixed(&'static str),
}

impl OptionText {
    fn text(self, lang: Lang) -> &'static str {
        match self {
            OptionText::Translated(k) => lang.t(k),
            OptionText::Fixed(s) => s,
        }
    }
}

/// A list of names for a name input of the field table; `then` applies the rules a change
/// brings (a task's formats).
pub fn select_field(c: Page, f: Field, options: Vec<(&'static str, OptionText)>, then: fn(&mut Scenario)) -> impl IntoView {
    let id = f.id();
    let &Input { label, access: Access::Name { get, set }, .. } = input(f)? else {
        return None;
    };
    let cur = Memo::new(move |_| c.scenario.with(get));
    Some(view! {
        <div class="field">
            <label for=id>{move || c.tr(label)}</label>
            <select id=id data-testid=id on:change=move |ev| {
                let v = event_target_value(&ev);
                c.scenario.update(|s| if set(s, &v) { then(s) });
            }>
                {options.into_iter().map(|(v, l)| view! { <option value=v selected=move || cur.get() == v>{move || l.text(c.lang.get())}</option> }).collect_view()}
            </select>
            {err_view(c, f)}
        </div>
    })
}

/// A checkbox.
pub fn checkbox(c: Page, id: &'static str, label: Phrase, get: fn(&Scenario) -> bool, set: fn(&mut Scenario, bool)) -> impl IntoView {
    let cur = Memo::new(move |_| c.scenario.with(get));
    view! {
        <div class="field check">
            <input type="checkbox" id=id data-testid=id prop:checked=move || cur.get() on:change=move |ev| {
                let v = event_target_checked(&ev);
                c.scenario.update(|s| set(s, v));
            }/>
            <label for=id>{move || c.tr(label)}</label>
        </div>
    }
}

/// The checkbox of a flag input of the field table.
pub fn check_field(c: Page, f: Field) -> impl IntoView {
    match input(f)? {
        &Input { id, label, access: Access::Flag { get, set, .. }, .. } => Some(checkbox(c, id, label, get, set)),
        _ => None,
    }
}

/// A chart with its title and SVG/PNG export buttons; `name` is the file name without extension
/// and `testid` the chart's test id (the buttons are `export-{kind}svg`/`png`).
pub fn chart_block(c: Page, title: Phrase, title_id: &'static str, testid: &'static str, export_ids: (&'static str, &'static str), name: &'static str, svg: Signal<String>) -> impl IntoView {
    let export = move |png: bool| {
        let file = charts::standalone(&svg.get_untracked(), c.dark());
        if png {
            platform::download_png(&format!("{name}.png"), &file);
        } else {
            platform::download(&format!("{name}.svg"), "image/svg+xml", &file);
        }
    };
    view! {
        <div class="row spread">
            <h2 id=title_id>{move || c.tr(title)}</h2>
            <div class="row">
                <button type="button" class="small" data-testid=export_ids.0 on:click=move |_| export(false)>"SVG"</button>
                <button type="button" class="small" data-testid=export_ids.1 on:click=move |_| export(true)>"PNG"</button>
            </div>
        </div>
        <div class="chart" data-testid=testid inner_html=move || svg.get()></div>
    }
}

/// Selects the text of a focused input or text area (the share link, the embed code).
pub fn select_target(ev: &leptos::ev::FocusEvent) {
    if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
        t.select();
    }
    if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
        t.select();
    }
}
