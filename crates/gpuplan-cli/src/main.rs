//! `gpuplan`: the estimator on the command line, for scripts and for testing against
//! measurements. Exit 0 on success, 2 on bad input (with a message naming the field).

use std::process::ExitCode;

use gpuplan_core::accuracy::Accuracy;
use gpuplan_core::args::{parse_estimate_args, EstimateArgs, ModelSource, ESTIMATE_USAGE};
use gpuplan_core::memory::{Model, GIB};
use gpuplan_core::{estimate, json, Arch, Estimate, InputError};

mod catalog_cmds;
mod files;
mod hub;

const USAGE: &str = "gpuplan — LLM GPU memory, speed and cost planner

usage:
  gpuplan estimate ...   memory per GPU for a model and workload (see `gpuplan estimate --help`)
  gpuplan gpus [--json]  the GPU catalog with sources and dates
  gpuplan presets [--json]
                         the model presets (--preset ID): ids, names, sizes, origins
  gpuplan plan <estimate arguments> [--target-tokens-per-s N] [--budget USD] [--json]
                         cheapest GPU × count × format plans that fit
  gpuplan formats        weight formats and their names";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(out) => {
            emit(&mut std::io::stdout().lock(), &out);
            ExitCode::SUCCESS
        }
        Err(e) => {
            emit(&mut std::io::stderr().lock(), &format!("error: {e}"));
            ExitCode::from(2)
        }
    }
}

/// Writes `text` and a newline. A closed pipe (`gpuplan gpus | head -3`) or any other write
/// error ends the output quietly: `println!`/`eprintln!` would panic with "failed printing to
/// stdout: Broken pipe". Rust ignores SIGPIPE, so the write returns `BrokenPipe` instead of
/// killing the process, and the exit status stays the command's own (0, or 2 for bad input).
fn emit(out: &mut dyn std::io::Write, text: &str) {
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

fn run(args: &[&str]) -> Result<String, InputError> {
    match args.first().copied() {
        Some("estimate") if args.contains(&"--help") => Ok(ESTIMATE_USAGE.to_string()),
        Some("estimate") => cmd_estimate(&args[1..]),
        Some("gpus") => catalog_cmds::cmd_gpus(&args[1..]),
        Some("presets") => catalog_cmds::cmd_presets(&args[1..]),
        Some("plan") => catalog_cmds::cmd_plan(&args[1..]),
        Some("formats") => Ok(gpuplan_core::formats::ALL_FORMATS.iter().map(|f| f.name()).collect::<Vec<_>>().join("\n")),
        Some("help") | Some("--help") | Some("-h") | None => Ok(USAGE.to_string()),
        Some(other) => Err(InputError::new(other, format!("is not a command\n{USAGE}"))),
    }
}

/// Reads the model the arguments name, and the weight format of its file (GGUF, safetensors).
pub fn load_model(a: &EstimateArgs) -> Result<(Model, Option<gpuplan_core::WeightFormat>), InputError> {
    match &a.model {
        ModelSource::Config(path) => {
            let text = files::read_config(path)?;
            let arch = Arch::from_config_json(&text).map_err(|e| InputError::new("--config", format!("{path}: {e}")))?;
            Ok((Model::new(arch), None))
        }
        ModelSource::Gguf(path) => files::load_gguf(path),
        ModelSource::Safetensors(path) => files::load_safetensors(path, a.config.as_deref()),
        ModelSource::Preset(id) => Ok((Model::new(preset_arch(id)?), None)),
        ModelSource::Hub { reference, revision, file } => hub::load(reference, revision.as_deref(), file.as_deref()),
    }
}

/// `--preset ID`: the catalog's copy of that model's config.json.
fn preset_arch(id: &str) -> Result<Arch, InputError> {
    let cat = gpuplan_core::catalog::load().map_err(|e| InputError::new("catalog", e.to_string()))?;
    let Some(preset) = cat.model(id) else {
        let ids: Vec<&str> = cat.models.iter().map(|m| m.id.as_str()).collect();
        return Err(InputError::new("--preset", format!("\"{id}\" is not a preset; allowed: {} (`gpuplan presets` lists their names and origins)", ids.join(", "))));
    };
    preset.arch().map_err(|e| InputError::new("--preset", format!("{id}: {e}")))
}

fn cmd_estimate(args: &[&str]) -> Result<String, InputError> {
    let mut a = parse_estimate_args(args)?;
    if a.gpu.is_some() {
        let catalog = gpuplan_core::catalog::load().map_err(|e| InputError::new("catalog", e.to_string()))?;
        a.apply_gpu(&catalog)?;
    }
    let (model, file_format) = load_model(&a)?;
    let mut note = None;
    if let Some(f) = file_format {
        if !args.contains(&"--weights") && !matches!(f, gpuplan_core::WeightFormat::Nf4 { .. }) {
            // Without --weights, the file's own format (and its exact bytes).
            a.workload.weights = f;
            if matches!(f, gpuplan_core::WeightFormat::Gguf(_)) && !args.contains(&"--engine") {
                a.workload.engine = gpuplan_core::Engine::LlamaCpp;
            }
        } else if a.workload.weights != f {
            note = Some(format!("the file stores {f}; estimated for --weights {} with the formula's bytes", a.workload.weights));
        }
    }
    let mut e = estimate(&model, &a.workload)?;
    e.notes.extend(note);
    let accuracy = gpuplan_core::accuracy::of(&a.workload);
    let card = card_capacity(&a, args)?;
    Ok(if a.json { to_json(&e, model.file_weights, &accuracy) } else { table(&e, &a, card, &accuracy) })
}

/// The card the user named, for the verdict line: `--gpu ID` (its catalog memory) or
/// `--gpu-memory-gib N`; `None` when neither was given.
fn card_capacity(a: &EstimateArgs, args: &[&str]) -> Result<Option<(String, u64)>, InputError> {
    if let Some(id) = &a.gpu {
        let cat = gpuplan_core::catalog::load().map_err(|e| InputError::new("catalog", e.to_string()))?;
        return match cat.gpus.iter().find(|g| &g.id == id) {
            Some(g) => Ok(Some((g.name.clone(), g.memory_bytes))),
            None => Err(InputError::new("--gpu", format!("\"{id}\" is not in the catalog; `gpuplan gpus` lists the ids"))),
        };
    }
    Ok(args.contains(&"--gpu-memory-gib").then(|| ("the card".to_string(), a.workload.gpu_memory_bytes)))
}

fn to_json(e: &Estimate, file: Option<(gpuplan_core::WeightFormat, u64)>, accuracy: &Accuracy) -> String {
    let mut v = e.to_json();
    if let Some(o) = v.as_object_mut() {
        if let Some((format, bytes)) = file {
            o.insert("file".into(), json::object([("format", format.name().into()), ("weight_bytes", bytes.into())]));
        }
        o.insert("accuracy".into(), accuracy.to_json());
    }
    json_text(v)
}

/// The `--json` text of every command: keys sorted at every depth (the order these outputs
/// have always had), indented by two spaces.
pub fn json_text(mut v: json::Value) -> String {
    v.sort_keys();
    json::to_string_pretty(&v)
}

fn gib(b: u64) -> String {
    format!("{:>9.2} GiB", b as f64 / GIB as f64)
}

fn table(e: &Estimate, a: &EstimateArgs, card: Option<(String, u64)>, accuracy: &Accuracy) -> String {
    let w = &a.workload;
    let mut s = String::new();
    s += &format!(
        "parameters {:.3} B (active {:.3} B){}\n",
        e.params as f64 / 1e9,
        e.active_params as f64 / 1e9,
        if e.trainable_params > 0 { format!(", trainable {:.2} M", e.trainable_params as f64 / 1e6) } else { String::new() }
    );
    s += &format!(
        "mode {} · weights {} · engine {} · {} GPU(s) (TP {} × PP {} × DP {}, ZeRO {})\n\n",
        w.mode.name(),
        w.weights,
        w.engine.name(),
        e.layout.gpus,
        e.layout.tensor_parallel,
        e.layout.pipeline_parallel,
        e.layout.data_parallel,
        e.layout.zero
    );
    s += "per GPU\n";
    for (label, v) in gpuplan_core::Breakdown::LABELS.iter().zip(e.breakdown.parts()) {
        s += &format!("  {:<12} {}\n", label, gib(v));
    }
    s += &format!("  {:<12} {}\n", "total", gib(e.total_bytes));
    if e.layout.gpus > 1 {
        s += &format!("  all GPUs     {}\n", gib(e.all_gpus_bytes));
    }
    if e.allocator_slack > 0 {
        s += &format!("  {:<12} {}  (allocator cache, in runtime)\n", "of which", gib(e.allocator_slack));
    }
    if let Some((name, capacity)) = card {
        s += &format!("\nverdict on {name} ({}): {}\n", gib(capacity).trim(), e.verdict(capacity).label());
    }
    if let Some(p) = e.vllm {
        s += &format!("\nvLLM KV pool: {} tokens, {} concurrent sequences of {} tokens\n", p.kv_capacity_tokens, p.max_concurrent_sequences, w.prompt + w.new_tokens);
    }
    if e.host_bytes > 0 {
        s += &format!("host (CPU) memory: {}\n", gib(e.host_bytes));
    }
    for n in &e.notes {
        s += &format!("note: {n}\n");
    }
    s += &format!("accuracy: {}\n", accuracy.basis);
    s
}
