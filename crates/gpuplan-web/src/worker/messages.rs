//! The worker's message loop (wasm32 only): reads each request, answers it, posts the reply.

use gpuplan_core::json::to_string;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::answers;
use crate::catalog::{self, Data};
use crate::inputs::dropped::{read_dropped, DropOutcome, DropResult};
use crate::i18n::Lang;
use crate::numbers::NumFmt;
use crate::platform;
use crate::results::memory::SortKey;

fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined())
}

fn get_str(obj: &JsValue, key: &str) -> String {
    get(obj, key).and_then(|v| v.as_string()).unwrap_or_default()
}

/// The reader's number format, as the page sends it (`group`, `decimal`).
fn num_fmt(msg: &JsValue) -> NumFmt {
    NumFmt { group: get_str(msg, "group").chars().next(), decimal: get_str(msg, "decimal").chars().next().unwrap_or('.') }
}

/// Installs the message handler and says ready.
pub fn start() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let data: &'static Data = Box::leak(Box::new(catalog::load()));
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        let msg = ev.data();
        let op = get_str(&msg, "op");
        let lang = Lang::from_tag(&get_str(&msg, "lang")).unwrap_or_default();
        if op == "hub" {
            // Network requests: answered later, as a drop is (`files`).
            let (reply_to, text, hub) = (reply_to.clone(), get_str(&msg, "ref"), get_str(&msg, "hub"));
            let id = get(&msg, "id").and_then(|v| v.as_f64()).unwrap_or(0.0);
            wasm_bindgen_futures::spawn_local(async move {
                let json = super::hub_fetch::run(lang, &text, &hub).await;
                let _ = reply_to.post_message(&platform::request("files", id, &[("json", json.into())]));
            });
            return;
        }
        let json = match op.as_str() {
            "files" => files_reply(&msg, lang),
            "plan" => plan_reply(data, &get_str(&msg, "params"), lang, num_fmt(&msg)),
            "evidence" => answers::evidence_answer(data, lang, num_fmt(&msg)),
            "config" => crate::results::model::config_answer(&get_str(&msg, "text")),
            "options-preset" => crate::results::serving::preset_specs(data, &get_str(&msg, "id")),
            "panel" => {
                // Answered with the core's computation time (the benchmark reads it).
                let (json, timed) = super::panels::panel_answer_timed(data, &get_str(&msg, "panel"), &get_str(&msg, "params"), &get_str(&msg, "arg"), lang, num_fmt(&msg), &now);
                let id = get(&msg, "id").and_then(|v| v.as_f64()).unwrap_or(0.0);
                let (timer, ms) = timed.unwrap_or(("", 0.0));
                let _ = reply_to.post_message(&platform::request("panel", id, &[("json", json.into()), ("timer", timer.into()), ("ms", ms.into())]));
                return;
            }
            "export" => {
                let key = SortKey::from_code(&get_str(&msg, "sort")).unwrap_or(SortKey::CardsNeeded);
                let desc = get(&msg, "desc").and_then(|v| v.as_bool()).unwrap_or(false);
                answers::export_answer(data, &get_str(&msg, "params"), get_str(&msg, "kind") == "json", key, desc).unwrap_or_default()
            }
            _ => return,
        };
        let id = get(&msg, "id").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let _ = reply_to.post_message(&platform::request(&op, id, &[("json", json.into())]));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&platform::request("ready", 0.0, &[]));
}

/// Reads the dropped files' headers with synchronous reads (`FileReaderSync`, workers only):
/// only the slices asked for, never a whole 40 GB file.
fn files_reply(msg: &JsValue, lang: Lang) -> String {
    let list: Vec<web_sys::File> = get(msg, "files")
        .map(|v| js_sys::Array::from(&v).iter().filter_map(|f| f.dyn_into::<web_sys::File>().ok()).collect())
        .unwrap_or_default();
    let meta: Vec<(String, u64)> = list.iter().map(|f| (f.name(), f.size().max(0.0) as u64)).collect();
    let Ok(reader) = web_sys::FileReaderSync::new() else {
        return DropResult { status: "the browser cannot read files here".into(), outcome: DropOutcome::Failed(String::new()) }.to_json();
    };
    let mut read = |i: usize, end: u64| -> Option<Vec<u8>> {
        let blob = list.get(i)?.slice_with_f64_and_f64(0.0, end as f64).ok()?;
        let buf = reader.read_as_array_buffer(&blob).ok()?;
        Some(js_sys::Uint8Array::new(&buf).to_vec())
    };
    let mut read_text = |i: usize| -> Option<String> { reader.read_as_text(list.get(i)?).ok() };
    read_dropped(lang, &meta, &mut read, &mut read_text).to_json()
}

/// The worker's clock, in milliseconds.
fn now() -> f64 {
    js_sys::global().unchecked_into::<web_sys::WorkerGlobalScope>().performance().map_or(0.0, |p| p.now())
}

/// The planner for the scenario `params` ([`answers::planner_answer`]), timed.
fn plan_reply(data: &Data, params: &str, lang: Lang, nf: NumFmt) -> String {
    let t0 = now();
    let mut v = answers::planner_answer(data, params, lang, nf);
    let ms = now() - t0;
    if let Some(m) = v.as_object_mut() {
        m.insert("ms".into(), ms.into());
    }
    to_string(&v)
}
