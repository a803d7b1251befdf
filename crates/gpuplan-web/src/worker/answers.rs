//! The worker's answers, pure and tested on the host: the planner's table and the CSV/JSON
//! export, each for a scenario given in its link form (`params`), read exactly as a shared link
//! is read, so the page and its worker cannot disagree on the inputs; and the "How we know"
//! section, which depends on no scenario.

use gpuplan_core::json::{object, Value};
use gpuplan_core::memory::estimate;

use crate::catalog::Data;
use crate::i18n::Lang;
use crate::numbers::NumFmt;
use crate::report;
use crate::results::export::{results_csv, results_json};
use crate::results::memory::{fit_rows, need_of, required_by_count, sort_rows, SortKey};
use crate::results::money::plans;
use crate::results::resolve::{from_link, Resolved};

/// What the page's worker answers for the planner: the scenario read from its URL form
/// (`params`, exactly as a shared link is read), the cheapest plans as the table's HTML, and
/// each row's (card id, count, format) for the page's "choose this plan" buttons:
/// `{"html": …, "choices": [[gpu_id, count, format], …]}`. An empty table when the scenario
/// has errors (the page shows those next to their fields).
pub fn planner_answer(data: &Data, params: &str, lang: Lang, nf: NumFmt) -> Value {
    let plans = (|| {
        let x = from_link(data, params)?;
        let e = x.scenario.cost_settings(data.catalog.fx.cny_per_usd).ok()?;
        let custom = x.card.idx.is_none().then(|| x.card.gpu.clone());
        Some(plans(&x.model.model, &x.workload, &data.catalog, custom, &e))
    })();
    let (html, choices) = match &plans {
        Some(p) => (
            report::plans::plans(lang, nf, p),
            p.iter().map(|p| Value::Array(vec![p.gpu_id.as_str().into(), p.count.into(), p.format.name().into()])).collect(),
        ),
        None => (String::new(), Vec::new()),
    };
    object([("html", html.into()), ("choices", Value::Array(choices))])
}

/// The CSV (or JSON) export of the scenario `params`, read as a shared link is, with the
/// every-card table sorted as on the page: what the page's worker answers for "export".
/// `None` when the scenario has errors (the page shows them next to their fields).
pub fn export_answer(data: &Data, params: &str, json: bool, key: SortKey, descending: bool) -> Option<String> {
    let Resolved { model: m, card, workload: w, .. } = from_link(data, params)?;
    let est = estimate(&m.model, &w).ok()?;
    let need = need_of(&m.model, &w, &est);
    let mut rows = fit_rows(&data.specs, &required_by_count(&m.model, &w), w.gpus);
    sort_rows(&mut rows, &data.specs, key, descending);
    Some(if json {
        results_json(params, &m.name, &est, &card.spec, need, &gpuplan_core::accuracy::of_model(&w, &m.model.arch), &data.specs, &rows)
    } else {
        results_csv(&m.name, &est, &data.specs, &rows, w.gpus)
    })
}

/// The "How we know" section's HTML in the reader's language and number format
/// ([`report::how_we_know::section_for`] on the bundled catalog): what the worker answers for
/// "evidence".
pub fn evidence_answer(data: &Data, lang: Lang, nf: NumFmt) -> String {
    report::how_we_know::section_for(lang, nf, &data.catalog)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{apply_profile, Scenario};
    use crate::results::card::chosen_card;
    use crate::results::model::{build_model, model_key};

    #[test]
    fn the_workers_planner_answer_reads_the_scenario_from_its_link() {
        let data = crate::catalog::load();
        let mut s = Scenario::default();
        let p = data.catalog.profiles.iter().find(|p| p.id == "startup-inference").unwrap();
        apply_profile(&mut s, p);
        let nf = NumFmt::default();
        let v = planner_answer(&data, &s.to_params(), Lang::En, nf);
        let choices = v.get("choices").and_then(|c| c.as_array()).unwrap();
        assert!(choices.len() >= 3, "{v}");
        // The same plans the page would compute from the scenario itself.
        let m = build_model(&data, &model_key(&s), &s).unwrap();
        let card = chosen_card(&data, &s).unwrap();
        let w = crate::results::card::workload_on(&s, &card).unwrap();
        let e = s.cost_settings(data.catalog.fx.cny_per_usd).unwrap();
        let direct = plans(&m.model, &w, &data.catalog, None, &e);
        assert_eq!(choices.len(), direct.len());
        for (c, d) in choices.iter().zip(&direct) {
            assert_eq!((c[0].as_str(), c[1].as_u64(), c[2].as_str()), (Some(d.gpu_id.as_str()), Some(d.count), Some(d.format.name())));
        }
        let html = v.get("html").and_then(|h| h.as_str()).unwrap();
        assert!(html.contains("data-testid=\"plans\"") && html.contains("data-plan=\"0\""), "{html}");
        // A scenario with an error gives an empty table.
        s.context = "-5".into();
        let v = planner_answer(&data, &s.to_params(), Lang::En, nf);
        assert_eq!(v.get("choices").and_then(|c| c.as_array()).map(Vec::len), Some(0));
    }

    #[test]
    fn the_workers_export_is_the_pages_results() {
        let data = crate::catalog::load();
        let s = Scenario::default();
        let params = s.to_params();
        let csv = export_answer(&data, &params, false, SortKey::Price, true).unwrap();
        let json = export_answer(&data, &params, true, SortKey::Price, true).unwrap();
        // What the page computes from the same scenario.
        let m = build_model(&data, &model_key(&s), &s).unwrap();
        let card = chosen_card(&data, &s).unwrap();
        let w = crate::results::card::workload_on(&s, &card).unwrap();
        let est = estimate(&m.model, &w).unwrap();
        let mut rows = fit_rows(&data.specs, &required_by_count(&m.model, &w), w.gpus);
        sort_rows(&mut rows, &data.specs, SortKey::Price, true);
        assert_eq!(csv, results_csv(&m.name, &est, &data.specs, &rows, w.gpus));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["scenario"], params.as_str());
        assert_eq!(v["cards"].as_array().unwrap().len(), data.specs.len());
        assert_eq!(v["estimate"]["total_bytes"], est.total_bytes);
        for k in SortKey::ALL {
            assert_eq!(SortKey::from_code(k.code()), Some(k));
        }
        let mut bad = s.clone();
        bad.gpus = "0".into();
        assert_eq!(export_answer(&data, &bad.to_params(), false, SortKey::Name, false), None);
    }

    #[test]
    fn the_workers_evidence_answer_is_the_section_in_the_readers_language() {
        let data = crate::catalog::load();
        let runs = gpuplan_core::accuracy::runs().unwrap();
        let fitted = runs.iter().filter(|r| r.error_pct().is_some()).count();
        let en = evidence_answer(&data, Lang::En, NumFmt::default());
        assert!(en.starts_with("<div class=\"how-we-know\"") && en.contains("data-testid=\"hwk-chart\"><svg"), "{}", &en[..200]);
        assert_eq!(en.matches("<circle").count(), fitted);
        assert!(en.contains("<table class=\"hwk-kinds\">") && en.contains("<table class=\"hwk-speed\">") && en.contains("<table class=\"hwk-constants\">"));
        assert_eq!(en, report::how_we_know::section_for(Lang::En, NumFmt::default(), &data.catalog));
        let hant = evidence_answer(&data, Lang::ZhHant, NumFmt { group: Some('.'), decimal: ',' });
        assert!(hant.contains("估算與實測") && hant.contains(" %") && !hant.contains("Memory: estimate"));
    }

}
