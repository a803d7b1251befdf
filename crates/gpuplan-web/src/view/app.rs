//! The page: mounts it, builds its state (`Page`), keeps the link, local storage and
//! `<html>` in step with it, and receives the worker's answers.

use gpuplan_core::formats::WeightFormat;
use gpuplan_core::memory::Mode;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::{Page, ThemePref, EXPORT_JSON, KEY_CUSTOM_GPU, KEY_LANG, KEY_SCENARIO, KEY_THEME};
use super::economics_panel::economics_panel;
use super::gpu_panel::gpu_panel;
use super::header::{footer, header};
use super::how_we_know::how_we_know;
use super::model_panel::model_panel;
use super::results_panel::results_panel;
use super::workload_panel::workload_panel;
use crate::catalog::{self, Data};
use crate::html;
use crate::i18n::{Lang, Phrase};
use crate::inputs::dropped::{DropOutcome, DropResult};
use crate::inputs::link::has_scenario;
use crate::inputs::{Field, FieldError, Msg, Scenario, Source, CUSTOM_GPU};
use crate::numbers::NumFmt;
use crate::platform;
use crate::results::card::{chosen_card, workload_on};
use crate::results::memory::Outcome;
use crate::results::model::{build_model_with, model_key, preset_from_arch_form, read_config_answer};
use crate::results::money::speed_and_cost;

/// Mounts the app into `#app` (emptied first, so a saved copy of the page does not render twice).
pub fn start() {
    let t0 = platform::now_ms();
    let Some(doc) = platform::document() else { return };
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
    platform::expose("mountMs", platform::now_ms() - t0);
    platform::expose("readyAt", platform::now_ms());
}


/// The scenario to start from: the link wins, then the last one (not in an embed), then the
/// defaults; and the link's keys that were not understood.
fn initial_scenario(embed: bool) -> (Scenario, Vec<String>) {
    // Scenario: the link wins, then the last one (not in an embed), then the defaults.
    let hash = platform::hash();
    let query = platform::query();
    let (mut initial, bad) = if has_scenario(&hash) {
        Scenario::from_params(&hash)
    } else if has_scenario(&query) {
        Scenario::from_params(&query)
    } else if let Some(saved) = (!embed).then(|| platform::store_get(KEY_SCENARIO)).flatten() {
        let (s, _) = Scenario::from_params(&saved);
        (s, Vec::new())
    } else {
        (Scenario::default(), Vec::new())
    };
    if initial.gpu == CUSTOM_GPU && !has_scenario(&hash) {
        // The custom card is remembered on its own.
        if let Some(cg) = platform::store_get(KEY_CUSTOM_GPU) {
            let (s, _) = Scenario::from_params(&format!("g=custom&cg={cg}"));
            initial.custom_gpu = s.custom_gpu;
        }
    }
    (initial, bad)
}

/// The page's state: the scenario, the interface settings and everything derived from them.
fn page_state(data: &'static Data, embed: bool, initial: Scenario, bad: Vec<String>) -> Page {
    // The first `Intl.NumberFormat` of a page initialises the browser's ICU data: 60–80 ms in
    // headless Chromium here, longer than everything else before the first chart. So the page
    // renders with the default (en/zh: `1,234.5`) and asks `Intl` after the first frame; a
    // locale that writes numbers differently re-renders them once, about 10 ms.
    let nf = RwSignal::new(NumFmt::default());
    let scenario = RwSignal::new(initial);
    let lang0 = platform::query_param("lang")
        .and_then(|l| Lang::from_tag(&l))
        .or_else(|| platform::store_get(KEY_LANG).and_then(|l| Lang::from_tag(&l)))
        .unwrap_or_else(|| Lang::detect(platform::languages().iter().map(String::as_str)));
    let lang = RwSignal::new(lang0);
    let theme = RwSignal::new(ThemePref::from_code(&platform::store_get(KEY_THEME).unwrap_or_default()));
    let sys_dark = RwSignal::new(platform::prefers_dark());
    platform::on_system_theme(move |d| sys_dark.set(d));
    let notice = RwSignal::new((!bad.is_empty()).then(|| bad.join(", ")));
    let file_status = RwSignal::new(String::new());

    let mkey = Memo::new(move |_| scenario.with(model_key));
    // A pasted config is read by the worker (the page does not carry the config reader): asked
    // once per text; until it answers the model is "reading" (no message).
    let config_read = RwSignal::new(None::<(String, String)>);
    let config_seq = StoredValue::new((0.0, String::new()));
    Effect::new(move |_| {
        let Some(text) = mkey.with(|k| (k.source == Source::Config && !k.config.trim().is_empty()).then(|| k.config.clone())) else { return };
        if config_read.with_untracked(|r| r.as_ref().is_some_and(|(t, _)| *t == text)) || config_seq.with_value(|q| q.1 == text) {
            return;
        }
        let id = config_seq.with_value(|q| q.0) + 1.0;
        config_seq.set_value((id, text.clone()));
        platform::worker_post(platform::request("config", id, &[("text", text.into())]));
    });
    let model = Memo::new(move |_| {
        mkey.with(|k| {
            scenario.with_untracked(|s| {
                let config = |text: &str| {
                    config_read.with(|r| match r {
                        Some((t, json)) if t == text => read_config_answer(json).map_err(|e| FieldError::from_core(&e, s)),
                        _ => Err(FieldError { field: Field::Config, msg: Msg::Reading }),
                    })
                };
                build_model_with(data, k, s, preset_from_arch_form, &config)
            })
        })
    });
    let card = Memo::new(move |_| scenario.with(|s| chosen_card(data, s)));
    let workload = Memo::new(move |_| {
        card.with(|c| match c {
            Ok(c) => scenario.with(|s| workload_on(s, c)),
            Err(_) => scenario.with(|s| s.workload(80 << 30)),
        })
    });
    // One fresh computation; the errors and the shown result derive from it.
    let fresh = Memo::new(move |_| -> Result<Outcome, Vec<FieldError>> {
        let mut errs = Vec::new();
        let m = model.get().map_err(|e| errs.push(e)).ok();
        let c = card.get().map_err(|e| errs.push(e)).ok();
        let w = workload.get().map_err(|mut e| errs.append(&mut e)).ok();
        match (m, c, w) {
            (Some(m), Some(c), Some(w)) if errs.is_empty() => scenario.with_untracked(|s| Outcome::compute(&m, &w, &c.spec, s)).map_err(|e| vec![e]),
            _ => Err(errs),
        }
    });
    let cost_settings = Memo::new(move |_| scenario.with(|s| s.cost_settings(data.catalog.fx.cny_per_usd)));
    let config_tried = RwSignal::new(false);
    // The errors of the inputs of the panels the worker writes ("on my card(s) and my RAM":
    // `Scenario::llama_inputs` and what only the run finds), by the panel slot that answered.
    let worker_errors = RwSignal::new(Vec::<(usize, FieldError)>::new());
    let errors = Memo::new(move |_| {
        let mut e = fresh.with(|f| f.as_ref().err().cloned().unwrap_or_default());
        worker_errors.with(|w| e.extend(w.iter().map(|(_, x)| x.clone())));
        // No message while the worker reads a config, nor for an empty file tab before the
        // reader has typed or dropped anything there.
        e.retain(|x| !(x.msg == Msg::Reading || x.msg == Msg::NoConfig && !config_tried.get()));
        cost_settings.with(|r| if let Err(x) = r { e.extend(x.iter().cloned()) });
        e
    });
    let outcome = Memo::new(move |prev: Option<&Option<Outcome>>| match fresh.get() {
        Ok(o) => Some(o),
        Err(_) => prev.cloned().flatten().map(|mut o| {
            o.stale = true;
            o
        }),
    });

    let speed_cost = Memo::new(move |_| {
        let e = cost_settings.get().ok()?;
        let card = card.get().ok()?;
        fresh.with(|f| f.as_ref().ok().map(|o| speed_and_cost(&o.model.model, &o.workload, &o.est, &card.gpu, &e)))
    });
    Page {
        scenario,
        lang,
        theme,
        sys_dark,
        nf,
        data,
        embed,
        card,
        errors,
        outcome,
        cost_settings,
        speed_cost,
        notice,
        file_status,
        plans_html: RwSignal::new(String::new()),
        plan_choices: StoredValue::new(Vec::new()),
        plan_seq: StoredValue::new(0.0),
        evidence_html: RwSignal::new(String::new()),
        evidence_seq: StoredValue::new(0.0),
        panels: StoredValue::new(Vec::new()),
        panel_seq: StoredValue::new(0.0),
        config_read,
        config_seq,
        config_tried,
        worker_errors,
    }
}

/// Keeps `<html lang/data-theme>`, the title, the link and local storage in step with the page.
fn sync_with_outside(c: Page) {
    let Page { scenario, lang, theme, nf, embed, .. } = c;
    Effect::new(move |_| {
        let l = lang.get();
        platform::set_root_attr("lang", Some(l.tag()));
        platform::set_title(l.t(Phrase::AppTitle));
    });
    Effect::new(move |_| {
        let t = theme.get();
        platform::set_root_attr("data-theme", (t != ThemePref::Auto).then_some(t.code()));
    });
    // The URL and local storage follow the scenario, a quarter second after the last change.
    // (A pending write is a gloo timer: replacing it drops, and so cancels, the one before.)
    let pending: StoredValue<Option<gloo_timers::callback::Timeout>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |first: Option<()>| {
        let params = scenario.with(Scenario::to_params);
        if first.is_none() && !has_scenario(&platform::hash()) && params == "v=1" {
            return;
        }
        let write = gloo_timers::callback::Timeout::new(250, move || {
            platform::replace_hash(&params);
            if !embed {
                platform::store_set(KEY_SCENARIO, &params);
                scenario.with_untracked(|s| {
                    if s.gpu == CUSTOM_GPU {
                        let p = s.to_params();
                        if let Some(cg) = p.split('&').find_map(|kv| kv.strip_prefix("cg=")) {
                            platform::store_set(KEY_CUSTOM_GPU, cg);
                        }
                    }
                });
            }
        });
        pending.set_value(Some(write));
    });
    platform::after_first_frame(move || {
        let f = NumFmt::from_sample(&platform::number_sample());
        if f != nf.get_untracked() {
            nf.set(f);
        }
        // The page is ready (tests and the benchmark wait for this): numbers in their final form.
        platform::set_root_attr("data-ready", Some("1"));
    });
    if embed {
        platform::post_height_to_parent();
    } else {
        platform::register_service_worker();
    }

}

#[component]
fn App() -> impl IntoView {
    let data: &'static Data = Box::leak(Box::new(catalog::load_page()));
    let embed = platform::query_param("embed").is_some_and(|v| v == "1" || v == "true");
    let (initial, bad) = initial_scenario(embed);
    let c = page_state(data, embed, initial, bad);
    platform::on_worker_reply(move |op, id, json| worker_reply(c, op, id, json));
    sync_with_outside(c);

    view! {
        <a class="skip" href="#results" on:click=move |ev| {
            ev.prevent_default();
            if let Some(el) = platform::document().and_then(|d| d.get_element_by_id("results")).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) { let _ = el.focus(); }
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
                {(!embed).then(|| economics_panel(c))}
            </section>
            <section class="results" id="results" tabindex="-1" aria-label=move || c.tr(Phrase::Results)>
                {results_panel(c)}
            </section>
        </main>
        {(!embed).then(|| how_we_know(c))}
        {(!embed).then(|| footer(c))}
        {embed.then(|| view! {
            <p class="open-full">
                <a href=move || platform::page_url(&format!("lang={}", c.lang.get().tag()), &c.scenario.with(Scenario::to_params)) target="_blank" rel="noopener">
                    {move || c.tr(Phrase::OpenFull)} " ↗"
                </a>
            </p>
        })}
    }
}

fn worker_reply(c: Page, op: &str, id: f64, json: &str) {
    match op {
        "files" => {
            let Some(r) = DropResult::from_json(json) else { return };
            match r.outcome {
                DropOutcome::File(fm) => {
                    let fmt = fm.format.as_deref().and_then(|n| WeightFormat::parse(n, false).ok());
                    c.scenario.update(|s| {
                        s.file = Some(fm);
                        s.source = Source::File;
                        if let Some(f) = fmt {
                            if s.mode == Mode::Inference {
                                s.set_weights(f);
                            }
                        }
                    });
                }
                DropOutcome::Config(text) => c.scenario.update(|s| {
                    s.config = text;
                    s.source = Source::Config;
                    s.file = None;
                }),
                _ => {}
            }
            c.config_tried.set(true);
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
                platform::expose("planMs", ms);
            }
            c.plans_html.set(v.get("html").and_then(|x| x.as_str()).unwrap_or_default().to_string());
        }
        "evidence" if id == c.evidence_seq.get_value() => c.evidence_html.set(json.to_string()),
        "options-preset" if !json.is_empty() => c.scenario.update(|s| s.serving.pinned = json.split('~').map(String::from).collect()),
        "config" if id == c.config_seq.with_value(|q| q.0) => c.config_read.set(Some((c.config_seq.with_value(|q| q.1.clone()), json.to_string()))),
        "panel" => super::worker_panel::answered(c, id, json),
        "export" if !json.is_empty() => {
            if id == EXPORT_JSON {
                platform::download("gpuplan-results.json", "application/json", json);
            } else {
                platform::download("gpuplan-results.csv", "text/csv", json);
            }
        }
        "error" => {
            let msg = c.lang.get_untracked().t(Phrase::WorkerFailed);
            c.file_status.set(msg.to_string());
            c.plans_html.set(html::paragraph("err", false, msg));
            c.evidence_html.set(html::paragraph("err", false, msg));
            super::worker_panel::failed(c, msg);
        }
        _ => {}
    }
}

