//! The catalog as the page uses it: model presets (searchable) and cards (with their source,
//! date and verification status). The bundle embeds a trimmed copy of `data/catalog.json`
//! (see `build.rs`) and parses it with the core's parser.

use gpuplan_core::catalog::{self, Catalog, Gpu};

/// The trimmed catalog (each GPU's verbatim `csv` row removed): the worker's and the tests'.
pub const CATALOG_MIN: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.min.json"));
/// The page's copy: [`CATALOG_MIN`] without the texts of each card's sources, which the
/// worker writes on request (see `build.rs` `page_trim`).
pub const CATALOG_PAGE: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.page.json"));

/// What the fit verdicts and the every-card table need to know about a card.
#[derive(Clone, Debug, PartialEq)]
pub struct CardSpec {
    pub id: String,
    pub name: String,
    pub vendor: String,
    /// What the card's GPU may use: its memory as the driver reports it, or an Apple
    /// configuration's default GPU wired limit (`Gpu::usable_bytes`).
    pub memory_bytes: u64,
    pub purchase_usd: Option<f64>,
    pub rent_usd_per_hour: Option<f64>,
}

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
        // What its GPU may use: a Mac's default GPU wired limit (core `unified`), a card's memory.
        memory_bytes: g.usable_bytes(),
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
    load_from(CATALOG_MIN, true)
}

/// Loads the page's copy of the catalog ([`CATALOG_PAGE`]): everything but the cards' source
/// texts.
pub fn load_page() -> Data {
    load_from(CATALOG_PAGE, false)
}

/// The letters `build.rs` writes for the page's presets' `layer_kinds` (one per layer; bits 0–5
/// of its index: `moe`, `sliding`, `linear`, `no_mixer`, `no_mlp`, `cross`).
pub const LAYER_KINDS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Puts back `Arch::to_json`'s list of layer objects where `build.rs` wrote letters.
fn expand_layer_kinds(c: &mut Catalog) {
    use gpuplan_core::json::{object, Value};
    for m in &mut c.models {
        let Some(Value::String(letters)) = m.config.get("layer_kinds") else { continue };
        let kinds: Vec<Value> = letters
            .bytes()
            .map(|l| {
                let bits = LAYER_KINDS.iter().position(|x| *x == l).unwrap_or(0);
                let mut o = object([("moe", (bits & 1 != 0).into()), ("sliding", (bits & 2 != 0).into())]);
                for (i, name) in ["linear", "no_mixer", "no_mlp", "cross"].iter().enumerate() {
                    if bits & (4 << i) != 0 {
                        o[*name] = true.into();
                    }
                }
                o
            })
            .collect();
        m.config["layer_kinds"] = Value::Array(kinds);
    }
}

fn load_from(text: &str, with_sources: bool) -> Data {
    match catalog::parse(text) {
        Ok(mut c) => {
            expand_layer_kinds(&mut c);
            if with_sources {
                restore_sources(&mut c);
            }
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
                hosts: Vec::new(),
                fx: catalog::Fx { cny_per_usd: 7.1, source: String::new(), as_of: String::new() },
            },
            Some(format!("{e}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{DEFAULT_GPU, DEFAULT_PRESET};

    #[test]
    fn the_pages_catalog_lacks_only_the_cards_source_texts() {
        let full = load();
        let page = load_page();
        assert!(page.error.is_none(), "{:?}", page.error);
        // The presets: the same but for the form of `config`, which reads to the same
        // architecture (the page's presets are in `Arch::to_json`'s form, see `build.rs`).
        assert_eq!(page.catalog.models.len(), full.catalog.models.len());
        for (p, f) in page.catalog.models.iter().zip(&full.catalog.models) {
            assert_eq!(gpuplan_core::model::Arch::from_json(&p.config).unwrap(), f.arch().unwrap(), "{}", f.id);
            assert_eq!(&gpuplan_core::catalog::ModelPreset { config: f.config.clone(), ..p.clone() }, f);
        }
        assert_eq!(page.catalog.profiles, full.catalog.profiles);
        assert_eq!(page.specs, full.specs);
        assert_eq!(page.catalog.gpus.len(), full.catalog.gpus.len());
        assert!(page.catalog.sources.is_empty() && CATALOG_PAGE.len() < CATALOG_MIN.len());
        for (p, f) in page.catalog.gpus.iter().zip(&full.catalog.gpus) {
            // The page's copy with the texts put back is the worker's.
            let mut back = p.clone();
            back.source = f.source.clone();
            back.source_ids = f.source_ids.clone();
            back.memory_source = f.memory_source.clone();
            back.precision_note = f.precision_note.clone();
            back.verified_detail = f.verified_detail.clone();
            back.notes = f.notes.clone();
            back.price.purchase_note = f.price.purchase_note.clone();
            back.price.purchase_basis = f.price.purchase_basis.clone();
            back.price.cloud_note = f.price.cloud_note.clone();
            back.price.cloud_basis = f.price.cloud_basis.clone();
            assert_eq!(&back, f, "{}", f.id);
            assert!(p.memory_source.is_empty() && p.source.is_empty(), "{}", p.id);
            assert_eq!(verified(p), verified(f), "{}", f.id);
        }
    }

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
            assert_eq!((&p.hf_repo, &p.as_of), (&f.hf_repo, &f.as_of), "{}", f.id);
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
}
