//! Speed of a workload on a card: decode and prefill rooflines, tensor-parallel communication,
//! and training time (memory-model.md §6).
//!
//! Every kernel group is a roofline: time = max(bytes / (bandwidth · MBU), FLOPs / (peak · MFU)).
//! A decode step is two such groups run one after the other — the weight GEMMs (weights read,
//! 2·N FLOPs per token) and attention (each sequence's KV read, its score FLOPs) — plus the
//! communication that sits on the critical path. Prefill is one roofline (FlashAttention keeps
//! its KV on chip). The utilisations ([`Efficiency`]) are the only
//! tuned numbers; each default names where it comes from, and the user can edit all of them.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::catalog::{Gpu, PrecisionSupport};
use crate::formats::{self, WeightFormat};
use crate::memory::{Engine, Layout, Mode, Model, Precision, Workload};
use crate::model::Role;

/// Achieved fractions of the card's peaks. All four are editable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Efficiency {
    /// Model bandwidth utilisation in decode: bytes the step must read / step time / peak
    /// bandwidth (Databricks' definition, memory-model.md §6.1).
    pub mbu_decode: f64,
    /// Model FLOPs utilisation of prefill GEMMs, also used for the compute side of decode
    /// (large decode batches run the same GEMMs with fewer rows).
    pub mfu_prefill: f64,
    /// Model FLOPs utilisation of training (6·N per token counted as model FLOPs).
    pub mfu_train: f64,
    /// Achieved NCCL bus bandwidth / per-direction link bandwidth.
    pub comm_efficiency: f64,
}

impl Efficiency {
    /// Tuned serving engines (TensorRT-LLM, vLLM with CUDA graphs).
    ///
    /// - `mbu_decode` 0.55: NVIDIA NeMo Framework docs, "Llama-2 Results / Inference
    ///   Performance" (TensorRT-LLM, TP1, batch 1, 128 in / 20 out): Llama-2-7B 153.8 ms on H100
    ///   and 234.0 ms on A100 ⇒ ≈ 7.5 / 11.5 ms per output token ⇒ MBU 0.54 / 0.57 for the
    ///   13.48 GB fp16 weights (memory-model.md §6.1, published-sizes.csv).
    /// - `mfu_prefill` 0.40: prefill and large-batch decode are the same GEMM-dominated work as a
    ///   training forward, for which tuned stacks reach 38–43 % of the dense BF16 peak (Llama 3
    ///   405B, Llama 3 paper Table 4; Llama 2 model-card GPU-hours ⇒ 39–43 %, memory-model.md
    ///   §6.3); the calibration machine's cuBLAS ceilings for a lone large GEMM are 0.77 (bf16,
    ///   764 of 989 TFLOP/s) and 0.72 (fp8, 1419 of 1979) of peak (calibration/README.md), the
    ///   rest of a forward (attention, norms, activation quantisation, scheduling) brings the
    ///   whole model down to about 0.4. The MLPerf rows are a check of this value, not its source.
    /// - `mfu_train` 0.40: Llama 3 405B trained at 38–43 % BF16 MFU on 8–16 k H100 (Llama 3
    ///   paper, Table 4); the Llama 2 model card GPU-hours imply ≈ 39 % (7B) and 43 % (70B) on
    ///   A100 (memory-model.md §6.3).
    /// - `comm_efficiency` 0.80: NCCL reaches 350–480 GB/s bus bandwidth on 8×H100 NVLink
    ///   against 450 GB/s per direction (`NVIDIA/nccl-tests` PERFORMANCE.md, memory-model.md
    ///   §6.4) ⇒ 0.78–1.0; 0.8 is the low end.
    pub const TUNED: Efficiency = Efficiency { mbu_decode: 0.55, mfu_prefill: 0.40, mfu_train: 0.40, comm_efficiency: 0.80 };

    /// The default for an engine.
    ///
    /// - [`Engine::Vllm`]: [`Efficiency::TUNED`] (vLLM and TensorRT-LLM both run fused kernels
    ///   under CUDA graphs; the NeMo figures are the published anchor).
    /// - [`Engine::Hf`]: `mbu_decode` 0.35 measured on the project's H100 — HF eager
    ///   `generate()` at batch 16 took 14.6 ms per step ⇒ 1.17 TB/s effective of 3.35 TB/s
    ///   (memory-model.md §6.1). `mfu_prefill` 0.35 is an assumption: the same cuBLAS GEMMs
    ///   (0.77 ceiling) with unfused norms, rotary and softmax and Python dispatch between
    ///   them, taken at the same fraction as its decode. `mfu_train` 0.40 as above.
    /// - [`Engine::LlamaCpp`]: `mbu_decode` 0.71, the median of the MBU that seven published
    ///   llama.cpp runs with every layer on a named GPU imply (`data/llamacpp/offload-speed.csv`,
    ///   role `gpu`: 1B to 20B models, Q4_K_M and MXFP4, on an RTX 2080 and an RX 7900 XT:
    ///   0.45 to 0.86; the test `llamacpp_speed` recomputes the median and checks it). It
    ///   replaced 0.50, the low end of the optimised-engine range of memory-model.md §6.1 taken
    ///   while no published run named its GPU. Decode is bandwidth-bound (llama.cpp's published
    ///   `llama-bench` tg128 × file size is nearly constant across quantisations —
    ///   published-sizes.csv); `mfu_prefill` 0.30 assumed (its matmuls dequantise blocks in
    ///   the kernel).
    pub fn default_for(engine: Engine) -> Efficiency {
        match engine {
            // SGLang runs the same class of fused kernels (FlashInfer, CUDA graphs).
            Engine::Vllm | Engine::Sglang => Efficiency::TUNED,
            Engine::Hf => Efficiency { mbu_decode: 0.35, mfu_prefill: 0.35, ..Efficiency::TUNED },
            Engine::LlamaCpp => Efficiency { mbu_decode: 0.71, mfu_prefill: 0.30, ..Efficiency::TUNED },
        }
    }

    /// The four fractions as a JSON object, in declaration order (`plan --json`'s `efficiency`).
    pub fn to_json(&self) -> crate::json::Value {
        crate::json::object([
            ("mbu_decode", self.mbu_decode.into()),
            ("mfu_prefill", self.mfu_prefill.into()),
            ("mfu_train", self.mfu_train.into()),
            ("comm_efficiency", self.comm_efficiency.into()),
        ])
    }

    /// Clamps every field into (0, 1] so a bad edit cannot divide by zero.
    pub fn sanitized(self) -> Efficiency {
        let c = |x: f64| if x.is_finite() && x > 0.0 { x.min(1.0) } else { 0.01 };
        Efficiency {
            mbu_decode: c(self.mbu_decode),
            mfu_prefill: c(self.mfu_prefill),
            mfu_train: c(self.mfu_train),
            comm_efficiency: c(self.comm_efficiency),
        }
    }
}

/// Per-step latency of one collective or point-to-point message (α in `α + M/β`), seconds.
/// memory-model.md §6.4: "α ≈ 5–15 µs on NVLink, tens of µs over PCIe/IB".
pub const NVLINK_LATENCY_S: f64 = 10e-6;
pub const PCIE_LATENCY_S: f64 = 25e-6;
pub const NETWORK_LATENCY_S: f64 = 40e-6;

/// The link that carries tensor-parallel traffic between cards of one node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    /// "nvlink", "pcie" or "network" (other fabrics map onto one of these by their kind).
    pub kind: &'static str,
    /// Bytes per second in one direction (the catalog lists bidirectional totals).
    pub bytes_per_s: f64,
    /// Per-message latency α.
    pub latency_s: f64,
}

/// PCIe Gen4 x16: 64 GB/s bidirectional (memory-model.md §6.4 lists Gen5 at 128), the floor for
/// a card whose catalog entry gives no interconnect bandwidth.
const PCIE4_BIDIR_GBPS: f64 = 64.0;

/// The card's scale-up link from its catalog entry. Catalog kinds: `nvlink`,
/// `infinity_fabric`, `hccs`, `ici` (scale-up fabrics, NVLink-class latency), `pcie`;
/// `ethernet` (Gaudi's on-die RoCE) and `unified` (Apple SoCs, Thunderbolt between machines)
/// count as a network.
pub fn link(gpu: &Gpu) -> Link {
    let gbps = if gpu.interconnect.gbps_per_gpu > 0.0 { gpu.interconnect.gbps_per_gpu } else { PCIE4_BIDIR_GBPS };
    let (kind, latency) = match gpu.interconnect.kind.as_str() {
        "nvlink" | "infinity_fabric" | "hccs" | "ici" => ("nvlink", NVLINK_LATENCY_S),
        "pcie" | "" => ("pcie", PCIE_LATENCY_S),
        _ => ("network", NETWORK_LATENCY_S),
    };
    Link { kind, bytes_per_s: gbps * 1e9 / 2.0, latency_s: latency }
}

/// Time of one ring all-reduce of `bytes` over `n` GPUs: α + 2(n−1)/n · M / busBW
/// (`NVIDIA/nccl-tests` doc/PERFORMANCE.md; memory-model.md §6.4).
pub fn allreduce_s(bytes: f64, n: u64, link: &Link, comm_efficiency: f64) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    let n = n as f64;
    link.latency_s + 2.0 * (n - 1.0) / n * bytes / (link.bytes_per_s * comm_efficiency)
}

/// Which peak the math runs at, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct ComputePeak {
    /// Dense TFLOP/s (or TOPS) used.
    pub tflops: f64,
    /// The precision whose peak is used ("fp8", "bf16", …).
    pub precision: &'static str,
    pub support: PrecisionSupport,
    pub note: Option<String>,
}

/// The 16-bit (else fp32) peak a format that is not native falls back to: the first of bf16,
/// fp16, fp32 the card runs natively.
fn fallback_peak(gpu: &Gpu) -> (f64, &'static str) {
    for p in ["bf16", "fp16", "fp32"] {
        if gpu.support(p) == PrecisionSupport::Native {
            if let Some(t) = gpu.peak_tflops(p).filter(|t| *t > 0.0) {
                return (t, p);
            }
        }
    }
    // No published figure at all (Apple SoCs in the catalog): 0 = unknown; speed then follows
    // the bandwidth roofline only.
    (0.0, "none")
}

/// The card's peak for `precision` when it runs natively (catalog `precision` map and dense
/// `tflops`); else the bf16 (or fp16, fp32) peak: an emulated format saves memory only, its
/// weights are dequantised before the math. Weight-only int4 formats (GPTQ/AWQ/NF4: W4A16)
/// always multiply in 16-bit, as [`Gpu::peak_tflops`] says.
pub fn compute_peak(gpu: &Gpu, precision: &'static str) -> ComputePeak {
    let support = gpu.support(precision);
    let (fb, fb_name) = fallback_peak(gpu);
    match support {
        PrecisionSupport::Native if precision != "int4" => match gpu.peak_tflops(precision) {
            Some(t) if t > 0.0 => ComputePeak { tflops: t, precision, support, note: None },
            _ => ComputePeak {
                tflops: fb,
                precision: fb_name,
                support,
                note: Some(format!("{} publishes no {precision} peak; speed shown at its {fb_name} peak", gpu.name)),
            },
        },
        PrecisionSupport::Native => ComputePeak { tflops: fb, precision: fb_name, support, note: None },
        PrecisionSupport::Emulated => ComputePeak {
            tflops: fb,
            precision: fb_name,
            support,
            note: Some(format!("{precision} is emulated on {}: it saves memory, the math runs at the {fb_name} peak", gpu.name)),
        },
        PrecisionSupport::Unsupported => ComputePeak {
            tflops: fb,
            precision: fb_name,
            support,
            note: Some(format!("{} has no {precision} support: no kernel runs this format on it (speed shown at the {fb_name} peak)", gpu.name)),
        },
    }
}

/// Byte counts of one model in one format that speed needs, computed once per format (the
/// planner reuses them for every card and layout), with the model's FLOP parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatBytes {
    pub format: WeightFormat,
    /// Weights inside the decoder layers.
    pub layer: u64,
    /// Embedding, head and final norm.
    pub outside: u64,
    /// Routed experts (a part of `layer`).
    pub expert: u64,
    /// The output projection (the tied embedding when tied): read in full every step.
    pub head: u64,
    /// [`crate::model::Arch::flop_params`] (parameters multiplied per token).
    pub flop_params: u64,
}

impl FormatBytes {
    /// One pass over the model's tensors.
    pub fn new(model: &Model, format: WeightFormat) -> FormatBytes {
        let arch = &model.arch;
        let head_role = if arch.tied_embeddings { Role::Embed } else { Role::Head };
        let mut fb = FormatBytes { format, layer: 0, outside: 0, expert: 0, head: 0, flop_params: flop_params(model) };
        for t in &model.tensors {
            let b = formats::weight_bytes(arch, core::slice::from_ref(t), format);
            if t.layer == crate::model::NO_LAYER {
                fb.outside += b;
            } else {
                fb.layer += b;
            }
            if t.role.is_expert() {
                fb.expert += b;
            }
            if t.role == head_role {
                fb.head += b;
            }
        }
        fb
    }
}

/// `Arch::flop_params` from the counts `Model` already holds (no tensor walk): active
/// parameters minus the input embedding, plus the head matmul when tied.
fn flop_params(model: &Model) -> u64 {
    let a = &model.arch;
    let head_matmul = if a.tied_embeddings { a.vocab * a.hidden } else { 0 };
    (model.active_params + head_matmul).saturating_sub(a.vocab * a.hidden)
}

/// Speed of one workload on one card type.
#[derive(Clone, Debug, PartialEq)]
pub struct Speed {
    /// Tokens per second one sequence sees during decode (1 / TPOT).
    pub decode_tokens_per_s_per_seq: f64,
    /// Decode tokens per second of all sequences on all data-parallel replicas.
    pub decode_tokens_per_s_total: f64,
    /// Time per output token (one decode step, communication included).
    pub time_per_output_token_s: f64,
    /// Prompt tokens per second while prefilling, all replicas.
    pub prefill_tokens_per_s: f64,
    /// Time to first token: prefill of the whole batch (static batching, as `generate()`).
    pub ttft_s: f64,
    /// End-to-end generated tokens per second of all replicas: batch · new tokens per
    /// (prefill + new tokens · TPOT). What a serving deployment sustains; the planner uses it.
    pub generated_tokens_per_s: f64,
    /// What limits a decode step.
    pub bound: Bound,
    /// Bytes one GPU reads per decode step (weights once per step + KV per sequence).
    pub decode_bytes_per_step: f64,
    /// Tensor-parallel all-reduce time per output token (2·L all-reduces, latency included).
    pub tp_comm_s_per_token: f64,
    /// Training tokens per second over all GPUs (training modes; 0 for inference).
    pub train_tokens_per_s: f64,
    /// The peak the math runs at.
    pub peak: ComputePeak,
    pub link: Link,
    pub notes: Vec<String>,
}

/// Expected distinct experts hit by `tokens` tokens with uniform top-k routing over E experts:
/// What limits a decode step: reading memory or computing (`speed` compares the two times).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Memory,
    Compute,
}

impl Bound {
    /// "memory" or "compute", as the JSON and the texts say it.
    pub fn name(self) -> &'static str {
        match self {
            Bound::Memory => "memory",
            Bound::Compute => "compute",
        }
    }
}

impl core::fmt::Display for Bound {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// U(B) = E·(1 − (1 − k/E)^B) (memory-model.md §6.1, derived).
pub fn expected_experts(experts: u64, top_k: u64, tokens: f64) -> f64 {
    if experts == 0 {
        return 0.0;
    }
    let e = experts as f64;
    let k = (top_k as f64).min(e);
    e * (1.0 - libm::pow(1.0 - k / e, tokens.max(0.0)))
}

/// KV bytes per token of context summed over layers, split into (full-attention layers,
/// sliding-window layers), whole model.
fn kv_split_per_token(model: &Model, w: &Workload) -> (f64, f64) {
    let per_layer = w.kv_cache.bytes(model.arch.kv_elems_per_token_layer()) as f64;
    let sliding = model.arch.layer_kinds.iter().filter(|k| k.sliding && k.has_kv()).count() as f64;
    let full = model.arch.layer_kinds.iter().filter(|k| k.has_kv()).count() as f64 - sliding;
    (per_layer * full, per_layer * sliding)
}

/// Attention FLOPs for one new token attending to `ctx` cached tokens: 4·h_q·ctx per layer
/// (QKᵀ and AV), sliding layers capped at the window (memory-model.md §6.1).
fn attention_flops_per_token(model: &Model, ctx: f64) -> f64 {
    let a = &model.arch;
    let hq = a.q_width() as f64;
    let window = a.sliding_window.map_or(f64::INFINITY, |w| w as f64);
    a.layer_kinds.iter().map(|k| 4.0 * hq * if k.sliding { ctx.min(window) } else { ctx }).sum()
}

/// Causal attention FLOPs of a prefill of `t` tokens: 2·h_q·t² per layer (QKᵀ and AV over the
/// lower triangle, memory-model.md §6.2), sliding layers 4·h_q·(t·w − w²/2) once t > w.
fn prefill_attention_flops(model: &Model, t: f64) -> f64 {
    let a = &model.arch;
    let hq = a.q_width() as f64;
    let w = a.sliding_window.map_or(f64::INFINITY, |w| w as f64);
    a.layer_kinds
        .iter()
        .map(|k| if k.sliding && t > w { 4.0 * hq * (t * w - w * w / 2.0) } else { 2.0 * hq * t * t })
        .sum()
}

/// KV bytes one sequence's decode step reads under transformers' static cache
/// (`generate(cache_implementation="static")`, which compiles the step):
/// - `StaticCache` allocates `max_cache_len` = prompt + new tokens per layer and every step
///   attends over all of it, the unwritten slots masked out (`cache_utils.py` StaticLayer:
///   `keys`/`values` of shape (b, n_kv, max_cache_len, d), returned whole by `update`), so the
///   attention reads the whole cache length, not the tokens written so far; sliding layers
///   keep a window-long cache.
/// - With a mask, `sdpa_attention_forward` does not use SDPA's `enable_gqa` (`use_gqa_in_sdpa`
///   needs `attention_mask is None`) and calls `repeat_kv`, which expands K and V to every
///   query head: it reads the cache once and writes n_q/n_kv copies, which SDPA then reads
///   (`integrations/sdpa_attention.py`). Bytes per step: cache · (1 + 2·n_q/n_kv). MLA caches
///   the latent and has no repeat.
fn hf_static_kv_read(model: &Model, w: &Workload, kv_full: f64, kv_sliding: f64) -> f64 {
    let a = &model.arch;
    let len = (w.prompt + w.new_tokens) as f64;
    let window = a.sliding_window.map_or(f64::INFINITY, |x| x as f64);
    let cache = kv_full * len + kv_sliding * len.min(window);
    let groups = if a.mla.is_some() { 0.0 } else { (a.heads / a.kv_heads.max(1)) as f64 };
    if groups > 1.0 { cache * (1.0 + 2.0 * groups) } else { cache }
}

/// Speed of `w` on `gpu` split as `layout` (the layout `estimate` returned).
pub fn speed(model: &Model, w: &Workload, gpu: &Gpu, layout: &Layout, eff: &Efficiency) -> Speed {
    let fb = FormatBytes::new(model, w.weights);
    speed_with(model, &fb, w, gpu, layout, eff)
}

/// [`speed`] with the format's byte counts computed beforehand.
///
/// Inference, per data-parallel replica of `tp × pp` GPUs with `w.batch` sequences (the batch is
/// per replica, as in [`crate::memory::estimate`]):
/// - the batch is split into `m = min(pp, batch)` micro-batches of `b = ⌈batch/m⌉` (vLLM; the
///   other engines run the stages in turn, m = 1); one decode
///   step of a micro-batch on one GPU column reads the weights once (MoE: the non-expert
///   weights plus U(b)/E of the experts), the head, and each sequence's KV at the mean context
///   `prompt + new/2`; it computes 2·N_flops·b in the GEMMs and the attention FLOPs; step =
///   max(weight bytes, GEMM FLOPs) + max(KV bytes, attention FLOPs) in time (per-kernel
///   roofline) summed over the stages, plus 2·L all-reduces of b·h activations (TP) and pp−1
///   stage hand-offs;
/// - with `m` micro-batches in flight each sequence gets one token per step ⇒ TPOT = step;
/// - prefill of the batch: FLOPs / (tp · peak · MFU) pipelined over `m` micro-batches, at least
///   one read of the weights, plus its all-reduces.
pub fn speed_with(model: &Model, fb: &FormatBytes, w: &Workload, gpu: &Gpu, layout: &Layout, eff: &Efficiency) -> Speed {
    let precision = if w.mode.is_training() { train_precision(w) } else { w.weights.compute_precision() };
    speed_prepared(model, fb, w, gpu, layout, eff, &compute_peak(gpu, precision), &link(gpu), true)
}

/// [`speed_with`] with the card's peak for the workload's precision and its link looked up
/// beforehand (the planner does it once per card and format). `with_notes: false` gives the
/// same figures without formatting any note (`Speed::notes` empty, `peak.note` none): the
/// planner compares thousands of layouts and batches that way and asks for the notes only
/// for the plans it keeps.
#[allow(clippy::too_many_arguments)]
pub fn speed_prepared(
    model: &Model,
    fb: &FormatBytes,
    w: &Workload,
    gpu: &Gpu,
    layout: &Layout,
    eff: &Efficiency,
    peak: &ComputePeak,
    link: &Link,
    with_notes: bool,
) -> Speed {
    let eff = eff.sanitized();
    let arch = &model.arch;
    let mut notes = Vec::new();
    let link = *link;
    let tp = layout.tensor_parallel.max(1);
    let pp = layout.pipeline_parallel.max(1);
    let dp = layout.data_parallel.max(1);
    let bw = gpu.bandwidth_gbps.max(1e-3) * 1e9;
    let act_bytes = w.weights.activation_bytes() as f64;
    let h = arch.hidden as f64;
    let layers = arch.layers as f64;
    let peak = if with_notes { peak.clone() } else { ComputePeak { tflops: peak.tflops, precision: peak.precision, support: peak.support, note: None } };

    if w.mode.is_training() {
        if let Some(n) = &peak.note {
            notes.push(n.clone());
        }
        if pp > 1 && with_notes {
            notes.push(String::from("pipeline bubble not modelled: assumes many micro-batches per step (1F1B bubble (pp−1)/(m+pp−1))"));
        }
        let per_token = train_flops_per_token_with(model, w, fb.flop_params as f64);
        let tokens_per_s = train_tokens_per_s(model, w, gpu, layout, &eff, per_token, &peak, &link);
        return Speed {
            decode_tokens_per_s_per_seq: 0.0,
            decode_tokens_per_s_total: 0.0,
            time_per_output_token_s: 0.0,
            prefill_tokens_per_s: 0.0,
            ttft_s: 0.0,
            generated_tokens_per_s: 0.0,
            bound: Bound::Compute,
            decode_bytes_per_step: 0.0,
            tp_comm_s_per_token: 0.0,
            train_tokens_per_s: tokens_per_s,
            peak,
            link,
            notes,
        };
    }

    if let Some(n) = &peak.note {
        notes.push(n.clone());
    }
    if peak.tflops <= 0.0 && with_notes {
        notes.push(format!("{} publishes no TFLOPS: speed is the bandwidth roofline only (compute time not counted)", gpu.name));
    }
    // Unknown peak: compute takes no time (the memory side still bounds every step).
    let flops_per_s = if peak.tflops > 0.0 { peak.tflops * 1e12 * eff.mfu_prefill } else { f64::INFINITY };
    let bytes_per_s = bw * eff.mbu_decode;

    // KV split over TP: heads divide up to n_kv (replicated beyond); MLA's latent is not split.
    let kv_div = if arch.mla.is_some() { 1.0 } else { tp.min(arch.kv_heads).max(1) as f64 };
    let (kv_full, kv_sliding) = kv_split_per_token(model, w);
    let window = arch.sliding_window.map_or(f64::INFINITY, |x| x as f64);
    let ctx = w.prompt as f64 + w.new_tokens as f64 / 2.0;
    let kv_per_seq = (kv_full * ctx + kv_sliding * ctx.min(window)) / kv_div;
    let kv_per_seq = if w.engine == Engine::Hf && w.static_cache { hf_static_kv_read(model, w, kv_full, kv_sliding) / kv_div } else { kv_per_seq };

    let batch = w.batch.max(1);
    // vLLM pipelines micro-batches through the stages; transformers' `device_map` split and
    // llama.cpp's layer split run the stages one after the other (one micro-batch).
    let micro = if w.engine == Engine::Vllm { pp.min(batch) } else { 1 };
    let b = batch.div_ceil(micro) as f64;

    // Weights read per step (summed over stages, one GPU column).
    let non_expert = (fb.layer - fb.expert) as f64;
    let expert_read = match arch.moe {
        Some(m) if fb.expert > 0 => fb.expert as f64 * expected_experts(m.experts, m.top_k, b) / m.experts as f64,
        _ => 0.0,
    };
    let weights_read = (non_expert + expert_read + fb.head as f64) / tp as f64;
    let kv_read = b * kv_per_seq;
    let step_bytes = weights_read + kv_read;
    let n_flops = fb.flop_params as f64;
    // Per-kernel roofline: a decode step runs the weight GEMMs and the attention kernels one
    // after the other, each at its own bound (Williams et al., "Roofline", CACM 2009, applies
    // per kernel; vLLM/TensorRT-LLM launch attention between the QKV and output projections).
    // The GEMMs read the weights and do 2·N FLOPs per token; attention reads each sequence's
    // KV cache and does its score/value FLOPs. At large batches the GEMMs turn compute-bound
    // while attention stays bandwidth-bound (its bytes grow with the batch too), so the step
    // is the sum of the two, not one max over their totals.
    let t_gemm = (weights_read / bytes_per_s).max(b * 2.0 * n_flops / tp as f64 / flops_per_s);
    let t_attn = (kv_read / bytes_per_s).max(b * attention_flops_per_token(model, ctx) / tp as f64 / flops_per_s);
    let t_compute = (b * (2.0 * n_flops + attention_flops_per_token(model, ctx)) / tp as f64) / flops_per_s;
    let t_mem = step_bytes / bytes_per_s;
    let bound = if t_compute > t_mem { Bound::Compute } else { Bound::Memory };
    // 2 all-reduces per layer (after attention output and MLP down, Megatron §3), b·h values.
    let ar = allreduce_s(b * h * act_bytes, tp, &link, eff.comm_efficiency);
    let tp_comm = 2.0 * layers * ar;
    let pp_comm = (pp - 1) as f64 * (link.latency_s + b * h * act_bytes / (link.bytes_per_s * eff.comm_efficiency));
    let tpot = t_gemm + t_attn + tp_comm + pp_comm;

    // Prefill of the whole batch: only the last position's logits are computed.
    let t = w.prompt as f64;
    let head_params = if arch.tied_embeddings || fb.head > 0 { (arch.vocab * arch.hidden) as f64 } else { 0.0 };
    let prefill_flops_seq = 2.0 * (n_flops - head_params).max(0.0) * t + 2.0 * head_params + prefill_attention_flops(model, t);
    let prefill_flops = batch as f64 * prefill_flops_seq / tp as f64;
    // Pipelined over `micro` micro-batches: (m + pp − 1) stage slots of flops/(m·pp) each.
    let t_prefill_compute = prefill_flops / flops_per_s * (micro + pp - 1) as f64 / (micro * pp) as f64;
    let all_expert_read = match arch.moe {
        Some(m) if fb.expert > 0 => fb.expert as f64 * expected_experts(m.experts, m.top_k, batch as f64 * t) / m.experts as f64,
        _ => 0.0,
    };
    let t_prefill_mem = ((non_expert + all_expert_read + fb.head as f64) / tp as f64 + batch as f64 * t * (kv_full + kv_sliding) / kv_div) / bytes_per_s;
    let prefill_comm = 2.0 * layers * allreduce_s(batch as f64 * t * h * act_bytes, tp, &link, eff.comm_efficiency);
    // Prefill attention reads the KV it writes from on-chip tiles (FlashAttention), so the
    // prefill is one roofline over its bytes (weights once, KV written) and FLOPs.
    let ttft = t_prefill_compute.max(t_prefill_mem) + prefill_comm;

    let decode_total = batch as f64 * dp as f64 / tpot;
    let new = w.new_tokens as f64;
    let generated = if new > 0.0 { batch as f64 * dp as f64 * new / (ttft + new * tpot) } else { 0.0 };
    if tp > 1 && link.kind != "nvlink" && with_notes {
        notes.push(format!(
            "tensor parallel over {}: {:.0} µs of all-reduce per token ({:.0} % of the step)",
            link.kind,
            tp_comm * 1e6,
            100.0 * tp_comm / tpot
        ));
    }
    if bound == Bound::Compute && with_notes {
        notes.push(format!("decode is compute-bound at {} sequences per step on this card", b as u64));
    }
    Speed {
        decode_tokens_per_s_per_seq: 1.0 / tpot,
        decode_tokens_per_s_total: decode_total,
        time_per_output_token_s: tpot,
        prefill_tokens_per_s: batch as f64 * dp as f64 * t / ttft,
        ttft_s: ttft,
        generated_tokens_per_s: generated,
        bound,
        decode_bytes_per_step: step_bytes,
        tp_comm_s_per_token: tp_comm,
        train_tokens_per_s: 0.0,
        peak,
        link,
        notes,
    }
}

/// The precision training math runs in: bf16 autocast for `bf16`/`mixed`; fp32 weights
/// without autocast use TF32 tensor cores (PyTorch `allow_tf32`), else fp32.
pub fn train_precision(w: &Workload) -> &'static str {
    if w.weights == WeightFormat::Fp32 && w.precision != Precision::Mixed {
        "tf32"
    } else if w.weights == WeightFormat::Fp16 {
        "fp16"
    } else {
        "bf16"
    }
}

/// Hardware FLOPs per training token (memory-model.md §6.3):
/// - full / pre-training: 6·N_flops + 12·L·h_q·s (PaLM App. B: 2N forward + 4N backward, plus
///   attention, counted non-causal as PaLM does); full activation recompute re-runs the
///   forward: 8·N_flops + 16·L·h_q·s;
/// - LoRA / QLoRA: the frozen weights need no weight gradients: 4·N_flops (2 forward + 2 for
///   the activation gradients; adapter GEMMs are r/h of that and left out) + the same
///   attention term; with checkpointing + 2·N_flops + 4·L·h_q·s.
///
/// MoE counts active parameters (`Arch::flop_params`).
pub fn train_flops_per_token(model: &Model, w: &Workload) -> f64 {
    train_flops_per_token_with(model, w, flop_params(model) as f64)
}

fn train_flops_per_token_with(model: &Model, w: &Workload, n: f64) -> f64 {
    let attn = model.arch.layers as f64 * model.arch.q_width() as f64 * w.seq as f64;
    let lora = matches!(w.mode, Mode::Lora | Mode::Qlora);
    let (n_mult, attn_mult) = match (lora, w.grad_ckpt) {
        (false, false) => (6.0, 12.0),
        (false, true) => (8.0, 16.0),
        (true, false) => (4.0, 12.0),
        (true, true) => (6.0, 16.0),
    };
    n_mult * n + attn_mult * attn
}

#[allow(clippy::too_many_arguments)]
fn train_tokens_per_s(
    model: &Model,
    w: &Workload,
    gpu: &Gpu,
    layout: &Layout,
    eff: &Efficiency,
    per_token: f64,
    peak: &ComputePeak,
    link: &Link,
) -> f64 {
    if peak.tflops <= 0.0 {
        return 0.0;
    }
    let gpus = layout.gpus.max(1) as f64;
    let compute_tok_s = gpus * peak.tflops * 1e12 * eff.mfu_train / per_token;
    // Tensor parallel: 4 all-reduces per layer per micro-batch (2 forward, 2 backward; +2 with
    // recompute) of b·s·h activations, not overlapped (Megatron-LM §3). Data-parallel gradient
    // all-reduce and ZeRO gathers are assumed overlapped with backward (§6.4).
    let tp = layout.tensor_parallel.max(1);
    if tp <= 1 {
        return compute_tok_s;
    }
    let arch = &model.arch;
    let tokens = (w.batch.max(1) * w.seq.max(1)) as f64;
    let per_layer = if w.grad_ckpt { 6.0 } else { 4.0 };
    let comm = per_layer * arch.layers as f64 / layout.pipeline_parallel.max(1) as f64
        * allreduce_s(tokens * arch.hidden as f64 * 2.0, tp, link, eff.comm_efficiency);
    // Compute time of that micro-batch on one GPU of the stage.
    let compute = tokens * per_token / (tp * layout.pipeline_parallel.max(1)) as f64 / (peak.tflops * 1e12 * eff.mfu_train);
    let _ = gpu;
    compute_tok_s * compute / (compute + comm)
}

/// Time and GPU-hours of a training run.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainTime {
    /// Total hardware FLOPs C = FLOPs per token × D.
    pub flops: f64,
    pub flops_per_token: f64,
    pub seconds: f64,
    pub gpu_hours: f64,
    pub tokens_per_s: f64,
    pub peak: ComputePeak,
    pub notes: Vec<String>,
}

/// Training time of `tokens` tokens on `gpus` cards: C / (gpus · peak · MFU), C per
/// [`train_flops_per_token`]; the card's bf16 peak (fp16 on cards without bf16).
pub fn train_time(model: &Model, w: &Workload, gpu: &Gpu, gpus: u64, tokens: f64, eff: &Efficiency) -> TrainTime {
    let eff = eff.sanitized();
    let gpus = gpus.max(1);
    let mut notes = Vec::new();
    let peak = compute_peak(gpu, train_precision(w));
    if let Some(n) = &peak.note {
        notes.push(n.clone());
    }
    let per_token = train_flops_per_token(model, w);
    let flops = per_token * tokens.max(0.0);
    let rate = gpus as f64 * peak.tflops * 1e12 * eff.mfu_train;
    let seconds = if rate > 0.0 { flops / rate } else { f64::INFINITY };
    if rate <= 0.0 {
        notes.push(format!("{} publishes no TFLOPS: training time unknown", gpu.name));
    }
    if w.mode == Mode::Qlora {
        notes.push(String::from("QLoRA dequantises each 4-bit weight before its GEMMs; real runs are slower than this bf16 roofline"));
    }
    if w.grad_ckpt {
        notes.push(String::from("activation recompute counted as hardware FLOPs (MFU quoted on the 6·N model FLOPs is lower)"));
    }
    TrainTime { flops, flops_per_token: per_token, seconds, gpu_hours: seconds * gpus as f64 / 3600.0, tokens_per_s: tokens / seconds.max(1e-30), peak, notes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, Catalog};
    use crate::memory::estimate;

    /// `plan --json`'s `efficiency`: the field names and order outside checks read.
    #[test]
    fn efficiency_json_has_its_fields_in_order() {
        let e = Efficiency { mbu_decode: 0.55, mfu_prefill: 0.4, mfu_train: 0.4, comm_efficiency: 0.8 };
        assert_eq!(crate::json::to_string(&e.to_json()), "{\"mbu_decode\":0.55,\"mfu_prefill\":0.4,\"mfu_train\":0.4,\"comm_efficiency\":0.8}");
    }

    fn cat() -> Catalog {
        catalog::load().unwrap()
    }

    fn llama(layers: u64, hidden: u64, heads: u64, kv_heads: u64, intermediate: u64) -> Model {
        crate::evidence::llama(layers, hidden, heads, kv_heads, intermediate).unwrap()
    }

    fn mixtral() -> Model {
        crate::evidence::mixtral().unwrap()
    }

    #[test]
    fn llama2_gpu_hours_from_the_model_card() {
        // Llama 2 model card: 184,320 A100-80GB GPU-hours for 7B and 1,720,320 for 70B, 2 T
        // tokens at 4096 context. C = (6·N_flops + 12·L·h_q·s)·D at MFU 0.4 on the 312 TFLOPS
        // bf16 peak should land within 20 % (the card reports MFU ≈ 0.39–0.43, §6.3).
        let c = cat();
        let a100 = c.gpu("nvidia-a100-sxm-80gb").unwrap();
        for (model, published) in [(llama(32, 4096, 32, 32, 11008), 184_320.0), (llama(80, 8192, 64, 8, 28672), 1_720_320.0)] {
            let w = Workload { mode: Mode::Pretrain, seq: 4096, ..Workload::default() };
            let t = train_time(&model, &w, a100, 2048, 2e12, &Efficiency::TUNED);
            std::println!("Llama-2 {} params: {:.0} GPU-hours vs {published} published", model.params, t.gpu_hours);
            assert!((t.gpu_hours / published - 1.0).abs() < 0.20, "{} vs {published}", t.gpu_hours);
            // Independent of the card count.
            let t8 = train_time(&model, &w, a100, 8, 2e12, &Efficiency::TUNED);
            assert!((t8.gpu_hours / t.gpu_hours - 1.0).abs() < 1e-9);
            assert!(t8.seconds > t.seconds);
        }
    }

    #[test]
    fn training_flops_per_token_regimes() {
        let m = llama(32, 4096, 32, 8, 14336);
        let n = m.arch.flop_params() as f64;
        assert_eq!(flop_params(&m), m.arch.flop_params());
        assert_eq!(flop_params(&mixtral()), mixtral().arch.flop_params());
        let attn = 32.0 * 4096.0 * 2048.0;
        let full = Workload { mode: Mode::Full, seq: 2048, ..Workload::default() };
        assert!((train_flops_per_token(&m, &full) - (6.0 * n + 12.0 * attn)).abs() < 1.0);
        let ckpt = Workload { grad_ckpt: true, ..full.clone() };
        assert!((train_flops_per_token(&m, &ckpt) - (8.0 * n + 16.0 * attn)).abs() < 1.0);
        let lora = Workload { mode: Mode::Lora, ..full.clone() };
        assert!((train_flops_per_token(&m, &lora) - (4.0 * n + 12.0 * attn)).abs() < 1.0);
        // MoE counts active parameters only.
        let mx = mixtral();
        assert!(train_flops_per_token(&mx, &full) < 6.0 * mx.params as f64 / 2.0);
    }

    #[test]
    fn moe_reads_the_expected_distinct_experts() {
        assert!((expected_experts(8, 2, 1.0) - 2.0).abs() < 1e-12);
        assert!((expected_experts(8, 2, 1000.0) - 8.0).abs() < 1e-9);
        assert!(expected_experts(256, 8, 4.0) < 32.0 && expected_experts(256, 8, 4.0) > 28.0);
        // Mixtral decode at batch 1 reads ≈ non-expert + 2/8 of the experts, far less than the
        // whole model; at batch 64 nearly everything.
        let c = cat();
        let h100 = c.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let mx = mixtral();
        let w = Workload { engine: Engine::Vllm, prompt: 128, new_tokens: 2, gpus: 2, ..Workload::default() };
        let e = estimate(&mx, &w).unwrap();
        let s1 = speed(&mx, &w, h100, &e.layout, &Efficiency::TUNED);
        let s64 = speed(&mx, &Workload { batch: 64, ..w.clone() }, h100, &e.layout, &Efficiency::TUNED);
        let whole = mx.weight_bytes(WeightFormat::Bf16) as f64 / 2.0;
        assert!(s1.decode_bytes_per_step < 0.45 * whole, "{} vs {}", s1.decode_bytes_per_step, whole);
        assert!(s64.decode_bytes_per_step > 0.95 * whole);
    }

    #[test]
    fn hf_static_cache_reads_the_whole_cache_expanded_per_query_head() {
        let c = cat();
        let h100 = c.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let m = llama(32, 4096, 32, 8, 14336);
        let w = Workload { engine: Engine::Hf, batch: 16, prompt: 4096, new_tokens: 4096, ..Workload::default() };
        let e = estimate(&m, &w).unwrap();
        let eff = Efficiency::default_for(Engine::Hf);
        let dynamic = speed(&m, &w, h100, &e.layout, &eff);
        let fixed = speed(&m, &Workload { static_cache: true, ..w.clone() }, h100, &e.layout, &eff);
        // KV per token, whole model: 32 layers · 2 · 8 heads · 128 · 2 B = 128 KiB.
        let kv = 131_072.0;
        // Dynamic: the mean context prompt + new/2 = 6144 tokens, read once.
        let weights = dynamic.decode_bytes_per_step - 16.0 * kv * 6144.0;
        // Static: all 8192 slots, read once by repeat_kv, written 4× and read 4× by SDPA (n_q/n_kv = 4).
        let expect = weights + 16.0 * kv * 8192.0 * 9.0;
        assert!((fixed.decode_bytes_per_step / expect - 1.0).abs() < 1e-9, "{} vs {expect}", fixed.decode_bytes_per_step);
        assert!(fixed.time_per_output_token_s > 3.0 * dynamic.time_per_output_token_s);
        // Other engines ignore the flag.
        let v = Workload { engine: Engine::Vllm, ..w.clone() };
        assert_eq!(
            speed(&m, &v, h100, &e.layout, &eff).decode_bytes_per_step,
            speed(&m, &Workload { static_cache: true, ..v.clone() }, h100, &e.layout, &eff).decode_bytes_per_step
        );
    }

    #[test]
    fn decode_turns_compute_bound_with_batch() {
        let c = cat();
        let h100 = c.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let m = llama(32, 4096, 32, 8, 14336);
        let w = Workload { engine: Engine::Vllm, prompt: 128, new_tokens: 128, ..Workload::default() };
        let e = estimate(&m, &w).unwrap();
        let s1 = speed(&m, &w, h100, &e.layout, &Efficiency::TUNED);
        assert_eq!(s1.bound, Bound::Memory);
        // b = 1: TPOT ≈ 14.2 GB (8B shape, 32 k vocab, bf16) / (3.35 TB/s · 0.55) ≈ 7.7 ms.
        let expect = (m.weight_bytes(WeightFormat::Bf16) as f64 - 2.0 * 32000.0 * 4096.0) / (3.35e12 * 0.55);
        assert!((s1.time_per_output_token_s / expect - 1.0).abs() < 0.02, "{} vs {expect}", s1.time_per_output_token_s);
        let s = speed(&m, &Workload { batch: 1024, ..w.clone() }, h100, &e.layout, &Efficiency::TUNED);
        assert_eq!(s.bound, Bound::Compute);
        assert!(s.decode_tokens_per_s_total > 50.0 * s1.decode_tokens_per_s_total);
        assert!(s.decode_tokens_per_s_per_seq < s1.decode_tokens_per_s_per_seq);
    }

    #[test]
    fn tensor_parallel_over_pcie_costs_more_than_nvlink() {
        let c = cat();
        let h100 = c.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let l40s = c.gpu("nvidia-l40s").unwrap();
        assert_eq!(link(h100).kind, "nvlink");
        assert_eq!(link(l40s).kind, "pcie");
        let m = llama(32, 4096, 32, 8, 14336);
        let w = Workload { engine: Engine::Vllm, prompt: 512, new_tokens: 128, gpus: 4, batch: 8, ..Workload::default() };
        let e = estimate(&m, &w).unwrap();
        assert_eq!(e.layout.tensor_parallel, 4);
        let sn = speed(&m, &w, h100, &e.layout, &Efficiency::TUNED);
        let sp = speed(&m, &w, l40s, &e.layout, &Efficiency::TUNED);
        assert!(sn.tp_comm_s_per_token > 2.0 * 32.0 * NVLINK_LATENCY_S * 0.99);
        assert!(sp.tp_comm_s_per_token > 2.0 * sn.tp_comm_s_per_token);
        assert!(sp.notes.iter().any(|n| n.contains("pcie")));
        // One GPU: no all-reduce.
        let one = estimate(&m, &Workload { gpus: 1, ..w.clone() }).unwrap();
        assert_eq!(speed(&m, &w, h100, &one.layout, &Efficiency::TUNED).tp_comm_s_per_token, 0.0);
    }

    #[test]
    fn precision_peaks_follow_the_card() {
        let c = cat();
        let h100 = c.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let a100 = c.gpu("nvidia-a100-sxm-80gb").unwrap();
        let t4 = c.gpu("nvidia-t4").unwrap();
        let fp8_h = compute_peak(h100, "fp8");
        assert_eq!((fp8_h.precision, fp8_h.note.is_none()), ("fp8", true));
        assert_eq!(fp8_h.tflops, h100.tflops.fp8.unwrap());
        // A100 has no FP8 tensor cores: FP8 weights save memory, math at the bf16 peak.
        let fp8_a = compute_peak(a100, "fp8");
        assert_eq!(fp8_a.precision, "bf16");
        assert_eq!(fp8_a.tflops, a100.tflops.bf16.unwrap());
        assert!(fp8_a.note.unwrap().contains("emulated"));
        // GPTQ/AWQ (int4) multiply in 16-bit even where INT4 tensor cores exist.
        assert_eq!(compute_peak(a100, "int4").precision, "bf16");
        // T4: no bf16 hardware, fp16 tensor cores.
        assert_eq!(compute_peak(t4, "bf16").precision, "fp16");
        // Unsupported formats say so.
        let tpu = c.gpu("google-tpu-v5e").unwrap();
        assert!(compute_peak(tpu, "nvfp4").note.unwrap().contains("no nvfp4"));
    }

    #[test]
    fn efficiency_defaults_are_editable_and_bounded() {
        let hf = Efficiency::default_for(Engine::Hf);
        assert_eq!(hf.mbu_decode, 0.35);
        assert_eq!(Efficiency::default_for(Engine::Vllm), Efficiency::TUNED);
        let c = cat();
        let h100 = c.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let m = llama(32, 4096, 32, 8, 14336);
        let w = Workload::default();
        let e = estimate(&m, &w).unwrap();
        let slow = speed(&m, &w, h100, &e.layout, &hf);
        let fast = speed(&m, &w, h100, &e.layout, &Efficiency { mbu_decode: 0.7, ..hf });
        assert!((slow.time_per_output_token_s / fast.time_per_output_token_s - 2.0).abs() < 0.05);
        let silly = Efficiency { mbu_decode: 0.0, mfu_prefill: f64::NAN, mfu_train: -1.0, comm_efficiency: 7.0 }.sanitized();
        assert!(silly.mbu_decode > 0.0 && silly.mfu_prefill > 0.0 && silly.mfu_train > 0.0 && silly.comm_efficiency <= 1.0);
    }
}
