//! The evidence behind the estimates, for the page's "How we know" section and the tests:
//!
//! - [`published_speed`]: the speed model against published figures of tuned engines (NVIDIA
//!   NeMo latencies, MLPerf Inference Offline throughput), each row with its source, as listed in
//!   `data/reference/published-sizes.csv` (a test keeps the figures and sources equal to it);
//! - [`constants`]: every constant the estimator uses, with its value, what it is used for and
//!   its source. Entries backed by a `const` are built from it, so the table cannot drift from
//!   the code; the others are checked against the estimator's behaviour by the tests.
//!
//! The memory side (measured H100 runs against the estimates) is [`crate::accuracy`].

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::catalog::{Catalog, Gpu};
use crate::cost;
use crate::error::InputError;
use crate::formats::{GgmlType, KvFormat, WeightFormat};
use crate::memory::{self, estimate, Engine, Model, Workload};
use crate::model::{Arch, ManualModel};
use crate::plan;
use crate::throughput::{self, speed, Efficiency};

/// One published speed figure beside the estimator's figure for the same setup.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeedCheck {
    /// "NeMo Llama-2-7B H100 SXM5 80GB batch 1 latency".
    pub name: String,
    /// "ms" or "generated tokens/s".
    pub unit: &'static str,
    pub published: f64,
    /// The estimator's figure for the same model, card and shape.
    pub ours: f64,
    /// How the published setup was mapped onto a workload ("batch 640/replica, 222 in / 292
    /// out, compute-bound").
    pub mapping: String,
    /// Where the published figure comes from (the CSV row's `source`, then its `source_locator`).
    pub source: &'static str,
}

impl SpeedCheck {
    /// Signed error in percent: ours ÷ published − 1.
    pub fn error_pct(&self) -> f64 {
        (self.ours / self.published - 1.0) * 100.0
    }
}

/// Mean prompt tokens of the MLPerf Inference datasets. MLCommons publishes the output side
/// only (`mlcommons/inference` language/llama2-70b/README.md "Tokens per sample: 294.45";
/// language/mixtral-8x7b/README.md `{'tokens_per_sample': 144.84}`), so the input means are
/// computed from the per-sample `tok_input_len` of the official dataset files, as extracted
/// by Red Hat's PSAP team: github.com/openshift-psap/performance-dashboard
/// `mlperf-data/summaries/llama2-70b-99.csv` (24 576 OpenOrca samples, Σ input 5 463 976 ⇒
/// mean 222.33, median 152, max 1021) and `mlperf-data/summaries/mixtral-8x7b.csv` (15 000
/// samples of `09292024_mixtral_15k_mintoken2_v1.pkl`, 5 000 each of OpenOrca, GSM8K and
/// MBXP; Σ input 6 410 905 ⇒ mean 427.39, median 283, max 1948). The same CSV's output
/// column averages 144.843, MLCommons' reference figure, which checks the extraction.
/// These are dataset facts, not fitted to the throughput rows.
pub const MLPERF_LLAMA2_MEAN_PROMPT: u64 = 222;
pub const MLPERF_MIXTRAL_MEAN_PROMPT: u64 = 427;
/// Output tokens per sample = published tokens/s ÷ samples/s (published-sizes.csv notes):
/// 21805.8 / 74.699 = 292 (Llama-2-70B, v4.0 8×H100 Offline).
pub const MLPERF_LLAMA2_OUTPUT_TOKENS: u64 = 292;
/// 59022.3 / 404.431 = 146 (Mixtral-8x7B, v4.1 8×H200 Offline).
pub const MLPERF_MIXTRAL_OUTPUT_TOKENS: u64 = 146;

/// A Llama-2-shaped model (32 000-token vocabulary) from its dimensions.
pub(crate) fn llama(layers: u64, hidden: u64, heads: u64, kv_heads: u64, intermediate: u64) -> Result<Model, InputError> {
    let m = ManualModel { layers, hidden, heads, kv_heads, head_dim: 0, intermediate, vocab: 32000, ..ManualModel::default() };
    Ok(Model::new(m.to_arch()?))
}

/// Mixtral-8x7B from its `config.json` fields.
pub(crate) fn mixtral() -> Result<Model, InputError> {
    Ok(Model::new(Arch::from_config_json(
        r#"{"model_type":"mixtral","hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,
            "num_attention_heads":32,"num_key_value_heads":8,"vocab_size":32000,"num_local_experts":8,"num_experts_per_tok":2,
            "tie_word_embeddings":false}"#,
    )?))
}

/// NeMo latency rows: TensorRT-LLM, TP1, 128 input / 20 output tokens, fp16 weights and KV.
/// Latency = prefill (which yields the first token) + 19 decode steps, in seconds.
pub(crate) fn nemo_latency(model: &Model, gpu: &Gpu, batch: u64) -> Result<f64, InputError> {
    let w = Workload {
        engine: Engine::Vllm,
        weights: WeightFormat::Fp16,
        kv_cache: KvFormat::Fp16,
        batch,
        prompt: 128,
        new_tokens: 20,
        gpu_memory_bytes: gpu.memory_bytes,
        ..Workload::default()
    };
    let e = estimate(model, &w)?;
    let s = speed(model, &w, gpu, &e.layout, &Efficiency::TUNED);
    Ok(s.ttft_s + 19.0 * s.time_per_output_token_s)
}

/// An MLPerf Offline setup: the cards, the split, the weight format, prompt and output tokens.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Offline {
    pub gpus: u64,
    pub tp: u64,
    pub weights: WeightFormat,
    pub prompt: u64,
    pub new_tokens: u64,
}

/// MLPerf Offline rows: generated tokens/s of the whole system. Batch = the sequences of
/// prompt + output tokens the vLLM-style KV pool holds (FP8 KV, 0.9 of memory) per replica.
/// Returns (tokens/s, batch per replica, what bounds the step).
pub(crate) fn mlperf_offline(model: &Model, gpu: &Gpu, o: Offline) -> Result<(f64, u64, &'static str), InputError> {
    let w = Workload {
        engine: Engine::Vllm,
        weights: o.weights,
        kv_cache: KvFormat::Fp8,
        batch: 1,
        prompt: o.prompt,
        new_tokens: o.new_tokens,
        gpus: o.gpus,
        tensor_parallel: o.tp,
        gpu_memory_bytes: gpu.memory_bytes,
        ..Workload::default()
    };
    let e = estimate(model, &w)?;
    let batch = e.vllm.map_or(1, |p| p.max_concurrent_sequences).max(1);
    let w = Workload { batch, ..w };
    let s = speed(model, &w, gpu, &e.layout, &Efficiency::TUNED);
    Ok((s.generated_tokens_per_s, batch, s.bound.name()))
}

/// The models of the published rows.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Anchor {
    Llama2_7b,
    Llama2_70b,
    Mixtral,
}

#[derive(Clone, Copy, Debug)]
enum Bench {
    /// NeMo latency at a batch (published in ms).
    NemoLatency { batch: u64 },
    /// MLPerf Offline throughput (published in generated tokens/s).
    Offline { gpus: u64, tp: u64, weights: WeightFormat, llama_dataset: bool },
}

/// One published figure and the CSV row it comes from.
struct Published {
    label: &'static str,
    gpu: &'static str,
    model: Anchor,
    bench: Bench,
    value: f64,
    /// (model, format, metric) of the row in `data/reference/published-sizes.csv`, which the
    /// tests compare `value` and `source` with.
    #[cfg_attr(not(test), allow(dead_code))]
    csv: (&'static str, &'static str, &'static str),
    source: &'static str,
}

const NEMO_SOURCE: &str = "NVIDIA NeMo Framework docs, performance/llama.html \"Llama-2 Results - Inference Performance\" (Configuration 1: chatbot, 128 input / 20 output tokens), table \"Average Latency, Average Throughput, and Model Size\"";

/// The published rows the speed model is checked against.
///
/// Notes on the MLPerf mapping: output tokens per sample and prompt lengths as the
/// `MLPERF_*` constants; Hopper runs FP8 weights and KV (NVIDIA's closed-division precision per
/// the CSV notes), B200 FP4 (NVFP4); TP as in the label, one replica per TP group.
/// - H200 Llama-2-70B (−22 %): one 70B FP8 replica per card, its 141 GB holding ≈ 640
///   sequences, but the run is compute-bound at that batch and the H200's FP8 peak is the
///   H100's (1979 TFLOPS), so the larger memory and TP1×DP8 cannot raise the roofline; the
///   published per-GPU rate is 1.44× the v4.0 H100 row's, i.e. gains of the v4.1 software
///   (TensorRT-LLM) that a fixed MFU does not see. Not tuned away.
/// - Mixtral-8x7B, MoE: memory holds all 8 experts (FP8 ≈ 47 GB per H200, one replica per
///   card); at these batches every expert is read each step (U(b) → E), while FLOPs count the
///   2 active experts per token, so the run is compute-bound and prefill of the prompt costs as
///   much per token as decode.
const PUBLISHED: [Published; 9] = {
    const fn nemo(gpu: &'static str, card: &'static str, batch: u64, value: f64, label: &'static str, metric: &'static str) -> Published {
        Published {
            label,
            gpu,
            model: Anchor::Llama2_7b,
            bench: Bench::NemoLatency { batch },
            value,
            csv: ("Llama-2-7B", card, metric),
            source: NEMO_SOURCE,
        }
    }
    const H100_NEMO: &str = "TensorRT-LLM (NeMo), TP1, 1x H100 80GB HBM3";
    const A100_NEMO: &str = "TensorRT-LLM (NeMo), TP1, 1x A100 80GB SXM4";
    const B1: &str = "average latency, batch 1, 128 in / 20 out";
    const B8: &str = "average latency, batch 8, 128 in / 20 out";
    const fn offline(
        label: &'static str,
        gpu: &'static str,
        model: Anchor,
        (gpus, tp, weights): (u64, u64, WeightFormat),
        value: f64,
        csv: (&'static str, &'static str, &'static str),
        source: &'static str,
    ) -> Published {
        let llama_dataset = !matches!(model, Anchor::Mixtral);
        Published { label, gpu, model, bench: Bench::Offline { gpus, tp, weights, llama_dataset }, value, csv, source }
    }
    [
        nemo("nvidia-h100-sxm5-80gb", H100_NEMO, 1, 153.8, "NeMo Llama-2-7B H100 batch 1 latency", B1),
        nemo("nvidia-a100-sxm-80gb", A100_NEMO, 1, 234.0, "NeMo Llama-2-7B A100 batch 1 latency", B1),
        nemo("nvidia-h100-sxm5-80gb", H100_NEMO, 8, 199.2, "NeMo Llama-2-7B H100 batch 8 latency", B8),
        nemo("nvidia-a100-sxm-80gb", A100_NEMO, 8, 329.5, "NeMo Llama-2-7B A100 batch 8 latency", B8),
        offline(
            "MLPerf v4.0 Llama-2-70B 8×H100 FP8 TP2×DP4",
            "nvidia-h100-sxm5-80gb",
            Anchor::Llama2_70b,
            (8, 2, WeightFormat::Fp8),
            21805.8,
            ("Llama-2-70B (llama2-70b-99.9)", "TensorRT-LLM FP8, 8x H100-SXM-80GB", "MLPerf Inference v4.0 Offline throughput"),
            "mlcommons/inference_results_v4.0, closed/NVIDIA/results/DGX-H100_H100-SXM-80GBx8_TRT/llama2-70b-99.9/Offline/performance/run_1/mlperf_log_summary.txt",
        ),
        offline(
            "MLPerf v4.0 Llama-2-70B 2×H100 FP8 TP2",
            "nvidia-h100-sxm5-80gb",
            Anchor::Llama2_70b,
            (2, 2, WeightFormat::Fp8),
            5539.47,
            ("Llama-2-70B (llama2-70b-99.9)", "TensorRT-LLM FP8, 2x H100-SXM-80GB", "MLPerf Inference v4.0 Offline throughput"),
            "mlcommons/inference_results_v4.0, closed/NVIDIA/results/DGX-H100_H100-SXM-80GBx2_TRT/llama2-70b-99.9/Offline/performance/run_1/mlperf_log_summary.txt",
        ),
        offline(
            "MLPerf v4.1 Llama-2-70B 8×H200 FP8 TP1×DP8",
            "nvidia-h200-sxm",
            Anchor::Llama2_70b,
            (8, 1, WeightFormat::Fp8),
            31302.7,
            ("Llama-2-70B (llama2-70b-99)", "TensorRT-LLM, 8x H200-SXM-141GB", "MLPerf Inference v4.1 Offline throughput"),
            "mlcommons/inference_results_v4.1, closed/NVIDIA/results/H200-SXM-141GBx8_TRT/llama2-70b-99/Offline/performance/run_1/mlperf_log_summary.txt",
        ),
        offline(
            "MLPerf v4.1 Llama-2-70B 1×B200 NVFP4",
            "nvidia-b200",
            Anchor::Llama2_70b,
            (1, 1, WeightFormat::Nvfp4),
            11264.4,
            ("Llama-2-70B (llama2-70b-99)", "TensorRT-LLM FP4, 1x B200-SXM-180GB", "MLPerf Inference v4.1 Offline throughput"),
            "mlcommons/inference_results_v4.1, closed/NVIDIA/results/B200-SXM-180GBx1_TRT/llama2-70b-99/Offline/performance/run_1/mlperf_log_summary.txt",
        ),
        offline(
            "MLPerf v4.1 Mixtral-8x7B 8×H200 FP8 TP1×DP8",
            "nvidia-h200-sxm",
            Anchor::Mixtral,
            (8, 1, WeightFormat::Fp8),
            59022.3,
            ("Mixtral-8x7B", "TensorRT-LLM, 8x H200-SXM-141GB", "MLPerf Inference v4.1 Offline throughput"),
            "mlcommons/inference_results_v4.1, closed/NVIDIA/results/H200-SXM-141GBx8_TRT/mixtral-8x7b/Offline/performance/run_1/mlperf_log_summary.txt",
        ),
    ]
};

/// The speed model against every published figure of [`PUBLISHED`]: NVIDIA NeMo latencies of
/// Llama-2-7B (TensorRT-LLM) and MLPerf Inference Offline throughput of Llama-2-70B and
/// Mixtral-8x7B, each mapped onto a workload as its `mapping` says. A row whose card is not in
/// `catalog` (or whose workload the estimator refuses) is left out.
pub fn published_speed(catalog: &Catalog) -> Vec<SpeedCheck> {
    let (l7, l70, mx) = (llama(32, 4096, 32, 32, 11008), llama(80, 8192, 64, 8, 28672), mixtral());
    PUBLISHED
        .iter()
        .filter_map(|p| {
            let gpu = catalog.gpu(p.gpu)?;
            let model = match p.model {
                Anchor::Llama2_7b => l7.as_ref(),
                Anchor::Llama2_70b => l70.as_ref(),
                Anchor::Mixtral => mx.as_ref(),
            }
            .ok()?;
            let (unit, ours, mapping) = match p.bench {
                Bench::NemoLatency { batch } => ("ms", nemo_latency(model, gpu, batch).ok()? * 1e3, String::from("128 in / 20 out, fp16")),
                Bench::Offline { gpus, tp, weights, llama_dataset } => {
                    let (prompt, new_tokens) = if llama_dataset {
                        (MLPERF_LLAMA2_MEAN_PROMPT, MLPERF_LLAMA2_OUTPUT_TOKENS)
                    } else {
                        (MLPERF_MIXTRAL_MEAN_PROMPT, MLPERF_MIXTRAL_OUTPUT_TOKENS)
                    };
                    let (tps, batch, bound) = mlperf_offline(model, gpu, Offline { gpus, tp, weights, prompt, new_tokens }).ok()?;
                    ("generated tokens/s", tps, format!("batch {batch}/replica, {prompt} in / {new_tokens} out, {bound}-bound"))
                }
            };
            Some(SpeedCheck { name: String::from(p.label), unit, published: p.value, ours, mapping, source: p.source })
        })
        .collect()
}

/// One constant of the estimator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constant {
    /// Where it lives in the code: `memory::TORCH_NON_POOL_BYTES`, or the function and the
    /// variable for a value written inline (`memory::inference · vLLM block_size`).
    pub name: &'static str,
    pub value: f64,
    /// "bytes", "tokens", "fraction", "s", "bits/weight", "weights", …
    pub unit: &'static str,
    pub used_for: &'static str,
    pub source: &'static str,
}

macro_rules! konst {
    ($name:literal, $value:expr, $unit:literal, $used_for:literal, $source:literal $(,)?) => {
        Constant { name: $name, value: $value as f64, unit: $unit, used_for: $used_for, source: $source }
    };
}

/// Bits per weight of a llama.cpp block type, from its block struct.
const fn ggml_bits(t: GgmlType) -> f64 {
    let (elems, bytes) = t.block();
    (bytes * 8) as f64 / elems as f64
}

static CONSTANTS: [Constant; 93] = [
    // Runtime memory measured on the calibration H100.
    konst!("memory::H100_VISIBLE_BYTES", memory::H100_VISIBLE_BYTES, "bytes",
        "the default GPU memory of a workload; the capacity the calibration runs are judged against",
        "data/calibration/README.md: one H100 80GB HBM3, 81559 MiB visible to CUDA"),
    konst!("memory::TORCH_NON_POOL_BYTES", memory::TORCH_NON_POOL_BYTES, "bytes",
        "runtime (hf, vLLM): CUDA context, PyTorch init and cuBLAS handles, outside PyTorch's pool",
        "measured on the calibration H100, torch 2.11 + CUDA 13: 1103 MiB used − 418 MiB reserved after the first bf16 GEMM (data/calibration/README.md)"),
    konst!("memory::CUBLAS_WORKSPACE_BYTES", memory::CUBLAS_WORKSPACE_BYTES, "bytes",
        "runtime (hf, vLLM): cuBLASLt workspace allocated through the caching allocator",
        "pytorch/pytorch PR #120925 (CUBLASLT_WORKSPACE_SIZE: 32 MiB on Hopper); data/reference/memory-model.md §4.2"),
    konst!("memory::BNB_MODULE_BYTES", memory::BNB_MODULE_BYTES, "bytes",
        "runtime of bitsandbytes int8/nf4 runs: its CUDA kernels loaded into the context",
        "calibration (data/calibration/h100-cases.jsonl): bitsandbytes runs show ≈ 50 MiB more outside the pool than plain bf16 runs of the same process"),
    konst!("memory::NCCL_BYTES", memory::NCCL_BYTES, "bytes",
        "runtime when a workload spans more than one GPU: NCCL communicator buffers per process",
        "data/reference/memory-model.md §4.2: \"100s of MiB per communicator\" (vLLM counts it in non_torch_increase)"),
    konst!("sglang::NVLINK_DIST_INIT_BYTES", crate::sglang::NVLINK_DIST_INIT_BYTES, "bytes",
        "SGLang's context with TP > 1 on NVLink: what its distributed init holds per rank (NCCL groups, pynccl, custom all-reduce)",
        "SGLang's own 'Init torch distributed ends. mem usage' lines on single NVLink nodes: 8× H100 TP8 1.25 GB (Grok-2 on-prem blog, 2025-09-14), 8× H200 TP8 2.01 GB (sgl-project/sglang PR #11716), 8× B200 TP8 2.50 GB (PR #5390); median 2.01 GiB, spread 1.25–2.50"),
    konst!("memory::LLAMA_CPP_CONTEXT_BYTES", memory::LLAMA_CPP_CONTEXT_BYTES, "bytes",
        "runtime of llama.cpp: driver context + cuBLAS, no PyTorch",
        "memory.rs doc comment only (driver context + cuBLAS without PyTorch); no measurement is cited — below the 621 MiB PyTorch context of data/calibration/README.md"),
    konst!("memory::VLLM_CUDA_GRAPH_BYTES", memory::VLLM_CUDA_GRAPH_BYTES, "bytes",
        "runtime of vLLM: CUDA-graph capture memory",
        "data/reference/memory-model.md §4.2: ~0.2–1 GiB depending on capture sizes (vLLM profile_cudagraph_memory)"),
    // vLLM and llama.cpp engine settings written inline.
    konst!("vllm::BLOCK_SIZE", crate::vllm::BLOCK_SIZE, "tokens",
        "vLLM paged KV: the pool is a whole number of blocks of this many tokens",
        "vLLM CacheConfig.block_size default 16 on CUDA (vllm/config/cache.py; data/reference/memory-model.md §3.5)"),
    konst!("memory::VLLM_MAX_BATCHED_TOKENS", memory::VLLM_MAX_BATCHED_TOKENS, "tokens",
        "vLLM's activation profile run, reserved before the KV pool",
        "vLLM max_num_batched_tokens (data/reference/memory-model.md §4.1: 2048–16384 with chunked prefill, by version, entry point and GPU)"),
    konst!("memory::VLLM_MAX_NUM_SEQS", memory::VLLM_MAX_NUM_SEQS, "sequences",
        "vLLM's sampler warm-up buffer (max_num_seqs × vocab × 4 B), reserved before the KV pool",
        "vLLM default max_num_seqs 256 (data/reference/memory-model.md §4.1)"),
    konst!("memory::VLLM_NON_TORCH_BYTES", memory::VLLM_NON_TORCH_BYTES, "bytes",
        "vLLM's accounting: memory allocated outside torch during the profile run, subtracted before the KV pool",
        "vLLM's own logs \"non_torch_memory takes\": 0.16 GiB (PR #12126), 0.20 GiB (PR #14447), 0.25 GiB (issue #13061), 0.35 GiB (issue #10517); the median 0.20 GiB"),
    konst!("memory::VLLM_SAMPLER_BYTES_PER_LOGIT", memory::VLLM_SAMPLER_BYTES_PER_LOGIT, "bytes",
        "vLLM's profile run: the sampler's logits for min(max_num_seqs, max_num_batched_tokens) requests",
        "vllm/v1/sample/sampler.py: model-dtype logits (2 B), their fp32 copy (4 B), fp32 probabilities (4 B)"),
    konst!("vllm::GROUP_SIZE_RATIO_TENTHS", crate::vllm::GROUP_SIZE_RATIO_TENTHS, "tenths",
        "vLLM's hybrid KV cache manager: layers per group = the most of any kind when under 1.5 × the fewest, else the fewest",
        "vllm/v1/core/kv_cache_utils.py _get_kv_cache_groups_uniform_page_size @ 001cabc1: `if max_num_layers < min_num_layers * 1.5`"),
    konst!("vllm::LARGE_CARD_BYTES", crate::vllm::LARGE_CARD_BYTES, "bytes",
        "vLLM's scheduler defaults: cards of at least this memory (not A100) get the large ones",
        "vllm/engine/arg_utils.py EngineArgs.get_batch_defaults: device_memory >= 70 * GiB_bytes and \"a100\" not in device_name"),
    konst!("vllm::SERVE_BATCHED_TOKENS_LARGE", crate::vllm::SERVE_BATCHED_TOKENS_LARGE, "tokens",
        "vLLM profile run on large cards (vllm serve)", "vllm/engine/arg_utils.py get_batch_defaults, OPENAI_API_SERVER: 8192"),
    konst!("vllm::SERVE_MAX_NUM_SEQS_LARGE", crate::vllm::SERVE_MAX_NUM_SEQS_LARGE, "sequences",
        "vLLM sampler rows of the profile run on large cards", "vllm/engine/arg_utils.py get_batch_defaults, OPENAI_API_SERVER: 1024"),
    konst!("vllm::SERVE_BATCHED_TOKENS_SMALL", crate::vllm::SERVE_BATCHED_TOKENS_SMALL, "tokens",
        "vLLM profile run on other cards (vllm serve)", "vllm/engine/arg_utils.py get_batch_defaults, OPENAI_API_SERVER: 2048"),
    konst!("vllm::SERVE_MAX_NUM_SEQS_SMALL", crate::vllm::SERVE_MAX_NUM_SEQS_SMALL, "sequences",
        "vLLM sampler rows of the profile run on other cards", "vllm/engine/arg_utils.py get_batch_defaults, OPENAI_API_SERVER: 256"),
    konst!("sglang::DEFAULT_MEM_FRACTION_PERMILLE", crate::sglang::DEFAULT_MEM_FRACTION_PERMILLE, "per-mille",
        "SGLang's default mem_fraction_static (0.88 at tp 1, 0.87 at 2, 0.85 at 4, 0.81 at 8, 0.79 at 16)",
        "sgl-project/sglang python/sglang/srt/server_args.py ServerArgs.__post_init__ (v0.4.x)"),
    konst!("sglang::RESERVED_BASE_MIB", crate::sglang::RESERVED_BASE_MIB, "MiB",
        "SGLang's default mem_fraction_static: constant metadata reserve (with GPU_MEM_BANDS_MIB: chunked_prefill_size and cuda_graph_max_bs by card memory)",
        "sgl-project/sglang python/sglang/srt/server_args.py ServerArgs._handle_gpu_memory_settings (v0.5.x): reserved_mem = 512"),
    konst!("sglang::RESERVED_MIN_PREFILL_TOKENS", crate::sglang::RESERVED_MIN_PREFILL_TOKENS, "tokens",
        "SGLang's default mem_fraction_static: activation reserve max(chunked_prefill_size, 2048) x 1.5 MiB",
        "sgl-project/sglang python/sglang/srt/server_args.py ServerArgs._handle_gpu_memory_settings (v0.5.x)"),
    konst!("sglang::RESERVED_LARGE_CARD_FLOOR_MIB", crate::sglang::RESERVED_LARGE_CARD_FLOOR_MIB, "MiB",
        "SGLang's default mem_fraction_static: at least 10 GiB reserved on cards above 60 GiB",
        "sgl-project/sglang python/sglang/srt/server_args.py ServerArgs._handle_gpu_memory_settings (v0.5.x): max(reserved_mem, 10 * 1024)"),
    konst!("sglang::ALLOC_MIN_LARGE", crate::sglang::ALLOC_MIN_LARGE, "bytes",
        "SGLang pool: weight tensors from this size get their own caching-allocator segment",
        "pytorch c10/cuda/CUDACachingAllocator.cpp kMinLargeAlloc = 10 MiB (get_allocation_size)"),
    konst!("sglang::ALLOC_ROUND_LARGE", crate::sglang::ALLOC_ROUND_LARGE, "bytes",
        "SGLang pool: such a segment is rounded up to this multiple",
        "pytorch c10/cuda/CUDACachingAllocator.cpp kRoundLarge = 2 MiB (get_allocation_size)"),
    konst!("sglang::SWA_FULL_TOKENS_RATIO_PERMILLE", crate::sglang::SWA_FULL_TOKENS_RATIO_PERMILLE, "per-mille",
        "SGLang hybrid sliding-window pool: swa tokens over full tokens (default of --swa-full-tokens-ratio, 0.8)",
        "sgl-project/sglang python/sglang/srt/server_args.py swa_full_tokens_ratio; model_runner_kv_cache_mixin.py set_num_tokens_hybrid_swa @ 001ccef0"),
    konst!("sglang::MAMBA_FULL_MEMORY_RATIO_PERMILLE", crate::sglang::MAMBA_FULL_MEMORY_RATIO_PERMILLE, "per-mille",
        "SGLang linear-attention models: state memory over full KV memory when --max-mamba-cache-size is not given (0.9)",
        "sgl-project/sglang python/sglang/srt/server_args.py mamba_full_memory_ratio; model_runner_kv_cache_mixin.py handle_max_mamba_cache @ 001ccef0"),
    konst!("speculative::DRAFT_ALPHA_PERMILLE", crate::speculative::DRAFT_ALPHA_PERMILLE, "per-mille",
        "speculative decoding with a draft model: default per-token acceptance rate (editable: --spec-accept)",
        "Leviathan et al., Fast Inference from Transformers via Speculative Decoding (ICML 2023) Table 3: alpha 0.5-0.9 for small same-family drafts"),
    konst!("speculative::DRAFT_STEPS", crate::speculative::DRAFT_STEPS, "tokens",
        "speculative decoding with a draft model: draft tokens per step (editable: --spec-steps)",
        "vLLM docs features/spec_decode, draft-model example: num_speculative_tokens 4"),
    konst!("speculative::EAGLE_TAU_PERMILLE", crate::speculative::EAGLE_TAU_PERMILLE, "per-mille",
        "speculative decoding with an EAGLE head: default acceptance length (editable: --spec-accept)",
        "Li et al., EAGLE-3 (arXiv 2503.01840 v3) Table 1: tau 6.48, LLaMA-Instruct 3.1 8B, GSM8K, T = 0"),
    konst!("speculative::EAGLE_STEPS", crate::speculative::EAGLE_STEPS, "tokens",
        "speculative decoding with an EAGLE head: draft depth (editable: --spec-steps)",
        "the shortest chain that can keep tau 6.5 (tau <= k + 1)"),
    konst!("speculative::MTP_ALPHA_PERMILLE", crate::speculative::MTP_ALPHA_PERMILLE, "per-mille",
        "speculative decoding with MTP modules: default acceptance rate of each extra token (editable: --spec-accept)",
        "DeepSeek-V3 Technical Report (arXiv 2412.19437) 5.4.3: second-token acceptance 85-90 %"),
    konst!("serving::HOURS_PER_MONTH", crate::serving::HOURS_PER_MONTH, "hours",
        "latency-target sizing: monthly cost from an hourly price", "8766 h per year (365.25 d) / 12"),
    konst!("serving::MAX_SEARCH_BATCH", crate::serving::MAX_SEARCH_BATCH, "sequences",
        "latency-target sizing: the largest batch per replica searched", "vLLM's max_num_seqs default on large cards (vllm/engine/arg_utils.py get_batch_defaults)"),
    konst!("llamacpp::DEFAULT_UBATCH", crate::llamacpp::DEFAULT_UBATCH, "tokens",
        "llama.cpp compute buffer: the worst-case graph runs min(n_ctx, n_ubatch) tokens",
        "llama.cpp 0c1e570 common/common.h n_ubatch = 512; src/llama-context.cpp sched_reserve"),
    konst!("llamacpp::DEFAULT_BATCH", crate::llamacpp::DEFAULT_BATCH, "tokens",
        "llama.cpp n_batch (caps n_ubatch and the outputs of the reserved graph)",
        "llama.cpp 0c1e570 common/common.h n_batch = 2048"),
    konst!("llamacpp::CTX_PAD", crate::llamacpp::CTX_PAD, "tokens",
        "llama.cpp KV cache: n_ctx, n_ctx_seq and the SWA cache rounded up to this multiple",
        "llama.cpp 0c1e570 src/llama-context.cpp GGML_PAD(cparams.n_ctx, 256); src/llama-kv-cache-iswa.cpp (SWA cache padded to 256)"),
    konst!("llamacpp::F32", crate::llamacpp::F32, "bytes",
        "llama.cpp compute and output buffers: graph intermediates and logits are f32",
        "ggml: ggml_mul_mat and the norms produce GGML_TYPE_F32; src/llama-context.cpp output_reserve sizes logits with sizeof(float)"),
    konst!("llamacpp::OP_OFFLOAD_MIN_BATCH", crate::llamacpp::OP_OFFLOAD_MIN_BATCH, "tokens",
        "llama.cpp partial offload: from this ubatch size the first GPU runs host weights' matmuls, copying the weight into its compute buffer",
        "ggml/src/ggml-cuda/ggml-cuda.cu ggml_backend_cuda_device_offload_op: get_op_batch_size(op) >= min_batch_size (32)"),
    konst!("llamacpp::F16_MASK_AND_OUTPUTS_MAX_BUILD", crate::llamacpp::F16_MASK_AND_OUTPUTS_MAX_BUILD, "build number",
        "llama.cpp: from this build the FA mask is f16 (no f32 host mask, no f32 device copy) and llama-server reserves the logits of one output per slot",
        "ggml-org/llama.cpp PR #23764 (031ddb2e0, 2026-05-29) and PR #23861 (de6f727aa, 2026-06-01), both between tags b9341 and b9518, both in b9464"),
    konst!("llamacpp::HOST_DECODE_MBU", crate::llamacpp::HOST_DECODE_MBU, "fraction",
        "llama.cpp decode: share of system RAM's nominal bandwidth the host part (layers or experts in RAM) achieves",
        "median of the published runs with a host part, data/llamacpp/offload-speed.csv (checked by tests/llamacpp_speed.rs)"),
    konst!("llamacpp::SCHED_MAX_COPIES", crate::llamacpp::SCHED_MAX_COPIES, "copies",
        "llama.cpp pipeline parallelism (layers over several GPUs, none on the host): copies of every split input in the compute buffers",
        "ggml/CMakeLists.txt GGML_SCHED_MAX_COPIES 4; src/llama-context.cpp pipeline_parallel; ggml-backend.cpp n_copies"),
    konst!("llamacpp::INPUT_IDS_BYTES", crate::llamacpp::INPUT_IDS_BYTES, "bytes per token",
        "llama.cpp host compute buffer: the graph's index inputs (token id, position, output id, K and V cache rows)",
        "llama.cpp 001d906 src/llama-graph.cpp build_inp_embd/build_inp_pos/build_inp_out_ids (I32), src/llama-kv-cache.cpp build_input_k_idxs/v_idxs (I64)"),
    konst!("llamacpp::OLLAMA_MIN_MEMORY_BYTES", crate::llamacpp::OLLAMA_MIN_MEMORY_BYTES, "bytes",
        "Ollama runtime preset: memory set aside on each GPU before layers are placed",
        "ollama/ollama fb30760 (2026-08-21) ml/device.go DeviceInfo.MinimumMemory: 457 MiB (Metal 512 MiB)"),
    konst!("llamacpp::DEFAULT_HOST_BW_GBS", crate::llamacpp::DEFAULT_HOST_BW_GBS, "GB/s",
        "llama.cpp offload speed: system RAM bandwidth when --host-bw-gbs is not given",
        "dual-channel DDR5-5600: 2 × 64-bit channels × 5600 MT/s = 89.6 GB/s (JEDEC JESD79-5 data rates)"),
    konst!("memory::BNB_OPTIM_BLOCK", memory::BNB_OPTIM_BLOCK, "parameters",
        "bitsandbytes 8-bit AdamW states: one fp32 absmax per block of m and of v",
        "bitsandbytes/optim/optimizer.py Optimizer2State.init_state, blocksize = 256 (bitsandbytes 95f9af3)"),
    konst!("memory::BNB_MIN_8BIT_SIZE", memory::BNB_MIN_8BIT_SIZE, "parameters",
        "bitsandbytes 8-bit optimizers keep fp32 states for tensors smaller than this",
        "bitsandbytes/optim/optimizer.py min_8bit_size = 4096 (bitsandbytes 95f9af3)"),
    konst!("memory::TORCH_TRAIN_KERNELS_BYTES", memory::TORCH_TRAIN_KERNELS_BYTES, "bytes",
        "runtime of training: kernels a backward pass and optimizer step load outside PyTorch's pool",
        "measured on the calibration H100 (data/calibration/README.md stack): 767–773 MiB outside the pool in every training run vs 685 MiB for inference; CUDA lazy module loading (CUDA 12.2+)"),
    // Weight formats.
    konst!("formats · nf4 block", 64, "weights",
        "bitsandbytes NF4 weights: one absmax per block",
        "bitsandbytes functional.py quantize_4bit, blocksize 64 (data/reference/memory-model.md §2)"),
    konst!("formats · nf4 double-quant block", 256, "absmax values",
        "bitsandbytes double quantization: one fp32 scale per block of 8-bit absmax values",
        "bitsandbytes functional.py quantize_4bit with compress_statistics: absmax quantized with blocksize 256"),
    konst!("formats · fp8 scale block", 128, "rows and columns",
        "FP8 checkpoints: one fp32 scale per 128×128 block of a linear weight",
        "DeepSeek-V3 README_WEIGHTS.md (weight_block_size [128, 128])"),
    konst!("formats · mxfp4 scale block", 32, "weights",
        "MXFP4 weights: one E8M0 scale per block (17 bytes per 32 weights)",
        "OCP Microscaling Formats (MX) v1.0 specification; gpt-oss checkpoints (experts only)"),
    konst!("formats · nvfp4 scale block", 16, "weights",
        "NVFP4 weights: one FP8 scale per block (9 bytes per 16 weights) + one fp32 per tensor",
        "NVIDIA TensorRT Model Optimizer NVFP4 format (block 16, E4M3 scale, fp32 global scale)"),
    konst!("formats::GgmlType::Q8_0.block()", ggml_bits(GgmlType::Q8_0), "bits/weight",
        "GGUF q8_0 tensors", "llama.cpp ggml/src/ggml-common.h block_q8_0: 32 weights in 34 bytes"),
    konst!("formats::GgmlType::Q6K.block()", ggml_bits(GgmlType::Q6K), "bits/weight",
        "GGUF q6_k tensors (and the q4_k_m/q5_k_m mixtures)", "llama.cpp ggml/src/ggml-common.h block_q6_K: 256 weights in 210 bytes"),
    konst!("formats::GgmlType::Q5K.block()", ggml_bits(GgmlType::Q5K), "bits/weight",
        "GGUF q5_k tensors", "llama.cpp ggml/src/ggml-common.h block_q5_K: 256 weights in 176 bytes"),
    konst!("formats::GgmlType::Q5_0.block()", ggml_bits(GgmlType::Q5_0), "bits/weight",
        "GGUF q5_0 tensors (fallback of q4_k rows that are not a multiple of 256)", "llama.cpp ggml/src/ggml-common.h block_q5_0: 32 weights in 22 bytes"),
    konst!("formats::GgmlType::Q5_1.block()", ggml_bits(GgmlType::Q5_1), "bits/weight",
        "GGUF q5_1 tensors (fallback of q5_k rows)", "llama.cpp ggml/src/ggml-common.h block_q5_1: 32 weights in 24 bytes"),
    konst!("formats::GgmlType::Q4K.block()", ggml_bits(GgmlType::Q4K), "bits/weight",
        "GGUF q4_k tensors", "llama.cpp ggml/src/ggml-common.h block_q4_K: 256 weights in 144 bytes"),
    konst!("formats::GgmlType::Q4_0.block()", ggml_bits(GgmlType::Q4_0), "bits/weight",
        "GGUF q4_0 tensors", "llama.cpp ggml/src/ggml-common.h block_q4_0: 32 weights in 18 bytes"),
    konst!("formats::GgmlType::Iq4Nl.block()", ggml_bits(GgmlType::Iq4Nl), "bits/weight",
        "GGUF iq4_nl tensors (fallback of k-quant rows)", "llama.cpp ggml/src/ggml-common.h block_iq4_nl: 32 weights in 18 bytes"),
    konst!("formats::GgmlType::Iq4Xs.block()", ggml_bits(GgmlType::Iq4Xs), "bits/weight",
        "GGUF iq4_xs tensors", "llama.cpp ggml/src/ggml-common.h block_iq4_xs: 256 weights in 136 bytes"),
    konst!("formats::GgmlType::Q3K.block()", ggml_bits(GgmlType::Q3K), "bits/weight",
        "GGUF q3_k tensors", "llama.cpp ggml/src/ggml-common.h block_q3_K: 256 weights in 110 bytes"),
    konst!("formats::GgmlType::Q2K.block()", ggml_bits(GgmlType::Q2K), "bits/weight",
        "GGUF q2_k tensors", "llama.cpp ggml/src/ggml-common.h block_q2_K: 256 weights in 84 bytes"),
    konst!("formats::GgmlType::Mxfp4.block()", ggml_bits(GgmlType::Mxfp4), "bits/weight",
        "GGUF mxfp4 tensors", "llama.cpp ggml/src/ggml-common.h block_mxfp4: 32 weights in 17 bytes"),
    // Speed.
    konst!("throughput::Efficiency::TUNED.mbu_decode", Efficiency::TUNED.mbu_decode, "fraction",
        "decode speed of vLLM / TensorRT-LLM: achieved share of the memory bandwidth",
        "NVIDIA NeMo Framework docs, Llama-2 inference performance: Llama-2-7B 153.8 ms (H100) / 234.0 ms (A100), 128 in / 20 out ⇒ MBU 0.54 / 0.57 (data/reference/memory-model.md §6.1)"),
    konst!("throughput::Efficiency::TUNED.mfu_prefill", Efficiency::TUNED.mfu_prefill, "fraction",
        "prefill and large-batch decode of vLLM / TensorRT-LLM: achieved share of the dense peak",
        "Llama 3 paper Table 4 (38–43 % BF16 MFU); Llama 2 model-card GPU-hours ⇒ 39–43 % (data/reference/memory-model.md §6.3); cuBLAS ceiling 0.77 bf16 on the calibration H100"),
    konst!("throughput::Efficiency::TUNED.mfu_train", Efficiency::TUNED.mfu_train, "fraction",
        "training time: achieved share of the dense BF16 peak",
        "Llama 3 paper Table 4: 405B trained at 38–43 % BF16 MFU on 8–16 k H100; Llama 2 model card GPU-hours ⇒ 39 % (7B) / 43 % (70B) (data/reference/memory-model.md §6.3)"),
    konst!("throughput::Efficiency::TUNED.comm_efficiency", Efficiency::TUNED.comm_efficiency, "fraction",
        "tensor-parallel all-reduce time: achieved NCCL bus bandwidth / link bandwidth",
        "NVIDIA/nccl-tests PERFORMANCE.md: 350–480 GB/s bus bandwidth on 8×H100 NVLink against 450 GB/s per direction (data/reference/memory-model.md §6.4); 0.8 is the low end"),
    konst!("throughput::Efficiency::default_for(Hf).mbu_decode", 0.35, "fraction",
        "decode speed of HF transformers generate()",
        "measured on the project's H100: HF eager generate() at batch 16 took 14.6 ms per step ⇒ 1.17 of 3.35 TB/s (data/reference/memory-model.md §6.1)"),
    konst!("throughput::Efficiency::default_for(Hf).mfu_prefill", 0.35, "fraction",
        "prefill speed of HF transformers",
        "assumption (throughput.rs): the same cuBLAS GEMMs (0.77 ceiling) with unfused norms, rotary, softmax and Python dispatch, taken at the fraction of its decode"),
    konst!("throughput::Efficiency::default_for(LlamaCpp).mbu_decode", 0.71, "fraction",
        "decode speed of llama.cpp on GPUs",
        "median MBU of 7 published llama.cpp runs with every layer on a named GPU (data/llamacpp/offload-speed.csv, role gpu: 0.45–0.86; tests/llamacpp_speed.rs recomputes it)"),
    konst!("throughput::Efficiency::default_for(LlamaCpp).mfu_prefill", 0.30, "fraction",
        "prefill speed of llama.cpp",
        "assumption (throughput.rs): its matmuls dequantise blocks in the kernel"),
    konst!("throughput::NVLINK_LATENCY_S", throughput::NVLINK_LATENCY_S, "s",
        "per-message latency α of an all-reduce over NVLink-class fabrics",
        "data/reference/memory-model.md §6.4: α ≈ 5–15 µs on NVLink"),
    konst!("throughput::PCIE_LATENCY_S", throughput::PCIE_LATENCY_S, "s",
        "per-message latency α of an all-reduce over PCIe",
        "data/reference/memory-model.md §6.4: tens of µs over PCIe/IB"),
    konst!("throughput::NETWORK_LATENCY_S", throughput::NETWORK_LATENCY_S, "s",
        "per-message latency α over a network (Ethernet, Thunderbolt)",
        "data/reference/memory-model.md §6.4: tens of µs over PCIe/IB"),
    konst!("throughput::PCIE4_BIDIR_GBPS", 64.0, "GB/s",
        "link bandwidth of a card whose catalog entry gives none",
        "PCIe Gen4 x16, 64 GB/s bidirectional (data/reference/memory-model.md §6.4)"),
    konst!("evidence::MLPERF_LLAMA2_MEAN_PROMPT", MLPERF_LLAMA2_MEAN_PROMPT, "tokens",
        "prompt length of the MLPerf Llama-2-70B speed check",
        "mean tok_input_len of the 24 576 MLPerf OpenOrca samples (openshift-psap/performance-dashboard mlperf-data/summaries/llama2-70b-99.csv: Σ 5 463 976)"),
    konst!("evidence::MLPERF_MIXTRAL_MEAN_PROMPT", MLPERF_MIXTRAL_MEAN_PROMPT, "tokens",
        "prompt length of the MLPerf Mixtral-8x7B speed check",
        "mean tok_input_len of the 15 000 MLPerf Mixtral samples (openshift-psap/performance-dashboard mlperf-data/summaries/mixtral-8x7b.csv: Σ 6 410 905)"),
    konst!("evidence::MLPERF_LLAMA2_OUTPUT_TOKENS", MLPERF_LLAMA2_OUTPUT_TOKENS, "tokens",
        "output length of the MLPerf Llama-2-70B speed check",
        "published tokens/s ÷ samples/s: 21805.8 / 74.699 (mlcommons/inference_results_v4.0, NVIDIA 8×H100 Offline)"),
    konst!("evidence::MLPERF_MIXTRAL_OUTPUT_TOKENS", MLPERF_MIXTRAL_OUTPUT_TOKENS, "tokens",
        "output length of the MLPerf Mixtral-8x7B speed check",
        "published tokens/s ÷ samples/s: 59022.3 / 404.431 (mlcommons/inference_results_v4.1, NVIDIA 8×H200 Offline)"),
    // Planner.
    konst!("plan::MAX_PLAN_BATCH", plan::MAX_PLAN_BATCH, "sequences",
        "most concurrent sequences per replica the planner serves to reach a throughput target",
        "vLLM's default max_num_seqs, 256"),
    konst!("plan::PCIE_HOST_CARDS", plan::PCIE_HOST_CARDS, "cards",
        "largest group of PCIe cards that trains together or shares one model",
        "8 double-width cards in one 4U server (plan.rs)"),
    // Cost.
    konst!("cost::ARTICLE_ELECTRICITY_CNY_PER_KWH", cost::ARTICLE_ELECTRICITY_CNY_PER_KWH, "CNY/kWh",
        "default electricity price",
        "the source article's TCO table, \"以每度電1元計算\" (data/reference/seeds, gpu-selection-guide)"),
    konst!("cost::CostInputs::new · pue", 1.56, "ratio",
        "default facility power / IT power",
        "Uptime Institute Global Data Center Survey 2024 (industry average; 1.55–1.59 since 2020)"),
    konst!("cost::CostInputs::new · utilization", 0.6, "fraction",
        "default share of the year the cards are busy",
        "assumption: traces of Microsoft's Philly cluster (Jeon et al., USENIX ATC'19) find a quarter to a half of reserved GPU time idle"),
    konst!("cost::CostInputs::new · years", 4.0, "years",
        "default years the cards are owned (depreciation horizon)",
        "the source article values TCO over 3–5 years and gives AI hardware a 3–4-year life; 4 lies in both"),
    konst!("cost::CostInputs::new · ops_fraction_per_year", 0.025, "fraction of price per year",
        "default operations cost (maintenance, spares, staff)",
        "the source article's 8×A800 row: 120 万 operations against a 1360 万 purchase over 3–5 years ⇒ 2–3 % a year"),
    konst!("cost::CostInputs::new · hours_per_year", 8760.0, "hours",
        "hours in a year", "365 × 24"),
    // What the GPU of a Mac may use (unified.rs).
    konst!("unified::MACOS_TWO_THIRDS_MAX_RAM", crate::unified::MACOS_TWO_THIRDS_MAX_RAM, "bytes",
        "Apple configurations: the largest RAM whose default GPU wired limit is 2/3 of it (3/4 above)",
        "llama.cpp ggml_metal_init logs of recommendedMaxWorkingSetSize: 32 GiB → 21845.34 MB (ollama/ollama#434), 64 GiB → 49152.00 MiB (llama.cpp#1870)"),
    konst!("unified::default_wired_limit_bytes · share up to 32 GiB", 2.0 / 3.0, "fraction of RAM",
        "Apple configurations: the GPU's default wired limit on 8–32 GiB machines (macOS 13–15)",
        "recommendedMaxWorkingSetSize 10922.67 MB on 16 GiB (llama.cpp#2209), 21845.34 MB on 32 GiB (ollama/ollama#434)"),
    konst!("unified::default_wired_limit_bytes · share above 32 GiB", 0.75, "fraction of RAM",
        "Apple configurations: the GPU's default wired limit on machines of more than 32 GiB (macOS 13–15; macOS 26 reports more on 128 GiB, so this errs low)",
        "recommendedMaxWorkingSetSize 49152 MiB on 64 GiB (llama.cpp#1870), 73728 MB on 96 GiB (llama.cpp#3213), 98304 MB on a 128 GiB M2 Ultra"),
    konst!("unified::APPLE_PAGE_BYTES", crate::unified::APPLE_PAGE_BYTES, "bytes",
        "Apple configurations: the default wired limit is a whole number of pages (2/3 of 32 GiB logs as 21845.34, not .33, MiB)",
        "Apple developer documentation, Addressing architectural differences in your macOS code: the page size on Apple silicon is 16 KB"),
];

/// Every constant the estimator uses, with its value, what it is for and its source.
pub fn constants() -> &'static [Constant] {
    &CONSTANTS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::model::Tensor;
    use std::string::ToString;

    #[test]
    fn published_tuned_engine_figures_within_30_percent() {
        let rows = published_speed(&catalog::load().unwrap());
        assert_eq!(rows.len(), PUBLISHED.len(), "a published row was left out (card missing or workload refused)");
        std::println!("{:<46} {:>10} {:>10} {:>7}  mapping", "row", "published", "ours", "error");
        let mut worst: f64 = 0.0;
        for r in &rows {
            worst = worst.max(r.error_pct().abs());
            std::println!("{:<46} {:>10.1} {:>10.1} {:>+6.1}%  {} {}", r.name, r.published, r.ours, r.error_pct(), r.unit, r.mapping);
        }
        for r in &rows {
            assert!(r.error_pct().abs() <= 30.0, "{}: ours {:.1} vs published {:.1} {}", r.name, r.ours, r.published, r.unit);
        }
        std::println!("worst {worst:.1} %");
    }

    #[test]
    fn published_rows_are_the_csv_rows_with_their_sources() {
        let path = format!("{}/../../data/reference/published-sizes.csv", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("data/reference/published-sizes.csv");
        let rows = crate::test_csv::read_csv(&text);
        let checks = published_speed(&catalog::load().unwrap());
        for p in &PUBLISHED {
            let check = checks.iter().find(|c| c.name == p.label).unwrap_or_else(|| panic!("{}: no speed check", p.label));
            let (model, format, metric) = p.csv;
            let found: Vec<&Vec<String>> = rows.iter().filter(|r| r.len() > 6 && r[0] == model && r[1] == format && r[2] == metric).collect();
            assert_eq!(found.len(), 1, "{}: expected one CSV row ({model} | {format} | {metric})", p.label);
            let r = found[0];
            assert_eq!(r[3].parse::<f64>().unwrap(), p.value, "{}: published value", p.label);
            assert_eq!(r[4], check.unit, "{}: unit", p.label);
            assert_eq!(format!("{}, {}", r[5], r[6]), p.source, "{}: source", p.label);
            assert_eq!(check.source, p.source);
        }
    }

    #[test]
    fn a_card_missing_from_the_catalog_leaves_its_rows_out() {
        let mut c = catalog::load().unwrap();
        c.gpus.retain(|g| g.id != "nvidia-b200");
        let rows = published_speed(&c);
        assert_eq!(rows.len(), PUBLISHED.len() - 1);
        assert!(rows.iter().all(|r| !r.name.contains("B200")));
    }

    #[test]
    fn every_constant_names_its_use_unit_and_source() {
        let all = constants();
        for k in all {
            assert!(!k.source.trim().is_empty(), "{}: no source", k.name);
            assert!(!k.used_for.trim().is_empty(), "{}: no use", k.name);
            assert!(!k.unit.trim().is_empty(), "{}: no unit", k.name);
            assert!(k.value.is_finite() && k.value > 0.0, "{}: {}", k.name, k.value);
        }
        for (i, k) in all.iter().enumerate() {
            assert!(all[..i].iter().all(|o| o.name != k.name), "{} listed twice", k.name);
        }
    }

    /// Sum of the weight bytes of `m` when every layer linear takes `f(tensor)` bytes and every
    /// other tensor stays 16-bit: the layout of the block formats in `formats.rs`.
    fn linears(m: &Model, f: impl Fn(&Tensor) -> u64) -> u64 {
        m.tensors.iter().map(|t| t.count * if t.role.is_layer_linear() { f(t) } else { 2 * t.elems() }).sum()
    }

    fn model(vocab: u64) -> Model {
        Model::new(ManualModel { vocab, tied_embeddings: false, ..ManualModel::default() }.to_arch().unwrap())
    }

    /// The estimator's own value of a constant that is written inline (not a `const` the table
    /// can be built from), measured through the public functions that use it.
    fn observed(name: &str) -> Option<f64> {
        let m = model(32000);
        let block = |f: WeightFormat, bytes: &dyn Fn(&Tensor, u64) -> u64| -> Option<f64> {
            // The block size among powers of two that reproduces the estimator's bytes.
            let b = (2..=12).map(|p| 1u64 << p).find(|&b| linears(&m, |t| bytes(t, b)) == m.weight_bytes(f))?;
            Some(b as f64)
        };
        let v = match name {
            "unified::default_wired_limit_bytes · share up to 32 GiB" => {
                crate::unified::default_wired_limit_bytes(24 << 30) as f64 / (24u64 << 30) as f64
            }
            "unified::default_wired_limit_bytes · share above 32 GiB" => {
                crate::unified::default_wired_limit_bytes(64 << 30) as f64 / (64u64 << 30) as f64
            }
            "formats · nf4 block" => block(WeightFormat::Nf4 { double_quant: false }, &|t, b| t.elems().div_ceil(2) + t.elems().div_ceil(b) * 4)?,
            "formats · nf4 double-quant block" => block(WeightFormat::Nf4 { double_quant: true }, &|t, b| {
                let blocks = t.elems().div_ceil(64);
                t.elems().div_ceil(2) + blocks + blocks.div_ceil(b) * 4 + 4
            })?,
            "formats · fp8 scale block" => block(WeightFormat::Fp8, &|t, b| t.elems() + t.out.div_ceil(b) * t.inp.div_ceil(b) * 4)?,
            "formats · mxfp4 scale block" => block(WeightFormat::Mxfp4, &|t, b| t.out * t.inp.div_ceil(b) * (b / 2 + 1))?,
            "formats · nvfp4 scale block" => block(WeightFormat::Nvfp4, &|t, b| t.out * t.inp.div_ceil(b) * (b / 2 + 1) + 4)?,
            "throughput::Efficiency::default_for(Hf).mbu_decode" => Efficiency::default_for(Engine::Hf).mbu_decode,
            "throughput::Efficiency::default_for(Hf).mfu_prefill" => Efficiency::default_for(Engine::Hf).mfu_prefill,
            "throughput::Efficiency::default_for(LlamaCpp).mbu_decode" => Efficiency::default_for(Engine::LlamaCpp).mbu_decode,
            "throughput::Efficiency::default_for(LlamaCpp).mfu_prefill" => Efficiency::default_for(Engine::LlamaCpp).mfu_prefill,
            "throughput::PCIE4_BIDIR_GBPS" => {
                let mut g = catalog::load().ok()?.gpu("nvidia-l40s")?.clone();
                g.interconnect.gbps_per_gpu = 0.0;
                throughput::link(&g).bytes_per_s * 2.0 / 1e9
            }
            "cost::CostInputs::new · pue" => cost::CostInputs::new(7.0).pue,
            "cost::CostInputs::new · utilization" => cost::CostInputs::new(7.0).utilization,
            "cost::CostInputs::new · years" => cost::CostInputs::new(7.0).years,
            "cost::CostInputs::new · ops_fraction_per_year" => cost::CostInputs::new(7.0).ops_fraction_per_year,
            "cost::CostInputs::new · hours_per_year" => cost::CostInputs::new(7.0).hours_per_year,
            _ => return None,
        };
        Some(v)
    }

    /// The non-test part of every source file of the core, with its module path.
    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, String)>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let stem = p.file_stem().unwrap().to_string_lossy().to_string();
                if p.is_dir() {
                    walk(&p, &format!("{prefix}{stem}::"), out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
                    let module = if stem == "mod" { prefix.trim_end_matches("::").to_string() } else { format!("{prefix}{stem}") };
                    out.push((module, code));
                }
            }
        }
        let mut out = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut out);
        out
    }

    /// Numeric `const NAME: type =` declarations of a source text.
    fn numeric_consts(code: &str) -> Vec<String> {
        code.lines()
            .filter_map(|l| {
                let l = l.trim_start();
                let l = l.strip_prefix("pub(crate) ").or_else(|| l.strip_prefix("pub ")).unwrap_or(l);
                let (name, rest) = l.strip_prefix("const ")?.split_once(':')?;
                let ty = rest.trim_start().split([' ', '=']).next()?;
                ["u64", "u32", "usize", "f64", "i64"].contains(&ty).then(|| name.trim().to_string())
            })
            .collect()
    }

    #[test]
    fn every_constant_is_tied_to_the_code() {
        let src = sources();
        for k in constants() {
            if let Some(v) = observed(k.name) {
                assert!((v - k.value).abs() <= 1e-12 * k.value.abs(), "{}: the table says {} but the estimator uses {v}", k.name, k.value);
                continue;
            }
            // Otherwise the entry is built from the code in a constant expression: a `const`
            // (`module::NAME`), a field of `Efficiency::TUNED` or a `GgmlType` block.
            let built = match k.name.split_once("::") {
                Some(("formats", t)) if t.starts_with("GgmlType::") => {
                    // The source quotes the block struct: "N weights in M bytes".
                    let words: Vec<&str> = k.source.split_whitespace().collect();
                    let at = words.iter().position(|w| *w == "weights").unwrap();
                    let (n, b): (f64, f64) = (words[at - 1].parse().unwrap(), words[at + 2].parse().unwrap());
                    assert_eq!(b * 8.0 / n, k.value, "{}: the source's block differs from the code's", k.name);
                    true
                }
                Some(("throughput", f)) if f.starts_with("Efficiency::TUNED.") => true,
                Some((module, name)) => src.iter().any(|(m, code)| m == module && numeric_consts(code).iter().any(|c| c == name)),
                None => false,
            };
            assert!(built, "{}: neither a `const` of the core nor a value measured through the estimator (add it to `observed`)", k.name);
        }
    }

    /// Numeric constants that are not part of the estimate: units, input bounds, sentinels and
    /// the JSON reader's limits.
    const NOT_ESTIMATOR_CONSTANTS: [(&str, &str); 19] = [
        ("MIN_GPU_MEMORY_GIB", "input bound"),
        ("MAX_GPU_MEMORY_GIB", "input bound"),
        ("MAX_LORA_RANK", "input bound"),
        ("MIB", "unit"),
        ("GIB", "unit"),
        ("MAX_BATCH", "input bound"),
        ("MAX_TOKENS", "input bound"),
        ("MAX_IMAGES", "input bound"),
        ("MAX_GPUS", "input bound"),
        ("MAX_HIDDEN", "input bound"),
        ("MAX_LAYERS", "input bound"),
        ("MAX_HEADS", "input bound"),
        ("MAX_HEAD_DIM", "input bound"),
        ("MAX_INTERMEDIATE", "input bound"),
        ("MAX_VOCAB", "input bound"),
        ("MAX_EXPERTS", "input bound"),
        ("NO_LAYER", "sentinel layer index"),
        ("MAX_OPTIONS", "input bound: options side by side (issue 14: up to four)"),
        ("VLLM_REFERENCE_BYTES", "planner: a card-independent size whose pool arithmetic is redone per card"),
    ];

    #[test]
    fn every_numeric_const_of_the_core_is_in_the_table() {
        let src = sources();
        let mut seen = 0;
        for (module, code) in &src {
            for name in numeric_consts(code) {
                seen += 1;
                if module == "json" || NOT_ESTIMATOR_CONSTANTS.iter().any(|(n, _)| *n == name) {
                    continue;
                }
                let listed = constants().iter().any(|k| k.name.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|w| w == name));
                assert!(listed, "{module}::{name} is a constant of the estimator but evidence::constants() does not list it: add it with its source");
            }
        }
        assert!(seen >= 20, "only {seen} constants found: the scan is broken");
    }
}
