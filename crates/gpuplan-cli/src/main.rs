//! `gpuplan`: the estimator on the command line, for scripts and for testing against
//! measurements. Exit 0 on success, 2 on bad input (with a message naming the field).

use std::process::ExitCode;

use gpuplan_core::accuracy::Accuracy;
use gpuplan_core::args::{parse_estimate_args, EstimateArgs, ModelSource, ESTIMATE_USAGE};
use gpuplan_core::memory::{Model, GIB};
use gpuplan_core::{estimate, json, Arch, Estimate, InputError};

mod catalog_cmds;
mod compare_cmd;
mod files;
mod hub;

const USAGE: &str = "gpuplan — LLM GPU memory, speed and cost planner

usage:
  gpuplan estimate ...   memory per GPU for a model and workload (see `gpuplan estimate --help`)
  gpuplan gpus [--json]  the GPU catalog with sources and dates
  gpuplan presets [--json]
                         the model presets (--preset ID): ids, names, sizes, origins
  gpuplan hosts [--json] the host memory presets (--host ID): bandwidth, sizes, sources
  gpuplan plan <estimate arguments> [--target-tokens-per-s N] [--budget USD] [--json]
                         cheapest GPU × count × format plans that fit
  gpuplan compare <model> --option SPEC … [--years N] [--json]
                         up to four options (card × count × format × engine × own/rent) side by side
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
        Some("hosts") => catalog_cmds::cmd_hosts(&args[1..]),
        Some("plan") => catalog_cmds::cmd_plan(&args[1..]),
        Some("compare") => compare_cmd::cmd_compare(&args[1..]),
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

/// `--mmproj FILE` (llama.cpp): the projector's bytes go to llama.cpp's accounting (the first
/// GPU, or the host with `--no-mmproj-offload`), and its image tokens become the model's vision
/// tower for `--images N`, replacing one the config describes (llama.cpp's text GGUF holds no
/// vision weights; the projector file holds them all).
pub fn apply_mmproj(a: &mut EstimateArgs, model: Model) -> Result<(Model, Option<gpuplan_files::mmproj::Mmproj>), InputError> {
    let Some(path) = a.mmproj.clone() else { return Ok((model, None)) };
    let m = files::load_mmproj(&path)?;
    a.workload.llama_cpp.mmproj_bytes = m.bytes;
    let mut arch = model.arch.clone();
    arch.ext.vision = Some(gpuplan_core::model::vision::Vision {
        params: 0,
        tokens_per_image: m.tokens_per_image,
        note: m.note.clone(),
        cross_states_per_image: 0,
        act_elems_per_image: 0,
    });
    let mut with = Model::new(arch);
    with.file_weights = model.file_weights;
    with.gguf_tensors = model.gguf_tensors;
    Ok((with, Some(m)))
}

/// The `"mmproj"` object of `--json`: bytes, tokens per image, projector and where it sits.
fn mmproj_json(m: &gpuplan_files::mmproj::Mmproj, on_host: bool) -> json::Value {
    json::object([
        ("bytes", m.bytes.into()),
        ("tokens_per_image", m.tokens_per_image.into()),
        ("projector", m.projector.as_str().into()),
        ("device", if on_host { "host" } else { "gpu0" }.into()),
    ])
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
    // `--spec draft|eagle|mtp [--spec-accept X] [--spec-steps N] [--draft-preset ID]` (issue 14 §4).
    let (spec, rest) = gpuplan_core::speculative::split_flags(args)?;
    let args = &rest[..];
    let mut a = parse_estimate_args(args)?;
    let mut host = None;
    if a.gpu.is_some() || a.host.is_some() {
        let catalog = gpuplan_core::catalog::load().map_err(|e| InputError::new("catalog", e.to_string()))?;
        a.apply_gpu(&catalog)?;
        host = a.host_preset(&catalog)?.cloned();
        // `--host ID` sets the bandwidth the host part is read at; `--host-bw-gbs` wins.
        if let (Some(h), None) = (&host, a.workload.llama_cpp.host_bw_gbs) {
            a.workload.llama_cpp.host_bw_gbs = Some(h.bandwidth_bytes_per_s as f64 / 1e9);
        }
    }
    let (model, file_format) = load_model(&a)?;
    let (model, mmproj) = apply_mmproj(&mut a, model)?;
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
    if a.gpu_usable.is_some_and(|u| u.basis != gpuplan_core::unified::UsableBasis::Card) {
        e.notes.push(format!("on a Mac this is the {} estimate; MLX (mlx-lm) is not modelled", a.workload.engine.name()));
    }
    let accuracy = gpuplan_core::accuracy::of_model(&a.workload, &model.arch);
    let card = card_capacity(&a, args)?;
    let spec = match spec {
        Some(o) => Some(speculative(&model, &a, &e, &o)?),
        None => None,
    };
    let llama = match a.workload.engine {
        gpuplan_core::Engine::LlamaCpp if a.workload.mode == gpuplan_core::Mode::Inference => Some(gpuplan_core::memory::llama_cpp_report(&model, &a.workload, e.layout.gpus)?),
        _ => None,
    };
    Ok(if a.json {
        let mut v = json_value(&e, model.file_weights, &accuracy);
        if let Some(o) = v.as_object_mut() {
            if let Some(r) = &llama {
                o.insert("llama_cpp".into(), r.to_json());
            }
            if let Some(m) = &mmproj {
                o.insert("mmproj".into(), mmproj_json(m, a.workload.llama_cpp.mmproj_on_host));
            }
            if let Some(sp) = &spec {
                let mut so = sp.to_json();
                if let Some(m) = so.as_object_mut() {
                    m.insert("total_with_draft_bytes".into(), (e.total_bytes + sp.draft_weights_bytes + sp.draft_kv_bytes).into());
                }
                o.insert("speculative".into(), so);
            }
            // What the named card's GPU may use (a Mac's wired limit), and the host preset.
            if let Some(u) = a.gpu_usable {
                o.insert("gpu_usable_bytes".into(), u.bytes.into());
                o.insert("usable_basis".into(), u.basis.name().into());
            }
            if let Some(h) = &host {
                o.insert("host_preset".into(), host_json(h));
            }
        }
        json_text(v)
    } else {
        let mut s = table(&e, &a, card, &accuracy) + &llama.map(|r| llama_table(&r)).unwrap_or_default();
        if let Some(m) = &mmproj {
            let place = if a.workload.llama_cpp.mmproj_on_host { "host memory (--no-mmproj-offload)" } else { "the first GPU" };
            s += &format!("mmproj: {} on {place}; {} tokens per image ({})\n", gib(m.bytes).trim(), m.tokens_per_image, m.projector);
        }
        if let Some(u) = a.gpu_usable {
            s += &usable_line(u);
        }
        if let Some(h) = &host {
            s += &format!("host memory: {} ({}), {:.1} GB/s theoretical\n", h.label, h.id, h.bandwidth_bytes_per_s as f64 / 1e9);
        }
        if let Some(sp) = &spec {
            s += &format!(
                "speculative ({}): {} draft tokens, acceptance length {:.2} ({}); draft {} per GPU{}\n",
                sp.method.name(),
                sp.draft_tokens,
                sp.acceptance_length,
                sp.acceptance_source,
                gib(sp.draft_weights_bytes + sp.draft_kv_bytes).trim(),
                sp.speedup().map_or(String::new(), |u| format!(
                    "; TPOT {:.1} → {:.1} ms ({u:.2}×)",
                    sp.tpot_s_without.unwrap_or(0.0) * 1e3,
                    sp.tpot_s_with.unwrap_or(0.0) * 1e3
                ))
            );
        }
        s
    })
}

/// The line that says what a Mac's GPU may use and how to change it (nothing for a card).
fn usable_line(u: gpuplan_core::unified::Usable) -> String {
    use gpuplan_core::unified::UsableBasis;
    match u.basis {
        UsableBasis::Card => String::new(),
        UsableBasis::MacosDefault => format!(
            "GPU wired limit: {} (macOS's default: 2/3 of the RAM up to 32 GiB, 3/4 above); `sudo sysctl iogpu.wired_limit_mb=N` raises it (--wired-limit-mb N)\n",
            gib(u.bytes).trim()
        ),
        UsableBasis::WiredLimitMb(mb) => format!("GPU wired limit: {} (iogpu.wired_limit_mb={mb})\n", gib(u.bytes).trim()),
    }
}

/// A host memory preset in `--json` (`host_preset`) and `hosts --json`.
pub fn host_json(h: &gpuplan_core::catalog::Host) -> json::Value {
    json::object([
        ("id", h.id.as_str().into()),
        ("label", h.label.as_str().into()),
        ("kind", h.kind.as_str().into()),
        ("channels", u64::from(h.channels).into()),
        ("mt_per_s", u64::from(h.mt_per_s).into()),
        ("bandwidth_bytes_per_s", h.bandwidth_bytes_per_s.into()),
        ("achieved_bytes_per_s", h.achieved_bytes_per_s.into()),
        ("achieved_note", h.achieved_note.as_str().into()),
        ("capacity_gb", json::Value::Array(h.capacity_gb.iter().map(|&g| u64::from(g).into()).collect())),
        ("source_ids", json::Value::Array(h.source_ids.iter().map(|s| s.as_str().into()).collect())),
        ("as_of", h.as_of.as_str().into()),
    ])
}

/// The `speculative` object of `estimate`: the draft (`--draft-preset`), the checkpoint's MTP
/// modules (a preset's or `--config`'s `num_nextn_predict_layers`), the card of `--gpu`.
fn speculative(model: &Model, a: &EstimateArgs, e: &Estimate, o: &gpuplan_core::speculative::SpecOptions) -> Result<gpuplan_core::speculative::Speculative, InputError> {
    let cat = gpuplan_core::catalog::load().map_err(|e| InputError::new("catalog", e.to_string()))?;
    let draft = match &o.draft_preset {
        Some(id) => Some(Model::new(preset_arch(id).map_err(|e| InputError::new("--draft-preset", e.message))?)),
        None => None,
    };
    let nextn = match &a.model {
        ModelSource::Preset(id) => cat.model(id).and_then(|p| gpuplan_core::speculative::nextn_layers(&p.config)),
        ModelSource::Config(path) => json::parse(&files::read_config(path)?).ok().and_then(|v| gpuplan_core::speculative::nextn_layers(&v)),
        _ => None,
    };
    let gpu = a.gpu.as_ref().and_then(|id| cat.gpu(id));
    let w = gpuplan_core::memory::Workload { gpus: e.layout.gpus, tensor_parallel: e.layout.tensor_parallel, pipeline_parallel: e.layout.pipeline_parallel, ..a.workload.clone() };
    gpuplan_core::speculative::evaluate(model, &w, draft.as_ref(), nextn, o, gpu, &gpuplan_core::throughput::Efficiency::default_for(w.engine))
}

/// The card the user named, for the verdict line: `--gpu ID` (its catalog memory) or
/// `--gpu-memory-gib N`; `None` when neither was given.
fn card_capacity(a: &EstimateArgs, args: &[&str]) -> Result<Option<(String, u64)>, InputError> {
    if let Some(id) = &a.gpu {
        let cat = gpuplan_core::catalog::load().map_err(|e| InputError::new("catalog", e.to_string()))?;
        let id = id.split(',').next().unwrap_or(id).trim();
        return match cat.gpus.iter().find(|g| g.id == id) {
            // What its GPU may use (`apply_gpu`: a Mac's wired limit, a card's memory).
            Some(g) => Ok(Some((g.name.clone(), a.workload.gpu_memory_bytes))),
            None => Err(InputError::new("--gpu", format!("\"{id}\" is not in the catalog; `gpuplan gpus` lists the ids"))),
        };
    }
    Ok(args.contains(&"--gpu-memory-gib").then(|| ("the card".to_string(), a.workload.gpu_memory_bytes)))
}

/// llama.cpp's buffers per device and host, as it prints them at load.
fn llama_table(r: &gpuplan_core::llamacpp::Report) -> String {
    let mut s = format!(
        "\nllama.cpp: n_ctx {} ({} per sequence × {}), -ngl {}, --n-cpu-moe {}, flash attention {}, cache {}/{}\n",
        r.acc.n_ctx,
        r.acc.n_ctx_seq,
        r.params.n_seq,
        r.acc.n_gpu_layers,
        r.params.n_cpu_moe,
        if r.params.flash_attn { "on" } else { "off" },
        r.params.type_k.name(),
        r.params.type_v.name()
    );
    s += &format!("  {:<24} {:>13} {:>13} {:>13} {:>13}  fits\n", "device", "model", "KV", "compute", "free");
    for ((b, c), f) in r.acc.devices.iter().zip(&r.cards).zip(&r.fits) {
        s += &format!("  {:<24} {} {} {} {}  {}\n", c.id, gib(b.model), gib(b.kv + b.kv_swa), gib(b.compute), gib(c.free_bytes), if *f { "yes" } else { "no" });
    }
    let h = &r.acc.host;
    s += &format!("  {:<24} {} {} {} {}  {}\n", "host", gib(h.model), gib(h.kv + h.kv_swa), gib(h.compute), r.host.ram_bytes.map_or("    unlimited".to_string(), gib), if r.host_fits { "yes" } else { "no" });
    s += &format!("  output buffer {} · largest context {} · {} sequences at this context · {:.1} tokens/s\n", gib(r.acc.output).trim(), r.max_ctx, r.max_parallel, r.tokens_per_s);
    if let Some(c) = r.slowest.and_then(|i| r.cards.get(i)) {
        s += &format!("  slowest link: {}\n", c.id);
    }
    s
}

fn json_value(e: &Estimate, file: Option<(gpuplan_core::WeightFormat, u64)>, accuracy: &Accuracy) -> json::Value {
    let mut v = e.to_json();
    if let Some(o) = v.as_object_mut() {
        if let Some((format, bytes)) = file {
            o.insert("file".into(), json::object([("format", format.name().into()), ("weight_bytes", bytes.into())]));
        }
        o.insert("accuracy".into(), accuracy.to_json());
    }
    v
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
