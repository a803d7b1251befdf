//! The Leptos app. One `RwSignal<Scenario>` holds every input; everything shown derives from it
//! through memos (model → workload → outcome → charts). Effects only sync with the outside
//! world: the URL fragment, local storage, `<html lang/data-theme>`, the parent frame's height.

use gpuplan_core::formats::{KvFormat, WeightFormat, ALL_FORMATS};
use gpuplan_core::memory::{estimate, Engine, Mode, Optimizer, Precision, Workload};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::charts;
use crate::compute::{self, CardSpec, ModelRef, Outcome, SortKey};
use crate::derive::{build_model, card_of, model_key, CardSel};
use crate::data::{self, Data};
use crate::econ;
use crate::dom;
use crate::files;
use crate::fmt::{NumErr, NumFmt};
use crate::i18n::{Lang, Phrase};
use crate::render;
use crate::scenario::{CgKey, Economics, Field, FieldError, ManualKey, Msg, Scenario, Source, CUSTOM_GPU};

const KEY_SCENARIO: &str = "gpuplan:scenario";
const KEY_LANG: &str = "gpuplan:lang";
const KEY_THEME: &str = "gpuplan:theme";
const KEY_CUSTOM_GPU: &str = "gpuplan:custom-gpu";

/// Request ids of the two exports: the worker echoes the id, which says what to download.
const EXPORT_CSV: f64 = 1.0;
const EXPORT_JSON: f64 = 2.0;

/// Mounts the app into `#app` (emptied first, so a saved copy of the page does not render twice).
pub fn start() {
    let t0 = dom::now_ms();
    let Some(doc) = dom::document() else { return };
    let root = match doc.get_element_by_id("app") {
        Some(el) => el,
        None => match doc.create_element("div") {
            Ok(el) => {
                el.set_id("app");
                if let Some(b) = doc.body() {
                    let _ = b.append_child(&el);
                }
                el
            }
            Err(_) => return,
        },
    };
    root.set_inner_html("");
    let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() else { return };
    leptos::mount::mount_to(root, App).forget();
    dom::expose("mountMs", dom::now_ms() - t0);
    dom::expose("readyAt", dom::now_ms());
}

/// Theme choice; `Auto` follows the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ThemePref {
    Auto,
    Light,
    Dark,
}

impl ThemePref {
    fn code(self) -> &'static str {
        match self {
            ThemePref::Auto => "auto",
            ThemePref::Light => "light",
            ThemePref::Dark => "dark",
        }
    }
    fn from_code(s: &str) -> ThemePref {
        match s {
            "light" => ThemePref::Light,
            "dark" => ThemePref::Dark,
            _ => ThemePref::Auto,
        }
    }
}

fn calc(m: &ModelRef, w: &Workload, card: &CardSpec, s: &Scenario) -> Result<Outcome, FieldError> {
    let est = estimate(&m.model, w).map_err(|e| FieldError::from_core(&e, s))?;
    let required = compute::required_bytes(&m.model, w, &est);
    Ok(Outcome {
        by_count: compute::required_by_count(&m.model, w),
        bars: compute::format_bars(&m.model, w),
        est,
        required,
        model: m.clone(),
        workload: w.clone(),
        model_name: m.name.clone(),
        card: card.clone(),
        stale: false,
    })
}

/// Signals and memos shared by the views (all `Copy`).
#[derive(Clone, Copy)]
struct Ctx {
    sc: RwSignal<Scenario>,
    lang: RwSignal<Lang>,
    theme: RwSignal<ThemePref>,
    sys_dark: RwSignal<bool>,
    /// The reader's number format: a default at first, the browser's `Intl` answer once the
    /// first frame is painted (see `App`).
    nf: RwSignal<NumFmt>,
    data: &'static Data,
    embed: bool,
    card: Memo<Result<CardSel, FieldError>>,
    errors: Memo<Vec<FieldError>>,
    out: Memo<Option<Outcome>>,
    econ_in: Memo<Result<Economics, Vec<FieldError>>>,
    econ: Memo<Option<econ::Econ>>,
    notice: RwSignal<Option<String>>,
    file_status: RwSignal<String>,
    /// The planner's table (HTML from the worker) and each row's (card, count, format).
    plans_html: RwSignal<String>,
    plan_choices: StoredValue<Vec<(String, u64, String)>>,
    /// Number of the latest planner request: older answers are dropped.
    plan_seq: StoredValue<f64>,
}

impl Ctx {
    fn nf(&self) -> NumFmt {
        self.nf.get()
    }
    fn tr(&self, k: Phrase) -> &'static str {
        self.lang.get().t(k)
    }
    fn dark(&self) -> bool {
        match self.theme.get() {
            ThemePref::Auto => self.sys_dark.get(),
            ThemePref::Light => false,
            ThemePref::Dark => true,
        }
    }
    fn err(&self, f: Field) -> Option<String> {
        let lang = self.lang.get();
        self.errors.with(|es| es.iter().find(|e| e.field == f).map(|e| msg_text(lang, &e.msg)))
    }
}

fn msg_text(lang: Lang, m: &Msg) -> String {
    match m {
        Msg::Num(e) => lang
            .t(match e {
                NumErr::Empty => Phrase::ErrEmpty,
                NumErr::NotNumber => Phrase::ErrNotNumber,
                NumErr::Negative => Phrase::ErrNegative,
                NumErr::NotWhole => Phrase::ErrNotWhole,
                NumErr::TooLarge => Phrase::ErrTooLarge,
            })
            .to_string(),
        Msg::OutputVsContext => lang.t(Phrase::ErrOutputVsContext).into(),
        Msg::Util => lang.t(Phrase::ErrUtil).into(),
        Msg::Positive => lang.t(Phrase::ErrPositive).into(),
        Msg::UnknownPreset => lang.t(Phrase::ErrUnknownPreset).into(),
        Msg::UnknownGpu => lang.t(Phrase::ErrUnknownGpu).into(),
        Msg::Range(r) => format!("{} {r}", lang.t(Phrase::ErrRange)),
        Msg::Core(s) => s.clone(),
    }
}

/// Does the URL carry a scenario (anything but `lang`/`embed`)?
fn has_scenario(params: &str) -> bool {
    params.split('&').any(|p| {
        let k = p.split('=').next().unwrap_or("");
        p.contains('=') && !k.is_empty() && !matches!(k, "lang" | "embed" | "v")
    })
}

#[component]
fn App() -> impl IntoView {
    let data: &'static Data = Box::leak(Box::new(data::load()));
    let embed = dom::query_param("embed").is_some_and(|v| v == "1" || v == "true");
    // The first `Intl.NumberFormat` of a page initialises the browser's ICU data: 60–80 ms in
    // headless Chromium here, longer than everything else before the first chart. So the page
    // renders with the default (en/zh: `1,234.5`) and asks `Intl` after the first frame; a
    // locale that writes numbers differently re-renders them once, about 10 ms.
    let nf = RwSignal::new(NumFmt::default());

    // Scenario: the link wins, then the last one (not in an embed), then the defaults.
    let hash = dom::hash();
    let query = dom::query();
    let (mut initial, bad) = if has_scenario(&hash) {
        Scenario::from_params(&hash)
    } else if has_scenario(&query) {
        Scenario::from_params(&query)
    } else if let Some(saved) = (!embed).then(|| dom::store_get(KEY_SCENARIO)).flatten() {
        let (s, _) = Scenario::from_params(&saved);
        (s, Vec::new())
    } else {
        (Scenario::default(), Vec::new())
    };
    if initial.gpu == CUSTOM_GPU && !has_scenario(&hash) {
        // The custom card is remembered on its own.
        if let Some(cg) = dom::store_get(KEY_CUSTOM_GPU) {
            let (s, _) = Scenario::from_params(&format!("g=custom&cg={cg}"));
            initial.custom_gpu = s.custom_gpu;
        }
    }
    let sc = RwSignal::new(initial);

    let lang0 = dom::query_param("lang")
        .and_then(|l| Lang::from_tag(&l))
        .or_else(|| dom::store_get(KEY_LANG).and_then(|l| Lang::from_tag(&l)))
        .unwrap_or_else(|| Lang::detect(dom::languages().iter().map(String::as_str)));
    let lang = RwSignal::new(lang0);
    let theme = RwSignal::new(ThemePref::from_code(&dom::store_get(KEY_THEME).unwrap_or_default()));
    let sys_dark = RwSignal::new(dom::prefers_dark());
    dom::on_system_theme(move |d| sys_dark.set(d));
    let notice = RwSignal::new((!bad.is_empty()).then(|| bad.join(", ")));
    let file_status = RwSignal::new(String::new());

    let mkey = Memo::new(move |_| sc.with(model_key));
    let model = Memo::new(move |_| mkey.with(|k| sc.with_untracked(|s| build_model(data, k, s))));
    let card = Memo::new(move |_| sc.with(|s| card_of(data, s)));
    let workload = Memo::new(move |_| {
        let mem = card.with(|c| c.as_ref().map(|c| c.spec.memory_bytes).unwrap_or(80 << 30));
        sc.with(|s| s.workload(mem))
    });
    // One fresh computation; the errors and the shown result derive from it.
    let fresh = Memo::new(move |_| -> Result<Outcome, Vec<FieldError>> {
        let mut errs = Vec::new();
        let m = model.get().map_err(|e| errs.push(e)).ok();
        let c = card.get().map_err(|e| errs.push(e)).ok();
        let w = workload.get().map_err(|mut e| errs.append(&mut e)).ok();
        match (m, c, w) {
            (Some(m), Some(c), Some(w)) if errs.is_empty() => sc.with_untracked(|s| calc(&m, &w, &c.spec, s)).map_err(|e| vec![e]),
            _ => Err(errs),
        }
    });
    let econ_in = Memo::new(move |_| {
        let engine = sc.with(|s| s.engine);
        sc.with(|s| s.cost.check(data.catalog.fx.cny_per_usd, engine))
    });
    let errors = Memo::new(move |_| {
        let mut e = fresh.with(|f| f.as_ref().err().cloned().unwrap_or_default());
        econ_in.with(|r| if let Err(x) = r { e.extend(x.iter().cloned()) });
        e
    });
    let out = Memo::new(move |prev: Option<&Option<Outcome>>| match fresh.get() {
        Ok(o) => Some(o),
        Err(_) => prev.cloned().flatten().map(|mut o| {
            o.stale = true;
            o
        }),
    });

    let econ = Memo::new(move |_| {
        let e = econ_in.get().ok()?;
        let card = card.get().ok()?;
        fresh.with(|f| f.as_ref().ok().map(|o| econ::econ(&o.model.model, &o.workload, &o.est, &card.gpu, &e)))
    });
    let plans_html = RwSignal::new(String::new());
    let plan_choices = StoredValue::new(Vec::new());
    let plan_seq = StoredValue::new(0.0);
    let c = Ctx { sc, lang, theme, sys_dark, nf, data, embed, card, errors, out, econ_in, econ, notice, file_status, plans_html, plan_choices, plan_seq };
    dom::on_worker_reply(move |op, id, json| worker_reply(c, op, id, json));

    // Sync with the outside world.
    Effect::new(move |_| {
        let l = lang.get();
        dom::set_root_attr("lang", Some(l.tag()));
        dom::set_title(l.t(Phrase::AppTitle));
    });
    Effect::new(move |_| {
        let t = theme.get();
        dom::set_root_attr("data-theme", (t != ThemePref::Auto).then_some(t.code()));
    });
    // The URL and local storage follow the scenario, a quarter second after the last change.
    // (A pending write is a gloo timer: replacing it drops, and so cancels, the one before.)
    let pending: StoredValue<Option<gloo_timers::callback::Timeout>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |first: Option<()>| {
        let params = sc.with(Scenario::to_params);
        if first.is_none() && !has_scenario(&dom::hash()) && params == "v=1" {
            return;
        }
        let write = gloo_timers::callback::Timeout::new(250, move || {
                dom::replace_hash(&params);
                if !embed {
                    dom::store_set(KEY_SCENARIO, &params);
                    sc.with_untracked(|s| {
                        if s.gpu == CUSTOM_GPU {
                            let p = s.to_params();
                            if let Some(cg) = p.split('&').find_map(|kv| kv.strip_prefix("cg=")) {
                                dom::store_set(KEY_CUSTOM_GPU, cg);
                            }
                        }
                    });
                }
        });
        pending.set_value(Some(write));
    });
    dom::after_first_frame(move || {
        let f = NumFmt::from_sample(&dom::number_sample());
        if f != nf.get_untracked() {
            nf.set(f);
        }
        // The page is ready (tests and the benchmark wait for this): numbers in their final form.
        dom::set_root_attr("data-ready", Some("1"));
    });
    if embed {
        dom::post_height_to_parent();
    } else {
        dom::register_service_worker();
    }

    view! {
        <a class="skip" href="#results" on:click=move |ev| {
            ev.prevent_default();
            if let Some(el) = dom::document().and_then(|d| d.get_element_by_id("results")).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) { let _ = el.focus(); }
        }>{move || c.tr(Phrase::SkipToResults)}</a>
        {(!embed).then(|| header(c))}
        {move || c.notice.get().map(|bad| view! {
            <div class="notice" role="status">
                {move || c.tr(Phrase::LinkRepaired)} " " <code>{bad}</code>
                <button type="button" class="x" aria-label=move || c.tr(Phrase::Close) on:click=move |_| c.notice.set(None)>"×"</button>
            </div>
        })}
        <main id="main" class="layout" class:embed={embed}>
            <section class="inputs" aria-label=move || c.tr(Phrase::Workload)>
                {model_panel(c)}
                {workload_panel(c)}
                {gpu_panel(c)}
                {(!embed).then(|| econ_panel(c))}
            </section>
            <section class="results" id="results" tabindex="-1" aria-label=move || c.tr(Phrase::Results)>
                {results_panel(c)}
            </section>
        </main>
        {(!embed).then(|| footer(c))}
        {embed.then(|| view! {
            <p class="open-full">
                <a href=move || dom::page_url(&format!("lang={}", c.lang.get().tag()), &c.sc.with(Scenario::to_params)) target="_blank" rel="noopener">
                    {move || c.tr(Phrase::OpenFull)} " ↗"
                </a>
            </p>
        })}
    }
}

fn header(c: Ctx) -> impl IntoView {
    let copied = RwSignal::new(0u8); // 0 idle, 1 copied, 2 failed (show the link)
    let embed_open = RwSignal::new(false);
    let share = move |_| {
        let url = dom::page_url("", &c.sc.with(Scenario::to_params));
        leptos::task::spawn_local(async move {
            let ok = dom::copy(&url).await;
            copied.set(if ok { 1 } else { 2 });
            set_timeout(move || copied.set(0), std::time::Duration::from_millis(if ok { 1500 } else { 20000 }));
        });
    };
    let reset = move |_| {
        c.sc.set(Scenario::default());
        c.notice.set(None);
        c.file_status.set(String::new());
        dom::store_remove(KEY_SCENARIO);
        dom::replace_hash("");
    };
    let online = matches!(dom::protocol().as_str(), "http:" | "https:");
    view! {
        <header class="top">
            <div class="brand">
                <h1>"gpuplan"</h1>
                <p class="tagline">{move || c.tr(Phrase::Tagline)}</p>
            </div>
            <div class="tools">
                <label class="compact">
                    <span class="sr-only">{move || c.tr(Phrase::Language)}</span>
                    <select id="lang" data-testid="lang" aria-label=move || c.tr(Phrase::Language) on:change=move |ev| {
                        if let Some(l) = Lang::from_tag(&event_target_value(&ev)) {
                            c.lang.set(l);
                            dom::store_set(KEY_LANG, l.tag());
                        }
                    }>
                        {Lang::ALL.into_iter().map(|l| view! { <option value=l.tag() selected=move || c.lang.get() == l>{l.native_name()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="compact">
                    <span class="sr-only">{move || c.tr(Phrase::Theme)}</span>
                    <select id="theme" data-testid="theme" aria-label=move || c.tr(Phrase::Theme) on:change=move |ev| {
                        let t = ThemePref::from_code(&event_target_value(&ev));
                        c.theme.set(t);
                        dom::store_set(KEY_THEME, t.code());
                    }>
                        {[(ThemePref::Auto, Phrase::ThemeAuto), (ThemePref::Light, Phrase::ThemeLight), (ThemePref::Dark, Phrase::ThemeDark)].into_iter().map(|(t, k)| view! {
                            <option value=t.code() selected=move || c.theme.get() == t>{move || c.tr(k)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" data-testid="share" on:click=share>
                    {move || if copied.get() == 1 { c.tr(Phrase::Copied) } else { c.tr(Phrase::Share) }}
                </button>
                <button type="button" data-testid="embed" aria-expanded=move || if embed_open.get() { "true" } else { "false" } on:click=move |_| embed_open.update(|o| *o = !*o)>{move || c.tr(Phrase::Embed)}</button>
                <button type="button" data-testid="reset" on:click=reset>{move || c.tr(Phrase::Reset)}</button>
                {online.then(|| view! {
                    <a class="button" href="gpuplan-offline.html" download="gpuplan-offline.html" title=move || c.tr(Phrase::OfflineHint)>{move || c.tr(Phrase::Offline)}</a>
                })}
            </div>
            {move || (copied.get() == 2).then(|| view! {
                <div class="popover" role="status">
                    <label for="share-url">{move || c.tr(Phrase::CopyFailed)}</label>
                    <input id="share-url" readonly prop:value=move || dom::page_url("", &c.sc.with(Scenario::to_params)) on:focus=|ev| select_target(&ev)/>
                </div>
            })}
            {move || embed_open.get().then(|| embed_dialog(c, embed_open))}
        </header>
    }
}

fn select_target(ev: &leptos::ev::FocusEvent) {
    if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
        t.select();
    }
    if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
        t.select();
    }
}

/// The `<iframe>` snippet for a blog post, with the parent-side height listener.
fn embed_snippet(c: Ctx) -> String {
    let src = dom::page_url(&format!("embed=1&lang={}", c.lang.get().tag()), &c.sc.with(Scenario::to_params));
    let title = c.lang.get().t(Phrase::AppTitle);
    format!(
        "<iframe src=\"{}\" title=\"{}\" loading=\"lazy\" scrolling=\"no\" style=\"width:100%;height:760px;border:0\" data-gpuplan-embed></iframe>\n<script>addEventListener(\"message\",function(e){{var d=e.data;if(!d||d.type!==\"gpuplan:height\")return;document.querySelectorAll(\"iframe[data-gpuplan-embed]\").forEach(function(f){{if(f.contentWindow===e.source)f.style.height=d.height+\"px\"}})}});</script>",
        src.replace('&', "&amp;").replace('"', "&quot;"),
        title
    )
}

fn embed_dialog(c: Ctx, open: RwSignal<bool>) -> impl IntoView {
    let copied = RwSignal::new(false);
    view! {
        <div class="dialog" role="dialog" aria-modal="false" aria-labelledby="embed-title" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <h2 id="embed-title">{move || c.tr(Phrase::EmbedTitle)}</h2>
            <p>{move || c.tr(Phrase::EmbedHint)}</p>
            <textarea id="embed-code" data-testid="embed-code" readonly rows="6" prop:value=move || embed_snippet(c) on:focus=|ev| select_target(&ev)></textarea>
            <div class="row">
                <button type="button" on:click=move |_| {
                    let s = embed_snippet(c);
                    leptos::task::spawn_local(async move { copied.set(dom::copy(&s).await); });
                }>{move || if copied.get() { c.tr(Phrase::Copied) } else { c.tr(Phrase::Share) }}</button>
                <button type="button" on:click=move |_| open.set(false)>{move || c.tr(Phrase::Close)}</button>
            </div>
        </div>
    }
}

fn footer(c: Ctx) -> impl IntoView {
    view! {
        <footer class="foot">
            <p>{move || c.tr(Phrase::FooterPrivacy)}</p>
            <p>{move || c.tr(Phrase::FooterData)} " (" {c.data.catalog.as_of.clone()} ")"</p>
        </footer>
    }
}

// ---------------------------------------------------------------- form helpers

fn err_view(c: Ctx, f: Field) -> impl IntoView {
    let id = format!("{}-err", f.id());
    view! { <p class="err" id=id aria-live="polite">{move || c.err(f)}</p> }
}

/// A number field; the text is kept as typed, the message sits under it.
fn num_field(c: Ctx, f: Field, label: Phrase, get: fn(&Scenario) -> &String, set: fn(&mut Scenario, String), hint: Option<Phrase>) -> impl IntoView {
    let id = f.id();
    let value = Memo::new(move |_| c.sc.with(|s| get(s).clone()));
    let bad = Memo::new(move |_| c.errors.with(|es| es.iter().any(|e| e.field == f)));
    view! {
        <div class="field" class:invalid=move || bad.get()>
            <label for=id>{move || c.tr(label)}</label>
            <input id=id data-testid=id type="text" inputmode="decimal" autocomplete="off" spellcheck="false"
                placeholder=move || hint.map(|h| c.tr(h))
                aria-invalid=move || if bad.get() { "true" } else { "false" }
                aria-describedby=format!("{id}-err")
                prop:value=move || value.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    c.sc.update(|s| set(s, v));
                }/>
            {err_view(c, f)}
        </div>
    }
}

/// A label that may be translated.
#[derive(Clone, Copy)]
enum L {
    T(Phrase),
    S(&'static str),
}

impl L {
    fn text(self, lang: Lang) -> &'static str {
        match self {
            L::T(k) => lang.t(k),
            L::S(s) => s,
        }
    }
}

fn select_field(c: Ctx, f: Field, label: Phrase, options: Vec<(&'static str, L)>, get: fn(&Scenario) -> &'static str, set: fn(&mut Scenario, &str)) -> impl IntoView {
    let id = f.id();
    let cur = Memo::new(move |_| c.sc.with(get));
    view! {
        <div class="field">
            <label for=id>{move || c.tr(label)}</label>
            <select id=id data-testid=id on:change=move |ev| {
                let v = event_target_value(&ev);
                c.sc.update(|s| set(s, &v));
            }>
                {options.into_iter().map(|(v, l)| view! { <option value=v selected=move || cur.get() == v>{move || l.text(c.lang.get())}</option> }).collect_view()}
            </select>
            {err_view(c, f)}
        </div>
    }
}

fn check_field(c: Ctx, id: &'static str, label: Phrase, get: fn(&Scenario) -> bool, set: fn(&mut Scenario, bool)) -> impl IntoView {
    let cur = Memo::new(move |_| c.sc.with(get));
    view! {
        <div class="field check">
            <input type="checkbox" id=id data-testid=id prop:checked=move || cur.get() on:change=move |ev| {
                let v = event_target_checked(&ev);
                c.sc.update(|s| set(s, v));
            }/>
            <label for=id>{move || c.tr(label)}</label>
        </div>
    }
}

// ---------------------------------------------------------------- model

fn model_panel(c: Ctx) -> impl IntoView {
    let source = Memo::new(move |_| c.sc.with(|s| s.source));
    let tab = move |src: Source, k: Phrase, id: &'static str| {
        view! {
            <button type="button" role="tab" id=format!("tab-{id}") data-testid=format!("tab-{id}")
                aria-selected=move || if source.get() == src { "true" } else { "false" }
                tabindex=move || if source.get() == src { "0" } else { "-1" }
                aria-controls="model-panel"
                on:click=move |_| c.sc.update(|s| {
                    s.source = if src == Source::Config && s.file.is_some() { Source::File } else { src };
                })
                on:keydown=move |ev| {
                    let order = [Source::Preset, Source::Config, Source::Manual];
                    let i = order.iter().position(|x| *x == source.get_untracked() || (*x == Source::Config && source.get_untracked() == Source::File)).unwrap_or(0);
                    let next = match ev.key().as_str() { "ArrowRight" => Some((i + 1) % 3), "ArrowLeft" => Some((i + 2) % 3), _ => None };
                    if let Some(n) = next {
                        ev.prevent_default();
                        c.sc.update(|s| s.source = order[n]);
                        let ids = ["tab-preset", "tab-file", "tab-manual"];
                        if let Some(el) = dom::document().and_then(|d| d.get_element_by_id(ids[n])).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) { let _ = el.focus(); }
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
                {move || match source.get() {
                    Source::Preset => preset_picker(c).into_any(),
                    Source::Config | Source::File => file_panel(c).into_any(),
                    Source::Manual => manual_panel(c).into_any(),
                }}
            </div>
            {model_summary(c)}
        </fieldset>
    }
}

fn preset_picker(c: Ctx) -> impl IntoView {
    let q = RwSignal::new(String::new());
    let hits = Memo::new(move |_| q.with(|q| c.data.search(q)));
    let choose = move |id: String| c.sc.update(|s| {
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
                    view! { <option value=id selected=move || c.sc.with(|s| s.preset == id2)>{p.name.clone()}</option> }
                }).collect_view()}
            </select>
            {err_view(c, Field::Preset)}
        </div>
    }
}

fn file_panel(c: Ctx) -> impl IntoView {
    let over = RwSignal::new(false);
    let config = Memo::new(move |_| c.sc.with(|s| s.config.clone()));
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
        <div class="field">
            <label for="config">{move || c.tr(Phrase::PasteConfig)}</label>
            <textarea id="config" data-testid="config" rows="7" spellcheck="false" placeholder="{\"model_type\": \"llama\", \"hidden_size\": 4096, …}"
                aria-describedby="config-err"
                aria-invalid=move || if c.errors.with(|es| es.iter().any(|e| e.field == Field::Config)) { "true" } else { "false" }
                prop:value=move || config.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    c.sc.update(|s| { s.config = v; s.source = Source::Config; });
                }></textarea>
            {err_view(c, Field::Config)}
        </div>
    }
}

/// Hands the dropped files to the worker, which reads their headers (GGUF: 4 MiB first, more on
/// `NeedMore`; only the slices it needs) and resolves them into a model. Nothing leaves the page.
fn read_files(c: Ctx, list: web_sys::FileList) {
    if list.length() == 0 {
        return;
    }
    let lang = c.lang.get_untracked();
    let names: Vec<String> = (0..list.length()).filter_map(|i| list.get(i)).map(|f| f.name()).collect();
    c.file_status.set(format!("{} {}…", lang.t(Phrase::ReadingFile), names.join(", ")));
    let files = js_sys::Array::from(&list);
    dom::worker_post(dom::request("files", 0.0, &[("lang", lang.tag().into()), ("files", files.into())]));
}

/// What the worker answered: a drop's outcome, the planner's table, or that it could not start.
fn worker_reply(c: Ctx, op: &str, id: f64, json: &str) {
    match op {
        "files" => {
            let Some(r) = files::DropResult::from_json(json) else { return };
            match r.outcome {
                files::Outcome::File(fm) => {
                    let fmt = fm.format.as_deref().and_then(|n| WeightFormat::parse(n, false).ok());
                    c.sc.update(|s| {
                        s.file = Some(fm);
                        s.source = Source::File;
                        if let Some(f) = fmt {
                            if s.mode == Mode::Inference {
                                s.set_weights(f);
                            }
                        }
                    });
                }
                files::Outcome::Config(text) => c.sc.update(|s| {
                    s.config = text;
                    s.source = Source::Config;
                    s.file = None;
                }),
                _ => {}
            }
            c.file_status.set(r.status);
        }
        "plan" if id == c.plan_seq.get_value() => {
            let v = gpuplan_core::json::parse(json).unwrap_or_default();
            let choices = v.get("choices").and_then(|x| x.as_array()).map(|rows| {
                rows.iter()
                    .filter_map(|r| Some((r[0].as_str()?.to_string(), r[1].as_u64()?, r[2].as_str()?.to_string())))
                    .collect::<Vec<_>>()
            });
            c.plan_choices.set_value(choices.unwrap_or_default());
            if let Some(ms) = v.get("ms").and_then(|x| x.as_f64()) {
                dom::expose("planMs", ms);
            }
            c.plans_html.set(v.get("html").and_then(|x| x.as_str()).unwrap_or_default().to_string());
        }
        "export" if !json.is_empty() => {
            if id == EXPORT_JSON {
                dom::download("gpuplan-results.json", "application/json", json);
            } else {
                dom::download("gpuplan-results.csv", "text/csv", json);
            }
        }
        "error" => {
            let msg = c.lang.get_untracked().t(Phrase::WorkerFailed);
            c.file_status.set(msg.to_string());
            c.plans_html.set(format!("<p class=\"err\">{}</p>", render::esc(msg)));
        }
        _ => {}
    }
}

fn manual_panel(c: Ctx) -> impl IntoView {
    let fields: [(ManualKey, Phrase); 10] = [
        (ManualKey::Layers, Phrase::Layers),
        (ManualKey::Hidden, Phrase::Hidden),
        (ManualKey::Heads, Phrase::Heads),
        (ManualKey::KvHeads, Phrase::KvHeads),
        (ManualKey::HeadDim, Phrase::HeadDim),
        (ManualKey::Intermediate, Phrase::Intermediate),
        (ManualKey::Vocab, Phrase::Vocab),
        (ManualKey::Experts, Phrase::Experts),
        (ManualKey::ExpertsPerToken, Phrase::ExpertsPerToken),
        (ManualKey::ExpertIntermediate, Phrase::ExpertInter),
    ];
    view! {
        <div class="grid2">
            {fields.into_iter().map(|(mk, label)| manual_field(c, mk, label)).collect_view()}
        </div>
        {check_field(c, "m-tied", Phrase::Tied, |s| s.manual.tied, |s, v| { s.manual.tied = v; s.source = Source::Manual; })}
    }
}

fn manual_field(c: Ctx, mk: ManualKey, label: Phrase) -> impl IntoView {
    let f = Field::Manual(mk);
    let id = f.id();
    let value = Memo::new(move |_| c.sc.with(|s| s.manual.get(mk).clone()));
    let bad = Memo::new(move |_| c.errors.with(|es| es.iter().any(|e| e.field == f)));
    view! {
        <div class="field" class:invalid=move || bad.get()>
            <label for=id>{move || c.tr(label)}</label>
            <input id=id data-testid=id type="text" inputmode="numeric" autocomplete="off"
                aria-invalid=move || if bad.get() { "true" } else { "false" }
                aria-describedby=format!("{id}-err")
                prop:value=move || value.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    c.sc.update(|s| { *s.manual.get_mut(mk) = v; s.source = Source::Manual; });
                }/>
            {err_view(c, f)}
        </div>
    }
}

fn model_summary(c: Ctx) -> impl IntoView {
    let html = move || {
        let lang = c.lang.get();
        let preset = c.sc.with(|s| (s.source == Source::Preset).then(|| s.preset.clone()));
        c.out.with(|o| {
            let o = o.as_ref()?;
            Some(render::model_summary(lang, c.nf(), o, preset.and_then(|id| c.data.preset(&id))))
        })
        .unwrap_or_default()
    };
    view! { <div class="slot" inner_html=html></div> }
}

// ---------------------------------------------------------------- workload

fn weight_options() -> Vec<WeightFormat> {
    let mut v: Vec<WeightFormat> = ALL_FORMATS.to_vec();
    v.insert(v.iter().position(|f| matches!(f, WeightFormat::Nf4 { .. })).map_or(v.len(), |i| i + 1), WeightFormat::Nf4 { double_quant: true });
    v
}

fn format_group(f: WeightFormat) -> &'static str {
    match f {
        WeightFormat::Fp32 | WeightFormat::Bf16 | WeightFormat::Fp16 => "16/32-bit",
        WeightFormat::Fp8 | WeightFormat::Int8 => "8-bit",
        WeightFormat::Gguf(_) => "GGUF · llama.cpp",
        _ => "4-bit",
    }
}

fn workload_panel(c: Ctx) -> impl IntoView {
    let mode = Memo::new(move |_| c.sc.with(|s| s.mode));
    let engine = Memo::new(move |_| c.sc.with(|s| s.engine));
    let weights = Memo::new(move |_| c.sc.with(|s| s.weights));
    let modes = vec![
        ("inference", L::T(Phrase::ModeInference)),
        ("lora", L::T(Phrase::ModeLora)),
        ("qlora", L::T(Phrase::ModeQlora)),
        ("full", L::T(Phrase::ModeFull)),
        ("pretrain", L::T(Phrase::ModePretrain)),
    ];
    let kvs: Vec<(&'static str, L)> = [KvFormat::Bf16, KvFormat::Fp16, KvFormat::Fp8, KvFormat::Q8_0, KvFormat::Q4_0, KvFormat::Fp32].into_iter().map(|k| (k.name(), L::S(k.name()))).collect();
    let engines = vec![("hf", L::S("Hugging Face transformers")), ("vllm", L::S("vLLM")), ("llama.cpp", L::S("llama.cpp / Ollama"))];
    let optimizers: Vec<(&'static str, L)> = [Optimizer::Adamw, Optimizer::Adamw8bit, Optimizer::Sgd, Optimizer::Adafactor, Optimizer::Lion].into_iter().map(|o| (o.name(), L::S(o.name()))).collect();
    let weights_select = {
        let groups = ["16/32-bit", "8-bit", "4-bit", "GGUF · llama.cpp"];
        view! {
            <div class="field">
                <label for="weights">{move || c.tr(Phrase::WeightFormat)}</label>
                <select id="weights" data-testid="weights" on:change=move |ev| {
                    if let Ok(f) = WeightFormat::parse(&event_target_value(&ev), false) { c.sc.update(|s| s.set_weights(f)); }
                }>
                    {groups.into_iter().map(|g| view! {
                        <optgroup label=g>
                            {weight_options().into_iter().filter(|f| format_group(*f) == g).map(|f| view! {
                                <option value=f.name() selected=move || weights.get() == f>{f.name()}</option>
                            }).collect_view()}
                        </optgroup>
                    }).collect_view()}
                </select>
                {err_view(c, Field::Weights)}
                {native_warning(c)}
            </div>
        }
    };
    view! {
        <fieldset class="panel">
            <legend>{move || c.tr(Phrase::Workload)}</legend>
            <div class="grid2">
                {select_field(c, Field::Mode, Phrase::Task, modes, |s| s.mode.name(), |s, v| if let Ok(m) = Mode::parse(v) { s.set_mode(m) })}
                {weights_select}
            </div>
            {move || if mode.get() == Mode::Inference {
                view! {
                    <div class="grid2">
                        {num_field(c, Field::Context, Phrase::Context, |s| &s.context, |s, v| s.context = v, Some(Phrase::TokensHint))}
                        {num_field(c, Field::Output, Phrase::Output, |s| &s.output, |s, v| s.output = v, None)}
                        {num_field(c, Field::Users, Phrase::Users, |s| &s.users, |s, v| s.users = v, None)}
                        {(!c.embed).then(|| select_field(c, Field::Engine, Phrase::Engine, engines.clone(), |s| s.engine.name(), |s, v| if let Ok(e) = Engine::parse(v) { s.engine = e }))}
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class="grid2">
                        {num_field(c, Field::MicroBatch, Phrase::MicroBatch, |s| &s.micro_batch, |s, v| s.micro_batch = v, None)}
                        {num_field(c, Field::Seq, Phrase::Seq, |s| &s.seq, |s, v| s.seq = v, Some(Phrase::TokensHint))}
                        {move || matches!(mode.get(), Mode::Lora | Mode::Qlora).then(|| num_field(c, Field::LoraRank, Phrase::LoraRank, |s| &s.lora_rank, |s, v| s.lora_rank = v, None))}
                        {(!c.embed).then(|| select_field(c, Field::Optimizer, Phrase::Optimizer, optimizers.clone(), |s| s.optimizer.name(), |s, v| if let Ok(o) = Optimizer::parse(v) { s.optimizer = o }))}
                    </div>
                }.into_any()
            }}
            <div class="grid2">
                {num_field(c, Field::Gpus, Phrase::Gpus, |s| &s.gpus, |s, v| s.gpus = v, None)}
                {(!c.embed).then(|| select_field(c, Field::Kv, Phrase::KvFormat, kvs.clone(), |s| s.kv.name(), |s, v| if let Ok(k) = KvFormat::parse(v) { s.kv = k }))}
            </div>
            {(!c.embed).then(|| view! {
                <details class="more">
                    <summary>{move || c.tr(Phrase::Advanced)}</summary>
                    {move || (mode.get() != Mode::Inference).then(|| view! {
                        <div class="grid2">
                            {select_field(c, Field::Zero, Phrase::Zero, vec![("0", L::S("0")), ("1", L::S("1")), ("2", L::S("2")), ("3", L::S("3 (FSDP full shard)"))],
                                |s| ["0", "1", "2", "3"][s.zero.min(3) as usize], |s, v| s.zero = v.parse().unwrap_or(0).min(3))}
                            {select_field(c, Field::Precision, Phrase::TrainPrecision, vec![("bf16", L::T(Phrase::PrecisionBf16)), ("mixed", L::T(Phrase::PrecisionMixed))],
                                |s| s.precision.name(), |s, v| if let Ok(p) = Precision::parse(v) { s.precision = p })}
                        </div>
                        {check_field(c, "grad-ckpt", Phrase::GradCkpt, |s| s.grad_ckpt, |s, v| s.grad_ckpt = v)}
                        {check_field(c, "offload", Phrase::Offload, |s| s.offload, |s, v| s.offload = v)}
                    })}
                    {move || (mode.get() == Mode::Inference && engine.get() == Engine::Vllm).then(|| num_field(c, Field::Util, Phrase::Util, |s| &s.util, |s, v| s.util = v, None))}
                    {move || (mode.get() == Mode::Inference && engine.get() == Engine::LlamaCpp).then(|| num_field(c, Field::GpuLayers, Phrase::GpuLayers, |s| &s.gpu_layers, |s, v| s.gpu_layers = v, None))}
                </details>
            })}
        </fieldset>
    }
}

/// Warns when the chosen format is not native on the chosen card.
fn native_warning(c: Ctx) -> impl IntoView {
    move || {
        let sel = c.card.get().ok()?;
        let card = &c.data.catalog.gpus[sel.idx?];
        let w = c.sc.with(|s| s.weights);
        let p = w.compute_precision();
        let sup = card.support(p);
        (sup != gpuplan_core::catalog::PrecisionSupport::Native).then(|| view! {
            <p class="warn" data-testid="native-warning" role="note">"⚠ " {w.name()} " (" {p} ") " {move || c.tr(Phrase::NotNative)}</p>
        })
    }
}

// ---------------------------------------------------------------- GPU

fn gpu_panel(c: Ctx) -> impl IntoView {
    let cur = Memo::new(move |_| c.sc.with(|s| s.gpu.clone()));
    let mut vendors: Vec<String> = Vec::new();
    for card in &c.data.specs {
        if !vendors.contains(&card.vendor) {
            vendors.push(card.vendor.clone());
        }
    }
    let cg = move |k: CgKey, label: Phrase, get: fn(&Scenario) -> &String, set: fn(&mut Scenario, String)| num_field(c, Field::Custom(k), label, get, set, None);
    view! {
        <fieldset class="panel">
            <legend>{move || c.tr(Phrase::Gpu)}</legend>
            <div class="field">
                <label for="gpu">{move || c.tr(Phrase::Card)}</label>
                <select id="gpu" data-testid="gpu" on:change=move |ev| { let v = event_target_value(&ev); c.sc.update(|s| s.gpu = v); }>
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
                c.data.card(&cur.get()).map(|i| render::card_info(lang, c.nf(), &c.data.catalog.gpus[i])).unwrap_or_default()
            }></div>
            {move || (cur.get() == CUSTOM_GPU).then(|| view! {
                <div class="field">
                    <label for="cg-name">{move || c.tr(Phrase::CustomName)}</label>
                    <input id="cg-name" data-testid="cg-name" type="text" maxlength="60" prop:value=move || c.sc.with(|s| s.custom_gpu.name.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); c.sc.update(|s| s.custom_gpu.name = v); }/>
                </div>
                <div class="grid2">
                    {cg(CgKey::Memory, Phrase::MemoryGb, |s| &s.custom_gpu.memory_gb, |s, v| s.custom_gpu.memory_gb = v)}
                    {cg(CgKey::Bandwidth, Phrase::BandwidthGbs, |s| &s.custom_gpu.bandwidth_gbps, |s, v| s.custom_gpu.bandwidth_gbps = v)}
                    {cg(CgKey::Tflops, Phrase::TflopsBf16, |s| &s.custom_gpu.tflops, |s, v| s.custom_gpu.tflops = v)}
                    {cg(CgKey::Watts, Phrase::Watts, |s| &s.custom_gpu.watts, |s, v| s.custom_gpu.watts = v)}
                    {cg(CgKey::Price, Phrase::PriceUsd, |s| &s.custom_gpu.price_usd, |s, v| s.custom_gpu.price_usd = v)}
                    {cg(CgKey::Rent, Phrase::RentUsdH, |s| &s.custom_gpu.rent_usd_h, |s, v| s.custom_gpu.rent_usd_h = v)}
                </div>
            })}
        </fieldset>
    }
}

// ---------------------------------------------------------------- results

fn results_panel(c: Ctx) -> impl IntoView {
    let sort = RwSignal::new((SortKey::CardsNeeded, false));
    view! {
        <div class="slot" inner_html=move || {
            let lang = c.lang.get();
            match c.out.with(|o| o.as_ref().map(|o| o.stale)) {
                Some(false) => String::new(),
                Some(true) => format!("<p class=\"stale\" role=\"status\">{}</p>", render::esc(lang.t(Phrase::StaleResult))),
                None => format!("<p class=\"stale\" role=\"status\">{}</p>", render::esc(lang.t(Phrase::NoResult))),
            }
        }></div>
        <div class="slot" inner_html=move || { let lang = c.lang.get(); c.out.with(|o| o.as_ref().map(|o| render::verdict(lang, c.nf(), o))).unwrap_or_default() }></div>
        <div class="slot" inner_html=move || { let lang = c.lang.get(); c.out.with(|o| o.as_ref().map(|o| render::breakdown(lang, c.nf(), o))).unwrap_or_default() }></div>
        <div class="slot" inner_html=move || { let lang = c.lang.get(); c.out.with(|o| o.as_ref().map(|o| render::notes(lang, o))).unwrap_or_default() }></div>
        {format_chart_view(c)}
        <div class="slot" inner_html=move || { let lang = c.lang.get(); c.econ.with(|x| x.as_ref().map(|x| render::speed_cost(lang, c.nf(), x))).unwrap_or_default() }></div>
        {(!c.embed).then(|| cost_chart_view(c))}
        {(!c.embed).then(|| planner(c))}
        {(!c.embed).then(|| fit_table(c, sort))}
        {(!c.embed).then(|| exports(c, sort))}
    }
}

fn format_chart_view(c: Ctx) -> impl IntoView {
    let svg = Memo::new(move |_| {
        let lang = c.lang.get();
        c.out.with(|o| {
            let Some(o) = o else { return String::new() };
            // Decimal GB, like the axis label and every other figure of the page (the chart used
            // to plot GiB under a "GB" axis: 17.9 next to a verdict of 19.3 GB).
            let gb = |b: u64| b as f64 / 1e9;
            let bars: Vec<charts::Bar> = o.bars.iter().map(|b| charts::Bar { label: b.format.name().to_string(), gb: gb(b.required), highlight: b.format == o.workload.weights }).collect();
            let cap = gb(o.card.memory_bytes);
            let short = o.card.name.split([' ', '(']).next().unwrap_or("").to_string();
            let lines: Vec<charts::Line> = [1u64, 2, 4, 8].iter().map(|&n| charts::Line { label: format!("{n}× {short}"), gb: cap * n as f64 }).collect();
            let nf = c.nf();
            let t0 = dom::now_ms();
            let s = charts::format_chart(&bars, &lines, lang.t(Phrase::ChartPrecision), lang.t(Phrase::ChartPrecisionAxis), &|x| nf.sig(x));
            dom::expose("chartMs", dom::now_ms() - t0);
            s
        })
    });
    let export = move |png: bool| {
        let file = charts::standalone(&svg.get_untracked(), c.dark());
        if png {
            dom::download_png("gpuplan-memory-vs-format.png", &file);
        } else {
            dom::download("gpuplan-memory-vs-format.svg", "image/svg+xml", &file);
        }
    };
    view! {
        <section class="block" aria-labelledby="chart-title">
            <div class="row spread">
                <h2 id="chart-title">{move || c.tr(Phrase::ChartPrecision)}</h2>
                <div class="row">
                    <button type="button" class="small" data-testid="export-svg" on:click=move |_| export(false)>"SVG"</button>
                    <button type="button" class="small" data-testid="export-png" on:click=move |_| export(true)>"PNG"</button>
                </div>
            </div>
            <div class="chart" data-testid="chart-formats" inner_html=move || svg.get()></div>
        </section>
    }
}

fn fit_table(c: Ctx, sort: RwSignal<(SortKey, bool)>) -> impl IntoView {
    let rows = Memo::new(move |_| {
        let (key, desc) = sort.get();
        c.out.with(|o| {
            let Some(o) = o else { return Vec::new() };
            let specs = &c.data.specs;
            let mut rows = compute::fit_rows(specs, &o.by_count, o.workload.gpus);
            compute::sort_rows(&mut rows, specs, key, desc);
            rows
        })
    });
    // The body is one HTML string (48 rows re-rendered in one DOM write).
    let body = move || {
        let lang = c.lang.get();
        let n = c.out.with(|o| o.as_ref().map_or(1, |o| o.workload.gpus));
        let chosen = c.sc.with(|s| s.gpu.clone());
        let mut html = String::with_capacity(8192);
        rows.with(|rows| {
            for r in rows {
                let card = &c.data.specs[r.card];
                let esc = render::esc;
                html.push_str(&format!(
                    "<tr class=\"{}{}\"><th scope=\"row\"><button type=\"button\" class=\"linklike\" data-card=\"{}\" title=\"{}\">{}</button></th><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    if r.fits_now { "fits" } else { "nofit" },
                    if card.id == chosen { " chosen" } else { "" },
                    esc(&card.id),
                    esc(lang.t(Phrase::Choose)),
                    esc(&card.name),
                    c.nf().bytes(card.memory_bytes),
                    if r.fits_now { format!("✓ {}", lang.t(Phrase::Yes)) } else { format!("✗ {}", lang.t(Phrase::No)) },
                    r.cards_needed.map_or_else(|| lang.t(Phrase::Never).to_string(), |k| c.nf().int(k)),
                    r.headroom.map_or("—".to_string(), |h| c.nf().bytes_signed(h)),
                    card.purchase_usd.map_or("—".to_string(), |p| c.nf().usd(p)),
                ));
            }
        });
        let _ = n;
        html
    };
    let th = move |key: SortKey, k: Phrase, num: bool| {
        view! {
            <th scope="col" class:num=num aria-sort=move || { let (sk, d) = sort.get(); if sk == key { if d { "descending" } else { "ascending" } } else { "none" } }>
                <button type="button" class="sort" data-testid=format!("sort-{:?}", key).to_ascii_lowercase() on:click=move |_| sort.update(|(sk, d)| { if *sk == key { *d = !*d } else { *sk = key; *d = matches!(key, SortKey::Headroom | SortKey::Memory) } })>
                    {move || c.tr(k)} {move || { let (sk, d) = sort.get(); if sk == key { if d { " ▼" } else { " ▲" } } else { "" } }}
                </button>
            </th>
        }
    };
    let on_pick = move |ev: leptos::ev::MouseEvent| {
        let id = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.closest("[data-card]").ok().flatten()).and_then(|e| e.get_attribute("data-card"));
        if let Some(id) = id {
            c.sc.update(|s| s.gpu = id);
        }
    };
    view! {
        <section class="block" aria-labelledby="cards-title">
            <h2 id="cards-title">{move || c.tr(Phrase::AllCards)}</h2>
            <div class="tablewrap">
                <table class="cards" data-testid="fit-table">
                    <thead><tr>
                        {th(SortKey::Name, Phrase::ColCard, false)}
                        {th(SortKey::Memory, Phrase::ColMemory, true)}
                        <th scope="col">{move || c.tr(Phrase::ColFitsHere)} " (" {move || c.out.with(|o| o.as_ref().map_or(1, |o| o.workload.gpus))} ")"</th>
                        {th(SortKey::CardsNeeded, Phrase::ColCardsNeeded, true)}
                        {th(SortKey::Headroom, Phrase::ColHeadroom, true)}
                        {th(SortKey::Price, Phrase::ColPrice, true)}
                    </tr></thead>
                    <tbody on:click=on_pick inner_html=body></tbody>
                </table>
            </div>
        </section>
    }
}

/// CSV and JSON of the results: written by the worker from the scenario's link (the table
/// sorted as shown), downloaded here.
fn exports(c: Ctx, sort: RwSignal<(SortKey, bool)>) -> impl IntoView {
    let ask = move |json: bool| {
        let (k, d) = sort.get_untracked();
        let params = c.sc.with_untracked(Scenario::to_params);
        let kind = if json { "json" } else { "csv" };
        dom::worker_post(dom::request(
            "export",
            if json { EXPORT_JSON } else { EXPORT_CSV },
            &[("kind", kind.into()), ("sort", k.code().into()), ("desc", d.into()), ("params", params.into())],
        ));
    };
    view! {
        <section class="block row">
            <span>{move || c.tr(Phrase::Export)} ":"</span>
            <button type="button" class="small" data-testid="export-csv" on:click=move |_| ask(false)>"CSV"</button>
            <button type="button" class="small" data-testid="export-json" on:click=move |_| ask(true)>"JSON"</button>
        </section>
    }
}

// ---------------------------------------------------------------- speed, cost, plans

/// Costing, efficiency and planner inputs, and the user profiles of the source articles.
fn econ_panel(c: Ctx) -> impl IntoView {
    let training = Memo::new(move |_| c.sc.with(|s| s.mode.is_training()));
    let f = move |field: Field, label: Phrase, get: fn(&Scenario) -> &String, set: fn(&mut Scenario, String)| num_field(c, field, label, get, set, Some(Phrase::DefaultHint));
    let profiles = &c.data.catalog.profiles;
    view! {
        <fieldset class="panel">
            <legend>{move || c.tr(Phrase::Economics)}</legend>
            <div class="field">
                <label for="profile">{move || c.tr(Phrase::Profile)}</label>
                <select id="profile" data-testid="profile" on:change=move |ev| {
                    let id = event_target_value(&ev);
                    if let Some(p) = c.data.catalog.profiles.iter().find(|p| p.id == id) {
                        c.sc.update(|s| econ::apply_profile(s, p));
                    }
                }>
                    <option value="">{move || c.tr(Phrase::ProfileNone)}</option>
                    {profiles.iter().map(|p| {
                        let p2 = p.clone();
                        view! { <option value=p.id.clone() title=p.description_en.clone()>{move || match c.lang.get() { Lang::En => p2.name_en.clone(), Lang::ZhHans => p2.name_zh_hans.clone(), Lang::ZhHant => p2.name_zh_hant.clone() }}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="grid2">
                {f(Field::Target, Phrase::TargetTps, |s| &s.cost.target, |s, v| s.cost.target = v)}
                {f(Field::Budget, Phrase::BudgetUsd, |s| &s.cost.budget, |s, v| s.cost.budget = v)}
            </div>
            {check_field(c, "rent", Phrase::RankByRent, |s| s.cost.rent, |s, v| s.cost.rent = v)}
            {move || training.get().then(|| f(Field::TrainTokens, Phrase::TrainTokensB, |s| &s.cost.train_tokens_b, |s, v| s.cost.train_tokens_b = v))}
            <details>
                <summary>{move || c.tr(Phrase::Cost)} " · " {move || c.tr(Phrase::Speed)}</summary>
                <div class="grid2">
                    {f(Field::Years, Phrase::Years, |s| &s.cost.years, |s, v| s.cost.years = v)}
                    {f(Field::Busy, Phrase::BusyPct, |s| &s.cost.busy_pct, |s, v| s.cost.busy_pct = v)}
                    {f(Field::Kwh, Phrase::KwhUsd, |s| &s.cost.kwh_usd, |s, v| s.cost.kwh_usd = v)}
                    {f(Field::Pue, Phrase::Pue, |s| &s.cost.pue, |s, v| s.cost.pue = v)}
                    {f(Field::Fx, Phrase::FxRate, |s| &s.cost.fx, |s, v| s.cost.fx = v)}
                    {f(Field::Mbu, Phrase::Mbu, |s| &s.cost.mbu, |s, v| s.cost.mbu = v)}
                    {f(Field::Mfu, Phrase::Mfu, |s| &s.cost.mfu, |s, v| s.cost.mfu = v)}
                </div>
                <p class="hint">{move || c.econ_in.with(|e| e.as_ref().ok().map(|e| format!(
                    "{:.0} % busy · {:.3} USD/kWh · PUE {:.2} · {:.1} CNY/USD · MBU {:.2} · MFU {:.2} · {} {}",
                    e.cost.utilization * 100.0, e.cost.electricity_usd_per_kwh, e.cost.pue, e.cost.cny_per_usd, e.eff.mbu_decode, e.eff.mfu_prefill,
                    c.tr(Phrase::AsOf), c.data.catalog.fx.as_of)))}</p>
            </details>
        </fieldset>
    }
}

/// Own and rent lines over 1–64 cards (plotters).
fn cost_chart_view(c: Ctx) -> impl IntoView {
    // The lines change only when the cards, prices, costing inputs or fitting counts do: the
    // chart is redrawn only then.
    let series = Memo::new(move |_| {
        let lang = c.lang.get();
        let e = c.econ_in.get().ok()?;
        let card = c.card.get().ok()?;
        c.out.with(|o| o.as_ref().map(|o| econ::cost_series(&card.gpu, &c.data.catalog.gpus, &o.by_count, &e, lang.t(Phrase::Own), lang.t(Phrase::Rent))))
    });
    let svg = Memo::new(move |_| {
        let lang = c.lang.get();
        series.with(|s| {
            let Some(series) = s else { return String::new() };
            let nf = c.nf();
            let t0 = dom::now_ms();
            let s = charts::cost_chart(series, lang.t(Phrase::ChartCost), lang.t(Phrase::ChartCostAxisX), lang.t(Phrase::ChartCostAxisY), &|y| nf.usd(y));
            dom::expose("costChartMs", dom::now_ms() - t0);
            s
        })
    });
    let export = move |png: bool| {
        let file = charts::standalone(&svg.get_untracked(), c.dark());
        if png {
            dom::download_png("gpuplan-cost-vs-cards.png", &file);
        } else {
            dom::download("gpuplan-cost-vs-cards.svg", "image/svg+xml", &file);
        }
    };
    view! {
        <section class="block" aria-labelledby="cost-chart-title">
            <div class="row spread">
                <h2 id="cost-chart-title">{move || c.tr(Phrase::ChartCost)}</h2>
                <div class="row">
                    <button type="button" class="small" data-testid="export-cost-svg" on:click=move |_| export(false)>"SVG"</button>
                    <button type="button" class="small" data-testid="export-cost-png" on:click=move |_| export(true)>"PNG"</button>
                </div>
            </div>
            <div class="chart" data-testid="chart-cost" inner_html=move || svg.get()></div>
            <p class="hint">"● " {move || c.tr(Phrase::MinCards)}</p>
        </section>
    }
}

/// The planner: computed only while its section is open.
fn planner(c: Ctx) -> impl IntoView {
    let open = RwSignal::new(false);
    // While open, every change of the scenario, language or number format asks the worker for
    // the plans (its answer replaces the table; an older answer is dropped).
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let params = c.sc.with(Scenario::to_params);
        let (lang, nf) = (c.lang.get(), c.nf());
        let id = c.plan_seq.get_value() + 1.0;
        c.plan_seq.set_value(id);
        let group: wasm_bindgen::JsValue = nf.group.map(String::from).unwrap_or_default().into();
        dom::worker_post(dom::request(
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
            c.sc.update(|s| {
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
