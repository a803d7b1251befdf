//! The results as files: CSV and JSON of the memory breakdown and the every-card table, as the
//! page's worker writes them for the export buttons (`worker::answers::export_answer`).

use gpuplan_core::accuracy::Accuracy;
use gpuplan_core::memory::Estimate;

use super::memory::{FitRow, Need};
use crate::catalog::CardSpec;

/// Quotes a CSV field when needed.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV sizes are in GiB (2³⁰ bytes), like the page and the CLI.
const GIB: f64 = (1u64 << 30) as f64;

/// The results as CSV: the memory breakdown, then the every-card table (bytes and GiB, plain
/// numbers with `.` decimals so spreadsheets in any locale read them).
pub fn results_csv(model_name: &str, e: &Estimate, cards: &[CardSpec], rows: &[FitRow], n_now: u64) -> String {
    let mut s = String::from("item,bytes,gib\n");
    s.push_str(&format!("model,{},\n", csv_field(model_name)));
    s.push_str(&format!("parameters,{},\n", e.params));
    for (label, v) in gpuplan_core::memory::Breakdown::LABELS.iter().zip(e.breakdown.parts()) {
        s.push_str(&format!("{label},{v},{:.3}\n", v as f64 / GIB));
    }
    s.push_str(&format!("total_per_gpu,{},{:.3}\n", e.total_bytes, e.total_bytes as f64 / GIB));
    s.push_str(&format!("\ncard,memory_gib,fits_on_{n_now},cards_needed,headroom_gib_per_gpu,purchase_usd,rent_usd_per_hour\n"));
    for r in rows {
        let c = &cards[r.card];
        s.push_str(&format!(
            "{},{:.1},{},{},{},{},{}\n",
            csv_field(&c.name),
            c.memory_bytes as f64 / GIB,
            if r.fits_now { "yes" } else { "no" },
            r.cards_needed.map_or(String::new(), |n| n.to_string()),
            r.headroom.map_or(String::new(), |h| format!("{:.2}", h as f64 / GIB)),
            c.purchase_usd.map_or(String::new(), |p| format!("{p:.0}")),
            c.rent_usd_per_hour.map_or(String::new(), |p| format!("{p:.2}")),
        ));
    }
    s
}

/// The results as JSON: the scenario link, the estimate as the core returns it, the verdict
/// (`fits` is true for "fits, tight" too; `verdict` spells it as the CLI does), the accuracy of
/// estimates of this kind (the CLI's `accuracy` object) and the every-card table.
#[allow(clippy::too_many_arguments)]
pub fn results_json(link: &str, model_name: &str, e: &Estimate, gpu: &CardSpec, need: Need, accuracy: &Accuracy, cards: &[CardSpec], rows: &[FitRow]) -> String {
    use gpuplan_core::json::{object, to_string_pretty, Value};
    let table: Vec<Value> = rows
        .iter()
        .map(|r| {
            let c = &cards[r.card];
            object([
                ("id", c.id.as_str().into()),
                ("name", c.name.as_str().into()),
                ("memory_bytes", c.memory_bytes.into()),
                ("fits", r.fits_now.into()),
                ("tight", r.tight.into()),
                ("cards_needed", r.cards_needed.into()),
                ("headroom_bytes", r.headroom.into()),
                ("purchase_usd", c.purchase_usd.into()),
                ("rent_usd_per_hour", c.rent_usd_per_hour.into()),
            ])
        })
        .collect();
    let v = object([
        ("gpuplan", 1u64.into()),
        ("scenario", link.into()),
        ("model", model_name.into()),
        ("gpu", object([("id", gpu.id.as_str().into()), ("name", gpu.name.as_str().into()), ("memory_bytes", gpu.memory_bytes.into())])),
        ("required_bytes_per_gpu", need.bytes.into()),
        ("fits", need.fits(gpu.memory_bytes).into()),
        ("verdict", need.verdict(gpu.memory_bytes).name().into()),
        ("accuracy", accuracy.to_json()),
        ("estimate", e.to_json()),
        ("cards", Value::Array(table)),
    ]);
    to_string_pretty(&v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::memory::fit_rows;
    use crate::results::memory::{need_of, required_by_count};
    use crate::results::memory::tests::cards;
    use gpuplan_core::memory::{estimate, Model, Workload};
    use gpuplan_core::model::ManualModel;

    #[test]
    fn csv_and_json_of_the_table() {
        let m = Model::new(ManualModel::default().to_arch().unwrap());
        let w = Workload::default();
        let cs = cards();
        let rows = fit_rows(&cs, &required_by_count(&m, &w), 1);
        let csv = results_csv("Llama \"8B\", test", &estimate(&m, &w).unwrap(), &cs, &rows, 1);
        assert!(csv.contains("model,\"Llama \"\"8B\"\", test\""));
        assert!(csv.contains("C 8,7.5,no,4,"), "{csv}");
        let e = estimate(&m, &w).unwrap();
        let acc = gpuplan_core::accuracy::of(&w);
        let json = results_json("v=1", "m", &e, &cs[0], need_of(&m, &w, &e), &acc, &cs, &rows);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["cards"].as_array().unwrap().len(), 3);
        assert_eq!(v["estimate"]["params"], m.params);
        assert_eq!(v["verdict"], "fits");
        // The CLI's accuracy object, as the core writes it.
        let cli: serde_json::Value = serde_json::from_str(&gpuplan_core::json::to_string(&acc.to_json())).unwrap();
        assert_eq!(v["accuracy"], cli);
        assert!(v["accuracy"]["runs"].as_u64().unwrap() > 0, "{}", v["accuracy"]);
    }
}
