//! The plan of requests for a model on the Hub, as a state machine without I/O: [`Fetch::start`]
//! gives the first [`Request`], [`Fetch::answer`] takes its [`Response`] and gives the next step.
//! The CLI drives it with an HTTP client, the page's worker with `XMLHttpRequest`; tests drive
//! it with canned answers.
//!
//! The plan:
//! * a repo: `config.json`, then `model.safetensors.index.json` (its `metadata.total_size` is
//!   the weight bytes); without an index, `model.safetensors`'s header (and, for an index
//!   without `total_size`, each shard's header);
//! * a `.safetensors` file: `config.json`, then that file's header;
//! * a `.gguf` file: its header only (each part's, for a part of a split set).
//!
//! A header is read as the dropped-file path reads it: on the Hub a `HEAD` first (its size:
//! `X-Linked-Size` for files in LFS/Xet, else `Content-Length`; and an early, cheap error for
//! gated or missing files: `huggingface_hub` `file_download.py` `get_hf_file_metadata` does the
//! same `HEAD`), then `Range` requests from byte 0: a GGUF's first [`GGUF_FIRST_READ`] bytes,
//! grown (only the bytes not yet read are asked for) while the parser answers `NeedMore`;
//! a safetensors file's 8-byte length, then exactly the header it announces.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::{error_message, parse_content_range, Host, HubRef};
use crate::gguf::{parse_gguf, GgufError, GgufHeader};
use crate::safetensors::{parse_index_json, parse_safetensors, SafetensorsError, SafetensorsHeader, SafetensorsIndex};

/// First bytes of a GGUF asked for (the dropped-file path's first read, too): the header of a
/// model with a 150k-token vocabulary (tokens, merges) is 5–10 MB; grown by doubling.
pub const GGUF_FIRST_READ: u64 = 4 << 20;
/// Largest `config.json` / `model.safetensors.index.json` read (DeepSeek-V3's index is 9 MB).
pub const MAX_JSON_BYTES: u64 = 32 << 20;
/// Most shard headers read for an index without `metadata.total_size`.
pub const MAX_SHARDS: usize = 256;
/// Most requests one fetch makes (a bound on the loop whatever the server answers).
pub const MAX_REQUESTS: u32 = 3 * MAX_SHARDS as u32 + 32;
/// The files a repo's plan reads.
pub const CONFIG: &str = "config.json";
/// The safetensors index.
pub const INDEX: &str = "model.safetensors.index.json";
/// The single-file checkpoint, when there is no index.
pub const SINGLE: &str = "model.safetensors";

/// `HEAD` or `GET`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Headers only.
    Head,
    /// The body (or a range of it).
    Get,
}

/// One request to make: `method` on the URL of `file` ([`HubRef::file_url`]), with
/// `Range: bytes=FIRST-LAST` when `range` is set. Read at most `max_body` bytes of the answer's
/// body (a server that ignores `Range` answers 200 with the whole file: read only that much).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `HEAD` or `GET`.
    pub method: Method,
    /// The file in the repo.
    pub file: String,
    /// Inclusive byte range.
    pub range: Option<(u64, u64)>,
    /// Most bytes of the body to read.
    pub max_body: u64,
}

impl Request {
    /// The `Range` header's value.
    pub fn range_header(&self) -> Option<String> {
        self.range.map(|(a, b)| format!("bytes={a}-{b}"))
    }

    /// Most bytes of the body of an answer with `status` to read: an error's message
    /// ([`ERROR_BODY_BYTES`]), else the request's `max_body`; nothing for `HEAD`.
    pub fn body_limit(&self, status: u16) -> u64 {
        match self.method {
            Method::Head => 0,
            Method::Get if status >= 400 => ERROR_BODY_BYTES,
            Method::Get => self.max_body,
        }
    }
}

/// Most bytes of an error answer's body read (its JSON message).
pub const ERROR_BODY_BYTES: u64 = 1 << 16;

impl Response {
    /// The answer's status and the headers the plan reads, by a lookup of a header's value
    /// by its lower-case name (each transport's own); the body is the caller's to read,
    /// at most [`Request::body_limit`].
    pub fn from_headers(status: u16, header: &dyn Fn(&str) -> Option<String>) -> Response {
        let number = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
        Response {
            status,
            body: Vec::new(),
            content_range: header("content-range"),
            content_length: number("content-length"),
            linked_size: number("x-linked-size"),
            error_code: header("x-error-code"),
            error_message: header("x-error-message"),
        }
    }
}

/// What came back (the caller fills what it could read; the page's worker cannot read headers
/// that the server does not expose to scripts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body, at most the request's `max_body` bytes.
    pub body: Vec<u8>,
    /// `Content-Range`.
    pub content_range: Option<String>,
    /// `Content-Length`.
    pub content_length: Option<u64>,
    /// `X-Linked-Size` (the Hub: the size of a file stored in LFS/Xet).
    pub linked_size: Option<u64>,
    /// `X-Error-Code` (the Hub: `GatedRepo`, `RepoNotFound`, `RevisionNotFound`, `EntryNotFound`).
    pub error_code: Option<String>,
    /// `X-Error-Message`.
    pub error_message: Option<String>,
}

/// Everything read, for the same resolution a drop of these files gets.
#[derive(Clone, Debug, Default)]
pub struct Fetched {
    /// The files read, in order.
    pub files: Vec<String>,
    /// `config.json`'s text.
    pub config: Option<String>,
    /// The safetensors index.
    pub index: Option<SafetensorsIndex>,
    /// Safetensors headers read.
    pub safetensors: Vec<SafetensorsHeader>,
    /// GGUF headers read.
    pub gguf: Vec<GgufHeader>,
}

/// Why the model could not be fetched. The messages say what happened; the caller adds what to
/// do instead (the CLI: pass `--config`/`--gguf`/`--safetensors` with a downloaded file; the
/// page: paste the config or drop the file).
/// Fields: `repo` OWNER/NAME, `file` the path in the repo, `message` the server's own words.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// Gated: the license must be accepted on the Hub, and the request authenticated.
    Gated { repo: String, message: Option<String> },
    /// 401 without `GatedRepo`: a private repo, a missing one, or a refused token.
    Unauthorized { repo: String, message: Option<String> },
    /// No such repo.
    RepoNotFound { repo: String },
    /// No such revision.
    RevisionNotFound { repo: String, revision: String },
    /// No such file.
    FileNotFound { repo: String, file: String },
    /// A repo without config.json (e.g. GGUF only): name the file.
    NoConfig { repo: String },
    /// Neither an index nor `model.safetensors`.
    NoWeights { repo: String },
    /// 429.
    RateLimited,
    /// Any other status.
    Http { status: u16, file: String, message: Option<String> },
    /// What came back is not what was asked for, or a file's header is unreadable.
    BadFile { file: String, problem: String },
    /// The link names a file that is neither `.gguf`, `.safetensors` nor `config.json`.
    NotAModelFile { file: String },
}

impl FetchError {
    /// A short name of the error kind (fuzzing statistics, tests).
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Gated { .. } => "gated",
            FetchError::Unauthorized { .. } => "unauthorized",
            FetchError::RepoNotFound { .. } => "repo_not_found",
            FetchError::RevisionNotFound { .. } => "revision_not_found",
            FetchError::FileNotFound { .. } => "file_not_found",
            FetchError::NoConfig { .. } => "no_config",
            FetchError::NoWeights { .. } => "no_weights",
            FetchError::RateLimited => "rate_limited",
            FetchError::Http { .. } => "http",
            FetchError::BadFile { .. } => "bad_file",
            FetchError::NotAModelFile { .. } => "not_a_model_file",
        }
    }
}

fn said(m: &Option<String>) -> String {
    m.as_ref().map(|m| format!(" (the Hub says: {m})")).unwrap_or_default()
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Gated { repo, message } => write!(f, "{repo} is gated: its files are given only to signed-in accounts that accepted its conditions on its page{}", said(message)),
            FetchError::Unauthorized { repo, message } => write!(f, "{repo}: access refused (401): the repo is private, gated, does not exist, or the token is not valid{}", said(message)),
            FetchError::RepoNotFound { repo } => write!(f, "{repo}: no such model repo (check the spelling: OWNER/NAME)"),
            FetchError::RevisionNotFound { repo, revision } => write!(f, "{repo} has no revision \"{revision}\""),
            FetchError::FileNotFound { repo, file } => write!(f, "{repo} has no file {file} at this revision"),
            FetchError::NoConfig { repo } => write!(f, "{repo} has no config.json (a GGUF-only repo?): name the .gguf file (its link, or --hf-file NAME.gguf)"),
            FetchError::NoWeights { repo } => write!(f, "{repo} has neither {INDEX} nor {SINGLE}"),
            FetchError::RateLimited => write!(f, "the Hub answered 429 Too Many Requests: wait a minute and try again"),
            FetchError::Http { status, file, message } => write!(f, "{file}: the server answered HTTP {status}{}", said(message)),
            FetchError::BadFile { file, problem } => write!(f, "{file}: {problem}"),
            FetchError::NotAModelFile { file } => write!(f, "{file} is not a .gguf, .safetensors or config.json file"),
        }
    }
}

/// The next thing to do.
#[derive(Debug)]
pub enum Step {
    /// Make this request and give its answer to [`Fetch::answer`].
    Send(Request),
    /// Finished: resolve these as a drop of the same files.
    Done(Fetched),
    /// Stopped.
    Failed(FetchError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Gguf,
    Safetensors,
}

#[derive(Debug)]
enum Stage {
    Config,
    Index,
    /// Reading `file`'s header: `have` bytes from 0, `need` bytes wanted next (0: the first
    /// read); `size` once known; `headed` after HEAD; `fallback`: `model.safetensors` tried for
    /// want of an index.
    Header { file: String, kind: Kind, have: Vec<u8>, need: u64, size: Option<u64>, headed: bool, fallback: bool },
}

/// A fetch in progress (see the module's documentation).
#[derive(Debug)]
pub struct Fetch {
    r: HubRef,
    stage: Stage,
    /// Headers still to read after the current one.
    queue: VecDeque<String>,
    out: Fetched,
    requests: u32,
    /// The range of the last request.
    asked: Option<(u64, u64)>,
}

fn kind_of(file: &str) -> Option<Kind> {
    let f = file.to_ascii_lowercase();
    if f.ends_with(".gguf") {
        Some(Kind::Gguf)
    } else if f.ends_with(".safetensors") {
        Some(Kind::Safetensors)
    } else {
        None
    }
}

/// Most parts of a split GGUF read (llama.cpp's `gguf-split` names them
/// `NAME-00001-of-00003.gguf`, `examples/gguf-split/gguf-split.cpp` `split_path`).
pub const MAX_SPLIT_PARTS: usize = 256;

/// `dir/NAME-0000k-of-0000N.gguf` → every part's path, in order (the same width of digits);
/// `None` for a file that is not part of a split set.
pub fn split_parts(file: &str) -> Option<Vec<String>> {
    let stem = file.strip_suffix(".gguf")?;
    let (head, of) = stem.rsplit_once("-of-")?;
    let (base, k) = head.rsplit_once('-')?;
    if of.is_empty() || of.len() > 5 || k.len() != of.len() || !of.bytes().chain(k.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = of.parse().ok()?;
    if !(2..=MAX_SPLIT_PARTS).contains(&n) {
        return None;
    }
    Some((1..=n).map(|i| format!("{base}-{i:0w$}-of-{of}.gguf", w = of.len())).collect())
}

impl Fetch {
    /// The plan for `r`, and its first step.
    pub fn start(r: HubRef) -> (Fetch, Step) {
        let header = |file: &str, kind| Stage::Header { file: file.to_string(), kind, have: Vec::new(), need: 0, size: None, headed: false, fallback: false };
        let stage = match r.file.as_deref() {
            None => Stage::Config,
            Some(f) if f == CONFIG || f.ends_with("/config.json") => Stage::Config,
            Some(f) => match kind_of(f) {
                Some(Kind::Gguf) => header(f, Kind::Gguf),
                Some(Kind::Safetensors) => Stage::Config,
                None => {
                    let e = FetchError::NotAModelFile { file: f.to_string() };
                    let fetch = Fetch { r, stage: Stage::Config, queue: VecDeque::new(), out: Fetched::default(), requests: 0, asked: None };
                    return (fetch, Step::Failed(e));
                }
            },
        };
        let mut fetch = Fetch { r, stage, queue: VecDeque::new(), out: Fetched::default(), requests: 0, asked: None };
        // A part of a split GGUF: every part's header, from the first.
        if let Some(parts) = fetch.r.file.as_deref().filter(|f| kind_of(f) == Some(Kind::Gguf)).and_then(split_parts) {
            fetch.queue = parts.into();
            return match fetch.next_header() {
                Step::Done(_) => (fetch, Step::Failed(FetchError::NotAModelFile { file: String::new() })),
                step => (fetch, step),
            };
        }
        let step = fetch.request();
        (fetch, step)
    }

    /// The reference being fetched.
    pub fn reference(&self) -> &HubRef {
        &self.r
    }

    /// The request of the current stage.
    fn request(&mut self) -> Step {
        self.requests += 1;
        if self.requests > MAX_REQUESTS {
            return Step::Failed(FetchError::BadFile { file: self.r.repo.clone(), problem: format!("more than {MAX_REQUESTS} requests; stopped") });
        }
        let get = |file: &str| Request { method: Method::Get, file: file.to_string(), range: None, max_body: MAX_JSON_BYTES };
        let req = match &self.stage {
            Stage::Config => get(self.config_file()),
            Stage::Index => get(INDEX),
            Stage::Header { file, headed: false, .. } if self.r.host == Host::HuggingFace => Request { method: Method::Head, file: file.clone(), range: None, max_body: 0 },
            Stage::Header { file, kind, have, need, size, .. } => {
                let start = have.len() as u64;
                let end = match (kind, *need) {
                    (Kind::Gguf, 0) => GGUF_FIRST_READ,
                    (Kind::Safetensors, 0) => 8,
                    (_, n) => n,
                };
                let end = size.map_or(end, |s| end.min(s)).max(start + 1);
                Request { method: Method::Get, file: file.clone(), range: Some((start, end - 1)), max_body: end }
            }
        };
        self.asked = req.range;
        Step::Send(req)
    }

    /// The config file's path: `config.json` beside a linked file, else at the root.
    fn config_file(&self) -> &str {
        match self.r.file.as_deref() {
            Some(f) if f.ends_with("config.json") => f,
            _ => CONFIG,
        }
    }

    /// The error an answer other than 200/206 stands for.
    fn failure(&self, file: &str, resp: &Response) -> FetchError {
        let repo = self.r.repo.clone();
        let message = resp.error_message.clone().or_else(|| error_message(&resp.body));
        match (resp.error_code.as_deref(), resp.status) {
            (Some("GatedRepo"), _) | (None, 403) => FetchError::Gated { repo, message },
            (Some("RepoNotFound"), 404) => FetchError::RepoNotFound { repo },
            (Some("RevisionNotFound"), _) => FetchError::RevisionNotFound { repo, revision: self.r.revision().to_string() },
            (Some("EntryNotFound"), _) | (None, 404) => FetchError::FileNotFound { repo, file: file.to_string() },
            (_, 401) | (Some("RepoNotFound"), _) => FetchError::Unauthorized { repo, message },
            (_, 429) => FetchError::RateLimited,
            (_, status) => FetchError::Http { status, file: file.to_string(), message },
        }
    }

    /// Takes the answer to the last request; gives the next step.
    pub fn answer(&mut self, resp: Response) -> Step {
        let ok = resp.status == 200 || resp.status == 206;
        match &mut self.stage {
            Stage::Config => {
                let file = self.config_file().to_string();
                if !ok {
                    return Step::Failed(match self.failure(&file, &resp) {
                        FetchError::FileNotFound { repo, .. } if self.r.file.is_none() => FetchError::NoConfig { repo },
                        e => e,
                    });
                }
                match String::from_utf8(resp.body) {
                    Ok(text) => self.out.config = Some(text),
                    Err(_) => return Step::Failed(FetchError::BadFile { file, problem: "not UTF-8 text".into() }),
                }
                self.out.files.push(file);
                self.stage = match self.r.file.as_deref() {
                    Some(f) if kind_of(f) == Some(Kind::Safetensors) => Stage::Header { file: f.to_string(), kind: Kind::Safetensors, have: Vec::new(), need: 0, size: None, headed: false, fallback: false },
                    Some(_) => return Step::Done(core::mem::take(&mut self.out)),
                    None => Stage::Index,
                };
                self.request()
            }
            Stage::Index => self.index_answer(resp, ok),
            Stage::Header { .. } => self.header_answer(resp, ok),
        }
    }

    fn index_answer(&mut self, resp: Response, ok: bool) -> Step {
        let single = Stage::Header { file: SINGLE.to_string(), kind: Kind::Safetensors, have: Vec::new(), need: 0, size: None, headed: false, fallback: true };
        if !ok {
            return match self.failure(INDEX, &resp) {
                FetchError::FileNotFound { .. } => {
                    self.stage = single;
                    self.request()
                }
                e => Step::Failed(e),
            };
        }
        let ix = match parse_index_json(&resp.body) {
            Ok(ix) => ix,
            Err(e) => return Step::Failed(FetchError::BadFile { file: INDEX.into(), problem: e.to_string() }),
        };
        self.out.files.push(INDEX.into());
        if ix.total_size.is_some() {
            self.out.index = Some(ix);
            return Step::Done(core::mem::take(&mut self.out));
        }
        let shards: Vec<String> = ix.shards().into_iter().map(ToString::to_string).collect();
        if shards.is_empty() || shards.len() > MAX_SHARDS {
            return Step::Failed(FetchError::BadFile { file: INDEX.into(), problem: format!("no metadata.total_size, and {} shards (1 to {MAX_SHARDS} are read)", shards.len()) });
        }
        if let Some(bad) = shards.iter().find(|s| kind_of(s) != Some(Kind::Safetensors) || s.contains("..")) {
            return Step::Failed(FetchError::BadFile { file: INDEX.into(), problem: format!("shard \"{bad}\" is not a .safetensors file of the repo") });
        }
        self.out.index = Some(ix);
        self.queue = shards.into();
        self.next_header()
    }

    /// Starts the next queued header, or finishes.
    fn next_header(&mut self) -> Step {
        match self.queue.pop_front() {
            Some(file) => {
                let kind = kind_of(&file).unwrap_or(Kind::Safetensors);
                self.stage = Stage::Header { file, kind, have: Vec::new(), need: 0, size: None, headed: false, fallback: false };
                self.request()
            }
            None => Step::Done(core::mem::take(&mut self.out)),
        }
    }

    fn header_answer(&mut self, resp: Response, ok: bool) -> Step {
        let internal = |file: &str| Step::Failed(FetchError::BadFile { file: file.to_string(), problem: "internal: no header being read".into() });
        let Stage::Header { file, headed, fallback, .. } = &self.stage else { return internal(&self.r.repo) };
        let (file, headed, fallback) = (file.clone(), *headed, *fallback);
        if !ok {
            return Step::Failed(match self.failure(&file, &resp) {
                FetchError::FileNotFound { repo, .. } if fallback => FetchError::NoWeights { repo },
                e => e,
            });
        }
        if !headed && self.r.host == Host::HuggingFace {
            if let Stage::Header { headed, size, .. } = &mut self.stage {
                *headed = true;
                *size = resp.linked_size.or(resp.content_length).filter(|&s| s > 0);
            }
            return self.request();
        }
        let (Some((start, last)), Stage::Header { kind, have, need, size, .. }) = (self.asked, &mut self.stage) else { return internal(&file) };
        let end = last + 1;
        // The bytes [start, end) of the file: a 206 must say it holds them; a 200 is the file
        // from byte 0 (the server ignored Range).
        let body: &[u8] = if resp.status == 206 {
            match resp.content_range.as_deref().and_then(parse_content_range) {
                Some((first, _, total)) if first == start => {
                    *size = size.or(total);
                    &resp.body
                }
                Some((first, _, _)) => return Step::Failed(FetchError::BadFile { file, problem: format!("asked for bytes from {start}, the server sent them from {first}") }),
                // The page cannot always read Content-Range: trust the length then.
                None => &resp.body,
            }
        } else {
            *size = size.or(Some(resp.content_length.unwrap_or(resp.body.len() as u64)));
            resp.body.get(start as usize..).unwrap_or(&[])
        };
        let body = &body[..body.len().min((end - start) as usize)];
        if body.is_empty() || have.len() as u64 != start {
            return Step::Failed(FetchError::BadFile { file, problem: format!("the server sent no bytes from {start}: the file ends before its header does") });
        }
        have.extend_from_slice(body);
        let got = have.len() as u64;
        let parsed = match kind {
            Kind::Gguf => parse_gguf(have).map(|h| self.out.gguf.push(h)).map_err(|e| match e {
                GgufError::NeedMore { at_least } => Err(at_least.max(got.saturating_mul(2).min(crate::gguf::MAX_HEADER_LEN))),
                e => Ok(e.to_string()),
            }),
            Kind::Safetensors => parse_safetensors(have).map(|h| self.out.safetensors.push(h)).map_err(|e| match e {
                SafetensorsError::NeedMore { at_least } => Err(at_least),
                e => Ok(e.to_string()),
            }),
        };
        match parsed {
            Ok(()) => {
                self.out.files.push(file);
                self.next_header()
            }
            Err(Ok(problem)) => Step::Failed(FetchError::BadFile { file, problem }),
            Err(Err(_)) if got < end => Step::Failed(FetchError::BadFile { file, problem: format!("the server sent {} bytes of the {} asked for", got - start, end - start) }),
            Err(Err(wanted)) => match *size {
                Some(s) if got >= s => Step::Failed(FetchError::BadFile { file, problem: format!("the header needs more bytes than the file's {s}: truncated") }),
                _ => {
                    *need = wanted;
                    self.request()
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_transports_read_an_answer_the_same_way() {
        let head = Request { method: Method::Head, file: "x".into(), range: None, max_body: 0 };
        let get = Request { method: Method::Get, file: "x".into(), range: Some((0, 99)), max_body: 100 };
        assert_eq!((head.body_limit(200), get.body_limit(206), get.body_limit(404)), (0, 100, ERROR_BODY_BYTES));
        let r = Response::from_headers(206, &|n| match n {
            "content-range" => Some("bytes 0-99/5000".into()),
            "content-length" => Some(" 100 ".into()),
            "x-error-code" => None,
            "x-linked-size" => Some("not a number".into()),
            _ => None,
        });
        assert_eq!((r.status, r.content_range.as_deref(), r.content_length, r.linked_size, r.error_code), (206, Some("bytes 0-99/5000"), Some(100), None, None));
    }
}
