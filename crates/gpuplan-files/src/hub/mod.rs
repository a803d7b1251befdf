//! A model on the Hugging Face Hub (or ModelScope) by what a person types: its id or a link.
//!
//! Pure, like the rest of the crate: [`parse_ref`] reads `Qwen/Qwen3-30B-A3B`,
//! `https://huggingface.co/OWNER/NAME`, `…/tree/REV`, `…/blob/REV/FILE`, `…/resolve/REV/FILE`,
//! `hf.co/…` and `https://modelscope.cn/models/OWNER/NAME[/file/view/REV/FILE]` into a
//! [`HubRef`]; [`fetch::Fetch`] is the plan of requests for it (config.json, the safetensors
//! index or a file's header by `Range`, a GGUF header by growing ranges) driven by whoever does
//! the I/O (the CLI with an HTTP client, the page's worker with `XMLHttpRequest`). The parsers
//! of what the Hub answers ([`parse_content_range`], [`error_message`]) are bounded and fuzzed
//! (`examples/fuzz.rs`).
//!
//! URL layout, as `huggingface_hub` builds it (v0.35, `src/huggingface_hub/constants.py`
//! `ENDPOINT` = `$HF_ENDPOINT` or `https://huggingface.co`, `HUGGINGFACE_CO_URL_TEMPLATE` =
//! `{endpoint}/{repo_id}/resolve/{revision}/{filename}`, `DEFAULT_REVISION` = `main`; the revision
//! is quoted with `safe=""` and the file name with `/` kept, `file_download.py` `hf_hub_url`).
//! ModelScope, as its SDK builds it (`modelscope/hub/file_download.py`
//! `get_file_download_url`): `{endpoint}/api/v1/models/{model_id}/repo?Revision={revision}&
//! FilePath={file_path}`, both `quote_plus`'d, default endpoint `https://www.modelscope.cn`,
//! default revision `master` (`modelscope/hub/constants.py` `DEFAULT_MODEL_REVISION`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

pub mod fetch;
#[cfg(test)]
mod tests;

/// Longest input accepted (a pasted URL with a query string fits many times over).
pub const MAX_REF_LEN: usize = 2048;
/// Longest repo id, `huggingface_hub` `utils/_validators.py` `validate_repo_id` (96 characters).
pub const MAX_REPO_ID_LEN: usize = 96;
/// Longest revision or file path accepted.
pub const MAX_PATH_LEN: usize = 512;
/// The Hub's own endpoint (`huggingface_hub` `constants.py` `_HF_DEFAULT_ENDPOINT`).
pub const HF_ENDPOINT: &str = "https://huggingface.co";
/// ModelScope's endpoint (`modelscope/hub/constants.py` `DEFAULT_MODELSCOPE_DOMAIN`).
pub const MODELSCOPE_ENDPOINT: &str = "https://www.modelscope.cn";

/// Which hub a reference names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// huggingface.co (or the endpoint the caller sets, e.g. `$HF_ENDPOINT`).
    HuggingFace,
    /// modelscope.cn.
    ModelScope,
}

impl Host {
    /// The revision files are read from when none is given.
    pub const fn default_revision(self) -> &'static str {
        match self {
            Host::HuggingFace => "main",
            Host::ModelScope => "master",
        }
    }

    /// The hub's own endpoint.
    pub const fn endpoint(self) -> &'static str {
        match self {
            Host::HuggingFace => HF_ENDPOINT,
            Host::ModelScope => MODELSCOPE_ENDPOINT,
        }
    }

    /// Its name, in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Host::HuggingFace => "Hugging Face",
            Host::ModelScope => "ModelScope",
        }
    }
}

/// A model repository, and optionally a revision and one file of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubRef {
    /// The hub.
    pub host: Host,
    /// `OWNER/NAME`.
    pub repo: String,
    /// A branch, tag or commit; `None`: the hub's default.
    pub revision: Option<String>,
    /// One file of the repo (a `.gguf` or `.safetensors`), when the link names one.
    pub file: Option<String>,
}

impl HubRef {
    /// The revision requests use.
    pub fn revision(&self) -> &str {
        self.revision.as_deref().unwrap_or(self.host.default_revision())
    }

    /// The URL of `file` at this revision under `endpoint` (no trailing `/`), as
    /// `huggingface_hub`'s `hf_hub_url` / ModelScope's `get_file_download_url` build it.
    pub fn file_url(&self, endpoint: &str, file: &str) -> String {
        let endpoint = endpoint.trim_end_matches('/');
        match self.host {
            Host::HuggingFace => format!("{endpoint}/{}/resolve/{}/{}", self.repo, quote(self.revision(), false), quote(file, true)),
            Host::ModelScope => format!("{endpoint}/api/v1/models/{}/repo?Revision={}&FilePath={}", self.repo, quote(self.revision(), false), quote(file, false)),
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3), and `/` when
/// `keep_slash` (Python's `urllib.parse.quote(s, safe="/")` and `quote(s, safe="")`).
pub fn quote(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a typed reference is not a model repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefError {
    /// Nothing typed.
    Empty,
    /// Longer than [`MAX_REF_LEN`].
    TooLong(usize),
    /// A link to a host that is neither the Hub nor ModelScope.
    UnknownHost(String),
    /// A link to a dataset or a Space, not a model.
    NotAModel(&'static str),
    /// No `OWNER/NAME` in it.
    NoRepo,
    /// The repo id breaks the Hub's rules (the reason in words).
    BadRepo(String),
    /// The revision or file part is not usable (the reason in words).
    BadPath(String),
}

impl RefError {
    /// A short name of the error kind (fuzzing statistics).
    pub fn kind(&self) -> &'static str {
        match self {
            RefError::Empty => "empty",
            RefError::TooLong(_) => "too_long",
            RefError::UnknownHost(_) => "unknown_host",
            RefError::NotAModel(_) => "not_a_model",
            RefError::NoRepo => "no_repo",
            RefError::BadRepo(_) => "bad_repo",
            RefError::BadPath(_) => "bad_path",
        }
    }
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const EXPECTED: &str = "expected OWNER/NAME (e.g. Qwen/Qwen3-30B-A3B), a huggingface.co or hf.co link (…/tree/REV, …/blob/REV/FILE.gguf, …/resolve/REV/FILE), or a modelscope.cn/models/OWNER/NAME link";
        match self {
            RefError::Empty => write!(f, "no model given; {EXPECTED}"),
            RefError::TooLong(n) => write!(f, "{n} characters; at most {MAX_REF_LEN} are read; {EXPECTED}"),
            RefError::UnknownHost(h) => write!(f, "\"{h}\" is neither huggingface.co, hf.co nor modelscope.cn; {EXPECTED}"),
            RefError::NotAModel(what) => write!(f, "this links to a {what}, not a model; {EXPECTED}"),
            RefError::NoRepo => write!(f, "no OWNER/NAME found; {EXPECTED}"),
            RefError::BadRepo(why) => write!(f, "not a repo id: {why}; {EXPECTED}"),
            RefError::BadPath(why) => write!(f, "{why}; {EXPECTED}"),
        }
    }
}

/// Decodes `%XX` escapes (a malformed escape is kept as typed); `None` when the result is not
/// UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The Hub's repo id rules (`huggingface_hub` `utils/_validators.py` `validate_repo_id`:
/// `REPO_ID_REGEX` = `^(\b[\w\-.]+\b/)?\b[\w\-.]+\b$`, at most 96 characters, no `--` or `..`,
/// not ending in `.git`), for `OWNER/NAME`.
fn check_repo(owner: &str, name: &str) -> Result<String, RefError> {
    let repo = format!("{owner}/{name}");
    if repo.len() > MAX_REPO_ID_LEN {
        return Err(RefError::BadRepo(format!("{} characters, at most {MAX_REPO_ID_LEN}", repo.len())));
    }
    for part in [owner, name] {
        if part.is_empty() {
            return Err(RefError::NoRepo);
        }
        if let Some(c) = part.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
            return Err(RefError::BadRepo(format!("\"{}\" has the character {c:?}; letters, digits, '-', '_' and '.' are allowed", short(part))));
        }
        let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !edge(part.chars().next()) || !edge(part.chars().last()) {
            return Err(RefError::BadRepo(format!("\"{part}\" must start and end with a letter, digit or '_'")));
        }
    }
    if repo.contains("--") || repo.contains("..") {
        return Err(RefError::BadRepo(format!("\"{repo}\" contains '--' or '..'")));
    }
    if repo.ends_with(".git") {
        return Err(RefError::BadRepo(format!("\"{repo}\" ends in .git")));
    }
    Ok(repo)
}

/// The first 40 characters of `s`, for messages.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// A revision or file path (`what` names it in messages): decoded, printable, no empty, `.` or
/// `..` segment, bounded. Used for links and for the CLI's `--revision` / `--hf-file`.
pub fn check_path(what: &str, s: &str) -> Result<String, RefError> {
    let s = percent_decode(s).ok_or_else(|| RefError::BadPath(format!("the {what} is not UTF-8 once decoded")))?;
    if s.is_empty() || s.len() > MAX_PATH_LEN {
        return Err(RefError::BadPath(format!("the {what} is {} characters; 1 to {MAX_PATH_LEN} are allowed", s.len())));
    }
    if let Some(c) = s.chars().find(|c| c.is_control() || *c == '\\') {
        return Err(RefError::BadPath(format!("the {what} has the character {c:?}")));
    }
    if s.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err(RefError::BadPath(format!("the {what} \"{}\" has an empty, '.' or '..' part", short(&s))));
    }
    Ok(s)
}

/// Reads what a person typed as a model repository (see the module's documentation).
pub fn parse_ref(input: &str) -> Result<HubRef, RefError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(RefError::Empty);
    }
    if s.len() > MAX_REF_LEN {
        return Err(RefError::TooLong(s.len()));
    }
    let lower = s.to_ascii_lowercase();
    let had_scheme = lower.starts_with("https://") || lower.starts_with("http://");
    let rest = if had_scheme { &s[s.find("://").map_or(0, |i| i + 3)..] } else { s };
    // The query: `?show_file_info=FILE` (the Hub's file panel) names a file; the rest is dropped.
    let (rest, query) = match rest.find(['?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut segs: Vec<&str> = rest.split('/').collect();
    while segs.last() == Some(&"") {
        segs.pop();
    }
    let first = segs.first().copied().unwrap_or("").to_ascii_lowercase();
    let host = match first.as_str() {
        "huggingface.co" | "www.huggingface.co" | "hf.co" => Some(Host::HuggingFace),
        "modelscope.cn" | "www.modelscope.cn" => Some(Host::ModelScope),
        _ if had_scheme || (first.contains('.') && segs.len() > 2) => return Err(RefError::UnknownHost(short(&first))),
        _ => None,
    };
    let (host, path) = match host {
        Some(h) => (h, &segs[1..]),
        None => (Host::HuggingFace, &segs[..]),
    };
    let path: &[&str] = match (host, path.first().copied()) {
        (Host::ModelScope, Some("models")) => &path[1..],
        (Host::ModelScope, Some("datasets")) | (Host::HuggingFace, Some("datasets")) => return Err(RefError::NotAModel("dataset")),
        (Host::ModelScope, Some("studios")) | (Host::HuggingFace, Some("spaces")) => return Err(RefError::NotAModel("Space")),
        (Host::ModelScope, _) => return Err(RefError::NoRepo),
        _ => path,
    };
    let (owner, name) = match path {
        [o, n, ..] => (*o, *n),
        _ => return Err(RefError::NoRepo),
    };
    let repo = check_repo(owner, name)?;
    let (mut revision, mut file) = (None, None);
    match &path[2..] {
        [] => {}
        ["tree", rev, ..] | ["commit", rev, ..] => revision = Some(check_path("revision", rev)?),
        ["blob" | "resolve", rev, f @ ..] | ["file", "view", rev, f @ ..] if !f.is_empty() => {
            revision = Some(check_path("revision", rev)?);
            file = Some(check_path("file path", &f.join("/"))?);
        }
        ["files" | "summary" | "discussions" | "commits", ..] => {}
        [other, ..] => return Err(RefError::BadPath(format!("\"{}\" after {repo} is not …/tree/REV, …/blob/REV/FILE or …/resolve/REV/FILE", short(other)))),
    }
    if let Some(f) = query.strip_prefix('?').and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("show_file_info="))) {
        if file.is_none() {
            file = Some(check_path("file path", f)?);
        }
    }
    Ok(HubRef { host, repo, revision, file })
}

/// `Content-Range: bytes FIRST-LAST/TOTAL` (RFC 9110 §14.4; `TOTAL` may be `*`) → (first,
/// last, total). `None` for anything else, or when `first > last` or `last ≥ total`.
pub fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let v = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = v.split_once('/')?;
    let (a, b) = range.trim().split_once('-')?;
    let num = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.len() <= 20 && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    let (first, last) = (num(a)?, num(b)?);
    let total = if total.trim() == "*" { None } else { Some(num(total)?) };
    if first > last || total.is_some_and(|t| last >= t) {
        return None;
    }
    Some((first, last, total))
}

/// Longest error text kept from an answer's body or `X-Error-Message`.
pub const MAX_ERROR_TEXT: usize = 300;
/// Bytes of an error body looked at.
pub const MAX_ERROR_BODY: usize = 16 << 10;

/// The message of an error answer: the Hub's JSON `{"error": "…"}` (ModelScope's
/// `{"Message": "…"}`), else the body's text if it is short plain text; printable, at most
/// [`MAX_ERROR_TEXT`] characters. `None` when there is nothing readable.
pub fn error_message(body: &[u8]) -> Option<String> {
    let body = &body[..body.len().min(MAX_ERROR_BODY)];
    let text = match core::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => core::str::from_utf8(&body[..e.valid_up_to()]).ok()?,
    };
    let from_json = gpuplan_core::json::parse(text).ok().and_then(|v| {
        ["error", "Message", "message"].iter().find_map(|k| match v.get(k) {
            Some(gpuplan_core::json::Value::String(s)) => Some(s.clone()),
            Some(gpuplan_core::json::Value::Array(a)) => a.first().and_then(|x| x.as_str()).map(ToString::to_string),
            _ => None,
        })
    });
    let raw = match from_json {
        Some(s) => s,
        None if !text.trim_start().starts_with(['<', '{', '[']) && text.len() <= MAX_ERROR_TEXT => text.to_string(),
        None => return None,
    };
    let clean: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX_ERROR_TEXT).collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_string())
}
