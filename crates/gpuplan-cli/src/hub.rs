//! `--hf OWNER/NAME|URL [--revision R] [--hf-file FILE]`: the model read from the Hugging Face
//! Hub (or ModelScope) over HTTPS. The only network access of the CLI, and only with this flag.
//!
//! What is read, and in which order, is `gpuplan_files::hub::fetch` (config.json, the
//! safetensors index or a header by `Range`, a GGUF's header by growing `Range`s); this module
//! only does the HTTP, as `huggingface_hub` does it: the endpoint from `$HF_ENDPOINT` (default
//! `https://huggingface.co`, `huggingface_hub` v0.35 `constants.py` `ENDPOINT`), the token from
//! `$HF_TOKEN` as `Authorization: Bearer …` (`constants.py` `HF_TOKEN`, `utils/_headers.py`
//! `build_hf_headers`), never sent on to another host on a redirect (ureq's default
//! `RedirectAuthHeaders::Never`). Every failure (gated, missing, no network, a blocked request)
//! is an `InputError` (exit 2) that says what to pass instead.

use std::io::Read;
use std::time::Duration;

use gpuplan_core::memory::Model;
use gpuplan_core::{Arch, InputError, WeightFormat};
use gpuplan_files::hub::fetch::{Fetch, Fetched, Method, Request, Response, Step};
use gpuplan_files::hub::{parse_ref, Host, HubRef};
use gpuplan_files::model::{model_from_gguf, model_from_safetensors};

/// What to do instead, appended to every failure.
const INSTEAD: &str = "download the files and pass them instead: --config config.json (with --safetensors model.safetensors.index.json for exact weight bytes) or --gguf FILE.gguf";

/// How long one request may take (connect, send, receive).
const TIMEOUT: Duration = Duration::from_secs(60);

fn fail(what: impl std::fmt::Display) -> InputError {
    InputError::new("--hf", format!("{what}; {INSTEAD}"))
}

/// The endpoint of `host`: `$HF_ENDPOINT` for the Hub (as `huggingface_hub` reads it).
fn endpoint(host: Host) -> String {
    match (host, std::env::var("HF_ENDPOINT")) {
        (Host::HuggingFace, Ok(e)) if !e.trim().is_empty() => e.trim().trim_end_matches('/').to_string(),
        _ => host.endpoint().to_string(),
    }
}

/// `--hf` with `--revision` and `--hf-file`: the model, and the format of its file.
pub fn load(reference: &str, revision: Option<&str>, file: Option<&str>) -> Result<(Model, Option<WeightFormat>), InputError> {
    let mut r: HubRef = parse_ref(reference).map_err(|e| InputError::new("--hf", format!("\"{reference}\": {e}")))?;
    if let Some(rev) = revision {
        r.revision = Some(checked("--revision", rev)?);
    }
    if let Some(f) = file {
        r.file = Some(checked("--hf-file", f)?);
    }
    let fetched = fetch(&r)?;
    to_model(&r, fetched)
}

/// A `--revision` or `--hf-file` value, checked as the parser checks a link's (a revision may
/// hold `/`: `refs/pr/3`).
fn checked(flag: &str, v: &str) -> Result<String, InputError> {
    let what = if flag == "--revision" { "revision" } else { "file path" };
    gpuplan_files::hub::check_path(what, v).map_err(|e| match e {
        gpuplan_files::hub::RefError::BadPath(why) => InputError::new(flag, why),
        e => InputError::new(flag, e.to_string()),
    })
}

/// Runs the plan of requests against the endpoint.
fn fetch(r: &HubRef) -> Result<Fetched, InputError> {
    let base = endpoint(r.host);
    let token = std::env::var("HF_TOKEN").ok().filter(|t| !t.trim().is_empty() && r.host == Host::HuggingFace);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .user_agent(concat!("gpuplan/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let (mut plan, mut step) = Fetch::start(r.clone());
    loop {
        match step {
            Step::Send(req) => {
                let url = r.file_url(&base, &req.file);
                let resp = send(&agent, &url, &req, token.as_deref()).map_err(|e| fail(format!("{url}: {e}")))?;
                step = plan.answer(resp);
            }
            Step::Done(d) => return Ok(d),
            Step::Failed(e) => {
                let hint = match e.kind() {
                    "gated" | "unauthorized" if token.is_none() => " (for a gated or private repo: accept its conditions on its page, then set HF_TOKEN to an access token of that account)",
                    _ => "",
                };
                return Err(fail(format!("{base}/{}: {e}{hint}", r.repo)));
            }
        }
    }
}

/// One request; a transport failure as a sentence that names it.
fn send(agent: &ureq::Agent, url: &str, req: &Request, token: Option<&str>) -> Result<Response, String> {
    let mut b = match req.method {
        Method::Head => agent.head(url),
        Method::Get => agent.get(url),
    };
    if let Some(range) = req.range_header() {
        b = b.header("Range", &range);
    }
    if let Some(t) = token {
        b = b.header("Authorization", &format!("Bearer {}", t.trim()));
    }
    let mut resp = b.call().map_err(transport)?;
    let mut out = Response::from_headers(resp.status().as_u16(), &|name| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string));
    let limit = req.body_limit(out.status);
    if limit > 0 {
        resp.body_mut().as_reader().take(limit).read_to_end(&mut out.body).map_err(|e| format!("reading the answer failed: {e}"))?;
    }
    Ok(out)
}

/// What a transport error means for the person running the command.
fn transport(e: ureq::Error) -> String {
    match e {
        ureq::Error::HostNotFound => "the host name does not resolve: no network, or a DNS that blocks it".into(),
        ureq::Error::ConnectionFailed => "cannot connect: no network, or a firewall blocks the request".into(),
        ureq::Error::Timeout(t) => format!("no answer in time ({t:?}): a slow or blocked network"),
        ureq::Error::Io(io) => format!("the connection failed ({io}): no network, or a proxy or firewall blocks the request"),
        ureq::Error::Tls(t) => format!("TLS failed ({t}): a proxy that intercepts HTTPS may be blocking the request"),
        ureq::Error::Rustls(t) => format!("TLS failed ({t}): a proxy that intercepts HTTPS may be blocking the request"),
        ureq::Error::TooManyRedirects => "too many redirects".into(),
        other => format!("the request failed: {other}"),
    }
}

/// What was read → the model, as a drop of the same files is resolved.
fn to_model(r: &HubRef, f: Fetched) -> Result<(Model, Option<WeightFormat>), InputError> {
    let named = |e: String| fail(format!("{}: {e}", r.repo));
    let file = if !f.gguf.is_empty() {
        let header = gpuplan_files::merge_splits(f.gguf).map_err(|e| named(e.to_string()))?;
        model_from_gguf(&header).map_err(named)?
    } else {
        let config = f.config.ok_or_else(|| named("no config.json was read".into()))?;
        if f.safetensors.is_empty() && f.index.is_none() {
            let arch = Arch::from_config_json(&config).map_err(|e| named(format!("config.json: {e}")))?;
            return Ok((Model::new(arch), None));
        }
        model_from_safetensors(&config, &f.safetensors, f.index.as_ref()).map_err(named)?
    };
    let model = match file.format {
        Some(fmt) => Model::new(file.arch).with_file_weights(fmt, file.weight_bytes),
        None => Model::new(file.arch),
    };
    Ok((model, file.format))
}
