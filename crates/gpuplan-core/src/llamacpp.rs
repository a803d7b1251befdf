//! llama.cpp's own memory accounting, per device, in the terms it prints at load
//! (`model buffer`, `KV buffer`, `compute buffer`, `output buffer`), and the questions built on
//! it: the largest `--gpu-layers` (and `--n-cpu-moe`) that fits, the largest context, the most
//! parallel sequences, the split over several different cards and the decode speed with part
//! of the model in system RAM.
//!
//! Reference: llama.cpp at commit 0c1e57098bba43ac29e6e3b677cdceebdd22334f (2026-10-01), the
//! copy vendored by the llama-cpp-python 0.3.36 source package (what `scripts/llamacpp/`
//! builds). File names below are of that tree:
//! - `src/llama-context.cpp` (`llama_context::llama_context`): `n_ctx` padded to 256,
//!   `n_ctx_seq = pad(n_ctx / n_seq, 256)` unless the cache is unified, `n_batch =
//!   min(n_ctx, n_batch)` (before the padding), `n_ubatch = min(n_batch, n_ubatch)`;
//!   `output_reserve(n_seq_max)`: `n_vocab · n_seq · 4` bytes; `sched_reserve`: the worst-case
//!   graph of `min(n_ctx, n_ubatch)` tokens over the full cache.
//! - `src/llama-kv-cache.cpp` (`llama_kv_cache::llama_kv_cache`): per layer a K tensor of
//!   `n_embd_k_gqa × kv_size × n_stream` and a V tensor of `n_embd_v_gqa` (the largest over
//!   layers when V is transposed, i.e. without flash attention), none for MLA; each on the
//!   device of its layer. `src/llama-kv-cache-iswa.cpp`: the SWA cache holds
//!   `pad(min(kv_size, n_swa · (unified ? n_seq : 1) + n_ubatch), 256)` cells (`swa_full`:
//!   `kv_size`).
//! - `src/llama-model.cpp` (`llama_model_base::load_tensors`): `n_gpu_layers` counts the output
//!   layer as layer `n_layer`; layers `≥ n_layer + 1 − ngl` go to the GPUs, split by the
//!   cumulative fractions of `tensor_split` (default: each device's free memory), the input
//!   (token embeddings) always on the CPU.
//! - `common/common.h` `LLM_FFN_EXPS_REGEX` with `--n-cpu-moe N`: the `ffn_{up,down,gate}_exps`
//!   tensors of layers `0..N` stay in a CPU buffer.
//!
//! The compute buffer is modelled from the mechanism (ggml-alloc keeps the graph's inputs and
//! reuses the memory of freed intermediates, so the buffer is the inputs plus the largest set of
//! f32 intermediates alive at once in one stage of one layer, or the logits), not fitted.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::arith::SatMul;
use crate::error::InputError;
use crate::formats::WeightFormat;
use crate::memory::Model;
use crate::model::{Role, NO_LAYER};

/// `GGML_PAD(n_ctx, 256)` and the SWA cache's pad (`src/llama-context.cpp` constructor;
/// `src/llama-kv-cache-iswa.cpp`, "the SWA cache is always padded to 256"; commit 0c1e570).
pub const CTX_PAD: u64 = 256;

/// `--ubatch` default (`common/common.h` `n_ubatch = 512`, commit 0c1e570).
pub const DEFAULT_UBATCH: u64 = 512;
/// `--batch-size` default (`common/common.h` `n_batch = 2048`, commit 0c1e570).
pub const DEFAULT_BATCH: u64 = 2048;

/// Bytes of one element of the graph's intermediates and of the logits: ggml computes
/// activations in f32 (`GGML_TYPE_F32` results of `ggml_mul_mat`, `ggml_rms_norm`, …).
pub const F32: u64 = 4;

/// With fewer than this many tokens in a ubatch the scheduler runs a host-resident weight's
/// matmul on the host; from it on, it copies the weight to the GPU (`ggml-cuda.cu`
/// `ggml_backend_cuda_device_offload_op`: `get_op_batch_size(op) >= min_batch_size`, 32).
pub const OP_OFFLOAD_MIN_BATCH: u64 = 32;

/// Bytes per token of the graph's index inputs: token id, position and output id (3 × i32,
/// `build_inp_embd`, `build_inp_pos`, `build_inp_out_ids`) and the K and V cache row indices
/// (2 × i64, `llama_kv_cache::build_input_k_idxs`/`v_idxs`), `src/llama-graph.cpp` and
/// `src/llama-kv-cache.cpp` at commit 001d906.
pub const INPUT_IDS_BYTES: u64 = 3 * 4 + 2 * 8;

/// The first llama.cpp build known to carry both ggml-org/llama.cpp PR #23764 ("llama: use f16
/// mask for FA to save VRAM", commit 031ddb2e0, 2026-05-29: with flash attention the KQ mask is
/// created f16, so no f32 mask is reserved on the host nor copied to a device) and PR #23861
/// ("llama: limit max outputs of `llama_context`", commit de6f727aa, 2026-06-01:
/// `n_outputs_max`, and llama-server's `server_n_outputs_max` = one output per slot). Both
/// landed between tags b9341 and b9518 (a downstream rebase's changelog lists them in that
/// window) and b9464 holds both (a downstream project's upstream-audit notes); builds before it
/// are modelled as b9341. `--llama-cpp-build N` selects the older graph for a log of such a
/// build.
pub const F16_MASK_AND_OUTPUTS_MAX_BUILD: u64 = 9464;

/// `GGML_SCHED_MAX_COPIES` (`ggml/CMakeLists.txt`, default 4), the `n_copies` of pipeline
/// parallelism: with layers split over several devices and none on the host, and no tensor
/// overrides (`src/llama-context.cpp`: `pipeline_parallel = n_devices() > 1 && n_gpu_layers >
/// n_layer && split_mode == LAYER && offload_kqv && !has_tensor_overrides()`), the scheduler
/// keeps this many copies of every split's inputs so that ubatches can overlap
/// (`ggml-backend.cpp` `graph_copies`, `sched->n_copies`). Commit 0c1e570.
pub const SCHED_MAX_COPIES: u64 = 4;

/// A KV cache element type llama.cpp accepts for `--cache-type-k/-v` (`common/arg.cpp`
/// `kv_cache_types`), with its ggml block (`ggml/src/ggml-common.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheType {
    F32,
    F16,
    Bf16,
    Q8_0,
    Q4_0,
    Q4_1,
    Iq4Nl,
    Q5_0,
    Q5_1,
}

impl CacheType {
    pub const NAMES: &'static str = "f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1";

    pub fn parse(flag: &str, s: &str) -> Result<CacheType, InputError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "fp32" => CacheType::F32,
            "f16" | "fp16" => CacheType::F16,
            "bf16" => CacheType::Bf16,
            "q8_0" => CacheType::Q8_0,
            "q4_0" => CacheType::Q4_0,
            "q4_1" => CacheType::Q4_1,
            "iq4_nl" => CacheType::Iq4Nl,
            "q5_0" => CacheType::Q5_0,
            "q5_1" => CacheType::Q5_1,
            _ => return Err(InputError::new(flag, format!("\"{s}\" is not a llama.cpp cache type; allowed: {}", Self::NAMES))),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            CacheType::F32 => "f32",
            CacheType::F16 => "f16",
            CacheType::Bf16 => "bf16",
            CacheType::Q8_0 => "q8_0",
            CacheType::Q4_0 => "q4_0",
            CacheType::Q4_1 => "q4_1",
            CacheType::Iq4Nl => "iq4_nl",
            CacheType::Q5_0 => "q5_0",
            CacheType::Q5_1 => "q5_1",
        }
    }

    /// (elements, bytes) of one block: `block_q8_0` 32 → 34, `block_q4_0` 32 → 18, `block_q4_1`
    /// 32 → 20, `block_iq4_nl` 32 → 18, `block_q5_0` 32 → 22, `block_q5_1` 32 → 24.
    pub fn block(self) -> (u64, u64) {
        match self {
            CacheType::F32 => (1, 4),
            CacheType::F16 | CacheType::Bf16 => (1, 2),
            CacheType::Q8_0 => (32, 34),
            CacheType::Q4_0 | CacheType::Iq4Nl => (32, 18),
            CacheType::Q4_1 => (32, 20),
            CacheType::Q5_0 => (32, 22),
            CacheType::Q5_1 => (32, 24),
        }
    }

    pub fn is_quantized(self) -> bool {
        self.block().0 > 1
    }

    /// `ggml_row_size`: bytes of a row of `n` elements.
    pub fn row_bytes(self, n: u64) -> u64 {
        let (e, b) = self.block();
        n.div_ceil(e).smul(b)
    }

    /// The cache type of the estimator's `--kv-cache` format, where llama.cpp has it.
    pub fn from_kv(kv: crate::formats::KvFormat) -> Option<CacheType> {
        use crate::formats::KvFormat;
        Some(match kv {
            KvFormat::Fp32 => CacheType::F32,
            KvFormat::Fp16 => CacheType::F16,
            KvFormat::Bf16 => CacheType::Bf16,
            KvFormat::Q8_0 => CacheType::Q8_0,
            KvFormat::Q4_0 => CacheType::Q4_0,
            KvFormat::Fp8 => return None,
        })
    }
}

/// One repeating layer as llama.cpp sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layer {
    /// Bytes of every weight tensor of the layer (`blk.N.*`).
    pub bytes: u64,
    /// Of which the routed experts (`ffn_{gate,up,down}_exps`), what `--n-cpu-moe` moves.
    pub expert_bytes: u64,
    /// The largest single tensor of the layer outside the experts, and of the experts: what
    /// the scheduler copies to the GPU to run a host weight's matmul there.
    pub largest_tensor: u64,
    pub n_head: u64,
    /// `n_embd_k_gqa`, `n_embd_v_gqa` (V: 0 for MLA, whose cache is K only).
    pub k_width: u64,
    pub v_width: u64,
    /// Width of the query projection's output (`n_head · n_embd_head_k`).
    pub q_width: u64,
    /// Sliding-window layer (its KV lives in the SWA cache).
    pub swa: bool,
    /// FFN width live per token: dense `n_ff`, or `n_expert_used · n_ff_exp` plus shared experts.
    pub ffn_width: u64,
    /// Routed experts (0 for a dense layer).
    pub n_expert: u64,
    /// Experts per token.
    pub n_expert_used: u64,
    /// Shared experts (DeepSeek): their output is added to the routed experts' sum.
    pub shared_experts: u64,
}

/// A model in llama.cpp's terms: its layers, the tensors outside them and the vocabulary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    pub n_embd: u64,
    /// Tokens of the vocabulary (`tokenizer.ggml.tokens` count): the logits' and output
    /// buffer's width.
    pub n_vocab: u64,
    /// Sliding window (`n_swa`), 0 without SWA layers.
    pub n_swa: u64,
    /// Multi-head latent attention: the cache stores K only (`has_v = !is_mla`).
    pub mla: bool,
    pub layers: Vec<Layer>,
    /// `token_embd.weight`: always on the host (`dev_input` is the CPU).
    pub tok_embd_bytes: u64,
    /// `output.weight` (a duplicate of the token embeddings when tied) and `output_norm`: on
    /// the device of layer `n_layer`.
    pub output_bytes: u64,
    /// The output matrix is the token embeddings' duplicate (tied): on the host it is the
    /// same mapped file range, counted once.
    pub output_is_tok_embd: bool,
    /// Context the model was trained for (0 = unknown): the ceiling of the largest-context
    /// search.
    pub n_ctx_train: u64,
}

impl Shape {
    pub fn n_layer(&self) -> u64 {
        self.layers.len() as u64
    }

    /// The shape of an estimator model stored in `format`, per tensor from the format's rules
    /// (or the file's own bytes, when the model came from a GGUF: [`Shape::with_tensors`]).
    pub fn from_model(model: &Model, format: WeightFormat) -> Shape {
        let a = &model.arch;
        let bytes = crate::formats::tensor_bytes_each(a, &model.tensors, format);
        let kinds = &a.layer_kinds;
        let mut layers: Vec<Layer> = (0..a.layers as usize)
            .map(|i| {
                let kind = kinds.get(i).copied();
                let moe = kind.is_some_and(|k| k.moe) && a.moe.is_some();
                let (k_width, v_width, q_width) = match a.mla {
                    Some(m) => (m.kv_lora_rank + m.qk_rope_head_dim, 0, a.heads * (m.qk_nope_head_dim + m.qk_rope_head_dim)),
                    None => (a.kv_heads * a.head_dim, a.kv_heads * a.head_dim, a.heads * a.head_dim),
                };
                let (ffn_width, n_expert, n_expert_used) = match (moe, a.moe) {
                    (true, Some(m)) => (m.top_k * m.expert_intermediate + m.shared_experts * m.shared_intermediate, m.experts, m.top_k),
                    _ => (a.intermediate, 0, 0),
                };
                let shared_experts = if n_expert > 0 { a.moe.map_or(0, |m| m.shared_experts) } else { 0 };
                Layer { n_head: a.heads, k_width, v_width, q_width, swa: kind.is_some_and(|k| k.sliding), ffn_width, n_expert, n_expert_used, shared_experts, ..Layer::default() }
            })
            .collect();
        let mut s = Shape { n_embd: a.hidden, n_vocab: a.vocab, n_swa: a.sliding_window.unwrap_or(0), mla: a.mla.is_some(), n_ctx_train: a.max_context, ..Shape::default() };
        for (t, b) in model.tensors.iter().zip(bytes) {
            match layers.get_mut(t.layer as usize) {
                Some(l) if t.layer != NO_LAYER => {
                    l.bytes += b;
                    if t.role.is_expert() {
                        l.expert_bytes += b;
                    }
                    l.largest_tensor = l.largest_tensor.max(b);
                }
                _ => match t.role {
                    Role::Embed => s.tok_embd_bytes += b,
                    _ => s.output_bytes += b,
                },
            }
        }
        if a.tied_embeddings {
            s.output_bytes += s.tok_embd_bytes;
            s.output_is_tok_embd = true;
        }
        s.layers = layers;
        s
    }

    /// [`Shape::from_model`], with the GGUF's own tensor bytes when the model came from one
    /// stored in `format`.
    pub fn for_model(model: &Model, format: WeightFormat) -> Shape {
        let s = Shape::from_model(model, format);
        match model.file_weights {
            Some((f, _)) if f == format && !model.gguf_tensors.is_empty() => s.with_tensors(model.gguf_tensors.iter().map(|(n, b)| (n.as_str(), *b))),
            _ => s,
        }
    }

    /// The file's own tensor bytes by GGUF name (`blk.N.…`, `token_embd.weight`,
    /// `output.weight`, `output_norm.weight`): replaces the formula's bytes.
    pub fn with_tensors<'a>(mut self, tensors: impl IntoIterator<Item = (&'a str, u64)>) -> Shape {
        for l in &mut self.layers {
            l.bytes = 0;
            l.expert_bytes = 0;
            l.largest_tensor = 0;
        }
        self.tok_embd_bytes = 0;
        self.output_bytes = 0;
        let mut has_output = false;
        for (name, b) in tensors {
            let layer = name.strip_prefix("blk.").and_then(|r| r.split('.').next()).and_then(|n| n.parse::<usize>().ok());
            match layer.and_then(|i| self.layers.get_mut(i)) {
                Some(l) => {
                    l.bytes += b;
                    if name.contains("_exps") {
                        l.expert_bytes += b;
                    }
                    l.largest_tensor = l.largest_tensor.max(b);
                }
                None if name.starts_with("token_embd.") => self.tok_embd_bytes += b,
                None => {
                    has_output |= name.starts_with("output.");
                    self.output_bytes += b;
                }
            }
        }
        self.output_is_tok_embd = !has_output;
        if !has_output {
            self.output_bytes += self.tok_embd_bytes;
        }
        self
    }
}

/// The run's settings, as llama.cpp's context and model parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// `-c`: the whole context (all sequences), before padding.
    pub n_ctx: u64,
    /// `-np`: parallel sequences (`n_seq_max`).
    pub n_seq: u64,
    pub n_ubatch: u64,
    pub n_batch: u64,
    pub flash_attn: bool,
    pub type_k: CacheType,
    pub type_v: CacheType,
    pub swa_full: bool,
    /// `--kv-unified`: one stream for all sequences.
    pub kv_unified: bool,
    /// `-ngl` as llama.cpp counts it: `n_layer + 1` puts every layer and the output on GPUs.
    pub n_gpu_layers: u64,
    /// `--n-cpu-moe N`.
    pub n_cpu_moe: u64,
    /// `llama_context_params.n_outputs_max`: the most outputs (logits rows) one ubatch may ask
    /// for; 0 = `n_batch` (`src/llama-context.cpp`: `n_outputs_max == 0 ? n_batch : …`, commit
    /// 001d906). The worst-case graph reserves the logits of `min(n_tokens, n_outputs_max)`
    /// outputs. The library's default is 0; llama-server sets it to its slot count.
    pub n_outputs_max: u64,
    /// A build before [`F16_MASK_AND_OUTPUTS_MAX_BUILD`]: an f32 KQ mask on the host (cast to
    /// f16 on each device for flash attention).
    pub legacy_graph: bool,
    /// Tokens in the sequence while it decodes (0: the whole per-sequence context): the cells
    /// each decoded token's attention reads, `n_kv` padded to [`CTX_PAD`]
    /// (`llama_kv_cache::get_n_kv`), not the whole allocated cache.
    pub decode_tokens: u64,
    /// Bytes of a multimodal projector (`--mmproj FILE`, the clip GGUF's tensors), 0 without.
    /// llama.cpp's mtmd loads it onto one backend: the first GPU (`clip_ctx`:
    /// `ggml_backend_init_by_type(GPU)`; `common/arg.cpp` sets `mmproj_device` to the first of
    /// `--device`), or the CPU with `--no-mmproj-offload` (`mmproj_use_gpu = false`); llama.cpp
    /// tools/mtmd/clip.cpp and common/arg.cpp at 0c1e57098bba43ac29e6e3b677cdceebdd22334f.
    pub mmproj_bytes: u64,
    /// `--no-mmproj-offload`: the projector stays in host memory.
    pub mmproj_on_host: bool,
}

impl Params {
    pub fn new(n_ctx: u64) -> Params {
        Params {
            n_ctx,
            n_seq: 1,
            n_ubatch: DEFAULT_UBATCH,
            n_batch: DEFAULT_BATCH,
            flash_attn: true,
            type_k: CacheType::F16,
            type_v: CacheType::F16,
            swa_full: false,
            kv_unified: false,
            n_gpu_layers: u64::MAX,
            n_cpu_moe: 0,
            n_outputs_max: 0,
            legacy_graph: false,
            decode_tokens: 0,
            mmproj_bytes: 0,
            mmproj_on_host: false,
        }
    }
}

/// The buffers of one device (or the host) in llama.cpp's terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Buffers {
    pub model: u64,
    /// KV of the full-attention cache (and everything of a cache without SWA).
    pub kv: u64,
    /// KV of the sliding-window cache.
    pub kv_swa: u64,
    pub compute: u64,
}

impl Buffers {
    pub fn total(&self) -> u64 {
        self.model.saturating_add(self.kv).saturating_add(self.kv_swa).saturating_add(self.compute)
    }
}

/// llama.cpp's accounting of one load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accounting {
    /// `n_ctx` as llama.cpp pads it (all sequences).
    pub n_ctx: u64,
    pub n_ctx_seq: u64,
    /// Cells of each stream of the SWA cache (0 without SWA layers).
    pub swa_cells: u64,
    pub n_batch: u64,
    pub n_ubatch: u64,
    pub devices: Vec<Buffers>,
    pub host: Buffers,
    /// The output (logits) buffer, in host memory.
    pub output: u64,
    /// Device of each layer, the output layer last (`None` = the host).
    pub placement: Vec<Option<usize>>,
    /// `-ngl` as applied (at most `n_layer + 1`).
    pub n_gpu_layers: u64,
}

impl Accounting {
    /// KV bytes of every device and the host, SWA included.
    pub fn kv_total(&self) -> u64 {
        self.devices.iter().chain(core::iter::once(&self.host)).map(|b| b.kv + b.kv_swa).sum()
    }
    /// Host memory: its buffers and the output buffer.
    pub fn host_total(&self) -> u64 {
        self.host.total().saturating_add(self.output)
    }
}

/// Padded `n_ctx`, `n_ctx_seq`, `n_batch`, `n_ubatch` (`llama_context` constructor).
pub fn context_sizes(p: &Params) -> (u64, u64, u64, u64) {
    let n_batch = p.n_ctx.min(p.n_batch);
    let n_ubatch = n_batch.min(p.n_ubatch);
    let mut n_ctx = p.n_ctx.div_ceil(CTX_PAD).smul(CTX_PAD);
    let n_ctx_seq = if p.kv_unified {
        n_ctx
    } else {
        let s = (n_ctx / p.n_seq.max(1)).div_ceil(CTX_PAD) * CTX_PAD;
        n_ctx = s.smul(p.n_seq.max(1));
        s
    };
    (n_ctx, n_ctx_seq, n_batch, n_ubatch)
}

/// The device of each layer `0..=n_layer` (the output layer last), `None` for the host:
/// llama.cpp's `get_layer_buft_list` with its f32 cumulative split points and
/// `std::upper_bound`.
pub fn placement(n_layer: u64, n_gpu_layers: u64, split: &[f64]) -> Vec<Option<usize>> {
    let n = n_layer as usize + 1;
    if split.is_empty() {
        return vec![None; n];
    }
    let mut points: Vec<f32> = Vec::with_capacity(split.len());
    let mut sum = 0.0f32;
    for s in split {
        sum += *s as f32;
        points.push(sum);
    }
    for p in &mut points {
        *p /= sum;
    }
    let ngl = n_gpu_layers.min(n_layer + 1);
    let start = n_layer + 1 - ngl;
    (0..=n_layer)
        .map(|il| {
            if il < start || ngl == 0 {
                return None;
            }
            let x = (il - start) as f32 / ngl as f32;
            let d = points.iter().position(|p| *p > x).unwrap_or(points.len() - 1);
            Some(d)
        })
        .collect()
}

/// Checks the settings; the error names the flag and the allowed range.
pub fn check(shape: &Shape, p: &Params) -> Result<(), InputError> {
    crate::error::check_range("--ctx", p.n_ctx, 1, crate::memory::MAX_TOKENS)?;
    crate::error::check_range("--parallel", p.n_seq, 1, crate::memory::MAX_BATCH)?;
    crate::error::check_range("--ubatch", p.n_ubatch, 1, crate::memory::MAX_TOKENS)?;
    crate::error::check_range("--batch-size", p.n_batch, 1, crate::memory::MAX_TOKENS)?;
    if p.n_gpu_layers != u64::MAX {
        crate::error::check_range("--gpu-layers", p.n_gpu_layers, 0, shape.n_layer() + 1)?;
    }
    crate::error::check_range("--n-cpu-moe", p.n_cpu_moe, 0, shape.n_layer())?;
    if !p.flash_attn && p.type_v.is_quantized() {
        return Err(InputError::new(
            "--kv-cache-v",
            format!("a quantized V cache ({}) needs flash attention (llama.cpp refuses it otherwise); use --flash-attn on or a V cache of f32, f16 or bf16", p.type_v.name()),
        ));
    }
    if p.n_ctx / p.n_seq.max(1) == 0 && !p.kv_unified {
        return Err(InputError::new("--ctx", format!("{} tokens cannot be shared by {} sequences; must be at least --parallel", p.n_ctx, p.n_seq)));
    }
    Ok(())
}

/// llama.cpp's buffers for `shape` with `p`, the layers split over `split.len()` devices by
/// `split` (free memory or `--tensor-split`).
pub fn account(shape: &Shape, p: &Params, split: &[f64]) -> Result<Accounting, InputError> {
    check(shape, p)?;
    let (n_ctx, n_ctx_seq, n_batch, n_ubatch) = context_sizes(p);
    let n_layer = shape.n_layer();
    let n_stream = if p.kv_unified { 1 } else { p.n_seq.max(1) };
    let any_swa = shape.layers.iter().any(|l| l.swa);
    let swa_cells = if !any_swa {
        0
    } else if p.swa_full {
        n_ctx_seq
    } else {
        let seqs = if p.kv_unified { p.n_seq } else { 1 };
        n_ctx_seq.min(shape.n_swa.smul(seqs).saturating_add(n_ubatch)).div_ceil(CTX_PAD) * CTX_PAD
    };
    let ngl = p.n_gpu_layers.min(n_layer + 1);
    let place = placement(n_layer, ngl, split);
    let mut devices = vec![Buffers::default(); split.len()];
    let mut host = Buffers::default();
    let v_max = shape.layers.iter().map(|l| l.v_width).max().unwrap_or(0);
    // Layers repeat: a layer's K and V bytes are its predecessor's when its widths and kind are.
    let mut last: Option<(u64, u64, bool, u64, u64)> = None;
    for (il, l) in shape.layers.iter().enumerate() {
        let on = place[il];
        let experts_on_host = (il as u64) < p.n_cpu_moe;
        let (dev_bytes, host_bytes) = if experts_on_host { (l.bytes - l.expert_bytes, l.expert_bytes) } else { (l.bytes, 0) };
        let v_width = if shape.mla { 0 } else if p.flash_attn { l.v_width } else { v_max };
        let (k, v) = match last {
            Some((kw, vw, swa, k, v)) if (kw, vw, swa) == (l.k_width, v_width, l.swa) => (k, v),
            _ => {
                let cells = if l.swa { swa_cells } else { n_ctx_seq }.smul(n_stream);
                let kv = (p.type_k.row_bytes(l.k_width).smul(cells), p.type_v.row_bytes(v_width).smul(cells));
                last = Some((l.k_width, v_width, l.swa, kv.0, kv.1));
                kv
            }
        };
        let b = match on {
            Some(d) => &mut devices[d],
            None => &mut host,
        };
        b.model += dev_bytes;
        if l.swa {
            b.kv_swa += k + v;
        } else {
            b.kv += k + v;
        }
        host.model += host_bytes;
    }
    host.model += shape.tok_embd_bytes;
    // The projector: on the first GPU unless kept on the host (or there is no GPU).
    match devices.first_mut() {
        Some(d) if !p.mmproj_on_host => d.model += p.mmproj_bytes,
        _ => host.model += p.mmproj_bytes,
    }
    match place[n_layer as usize] {
        Some(d) => devices[d].model += shape.output_bytes,
        None if shape.output_is_tok_embd => host.model += shape.output_bytes - shape.tok_embd_bytes,
        None => host.model += shape.output_bytes,
    }
    let pipeline = split.len() > 1 && place.iter().all(|d| d.is_some()) && p.n_cpu_moe == 0;
    let n_copies = if pipeline { SCHED_MAX_COPIES } else { 1 };
    let g = Graph::new(shape, p, n_ctx, n_ctx_seq, swa_cells, n_ctx.min(n_ubatch), n_copies);
    let stages = g.stages();
    for (d, b) in devices.iter_mut().enumerate() {
        b.compute = g.compute(&stages, &place, Some(d), p.n_cpu_moe);
    }
    host.compute = g.compute(&stages, &place, None, p.n_cpu_moe);
    let output = shape.n_vocab.smul(p.n_seq.max(1)).smul(F32);
    Ok(Accounting { n_ctx, n_ctx_seq, swa_cells, n_batch, n_ubatch, devices, host, output, placement: place, n_gpu_layers: ngl })
}

/// One layer's peaks in the worst-case graph: on the host ([`Graph::layer_peak`]) and on a
/// device, its attention and FFN stages ([`Graph::device_stages`]).
#[derive(Clone, Copy)]
struct Stages {
    host: u64,
    attn: u64,
    ffn: u64,
}

/// Whether two layers build the same graph (every field the stages read).
fn same_graph(a: &Layer, b: &Layer) -> bool {
    (a.n_head, a.k_width, a.v_width, a.q_width, a.swa, a.ffn_width, a.n_expert) == (b.n_head, b.k_width, b.v_width, b.q_width, b.swa, b.ffn_width, b.n_expert)
}

/// The worst-case graph `sched_reserve` allocates: `n_tokens` tokens over the full cache.
struct Graph<'a> {
    shape: &'a Shape,
    p: &'a Params,
    n_ctx: u64,
    /// Cells per stream of the full cache (the attention's `n_kv`).
    n_kv: u64,
    swa_cells: u64,
    n_tokens: u64,
    /// [`SCHED_MAX_COPIES`] under pipeline parallelism, else 1.
    n_copies: u64,
    /// [`Graph::masks`] and [`Graph::mask_cells`], computed once: every layer's peak adds them.
    masks: u64,
    mask_cells: u64,
}

impl<'a> Graph<'a> {
    /// `swa_cells` is 0 without sliding-window layers, so their mask then counts nothing.
    fn new(shape: &'a Shape, p: &'a Params, n_ctx: u64, n_kv: u64, swa_cells: u64, n_tokens: u64, n_copies: u64) -> Graph<'a> {
        let any_full = shape.layers.iter().any(|l| !l.swa);
        let mut g = Graph { shape, p, n_ctx, n_kv, swa_cells, n_tokens, n_copies, masks: 0, mask_cells: 0 };
        g.masks = if any_full { g.mask(false) } else { 0 } + g.mask(true);
        g.mask_cells = if any_full { n_kv } else { 0 } + swa_cells;
        g
    }

    /// The KQ mask of a layer's cache (`build_attn_inp_kq_mask`: `n_kv × n_tokens`, f16 with
    /// flash attention, else f32): a graph input, alive until the last layer's attention.
    fn mask(&self, swa: bool) -> u64 {
        let elem = if self.p.flash_attn { 2 } else { F32 };
        let n_kv = if swa { self.swa_cells } else { self.n_kv };
        n_kv.smul(self.n_tokens).smul(elem)
    }

    /// Both masks while any layer still needs them.
    fn masks(&self) -> u64 {
        self.masks
    }

    /// The bytes alive at the peak of one layer. Attention: the scores `n_kv × n_tokens ×
    /// n_head` in f32 without flash attention (softmax runs in place), the masks, and per
    /// token the residual stream and its norm, the Q, K and V projections and their rotated
    /// and permuted copies (4·n_embd + q + k + v floats) with the token, position and cache
    /// index inputs (4). FFN: the residual and its norm, gate and up of the active width, the
    /// router's logits and its softmax for MoE, with the masks still alive.
    fn layer_peak(&self, l: &Layer) -> u64 {
        let t = self.n_tokens;
        let ffn = t.smul(2 * self.shape.n_embd + 2 * l.ffn_width + 2 * l.n_expert).smul(F32);
        self.attn_stage(l).max(ffn).saturating_add(self.masks())
    }

    /// The attention stage's intermediates of [`Graph::layer_peak`], masks aside.
    fn attn_stage(&self, l: &Layer) -> u64 {
        let t = self.n_tokens;
        let e = self.shape.n_embd;
        let n_kv = if l.swa { self.swa_cells } else { self.n_kv };
        let scores = if self.p.flash_attn { 0 } else { n_kv.smul(t).smul(l.n_head).smul(F32) };
        t.smul(4 * e + l.q_width + l.k_width + l.v_width + 4).smul(F32).saturating_add(scores)
    }

    /// A GPU's peak in one layer: [`Graph::layer_peak`] plus what only a device holds. The
    /// scheduler copies a split's inputs from the host into the device's compute buffer
    /// (`ggml-backend.cpp` `ggml_backend_sched_split_graph`, graph copies): the KQ masks (before
    /// PR #23764 as their f32 host tensors, beside their f16 casts; since, f16 only), the
    /// residual stream entering the device and the index inputs; and `ggml_swiglu_split(gate, up)` writes a third
    /// `ffn_width` tensor while gate and up are alive (`src/llama-graph.cpp` `build_ffn`,
    /// `LLM_FFN_SILU` + `LLM_FFN_PAR`). Seen in llama-server's own logs, whose logits no
    /// longer hide the layers (`data/llamacpp/published-logs.csv`). Returned as the
    /// attention and FFN stages, each with what the device holds throughout (masks and copied
    /// inputs), the peak being the larger: a weight the scheduler copies in for one stage's
    /// matmuls adds to that stage only.
    fn device_stages(&self, l: &Layer) -> (u64, u64) {
        let t = self.n_tokens;
        let ffn = t.smul(2 * self.shape.n_embd + 3 * l.ffn_width + 2 * l.n_expert).smul(F32);
        let legacy_copies = if self.p.flash_attn && self.p.legacy_graph { self.mask_cells().smul(t).smul(F32) } else { 0 };
        // The split's other inputs, copied from the host: the residual stream that enters the
        // device (`n_embd` f32 per token: the embeddings' rows on the first device, the
        // previous device's output on the next) and the per-token index inputs. Under
        // pipeline parallelism every input, the masks too, is held `n_copies` times.
        let stream = t.smul(self.shape.n_embd * F32 + INPUT_IDS_BYTES);
        let extra_copies = (self.n_copies - 1).smul(self.masks() + legacy_copies + stream);
        let held = self.masks().saturating_add(legacy_copies).saturating_add(stream).saturating_add(extra_copies);
        (self.attn_stage(l).saturating_add(held), ffn.saturating_add(held))
    }

    /// Cells of every mask the graph builds (full cache and SWA cache).
    fn mask_cells(&self) -> u64 {
        self.mask_cells
    }

    /// The output stage, after the last attention (the masks are freed): the logits of
    /// `min(n_tokens, n_batch)` outputs, the final norm's input and output, the output ids.
    /// ggml-alloc places the logits above the highest live tensor. When the last layer adds
    /// shared experts to the routed ones (DeepSeek's `ggml_add(moe_out, ffn_shexp)`, not in
    /// place), the layer's output lands above everything its MoE allocated before that add:
    /// the routed experts' outputs (`n_embd × n_expert_used` per token), their sum and the
    /// shared experts' output (`n_embd` each), the router's logits and probabilities and the
    /// selected weights; that much sits under the logits too (seen in the table's
    /// DeepSeek-V2-Lite rows; routed-only MoE layers, Qwen3 and gpt-oss, leave nothing).
    fn output_peak(&self) -> u64 {
        let mut outputs = self.n_tokens.min(self.p.n_batch.min(self.n_ctx));
        if self.p.n_outputs_max > 0 {
            outputs = outputs.min(self.p.n_outputs_max);
        }
        let below = match self.shape.layers.last() {
            Some(l) if l.shared_experts > 0 => self.shape.n_embd * (l.n_expert_used + 2) + 2 * l.n_expert + l.n_expert_used,
            _ => 0,
        };
        outputs.smul(self.shape.n_vocab + 2 * self.shape.n_embd + 1).saturating_add(self.n_tokens.smul(below)).smul(F32)
    }

    /// The graph's inputs, which the scheduler keeps on the host (`ggml-backend.cpp`
    /// `ggml_backend_sched_backend_id_from_cur`: a tensor flagged `GGML_TENSOR_FLAG_INPUT` goes
    /// to the last backend, the CPU) and copies to the devices that read them, so they are the
    /// host compute buffer even with every layer on a GPU (`CUDA_Host`/`Vulkan_Host`/`CPU
    /// compute buffer`): `build_inp_embd` keeps both the token path's `get_rows` output and the
    /// raw `inp_embd` input, `n_embd × n_tokens` f32 each (`src/llama-graph.cpp`, "select one of
    /// the 2 inputs", ggml-org/llama.cpp PR #18550); the KQ mask of each cache
    /// (`build_attn_inp_kq_mask`: `n_kv × n_tokens`, f16 with flash attention since PR #23764,
    /// f32 before it and without flash attention, [`F16_MASK_AND_OUTPUTS_MAX_BUILD`]); and per token the token id, position and output id (i32) and the K and V cache
    /// row indices (i64), [`INPUT_IDS_BYTES`].
    fn host_inputs(&self) -> u64 {
        let t = self.n_tokens;
        let elem = if self.p.flash_attn && !self.p.legacy_graph { 2 } else { F32 };
        let masks = self.mask_cells().smul(t).smul(elem);
        let once = t.smul(2 * self.shape.n_embd * F32 + INPUT_IDS_BYTES).saturating_add(masks);
        // Pipeline parallelism keeps n_copies of the inputs it sends: the masks, one stream
        // and the index inputs.
        let sent = masks.saturating_add(t.smul(self.shape.n_embd * F32 + INPUT_IDS_BYTES));
        once.saturating_add((self.n_copies - 1).smul(sent))
    }

    /// Each layer's [`Stages`], once per graph for every device (a layer repeating its
    /// predecessor's shape repeats its stages).
    fn stages(&self) -> Vec<Stages> {
        let mut out: Vec<Stages> = Vec::with_capacity(self.shape.layers.len());
        let mut prev: Option<&Layer> = None;
        for l in &self.shape.layers {
            let st = match (prev, out.last()) {
                (Some(q), Some(st)) if same_graph(q, l) => *st,
                _ => {
                    let (attn, ffn) = self.device_stages(l);
                    Stages { host: self.layer_peak(l), attn, ffn }
                }
            };
            out.push(st);
            prev = Some(l);
        }
        out
    }

    /// The compute buffer of device `dev` (`None` = the host): the largest stage it runs.
    fn compute(&self, stages: &[Stages], place: &[Option<usize>], dev: Option<usize>, n_cpu_moe: u64) -> u64 {
        let n_layer = self.shape.layers.len();
        let mut peak = 0u64;
        for (il, st) in stages.iter().enumerate() {
            if place[il] == dev {
                peak = peak.max(if dev.is_some() { st.attn.max(st.ffn) } else { st.host });
            }
        }
        if place[n_layer] == dev {
            peak = peak.max(self.output_peak());
        }
        let t = self.n_tokens;
        match dev {
            // With every layer on a GPU the host keeps the graph's inputs; when it runs layers
            // itself, their intermediates reuse that memory (the measured CPU table), with the
            // token ids, positions and the embeddings' rows as the floor.
            None if place.iter().all(|d| d.is_some()) => self.host_inputs(),
            None => peak.max(t.smul(self.shape.n_embd + 3).smul(F32)),
            // The first GPU runs the ops of host-resident weights once a ubatch has
            // OP_OFFLOAD_MIN_BATCH tokens, the whole layer's computation and not only its
            // matmuls (ggml-org/llama.cpp PR #6083, "the entire computation of the batch is
            // offloaded … the weights are now copied to VRAM in the compute buffer"): a host
            // layer's peak is a device layer's, plus the weights its largest split copies in.
            // A dense layer's FFN is one split (norm, gate, up, SwiGLU, down), so its three
            // matrices arrive together (gpustack/gguf-parser-go#45: Qwen3-0.6B at -ngl 1 needs
            // 9.55 MiB more than at full offload, three Q8_0 FFN matrices); of a MoE layer the
            // largest expert tensor (`--n-cpu-moe` layers too).
            // The copies are alive in the FFN stage that uses them, so they add to that stage
            // only: with the attention's f32 scores (flash attention off) the larger stage may
            // hide them (data/llamacpp/published-logs.csv: Qwen3-30B-A3B with `-ot exps=CPU`
            // prints the same compute buffer on both GPUs).
            Some(0) if t >= OP_OFFLOAD_MIN_BATCH => {
                for (il, l) in self.shape.layers.iter().enumerate() {
                    let copies = if place[il].is_none() {
                        l.largest_tensor.smul(if l.n_expert == 0 { 3 } else { 1 })
                    } else if (il as u64) < n_cpu_moe {
                        l.largest_tensor
                    } else {
                        0
                    };
                    if copies > 0 {
                        let st = &stages[il];
                        peak = peak.max(st.attn).max(st.ffn.saturating_add(copies));
                    }
                }
                peak
            }
            Some(_) => peak,
        }
    }
}

/// A card as llama.cpp sees it: its free memory and its bandwidth.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    pub id: String,
    /// Memory llama.cpp may fill (`ggml_backend_dev_memory` free bytes).
    pub free_bytes: u64,
    /// Decimal GB/s.
    pub bandwidth_gbs: f64,
}

/// System RAM.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HostMemory {
    /// `None`: not limited.
    pub ram_bytes: Option<u64>,
    pub bandwidth_gbs: f64,
}

/// Whether each card holds its buffers, and the host its.
pub fn fits(acc: &Accounting, cards: &[Card], host: &HostMemory) -> (Vec<bool>, bool) {
    let per: Vec<bool> = acc.devices.iter().zip(cards).map(|(b, c)| b.total() <= c.free_bytes).collect();
    let host_ok = host.ram_bytes.is_none_or(|r| acc.host_total() <= r);
    (per, host_ok)
}

fn all_fit(acc: &Accounting, cards: &[Card], host: &HostMemory) -> bool {
    margin(acc, cards, host) >= 0
}

/// The split fractions: `--tensor-split` when given, else each card's free memory.
pub fn split_of(cards: &[Card], tensor_split: &[f64]) -> Vec<f64> {
    if tensor_split.is_empty() || tensor_split.iter().all(|x| *x == 0.0) {
        cards.iter().map(|c| c.free_bytes as f64).collect()
    } else {
        tensor_split.to_vec()
    }
}

/// Checks `--tensor-split` against the cards.
pub fn check_split(cards: &[Card], tensor_split: &[f64]) -> Result<(), InputError> {
    if tensor_split.is_empty() {
        return Ok(());
    }
    if tensor_split.len() != cards.len() {
        return Err(InputError::new("--tensor-split", format!("has {} parts for {} cards; give one non-negative number per card (--gpu ID,ID,… or --gpus N)", tensor_split.len(), cards.len())));
    }
    if tensor_split.iter().any(|x| !x.is_finite() || *x < 0.0) || tensor_split.iter().sum::<f64>() <= 0.0 {
        return Err(InputError::new("--tensor-split", "parts must be non-negative numbers adding up to more than 0"));
    }
    Ok(())
}

/// Bytes one decoded token reads on each device and on the host: every weight of the layers
/// there (routed experts by the share `n_expert_used / n_expert` one token selects), the
/// output matrix, and the cache of one sequence: the cells its tokens fill ([`Params::decode_tokens`]).
pub fn bytes_per_token(shape: &Shape, acc: &Accounting, p: &Params) -> (Vec<u64>, u64) {
    let mut dev = vec![0u64; acc.devices.len()];
    let mut host = 0u64;
    let n_layer = shape.layers.len();
    let seq_cells = if p.decode_tokens == 0 { acc.n_ctx_seq } else { p.decode_tokens.div_ceil(CTX_PAD).smul(CTX_PAD).min(acc.n_ctx_seq) };
    for (il, l) in shape.layers.iter().enumerate() {
        let active_experts = if l.n_expert > 0 { (l.expert_bytes as u128 * l.n_expert_used as u128 / l.n_expert as u128) as u64 } else { 0 };
        let dense = l.bytes - l.expert_bytes;
        let cells = if l.swa { acc.swa_cells.min(seq_cells) } else { seq_cells };
        let kv = (p.type_k.row_bytes(l.k_width) + if shape.mla { 0 } else { p.type_v.row_bytes(l.v_width) }).smul(cells);
        let (on_dev, on_host) = if (il as u64) < p.n_cpu_moe { (dense + kv, active_experts) } else { (dense + kv + active_experts, 0) };
        match acc.placement[il] {
            Some(d) => dev[d] += on_dev,
            None => host += on_dev,
        }
        host += on_host;
    }
    match acc.placement[n_layer] {
        Some(d) => dev[d] += shape.output_bytes,
        None => host += shape.output_bytes,
    }
    (dev, host)
}

/// The fraction of system RAM's nominal bandwidth that the host's part of a llama.cpp decode
/// achieves (weights and experts kept in RAM, read by the CPU backend's matmuls). The median
/// of the published runs with a host part in `data/llamacpp/offload-speed.csv` (partial
/// offload and `--n-cpu-moe` on an i9-10900X with quad-channel DDR4 and a Ryzen 9 5900X with
/// dual-channel DDR4: 0.38–0.56 with the GPUs at their measured MBU; one Zen 5 laptop with
/// DDR5-5600 reached 0.79 CPU-only), i.e. half the nominal bandwidth: CPUs do not stream a
/// decode's scattered quantized blocks at the DIMMs' peak. Checked in `tests/llamacpp_speed.rs`.
pub const HOST_DECODE_MBU: f64 = 0.5;

/// Where each stage of a decoded token runs, in order (the embeddings' rows on the host, then
/// per layer its attention and its FFN, then the output): each change of device is a graph
/// split whose input is copied and waited for, [`crate::throughput::PCIE_LATENCY_S`] each.
/// `--n-cpu-moe` layers cross twice per layer (attention on the GPU, experts on the host).
fn split_crossings(acc: &Accounting, p: &Params) -> u64 {
    let n_layer = acc.placement.len().saturating_sub(1);
    let mut at: Option<usize> = None;
    let mut crossings = 0u64;
    let mut visit = |to: Option<usize>| {
        if to != at {
            crossings += 1;
            at = to;
        }
    };
    for il in 0..n_layer {
        visit(acc.placement[il]);
        visit(if (il as u64) < p.n_cpu_moe { None } else { acc.placement[il] });
    }
    visit(acc.placement[n_layer]);
    crossings
}

/// Decode tokens/s of one sequence: each device reads its bytes at its bandwidth × MBU, one
/// after the other (layers run in order), the host its part at the RAM's bandwidth ×
/// [`HOST_DECODE_MBU`], and every change of device waits for a copy
/// ([`split_crossings`]). `mbu` is the engine's decode bandwidth utilisation on GPUs
/// ([`crate::throughput::Efficiency`]).
pub fn tokens_per_s(shape: &Shape, acc: &Accounting, p: &Params, cards: &[Card], host: &HostMemory, mbu: f64) -> (f64, Option<usize>) {
    let (dev, h) = bytes_per_token(shape, acc, p);
    let mut time = 0.0;
    let mut slowest: Option<(usize, f64)> = None;
    for (i, (b, c)) in dev.iter().zip(cards).enumerate() {
        let t = *b as f64 / (c.bandwidth_gbs * 1e9 * mbu).max(1.0);
        time += t;
        if *b > 0 && slowest.is_none_or(|s| t > s.1) {
            slowest = Some((i, t));
        }
    }
    time += h as f64 / (host.bandwidth_gbs * 1e9 * HOST_DECODE_MBU).max(1.0);
    if !cards.is_empty() {
        time += split_crossings(acc, p) as f64 * crate::throughput::PCIE_LATENCY_S;
    }
    (if time > 0.0 { 1.0 / time } else { 0.0 }, slowest.map(|s| s.0))
}

/// The offload the search chose.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Offload {
    pub n_gpu_layers: u64,
    pub n_cpu_moe: u64,
    pub tokens_per_s: f64,
    /// Everything fits (cards and RAM).
    pub fits: bool,
}

/// The largest `-ngl` that fits the cards (and the RAM the rest), and for MoE models the
/// smallest `--n-cpu-moe` with every layer on the cards; the faster of the two. More layers on
/// the cards never needs less card memory nor more host memory, so the cards alone bound the
/// search (a binary search) and the host is checked at its answer.
pub fn offload_search(shape: &Shape, p: &Params, cards: &[Card], split: &[f64], host: &HostMemory, mbu: f64) -> Result<Offload, InputError> {
    let n_layer = shape.n_layer();
    let none = Offload { n_gpu_layers: 0, n_cpu_moe: p.n_cpu_moe, tokens_per_s: 0.0, fits: false };
    let cards_fit = |ngl: u64, ncmoe: u64| -> Result<bool, InputError> {
        let acc = account(shape, &Params { n_gpu_layers: ngl, n_cpu_moe: ncmoe, ..p.clone() }, split)?;
        Ok(fits(&acc, cards, host).0.iter().all(|x| *x))
    };
    let finish = |ngl: u64, ncmoe: u64| -> Result<Offload, InputError> {
        let q = Params { n_gpu_layers: ngl, n_cpu_moe: ncmoe, ..p.clone() };
        let acc = account(shape, &q, split)?;
        let ok = all_fit(&acc, cards, host);
        let (tps, _) = tokens_per_s(shape, &acc, &q, cards, host, mbu);
        Ok(Offload { n_gpu_layers: ngl, n_cpu_moe: ncmoe, tokens_per_s: if ok { tps } else { 0.0 }, fits: ok })
    };
    if cards.is_empty() {
        return finish(0, p.n_cpu_moe);
    }
    let mut best = none;
    // Every layer and expert on the cards: nothing to search, the MoE search below would find
    // the same (the common answer on large cards).
    if p.n_cpu_moe == 0 && cards_fit(n_layer + 1, 0)? {
        return finish(n_layer + 1, 0);
    }
    if cards_fit(0, p.n_cpu_moe)? {
        let (mut lo, mut hi) = (0u64, n_layer + 1);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if cards_fit(mid, p.n_cpu_moe)? {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        best = finish(lo, p.n_cpu_moe)?;
    }
    if shape.layers.iter().any(|l| l.expert_bytes > 0) && cards_fit(n_layer + 1, n_layer)? {
        let (mut lo, mut hi) = (0u64, n_layer);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if cards_fit(n_layer + 1, mid)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let o = finish(n_layer + 1, lo)?;
        if (o.fits && !best.fits) || (o.fits == best.fits && o.tokens_per_s > best.tokens_per_s) {
            best = o;
        }
    }
    Ok(best)
}

/// The largest `-c` (a multiple of the padding, so exact) with which every buffer fits, up to
/// `ceiling`; 0 when not even the smallest does. [`largest_fitting`] over [`account`].
pub fn max_ctx(shape: &Shape, p: &Params, cards: &[Card], split: &[f64], host: &HostMemory, ceiling: u64) -> Result<u64, InputError> {
    let step = CTX_PAD.smul(if p.kv_unified { 1 } else { p.n_seq.max(1) });
    let k = largest_fitting((ceiling / step).max(1), |k| Ok(margin(&account(shape, &Params { n_ctx: k * step, ..p.clone() }, split)?, cards, host)))?;
    Ok(k * step)
}

/// The most sequences of `ctx_per_seq` tokens each that fit (`-np N -c N·ctx`), up to `ceiling`.
pub fn max_parallel(shape: &Shape, p: &Params, ctx_per_seq: u64, cards: &[Card], split: &[f64], host: &HostMemory, ceiling: u64) -> Result<u64, InputError> {
    largest_fitting(ceiling.max(1), |n| Ok(margin(&account(shape, &Params { n_seq: n, n_ctx: ctx_per_seq.smul(n), ..p.clone() }, split)?, cards, host)))
}

/// The bytes left where the least is left: each card's free memory less its buffers, and the
/// RAM less the host's; negative when something does not fit (what [`fits`] says per card).
fn margin(acc: &Accounting, cards: &[Card], host: &HostMemory) -> i128 {
    let cards_left = acc.devices.iter().zip(cards).map(|(b, c)| c.free_bytes as i128 - b.total() as i128);
    let host_left = host.ram_bytes.map(|r| r as i128 - acc.host_total() as i128);
    cards_left.chain(host_left).min().unwrap_or(i128::MAX)
}

/// The largest `k` in `1..=hi` whose `margin(k)` is not negative (0 when not even `k = 1`),
/// for a margin that falls as `k` grows: `hi` first (large cards hold the whole ceiling), then
/// a bracket `[fits, does not fit]` narrowed at the point where the margin's line between its
/// ends crosses 0 — buffers grow almost linearly in the context, so that point is the answer
/// or next to it, and the next guess closes the bracket (2–4 accounts where a binary search
/// over the trained context takes 8–10). Guesses that do not halve the bracket twice running
/// are followed by a halving. Exact: the answer is where the bracket closes.
fn largest_fitting(hi: u64, margin: impl Fn(u64) -> Result<i128, InputError>) -> Result<u64, InputError> {
    let m1 = margin(1)?;
    if m1 < 0 {
        return Ok(0);
    }
    if hi <= 1 {
        return Ok(1);
    }
    let m_hi = margin(hi)?;
    if m_hi >= 0 {
        return Ok(hi);
    }
    let (mut lo, mut m_lo, mut hi, mut m_hi) = (1u64, m1, hi, m_hi);
    let mut slow = 0;
    while hi - lo > 1 {
        let width = hi - lo;
        let g = if slow >= 2 {
            slow = 0;
            lo + width / 2
        } else {
            let f = m_lo as f64 / (m_lo - m_hi) as f64;
            (lo + libm::floor(width as f64 * f) as u64).clamp(lo + 1, hi - 1)
        };
        let m = margin(g)?;
        if m >= 0 {
            (lo, m_lo) = (g, m);
        } else {
            (hi, m_hi) = (g, m);
        }
        slow = if (hi - lo) * 2 > width { slow + 1 } else { 0 };
    }
    Ok(lo)
}

/// A runtime built on llama.cpp, whose defaults become the run's settings unless a flag sets
/// them (`--runtime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    LlamaServer,
    Ollama,
    LmStudio,
}

/// One runtime's defaults, each with where it was read and when.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RuntimeDefaults {
    pub runtime: Runtime,
    pub id: &'static str,
    /// Context per sequence when none is asked: `None` = the model's trained context.
    /// Ollama picks it by total VRAM: see [`RuntimeDefaults::ctx_for_vram`].
    pub ctx: Option<u64>,
    pub parallel: u64,
    pub n_batch: u64,
    pub n_ubatch: u64,
    /// `None` = auto (llama.cpp enables it where the device supports it).
    pub flash_attn: Option<bool>,
    pub cache_type: CacheType,
    pub kv_unified: bool,
    /// Memory the runtime sets aside per GPU before placing layers.
    pub reserve_per_gpu_bytes: u64,
    pub source: &'static str,
    /// What the sources do not say.
    pub undocumented: &'static str,
    pub as_of: &'static str,
}

/// Ollama's per-GPU reserve for CUDA/ROCm/Vulkan (`ml/device.go` `MinimumMemory`: 457 MiB;
/// Metal 512 MiB), ollama/ollama commit fb30760 (2026-08-21).
pub const OLLAMA_MIN_MEMORY_BYTES: u64 = 457 << 20;
/// Ollama's VRAM tiers for the default context (`server/routes.go` `Serve`: ≥ 47 GiB →
/// 262144, ≥ 23 GiB → 32768, else 4096), commit fb30760.
pub const OLLAMA_CTX_TIERS: [(u64, u64); 3] = [(47 << 30, 262_144), (23 << 30, 32_768), (0, 4096)];

/// The runtimes' defaults (the data the page and the CLI read; sources per entry).
pub const RUNTIMES: [RuntimeDefaults; 3] = [
    RuntimeDefaults {
        runtime: Runtime::LlamaServer,
        id: "llama-server",
        ctx: None,
        parallel: 4,
        n_batch: DEFAULT_BATCH,
        n_ubatch: DEFAULT_UBATCH,
        flash_attn: None,
        cache_type: CacheType::F16,
        kv_unified: true,
        reserve_per_gpu_bytes: 0,
        source: "llama.cpp 0c1e570 common/common.h (n_ctx 0 = the model's trained context, n_batch 2048, n_ubatch 512, flash_attn_type AUTO, cache_type_k/v F16, fit_params true); common/arg.cpp: llama-server's n_parallel -1 = auto, which the server resolves to 4 slots with a unified KV cache (ggml-org/llama.cpp PR #16736)",
        undocumented: "with --fit (on by default) llama-server shrinks an unset context to the free memory; gpuplan takes the context asked",
        as_of: "2026-10-01",
    },
    RuntimeDefaults {
        runtime: Runtime::Ollama,
        id: "ollama",
        ctx: Some(4096),
        parallel: 1,
        n_batch: 512,
        n_ubatch: 512,
        flash_attn: None,
        cache_type: CacheType::F16,
        kv_unified: false,
        reserve_per_gpu_bytes: OLLAMA_MIN_MEMORY_BYTES,
        source: "ollama/ollama fb30760: envconfig/config.go (OLLAMA_CONTEXT_LENGTH 0 = by VRAM 4k/32k/256k, OLLAMA_NUM_PARALLEL 1, OLLAMA_FLASH_ATTENTION unset = llama-server --flash-attn auto where supported, OLLAMA_KV_CACHE_TYPE unset = f16, OLLAMA_GPU_OVERHEAD 0); server/routes.go VRAM tiers; api/types.go num_batch 512 (-b and -ub); ml/device.go 457 MiB per GPU. The default context's history (envconfig/config.go): 2048 until v0.6.6, 4096 from v0.6.7 (commit 44b466e, 2025-04-28), the VRAM tiers from v0.15.5 (commit 0334ffa, 2026-01-27)",
        undocumented: "",
        as_of: "2026-08-21",
    },
    RuntimeDefaults {
        runtime: Runtime::LmStudio,
        id: "lm-studio",
        ctx: Some(4096),
        parallel: 4,
        n_batch: 512,
        n_ubatch: 512,
        flash_attn: None,
        cache_type: CacheType::F16,
        kv_unified: true,
        reserve_per_gpu_bytes: 0,
        source: "lmstudio.ai/docs (load config: contextLength, flashAttention, llamaK/VCacheQuantizationType, KV cache f16 unless set); Max Concurrent Predictions 4 by default (lmstudio-ai/lmstudio-bug-tracker #2024, LM Studio 0.4.16)",
        undocumented: "LM Studio does not document its default context (its loader proposes 4096 and more with free VRAM), its batch sizes (taken as 512), nor whether its parallel slots share one unified cache (assumed, as llama-server)",
        as_of: "2026-10",
    },
];

impl Runtime {
    pub const NAMES: &'static str = "llama-server, ollama, lm-studio";
    pub fn parse(s: &str) -> Result<Runtime, InputError> {
        RUNTIMES.iter().find(|r| r.id == s).map(|r| r.runtime).ok_or_else(|| InputError::new("--runtime", format!("\"{s}\" is not a runtime; allowed: {}", Self::NAMES)))
    }
    pub fn defaults(self) -> &'static RuntimeDefaults {
        RUNTIMES.iter().find(|r| r.runtime == self).unwrap_or(&RUNTIMES[0])
    }
}

impl RuntimeDefaults {
    /// The default context for GPUs of `total_vram` bytes (Ollama's tiers; the others' fixed
    /// default).
    pub fn ctx_for_vram(&self, total_vram: u64) -> Option<u64> {
        if self.runtime == Runtime::Ollama {
            return OLLAMA_CTX_TIERS.iter().find(|(min, _)| total_vram >= *min).map(|t| t.1);
        }
        self.ctx
    }
}

/// The llama.cpp settings the CLI and the page take (`None`: the runtime's or llama.cpp's
/// default).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    pub ctx: Option<u64>,
    pub parallel: Option<u64>,
    pub ubatch: Option<u64>,
    pub batch_size: Option<u64>,
    pub flash_attn: Option<bool>,
    pub type_k: Option<CacheType>,
    pub type_v: Option<CacheType>,
    /// `--gpu-layers auto`: the largest that fits.
    pub gpu_layers_auto: bool,
    pub n_cpu_moe: Option<u64>,
    pub tensor_split: Vec<f64>,
    pub host_ram_bytes: Option<u64>,
    pub host_bw_gbs: Option<f64>,
    /// `--gpu-bw-gbs N`: the bandwidth of cards given by their memory only (`--gpu-memory-gib`,
    /// no catalog id), decimal GB/s.
    pub gpu_bw_gbs: Option<f64>,
    pub runtime: Option<Runtime>,
    /// `--kv-unified`: one cache stream shared by all sequences (`None`: the runtime's).
    pub kv_unified: Option<bool>,
    /// `--swa-full`: the sliding-window layers keep the whole context (llama-server's default
    /// is off, `common/common.h` `swa_full = false`).
    pub swa_full: bool,
    /// `--n-outputs-max N` (`None`: the runtime's; llama-server reserves logits for one output
    /// per slot, `tools/server/server-context.cpp` `server_n_outputs_max` = `min(n_batch,
    /// n_parallel · (1 + draft tokens))`, 2026; the library's default 0 = `n_batch`).
    pub n_outputs_max: Option<u64>,
    /// `--llama-cpp-build N`: the build (`bN`) whose graph to model; `None`: a current one
    /// (from [`F16_MASK_AND_OUTPUTS_MAX_BUILD`] on).
    pub build: Option<u64>,
    /// The cards by name (`--gpu ID,ID,…`), free memory already net of the runtime; empty:
    /// `--gpus` cards of the workload's memory.
    pub cards: Vec<Card>,
    /// `--mmproj FILE`: the projector's bytes ([`Params::mmproj_bytes`]), 0 without.
    pub mmproj_bytes: u64,
    /// `--no-mmproj-offload` ([`Params::mmproj_on_host`]).
    pub mmproj_on_host: bool,
}

/// Decimal GB/s of system RAM when `--host-bw-gbs` is not given: dual-channel DDR5-5600,
/// 2 channels × 8 B × 5600 MT/s = 89.6 GB/s (JEDEC JESD79-5 data rate; 64-bit channel).
pub const DEFAULT_HOST_BW_GBS: f64 = 89.6;

impl Options {
    /// llama.cpp's parameters for a workload of `seq_tokens` per sequence and `batch`
    /// sequences, on GPUs of `total_vram` bytes; `gpu_layers` as the estimator's workload holds
    /// it (llama.cpp's `-ngl`, `None` = all).
    pub fn params(&self, seq_tokens: u64, batch: u64, total_vram: u64, gpu_layers: Option<u64>) -> Params {
        let rt = self.runtime.map(Runtime::defaults);
        let n_seq = self.parallel.or(rt.map(|r| r.parallel)).unwrap_or(batch).max(1);
        let per_seq = if self.runtime.is_some() && self.ctx.is_none() { rt.and_then(|r| r.ctx_for_vram(total_vram)).unwrap_or(seq_tokens) } else { seq_tokens };
        let kv_default = rt.map_or(CacheType::F16, |r| r.cache_type);
        let type_k = self.type_k.unwrap_or(kv_default);
        Params {
            n_ctx: self.ctx.unwrap_or(per_seq.smul(n_seq)),
            n_seq,
            n_ubatch: self.ubatch.or(rt.map(|r| r.n_ubatch)).unwrap_or(DEFAULT_UBATCH),
            n_batch: self.batch_size.or(rt.map(|r| r.n_batch)).unwrap_or(DEFAULT_BATCH),
            // Auto: llama.cpp enables flash attention where the backend supports the graph's
            // attention (`llama_context` constructor resolving LLAMA_FLASH_ATTN_TYPE_AUTO);
            // CUDA, Metal, Vulkan and the CPU do.
            flash_attn: self.flash_attn.or(rt.and_then(|r| r.flash_attn)).unwrap_or(true),
            type_k,
            type_v: self.type_v.or(self.type_k).unwrap_or(kv_default),
            swa_full: self.swa_full,
            kv_unified: self.kv_unified.unwrap_or(rt.is_some_and(|r| r.kv_unified) && self.parallel.is_none()),
            n_gpu_layers: gpu_layers.unwrap_or(u64::MAX),
            n_cpu_moe: self.n_cpu_moe.unwrap_or(0),
            n_outputs_max: self.n_outputs_max.unwrap_or(self.default_n_outputs_max(n_seq)),
            legacy_graph: self.legacy_graph(),
            decode_tokens: seq_tokens,
            mmproj_bytes: self.mmproj_bytes,
            mmproj_on_host: self.mmproj_on_host,
        }
    }

    /// A build before [`F16_MASK_AND_OUTPUTS_MAX_BUILD`] was asked for.
    pub fn legacy_graph(&self) -> bool {
        self.build.is_some_and(|b| b < F16_MASK_AND_OUTPUTS_MAX_BUILD)
    }

    /// `n_outputs_max` when `--n-outputs-max` is not given. Since PR #23861 llama-server (and
    /// llama-cli, built on the server's context) reserve the logits of one output per slot
    /// (`tools/server/server-context.cpp` `server_n_outputs_max`: `min(n_batch, n_parallel ·
    /// (1 + draft tokens))`): the programs most posted logs come from, so the plain engine
    /// takes it too. Ollama's runner and apps on libllama keep the library's default, 0 =
    /// `n_batch`, and so does every build before the PR (where the reserve asked for the logits
    /// of the whole ubatch).
    pub fn default_n_outputs_max(&self, n_seq: u64) -> u64 {
        match self.runtime {
            _ if self.legacy_graph() => 0,
            None | Some(Runtime::LlamaServer) => n_seq,
            Some(Runtime::Ollama) | Some(Runtime::LmStudio) => 0,
        }
    }

    pub fn host(&self) -> HostMemory {
        HostMemory { ram_bytes: self.host_ram_bytes, bandwidth_gbs: self.host_bw_gbs.unwrap_or(DEFAULT_HOST_BW_GBS) }
    }

    /// Memory the runtime reserves on each GPU.
    pub fn reserve_per_gpu(&self) -> u64 {
        self.runtime.map_or(0, |r| r.defaults().reserve_per_gpu_bytes)
    }
}

/// Everything the CLI's `llama_cpp` object and the page show for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub params: Params,
    pub acc: Accounting,
    pub cards: Vec<Card>,
    pub fits: Vec<bool>,
    pub host_fits: bool,
    /// The largest `-c` that fits with this split, a multiple of the padding.
    pub max_ctx: u64,
    /// The most sequences of the asked per-sequence context that fit.
    pub max_parallel: u64,
    pub tokens_per_s: f64,
    /// The card whose share takes the longest per token (lowest bandwidth for its bytes).
    pub slowest: Option<usize>,
    pub host: HostMemory,
}

/// The split (`--tensor-split` checked, else free memory), `--gpu-layers auto` resolved by
/// [`offload_search`], and the accounting: what an estimate needs, without the searches of
/// [`report`].
pub fn resolve(shape: &Shape, opts: &Options, base: Params, cards: &[Card], mbu: f64) -> Result<(Params, Vec<f64>, Accounting), InputError> {
    check_split(cards, &opts.tensor_split)?;
    let split = split_of(cards, &opts.tensor_split);
    let mut p = base;
    if opts.gpu_layers_auto {
        let o = offload_search(shape, &p, cards, &split, &opts.host(), mbu)?;
        p.n_gpu_layers = o.n_gpu_layers;
        p.n_cpu_moe = o.n_cpu_moe;
    }
    let acc = account(shape, &p, &split)?;
    Ok((p, split, acc))
}

/// The ceiling of the context searches: the model's trained context per sequence (or the
/// estimator's token bound when unknown).
fn ctx_ceiling(shape: &Shape, p: &Params) -> u64 {
    let per_seq = if shape.n_ctx_train > 0 { shape.n_ctx_train } else { crate::memory::MAX_TOKENS };
    per_seq.smul(p.n_seq.max(1)).min(crate::memory::MAX_TOKENS)
}

/// The run: `--gpu-layers auto` resolved by [`offload_search`], the accounting, each card's
/// fit, the largest context and parallel sequences, tokens/s. Too little `--host-ram-gb` for
/// what stays on the host is an error naming it.
pub fn report(shape: &Shape, opts: &Options, base: Params, cards: &[Card], mbu: f64) -> Result<Report, InputError> {
    let (p, split, acc) = resolve(shape, opts, base, cards, mbu)?;
    let host = opts.host();
    let (fits, host_fits) = fits(&acc, cards, &host);
    if let (false, Some(ram)) = (host_fits, host.ram_bytes) {
        return Err(InputError::new(
            "--host-ram-gb",
            format!(
                "{:.1} GB of system RAM cannot hold the host's {:.1} GB (model, KV, compute and output buffers); give at least {:.0}, or more --gpu-layers",
                ram as f64 / 1e9,
                acc.host_total() as f64 / 1e9,
                libm::ceil(acc.host_total() as f64 / 1e9)
            ),
        ));
    }
    let max_ctx = max_ctx(shape, &p, cards, &split, &host, ctx_ceiling(shape, &p))?;
    let per_seq = (p.n_ctx / p.n_seq.max(1)).max(1);
    let max_parallel = max_parallel(shape, &p, per_seq, cards, &split, &host, crate::memory::MAX_BATCH.min(crate::memory::MAX_TOKENS / per_seq).max(1))?;
    let (tokens_per_s, slowest) = tokens_per_s(shape, &acc, &p, cards, &host, mbu);
    Ok(Report { params: p, acc, cards: cards.to_vec(), fits, host_fits, max_ctx, max_parallel, tokens_per_s, slowest, host })
}

/// What the every-card table asks of one set of cards: the split [`resolve`] settles on,
/// whether it fits the cards and the host, and the largest context at that split — the part
/// of [`report`] without the most parallel sequences and tokens/s, for a `shape` built once
/// for all cards.
pub fn fit_and_max_ctx(shape: &Shape, opts: &Options, base: Params, cards: &[Card], mbu: f64) -> Result<(Accounting, bool, u64), InputError> {
    let (p, split, acc) = resolve(shape, opts, base, cards, mbu)?;
    let host = opts.host();
    let (fits, host_fits) = fits(&acc, cards, &host);
    let max_ctx = max_ctx(shape, &p, cards, &split, &host, ctx_ceiling(shape, &p))?;
    Ok((acc, fits.iter().all(|f| *f) && host_fits, max_ctx))
}

fn obj(fields: Vec<(&'static str, crate::json::Value)>) -> crate::json::Value {
    let mut m = crate::json::Map::new();
    for (k, v) in fields {
        m.insert(String::from(k), v);
    }
    m.into()
}

impl Report {
    /// The CLI's `llama_cpp` object.
    pub fn to_json(&self) -> crate::json::Value {
        use crate::json::{object, Value};
        let buf = |b: &Buffers| -> Vec<(&'static str, Value)> {
            vec![("model_bytes", b.model.into()), ("kv_bytes", (b.kv + b.kv_swa).into()), ("kv_swa_bytes", b.kv_swa.into()), ("compute_bytes", b.compute.into())]
        };
        let devices: Vec<Value> = self
            .acc
            .devices
            .iter()
            .zip(&self.cards)
            .zip(&self.fits)
            .map(|((b, c), f)| {
                let mut v = buf(b);
                v.push(("gpu", c.id.as_str().into()));
                v.push(("free_bytes", c.free_bytes.into()));
                v.push(("fits", (*f).into()));
                obj(v)
            })
            .collect();
        let mut host = buf(&self.acc.host);
        host.push(("output_bytes", self.acc.output.into()));
        host.push(("fits", self.host_fits.into()));
        host.push(("ram_bytes", self.host.ram_bytes.map_or(Value::Null, Value::from)));
        let tps = if self.tokens_per_s.is_finite() { self.tokens_per_s } else { 0.0 };
        object([
            ("n_ctx", self.acc.n_ctx.into()),
            ("n_ctx_seq", self.acc.n_ctx_seq.into()),
            ("n_seq", self.params.n_seq.into()),
            ("n_ubatch", self.acc.n_ubatch.into()),
            ("n_batch", self.acc.n_batch.into()),
            ("flash_attn", self.params.flash_attn.into()),
            ("type_k", self.params.type_k.name().into()),
            ("type_v", self.params.type_v.name().into()),
            ("devices", Value::Array(devices)),
            ("host", obj(host)),
            ("kv_bytes", self.acc.kv_total().into()),
            ("output_bytes", self.acc.output.into()),
            ("gpu_layers", self.acc.n_gpu_layers.into()),
            ("n_cpu_moe", self.params.n_cpu_moe.into()),
            ("max_ctx", self.max_ctx.into()),
            ("max_parallel", self.max_parallel.into()),
            ("tokens_per_s", (libm::round(tps * 100.0) / 100.0).into()),
            ("slowest", self.slowest.and_then(|i| self.cards.get(i)).map_or(Value::Null, |c| c.id.as_str().into())),
            ("fits", (self.host_fits && self.fits.iter().all(|f| *f)).into()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Llama-3.1-8B's shape in llama.cpp's terms (Q4_K_M-like layer bytes).
    fn llama8b() -> Shape {
        let layer = Layer { bytes: 140_000_000, largest_tensor: 60_000_000, n_head: 32, k_width: 1024, v_width: 1024, q_width: 4096, ffn_width: 14336, ..Layer::default() };
        Shape { n_embd: 4096, n_vocab: 128_256, layers: vec![layer; 32], tok_embd_bytes: 290_000_000, output_bytes: 430_000_000, n_ctx_train: 131_072, ..Shape::default() }
    }

    fn card(id: &str, gib: u64, bw: f64) -> Card {
        Card { id: id.into(), free_bytes: gib << 30, bandwidth_gbs: bw }
    }

    const HOST: HostMemory = HostMemory { ram_bytes: None, bandwidth_gbs: 89.6 };

    #[test]
    fn n_ctx_is_padded_as_llama_context_does() {
        let p = |n_ctx, n_seq, unified| context_sizes(&Params { n_seq, kv_unified: unified, ..Params::new(n_ctx) });
        assert_eq!(p(5000, 1, false), (5120, 5120, 2048, 512));
        // 8192 / 3 = 2730 → 2816 per sequence, n_ctx rounded to 3 × 2816.
        assert_eq!(p(8192, 3, false).0, 8448);
        assert_eq!(p(8192, 3, true), (8192, 8192, 2048, 512));
        // n_batch is capped by the context asked (before padding), n_ubatch by n_batch.
        assert_eq!(p(100, 1, false), (256, 256, 100, 100));
    }

    #[test]
    fn gpu_layers_count_from_the_output_layer() {
        let all = placement(32, 33, &[1.0]);
        assert!(all.iter().all(|d| *d == Some(0)));
        assert!(placement(32, 0, &[1.0]).iter().all(|d| d.is_none()));
        let twenty = placement(32, 20, &[1.0]);
        assert_eq!(twenty.iter().filter(|d| d.is_some()).count(), 20);
        assert!(twenty[..13].iter().all(|d| d.is_none()) && twenty[32] == Some(0), "the last 19 layers and the output");
        // Two equal cards: (il − start) / 33 below 0.5 on the first.
        let two = placement(32, 33, &[24.0, 24.0]);
        assert_eq!(two.iter().filter(|d| **d == Some(0)).count(), 17);
        assert_eq!(two[32], Some(1));
        let three_to_one = placement(32, 33, &[3.0, 1.0]);
        assert_eq!(three_to_one.iter().filter(|d| **d == Some(0)).count(), 25);
    }

    /// `--mmproj FILE`: the projector on the first GPU, on the host with `--no-mmproj-offload`,
    /// and on the host when there is no GPU (llama.cpp's clip falls back to the CPU backend).
    #[test]
    fn the_projector_goes_to_the_first_gpu_or_the_host() {
        let s = llama8b();
        let mm = 600 << 20;
        let base = account(&s, &Params::new(4096), &[1.0, 1.0]).unwrap();
        let gpu = account(&s, &Params { mmproj_bytes: mm, ..Params::new(4096) }, &[1.0, 1.0]).unwrap();
        assert_eq!(gpu.devices[0].model, base.devices[0].model + mm);
        assert_eq!((gpu.devices[1], gpu.host), (base.devices[1], base.host));
        let host = account(&s, &Params { mmproj_bytes: mm, mmproj_on_host: true, ..Params::new(4096) }, &[1.0, 1.0]).unwrap();
        assert_eq!(host.host.model, base.host.model + mm);
        assert_eq!(host.devices, base.devices);
        let cpu = account(&s, &Params { mmproj_bytes: mm, ..Params::new(4096) }, &[]).unwrap();
        assert_eq!(cpu.host.model, account(&s, &Params::new(4096), &[]).unwrap().host.model + mm);
    }

    #[test]
    fn kv_buffers_per_layer_and_type() {
        let s = llama8b();
        let a = account(&s, &Params { flash_attn: false, ..Params::new(4096) }, &[]).unwrap();
        // 32 layers × 4096 cells × (1024 K + 1024 V) × 2 B: the measured 536 870 912.
        assert_eq!(a.host.kv, 536_870_912);
        let q8 = account(&s, &Params { type_k: CacheType::Q8_0, type_v: CacheType::Q8_0, ..Params::new(8192) }, &[]).unwrap();
        assert_eq!(q8.host.kv, 2 * 32 * 8192 * (1024 / 32 * 34));
        // MLA: K only, kv_lora_rank + rope wide.
        let mut mla = s.clone();
        mla.mla = true;
        for l in &mut mla.layers {
            l.k_width = 512 + 64;
            l.v_width = 0;
        }
        assert_eq!(account(&mla, &Params::new(4096), &[]).unwrap().host.kv, 32 * 4096 * 576 * 2);
    }

    #[test]
    fn sliding_window_layers_keep_the_window_plus_a_ubatch() {
        let mut s = llama8b();
        s.n_swa = 4096;
        for (i, l) in s.layers.iter_mut().enumerate() {
            l.swa = i % 2 == 0;
        }
        let a = account(&s, &Params::new(32768), &[]).unwrap();
        assert_eq!(a.swa_cells, 4608, "pad(min(32768, 4096 + 512), 256)");
        assert_eq!(a.host.kv_swa, 16 * 4608 * 2048 * 2);
        assert_eq!(a.host.kv, 16 * 32768 * 2048 * 2);
        let full = account(&s, &Params { swa_full: true, ..Params::new(32768) }, &[]).unwrap();
        assert_eq!(full.swa_cells, 32768);
        // Unified cache of 4 sequences: n_swa × 4 + n_ubatch.
        let u = account(&s, &Params { n_seq: 4, kv_unified: true, ..Params::new(32768) }, &[]).unwrap();
        assert_eq!(u.swa_cells, (4 * 4096 + 512u64).div_ceil(256) * 256);
    }

    #[test]
    fn without_flash_attention_the_scores_dominate_the_compute_buffer() {
        let s = llama8b();
        let off = account(&s, &Params { flash_attn: false, ..Params::new(32768) }, &[]).unwrap();
        let on = account(&s, &Params::new(32768), &[]).unwrap();
        assert!(off.host.compute > 32768 * 512 * 32 * 4, "the f32 scores of one ubatch");
        // With flash attention the logits of the ubatch are the peak.
        assert_eq!(on.host.compute, 512 * (128_256 + 2 * 4096 + 1) * 4);
        assert_eq!(on.output, 128_256 * 4);
    }

    #[test]
    fn bad_settings_name_their_flag() {
        let s = llama8b();
        let e = |p: Params| account(&s, &p, &[]).unwrap_err().field;
        assert_eq!(e(Params { flash_attn: false, type_v: CacheType::Q8_0, ..Params::new(4096) }), "--kv-cache-v");
        assert_eq!(e(Params { n_gpu_layers: 34, ..Params::new(4096) }), "--gpu-layers");
        assert_eq!(e(Params { n_cpu_moe: 33, ..Params::new(4096) }), "--n-cpu-moe");
        assert_eq!(e(Params::new(0)), "--ctx");
        let cards = [card("a", 24, 936.0), card("b", 24, 1008.0)];
        assert_eq!(check_split(&cards, &[1.0]).unwrap_err().field, "--tensor-split");
        assert!(check_split(&cards, &[3.0, 1.0]).is_ok());
    }

    #[test]
    fn the_largest_context_is_exact_to_the_padding() {
        let s = llama8b();
        let cards = [card("rtx-3060", 12, 360.0)];
        let p = Params { n_gpu_layers: 33, ..Params::new(4096) };
        let max = max_ctx(&s, &p, &cards, &[1.0], &HOST, 131_072).unwrap();
        assert!(max > 4096 && max.is_multiple_of(CTX_PAD), "{max}");
        let at = |n| all_fit(&account(&s, &Params { n_ctx: n, ..p.clone() }, &[1.0]).unwrap(), &cards, &HOST);
        assert!(at(max) && !at(max + 1), "{max} fits, one more token does not");
        let seqs = max_parallel(&s, &p, 4096, &cards, &[1.0], &HOST, 1024).unwrap();
        let at_n = |n: u64| all_fit(&account(&s, &Params { n_seq: n, n_ctx: 4096 * n, ..p.clone() }, &[1.0]).unwrap(), &cards, &HOST);
        assert!(seqs >= 1 && at_n(seqs) && !at_n(seqs + 1), "{seqs}");
    }

    proptest::proptest! {
        /// The bracketed search finds what a binary search finds, for any margin that falls as
        /// k grows: linear, stepped, or with a kink where another buffer binds.
        #[test]
        fn largest_fitting_is_the_binary_searchs_answer(a in -1_000_000i64..1_000_000_000, slope in 1i64..5_000_000, step in 1i64..4096, kink in 1u64..5000, slope2 in 0i64..50_000_000, hi in 1u64..5000) {
            let m = |k: u64| -> i128 {
                let k = k as i128;
                let base = a as i128 - (k * slope as i128 / step as i128) * step as i128;
                base - (k - kink as i128).max(0) * slope2 as i128
            };
            let calls = core::cell::Cell::new(0u32);
            let got = largest_fitting(hi, |k| { calls.set(calls.get() + 1); Ok(m(k)) }).unwrap();
            let want = (1..=hi).take_while(|k| m(*k) >= 0).last().unwrap_or(0);
            proptest::prop_assert_eq!(got, want);
            // Never worse than about three binary searches.
            proptest::prop_assert!(calls.get() <= 3 * (64 - hi.leading_zeros()) + 3, "{} calls for hi {}", calls.get(), hi);
        }
    }

    /// On the real accounting the bracketed search takes a few accounts, not a binary search's.
    #[test]
    fn the_largest_context_search_takes_few_accounts() {
        let s = llama8b();
        let p = Params { n_gpu_layers: 33, ..Params::new(4096) };
        for gib in [6, 8, 12, 16, 24] {
            let cards = [card("c", gib, 360.0)];
            let calls = core::cell::Cell::new(0u32);
            let k = largest_fitting(131_072 / CTX_PAD, |k| {
                calls.set(calls.get() + 1);
                Ok(margin(&account(&s, &Params { n_ctx: k * CTX_PAD, ..p.clone() }, &[1.0]).unwrap(), &cards, &HOST))
            })
            .unwrap();
            assert_eq!(k * CTX_PAD, max_ctx(&s, &p, &cards, &[1.0], &HOST, 131_072).unwrap());
            assert!(calls.get() <= 5, "{gib} GiB: {} accounts", calls.get());
        }
    }

    #[test]
    fn offload_takes_the_most_layers_that_fit_and_moe_experts_go_first() {
        let s = llama8b();
        let cards = [card("small", 3, 360.0)];
        let p = Params::new(8192);
        let o = offload_search(&s, &p, &cards, &[1.0], &HOST, 0.5).unwrap();
        assert!(o.fits && o.n_gpu_layers > 0 && o.n_gpu_layers < 33, "{o:?}");
        let fit = |ngl| all_fit(&account(&s, &Params { n_gpu_layers: ngl, ..p.clone() }, &[1.0]).unwrap(), &cards, &HOST);
        assert!(fit(o.n_gpu_layers) && !fit(o.n_gpu_layers + 1));
        // A MoE model: keeping experts on the host lets every layer's attention on the card.
        let mut moe = llama8b();
        for l in &mut moe.layers {
            l.bytes = 600_000_000;
            l.expert_bytes = 560_000_000;
            l.n_expert = 128;
            l.n_expert_used = 8;
            l.largest_tensor = 190_000_000;
        }
        let m = offload_search(&moe, &p, &[card("12g", 12, 360.0)], &[1.0], &HOST, 0.5).unwrap();
        assert!(m.fits && m.n_gpu_layers == 33 && m.n_cpu_moe > 0, "{m:?}");
        // Faster than the same card with whole layers left on the host.
        let layers_only = offload_search(&moe, &Params { n_cpu_moe: 0, ..p.clone() }, &[card("12g", 12, 360.0)], &[1.0], &HOST, 0.5).unwrap();
        assert!(m.tokens_per_s >= layers_only.tokens_per_s);
    }

    #[test]
    fn mixed_cards_split_by_free_memory_and_name_the_slowest() {
        let s = llama8b();
        let cards = [card("rtx-3090", 24, 936.0), card("rtx-4090", 24, 1008.0), card("rtx-3060", 12, 360.0)];
        let split = split_of(&cards, &[]);
        let a = account(&s, &Params::new(8192), &split).unwrap();
        assert!(a.devices[2].model < a.devices[0].model, "half the memory, fewer layers");
        let (tps, slowest) = tokens_per_s(&s, &a, &Params::new(8192), &cards, &HOST, 0.5);
        assert!(tps > 0.0);
        assert_eq!(slowest, Some(2), "the 3060 reads its share slowest");
        let fits_each = fits(&a, &cards, &HOST).0;
        assert_eq!(fits_each, vec![true, true, true]);
    }

    #[test]
    fn runtime_presets_set_their_defaults_and_flags_win() {
        let o = Options { runtime: Some(Runtime::Ollama), ..Options::default() };
        let p = o.params(2304, 1, 12 << 30, None);
        assert_eq!((p.n_ctx, p.n_seq, p.n_batch, p.n_ubatch), (4096, 1, 512, 512));
        assert_eq!(o.params(2304, 1, 24 << 30, None).n_ctx, 32_768);
        assert_eq!(o.params(2304, 1, 80 << 30, None).n_ctx, 262_144);
        assert_eq!(o.reserve_per_gpu(), 457 << 20);
        let explicit = Options { ctx: Some(8192), parallel: Some(2), ..o };
        let p = explicit.params(2304, 1, 12 << 30, None);
        assert_eq!((p.n_ctx, p.n_seq), (8192, 2));
        let server = Options { runtime: Some(Runtime::LlamaServer), ..Options::default() }.params(1000, 1, 24 << 30, None);
        assert_eq!((server.n_seq, server.kv_unified, server.n_batch), (4, true, 2048));
        for r in RUNTIMES {
            assert!(!r.source.is_empty() && !r.as_of.is_empty(), "{}", r.id);
            assert_eq!(Runtime::parse(r.id).unwrap(), r.runtime);
        }
        assert_eq!(Runtime::parse("vllm").unwrap_err().field, "--runtime");
        // --kv-cache sets both unless --kv-cache-v is given.
        let kv = Options { type_k: Some(CacheType::Q8_0), ..Options::default() }.params(100, 1, 0, None);
        assert_eq!((kv.type_k, kv.type_v), (CacheType::Q8_0, CacheType::Q8_0));
    }

    #[test]
    fn the_model_shape_follows_the_estimators_tensors() {
        let m = Model::new(crate::model::ManualModel::default().to_arch().unwrap());
        let f = WeightFormat::Gguf(crate::formats::GgufType::Q4KM);
        let s = Shape::from_model(&m, f);
        let total: u64 = s.layers.iter().map(|l| l.bytes).sum::<u64>() + s.tok_embd_bytes + s.output_bytes;
        assert_eq!(total, m.weight_bytes(f));
        assert_eq!(s.n_layer(), m.arch.layers);
        // GGUF names replace the formula's bytes.
        let g = s.with_tensors([("token_embd.weight", 10), ("blk.0.attn_q.weight", 7), ("blk.0.ffn_up_exps.weight", 5), ("output_norm.weight", 1)]);
        assert_eq!((g.tok_embd_bytes, g.layers[0].bytes, g.layers[0].expert_bytes), (10, 12, 5));
        assert!(g.output_is_tok_embd && g.output_bytes == 11, "no output.weight: tied");
    }
}
