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
    let need = compute::need_of(&model, &w, &est);
    Outcome {
        by_count: compute::required_by_count(&model, &w),
        bars: compute::format_bars(&model, &w),
        need,
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
        accuracy: compute::accuracy_of(&Workload { gpus, ..Workload::default() }),
    }
}

#[test]
fn verdict_states_fit_figure_and_headroom() {
    let nf = NumFmt::default();
    let o = outcome(80, 1);
    let h = verdict(Lang::En, nf, &o);
    assert!(h.contains("data-fits=\"yes\""), "{h}");
    assert!(h.contains(&format!("data-bytes=\"{}\">{}</strong>", o.need.bytes, nf.bytes(o.need.bytes))), "{h}");
    assert!(h.contains(&nf.bytes(80_000_000_000 - o.need.bytes)), "{h}");
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
    assert!(h.contains("<a href=\"https://huggingface.co/meta-llama/Llama-3.1-8B\" rel=\"noopener\""), "{h}");
}

#[test]
fn every_preset_links_its_hugging_face_repo_and_nothing_else_becomes_a_link() {
    let data = data::load();
    let o = outcome(80, 1);
    for p in &data.catalog.models {
        let h = model_summary(Lang::ZhHans, NumFmt::default(), &o, Some(p));
        assert!(h.contains(&format!("href=\"https://huggingface.co/{}\"", p.hf_repo)) && h.contains(&p.as_of) && !p.source.is_empty(), "{}: {h}", p.id);
    }
    let mut odd = data.preset("llama-3.1-8b").unwrap().clone();
    odd.hf_repo = "x/../../evil?a=1".into();
    let h = model_summary(Lang::En, NumFmt::default(), &o, Some(&odd));
    assert!(!h.contains("href") && h.contains("x/../../evil?a=1"), "{h}");
}

#[test]
fn card_info_carries_source_date_and_price_basis_of_every_card() {
    let data = data::load();
    for g in &data.catalog.gpus {
        let h = card_info(Lang::En, NumFmt::default(), g);
        assert!(h.contains(&esc(&g.source)), "{}", g.id);
        assert!(h.contains(&esc(&g.memory_source)) && h.contains(&NumFmt::default().bytes(g.memory_bytes)), "{}", g.id);
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

#[test]
fn a_run_over_the_card_only_by_the_allocator_slack_fits_tight() {
    let nf = NumFmt::default();
    let mut o = outcome(80, 1);
    assert!(o.need.slack > 0, "the default run has allocator slack");
    o.card.memory_bytes = o.need.bytes - o.need.slack / 2;
    let h = verdict(Lang::En, nf, &o);
    assert!(h.starts_with("<div class=\"verdict fits tight\"") && h.contains("data-fits=\"yes\" data-verdict=\"fits_tight\""), "{h}");
    assert!(h.contains("Fits, tight") && h.contains(&nf.bytes(o.need.slack)) && h.contains("data-testid=\"tight\""), "{h}");
    // One byte less than the live tensors: does not fit.
    o.card.memory_bytes = o.need.bytes - o.need.slack - 1;
    let h = verdict(Lang::ZhHant, nf, &o);
    assert!(h.contains("data-verdict=\"does_not_fit\"") && h.contains(Lang::ZhHant.t(Phrase::DoesNotFit)) && !h.contains("data-testid=\"tight\""), "{h}");
}

#[test]
fn the_accuracy_band_states_the_measured_runs_of_the_kind_in_each_language() {
    let o = outcome(80, 1);
    let a = &o.accuracy;
    assert!(a.runs > 0, "inference · hf · 16-bit is measured: {a:?}");
    let (median, worst) = (a.median_pct.unwrap(), a.worst_pct.unwrap());
    // A locale with a decimal comma writes the percentages its way.
    let comma = NumFmt { group: Some('.'), decimal: ',' };
    let h = verdict(Lang::En, comma, &o);
    let want = format!("Measured on {} H100 80GB HBM3 runs of this kind: median error {} %, worst {} %.", a.runs, comma.fixed(median, 1), comma.fixed(worst, 1));
    assert!(h.contains(&want) && comma.fixed(median, 1).contains(','), "{want} in {h}");
    assert!(h.contains(&format!("data-testid=\"accuracy\" data-runs=\"{}\"", a.runs)) && h.contains("href=\"#how-we-know\""), "{h}");
    for lang in [Lang::ZhHans, Lang::ZhHant] {
        let h = verdict(lang, NumFmt::default(), &o);
        assert!(h.contains(&format!("{} 次 H100 80GB HBM3", a.runs)) && h.contains(lang.t(Phrase::AccHow)), "{h}");
    }
}

#[test]
fn an_unmeasured_kind_says_so_and_gives_no_band() {
    let nf = NumFmt::default();
    // Two GPUs: the runs are on one.
    let o = outcome(80, 2);
    assert_eq!(o.accuracy.runs, 0);
    let h = verdict(Lang::En, nf, &o);
    assert!(h.contains("class=\"accuracy unmeasured\"") && h.contains("the split over 2 GPUs is computed, not measured") && !h.contains("median"), "{h}");
    // A kind nobody measured: its label from the core's basis, in every language.
    let mut o = outcome(80, 1);
    o.accuracy = compute::accuracy_of(&Workload { mode: gpuplan_core::memory::Mode::Full, weights: gpuplan_core::formats::WeightFormat::Fp32, ..Workload::default() });
    assert_eq!(o.accuracy.runs, 0, "{:?}", o.accuracy);
    let h = verdict(Lang::ZhHans, nf, &o);
    assert!(h.contains("未实测") && h.contains("full · hf · "), "{h}");
}

#[test]
fn the_bundled_presets_carry_their_source_as_the_summary_shows_it() {
    // build.rs embeds each preset's source cut as `short_source` cuts it: the page shows the same.
    let full = gpuplan_core::catalog::parse(gpuplan_core::catalog::CATALOG_JSON).unwrap();
    let page = crate::catalog::load();
    for (f, p) in full.models.iter().zip(&page.catalog.models) {
        assert_eq!(p.source, crate::report::model_summary::short_source(&f.source), "{}", f.id);
        assert_eq!(crate::report::model_summary::short_source(&p.source), p.source, "{}", f.id);
    }
}
