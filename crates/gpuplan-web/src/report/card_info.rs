//! The chosen catalog card's facts under the card picker: memory, bandwidth, compute, power and
//! prices, its verification badge, and the sources, dates and price basis of every figure.

use gpuplan_core::catalog::{Gpu, MemoryBasis};

use crate::catalog::{spec_of, verified, Verified};
use crate::html::Html;
use crate::i18n::{Lang, Phrase};
use crate::numbers::NumFmt;

/// The card's facts, badge, sources, dates and price basis: [`card_facts`], then a closed
/// details block of [`card_summary`] and [`card_sources`]. The page shows the facts and the
/// summary itself and asks the worker for the sources when the reader opens them
/// (`worker::panels::CARD_SOURCES`): their texts are not in the page's catalog.
pub fn card_info(lang: Lang, nf: NumFmt, card: &Gpu) -> String {
    let mut h = Html::with_capacity(2500);
    h.raw("<div class=\"cardinfo\" data-testid=\"gpu-info\"><p>");
    let mut out = h.finish();
    out.push_str(&card_facts(lang, nf, card));
    let mut h = Html::with_capacity(2500);
    h.raw("</p><details><summary>").text(&card_summary(lang, card)).raw("</summary>");
    out.push_str(&h.finish());
    out.push_str(&card_sources(lang, nf, card));
    out.push_str("</details></div>");
    out
}

/// The card's memory, bandwidth, compute, power and prices, and its verification badge.
pub fn card_facts(lang: Lang, nf: NumFmt, card: &Gpu) -> String {
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
    let mut h = Html::with_capacity(400);
    h.text(&facts.join(" · "));
    h.raw(" <span class=\"badge ").raw(cls).raw("\" data-testid=\"verified\">").text(lang.t(badge)).raw("</span>");
    h.finish()
}

/// The summary line of the card's sources: "Source · as of {date}".
pub fn card_summary(lang: Lang, card: &Gpu) -> String {
    format!("{} · {} {}", lang.t(Phrase::Source), lang.t(Phrase::AsOf), card.as_of)
}

/// The card's sources: where its memory figure comes from, its citations, precision support,
/// the basis and date of its prices, how it was verified, and its notes.
pub fn card_sources(lang: Lang, nf: NumFmt, card: &Gpu) -> String {
    let pr = &card.price;
    let mut h = Html::with_capacity(2000);
    h.raw("<p class=\"hint\" data-testid=\"memory-source\">").text(lang.t(match card.memory_basis {
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
    h.raw("</p>");
    h.finish()
}
