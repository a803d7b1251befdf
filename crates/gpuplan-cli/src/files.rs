//! File reading for the CLI (the only I/O besides printing): config.json, GGUF headers (one file
//! or `-0000k-of-0000N` splits) and safetensors headers / `model.safetensors.index.json`. Only
//! headers are read, in bounded prefixes; the bytes go to the same parsers and bridge as the
//! web app's (`gpuplan_files`).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use gpuplan_core::memory::Model;
use gpuplan_core::{InputError, WeightFormat};
use gpuplan_files::model::{model_from_gguf, model_from_safetensors, FileModel};
use gpuplan_files::{merge_splits, parse_gguf, parse_index_json, parse_safetensors, GgufError, GgufHeader, SafetensorsError, SafetensorsHeader};

/// Largest config.json / index.json we read.
const MAX_JSON_BYTES: u64 = 16 << 20;
/// First prefix of a model file; grown on `NeedMore` up to the parsers' own limits.
const FIRST_READ: u64 = 4 << 20;
const MAX_READ: u64 = 512 << 20;

/// An I/O error as a message naming the flag and the path; a missing file says so.
fn io_error(field: &str, path: &Path, e: std::io::Error) -> InputError {
    match e.kind() {
        std::io::ErrorKind::NotFound => InputError::new(field, format!("{}: no such file", path.display())),
        _ => InputError::new(field, format!("cannot read {}: {e}", path.display())),
    }
}

/// The file's size; a missing file is named as missing.
fn file_size(path: &Path, field: &str) -> Result<u64, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(field, path, e))?;
    if !meta.is_file() {
        return Err(InputError::new(field, format!("{} is not a file", path.display())));
    }
    Ok(meta.len())
}

pub fn read_text(path: &str, field: &str) -> Result<String, InputError> {
    let len = file_size(Path::new(path), field)?;
    if len > MAX_JSON_BYTES {
        return Err(InputError::new(field, format!("{path} is {len} bytes; at most 16 MiB is read")));
    }
    std::fs::read_to_string(path).map_err(|e| io_error(field, Path::new(path), e))
}

/// A `--config` file's text, checked to be JSON (the message names `--config` and the path).
pub fn read_config(path: &str) -> Result<String, InputError> {
    let text = read_text(path, "--config")?;
    if let Err(e) = gpuplan_core::json::parse(&text) {
        return Err(InputError::new("--config", format!("{path} is not JSON ({e}); a model's config.json is expected")));
    }
    Ok(text)
}

fn read_prefix(path: &Path, len: u64, field: &str) -> Result<Vec<u8>, InputError> {
    let f = File::open(path).map_err(|e| io_error(field, path, e))?;
    let mut buf = Vec::new();
    f.take(len).read_to_end(&mut buf).map_err(|e| io_error(field, path, e))?;
    Ok(buf)
}

/// Reads a header with `parse`, growing the prefix while the parser asks for more.
fn read_header<T, E: std::fmt::Display>(path: &Path, field: &str, parse: impl Fn(&[u8]) -> Result<T, E>, need_more: impl Fn(&E) -> Option<u64>) -> Result<T, InputError> {
    let size = file_size(path, field)?;
    let mut len = FIRST_READ.min(size);
    loop {
        let bytes = read_prefix(path, len, field)?;
        match parse(&bytes) {
            Ok(h) => return Ok(h),
            Err(e) => match need_more(&e) {
                Some(at_least) if at_least > len && at_least <= size && at_least <= MAX_READ => len = at_least.max(len.saturating_mul(2)).min(size),
                Some(at_least) if at_least > size => {
                    return Err(InputError::new(field, format!("{}: the header needs {at_least} bytes but the file has {size}: truncated", path.display())))
                }
                _ => return Err(InputError::new(field, format!("{}: {e}", path.display()))),
            },
        }
    }
}

fn gguf_header(path: &Path) -> Result<GgufHeader, InputError> {
    read_header(path, "--gguf", parse_gguf, |e| if let GgufError::NeedMore { at_least } = e { Some(*at_least) } else { None })
}

/// `name-00001-of-00003.gguf` → every part's path, in order.
fn split_parts(path: &Path) -> Option<Vec<PathBuf>> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".gguf")?;
    let (head, of) = stem.rsplit_once("-of-")?;
    let (base, _k) = head.rsplit_once('-')?;
    let n: usize = of.parse().ok()?;
    if !(2..=1000).contains(&n) {
        return None;
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    Some((1..=n).map(|k| dir.join(format!("{base}-{k:0w$}-of-{of}.gguf", w = of.len()))).collect())
}

fn to_model(f: FileModel) -> (Model, Option<WeightFormat>) {
    let model = match f.format {
        Some(fmt) => Model::new(f.arch).with_file_weights(fmt, f.weight_bytes),
        None => Model::new(f.arch),
    };
    (model, f.format)
}

/// `--gguf PATH`: the model and the format its file is stored in.
pub fn load_gguf(path: &str) -> Result<(Model, Option<WeightFormat>), InputError> {
    let p = Path::new(path);
    file_size(p, "--gguf")?;
    let header = match split_parts(p) {
        Some(parts) => {
            let mut headers = Vec::new();
            for part in &parts {
                if !part.exists() {
                    return Err(InputError::new("--gguf", format!("{path} is part of a split GGUF; {} is missing next to it", part.display())));
                }
                headers.push(gguf_header(part)?);
            }
            merge_splits(headers).map_err(|e| InputError::new("--gguf", format!("{path}: {e}")))?
        }
        None => gguf_header(p)?,
    };
    let f = model_from_gguf(&header).map_err(|e| InputError::new("--gguf", format!("{path}: {e}")))?;
    let (mut model, format) = to_model(f);
    // llama.cpp places tensors by name: keep each one's bytes as its mapped buffer counts
    // them, up to the next tensor's (aligned) offset in the same file (a CPU_Mapped buffer is
    // the file range of its tensors, `llama_model_loader::get_mapping_range`).
    let ts = &header.tensors;
    model.gguf_tensors = ts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let spaced = ts.get(i + 1).filter(|n| n.offset > t.offset && n.offset - t.offset >= t.bytes && n.offset - t.offset - t.bytes < 64).map(|n| n.offset - t.offset);
            (t.name.clone(), spaced.unwrap_or(t.bytes))
        })
        .collect();
    Ok((model, format))
}

/// `--mmproj PATH`: a llama.cpp multimodal projector GGUF (`general.architecture` `clip`): its
/// bytes and image tokens ([`gpuplan_files::mmproj`]).
pub fn load_mmproj(path: &str) -> Result<gpuplan_files::mmproj::Mmproj, InputError> {
    let p = Path::new(path);
    let header = read_header(p, "--mmproj", parse_gguf, |e| if let GgufError::NeedMore { at_least } = e { Some(*at_least) } else { None })?;
    gpuplan_files::mmproj::mmproj_from_gguf(&header).map_err(|e| InputError::new("--mmproj", format!("{path}: {e}")))
}

fn safetensors_header(path: &Path) -> Result<SafetensorsHeader, InputError> {
    read_header(path, "--safetensors", parse_safetensors, |e| if let SafetensorsError::NeedMore { at_least } = e { Some(*at_least) } else { None })
}

/// `--safetensors PATH` (a `.safetensors` file or `model.safetensors.index.json`) with
/// `--config PATH` (default: `config.json` next to it).
pub fn load_safetensors(path: &str, config: Option<&str>) -> Result<(Model, Option<WeightFormat>), InputError> {
    let p = Path::new(path);
    file_size(p, "--safetensors")?;
    let dir = p.parent().unwrap_or(Path::new("."));
    let config_path = match config {
        Some(c) => PathBuf::from(c),
        None => {
            let c = dir.join("config.json");
            if !c.exists() {
                return Err(InputError::new("--config", format!("safetensors headers hold tensor sizes, not the architecture: pass --config PATH (no config.json next to {path})")));
            }
            c
        }
    };
    let cfg = read_config(&config_path.to_string_lossy())?;
    // The config's own faults name --config and its path (not the weights file).
    gpuplan_core::Arch::from_config_json(&cfg).map_err(|e| InputError::new("--config", format!("{}: {e}", config_path.display())))?;
    let (headers, index) = if path.ends_with(".json") {
        let ix = parse_index_json(&read_text(path, "--safetensors")?).map_err(|e| InputError::new("--safetensors", format!("{path}: {e}")))?;
        let mut shards: Vec<&str> = ix.weight_map.iter().map(|(_, f)| f.as_str()).collect();
        shards.sort_unstable();
        shards.dedup();
        let mut headers = Vec::new();
        if shards.iter().all(|s| dir.join(s).exists()) {
            for s in &shards {
                headers.push(safetensors_header(&dir.join(s))?);
            }
        }
        (headers, Some(ix))
    } else {
        (vec![safetensors_header(p)?], None)
    };
    let f = model_from_safetensors(&cfg, &headers, index.as_ref()).map_err(|e| InputError::new("--safetensors", format!("{path}: {e}")))?;
    Ok(to_model(f))
}
