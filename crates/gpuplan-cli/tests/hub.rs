//! `gpuplan estimate --hf`: against a stand-in for the Hub on 127.0.0.1 (std::net, in this
//! test), with the Hub's layout (`/OWNER/NAME/resolve/REV/FILE`, HEAD with `X-Linked-Size`,
//! `Range` with 206 and `Content-Range`, `X-Error-Code` on errors). Never the real network:
//! every command gets `HF_ENDPOINT` pointing at the stand-in. The requests are recorded, and the
//! tests check what was asked for, byte ranges included.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use gpuplan_files::gguf::builder::GgufBuilder;
use gpuplan_files::GgmlType;

/// One request as the stand-in saw it.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    method: String,
    path: String,
    range: Option<String>,
    authorization: Option<String>,
}

struct Hub {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hub {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hub")
}

/// A GGUF header of a small qwen2 model whose token list makes the header about 6 MiB (more
/// than the first 4 MiB read), padded with 40 MiB of "tensor data" that must never be read.
fn gguf_file() -> (Vec<u8>, usize) {
    let tokens: Vec<String> = (0..400_000).map(|i| format!("token{i:09}")).collect();
    let mut b = GgufBuilder::new(3)
        .meta_str("general.architecture", "qwen2")
        .meta_u32("general.file_type", 15)
        .meta_u32("qwen2.block_count", 2)
        .meta_u32("qwen2.embedding_length", 256)
        .meta_u32("qwen2.attention.head_count", 4)
        .meta_u32("qwen2.attention.head_count_kv", 2)
        .meta_u32("qwen2.feed_forward_length", 512)
        .meta_u32("qwen2.context_length", 4096)
        .meta_array_str("tokenizer.ggml.tokens", &tokens)
        .tensor("token_embd.weight", GgmlType::Q4_K, &[256, 400_000])
        .tensor("output.weight", GgmlType::Q6_K, &[256, 400_000]);
    for l in 0..2 {
        for (n, dims) in [("attn_q", [256u64, 256]), ("attn_k", [256, 128]), ("attn_v", [256, 128]), ("attn_output", [256, 256]), ("ffn_gate", [256, 512]), ("ffn_up", [256, 512]), ("ffn_down", [512, 256])] {
            b = b.tensor(&format!("blk.{l}.{n}.weight"), GgmlType::Q4_K, &dims);
        }
    }
    let header = b.build_header();
    let len = header.len();
    let mut file = header;
    file.resize(len + (40 << 20), 0x5A);
    (file, len)
}

/// Starts the stand-in: `files` by URL path; `Gated/*` answers 401 GatedRepo; a repo without
/// files 404 RepoNotFound; a missing file 404 EntryNotFound.
fn hub(files: HashMap<String, Vec<u8>>) -> Hub {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let files = Arc::new(files);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (files, log) = (files.clone(), log.clone());
            std::thread::spawn(move || serve(stream, &files, &log));
        }
    });
    Hub { port, seen }
}

fn serve(mut stream: TcpStream, files: &HashMap<String, Vec<u8>>, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let range = headers.get("range").cloned();
    log.lock().unwrap().push(Seen { method: method.clone(), path: path.clone(), range: range.clone(), authorization: headers.get("authorization").cloned() });
    let repo: String = path.trim_start_matches('/').splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
    let (status, extra, body): (&str, String, Vec<u8>) = if repo.starts_with("Gated/") {
        ("401 Unauthorized", "X-Error-Code: GatedRepo\r\n".into(), format!(r#"{{"error":"Access to model {repo} is restricted. You must have access to it and be authenticated to access it. Please log in."}}"#).into_bytes())
    } else if let Some(data) = files.get(&path) {
        let size = data.len();
        match range.as_deref().and_then(|r| r.strip_prefix("bytes=")).and_then(|r| r.split_once('-')) {
            Some((a, b)) => {
                let a: usize = a.parse().unwrap();
                let b: usize = b.parse::<usize>().unwrap().min(size - 1);
                ("206 Partial Content", format!("Content-Range: bytes {a}-{b}/{size}\r\nX-Linked-Size: {size}\r\n"), data[a..=b].to_vec())
            }
            None => ("200 OK", format!("X-Linked-Size: {size}\r\n"), data.clone()),
        }
    } else if files.keys().any(|k| k.starts_with(&format!("/{repo}/"))) {
        ("404 Not Found", "X-Error-Code: EntryNotFound\r\n".into(), b"Entry not found".to_vec())
    } else {
        ("404 Not Found", "X-Error-Code: RepoNotFound\r\n".into(), br#"{"error":"Repository not found"}"#.to_vec())
    };
    let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nAccept-Ranges: bytes\r\n{extra}Connection: close\r\n\r\n", body.len());
    let _ = stream.write_all(head.as_bytes());
    if method != "HEAD" {
        let _ = stream.write_all(&body);
    }
}

fn standard_hub() -> (Hub, usize) {
    let mut files = HashMap::new();
    for f in ["config.json", "model.safetensors.index.json"] {
        files.insert(format!("/Qwen/Qwen2.5-14B/resolve/main/{f}"), std::fs::read(fixtures().join("Qwen/Qwen2.5-14B").join(f)).unwrap());
    }
    let (gguf, header_len) = gguf_file();
    files.insert("/Org/Small-GGUF/resolve/main/small-Q4_K_M.gguf".into(), gguf);
    files.insert("/Org/Small-GGUF/resolve/v2/README.md".into(), b"# readme".to_vec());
    // A pull request's revision, quoted as huggingface_hub quotes it (`safe=""`).
    let cfg = std::fs::read(fixtures().join("Qwen/Qwen2.5-14B/config.json")).unwrap();
    files.insert("/Qwen/Qwen2.5-14B/resolve/refs%2Fpr%2F3/config.json".into(), cfg);
    (hub(files), header_len)
}

fn gpuplan(endpoint: &str, token: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gpuplan"));
    c.args(args).env("HF_ENDPOINT", endpoint).env_remove("HF_TOKEN");
    if let Some(t) = token {
        c.env("HF_TOKEN", t);
    }
    c.output().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_repo_id_reads_config_and_index_and_gives_exact_parameters() {
    let (hub, _) = standard_hub();
    let v = json(&gpuplan(&hub.endpoint(), None, &["estimate", "--hf", "Qwen/Qwen2.5-14B", "--json"]));
    assert_eq!(v["params"], 14_770_033_664u64, "the Hub's 14.77 B");
    assert_eq!(v["file"]["weight_bytes"], 29_540_067_328u64);
    assert_eq!(v["file"]["format"], "bf16");
    let paths: Vec<(String, String, Option<String>)> = hub.seen().into_iter().map(|s| (s.method, s.path, s.range)).collect();
    assert_eq!(
        paths,
        vec![
            ("GET".into(), "/Qwen/Qwen2.5-14B/resolve/main/config.json".into(), None),
            ("GET".into(), "/Qwen/Qwen2.5-14B/resolve/main/model.safetensors.index.json".into(), None),
        ]
    );
    // A link to the real Hub reads from $HF_ENDPOINT too, as huggingface_hub does; so does hf.co.
    for link in ["https://huggingface.co/Qwen/Qwen2.5-14B", "hf.co/Qwen/Qwen2.5-14B/tree/main"] {
        let v = json(&gpuplan(&hub.endpoint(), None, &["estimate", "--hf", link, "--json"]));
        assert_eq!(v["params"], 14_770_033_664u64, "{link}");
    }
}

#[test]
fn a_gguf_is_read_by_range_only_as_far_as_its_header() {
    let (hub, header_len) = standard_hub();
    let out = gpuplan(&hub.endpoint(), None, &["estimate", "--hf", "Org/Small-GGUF", "--hf-file", "small-Q4_K_M.gguf", "--json"]);
    let v = json(&out);
    assert_eq!(v["file"]["format"], "q4_k_m");
    let seen = hub.seen();
    assert_eq!((seen[0].method.as_str(), seen[0].range.as_deref()), ("HEAD", None), "the size first, as huggingface_hub's get_hf_file_metadata");
    let mut next = 0usize;
    for s in &seen[1..] {
        assert_eq!((s.method.as_str(), s.path.as_str()), ("GET", "/Org/Small-GGUF/resolve/main/small-Q4_K_M.gguf"));
        let r = s.range.as_deref().expect("every GET of the GGUF has a Range");
        let (a, b) = r.strip_prefix("bytes=").unwrap().split_once('-').unwrap();
        assert_eq!(a.parse::<usize>().unwrap(), next, "contiguous, nothing read twice: {seen:?}");
        next = b.parse::<usize>().unwrap() + 1;
    }
    assert_eq!(seen[1].range.as_deref(), Some("bytes=0-4194303"), "4 MiB first");
    assert!(seen.len() >= 3, "the ~6 MiB header needs a second range: {seen:?}");
    assert!(next >= header_len && next <= 2 * header_len, "read {next} bytes for a {header_len}-byte header (of a {}-byte file)", header_len + (40 << 20));
    // The same file by its link (blob), with the revision in the link.
    let link = "https://huggingface.co/Org/Small-GGUF/blob/main/small-Q4_K_M.gguf";
    let v2 = json(&gpuplan(&hub.endpoint(), None, &["estimate", "--hf", link, "--json"]));
    assert_eq!(v2["total_bytes"], v["total_bytes"]);
    assert_eq!(v2["layout"], v["layout"]);
}

fn failure(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "stdout {} stderr {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let e = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!e.contains("panicked"), "{e}");
    assert!(e.contains("--config") && e.contains("--gguf"), "says what to pass instead: {e}");
    e
}

#[test]
fn gated_missing_offline_and_blocked_exit_2_saying_what_to_do() {
    let (hub, _) = standard_hub();
    let e = failure(&gpuplan(&hub.endpoint(), None, &["estimate", "--hf", "Gated/Llama-9B"]));
    assert!(e.contains("gated") && e.contains("HF_TOKEN") && e.contains("restricted"), "{e}");
    let e = failure(&gpuplan(&hub.endpoint(), None, &["estimate", "--hf", "Nobody/Nothing"]));
    assert!(e.contains("no such model repo"), "{e}");
    let e = failure(&gpuplan(&hub.endpoint(), None, &["estimate", "--hf", "Org/Small-GGUF", "--hf-file", "other.gguf"]));
    assert!(e.contains("no file other.gguf"), "{e}");
    // --revision with a '/': the config is read at that revision (no index there: no weights).
    let e = failure(&gpuplan(&hub.endpoint(), None, &["estimate", "--hf", "Qwen/Qwen2.5-14B", "--revision", "refs/pr/3"]));
    assert!(e.contains("neither model.safetensors.index.json nor model.safetensors"), "{e}");
    assert!(hub.seen().iter().any(|s| s.path == "/Qwen/Qwen2.5-14B/resolve/refs%2Fpr%2F3/config.json"));
    let e = failure(&gpuplan(&hub.endpoint(), None, &["estimate", "--hf", "Org/Small-GGUF", "--revision", "v2"]));
    assert!(e.contains("no config.json") && e.contains("--hf-file"), "a GGUF-only repo asks for the file: {e}");
    // No network: nothing listens on the endpoint's port.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = failure(&gpuplan(&format!("http://127.0.0.1:{closed}"), None, &["estimate", "--hf", "Qwen/Qwen2.5-14B"]));
    assert!(e.contains("no network"), "{e}");
    // Blocked: a middlebox that accepts the connection and drops it.
    let wall = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = wall.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in wall.incoming().flatten() {
            let mut s = s;
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            drop(s);
        }
    });
    let e = failure(&gpuplan(&format!("http://127.0.0.1:{port}"), None, &["estimate", "--hf", "Qwen/Qwen2.5-14B"]));
    assert!(e.contains("blocks the request") || e.contains("failed"), "{e}");
}

#[test]
fn the_token_goes_to_the_endpoint_and_flags_are_checked() {
    let (hub, _) = standard_hub();
    json(&gpuplan(&hub.endpoint(), Some("hf_test"), &["estimate", "--hf", "Qwen/Qwen2.5-14B", "--json"]));
    assert!(hub.seen().iter().all(|s| s.authorization.as_deref() == Some("Bearer hf_test")));
    let none = standard_hub().0;
    json(&gpuplan(&none.endpoint(), None, &["estimate", "--hf", "Qwen/Qwen2.5-14B", "--json"]));
    assert!(none.seen().iter().all(|s| s.authorization.is_none()));
    for (args, flag) in [
        (vec!["estimate", "--config", "c.json", "--revision", "main"], "--revision"),
        (vec!["estimate", "--config", "c.json", "--hf-file", "x.gguf"], "--hf-file"),
        (vec!["estimate", "--hf", "not a repo"], "--hf"),
        (vec!["estimate", "--hf", "https://example.com/a/b"], "--hf"),
        (vec!["estimate", "--hf", "a/b", "--hf-file", "../x.gguf"], "--hf-file"),
        (vec!["estimate", "--hf"], "--hf"),
    ] {
        let out = gpuplan(&hub.endpoint(), None, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn without_hf_nothing_is_fetched() {
    // An endpoint that would record anything: a preset and a config read no network.
    let (hub, _) = standard_hub();
    let cfg = fixtures().join("Qwen/Qwen2.5-14B/config.json");
    json(&gpuplan(&hub.endpoint(), Some("t"), &["estimate", "--preset", "qwen2.5-14b", "--json"]));
    json(&gpuplan(&hub.endpoint(), Some("t"), &["estimate", "--config", cfg.to_str().unwrap(), "--json"]));
    assert_eq!(hub.seen(), vec![]);
}
