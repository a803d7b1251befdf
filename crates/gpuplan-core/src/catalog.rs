//! The catalog: 48 GPUs with their sources and dates (and 11 Apple configurations beside them, each
//! a chip × memory with its own price), host memory presets, Hugging Face `config.json` presets for the
//! common open models, the source articles' four user profiles and model-size table, and the
//! USD/CNY rate. All of it is one data file, `data/catalog.json`, embedded at compile time
//! ([`CATALOG_JSON`]); [`load`] parses it and hands the value to the caller (no global state).
//!
//! Units (see `data/README.md`): `memory_bytes` in bytes as the driver reports the card
//! (`nvidia-smi` total; the label is `memory_label_gb`, decimal GB), `bandwidth_gbps` in decimal GB/s, TFLOPS/TOPS dense (no 2:4 sparsity), interconnect
//! GB/s per GPU as a bidirectional total, prices in US dollars with the month they were read.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::json::Value;

/// The catalog file, embedded in the binary (and in the web bundle).
pub const CATALOG_JSON: &str = include_str!("../../../data/catalog.json");

/// The catalog file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogError {
    /// Not valid JSON, or JSON that does not have the catalog's shape.
    Json(String),
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::Json(e) => write!(f, "catalog.json: {e}"),
        }
    }
}

/// Parses the embedded catalog. The result is the caller's to keep (parse once, pass it around).
pub fn load() -> Result<Catalog, CatalogError> {
    parse(CATALOG_JSON)
}

/// Parses a catalog in the `data/catalog.json` format (e.g. a user-edited copy).
pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
    let v: Value = crate::json::parse(text).map_err(|e| CatalogError::Json(format!("{e}")))?;
    Catalog::from_value(v)
}

/// Reads a catalog from its JSON value (`Catalog::from_value`).
mod read;

/// Everything in `data/catalog.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    /// File format version (1).
    pub schema: u32,
    /// When the catalog was assembled (YYYY-MM-DD).
    pub as_of: String,
    /// Source id (`S1` …) → citation text; every GPU's `source_ids` resolve here.
    pub sources: BTreeMap<String, String>,
    pub gpus: Vec<Gpu>,
    pub models: Vec<ModelPreset>,
    pub profiles: Vec<Profile>,
    /// The source article's model-size table (7B … 300B+ × training / fine-tuning / inference).
    pub size_tiers: Vec<SizeTier>,
    /// Host (system) memory presets: the RAM llama.cpp offloads to (`--host ID`). The file's
    /// `hosts` section; absent = none.
    pub hosts: Vec<Host>,
    pub fx: Fx,
}

impl Catalog {
    pub fn gpu(&self, id: &str) -> Option<&Gpu> {
        self.gpus.iter().find(|g| g.id == id)
    }
    pub fn model(&self, id: &str) -> Option<&ModelPreset> {
        self.models.iter().find(|m| m.id == id)
    }
    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }
    /// The citation text of a source id (`"S3"`).
    pub fn source(&self, id: &str) -> Option<&str> {
        self.sources.get(id).map(|s| s.as_str())
    }
    /// The size-table row of a tier (`"70B"`).
    pub fn size_tier(&self, tier: &str) -> Option<&SizeTier> {
        self.size_tiers.iter().find(|t| t.tier == tier)
    }
    /// A host memory preset (`"ddr5-6400-2ch"`).
    pub fn host(&self, id: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.id == id)
    }
}

/// A host (system) memory preset: what the part of a model llama.cpp keeps in RAM is read at.
#[derive(Clone, Debug, PartialEq)]
pub struct Host {
    /// `ddr5-6400-2ch`, `epyc-12ch-ddr5-4800`, `apple-unified-m4-max`, …
    pub id: String,
    pub label: String,
    /// `"ddr"` (DIMMs on a CPU's memory channels) or `"unified"` (an Apple SoC's memory, which
    /// the GPU and the CPU share).
    pub kind: String,
    /// Memory channels (64-bit DDR4 channels, or DDR5 DIMMs of two 32-bit subchannels); 0 for
    /// unified memory.
    pub channels: u32,
    /// Transfers per second of the DIMMs, in millions (DDR5-6400 → 6400); 0 for unified memory.
    pub mt_per_s: u32,
    /// Theoretical peak: channels × 8 bytes × MT/s for DDR; the chip's published figure for
    /// unified memory.
    pub bandwidth_bytes_per_s: u64,
    /// A measured figure (memory-read benchmark) where one is sourced.
    pub achieved_bytes_per_s: Option<u64>,
    /// How `achieved_bytes_per_s` was measured (empty when there is none).
    pub achieved_note: String,
    /// Typical capacities sold for this memory, in GB.
    pub capacity_gb: Vec<u32>,
    /// Ids into [`Catalog::sources`].
    pub source_ids: Vec<String>,
    pub as_of: String,
}

/// Exchange rate used to show CNY prices.
#[derive(Clone, Debug, PartialEq)]
pub struct Fx {
    /// Yuan per US dollar (JSON key `usd_cny`).
    pub cny_per_usd: f64,
    pub source: String,
    pub as_of: String,
}

/// How a card's `memory_bytes` was found (`data/README.md`, Units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryBasis {
    /// A published driver total: `nvidia-smi` / `rocm-smi` / NVML, in `memory_source`.
    Driver,
    /// CUDA's `totalGlobalMem` (slightly below the driver's total: it errs low).
    Cuda,
    /// No published reading: the label × 2³⁰ (DRAM comes in binary sizes; the driver total is
    /// at most this, e.g. 81 559 of 81 920 MiB on an H100).
    Binary,
}

impl MemoryBasis {
    /// The catalog's name of the basis.
    pub fn name(self) -> &'static str {
        match self {
            MemoryBasis::Driver => "driver",
            MemoryBasis::Cuda => "cuda",
            MemoryBasis::Binary => "binary",
        }
    }
}

/// Whether a card runs a number format in hardware.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrecisionSupport {
    /// Tensor/matrix units compute in this format: its peak applies.
    Native,
    /// The format can be stored and loaded (weights dequantised by the kernel, or computed
    /// through a wider type): it saves memory, but the math runs at a wider format's peak.
    Emulated,
    /// No kernels for this format on this hardware.
    Unsupported,
}

impl PrecisionSupport {
    /// "native", "emulated" or "unsupported", as the catalog says it.
    pub fn name(self) -> &'static str {
        match self {
            PrecisionSupport::Native => "native",
            PrecisionSupport::Emulated => "emulated",
            PrecisionSupport::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for PrecisionSupport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Support for each number format the estimator uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrecisionMap {
    pub fp32: PrecisionSupport,
    pub bf16: PrecisionSupport,
    pub fp16: PrecisionSupport,
    pub fp8: PrecisionSupport,
    pub int8: PrecisionSupport,
    /// INT4 weight formats (GPTQ, AWQ, NF4). "native" = INT4 tensor math exists on the card.
    pub int4: PrecisionSupport,
    pub nvfp4: PrecisionSupport,
    pub mxfp4: PrecisionSupport,
}

impl PrecisionMap {
    /// `{"fp32": "native", …}`: each format's support by name, in declaration order.
    pub fn to_json(&self) -> Value {
        crate::json::object([
            ("fp32", self.fp32.name().into()),
            ("bf16", self.bf16.name().into()),
            ("fp16", self.fp16.name().into()),
            ("fp8", self.fp8.name().into()),
            ("int8", self.int8.name().into()),
            ("int4", self.int4.name().into()),
            ("nvfp4", self.nvfp4.name().into()),
            ("mxfp4", self.mxfp4.name().into()),
        ])
    }
}

/// Dense peak throughput (TFLOPS, or TOPS for int8), no sparsity. `None` = not supported or not
/// published. `bf16` is `None` where BF16 is not a hardware format (Turing, Pascal).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tflops {
    /// Non-tensor (CUDA-core / vector) FP32.
    pub fp32: Option<f64>,
    pub tf32: Option<f64>,
    /// BF16 tensor, FP32 accumulate.
    pub bf16: Option<f64>,
    /// FP16 tensor, FP32 accumulate (GeForce: the half-rate figure).
    pub fp16: Option<f64>,
    /// FP16 tensor with FP16 accumulate (GeForce/workstation cards only).
    pub fp16_fp16acc: Option<f64>,
    pub fp8: Option<f64>,
    pub int8: Option<f64>,
    pub fp4: Option<f64>,
}

impl Tflops {
    /// `{"fp32": …, "tf32": …, …}` in declaration order; an unpublished figure is `null`.
    pub fn to_json(&self) -> Value {
        crate::json::object([
            ("fp32", self.fp32.into()),
            ("tf32", self.tf32.into()),
            ("bf16", self.bf16.into()),
            ("fp16", self.fp16.into()),
            ("fp16_fp16acc", self.fp16_fp16acc.into()),
            ("fp8", self.fp8.into()),
            ("int8", self.int8.into()),
            ("fp4", self.fp4.into()),
        ])
    }
}

/// The scale-up link between GPUs of one node.
#[derive(Clone, Debug, PartialEq)]
pub struct Interconnect {
    /// "nvlink", "pcie", "infinity_fabric", "hccs", "ici", "ethernet" or "unified".
    pub kind: String,
    /// GB/s per GPU (decimal); see `direction`.
    pub gbps_per_gpu: f64,
    /// "bidirectional_total" (NVIDIA's convention: H100 NVLink 900 = 450 each way).
    pub direction: String,
    pub note: String,
}

/// Prices, each with the text it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Price {
    /// One card, USD: midpoint of the street estimate, else the launch price; `None` if neither.
    pub purchase_usd: Option<f64>,
    /// The source's launch and street price text.
    pub purchase_note: String,
    /// How `purchase_usd` was derived from the note.
    pub purchase_basis: String,
    /// A representative on-demand USD per GPU-hour.
    pub cloud_usd_per_hour: Option<f64>,
    /// The source's cloud price text.
    pub cloud_note: String,
    /// How `cloud_usd_per_hour` was chosen.
    pub cloud_basis: String,
    /// Month the prices refer to (YYYY-MM).
    pub as_of: String,
}

/// One GPU / accelerator (per GPU, not per board or server).
#[derive(Clone, Debug, PartialEq)]
pub struct Gpu {
    pub id: String,
    pub vendor: String,
    pub name: String,
    pub architecture: String,
    pub launch_year: u16,
    /// Bytes the driver reports (`nvidia-smi`'s total; the H100 "80 GB" shows 81 559 MiB),
    /// what fit verdicts compare against; how it was found is `memory_basis` / `memory_source`.
    pub memory_bytes: u64,
    /// The vendor's capacity label in decimal GB ("80 GB" → 80).
    pub memory_label_gb: u32,
    /// Where `memory_bytes` comes from.
    pub memory_basis: MemoryBasis,
    /// The published reading `memory_bytes` was taken from (URL), or why there is none.
    pub memory_source: String,
    pub memory_type: String,
    /// Memory bandwidth, decimal GB/s.
    pub bandwidth_gbps: f64,
    pub tflops: Tflops,
    pub precision: PrecisionMap,
    /// Why each precision is native / emulated / unsupported on this card.
    pub precision_note: String,
    /// Board power in W; 0 when not published (TPU, Apple). JSON: a number or null.
    pub tdp_w: f64,
    pub form_factor: String,
    pub interconnect: Interconnect,
    pub price: Price,
    pub export_status: String,
    /// Ids into [`Catalog::sources`].
    pub source_ids: Vec<String>,
    /// The full citation text of the CSV row.
    pub source: String,
    /// "verified", "partial" or "unverified" (the CSV's yes / partial / no).
    pub verified: String,
    pub verified_detail: String,
    /// When the spec was read (YYYY-MM or YYYY-MM-DD).
    pub as_of: String,
    pub notes: String,
    /// Every column of the row of `gpu-specs.csv`, verbatim.
    pub csv: BTreeMap<String, String>,
}

/// Canonical name of a precision string, or None if unknown.
fn canonical(p: &str) -> Option<&'static str> {
    const ALIASES: &[(&str, &str)] = &[
        ("fp32", "fp32"),
        ("f32", "fp32"),
        ("float32", "fp32"),
        ("tf32", "tf32"),
        ("bf16", "bf16"),
        ("bfloat16", "bf16"),
        ("fp16", "fp16"),
        ("f16", "fp16"),
        ("float16", "fp16"),
        ("half", "fp16"),
        ("fp8", "fp8"),
        ("fp8_e4m3", "fp8"),
        ("fp8_e5m2", "fp8"),
        ("int8", "int8"),
        ("i8", "int8"),
        ("int4", "int4"),
        ("i4", "int4"),
        ("fp4", "fp4"),
        ("nvfp4", "nvfp4"),
        ("mxfp4", "mxfp4"),
    ];
    ALIASES.iter().find(|(a, _)| a.eq_ignore_ascii_case(p)).map(|(_, c)| *c)
}

impl Gpu {
    /// Memory in bytes, as the driver reports it (see [`Gpu::memory_bytes`] field docs).
    pub fn memory_bytes(&self) -> u64 {
        self.memory_bytes
    }

    /// The bytes its GPU may use by default: a discrete card's memory, or an Apple
    /// configuration's default GPU wired limit (`crate::unified`, about 2/3 or 3/4 of the RAM).
    /// What the fit verdicts and the planner compare against.
    pub fn usable_bytes(&self) -> u64 {
        crate::unified::gpu_usable(self, None).map_or(self.memory_bytes, |u| u.bytes)
    }

    /// Board power in W, `None` when not published.
    pub fn tdp(&self) -> Option<f64> {
        (self.tdp_w > 0.0).then_some(self.tdp_w)
    }

    /// Support for a precision: "fp32", "tf32", "bf16", "fp16", "fp8", "int8", "int4",
    /// "nvfp4", "mxfp4", "fp4" (= the better of nvfp4 / mxfp4), and common aliases
    /// ("float16", "bfloat16", …). Unknown names are `Unsupported`.
    pub fn support(&self, precision: &str) -> PrecisionSupport {
        use PrecisionSupport::*;
        let p = &self.precision;
        match canonical(precision) {
            Some("fp32") => p.fp32,
            Some("tf32") => {
                if self.tflops.tf32.is_some() {
                    Native
                } else if p.fp32 == Unsupported {
                    Unsupported
                } else {
                    Emulated
                }
            }
            Some("bf16") => p.bf16,
            Some("fp16") => p.fp16,
            Some("fp8") => p.fp8,
            Some("int8") => p.int8,
            Some("int4") => p.int4,
            Some("nvfp4") => p.nvfp4,
            Some("mxfp4") => p.mxfp4,
            Some("fp4") => {
                if p.nvfp4 == Native || p.mxfp4 == Native {
                    Native
                } else if p.nvfp4 == Emulated || p.mxfp4 == Emulated {
                    Emulated
                } else {
                    Unsupported
                }
            }
            _ => Unsupported,
        }
    }

    /// The peak of the 16-bit math an emulated format falls back to: BF16, else FP16, else
    /// FP32 (whichever the card runs natively and publishes).
    fn math16(&self) -> Option<f64> {
        use PrecisionSupport::Native;
        let p = &self.precision;
        let t = &self.tflops;
        (if p.bf16 == Native { t.bf16 } else { None })
            .or(if p.fp16 == Native { t.fp16 } else { None })
            .or(if p.fp32 == Native { t.fp32 } else { None })
    }

    /// Dense peak TFLOPS (TOPS for int8) for math in `precision`:
    /// * native: the card's figure for that format (`None` if the vendor publishes none);
    /// * emulated: the 16-bit figure the math really runs at (BF16, else FP16, else FP32);
    ///   emulated BF16/FP16 (Turing BF16, Pascal FP16) fall back to the FP32 figure;
    /// * "int4" always returns the 16-bit figure: GPTQ/AWQ/NF4 kernels are weight-only
    ///   (W4A16) and multiply in 16-bit even where INT4 tensor cores exist;
    /// * unsupported or unknown precision: `None`.
    pub fn peak_tflops(&self, precision: &str) -> Option<f64> {
        use PrecisionSupport::*;
        let t = &self.tflops;
        let c = canonical(precision)?;
        let support = self.support(c);
        if support == Unsupported {
            return None;
        }
        if c == "int4" {
            return self.math16();
        }
        if support == Emulated {
            return match c {
                "bf16" | "fp16" | "tf32" => {
                    if self.precision.fp32 == Native {
                        t.fp32
                    } else {
                        self.math16()
                    }
                }
                "fp32" => self.math16(),
                _ => self.math16(),
            };
        }
        match c {
            "fp32" => t.fp32,
            "tf32" => t.tf32,
            "bf16" => t.bf16,
            "fp16" => t.fp16,
            "fp8" => t.fp8,
            "int8" => t.int8,
            _ => t.fp4, // fp4, nvfp4, mxfp4
        }
    }
}

/// A model preset: the model's Hugging Face `config.json`, as published.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelPreset {
    pub id: String,
    pub name: String,
    pub hf_repo: String,
    /// The parameter count as the model card / Hub states it (text).
    pub params_published: String,
    /// Where the config came from (repository:path@commit or URL).
    pub source: String,
    pub as_of: String,
    /// "verbatim" (a copy of the published file) or "reconstructed" (from the model card /
    /// report and sibling configs; `source` says how).
    pub verified: String,
    pub notes: String,
    /// The `config.json` fields, as published.
    pub config: Value,
    /// What the checkpoint is run for when its `config.json` cannot say: "embed" for a
    /// sentence-transformers decoder (Qwen3-Embedding's config names `Qwen3ForCausalLM`, but the
    /// checkpoint holds `Qwen3Model` without the LM head); empty = read from the config.
    pub task: String,
}

impl ModelPreset {
    /// The architecture, parsed by the same code as a user's `config.json`, then set to the
    /// preset's `task` when it has one.
    pub fn arch(&self) -> Result<crate::model::Arch, crate::error::InputError> {
        let arch = crate::model::Arch::from_config_value(&self.config)?;
        match self.task.as_str() {
            "" => Ok(arch),
            t => match crate::model::Task::parse(t) {
                Some(task) => Ok(arch.with_task(task)),
                None => Err(crate::error::InputError::new("task", format!("\"{t}\" is not one of generate, embed, score"))),
            },
        }
    }
}

/// A user profile from the source articles (four kinds of users).
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub id: String,
    pub name_en: String,
    pub name_zh_hans: String,
    pub name_zh_hant: String,
    pub description_en: String,
    pub description_zh_hans: String,
    /// "full", "lora", "qlora" or "inference".
    pub mode: String,
    /// A model preset id.
    pub model: String,
    /// A weight format name as `WeightFormat::parse` takes it ("bf16", "awq", "nf4", …).
    pub weights: String,
    pub batch: u32,
    pub seq: u32,
    /// A GPU id and count to start from.
    pub gpu: String,
    pub gpu_count: u32,
    /// The article's hardware advice, in words.
    pub gpus_hint: String,
    pub budget_usd: Option<f64>,
    pub target_tokens_per_s: Option<f64>,
    /// Seed file and section.
    pub source: String,
    /// Which values are illustrative choices rather than the article's numbers.
    pub assumptions: String,
}

/// One row of the article's size table: minimum configurations per task, and its production pick.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeTier {
    /// "7B", "13B", "70B", "130B", "300B+".
    pub tier: String,
    pub tier_zh: String,
    /// Parameters the tier stands for.
    pub params: f64,
    pub training: String,
    pub training_zh: String,
    pub fine_tuning: String,
    pub fine_tuning_zh: String,
    pub inference: String,
    pub inference_zh: String,
    pub production: String,
    pub production_zh: String,
    pub source: String,
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: core::ops::Range<usize>| b[r].iter().all(|c| c.is_ascii_digit());
    let num = |r: core::ops::Range<usize>| b[r].iter().fold(0u32, |a, c| a * 10 + (c - b'0') as u32);
    if !(b.len() == 7 || b.len() == 10) || !digits(0..4) || b[4] != b'-' || !digits(5..7) {
        return false;
    }
    let year = num(0..4);
    let month = num(5..7);
    if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
        return false;
    }
    if b.len() == 10 {
        if b[7] != b'-' || !digits(8..10) {
            return false;
        }
        let day = num(8..10);
        return (1..=31).contains(&day);
    }
    true
}

const INTERCONNECT_KINDS: &[&str] = &["nvlink", "pcie", "infinity_fabric", "hccs", "ici", "ethernet", "unified"];
const MODES: &[&str] = &["full", "lora", "qlora", "inference"];

/// The checks of one GPU row (see [`validate`]).
fn validate_gpu(cat: &Catalog, i: usize, g: &Gpu, bad: &mut dyn FnMut(String)) {
    let id = &g.id;
    if id.is_empty() || id.bytes().any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')) {
        bad(format!("gpu #{i}: id \"{id}\" must be lowercase letters, digits, '-' or '.'"));
    }
    if cat.gpus[..i].iter().any(|o| &o.id == id) {
        bad(format!("gpu {id}: duplicate id"));
    }
    if g.name.trim().is_empty() || g.vendor.trim().is_empty() {
        bad(format!("gpu {id}: empty name or vendor"));
    }
    if g.source.trim().is_empty() {
        bad(format!("gpu {id}: no source"));
    }
    if g.source_ids.is_empty() {
        bad(format!("gpu {id}: no source_ids"));
    }
    for s in &g.source_ids {
        if !cat.sources.contains_key(s) {
            bad(format!("gpu {id}: source id {s} is not in the sources table"));
        }
    }
    if !is_date(&g.as_of) {
        bad(format!("gpu {id}: as_of \"{}\" is not YYYY-MM(-DD)", g.as_of));
    }
    if !is_date(&g.price.as_of) {
        bad(format!("gpu {id}: price.as_of \"{}\" is not YYYY-MM(-DD)", g.price.as_of));
    }
    if !["verified", "partial", "unverified"].contains(&g.verified.as_str()) {
        bad(format!("gpu {id}: verified \"{}\" is not verified/partial/unverified", g.verified));
    }
    if !(2010..=2035).contains(&g.launch_year) {
        bad(format!("gpu {id}: launch_year {} outside 2010–2035", g.launch_year));
    }
    let label = g.memory_label_gb as u64;
    if !(label * 1_000_000_000..=label << 30).contains(&g.memory_bytes) {
        bad(format!(
            "gpu {id}: memory_bytes {} is outside its {label} GB label read as decimal ({}) to binary ({}) bytes",
            g.memory_bytes,
            label * 1_000_000_000,
            label << 30
        ));
    }
    if g.memory_basis == MemoryBasis::Binary && g.memory_bytes != label << 30 {
        bad(format!("gpu {id}: memory_basis binary but memory_bytes {} is not {label} × 2³⁰", g.memory_bytes));
    }
    if g.memory_source.trim().is_empty() {
        bad(format!("gpu {id}: no memory_source"));
    }
    let gb = g.memory_bytes as f64 / 1e9;
    let max_gb = if g.interconnect.kind == "unified" { 1024.0 } else { 300.0 };
    if !(4.0..=max_gb).contains(&gb) {
        bad(format!("gpu {id}: memory {gb} GB outside 4–{max_gb} GB"));
    }
    if !(50.0..=20_000.0).contains(&g.bandwidth_gbps) {
        bad(format!("gpu {id}: bandwidth {} GB/s outside 50–20000", g.bandwidth_gbps));
    }
    if let Some(b) = g.tflops.bf16 {
        if !(1.0..=10_000.0).contains(&b) {
            bad(format!("gpu {id}: bf16 {b} TFLOPS outside 1–10000"));
        }
        if g.precision.bf16 != PrecisionSupport::Native {
            bad(format!("gpu {id}: has a bf16 figure but bf16 is not native"));
        }
    }
    let t = &g.tflops;
    for (name, v) in [
        ("fp32", t.fp32),
        ("tf32", t.tf32),
        ("fp16", t.fp16),
        ("fp16_fp16acc", t.fp16_fp16acc),
        ("fp8", t.fp8),
        ("int8", t.int8),
        ("fp4", t.fp4),
    ] {
        if let Some(v) = v {
            if !(v.is_finite() && v > 0.0 && v <= 50_000.0) {
                bad(format!("gpu {id}: {name} {v} TFLOPS is not in (0, 50000]"));
            }
        }
    }
    if t.fp8.is_some() && g.precision.fp8 != PrecisionSupport::Native {
        bad(format!("gpu {id}: has an fp8 figure but fp8 is not native"));
    }
    if g.tdp_w != 0.0 && !(10.0..=3000.0).contains(&g.tdp_w) {
        bad(format!("gpu {id}: TDP {} W outside 10–3000", g.tdp_w));
    }
    for (name, p) in [("purchase_usd", g.price.purchase_usd), ("cloud_usd_per_hour", g.price.cloud_usd_per_hour)] {
        if let Some(p) = p {
            if !(p.is_finite() && p > 0.0) {
                bad(format!("gpu {id}: price {name} {p} is not positive"));
            }
        }
    }
    if !INTERCONNECT_KINDS.contains(&g.interconnect.kind.as_str()) {
        bad(format!("gpu {id}: interconnect kind \"{}\" is not one of {INTERCONNECT_KINDS:?}", g.interconnect.kind));
    }
    if !(g.interconnect.gbps_per_gpu.is_finite() && g.interconnect.gbps_per_gpu > 0.0) {
        bad(format!("gpu {id}: interconnect bandwidth {} is not positive", g.interconnect.gbps_per_gpu));
    }
    // Apple configurations: each entry is one machine (chip × memory) with its own price, so
    // the planner never prices 512 GB at the 96 GB model's price.
    if g.interconnect.kind == "unified" {
        if g.price.purchase_usd.is_none() || g.price.purchase_basis.trim().is_empty() || g.source_ids.is_empty() {
            bad(format!("gpu {id}: an Apple configuration needs its own sourced list price (price.purchase_usd, price.purchase_basis, source_ids)"));
        }
        if g.memory_basis != MemoryBasis::Binary {
            bad(format!("gpu {id}: macOS reports a Mac's RAM as the label × 2³⁰ (hw.memsize): memory_basis must be binary"));
        }
    }
}

/// The checks of one host memory preset (see [`validate`]).
fn validate_host(cat: &Catalog, i: usize, h: &Host, bad: &mut dyn FnMut(String)) {
    let id = &h.id;
    if id.is_empty() || id.bytes().any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')) {
        bad(format!("host #{i}: id \"{id}\" must be lowercase letters, digits or '-'"));
    }
    if cat.hosts[..i].iter().any(|o| &o.id == id) {
        bad(format!("host {id}: duplicate id"));
    }
    if h.label.trim().is_empty() {
        bad(format!("host {id}: empty label"));
    }
    if h.source_ids.is_empty() {
        bad(format!("host {id}: no source"));
    }
    for s in &h.source_ids {
        if !cat.sources.contains_key(s) {
            bad(format!("host {id}: source id {s} is not in the sources table"));
        }
    }
    if !is_date(&h.as_of) {
        bad(format!("host {id}: as_of \"{}\" is not YYYY-MM(-DD)", h.as_of));
    }
    match h.kind.as_str() {
        // A DDR4 channel and a DDR5 DIMM (two 32-bit subchannels) move 8 bytes a transfer.
        "ddr" => {
            let peak = h.channels as u64 * 8 * h.mt_per_s as u64 * 1_000_000;
            if h.channels == 0 || h.mt_per_s == 0 || h.bandwidth_bytes_per_s != peak {
                bad(format!(
                    "host {id}: bandwidth_bytes_per_s {} is not channels {} × 8 bytes × {} MT/s = {peak}",
                    h.bandwidth_bytes_per_s, h.channels, h.mt_per_s
                ));
            }
        }
        "unified" => {
            if h.bandwidth_bytes_per_s == 0 {
                bad(format!("host {id}: no bandwidth_bytes_per_s"));
            }
        }
        other => bad(format!("host {id}: kind \"{other}\" is not \"ddr\" or \"unified\"")),
    }
    if !(10_000_000_000..=2_000_000_000_000).contains(&h.bandwidth_bytes_per_s) {
        bad(format!("host {id}: bandwidth {} B/s outside 10–2000 GB/s", h.bandwidth_bytes_per_s));
    }
    if let Some(a) = h.achieved_bytes_per_s {
        if a == 0 || a > h.bandwidth_bytes_per_s || h.achieved_note.trim().is_empty() {
            bad(format!("host {id}: achieved_bytes_per_s {a} must be positive, at most the theoretical {} and say how it was measured", h.bandwidth_bytes_per_s));
        }
    }
    if h.capacity_gb.is_empty() || h.capacity_gb.windows(2).any(|w| w[0] >= w[1]) || h.capacity_gb[0] == 0 {
        bad(format!("host {id}: capacity_gb {:?} must be positive sizes in increasing order", h.capacity_gb));
    }
}

/// Checks the catalog's plausibility; returns one readable sentence per problem (empty = ok).
///
/// GPUs: non-empty source whose ids resolve in `sources`, dates YYYY-MM(-DD), memory 4–300 GB
/// (unified-memory SoCs up to 1024 GB: the M3 Ultra has 512 GB), the driver's bytes between the
/// label read as decimal (× 10⁹) and as binary (× 2³⁰) GB, exactly the binary reading when no
/// driver total was found, and a source for it, bandwidth 50–20 000 GB/s,
/// BF16 1–10 000 TFLOPS when present, other peaks positive, TDP 10–3000 W when published,
/// prices positive when present, unique ids; an Apple (unified-memory) configuration has its own
/// sourced list price and the binary capacity macOS reports. Hosts: unique ids, sources, dates,
/// DDR bandwidth = channels × 8 bytes × MT/s, a measured figure at most that and explained. Models: unique ids, source, date, and a config
/// with `model_type`, `hidden_size` and `num_hidden_layers`. Profiles: known mode, model and GPU.
pub fn validate(cat: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    let mut bad = |s: String| out.push(s);
    if cat.schema != 1 {
        bad(format!("schema is {}, expected 1", cat.schema));
    }
    if !is_date(&cat.as_of) {
        bad(format!("catalog as_of \"{}\" is not YYYY-MM(-DD)", cat.as_of));
    }
    if cat.gpus.is_empty() {
        bad("the catalog has no GPUs".into());
    }
    for (k, v) in &cat.sources {
        if v.trim().is_empty() {
            bad(format!("source {k} has no text"));
        }
    }
    for (i, g) in cat.gpus.iter().enumerate() {
        validate_gpu(cat, i, g, &mut bad);
    }
    for (i, h) in cat.hosts.iter().enumerate() {
        validate_host(cat, i, h, &mut bad);
    }
    for (i, m) in cat.models.iter().enumerate() {
        let id = &m.id;
        if id.is_empty() {
            bad(format!("model #{i}: empty id"));
        }
        if cat.models[..i].iter().any(|o| &o.id == id) {
            bad(format!("model {id}: duplicate id"));
        }
        if m.source.trim().is_empty() {
            bad(format!("model {id}: no source"));
        }
        if !is_date(&m.as_of) {
            bad(format!("model {id}: as_of \"{}\" is not YYYY-MM(-DD)", m.as_of));
        }
        if !["verbatim", "reconstructed"].contains(&m.verified.as_str()) {
            bad(format!("model {id}: verified \"{}\" is not verbatim/reconstructed", m.verified));
        }
        match m.config.as_object() {
            None => bad(format!("model {id}: config is not a JSON object")),
            Some(c) => {
                // Multimodal wrappers keep the decoder in text_config.
                let get = |k: &str| c.get(k).or_else(|| c.get("text_config").and_then(|t| t.get(k)));
                if get("model_type").and_then(|v| v.as_str()).is_none_or(|s| s.is_empty()) {
                    bad(format!("model {id}: config has no model_type"));
                }
                for k in ["hidden_size", "num_hidden_layers"] {
                    if get(k).and_then(|v| v.as_u64()).is_none_or(|v| v == 0) {
                        bad(format!("model {id}: config has no positive integer {k}"));
                    }
                }
            }
        }
    }
    for (i, p) in cat.profiles.iter().enumerate() {
        let id = &p.id;
        if cat.profiles[..i].iter().any(|o| &o.id == id) {
            bad(format!("profile {id}: duplicate id"));
        }
        if !MODES.contains(&p.mode.as_str()) {
            bad(format!("profile {id}: mode \"{}\" is not one of {MODES:?}", p.mode));
        }
        if cat.model(&p.model).is_none() {
            bad(format!("profile {id}: model \"{}\" is not a preset", p.model));
        }
        if cat.gpu(&p.gpu).is_none() {
            bad(format!("profile {id}: gpu \"{}\" is not in the catalog", p.gpu));
        }
        if p.batch == 0 || p.seq == 0 || p.gpu_count == 0 {
            bad(format!("profile {id}: batch, seq and gpu_count must be positive"));
        }
        if p.source.trim().is_empty() {
            bad(format!("profile {id}: no source"));
        }
        for (name, v) in [("budget_usd", p.budget_usd), ("target_tokens_per_s", p.target_tokens_per_s)] {
            if let Some(v) = v {
                if !(v.is_finite() && v > 0.0) {
                    bad(format!("profile {id}: {name} {v} is not positive"));
                }
            }
        }
    }
    for t in &cat.size_tiers {
        if t.source.trim().is_empty() || t.training.is_empty() || t.fine_tuning.is_empty() || t.inference.is_empty() {
            bad(format!("size tier {}: empty cell or source", t.tier));
        }
        if !(t.params.is_finite() && t.params > 0.0) {
            bad(format!("size tier {}: params {} is not positive", t.tier, t.params));
        }
    }
    if !(1.0..=20.0).contains(&cat.fx.cny_per_usd) || !is_date(&cat.fx.as_of) || cat.fx.source.is_empty() {
        bad(format!("fx: usd_cny {} must be 1–20 with a source and a YYYY-MM date", cat.fx.cny_per_usd));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn cat() -> Catalog {
        load().expect("data/catalog.json parses")
    }

    /// `data/<rel>` in the repository (the reference copies the tests compare against).
    fn data(rel: &str) -> String {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is not readable: {e}", path.display()))
    }

    #[test]
    fn csv_reader_handles_quotes() {
        let rows = crate::test_csv::read_csv("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n1,,3");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], vec!["x, y", "say \"hi\"", "two\nlines"]);
        assert_eq!(rows[2], vec!["1", "", "3"]);
    }

    #[test]
    fn catalog_validates() {
        let c = cat();
        let problems = validate(&c);
        assert!(problems.is_empty(), "catalog problems:\n{}", problems.join("\n"));
        // The 48 rows of gpu-specs.csv, then the Apple configurations (no CSV row: each is
        // one machine of a chip × memory, with its own sources).
        assert_eq!(c.gpus.iter().filter(|g| !g.csv.is_empty()).count(), 48);
        assert!(c.gpus.iter().filter(|g| g.csv.is_empty()).all(|g| g.vendor == "Apple" && g.interconnect.kind == "unified"));
    }

    #[test]
    fn mutated_catalog_fails_validation() {
        let mut c = cat();
        c.gpus[3].source.clear();
        let p = validate(&c);
        assert!(p.iter().any(|s| s.contains(&c.gpus[3].id) && s.contains("no source")), "{p:?}");

        let mut c = cat();
        c.sources.remove("S33");
        let p = validate(&c);
        assert!(p.iter().any(|s| s.contains("S33")), "{p:?}");

        let mut c = cat();
        c.gpus[0].bandwidth_gbps = 5.0;
        c.gpus[1].price.purchase_usd = Some(-1.0);
        c.gpus[2].as_of = "Oct 2024".into();
        let id = c.gpus[0].id.clone();
        c.gpus[4].id = id;
        c.models[0].config = crate::json::parse(r#"{"model_type": "llama"}"#).unwrap();
        assert!(validate(&c).len() >= 5, "{:?}", validate(&c));

        // Capacities: between the label's decimal and binary readings, binary exactly when no
        // driver total was found, and always with a source.
        let mut c = cat();
        let i = c.gpus.iter().position(|g| g.id == "nvidia-rtx-4090").unwrap();
        c.gpus[i].memory_bytes = 24_000_000_000 - 1;
        c.gpus[i + 1].memory_basis = MemoryBasis::Binary;
        c.gpus[i + 1].memory_bytes -= 1 << 20;
        c.gpus[i + 2].memory_source.clear();
        let p = validate(&c);
        assert!(p.iter().any(|s| s.contains("nvidia-rtx-4090: memory_bytes 23999999999 is outside its 24 GB label")), "{p:?}");
        assert!(p.iter().any(|s| s.contains(&format!("{}: memory_basis binary", c.gpus[i + 1].id))), "{p:?}");
        assert!(p.iter().any(|s| s.contains(&format!("{}: no memory_source", c.gpus[i + 2].id))), "{p:?}");
    }

    #[test]
    fn catalog_matches_gpu_specs_csv() {
        let text = data("reference/gpu-specs.csv");
        let rows = crate::test_csv::read_csv(&text);
        let header = &rows[0];
        let rows: Vec<&Vec<String>> = rows[1..].iter().filter(|r| !(r.len() == 1 && r[0].is_empty())).collect();
        let c = cat();
        // Every GPU with a CSV row (all but the Apple configurations added beside them).
        let from_csv: Vec<&Gpu> = c.gpus.iter().filter(|g| !g.csv.is_empty()).collect();
        let ids: Vec<&str> = from_csv.iter().map(|g| g.id.as_str()).collect();
        let csv_ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, csv_ids, "same ids in the same order");
        let num = |s: &str| if s.trim().is_empty() { None } else { Some(s.trim().parse::<f64>().expect(s)) };
        for (g, r) in from_csv.into_iter().zip(rows) {
            assert_eq!(r.len(), header.len(), "{}: column count", g.id);
            let row: BTreeMap<String, String> = header.iter().cloned().zip(r.iter().cloned()).collect();
            assert_eq!(g.csv, row, "{}: csv columns differ", g.id);
            let col = |k: &str| row.get(k).unwrap_or_else(|| panic!("no column {k}")).as_str();
            let id = &g.id;
            assert_eq!(g.id, col("id"));
            assert_eq!(g.vendor, col("vendor"), "{id}");
            assert_eq!(g.name, col("name"), "{id}");
            assert_eq!(g.architecture, col("architecture"), "{id}");
            assert_eq!(g.memory_type, col("memory_type"), "{id}");
            assert_eq!(g.form_factor, col("form_factor"), "{id}");
            assert_eq!(g.export_status, col("export_status"), "{id}");
            assert_eq!(g.source, col("source"), "{id}");
            assert_eq!(g.notes, col("notes"), "{id}");
            assert_eq!(g.verified_detail, col("verified_detail"), "{id}");
            assert_eq!(g.price.cloud_note, col("cloud_price_usd_per_hr"), "{id}");
            let v = match col("verified") {
                "yes" => "verified",
                "no" => "unverified",
                other => other,
            };
            assert_eq!(g.verified, v, "{id}");
            assert_eq!(g.source_ids, col("source_ids").split(';').collect::<Vec<_>>(), "{id}");
            assert_eq!(g.launch_year.to_string(), &col("launch")[..4], "{id}");
            let mem = num(col("memory_gb_num")).unwrap();
            assert_eq!(g.memory_label_gb as f64, mem, "{id}: memory label");
            assert_eq!(Some(g.bandwidth_gbps), num(col("mem_bandwidth_gbs_num")), "{id}: bandwidth");
            assert_eq!(g.tdp(), num(col("tdp_w_num")), "{id}: tdp");
            let t = &g.tflops;
            assert_eq!(t.fp32, num(col("fp32_tflops_num")), "{id}: fp32");
            assert_eq!(t.tf32, num(col("tf32_dense_num")), "{id}: tf32");
            assert_eq!(t.fp16, num(col("fp16_bf16_dense_num")), "{id}: fp16");
            let bf16 = if g.precision.bf16 == PrecisionSupport::Native { num(col("fp16_bf16_dense_num")) } else { None };
            assert_eq!(t.bf16, bf16, "{id}: bf16");
            assert_eq!(t.fp16_fp16acc, num(col("fp16_fp16acc_dense_num")), "{id}: fp16acc");
            assert_eq!(t.fp8, num(col("fp8_dense_num")), "{id}: fp8");
            assert_eq!(t.int8, num(col("int8_dense_num")), "{id}: int8");
            assert_eq!(t.fp4, num(col("fp4_dense_num")), "{id}: fp4");
            for s in &g.source_ids {
                assert!(col("source").contains(&format!("{s}: ")), "{id}: {s} not cited in the row");
                assert!(col("source").contains(c.source(s).unwrap()), "{id}: {s} text differs");
            }
        }
    }

    #[test]
    fn calibration_presets_are_the_calibration_configs() {
        let c = cat();
        for id in ["llama-3.1-8b", "llama-3.2-1b", "qwen2.5-0.5b", "qwen2.5-7b", "qwen3-30b-a3b"] {
            let text = data(&format!("calibration/configs/{id}.json"));
            let file: Value = crate::json::parse(&text).unwrap();
            assert_eq!(c.model(id).unwrap().config, file, "{id}");
        }
    }

    #[test]
    fn presets_profiles_and_tiers() {
        let c = cat();
        assert!(c.models.len() >= 32, "{} presets", c.models.len());
        let mut ids: Vec<&str> = c.models.iter().map(|m| m.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), c.models.len(), "distinct model ids");
        assert_eq!(c.profiles.len(), 4);
        assert_eq!(c.size_tiers.iter().map(|t| t.tier.as_str()).collect::<Vec<_>>(), ["7B", "13B", "70B", "130B", "300B+"]);
        for p in &c.profiles {
            crate::formats::WeightFormat::parse(&p.weights, false).unwrap_or_else(|e| panic!("profile {}: {e}", p.id));
            crate::memory::Mode::parse(&p.mode).unwrap_or_else(|e| panic!("profile {}: {e}", p.id));
        }
    }

    #[test]
    fn every_preset_parses_and_matches_its_published_size() {
        let c = cat();
        // Total parameters (billions) the presets must reproduce within 2 %: Hub/model-card
        // figures (Gemma 3 text towers exclude the ~0.4B vision encoder; DeepSeek excludes MTP).
        let expect: &[(&str, f64)] = &[
            ("llama-3.2-1b", 1.24), ("llama-3.2-3b", 3.21), ("llama-3.1-8b", 8.03), ("llama-3.1-70b", 70.6),
            ("llama-3.1-405b", 405.9), ("llama-3.3-70b", 70.6), ("qwen2.5-0.5b", 0.494), ("qwen2.5-1.5b", 1.54),
            ("qwen2.5-3b", 3.09), ("qwen2.5-7b", 7.62), ("qwen2.5-14b", 14.7), ("qwen2.5-32b", 32.8),
            ("qwen2.5-72b", 72.7), ("qwen3-0.6b", 0.596), ("qwen3-1.7b", 1.72), ("qwen3-4b", 4.02),
            ("qwen3-8b", 8.19), ("qwen3-14b", 14.8), ("qwen3-32b", 32.8), ("qwen3-30b-a3b", 30.5),
            ("qwen3-235b-a22b", 235.1), ("qwen1.5-moe-a2.7b", 14.3), ("deepseek-v3", 671.0), ("deepseek-r1", 671.0),
            ("deepseek-v2-lite", 15.7), ("mistral-7b-v0.1", 7.24), ("mistral-7b-v0.3", 7.25), ("mistral-nemo-12b", 12.25),
            ("mixtral-8x7b", 46.7), ("mixtral-8x22b", 140.6), ("gemma-2-2b", 2.61), ("gemma-2-9b", 9.24),
            ("gemma-2-27b", 27.2), ("gemma-3-1b", 1.0), ("gemma-3-4b", 3.88), ("gemma-3-12b", 11.77),
            ("gemma-3-27b", 27.0), ("phi-3-mini", 3.82), ("phi-3-medium", 13.96), ("phi-4", 14.66),
            ("gpt-oss-20b", 20.9), ("gpt-oss-120b", 116.8),
        ];
        let published = published_params();
        for m in &c.models {
            let arch = m.arch().unwrap_or_else(|e| panic!("preset {}: {e}", m.id));
            let total = arch.param_counts().0 as f64 / 1e9;
            // The presets added for issue 15 are checked against published-params.csv instead.
            if published.iter().any(|r| r[0] == m.id) {
                continue;
            }
            let want = expect.iter().find(|(id, _)| *id == m.id).unwrap_or_else(|| panic!("no expected size for {}", m.id)).1;
            assert!((total / want - 1.0).abs() < 0.02, "{}: {total:.3}B params, published {want}B", m.id);
        }
    }

    /// The rows of `data/reference/published-params.csv` (header dropped).
    fn published_params() -> Vec<Vec<String>> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/published-params.csv");
        crate::test_csv::read_csv(&std::fs::read_to_string(path).unwrap()).into_iter().skip(1).collect()
    }

    /// Each preset's count against the total published for it: `exact` to the parameter;
    /// `derived` likewise, for a published count plus a difference the row's note states (Gemma 3
    /// 12B: keras-hub's count with 64 fewer embedding rows); `display` (the Hub's rounded "Model
    /// size") and `name` (the figure in the model's name) to half a unit of the last digit shown;
    /// `card` (a model card's figure) within 2 %. `unsourced`: no page was found for the figure,
    /// so it is printed and not checked. Every other row names the page (`source_url`).
    /// `counted` says which count the figure is: the forward pass (`Arch::param_counts`) or the
    /// checkpoint, which adds the multi-token-prediction layers (`Arch::checkpoint_params`).
    #[test]
    fn presets_match_the_published_params_table() {
        let c = cat();
        let rows = published_params();
        assert!(rows.len() >= 38, "{} rows", rows.len());
        let mut unsourced = 0;
        for r in &rows {
            let (id, value, precision, counted) = (&r[0], r[3].as_str(), r[4].as_str(), r[5].as_str());
            let m = c.models.iter().find(|m| &m.id == id).unwrap_or_else(|| panic!("{id}: no such preset"));
            let a = m.arch().unwrap();
            let n = match counted {
                "forward" => a.param_counts().0,
                "checkpoint" => a.checkpoint_params(),
                other => panic!("{id}: counted {other}"),
            };
            eprintln!("{id}: {n} counted ({counted}, forward {}), published {value} ({precision})", a.param_counts().0);
            if precision == "unsourced" {
                eprintln!("{id}: {n} counted; {value} is unsourced (no page found), not checked");
                unsourced += 1;
                continue;
            }
            assert!(r[6].starts_with("https://"), "{id}: a {precision} figure needs its source_url");
            if precision == "exact" || precision == "derived" {
                assert_eq!(n, value.parse::<u64>().unwrap(), "{id}");
                continue;
            }
            let (num, unit) = value.split_at(value.len() - 1);
            let scale = match unit {
                "M" => 1e6,
                "B" => 1e9,
                "T" => 1e12,
                u => panic!("{id}: unit {u}"),
            };
            let want: f64 = num.parse().unwrap();
            let got = n as f64 / scale;
            match precision {
                "display" | "name" => {
                    let decimals = num.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
                    let half = 0.5 * 10f64.powi(-decimals);
                    assert!((got - want).abs() <= half, "{id}: {got:.4} counted ({counted}), published {value}");
                }
                "card" => assert!((got / want - 1.0).abs() < 0.02, "{id}: {got:.3} counted, published {value}"),
                p => panic!("{id}: precision {p}"),
            }
        }
        // The unsourced rows stay few: a figure from memory is not a published one.
        assert!(unsourced * 10 <= rows.len(), "{unsourced} of {} rows unsourced", rows.len());
    }

    #[test]
    fn precision_support_and_peaks() {
        let c = cat();
        let g = |id: &str| c.gpu(id).unwrap_or_else(|| panic!("{id}"));
        let h100 = g("nvidia-h100-sxm5-80gb");
        assert_eq!(h100.memory_bytes(), 81_559 << 20, "nvidia-smi's total, as measured");
        assert_eq!(h100.memory_label_gb, 80);
        assert_eq!(h100.support("fp8"), PrecisionSupport::Native);
        assert_eq!(h100.peak_tflops("fp8"), Some(1979.0));
        assert_eq!(h100.peak_tflops("bfloat16"), Some(989.5));
        assert_eq!(h100.support("nvfp4"), PrecisionSupport::Emulated);
        assert_eq!(h100.peak_tflops("nvfp4"), Some(989.5));
        assert_eq!(h100.peak_tflops("int4"), Some(989.5), "W4A16 multiplies in 16-bit");
        let a100 = g("nvidia-a100-sxm-80gb");
        assert_eq!(a100.support("fp8"), PrecisionSupport::Emulated);
        assert_eq!(a100.peak_tflops("fp8"), Some(312.0));
        assert_eq!(a100.support("int4"), PrecisionSupport::Native);
        let b200 = g("nvidia-b200");
        assert_eq!(b200.support("nvfp4"), PrecisionSupport::Native);
        assert_eq!(b200.peak_tflops("fp4"), Some(9000.0));
        assert_eq!(b200.support("int4"), PrecisionSupport::Emulated);
        let t4 = g("nvidia-t4");
        assert_eq!(t4.support("bf16"), PrecisionSupport::Emulated);
        assert_eq!(t4.peak_tflops("bf16"), Some(8.1));
        assert_eq!(t4.peak_tflops("fp16"), Some(65.0));
        let p = g("nvidia-gtx-1080-ti");
        assert_eq!(p.peak_tflops("fp16"), Some(11.3));
        assert_eq!(p.tflops.fp16, Some(0.18));
        assert_eq!(p.support("tf32"), PrecisionSupport::Emulated);
        let mi300 = g("amd-mi300x");
        assert_eq!(mi300.support("mxfp4"), PrecisionSupport::Emulated);
        let v5e = g("google-tpu-v5e");
        assert_eq!(v5e.support("nvfp4"), PrecisionSupport::Unsupported);
        assert_eq!(v5e.peak_tflops("nvfp4"), None);
        assert_eq!(v5e.tdp(), None);
        assert_eq!(h100.support("posit8"), PrecisionSupport::Unsupported);
        assert_eq!(h100.peak_tflops("posit8"), None);
        assert_eq!(g("nvidia-rtx-5090d").peak_tflops("bf16"), None, "unpublished");
        assert_eq!(g("apple-m3-ultra").peak_tflops("fp16"), None);
    }

    /// `gpus --json`'s `tflops` and `precision`: the field names and order outside checks read.
    #[test]
    fn tflops_and_precision_json_have_their_fields_in_order() {
        use PrecisionSupport::{Emulated, Native, Unsupported};
        let t = Tflops { fp32: Some(67.0), tf32: Some(494.5), bf16: Some(989.5), fp16: Some(989.5), fp16_fp16acc: None, fp8: Some(1979.0), int8: Some(1979.0), fp4: None };
        assert_eq!(
            crate::json::to_string(&t.to_json()),
            r#"{"fp32":67.0,"tf32":494.5,"bf16":989.5,"fp16":989.5,"fp16_fp16acc":null,"fp8":1979.0,"int8":1979.0,"fp4":null}"#
        );
        let p = PrecisionMap { fp32: Native, bf16: Native, fp16: Native, fp8: Native, int8: Native, int4: Emulated, nvfp4: Unsupported, mxfp4: Emulated };
        assert_eq!(
            crate::json::to_string(&p.to_json()),
            r#"{"fp32":"native","bf16":"native","fp16":"native","fp8":"native","int8":"native","int4":"emulated","nvfp4":"unsupported","mxfp4":"emulated"}"#
        );
    }

    #[test]
    fn parse_refuses_what_is_not_a_catalog() {
        assert_eq!(parse(CATALOG_JSON).unwrap(), cat());
        assert!(parse("{}").is_err());
        assert!(matches!(parse("not json"), Err(CatalogError::Json(_))));
    }

    /// Issue 13 §5: each Apple configuration is its own machine with its own memory, bandwidth
    /// and price; the existing ids keep the memory they had (the CSV rows' 512 GB and 128 GB).
    #[test]
    fn apple_configurations_have_their_own_memory_and_price() {
        let c = cat();
        let g = |id: &str| c.gpu(id).unwrap_or_else(|| panic!("{id}"));
        // (id, GB, GB/s, USD): module data/catalog.json, sources AP1–AP6.
        let want: &[(&str, u32, f64, f64)] = &[
            ("apple-m3-ultra-96gb", 96, 819.0, 3999.0),
            ("apple-m3-ultra-256gb", 256, 819.0, 5999.0),
            ("apple-m3-ultra", 512, 819.0, 9499.0),
            ("apple-m4-max-36gb", 36, 410.0, 1999.0),
            ("apple-m4-max-48gb", 48, 546.0, 2499.0),
            ("apple-m4-max-64gb", 64, 546.0, 2699.0),
            ("apple-m4-max", 128, 546.0, 3499.0),
            ("apple-m4-pro-24gb", 24, 273.0, 1399.0),
            ("apple-m4-pro-48gb", 48, 273.0, 1799.0),
            ("apple-m4-pro-64gb", 64, 273.0, 1999.0),
            ("apple-m2-ultra-64gb", 64, 800.0, 3999.0),
            ("apple-m2-ultra-128gb", 128, 800.0, 4799.0),
            ("apple-m2-ultra-192gb", 192, 800.0, 5599.0),
        ];
        for &(id, gb, bw, usd) in want {
            let x = g(id);
            assert_eq!((x.memory_label_gb, x.memory_bytes, x.bandwidth_gbps, x.price.purchase_usd), (gb, (gb as u64) << 30, bw, Some(usd)), "{id}");
            assert!(!x.price.purchase_basis.is_empty() && is_date(&x.price.as_of), "{id}");
        }
        assert_eq!(c.gpus.iter().filter(|x| x.vendor == "Apple").count(), want.len(), "every Apple entry is listed here");
        // Within a chip, more memory never costs less.
        for (a, b) in want.iter().zip(&want[1..]) {
            if a.0.split('-').nth(1) == b.0.split('-').nth(1) && a.0.split('-').nth(2) == b.0.split('-').nth(2) {
                assert!(a.1 < b.1 && a.3 < b.3, "{} → {}", a.0, b.0);
            }
        }
    }

    #[test]
    fn apple_configuration_without_price_or_source_fails_validation() {
        let mut c = cat();
        let i = c.gpus.iter().position(|g| g.id == "apple-m3-ultra-256gb").unwrap();
        c.gpus[i].price.purchase_usd = None;
        let p = validate(&c);
        assert!(p.iter().any(|s| s.contains("apple-m3-ultra-256gb: an Apple configuration needs its own sourced list price")), "{p:?}");
        let mut c = cat();
        c.gpus[i].source.clear();
        c.gpus[i].source_ids.clear();
        let p = validate(&c);
        assert!(p.iter().any(|s| s.contains("apple-m3-ultra-256gb: no source")), "{p:?}");
        let mut c = cat();
        c.gpus[i].memory_basis = MemoryBasis::Driver;
        assert!(validate(&c).iter().any(|s| s.contains("memory_basis must be binary")));
    }

    #[test]
    fn host_presets_read_and_validate() {
        let c = cat();
        let h = |id: &str| c.host(id).unwrap_or_else(|| panic!("{id}"));
        // Theoretical peak = channels × 8 bytes × MT/s.
        for (id, bw) in [
            ("ddr4-3200-2ch", 51_200_000_000u64),
            ("ddr5-5600-2ch", 89_600_000_000),
            ("ddr5-6400-2ch", 102_400_000_000),
            ("xeon-8ch-ddr5-4800", 307_200_000_000),
            ("xeon-8ch-ddr5-5600", 358_400_000_000),
            ("epyc-12ch-ddr5-4800", 460_800_000_000),
            ("apple-unified-m4-max", 546_000_000_000),
            ("apple-unified-m3-ultra", 819_000_000_000),
        ] {
            assert_eq!(h(id).bandwidth_bytes_per_s, bw, "{id}");
        }
        assert_eq!(h("ddr4-3200-2ch").achieved_bytes_per_s, Some(46_000_000_000), "Guru3D AIDA64 read");
        assert!(c.host("ddr9-nope").is_none());
        // Each unified preset is the bandwidth of an Apple configuration of the catalog.
        for u in c.hosts.iter().filter(|h| h.kind == "unified") {
            assert!(c.gpus.iter().any(|g| g.vendor == "Apple" && g.bandwidth_gbps * 1e9 == u.bandwidth_bytes_per_s as f64), "{}", u.id);
        }
        let mut bad = c.clone();
        bad.hosts[1].bandwidth_bytes_per_s += 1;
        bad.hosts[2].source_ids.clear();
        bad.hosts[3].achieved_bytes_per_s = Some(bad.hosts[3].bandwidth_bytes_per_s + 1);
        bad.hosts[4].id = bad.hosts[0].id.clone();
        bad.hosts[5].kind = "hbm".into();
        let p = validate(&bad);
        assert!(p.iter().any(|s| s.contains("ddr5-5600-2ch: bandwidth_bytes_per_s 89600000001 is not channels 2 × 8 bytes × 5600 MT/s")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("ddr5-6400-2ch: no source")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("xeon-8ch-ddr5-4800: achieved_bytes_per_s")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("duplicate id")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("kind \"hbm\"")), "{p:?}");
    }

    #[test]
    fn dates() {
        for ok in ["2026-11", "2026-11-22", "2017-03"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in ["2026", "2026-13", "26-11-22", "2026-11-32", "Mar-2026", "2026-1-02"] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
