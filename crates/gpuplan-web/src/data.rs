//! The catalog as the page uses it: model presets (searchable) and cards (with their source,
//! date and verification status). The bundle embeds a trimmed copy of `data/catalog.json`
//! (see `build.rs`) and parses it with the core's parser.

use gpuplan_core::catalog::{self, Catalog, Gpu, Interconnect, PrecisionMap, PrecisionSupport, Price, Tflops};

use crate::compute::CardSpec;
use crate::scenario::CustomGpuValues;

/// The trimmed catalog (each GPU's verbatim `csv` row removed).
pub const CATALOG_MIN: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.min.json"));

/// How far a card's figures were checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verified {
    Yes,
    Partly,
    No,
}

/// Everything the page reads from the catalog.
#[derive(Debug)]
pub struct Data {
    pub catalog: Catalog,
    /// Lower-case search text of each model preset (same order as `catalog.models`).
    haystacks: Vec<String>,
    /// What the fit verdicts need of each card (same order as `catalog.gpus`).
    pub specs: Vec<CardSpec>,
    /// Set when the embedded catalog could not be read (the page then shows it and carries on
    /// with the by-hand and file inputs).
    pub error: Option<String>,
}

pub fn spec_of(g: &Gpu) -> CardSpec {
    CardSpec {
        id: g.id.clone(),
        name: g.name.clone(),
        vendor: g.vendor.clone(),
        memory_bytes: g.memory_bytes,
        purchase_usd: g.price.purchase_usd,
        rent_usd_per_hour: g.price.cloud_usd_per_hour,
    }
}

pub fn verified(g: &Gpu) -> Verified {
    match g.verified.as_str() {
        "yes" | "true" | "verified" => Verified::Yes,
        "partial" | "partly" => Verified::Partly,
        _ => Verified::No,
    }
}

impl Data {
    pub fn from_catalog(catalog: Catalog, error: Option<String>) -> Data {
        let haystacks = catalog
            .models
            .iter()
            .map(|m| format!("{} {} {} {}", m.id, m.name, m.hf_repo, m.params_published).to_ascii_lowercase())
            .collect();
        let specs = catalog.gpus.iter().map(spec_of).collect();
        Data { catalog, haystacks, specs, error }
    }

    pub fn card(&self, id: &str) -> Option<usize> {
        self.catalog.gpus.iter().position(|c| c.id == id)
    }

    pub fn preset(&self, id: &str) -> Option<&catalog::ModelPreset> {
        self.catalog.model(id)
    }

    /// Presets whose text contains every word of `query`.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let words: Vec<String> = query.split_whitespace().map(|w| w.to_ascii_lowercase()).collect();
        (0..self.haystacks.len()).filter(|&i| words.iter().all(|w| self.haystacks[i].contains(w.as_str()))).collect()
    }
}

/// Each card's `source` text as `data/catalog.json` has it ("S3: … | S4: …"), rebuilt from its
/// `source_ids` (the bundle leaves it empty, see `build.rs`). A card whose text is present keeps it.
pub fn restore_sources(c: &mut Catalog) {
    for g in &mut c.gpus {
        if g.source.is_empty() {
            let parts: Vec<String> = g.source_ids.iter().map(|id| format!("{id}: {}", c.sources.get(id).map_or("", |s| s.as_str()))).collect();
            g.source = parts.join(" | ");
        }
    }
}

/// Loads the bundled catalog. A broken catalog gives an empty one and a message, never a panic.
pub fn load() -> Data {
    match catalog::parse(CATALOG_MIN) {
        Ok(mut c) => {
            restore_sources(&mut c);
            Data::from_catalog(c, None)
        }
        Err(e) => Data::from_catalog(
            Catalog {
                schema: 1,
                as_of: String::new(),
                sources: Default::default(),
                gpus: Vec::new(),
                models: Vec::new(),
                profiles: Vec::new(),
                size_tiers: Vec::new(),
                fx: catalog::Fx { cny_per_usd: 7.1, source: String::new(), as_of: String::new() },
            },
            Some(format!("{e}")),
        ),
    }
}

/// The user's own card as a catalog entry (speed and cost take one). Formats other than
/// 16/32-bit and int8 are assumed emulated: they save memory, the math runs at the bf16 peak.
pub fn custom_gpu(v: &CustomGpuValues) -> Gpu {
    use PrecisionSupport::{Emulated, Native};
    Gpu {
        id: crate::scenario::CUSTOM_GPU.into(),
        vendor: String::new(),
        name: v.name.clone(),
        architecture: String::new(),
        launch_year: 0,
        memory_bytes: v.memory_bytes,
        memory_label_gb: u32::try_from(v.memory_bytes / 1_000_000_000).unwrap_or(u32::MAX),
        memory_basis: catalog::MemoryBasis::Driver,
        memory_source: "entered on the page".into(),
        memory_type: String::new(),
        bandwidth_gbps: v.bandwidth_gbps,
        tflops: Tflops { fp32: None, tf32: None, bf16: Some(v.tflops), fp16: Some(v.tflops), fp16_fp16acc: None, fp8: None, int8: None, fp4: None },
        precision: PrecisionMap { fp32: Native, bf16: Native, fp16: Native, fp8: Emulated, int8: Emulated, int4: Emulated, nvfp4: Emulated, mxfp4: Emulated },
        precision_note: String::new(),
        tdp_w: v.watts,
        form_factor: String::new(),
        interconnect: Interconnect { kind: "pcie".into(), gbps_per_gpu: 0.0, direction: String::new(), note: String::new() },
        price: Price {
            purchase_usd: Some(v.price_usd),
            purchase_note: String::new(),
            purchase_basis: String::new(),
            cloud_usd_per_hour: Some(v.rent_usd_h),
            cloud_note: String::new(),
            cloud_basis: String::new(),
            as_of: String::new(),
        },
        export_status: String::new(),
        source_ids: Vec::new(),
        source: String::new(),
        verified: "user".into(),
        verified_detail: String::new(),
        as_of: String::new(),
        notes: String::new(),
        csv: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{CustomGpu, DEFAULT_GPU, DEFAULT_PRESET};

    #[test]
    fn trimmed_presets_read_as_the_full_ones() {
        // build.rs keeps only the config keys the estimator reads; every preset must read to
        // the same architecture from the full data file.
        let full = gpuplan_core::catalog::parse(gpuplan_core::catalog::CATALOG_JSON).unwrap();
        let page = load();
        assert_eq!(full.models.len(), page.catalog.models.len());
        for (f, p) in full.models.iter().zip(&page.catalog.models) {
            assert_eq!(f.id, p.id);
            let a = gpuplan_core::model::Arch::from_config_value(&f.config).unwrap();
            let b = gpuplan_core::model::Arch::from_config_value(&p.config).unwrap();
            assert_eq!(a, b, "{}", f.id);
        }
        // Every figure the page shows of a card keeps its source, date and price basis.
        for (f, p) in full.gpus.iter().zip(&page.catalog.gpus) {
            assert_eq!((&f.source, &f.as_of, &f.price, &f.tflops, f.memory_bytes), (&p.source, &p.as_of, &p.price, &p.tflops, p.memory_bytes), "{}", f.id);
            assert_eq!((&f.precision_note, &f.verified_detail, &f.notes), (&p.precision_note, &p.verified_detail, &p.notes));
        }
    }

    #[test]
    fn the_bundled_catalog_has_what_the_page_needs() {
        let d = load();
        assert_eq!(d.error, None);
        assert!(d.catalog.models.len() >= 30, "{} presets", d.catalog.models.len());
        assert!(d.catalog.gpus.len() >= 20);
        assert!(d.preset(DEFAULT_PRESET).is_some());
        assert!(d.card(DEFAULT_GPU).is_some());
        for p in &d.catalog.models {
            assert!(p.arch().is_ok(), "{}: {:?}", p.id, p.arch().err());
        }
        assert!(!d.search("qwen 32b").is_empty());
        assert!(d.search("zzzz-nothing").is_empty());
        // The trim keeps the catalog whole apart from the csv copies.
        let full = catalog::load().unwrap();
        assert_eq!(full.gpus.len(), d.catalog.gpus.len());
        // Every card's source text is the catalog's own, rebuilt from its ids.
        for (a, b) in full.gpus.iter().zip(&d.catalog.gpus) {
            assert_eq!(a.source, b.source, "{}", a.id);
            assert!(!b.source.is_empty(), "{}", b.id);
        }
        assert!(CATALOG_MIN.len() < catalog::CATALOG_JSON.len() * 2 / 3);
    }

    #[test]
    fn custom_card_has_speed_and_cost() {
        let v = CustomGpu::default().parse().unwrap();
        let g = custom_gpu(&v);
        assert_eq!(g.support("bf16"), PrecisionSupport::Native);
        assert_eq!(g.peak_tflops("bf16"), Some(165.0));
    }
}
