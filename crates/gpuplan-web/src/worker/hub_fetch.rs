//! The requests of a fetch from the Hub (wasm32 only): `fetch()` from the worker, straight to
//! the Hub (no server of ours in between), as the plan of `gpuplan_files::hub::fetch` asks:
//! `GET` config.json and the index, `HEAD` then `Range` for a header. A body is read from its
//! stream only as far as the plan asks (`max_body`) and the stream is then cancelled, so a
//! server that ignores `Range` still costs no more than the header. Cross-origin, the worker
//! reads only the headers the server exposes (`Access-Control-Expose-Headers`); the plan does
//! without the others (no `Content-Range`: the bytes' length is trusted; no `X-Error-Code`:
//! the status decides).

use gpuplan_files::hub::fetch::{Fetch, Method, Request, Response, Step};
use gpuplan_files::hub::parse_ref;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::hub::{endpoint, ref_error, result, Ending};
use crate::i18n::Lang;

fn scope() -> web_sys::WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Fetches the model `text` names (the `hub` link parameter may point at a loopback stand-in)
/// and answers as a drop does ([`crate::inputs::dropped::DropResult::to_json`]).
pub async fn run(lang: Lang, text: &str, hub_param: &str) -> String {
    let r = match parse_ref(text) {
        Ok(r) => r,
        Err(e) => return ref_error(lang, &e).to_json(),
    };
    let base = endpoint(&r, hub_param).to_string();
    let (mut plan, mut step) = Fetch::start(r.clone());
    let ending = loop {
        match step {
            Step::Send(req) => {
                let url = r.file_url(&base, &req.file);
                match send(&url, &req).await {
                    Ok(resp) => step = plan.answer(resp),
                    Err(()) if !scope().navigator().on_line() => break Ending::Offline,
                    Err(()) => break Ending::Blocked(url),
                }
            }
            Step::Done(f) => break Ending::Fetched(f),
            Step::Failed(e) => break Ending::Failed(e),
        }
    };
    result(lang, &r, &base, ending).to_json()
}

/// One request; `Err` when the browser could not make it (offline, CORS, CSP, a firewall).
async fn send(url: &str, req: &Request) -> Result<Response, ()> {
    let init = web_sys::RequestInit::new();
    init.set_method(if req.method == Method::Head { "HEAD" } else { "GET" });
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    if let Some(range) = req.range_header() {
        let h = web_sys::Headers::new().map_err(drop)?;
        h.set("Range", &range).map_err(drop)?;
        init.set_headers(&h);
    }
    let resp: web_sys::Response = JsFuture::from(scope().fetch_with_str_and_init(url, &init)).await.map_err(drop)?.dyn_into().map_err(drop)?;
    let headers = resp.headers();
    let mut out = Response::from_headers(resp.status(), &|n| headers.get(n).ok().flatten());
    let limit = req.body_limit(out.status);
    if limit > 0 {
        out.body = read_body(&resp, limit).await?;
    }
    Ok(out)
}

/// The first `limit` bytes of the body, then the stream is cancelled.
async fn read_body(resp: &web_sys::Response, limit: u64) -> Result<Vec<u8>, ()> {
    let mut out = Vec::new();
    let Some(stream) = resp.body() else { return Ok(out) };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    while (out.len() as u64) < limit {
        let chunk = JsFuture::from(reader.read()).await.map_err(drop)?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).ok().and_then(|v| v.as_bool()).unwrap_or(true);
        if done {
            return Ok(out);
        }
        if let Ok(v) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")) {
            let bytes = js_sys::Uint8Array::new(&v);
            let take = (bytes.length() as u64).min(limit - out.len() as u64) as u32;
            out.extend_from_slice(&bytes.subarray(0, take).to_vec());
        }
    }
    let _ = reader.cancel();
    Ok(out)
}
