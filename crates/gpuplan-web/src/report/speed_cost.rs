//! Speed and money of the scenario on its card.

use gpuplan_core::catalog::PrecisionSupport;

use super::verdict::list_items;
use crate::html::Html;
use crate::i18n::{Lang, Phrase};
use crate::numbers::NumFmt;
use crate::results::money::SpeedAndCost;

/// Hours as seconds, minutes, hours or days.
pub fn human_hours(lang: Lang, h: f64) -> String {
    if !h.is_finite() {
        "—".into()
    } else if h < 1.0 / 60.0 {
        format!("{:.1} s", h * 3600.0)
    } else if h < 1.0 {
        format!("{:.0} min", h * 60.0)
    } else if h < 72.0 {
        format!("{h:.1} h")
    } else if lang != Lang::En {
        format!("{:.1} 天", h / 24.0)
    } else {
        format!("{:.1} days", h / 24.0)
    }
}

fn support_name(s: PrecisionSupport) -> &'static str {
    match s {
        PrecisionSupport::Native => "native",
        PrecisionSupport::Emulated => "emulated",
        PrecisionSupport::Unsupported => "unsupported",
    }
}

/// The speed rows: training throughput and time, or decode, prefill and time to first token.
fn speed_rows(lang: Lang, nf: NumFmt, result: &SpeedAndCost) -> Vec<(Phrase, String)> {
    let sp = &result.speed;
    let tps = |v: f64| format!("{} tokens/s", nf.sig(v));
    match &result.train {
        Some(t) => vec![
            (Phrase::TrainThroughput, format!("{} tokens/s", nf.int(t.tokens_per_s.round() as u64))),
            (Phrase::TrainTime, human_hours(lang, t.seconds / 3600.0)),
            (Phrase::GpuHours, nf.int(t.gpu_hours.round() as u64)),
        ],
        None => vec![
            (Phrase::DecodePerUser, tps(sp.decode_tokens_per_s_per_seq)),
            (Phrase::DecodeTotal, tps(sp.decode_tokens_per_s_total)),
            (Phrase::Prefill, tps(sp.prefill_tokens_per_s)),
            (Phrase::Ttft, human_hours(lang, sp.ttft_s / 3600.0)),
        ],
    }
}

/// The money rows: purchase, energy, owning and renting, the run's cost, per million tokens.
fn cost_rows(lang: Lang, nf: NumFmt, result: &SpeedAndCost) -> Vec<(Phrase, String)> {
    let money = |v: Option<f64>| v.map_or_else(|| lang.t(Phrase::NoPrice).to_string(), |v| nf.usd(v));
    let co = &result.cost;
    let cny = co.purchase_cny.map(|v| format!(" (¥{})", nf.int(v.round() as u64))).unwrap_or_default();
    let mut rows = vec![
        (Phrase::Purchase, format!("{}{cny}", money(co.purchase_usd))),
        (Phrase::Energy, nf.usd(co.energy_usd_per_year)),
        (Phrase::Tco, money(co.own_total_usd)),
        (Phrase::RentTotal, money(co.rent_total_usd)),
    ];
    if let Some(r) = &result.run {
        rows.push((Phrase::RunCost, format!("{} · {}", money(r.rent_usd.or(r.own_usd)), human_hours(lang, r.hours))));
    }
    if result.usd_per_mtok_own.is_some() || result.usd_per_mtok_rent.is_some() {
        rows.push((
            Phrase::PerMillionTokens,
            format!("{} {} · {} {}", money(result.usd_per_mtok_own), lang.t(Phrase::Own), money(result.usd_per_mtok_rent), lang.t(Phrase::Rent)),
        ));
    }
    rows
}

/// Speed and money of the scenario on its card.
pub fn speed_cost(lang: Lang, nf: NumFmt, result: &SpeedAndCost) -> String {
    let sp = &result.speed;
    let co = &result.cost;
    let mut h = Html::with_capacity(1500);
    h.raw("<section class=\"block\" aria-labelledby=\"econ-title\"><h2 id=\"econ-title\">").text(lang.t(Phrase::Speed)).raw(" · ").text(lang.t(Phrase::Cost));
    h.raw("</h2><div class=\"grid2\">");
    for (rows, id) in [(speed_rows(lang, nf, result), "speed"), (cost_rows(lang, nf, result), "cost")] {
        h.raw("<dl class=\"facts\" data-testid=\"").raw(id).raw("\">");
        for (k, v) in rows {
            h.raw("<dt>").text(lang.t(k)).raw("</dt><dd>").text(&v).raw("</dd>");
        }
        h.raw("</dl>");
    }
    let cheaper = match co.cheaper {
        Some(gpuplan_core::plan::Objective::Own) => lang.t(Phrase::Own),
        Some(_) => lang.t(Phrase::Rent),
        None => "—",
    };
    h.raw("</div><p class=\"hint\">").text(&format!(
        "{} {} {} GB/s · {} {:.0} TFLOPS ({}) · {}-bound · {}: {cheaper} · {} {}",
        lang.t(Phrase::Interconnect),
        sp.link.kind,
        nf.int((sp.link.bytes_per_s / 1e9).round() as u64),
        sp.peak.precision,
        sp.peak.tflops,
        support_name(sp.peak.support),
        sp.bound,
        lang.t(Phrase::Cheaper),
        lang.t(Phrase::AsOf),
        co.price_as_of
    ));
    h.raw("</p>");
    if !sp.notes.is_empty() {
        h.raw("<ul class=\"hint\">");
        list_items(&mut h, sp.notes.iter().map(String::as_str));
        h.raw("</ul>");
    }
    h.raw("</section>");
    h.finish()
}
