//! The report's sections, checked on a real preset.

use std::sync::Arc;

use gpuplan_core::memory::{estimate, Model, Workload};
use gpuplan_core::model::Arch;

use super::card_info::card_info;
use super::model_summary::model_summary;
use super::speed_cost::human_hours;
use super::verdict::{breakdown, verdict, PARTS};
use crate::catalog::{self as data, CardSpec};
use crate::html::escape as esc;
use crate::i18n::{Lang, Phrase};
use crate::numbers::NumFmt;
use crate::results::memory::{self as compute, Outcome};
use crate::results::model::ModelRef;

fn outcome(card_gb: u64, gpus: u64) -> Outcome {
    let data = data::load();
    let p = data.preset("llama-3.1-8b").expect("preset");
    let model = Model::new(Arch::from_config_value(&p.config).unwrap());
    let w = Workload { gpus, ..Workload::default() };
    let est = estimate(&model, &w).unwrap();
    let required = compute::required_bytes(&model, &w, &est);
    Outcome {
        by_count: compute::required_by_count(&model, &w),
        bars: compute::format_bars(&model, &w),
        required,
        model: ModelRef { model: Arc::new(model), name: "Llama <8B> & \"co\"".into(), exact: None },
        est,
        workload: w,
        model_name: "Llama <8B> & \"co\"".into(),
        card: CardSpec {
            id: "x".into(),
            name: "Card <X>".into(),
            vendor: String::new(),
            memory_bytes: card_gb * 1_000_000_000,
            purchase_usd: None,
            rent_usd_per_hour: None,
        },
        stale: false,
    }
}

#[test]
fn verdict_states_fit_figure_and_headroom() {
    let nf = NumFmt::default();
    let o = outcome(80, 1);
    let h = verdict(Lang::En, nf, &o);
    assert!(h.contains("data-fits=\"yes\""), "{h}");
    assert!(h.contains(&format!("data-bytes=\"{}\">{}</strong>", o.required, nf.bytes(o.required))), "{h}");
    assert!(h.contains(&nf.bytes(80_000_000_000 - o.required)), "{h}");
    assert!(h.contains("1 × Card &lt;X&gt;"), "card name escaped: {h}");
    let small = outcome(8, 1);
    let h = verdict(Lang::ZhHans, nf, &small);
    assert!(h.contains("data-fits=\"no\"") && h.contains(Lang::ZhHans.t(Phrase::DoesNotFit)), "{h}");
}

#[test]
fn breakdown_lists_every_part_with_its_bytes() {
    let nf = NumFmt { group: Some('.'), decimal: ',' };
    let o = outcome(80, 1);
    let h = breakdown(Lang::En, nf, &o);
    for ((_, cls), v) in PARTS.iter().zip(o.est.breakdown.parts()) {
        assert!(h.contains(&format!("data-testid=\"part-{cls}\" data-bytes=\"{v}\">{}</strong>", nf.bytes(v))), "{cls}: {h}");
    }
    // Shown parts get a segment; the capacity marker sits inside the bar.
    let segs = o.est.breakdown.parts().iter().filter(|v| **v > 0).count();
    assert_eq!(h.matches("class=\"seg ").count(), segs);
    assert!(h.contains("title=\"Card &lt;X&gt;\""));
}

#[test]
fn model_summary_escapes_the_name_and_cites_the_preset() {
    let data = data::load();
    let p = data.preset("llama-3.1-8b").unwrap();
    let o = outcome(80, 1);
    let h = model_summary(Lang::En, NumFmt::default(), &o, Some(p));
    assert!(h.contains("<strong>Llama &lt;8B&gt; &amp; &quot;co&quot;</strong>"), "{h}");
    assert!(h.contains(&p.hf_repo) && h.contains(&p.as_of), "{h}");
}

#[test]
fn card_info_carries_source_date_and_price_basis_of_every_card() {
    let data = data::load();
    for g in &data.catalog.gpus {
        let h = card_info(Lang::En, NumFmt::default(), g);
        assert!(h.contains(&esc(&g.source)), "{}", g.id);
        assert!(h.contains(&esc(&g.as_of)) && h.contains(&esc(&g.price.as_of)), "{}", g.id);
        assert!(h.contains(&esc(&g.price.purchase_basis)), "{}", g.id);
    }
}

#[test]
fn human_hours_picks_a_readable_unit() {
    assert_eq!(human_hours(Lang::En, 0.5 / 3600.0), "0.5 s");
    assert_eq!(human_hours(Lang::En, 0.5), "30 min");
    assert_eq!(human_hours(Lang::En, 10.0), "10.0 h");
    assert_eq!(human_hours(Lang::ZhHant, 96.0), "4.0 天");
    assert_eq!(human_hours(Lang::En, f64::INFINITY), "—");
}
