//! The chosen catalog card's facts under the card picker: memory, bandwidth, compute, power and
//! prices, its verification badge, and the sources, dates and price basis of every figure.

use gpuplan_core::catalog::{Gpu, MemoryBasis};

use crate::catalog::{spec_of, verified, Verified};
use crate::html::Html;
use crate::i18n::{Lang, Phrase};
use crate::numbers::NumFmt;

/// The card's facts, badge, sources, dates and price basis.
pub fn card_info(lang: Lang, nf: NumFmt, card: &Gpu) -> String {
    let spec = spec_of(card);
    let (badge, cls) = match verified(card) {
        Verified::Yes => (Phrase::Verified, "ok"),
        Verified::Partly => (Phrase::PartlyVerified, "partly"),
        Verified::No => (Phrase::Unverified, "no"),
    };
    let mut facts = vec![nf.bytes(spec.memory_bytes), format!("{} GB/s", nf.int(card.bandwidth_gbps.round() as u64))];
    if let Some(t) = card.tflops.bf16 {
        facts.push(format!("{} TFLOPS bf16", nf.int(t.round() as u64)));
    }
    if let Some(w) = card.tdp() {
        facts.push(format!("{} W", nf.int(w.round() as u64)));
    }
    if let Some(p) = spec.purchase_usd {
        facts.push(nf.usd(p));
    }
    if let Some(r) = spec.rent_usd_per_hour {
        facts.push(format!("{}/h", nf.usd(r)));
    }
    let pr = &card.price;
    let mut h = Html::with_capacity(2500);
    h.raw("<div class=\"cardinfo\" data-testid=\"gpu-info\"><p>").text(&facts.join(" · "));
    h.raw(" <span class=\"badge ").raw(cls).raw("\" data-testid=\"verified\">").text(lang.t(badge)).raw("</span></p><details><summary>");
    h.text(lang.t(Phrase::Source)).raw(" · ").text(lang.t(Phrase::AsOf)).raw(" ").text(&card.as_of);
    h.raw("</summary><p class=\"hint\" data-testid=\"memory-source\">").text(lang.t(match card.memory_basis {
        MemoryBasis::Driver => Phrase::MemDriver,
        MemoryBasis::Cuda => Phrase::MemCuda,
        MemoryBasis::Binary => Phrase::MemBinary,
    }));
    h.raw(" (").text(&nf.bytes(card.memory_bytes)).raw("): ").text(&card.memory_source);
    h.raw("</p><p class=\"hint source\">").text(&card.source);
    h.raw("</p><p class=\"hint\">").text(&format!("{}: {}", lang.t(Phrase::Support), card.precision_note));
    h.raw("</p><p class=\"hint\" data-testid=\"price-source\">").text(&format!(
        "{}: {} — {} · {}: {} — {} ({} {})",
        lang.t(Phrase::Purchase),
        pr.purchase_basis,
        pr.purchase_note,
        lang.t(Phrase::RentCards),
        pr.cloud_basis,
        pr.cloud_note,
        lang.t(Phrase::AsOf),
        pr.as_of
    ));
    h.raw("</p><p class=\"hint\">").text(&card.verified_detail);
    if !card.notes.is_empty() {
        h.raw(" · ").text(&card.notes);
    }
    h.raw("</p></details></div>");
    h.finish()
}
