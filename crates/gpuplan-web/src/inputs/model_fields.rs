//! The inputs that are records of their own: the typed-by-hand model, the user's own card and
//! the model read from a dropped file. Each travels in the link packed into one value (see the
//! `mm`, `cg` and `f*` entries of the field table, `INPUTS`); each of their fields has one row in
//! [`MANUAL_FIELDS`] or [`CUSTOM_GPU_FIELDS`].

use gpuplan_core::model::ManualModel;

use crate::i18n::Phrase;

/// Keys of the by-hand model fields (their order is the link's order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManualKey {
    Layers,
    Hidden,
    Heads,
    KvHeads,
    HeadDim,
    Intermediate,
    Vocab,
    Experts,
    ExpertsPerToken,
    ExpertIntermediate,
}

/// One by-hand model field: its DOM id, its label and the name the core's `InputError`s use.
pub struct ManualInput {
    pub key: ManualKey,
    pub id: &'static str,
    pub label: Phrase,
    pub core_name: &'static str,
}

/// The by-hand model's fields, in the link's order.
pub const MANUAL_FIELDS: [ManualInput; 10] = [
    ManualInput { key: ManualKey::Layers, id: "m-layers", label: Phrase::Layers, core_name: "layers" },
    ManualInput { key: ManualKey::Hidden, id: "m-hidden", label: Phrase::Hidden, core_name: "hidden" },
    ManualInput { key: ManualKey::Heads, id: "m-heads", label: Phrase::Heads, core_name: "heads" },
    ManualInput { key: ManualKey::KvHeads, id: "m-kv-heads", label: Phrase::KvHeads, core_name: "kv_heads" },
    ManualInput { key: ManualKey::HeadDim, id: "m-head-dim", label: Phrase::HeadDim, core_name: "head_dim" },
    ManualInput { key: ManualKey::Intermediate, id: "m-intermediate", label: Phrase::Intermediate, core_name: "intermediate" },
    ManualInput { key: ManualKey::Vocab, id: "m-vocab", label: Phrase::Vocab, core_name: "vocab" },
    ManualInput { key: ManualKey::Experts, id: "m-experts", label: Phrase::Experts, core_name: "experts" },
    ManualInput { key: ManualKey::ExpertsPerToken, id: "m-experts-per-token", label: Phrase::ExpertsPerToken, core_name: "experts_per_token" },
    ManualInput { key: ManualKey::ExpertIntermediate, id: "m-expert-intermediate", label: Phrase::ExpertInter, core_name: "expert_intermediate" },
];

impl ManualKey {
    pub fn input(self) -> &'static ManualInput {
        &MANUAL_FIELDS[self as usize]
    }
}

/// The typed-by-hand model, as typed: one text per [`ManualKey`], and tied embeddings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualFields {
    pub values: [String; 10],
    pub tied: bool,
}

impl Default for ManualFields {
    fn default() -> Self {
        let m = ManualModel::default();
        let numbers = [m.layers, m.hidden, m.heads, m.kv_heads, m.head_dim, m.intermediate, m.vocab, m.experts, m.experts_per_token, m.expert_intermediate];
        ManualFields { values: numbers.map(|n| n.to_string()), tied: m.tied_embeddings }
    }
}

impl ManualFields {
    pub fn get(&self, k: ManualKey) -> &String {
        &self.values[k as usize]
    }
    pub fn get_mut(&mut self, k: ManualKey) -> &mut String {
        &mut self.values[k as usize]
    }

    /// The link form: the fields joined by `.`, then `1`/`0` for tied embeddings.
    pub fn encode(&self) -> String {
        let mut parts: Vec<String> = self.values.iter().map(|v| v.replace('.', "")).collect();
        parts.push(if self.tied { "1" } else { "0" }.into());
        parts.join(".")
    }

    pub fn decode(v: &str) -> ManualFields {
        let mut m = ManualFields::default();
        let parts: Vec<&str> = v.split('.').collect();
        for (slot, p) in m.values.iter_mut().zip(&parts) {
            *slot = p.chars().take(64).collect();
        }
        m.tied = parts.get(10) == Some(&"1");
        m
    }
}

/// Fields of the custom card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomGpuKey {
    Memory,
    Bandwidth,
    Tflops,
    Watts,
    Price,
    Rent,
}

/// One number of the custom card: DOM id, label, largest value, and whether zero is allowed.
pub struct CustomGpuInput {
    pub key: CustomGpuKey,
    pub id: &'static str,
    pub label: Phrase,
    pub max: f64,
    pub zero_ok: bool,
}

/// The custom card's numbers, in the link's order (after the name).
pub const CUSTOM_GPU_FIELDS: [CustomGpuInput; 6] = [
    CustomGpuInput { key: CustomGpuKey::Memory, id: "cg-memory", label: Phrase::MemoryGb, max: 1_000_000.0, zero_ok: false },
    CustomGpuInput { key: CustomGpuKey::Bandwidth, id: "cg-bandwidth", label: Phrase::BandwidthGbs, max: 1e7, zero_ok: false },
    CustomGpuInput { key: CustomGpuKey::Tflops, id: "cg-tflops", label: Phrase::TflopsBf16, max: 1e7, zero_ok: false },
    CustomGpuInput { key: CustomGpuKey::Watts, id: "cg-watts", label: Phrase::Watts, max: 1e6, zero_ok: false },
    CustomGpuInput { key: CustomGpuKey::Price, id: "cg-price", label: Phrase::PriceUsd, max: 1e9, zero_ok: true },
    CustomGpuInput { key: CustomGpuKey::Rent, id: "cg-rent", label: Phrase::RentUsdH, max: 1e6, zero_ok: true },
];

impl CustomGpuKey {
    pub fn input(self) -> &'static CustomGpuInput {
        &CUSTOM_GPU_FIELDS[self as usize]
    }
}

/// The user's own card, as typed: its name and one text per [`CustomGpuKey`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomGpu {
    pub name: String,
    pub values: [String; 6],
}

impl Default for CustomGpu {
    fn default() -> Self {
        // An RTX 4090-like card, so the fields show what they expect.
        CustomGpu { name: "My GPU".into(), values: ["24", "1008", "165", "450", "1599", "0.69"].map(String::from) }
    }
}

impl CustomGpu {
    pub fn get(&self, k: CustomGpuKey) -> &String {
        &self.values[k as usize]
    }
    pub fn get_mut(&mut self, k: CustomGpuKey) -> &mut String {
        &mut self.values[k as usize]
    }

    /// The link form: the name and the numbers joined by `~` (dropped from the texts).
    pub fn encode(&self) -> String {
        core::iter::once(&self.name).chain(&self.values).map(|s| s.replace(['~'], "")).collect::<Vec<_>>().join("~")
    }

    pub fn decode(s: &str) -> CustomGpu {
        let mut c = CustomGpu::default();
        let mut parts = s.split('~').map(|p| p.chars().take(80).collect::<String>());
        if let Some(name) = parts.next() {
            c.name = name;
        }
        for (slot, p) in c.values.iter_mut().zip(parts) {
            *slot = p;
        }
        c
    }
}

/// A model read from a dropped GGUF / safetensors header.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FileModel {
    /// The file name(s), for display.
    pub name: String,
    /// The architecture as the core's `Arch` JSON (round-trips through the link).
    pub arch_json: String,
    /// Exact weight bytes of the file(s), when the header tells them.
    pub weight_bytes: Option<u64>,
    /// The weight format the file is stored in, when it maps to one (`q4_k_m`, `bf16`…).
    pub format: Option<String>,
}
