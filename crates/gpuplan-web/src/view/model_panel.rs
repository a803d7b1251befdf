//! The model panel: a preset (searchable), a pasted config.json or dropped files (read by the
//! worker), or the numbers typed by hand; and the model's summary.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::Page;
use super::widgets::{checkbox, err_view, text_field};
use crate::i18n::Phrase;
use crate::inputs::model_fields::MANUAL_FIELDS;
use crate::inputs::{Field, ManualKey, Source};
use crate::platform;
use crate::report::model_summary::model_summary;

/// The model: a preset, a config or dropped files, or numbers typed by hand; and its summary.
pub fn model_panel(c: Page) -> impl IntoView {
    let source = Memo::new(move |_| c.scenario.with(|s| s.source));
    let tab = move |src: Source, k: Phrase, id: &'static str| {
        view! {
            <button type="button" role="tab" id=format!("tab-{id}") data-testid=format!("tab-{id}")
                aria-selected=move || if source.get() == src { "true" } else { "false" }
                tabindex=move || if source.get() == src { "0" } else { "-1" }
                aria-controls="model-panel"
                on:click=move |_| c.scenario.update(|s| {
                    s.source = if src == Source::Config && s.file.is_some() { Source::File } else { src };
                })
                on:keydown=move |ev| {
                    let order = [Source::Preset, Source::Config, Source::Manual];
                    let i = order.iter().position(|x| *x == source.get_untracked() || (*x == Source::Config && source.get_untracked() == Source::File)).unwrap_or(0);
                    let next = match ev.key().as_str() { "ArrowRight" => Some((i + 1) % 3), "ArrowLeft" => Some((i + 2) % 3), _ => None };
                    if let Some(n) = next {
                        ev.prevent_default();
                        c.scenario.update(|s| s.source = order[n]);
                        let ids = ["tab-preset", "tab-file", "tab-manual"];
                        if let Some(el) = platform::document().and_then(|d| d.get_element_by_id(ids[n])).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) { let _ = el.focus(); }
                    }
                }>
                {move || c.tr(k)}
            </button>
        }
    };
    view! {
        <fieldset class="panel">
            <legend>{move || c.tr(Phrase::Model)}</legend>
            {(!c.embed).then(|| view! {
                <div role="tablist" class="tabs" aria-label=move || c.tr(Phrase::Model)>
                    {tab(Source::Preset, Phrase::TabPreset, "preset")}
                    {tab(Source::Config, Phrase::TabFile, "file")}
                    {tab(Source::Manual, Phrase::TabManual, "manual")}
                </div>
            })}
            <div id="model-panel" role="tabpanel">
                // The three tabs are built once and shown one at a time (a type-erased view per
                // tab cost the bundle about 1 KB gzip'd).
                <div hidden=move || source.get() != Source::Preset>{preset_picker(c)}</div>
                <div hidden=move || !matches!(source.get(), Source::Config | Source::File)>{file_panel(c)}</div>
                <div hidden=move || source.get() != Source::Manual>{manual_panel(c)}</div>
            </div>
            {summary(c)}
        </fieldset>
    }
}

fn preset_picker(c: Page) -> impl IntoView {
    let q = RwSignal::new(String::new());
    let hits = Memo::new(move |_| q.with(|q| c.data.search(q)));
    let choose = move |id: String| c.scenario.update(|s| {
        s.preset = id;
        s.source = Source::Preset;
    });
    view! {
        {(!c.embed).then(|| view! {
            <div class="field">
                <label for="preset-search">{move || c.tr(Phrase::SearchModels)}</label>
                <input id="preset-search" data-testid="preset-search" type="search" autocomplete="off" aria-controls="preset"
                    placeholder=move || c.tr(Phrase::SearchPlaceholder)
                    prop:value=move || q.get()
                    on:input=move |ev| q.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" {
                        if let Some(&i) = hits.get_untracked().first() { choose(c.data.catalog.models[i].id.clone()); }
                    }/>
                <p class="hint" aria-live="polite">{move || {
                    let n = hits.with(Vec::len);
                    if n == 0 { c.tr(Phrase::NoModelFound).to_string() } else { format!("{n} {}", c.tr(Phrase::ModelsFound)) }
                }}</p>
            </div>
        })}
        <div class="field">
            <label for="preset" class:sr-only={!c.embed}>{move || c.tr(Phrase::TabPreset)}</label>
            <select id="preset" data-testid="preset" size={if c.embed { "1" } else { "8" }} on:change=move |ev| choose(event_target_value(&ev))>
                {move || hits.get().into_iter().map(|i| {
                    let p = &c.data.catalog.models[i];
                    let id = p.id.clone();
                    let id2 = id.clone();
                    view! { <option value=id selected=move || c.scenario.with(|s| s.preset == id2)>{p.name.clone()}</option> }
                }).collect_view()}
            </select>
            {err_view(c, Field::Preset)}
        </div>
    }
}

fn file_panel(c: Page) -> impl IntoView {
    let over = RwSignal::new(false);
    let config = Memo::new(move |_| c.scenario.with(|s| s.config.clone()));
    view! {
        <div class="drop" class:over=move || over.get() data-testid="drop"
            on:dragover=move |ev| { ev.prevent_default(); over.set(true); }
            on:dragleave=move |_| over.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                over.set(false);
                if let Some(files) = ev.data_transfer().and_then(|d| d.files()) { read_files(c, files); }
            }>
            <p>
                {move || c.tr(Phrase::DropHere)} " "
                <label class="linklike" for="file">{move || c.tr(Phrase::ChooseFiles)}</label>
                <input id="file" data-testid="file" class="sr-only" type="file" multiple accept=".json,.gguf,.safetensors,application/json"
                    aria-describedby="file-err"
                    on:change=move |ev| {
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            if let Some(files) = input.files() { read_files(c, files); }
                            input.set_value("");
                        }
                    }/>
            </p>
            <p class="hint">{move || c.tr(Phrase::FilesStayLocal)}</p>
            <p class="status" data-testid="file-status" aria-live="polite">{move || c.file_status.get()}</p>
            {err_view(c, Field::File)}
        </div>
        // The Hub id or link and Fetch: static markup (phrases are `&'static str` without markup,
        // checked by i18n's tests) set as HTML, one element's code in the page's bundle instead
        // of four (its 300 KB budget); the form's submit (the button, Enter) starts the fetch.
        <form class="field hub" on:submit=move |ev| { ev.prevent_default(); fetch_hub(c); }
            inner_html=move || format!("<label for=hub>{}</label><input id=hub type=text placeholder=Qwen/Qwen3-30B-A3B><button>{}</button>", c.tr(Phrase::HubRef), c.tr(Phrase::Fetch))></form>
        <div class="field">
            <label for="config">{move || c.tr(Phrase::PasteConfig)}</label>
            <textarea id="config" data-testid="config" rows="7" spellcheck="false" placeholder="{\"model_type\": \"llama\", \"hidden_size\": 4096, …}"
                aria-describedby="config-err"
                aria-invalid=move || if c.errors.with(|es| es.iter().any(|e| e.field == Field::Config)) { "true" } else { "false" }
                prop:value=move || config.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    c.config_tried.set(true);
                    c.scenario.update(|s| { s.config = v; s.source = Source::Config; });
                }></textarea>
            {err_view(c, Field::Config)}
        </div>
    }
}

/// Hands the dropped files to the worker, which reads their headers (GGUF: 4 MiB first, more on
/// `NeedMore`; only the slices it needs) and resolves them into a model. Nothing leaves the page.
fn read_files(c: Page, list: web_sys::FileList) {
    if list.length() == 0 {
        return;
    }
    let names: Vec<String> = (0..list.length()).filter_map(|i| list.get(i)).map(|f| f.name()).collect();
    ask_worker(c, "files", names.join(", "), ("files", js_sys::Array::from(&list).into()));
}

/// Fetch: the worker reads the model the Hub id or link names, straight from the Hub (or the
/// loopback stand-in the link's `hub` parameter names, for tests), and answers as a drop does.
/// The only request to another site, and only on this button.
fn fetch_hub(c: Page) {
    let Some(v) = platform::document().and_then(|d| d.get_element_by_id("hub")).and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()) else { return };
    ask_worker(c, "hub", v.clone(), ("ref", v.into()));
}

/// Says "Reading `what`…" and asks the worker for `op` with the language and `field`.
fn ask_worker(c: Page, op: &str, what: String, field: (&str, wasm_bindgen::JsValue)) {
    let lang = c.lang.get_untracked();
    c.file_status.set(format!("{} {what}…", lang.t(Phrase::ReadingFile)));
    platform::worker_post(platform::request(op, 0.0, &[("lang", lang.tag().into()), field, ("hub", platform::query_param("hub").unwrap_or_default().into())]));
}

/// What the worker answered: a drop's outcome, the planner's table, or that it could not start.
fn manual_panel(c: Page) -> impl IntoView {
    view! {
        <div class="grid2">
            {MANUAL_FIELDS.iter().map(|f| manual_field(c, f.key)).collect_view()}
        </div>
        {checkbox(c, "m-tied", Phrase::Tied, |s| s.manual.tied, |s, v| { s.manual.tied = v; s.source = Source::Manual; })}
    }
}

fn manual_field(c: Page, key: ManualKey) -> impl IntoView {
    let value = Memo::new(move |_| c.scenario.with(|s| s.manual.get(key).clone()));
    text_field(c, Field::Manual(key), key.input().label, None, "numeric", value, Box::new(move |v| c.scenario.update(|s| {
        *s.manual.get_mut(key) = v;
        s.source = Source::Manual;
    })))
}

fn summary(c: Page) -> impl IntoView {
    let html = move || {
        let lang = c.lang.get();
        let preset = c.scenario.with(|s| (s.source == Source::Preset).then(|| s.preset.clone()));
        c.outcome.with(|o| {
            let o = o.as_ref()?;
            Some(model_summary(lang, c.nf(), o, preset.and_then(|id| c.data.preset(&id))))
        })
        .unwrap_or_default()
    };
    view! { <div class="slot" inner_html=html></div> }
}
