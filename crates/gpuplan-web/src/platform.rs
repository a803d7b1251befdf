//! The browser, through web-sys, every call fallible: storage that throws in sandboxed or
//! partitioned iframes, `history` that refuses on some `file://` pages, a missing clipboard.
//! Nothing here panics; failures are ignored or reported as `None`/`false`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

pub fn document() -> Option<web_sys::Document> {
    window().and_then(|w| w.document())
}

fn storage() -> Option<web_sys::Storage> {
    window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn store_get(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

pub fn store_set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn store_remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// `location.search` without `?`.
pub fn query() -> String {
    window().and_then(|w| w.location().search().ok()).unwrap_or_default().trim_start_matches('?').to_string()
}

/// `location.hash` without `#`.
pub fn hash() -> String {
    window().and_then(|w| w.location().hash().ok()).unwrap_or_default().trim_start_matches('#').to_string()
}

/// Value of `key` in the query string.
pub fn query_param(key: &str) -> Option<String> {
    query().split('&').find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (k == key).then(|| crate::codec::pct_decode(v))
    })
}

/// Replaces the fragment without a navigation or a history entry.
pub fn replace_hash(params: &str) {
    let Some(w) = window() else { return };
    let Ok(h) = w.history() else { return };
    let search = w.location().search().unwrap_or_default();
    let path = w.location().pathname().unwrap_or_default();
    let url = format!("{path}{search}#{params}");
    let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
}

/// The page's address with the given query and fragment (for share and embed links).
pub fn page_url(query: &str, fragment: &str) -> String {
    let Some(w) = window() else { return String::new() };
    let loc = w.location();
    let origin = loc.origin().unwrap_or_default();
    let path = loc.pathname().unwrap_or_default();
    let base = if origin == "null" || origin.is_empty() { format!("{}{}", loc.protocol().unwrap_or_default(), path) } else { format!("{origin}{path}") };
    let base = if base.starts_with("file:") && !base.starts_with("file://") { base.replacen("file:", "file://", 1) } else { base };
    let mut s = base;
    if !query.is_empty() {
        s.push('?');
        s.push_str(query);
    }
    if !fragment.is_empty() {
        s.push('#');
        s.push_str(fragment);
    }
    s
}

pub fn protocol() -> String {
    window().and_then(|w| w.location().protocol().ok()).unwrap_or_default()
}

/// The browser's preferred languages, best first.
pub fn languages() -> Vec<String> {
    let Some(w) = window() else { return Vec::new() };
    let nav = w.navigator();
    let mut out: Vec<String> = nav.languages().iter().filter_map(|v| v.as_string()).collect();
    if let Some(l) = nav.language() {
        out.push(l);
    }
    out
}

/// `Intl.NumberFormat().format(1234567.5)` in the browser's locale.
pub fn number_sample() -> String {
    let f = js_sys::Intl::NumberFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    f.format().call1(&JsValue::NULL, &JsValue::from_f64(1234567.5)).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// Runs `f` once, after the next frame has been painted (`requestAnimationFrame`, then a task).
/// A page opened in a background tab gets its frame, and `f`, when it is first shown.
pub fn after_first_frame(f: impl FnOnce() + 'static) {
    let Some(w) = window() else { return f() };
    let later = Closure::once_into_js(move || {
        let run = Closure::once_into_js(f);
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback(run.unchecked_ref());
        }
    });
    let _ = w.request_animation_frame(later.unchecked_ref());
}

/// Calls `f` once, the first time `el` comes into the viewport
/// (`IntersectionObserver`, which every current browser has): panels below the fold ask the
/// worker for their content only when the reader gets near them, so the worker is loaded on
/// first use, not with the page.
pub fn when_visible(el: &web_sys::Element, f: impl FnOnce() + 'static) {
    let mut f = Some(f);
    let cb = Closure::<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>::new(move |entries: js_sys::Array, obs: web_sys::IntersectionObserver| {
        let seen = entries.iter().any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
        if seen {
            obs.disconnect();
            if let Some(f) = f.take() {
                f();
            }
        }
    });
    let init = web_sys::IntersectionObserverInit::new();
    init.set_root_margin("0px");
    if let Ok(obs) = web_sys::IntersectionObserver::new_with_options(cb.as_ref().unchecked_ref(), &init) {
        obs.observe(el);
        // The observer holds the callback until it disconnects.
        cb.forget();
    }
}

/// Whether the system asks for a dark theme.
pub fn prefers_dark() -> bool {
    window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten()).is_some_and(|m| m.matches())
}

/// Calls `f(dark)` whenever the system theme changes.
pub fn on_system_theme(f: impl Fn(bool) + 'static) {
    let Some(mq) = window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten()) else { return };
    let mq2 = mq.clone();
    let cb = Closure::<dyn Fn()>::new(move || f(mq2.matches()));
    let _ = mq.add_event_listener_with_callback("change", cb.as_ref().unchecked_ref());
    cb.forget();
}

pub fn set_root_attr(name: &str, value: Option<&str>) {
    if let Some(el) = document().and_then(|d| d.document_element()) {
        let _ = match value {
            Some(v) => el.set_attribute(name, v),
            None => el.remove_attribute(name),
        };
    }
}

pub fn set_title(t: &str) {
    if let Some(d) = document() {
        d.set_title(t);
    }
}

/// Saves `data` as a file named `name`.
pub fn download(name: &str, mime: &str, data: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(data));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    click_link(&url, name);
    revoke_later(url);
}

fn click_link(href: &str, name: &str) {
    let Some(doc) = document() else { return };
    let Ok(a) = doc.create_element("a") else { return };
    let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() else { return };
    a.set_href(href);
    a.set_download(name);
    let _ = a.style().set_property("display", "none");
    if let Some(body) = doc.body() {
        let _ = body.append_child(&a);
        a.click();
        let _ = body.remove_child(&a);
    }
}

fn revoke_later(url: String) {
    let cb = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 10_000);
    }
}

/// Renders an SVG (a standalone file: colours and background baked in) to a PNG at 2× and
/// saves it.
pub fn download_png(name: &str, svg: &str) {
    let (w, h) = svg_size(svg);
    let parts = js_sys::Array::of1(&JsValue::from_str(svg));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let Ok(img) = web_sys::HtmlImageElement::new() else { return };
    let name = name.to_string();
    let img2 = img.clone();
    let url2 = url.clone();
    let onload = Closure::once_into_js(move || {
        let scale = 2.0;
        let Some(doc) = document() else { return };
        let Some(canvas) = doc.create_element("canvas").ok().and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok()) else { return };
        canvas.set_width((w * scale) as u32);
        canvas.set_height((h * scale) as u32);
        let Some(ctx) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()) else { return };
        let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(&img2, 0.0, 0.0, w * scale, h * scale);
        if let Ok(data) = canvas.to_data_url_with_type("image/png") {
            click_link(&data, &name);
        }
        let _ = web_sys::Url::revoke_object_url(&url2);
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
}

fn svg_size(svg: &str) -> (f64, f64) {
    let attr = |name: &str| -> Option<f64> {
        let i = svg.find(&format!(" {name}=\""))? + name.len() + 3;
        let rest = &svg[i..];
        crate::numbers::decimal(rest[..rest.find('"')?].trim_end_matches("px"))
    };
    (attr("width").unwrap_or(720.0), attr("height").unwrap_or(400.0))
}

/// Copies `text`; `false` when the clipboard is not available (then the page shows the text to
/// copy by hand).
pub async fn copy(text: &str) -> bool {
    let Some(w) = window() else { return false };
    let clip = w.navigator().clipboard();
    if clip.is_undefined() || clip.is_null() {
        return false;
    }
    wasm_bindgen_futures::JsFuture::from(clip.write_text(text)).await.is_ok()
}

/// In an iframe: tells the parent the page's height whenever it changes (the parent's snippet
/// resizes the frame, so it never scrolls).
pub fn post_height_to_parent() {
    let Some(w) = window() else { return };
    let Ok(Some(parent)) = w.parent() else { return };
    if js_sys::Object::is(&parent, &w) {
        return;
    }
    let send = move || {
        let Some(doc) = document() else { return };
        let Some(el) = doc.document_element() else { return };
        let h = el.scroll_height().max(el.get_bounding_client_rect().height().ceil() as i32);
        // What the embedded page tells its parent: `{type: "gpuplan:height", height}` (the
        // snippet of the Embed button listens for it).
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"type".into(), &"gpuplan:height".into());
        let _ = js_sys::Reflect::set(&msg, &"height".into(), &JsValue::from(h));
        if let Some(w) = window() {
            if let Ok(Some(p)) = w.parent() {
                let _ = p.post_message(&msg, "*");
            }
        }
    };
    let cb = Closure::<dyn Fn()>::new(send);
    if let (Ok(obs), Some(body)) = (web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()), document().and_then(|d| d.body())) {
        obs.observe(&body);
        std::mem::forget(obs);
    }
    cb.forget();
    send();
}

/// Registers the service worker of the hosted page (http/https only; a `file://` page cannot).
pub fn register_service_worker() {
    let p = protocol();
    if p != "http:" && p != "https:" {
        return;
    }
    let Some(w) = window() else { return };
    let sw = w.navigator().service_worker();
    let promise = sw.register("sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    });
}

/// Milliseconds since navigation start.
pub fn now_ms() -> f64 {
    window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

// ------------------------------------------------------------------ the page's worker

/// Where the worker's loader is: beside the page, unless the page says otherwise
/// (`window.__gpuplanWorker`, set by the single-file build to a `blob:` URL).
fn worker_url() -> String {
    window()
        .and_then(|w| js_sys::Reflect::get(&w, &"__gpuplanWorker".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "gpuplan-worker_loader.js".into())
}

struct WorkerState {
    worker: web_sys::Worker,
    ready: bool,
    queue: Vec<JsValue>,
}

type Reply = std::rc::Rc<dyn Fn(&str, f64, &str)>;

thread_local! {
    static WORKER: std::cell::RefCell<Option<WorkerState>> = const { std::cell::RefCell::new(None) };
    static ON_REPLY: std::cell::RefCell<Option<Reply>> = const { std::cell::RefCell::new(None) };
}

/// Sets what the page does with the worker's answers: `(op, id, json)`; `op` is `"error"`
/// when the worker could not start.
pub fn on_worker_reply(f: impl Fn(&str, f64, &str) + 'static) {
    ON_REPLY.with(|r| *r.borrow_mut() = Some(std::rc::Rc::new(f)));
}

fn reply(op: &str, id: f64, json: &str) {
    let f = ON_REPLY.with(|r| r.borrow().clone());
    if let Some(f) = f {
        f(op, id, json);
    }
}

fn start_worker() -> Option<WorkerState> {
    let worker = web_sys::Worker::new(&worker_url()).ok()?;
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(|ev: web_sys::MessageEvent| {
        let d = ev.data();
        let s = |k: &str| js_sys::Reflect::get(&d, &k.into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
        let op = s("op");
        // A timed answer: the benchmark's figure (`window.__gpuplan[timer]`).
        let timer = s("timer");
        if !timer.is_empty() {
            if let Some(ms) = js_sys::Reflect::get(&d, &"ms".into()).ok().and_then(|v| v.as_f64()) {
                expose(&timer, ms);
            }
        }
        if op == "ready" {
            let ready: Option<(web_sys::Worker, Vec<JsValue>)> = WORKER.with(|w| {
                let mut w = w.borrow_mut();
                let st = w.as_mut()?;
                st.ready = true;
                Some((st.worker.clone(), std::mem::take(&mut st.queue)))
            });
            if let Some((worker, queue)) = ready {
                for m in queue {
                    let _ = worker.post_message(&m);
                }
            }
            return;
        }
        if op == "error" {
            // Its wasm did not load: drop it (and what waited for it); the next use tries again.
            WORKER.with(|w| *w.borrow_mut() = None);
        }
        let id = js_sys::Reflect::get(&d, &"id".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        reply(&op, id, &s("json"));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
        ev.prevent_default();
        WORKER.with(|w| *w.borrow_mut() = None);
        reply("error", 0.0, "");
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    Some(WorkerState { worker, ready: false, queue: Vec::new() })
}

/// Sends a request to the worker, starting it (and loading its code) on first use; requests
/// wait until it is ready. `false` if no worker can be started here.
pub fn worker_post(msg: JsValue) -> bool {
    let started = WORKER.with(|w| {
        let mut w = w.borrow_mut();
        if w.is_none() {
            *w = start_worker();
        }
        match w.as_mut() {
            None => false,
            Some(st) if st.ready => st.worker.post_message(&msg).is_ok(),
            Some(st) => {
                st.queue.push(msg);
                true
            }
        }
    });
    if !started {
        reply("error", 0.0, "");
    }
    started
}

/// A message object `{op, id, …fields}`: the page's requests and the worker's answers.
pub fn request(op: &str, id: f64, fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"op".into(), &op.into());
    let _ = js_sys::Reflect::set(&o, &"id".into(), &JsValue::from_f64(id));
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

/// Exposes a figure to the benchmark and the tests: `window.__gpuplan[key] = value`.
pub fn expose(key: &str, value: f64) {
    let Some(w) = window() else { return };
    let obj = js_sys::Reflect::get(&w, &"__gpuplan".into()).ok().filter(|v| v.is_object()).unwrap_or_else(|| {
        let o: JsValue = js_sys::Object::new().into();
        let _ = js_sys::Reflect::set(&w, &"__gpuplan".into(), &o);
        o
    });
    let _ = js_sys::Reflect::set(&obj, &key.into(), &JsValue::from_f64(value));
}
