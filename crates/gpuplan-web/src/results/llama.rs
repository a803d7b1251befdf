//! "On my card(s) and my RAM": the scenario's model on the chosen card (and a second and third
//! card of a mixed set) with the system RAM given, as llama.cpp loads it — the core's
//! `llamacpp::report` (the offload search, the largest context, tokens/s, the buffers per
//! device and on the host), asked the way `gpuplan estimate --engine llama.cpp --gpu ID,ID
//! --host-ram-gb N --host ID --wired-limit-mb N` asks it. Computed in the worker.

use gpuplan_core::catalog::Gpu;
use gpuplan_core::llamacpp::{self as ll, CacheType, Report};
use gpuplan_core::memory::{llama_cpp_report, Engine, Workload, LLAMA_CPP_CONTEXT_BYTES, MAX_GPUS};
use gpuplan_core::unified::{gpu_usable, is_unified, Usable};

use crate::catalog::Data;
use crate::i18n::Lang;
use crate::inputs::validate::{decimal, msg_text, whole};
use crate::inputs::{Field, FieldError, LlamaKey, Scenario};
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

/// An input's error as the page words it: the field's label and the message.
fn field_err(lang: Lang, e: FieldError) -> String {
    let label = crate::inputs::scenario::input(e.field).map_or("", |i| lang.t(i.label));
    format!("{label}: {}", msg_text(lang, &e.msg))
}

/// The llama.cpp run of the scenario `x` on its card(s) and RAM; the error names the input.
pub fn run(data: &Data, x: &Resolved, lang: Lang) -> Result<LlamaRun, String> {
    let s = &x.scenario;
    let wired = whole(s, Field::Llama(LlamaKey::WiredMb)).map_err(|e| field_err(lang, e))?;
    let ids: Vec<&str> = [s.gpu.as_str(), s.llama.gpu2.trim(), s.llama.gpu3.trim()].into_iter().filter(|i| !i.is_empty()).collect();
    let mut gpus = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let g = match data.catalog.gpu(id) {
            Some(g) => g.clone(),
            // The custom card is the page's own; only the first card may be it.
            None if k == 0 => x.card.gpu.clone(),
            None => return Err(format!("{}: \"{id}\" is not in the catalog", lang.t(crate::i18n::Phrase::SecondCard))),
        };
        let u = gpu_usable(&g, wired).map_err(|e| format!("{}: {}", lang.t(crate::i18n::Phrase::WiredLimitMb), e.message))?;
        gpus.push((g, u));
    }
    let mut w = options(s, &x.workload, data, lang)?;
    let report = |w: &mut Workload, cards: &[(Gpu, Usable)]| -> Result<Report, String> {
        set_cards(w, cards, s);
        llama_cpp_report(&x.model.model, w, w.llama_cpp.cards.len() as u64).map_err(|e| format!("{}: {}", e.field, e.message))
    };
    let main = report(&mut w, &gpus)?;
    let at_default_limit = match (wired, gpus.first()) {
        (Some(mb), Some((g, _))) if mb > 0 && is_unified(g) => {
            let dflt: Vec<(Gpu, Usable)> = gpus.iter().map(|(g, _)| (g.clone(), gpu_usable(g, None).unwrap_or(Usable { bytes: 0, basis: gpuplan_core::unified::UsableBasis::MacosDefault }))).collect();
            report(&mut w.clone(), &dflt).ok()
        }
        _ => None,
    };
    let n_layer = ll::Shape::for_model(&x.model.model, w.weights).n_layer();
    Ok(LlamaRun { report: main, cards: gpus, at_default_limit, n_layer })
}

/// The workload with llama.cpp's options from the scenario's inputs.
fn options(s: &Scenario, w0: &Workload, data: &Data, lang: Lang) -> Result<Workload, String> {
    let mut w = w0.clone();
    w.engine = Engine::LlamaCpp;
    w.gpu_layers = None;
    let o = &mut w.llama_cpp;
    o.host_ram_bytes = decimal(s, Field::Llama(LlamaKey::HostRam)).map_err(|e| field_err(lang, e))?.map(|g| (g * (1u64 << 30) as f64).round() as u64);
    let host = s.llama.host.trim();
    if !host.is_empty() {
        let h = data.catalog.host(host).ok_or_else(|| format!("{}: \"{host}\"", lang.t(crate::i18n::Phrase::HostPreset)))?;
        o.host_bw_gbs = Some(h.bandwidth_bytes_per_s as f64 / 1e9);
    }
    o.parallel = whole(s, Field::Llama(LlamaKey::Parallel)).map_err(|e| field_err(lang, e))?;
    o.n_cpu_moe = whole(s, Field::Llama(LlamaKey::NCpuMoe)).map_err(|e| field_err(lang, e))?;
    let kv = s.llama.kv_cache.trim();
    if !kv.is_empty() {
        o.type_k = Some(CacheType::parse("--kv-cache", kv).map_err(|e| format!("{}: {}", lang.t(crate::i18n::Phrase::KvCacheType), e.message))?);
    }
    o.flash_attn = match s.llama.flash.trim() {
        "" | "auto" => None,
        "on" => Some(true),
        "off" => Some(false),
        other => return Err(format!("{}: \"{other}\" (on, off)", lang.t(crate::i18n::Phrase::FlashAttn))),
    };
    match s.llama.layers.trim() {
        "" | "auto" => o.gpu_layers_auto = true,
        n => {
            let v = crate::numbers::parse_whole(n, 1000).map_err(|_| format!("{}: \"{n}\" (auto, 0, 1, 2, …)", lang.t(crate::i18n::Phrase::LlamaLayers)))?;
            w.gpu_layers = Some(v);
            w.llama_cpp.gpu_layers_auto = false;
        }
    }
    Ok(w)
}

/// llama.cpp's cards as the CLI's `--gpu ID,ID,…` sets them (`EstimateArgs::apply_gpu`): each
/// card's usable memory less the CUDA context llama.cpp's process holds, at its bandwidth; one
/// card named is the scenario's count of it.
fn set_cards(w: &mut Workload, cards: &[(Gpu, Usable)], s: &Scenario) {
    let count = if cards.len() > 1 { 1 } else { s.gpus.trim().parse::<u64>().unwrap_or(1).clamp(1, MAX_GPUS) };
    let reserve = LLAMA_CPP_CONTEXT_BYTES + w.llama_cpp.reserve_per_gpu();
    w.llama_cpp.cards = cards
        .iter()
        .flat_map(|(g, u)| (0..count).map(move |_| ll::Card { id: g.id.clone(), free_bytes: u.bytes.saturating_sub(reserve), bandwidth_gbs: g.bandwidth_gbps }))
        .collect();
    w.gpus = w.llama_cpp.cards.len() as u64;
    w.gpu_memory_bytes = cards.first().map_or(w.gpu_memory_bytes, |c| c.1.bytes);
}

/// For every card of the catalog, the scenario's run on it (the scenario's count of it) with
/// the RAM given: whether it fits with part of it in system RAM, `-ngl`, and the largest
/// context — the every-card table's llama.cpp columns. `None` where the run cannot be placed.
pub fn per_card(data: &Data, x: &Resolved) -> Vec<Option<crate::report::fit_table::Offload>> {
    let Ok(mut w) = options(&x.scenario, &x.workload, data, Lang::En) else { return vec![None; data.catalog.gpus.len()] };
    let wired = whole(&x.scenario, Field::Llama(LlamaKey::WiredMb)).ok().flatten();
    let all_layers = ll::Shape::for_model(&x.model.model, w.weights).n_layer() + 1;
    let mut s = x.scenario.clone();
    s.llama.gpu2.clear();
    s.llama.gpu3.clear();
    data.catalog
        .gpus
        .iter()
        .map(|g| {
            let u = gpu_usable(g, wired).ok()?;
            set_cards(&mut w, &[(g.clone(), u)], &s);
            let r = llama_cpp_report(&x.model.model, &w, w.llama_cpp.cards.len() as u64).ok()?;
            let fits = r.fits.iter().all(|f| *f) && r.host_fits;
            Some(crate::report::fit_table::Offload { fits, n_gpu_layers: r.acc.n_gpu_layers, all_layers, max_ctx: r.max_ctx })
        })
        .collect()
}
