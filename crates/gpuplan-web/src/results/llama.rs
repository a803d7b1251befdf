//! "On my card(s) and my RAM": the scenario's model on the chosen card (and a second and third
//! card of a mixed set) with the system RAM given, as llama.cpp loads it — the core's
//! `llamacpp::report` (the offload search, the largest context, tokens/s, the buffers per
//! device and on the host), asked the way `gpuplan estimate --engine llama.cpp --gpu ID,ID
//! --host-ram-gb N --host ID --wired-limit-mb N` asks it. Computed in the worker.

use gpuplan_core::catalog::Gpu;
use gpuplan_core::llamacpp::{self as ll, Report};
use gpuplan_core::memory::{llama_cpp_cards, llama_cpp_fit, llama_cpp_report, Engine, Workload, MAX_GPUS};
use gpuplan_core::unified::{gpu_usable, is_unified, Usable};

use crate::catalog::Data;
use crate::inputs::validate::LlamaInputs;
use crate::inputs::{Field, FieldError, LlamaKey, Msg, Scenario};
use crate::results::resolve::Resolved;

/// The run, and for a Mac with `iogpu.wired_limit_mb` set, the same run at macOS's default
/// limit (what raising it changes).
pub struct LlamaRun {
    pub report: Report,
    /// Each card: its catalog entry and what its GPU may use.
    pub cards: Vec<(Gpu, Usable)>,
    pub at_default_limit: Option<Report>,
    pub n_layer: u64,
}

/// The input a flag of `gpuplan estimate --engine llama.cpp` is typed in on the page.
pub fn field_of_flag(flag: &str) -> Option<Field> {
    Some(match flag {
        "--host-ram-gb" => Field::Llama(LlamaKey::HostRam),
        "--host" => Field::Llama(LlamaKey::Host),
        "--gpu-layers" => Field::Llama(LlamaKey::Layers),
        "--n-cpu-moe" => Field::Llama(LlamaKey::NCpuMoe),
        "--kv-cache" | "--kv-cache-v" => Field::Llama(LlamaKey::KvCache),
        "--flash-attn" => Field::Llama(LlamaKey::Flash),
        "--parallel" => Field::Llama(LlamaKey::Parallel),
        "--tensor-split" => Field::Llama(LlamaKey::TensorSplit),
        "--wired-limit-mb" => Field::Llama(LlamaKey::WiredMb),
        "--ctx" => Field::Context,
        _ => return None,
    })
}

/// A core error of the run, placed under the input its flag names (the flag kept in the text).
fn core_err(e: gpuplan_core::InputError) -> FieldError {
    let field = field_of_flag(&e.field).unwrap_or(Field::Llama(LlamaKey::HostRam));
    FieldError { field, msg: Msg::Core(format!("{}: {}", e.field, e.message)) }
}

/// llama.cpp's `n_layer` of the scenario's model at its weight format.
pub fn n_layer(model: &gpuplan_core::memory::Model, w: &Workload) -> u64 {
    ll::Shape::for_model(model, w.weights).n_layer()
}

/// The llama.cpp run of the scenario `x` on its card(s) and RAM; the errors name their inputs
/// (the page shows each under its field, `worker::panels`).
pub fn run(data: &Data, x: &Resolved) -> Result<LlamaRun, Vec<FieldError>> {
    let s = &x.scenario;
    let n_layer = n_layer(&x.model.model, &x.workload);
    let inputs = s.llama_inputs(&data.catalog, Some(n_layer))?;
    run_with(data, x, &inputs, n_layer).map_err(|e| vec![e])
}

fn run_with(data: &Data, x: &Resolved, inputs: &LlamaInputs, n_layer: u64) -> Result<LlamaRun, FieldError> {
    let s = &x.scenario;
    let mut gpus = Vec::new();
    let first = data.catalog.gpu(&s.gpu).cloned().unwrap_or_else(|| x.card.gpu.clone());
    // The custom card is the page's own; only the first card may be it.
    for g in std::iter::once(first).chain(inputs.more_cards.iter().filter_map(|id| data.catalog.gpu(id).cloned())) {
        let u = gpu_usable(&g, inputs.wired_mb).map_err(core_err)?;
        gpus.push((g, u));
    }
    let mut w = options(inputs, &x.workload);
    let report = |w: &mut Workload, cards: &[(Gpu, Usable)]| -> Result<Report, FieldError> {
        set_cards(w, cards, s);
        llama_cpp_report(&x.model.model, w, w.llama_cpp.cards.len() as u64).map_err(core_err)
    };
    let main = report(&mut w, &gpus)?;
    let at_default_limit = match (inputs.wired_mb, gpus.first()) {
        (Some(mb), Some((g, _))) if mb > 0 && is_unified(g) => {
            let dflt: Vec<(Gpu, Usable)> = gpus.iter().map(|(g, _)| (g.clone(), gpu_usable(g, None).unwrap_or(Usable { bytes: 0, basis: gpuplan_core::unified::UsableBasis::MacosDefault }))).collect();
            report(&mut w.clone(), &dflt).ok()
        }
        _ => None,
    };
    Ok(LlamaRun { report: main, cards: gpus, at_default_limit, n_layer })
}

/// The workload with llama.cpp's options from the checked inputs.
fn options(i: &LlamaInputs, w0: &Workload) -> Workload {
    let mut w = w0.clone();
    w.engine = Engine::LlamaCpp;
    w.gpu_layers = i.gpu_layers;
    let o = &mut w.llama_cpp;
    o.host_ram_bytes = i.host_ram_bytes;
    o.host_bw_gbs = i.host_bw_gbs;
    o.parallel = i.parallel;
    o.n_cpu_moe = i.n_cpu_moe;
    o.type_k = i.type_k;
    o.flash_attn = i.flash_attn;
    o.gpu_layers_auto = i.gpu_layers.is_none();
    o.tensor_split = i.tensor_split.clone();
    w
}

/// llama.cpp's cards as the CLI's `--gpu ID,ID,…` sets them (`EstimateArgs::apply_gpu`): each
/// card's usable memory less the CUDA context llama.cpp's process holds, at its bandwidth; one
/// card named is the scenario's count of it.
fn set_cards(w: &mut Workload, cards: &[(Gpu, Usable)], s: &Scenario) {
    let count = if cards.len() > 1 { 1 } else { s.gpus.trim().parse::<u64>().unwrap_or(1).clamp(1, MAX_GPUS) };
    let named: Vec<(&Gpu, u64)> = cards.iter().map(|(g, u)| (g, u.bytes)).collect();
    w.llama_cpp.cards = llama_cpp_cards(&named, count, w);
    w.gpus = w.llama_cpp.cards.len() as u64;
    w.gpu_memory_bytes = cards.first().map_or(w.gpu_memory_bytes, |c| c.1.bytes);
}

/// For every card of the catalog, the scenario's run on it (the scenario's count of it) with
/// the RAM given: whether it fits with part of it in system RAM, `-ngl`, and the largest
/// context — the every-card table's llama.cpp columns. `None` where the run cannot be placed.
pub fn per_card(data: &Data, x: &Resolved) -> Vec<Option<crate::report::fit_table::Offload>> {
    let mut s = x.scenario.clone();
    s.llama.gpu2.clear();
    s.llama.gpu3.clear();
    // One card: a split typed for the chosen set does not apply to each card alone.
    s.llama.tensor_split.clear();
    let n_layer = n_layer(&x.model.model, &x.workload);
    let Ok(inputs) = s.llama_inputs(&data.catalog, Some(n_layer)) else { return vec![None; data.catalog.gpus.len()] };
    let mut w = options(&inputs, &x.workload);
    let wired = inputs.wired_mb;
    let all_layers = n_layer + 1;
    // The model's layers and tensors once for every card.
    let shape = ll::Shape::for_model(&x.model.model, w.weights);
    data.catalog
        .gpus
        .iter()
        .map(|g| {
            let u = gpu_usable(g, wired).ok()?;
            set_cards(&mut w, &[(g.clone(), u)], &s);
            let (acc, fits, max_ctx) = llama_cpp_fit(&x.model.model, &shape, &w, w.llama_cpp.cards.len() as u64).ok()?;
            Some(crate::report::fit_table::Offload { fits, n_gpu_layers: acc.n_gpu_layers, all_layers, max_ctx })
        })
        .collect()
}
