//! Embeds a trimmed copy of `data/catalog.json` in the web bundle: each GPU's `csv` (a verbatim
//! copy of its `gpu-specs.csv` row, about half the file) is emptied, each GPU's `source` text
//! (its `source_ids` resolved through `sources`) is left for the page to rebuild, and whitespace
//! is dropped.
//! Every field the catalog parser reads stays as it is.

use std::path::Path;

fn main() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/catalog.json");
    println!("cargo:rerun-if-changed={}", src.display());
    // A missing data file is a build error, not an empty catalog in the page.
    let text = match std::fs::read_to_string(&src) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", src.display());
            std::process::exit(1);
        }
    };
    let out = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(mut v) => {
            if let Some(gpus) = v.get_mut("gpus").and_then(|g| g.as_array_mut()) {
                for g in gpus {
                    if let Some(csv) = g.get_mut("csv") {
                        *csv = serde_json::Value::Object(Default::default());
                    }
                    // "S3: text | S4: text" again: rebuilt from `source_ids` and `sources` on load
                    // (`data::load`), so each citation is embedded once, not once per card.
                    if let Some(src) = g.get_mut("source") {
                        *src = serde_json::Value::String(String::new());
                    }
                }
            }
            serde_json::to_string(&v).unwrap_or(text)
        }
        // A broken catalog reaches the page as it is; the page reports it instead of dying.
        Err(_) => text,
    };
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("catalog.min.json");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
    }
}
