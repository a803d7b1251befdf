//! A model from the Hub, in the worker: what was fetched becomes a model exactly as a drop of the
//! same files does (`inputs::dropped::resolve`), and every way it can fail becomes a message
//! that says what to do instead (paste the config, drop the file). Pure and host-tested; the
//! requests themselves are made by `worker::hub_fetch` (wasm32), driven by the plan of
//! `gpuplan_files::hub::fetch`, and only when the person presses Fetch.
//!
//! The words live in a table of their own ([`t_hub`]), used only here: the page's wasm, which
//! never writes these messages, does not carry them.

use gpuplan_files::hub::fetch::{FetchError, Fetched};
use gpuplan_files::hub::{Host, HubRef, RefError};

use crate::i18n::Lang;
use crate::inputs::dropped::{resolve, DropOutcome, DropResult, Dropped};

macro_rules! words {
    ($($k:ident => $en:literal, $hans:literal, $hant:literal;)*) => {
        /// The messages of a fetch from the Hub.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum HubWord { $($k),* }
        impl HubWord {
            pub const ALL: &'static [HubWord] = &[$(HubWord::$k),*];
        }
        static HUB_WORDS: &[[&str; 3]] = &[$([$en, $hans, $hant]),*];
        /// The message `k` in `lang`.
        pub fn t_hub(lang: Lang, k: HubWord) -> &'static str {
            HUB_WORDS[k as usize][lang as usize]
        }
    };
}

words! {
    Read => "Read from", "已读取自", "已讀取自";
    Instead => "Paste the model's config.json or drop its files here instead.",
        "请改为粘贴模型的 config.json，或把文件拖到这里。",
        "請改為貼上模型的 config.json，或把檔案拖到這裡。";
    Gated => "is gated: its files are given only to signed-in accounts that accepted its conditions on its page. Download config.json (or the .gguf) there.",
        "是受限模型：只有登录并在其页面上同意条款的账号才能下载文件。请在那里下载 config.json（或 .gguf）。",
        "是受限模型：只有登入並在其頁面上同意條款的帳號才能下載檔案。請在那裡下載 config.json（或 .gguf）。";
    Private => "refused access (401): the repo is gated or private, or does not exist. Signed in on its page, download config.json (or the .gguf) there.",
        "拒绝访问（401）：该仓库受限、私有或不存在。请登录后在其页面下载 config.json（或 .gguf）。",
        "拒絕存取（401）：該倉庫受限、私有或不存在。請登入後在其頁面下載 config.json（或 .gguf）。";
    Offline => "You are offline: the Hub cannot be reached. The calculator works offline.",
        "当前离线，无法访问 Hub。计算器可离线使用。",
        "目前離線，無法存取 Hub。計算器可離線使用。";
    Blocked => "The request was blocked or could not reach the server (the browser's cross-origin or content policy, an extension, a firewall or a proxy):",
        "请求被拦截或无法到达服务器（浏览器的跨域或内容安全策略、扩展、防火墙或代理）：",
        "請求被攔截或無法到達伺服器（瀏覽器的跨來源或內容安全政策、擴充功能、防火牆或代理）：";
}

/// How a fetch ended.
#[derive(Debug)]
pub enum Ending {
    /// The files were read.
    Fetched(Fetched),
    /// The Hub answered something that stops the plan (gated, missing, …).
    Failed(FetchError),
    /// The browser is offline (`navigator.onLine` is false) and the request failed.
    Offline,
    /// The request failed while online: blocked (CORS, CSP, an extension, a firewall) or
    /// unreachable; the URL.
    Blocked(String),
}

/// The `hub` link parameter points the page's fetches at a stand-in Hub (the e2e tests'), but
/// only on this machine: `http://127.0.0.1[:PORT]` or `http://localhost[:PORT]`. Anything
/// else is ignored, so a shared link cannot send a person's fetch elsewhere.
pub fn loopback_endpoint(hub: &str) -> Option<&str> {
    let h = hub.trim().trim_end_matches('/');
    let rest = h.strip_prefix("http://127.0.0.1").or_else(|| h.strip_prefix("http://localhost"))?;
    let port_ok = rest.is_empty() || rest.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok.then_some(h)
}

/// Where the requests for `r` go: the hub's own endpoint, or the loopback stand-in for the Hub.
pub fn endpoint<'a>(r: &HubRef, hub_param: &'a str) -> &'a str {
    match (r.host, loopback_endpoint(hub_param)) {
        (Host::HuggingFace, Some(e)) => e,
        (host, _) => host.endpoint(),
    }
}

fn failed(lang: Lang, text: String) -> DropResult {
    let status = format!("{text} {}", t_hub(lang, HubWord::Instead));
    DropResult { status: status.clone(), outcome: DropOutcome::Failed(status) }
}

/// A reference that could not be read.
pub fn ref_error(lang: Lang, e: &RefError) -> DropResult {
    failed(lang, format!("{e}."))
}

/// What a fetch came to, for the page (the same message a drop answers with).
pub fn result(lang: Lang, r: &HubRef, endpoint: &str, ending: Ending) -> DropResult {
    match ending {
        Ending::Fetched(f) => {
            let where_ = format!("{} {endpoint}/{}@{}:", t_hub(lang, HubWord::Read), r.repo, r.revision());
            let d = Dropped { names: f.files, config: f.config, index: f.index, gguf: f.gguf, safetensors: f.safetensors };
            let files = d.names.join(", ");
            match resolve(d) {
                DropOutcome::Failed(e) => failed(lang, format!("{where_} {files}: {e}")),
                DropOutcome::NeedConfig => failed(lang, format!("{where_} {files}: no config.json.")),
                // The model is named by its repo (and file), not by the files' names.
                DropOutcome::File(mut fm) => {
                    fm.name = match &r.file {
                        Some(file) => format!("{}/{file}", r.repo),
                        None => r.repo.clone(),
                    };
                    DropResult { status: format!("{where_} {files}"), outcome: DropOutcome::File(fm) }
                }
                outcome => DropResult { status: format!("{where_} {files}"), outcome },
            }
        }
        Ending::Failed(FetchError::Gated { repo, message }) => failed(lang, format!("{repo} {}{}", t_hub(lang, HubWord::Gated), said(message))),
        Ending::Failed(FetchError::Unauthorized { repo, message }) => failed(lang, format!("{repo} {}{}", t_hub(lang, HubWord::Private), said(message))),
        Ending::Failed(e) => failed(lang, format!("{e}.")),
        Ending::Offline => failed(lang, t_hub(lang, HubWord::Offline).to_string()),
        Ending::Blocked(url) => failed(lang, format!("{} {url}.", t_hub(lang, HubWord::Blocked))),
    }
}

fn said(m: Option<String>) -> String {
    m.map(|m| format!(" ({m})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuplan_files::hub::parse_ref;
    use gpuplan_files::parse_index_json;

    #[test]
    fn the_stand_in_is_loopback_only() {
        assert_eq!(loopback_endpoint("http://127.0.0.1:8123/"), Some("http://127.0.0.1:8123"));
        assert_eq!(loopback_endpoint("http://localhost"), Some("http://localhost"));
        for bad in ["https://evil.example", "http://127.0.0.1.evil.example", "http://127.0.0.1:80@evil.example", "http://localhost:x", "", "http://127.0.0.1:123456"] {
            assert_eq!(loopback_endpoint(bad), None, "{bad}");
        }
        let r = parse_ref("Qwen/Qwen2.5-14B").unwrap();
        assert_eq!(endpoint(&r, "https://evil.example"), "https://huggingface.co");
        assert_eq!(endpoint(&r, "http://127.0.0.1:9"), "http://127.0.0.1:9");
        let ms = parse_ref("modelscope.cn/models/a/b").unwrap();
        assert_eq!(endpoint(&ms, "http://127.0.0.1:9"), "https://www.modelscope.cn");
    }

    #[test]
    fn fetched_files_fill_the_model_as_a_drop_does() {
        let cfg = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/hub/Qwen/Qwen2.5-14B/config.json")).unwrap();
        let ix = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/hub/Qwen/Qwen2.5-14B/model.safetensors.index.json")).unwrap();
        let r = parse_ref("Qwen/Qwen2.5-14B").unwrap();
        let f = Fetched { files: vec!["config.json".into(), "model.safetensors.index.json".into()], config: Some(cfg), index: Some(parse_index_json(&ix).unwrap()), ..Default::default() };
        let out = result(Lang::En, &r, "https://huggingface.co", Ending::Fetched(f));
        let DropOutcome::File(fm) = &out.outcome else { panic!("{out:?}") };
        assert_eq!(fm.weight_bytes, Some(29_540_067_328));
        assert_eq!(fm.format.as_deref(), Some("bf16"));
        assert_eq!(fm.name, "Qwen/Qwen2.5-14B");
        let arch = gpuplan_core::model::Arch::from_json(&gpuplan_core::json::parse(&fm.arch_json).unwrap()).unwrap();
        assert_eq!(arch.param_counts().0, 14_770_033_664);
        assert!(out.status.starts_with("Read from https://huggingface.co/Qwen/Qwen2.5-14B@main: config.json"), "{}", out.status);
    }

    #[test]
    fn every_failure_says_what_to_do_instead() {
        let r = parse_ref("meta-llama/Llama-3.1-8B").unwrap();
        for lang in Lang::ALL {
            for ending in [
                Ending::Failed(FetchError::Gated { repo: r.repo.clone(), message: Some("Access to model is restricted.".into()) }),
                Ending::Failed(FetchError::Unauthorized { repo: r.repo.clone(), message: None }),
                Ending::Failed(FetchError::RepoNotFound { repo: r.repo.clone() }),
                Ending::Offline,
                Ending::Blocked("https://huggingface.co/x".into()),
            ] {
                let out = result(lang, &r, "https://huggingface.co", ending);
                assert!(matches!(out.outcome, DropOutcome::Failed(_)));
                assert!(out.status.ends_with(t_hub(lang, HubWord::Instead)), "{}", out.status);
            }
        }
        let out = ref_error(Lang::En, &parse_ref("https://example.com/a/b").unwrap_err());
        assert!(out.status.contains("example.com") && out.status.contains("drop"), "{}", out.status);
        assert!(HubWord::ALL.iter().all(|&k| Lang::ALL.iter().all(|&l| !t_hub(l, k).is_empty() && !t_hub(l, k).contains('<'))));
    }
}
