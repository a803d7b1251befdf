//! The read-only parts of the results panel, written as HTML text: the verdict, the memory
//! breakdown, the estimator's notes, speed and cost, the model summary, the card facts and the
//! planner's table. Each is one string set as the `innerHTML` of its slot, so a change of input
//! re-renders a section in one DOM write, and the bundle carries one string writer per section
//! instead of a typed view tree with its build/rebuild code. Buttons inside carry `data-*`
//! attributes and are handled by one listener on the slot (see `app`).
//!
//! Every dynamic text goes through [`text`], which escapes it. Pure; unit-tested on the host.

use gpuplan_core::catalog::{ModelPreset, PrecisionSupport};
use gpuplan_core::memory::{Engine, Mode};
use gpuplan_core::plan::Plan;

use crate::compute::Outcome;
use crate::data::{self, Verified};
use crate::econ::Econ;
use crate::fmt::NumFmt;
use crate::i18n::{Lang, K};

/// Appends `s` with `&`, `<`, `>` and `"` escaped (safe in text and in quoted attributes).
pub fn text(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// `s`, escaped.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    text(&mut o, s);
    o
}

/// The breakdown's parts: label and CSS class (also the `part-*` test ids).
pub const PARTS: [(K, &str); 6] = [
    (K::PartWeights, "weights"),
    (K::PartKv, "kv"),
    (K::PartActivations, "act"),
    (K::PartGradients, "grad"),
    (K::PartOptimizer, "opt"),
    (K::PartRuntime, "rt"),
];

/// Fits or not, on how many of which card, with the headroom.
pub fn verdict(lang: Lang, nf: NumFmt, o: &Outcome) -> String {
    let cap = o.card.memory_bytes;
    let fits = o.required <= cap;
    let room = cap as i64 - o.required as i64;
    let mut h = String::with_capacity(600);
    h.push_str("<div class=\"verdict ");
    h.push_str(if fits { "fits" } else { "nofit" });
    if o.stale {
        h.push_str(" stale");
    }
    h.push_str("\" data-testid=\"verdict\" data-fits=\"");
    h.push_str(if fits { "yes" } else { "no" });
    h.push_str("\"><p class=\"big\"><span class=\"word\">");
    h.push_str(lang.t(if fits { K::Fits } else { K::DoesNotFit }));
    h.push_str("</span> · <span>");
    text(&mut h, &format!("{} × {}", o.workload.gpus, o.card.name));
    h.push_str("</span></p><p>");
    h.push_str(lang.t(K::Needs));
    h.push_str(&format!(" <strong data-testid=\"total\" data-bytes=\"{}\">{}</strong> ", o.required, nf.bytes(o.required)));
    h.push_str(lang.t(K::PerGpu));
    h.push_str(&format!(" ({} {}) · <span data-testid=\"headroom\">", lang.t(K::Of), nf.bytes(cap)));
    if room >= 0 {
        h.push_str(&format!("{} {}", nf.bytes(room as u64), lang.t(K::Free)));
    } else {
        h.push_str(&format!("{} {}", nf.bytes(room.unsigned_abs()), lang.t(K::Short)));
    }
    h.push_str("</span></p>");
    if o.workload.engine == Engine::Vllm && o.workload.mode == Mode::Inference {
        if let Some(p) = o.est.vllm {
            h.push_str(&format!(
                "<p class=\"hint\">{}: {} tokens · {} {}</p>",
                lang.t(K::VllmPool),
                nf.int(p.kv_capacity_tokens),
                nf.int(p.max_concurrent_sequences),
                lang.t(K::VllmSeqs)
            ));
        }
    }
    h.push_str("</div>");
    h
}

/// The stacked bar of weights, KV cache, activations, gradients, optimizer and runtime, with
/// the card's capacity marked, and its legend.
pub fn breakdown(lang: Lang, nf: NumFmt, o: &Outcome) -> String {
    let parts = o.est.breakdown.parts();
    let total = o.est.breakdown.total().max(1);
    let scale = total.max(o.card.memory_bytes).max(1) as f64;
    let cap_pct = (o.card.memory_bytes as f64 / scale * 100.0).min(100.0);
    let shown = || PARTS.iter().zip(parts).filter(|(_, v)| *v > 0);
    let label = shown().map(|((k, _), v)| format!("{} {}", lang.t(*k), nf.bytes(v))).collect::<Vec<_>>().join(", ");
    let mut h = String::with_capacity(2000);
    h.push_str(&format!(
        "<section class=\"block\" aria-labelledby=\"bd-title\"><h2 id=\"bd-title\">{} · <span data-testid=\"breakdown-total\">{}</span></h2>",
        lang.t(K::Breakdown),
        nf.bytes(o.est.total_bytes)
    ));
    h.push_str("<div class=\"stack\" role=\"img\" data-testid=\"stack\" aria-label=\"");
    text(&mut h, &label);
    h.push_str("\">");
    for ((k, cls), v) in shown() {
        h.push_str(&format!(
            "<span class=\"seg {cls}\" style=\"width:{:.3}%\" title=\"{} {}\"></span>",
            v as f64 / scale * 100.0,
            lang.t(*k),
            nf.bytes(v)
        ));
    }
    h.push_str(&format!("<span class=\"cap\" style=\"left:{cap_pct:.3}%\" title=\""));
    text(&mut h, &o.card.name);
    h.push_str("\"></span></div><ul class=\"legend\">");
    for ((k, cls), v) in PARTS.iter().zip(parts) {
        h.push_str(&format!(
            "<li{}><span class=\"sw {cls}\"></span>{} <strong data-testid=\"part-{cls}\" data-bytes=\"{v}\">{}</strong></li>",
            if v == 0 { " class=\"zero\"" } else { "" },
            lang.t(*k),
            nf.bytes(v)
        ));
    }
    h.push_str(&format!("</ul><p class=\"hint\">{}: {}", lang.t(K::KvPerToken), nf.bytes(o.est.kv_bytes_per_token)));
    if o.est.host_bytes > 0 {
        h.push_str(&format!(" · {}: {}", lang.t(K::HostMemory), nf.bytes(o.est.host_bytes)));
    }
    h.push_str(&format!(" · {} ({} GPU): {}</p></section>", lang.t(K::Total), o.workload.gpus, nf.bytes(o.est.all_gpus_bytes)));
    h
}

/// The estimator's notes (assumptions it made), folded.
pub fn notes(lang: Lang, o: &Outcome) -> String {
    if o.est.notes.is_empty() {
        return String::new();
    }
    let mut h = format!("<details class=\"notes\"><summary>{} ({})</summary><ul>", lang.t(K::Notes), o.est.notes.len());
    list_items(&mut h, o.est.notes.iter().map(String::as_str));
    h.push_str("</ul></details>");
    h
}

fn list_items<'a>(h: &mut String, items: impl Iterator<Item = &'a str>) {
    for n in items {
        h.push_str("<li>");
        text(h, n);
        h.push_str("</li>");
    }
}

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

/// Speed and money of the scenario on its card.
pub fn speed_cost(lang: Lang, nf: NumFmt, x: &Econ) -> String {
    let money = |v: Option<f64>| v.map_or_else(|| lang.t(K::NoPrice).to_string(), |v| nf.usd(v));
    let sp = &x.speed;
    let tps = |v: f64| format!("{} tokens/s", nf.sig(v));
    let mut speed_rows: Vec<(K, String)> = Vec::new();
    if let Some(t) = &x.train {
        speed_rows.push((K::TrainThroughput, format!("{} tokens/s", nf.int(t.tokens_per_s.round() as u64))));
        speed_rows.push((K::TrainTime, human_hours(lang, t.seconds / 3600.0)));
        speed_rows.push((K::GpuHours, nf.int(t.gpu_hours.round() as u64)));
    } else {
        speed_rows.push((K::DecodePerUser, tps(sp.decode_tokens_per_s_per_seq)));
        speed_rows.push((K::DecodeTotal, tps(sp.decode_tokens_per_s_total)));
        speed_rows.push((K::Prefill, tps(sp.prefill_tokens_per_s)));
        speed_rows.push((K::Ttft, human_hours(lang, sp.ttft_s / 3600.0)));
    }
    let co = &x.cost;
    let cny = co.purchase_cny.map(|v| format!(" (¥{})", nf.int(v.round() as u64))).unwrap_or_default();
    let mut cost_rows: Vec<(K, String)> = vec![
        (K::Purchase, format!("{}{cny}", money(co.purchase_usd))),
        (K::Energy, nf.usd(co.energy_usd_per_year)),
        (K::Tco, money(co.own_total_usd)),
        (K::RentTotal, money(co.rent_total_usd)),
    ];
    if let Some(r) = &x.run {
        cost_rows.push((K::RunCost, format!("{} · {}", money(r.rent_usd.or(r.own_usd)), human_hours(lang, r.hours))));
    }
    if x.usd_per_mtok_own.is_some() || x.usd_per_mtok_rent.is_some() {
        cost_rows.push((
            K::PerMillionTokens,
            format!("{} {} · {} {}", money(x.usd_per_mtok_own), lang.t(K::Own), money(x.usd_per_mtok_rent), lang.t(K::Rent)),
        ));
    }
    let mut h = String::with_capacity(1500);
    h.push_str(&format!(
        "<section class=\"block\" aria-labelledby=\"econ-title\"><h2 id=\"econ-title\">{} · {}</h2><div class=\"grid2\">",
        lang.t(K::Speed),
        lang.t(K::Cost)
    ));
    for (rows, id) in [(speed_rows, "speed"), (cost_rows, "cost")] {
        h.push_str(&format!("<dl class=\"facts\" data-testid=\"{id}\">"));
        for (k, v) in rows {
            h.push_str(&format!("<dt>{}</dt><dd>", lang.t(k)));
            text(&mut h, &v);
            h.push_str("</dd>");
        }
        h.push_str("</dl>");
    }
    let cheaper = co.cheaper.map(|w| if w == gpuplan_core::plan::Objective::Own { lang.t(K::Own) } else { lang.t(K::Rent) }).unwrap_or("—");
    h.push_str("</div><p class=\"hint\">");
    text(
        &mut h,
        &format!(
            "{} {} {} GB/s · {} {:.0} TFLOPS ({}) · {}-bound · {}: {cheaper} · {} {}",
            lang.t(K::Interconnect),
            sp.link.kind,
            nf.int((sp.link.bytes_per_s / 1e9).round() as u64),
            sp.peak.precision,
            sp.peak.tflops,
            support_name(sp.peak.support),
            sp.bound,
            lang.t(K::Cheaper),
            lang.t(K::AsOf),
            co.price_as_of
        ),
    );
    h.push_str("</p>");
    if !sp.notes.is_empty() {
        h.push_str("<ul class=\"hint\">");
        list_items(&mut h, sp.notes.iter().map(String::as_str));
        h.push_str("</ul>");
    }
    h.push_str("</section>");
    h
}

/// Parameters (total, active, trainable), exact weight bytes of a dropped file, and the
/// preset's repository, source and date.
pub fn model_summary(lang: Lang, nf: NumFmt, o: &Outcome, preset: Option<&ModelPreset>) -> String {
    let e = &o.est;
    let mut parts = vec![format!("{}: {}", lang.t(K::Params), nf.params(e.params, lang))];
    if e.active_params != e.params && e.active_params > 0 {
        parts.push(format!("{} {}", lang.t(K::ActiveParams), nf.params(e.active_params, lang)));
    }
    if e.trainable_params > 0 && e.trainable_params != e.params {
        parts.push(format!("{} {}", lang.t(K::Trainable), nf.params(e.trainable_params, lang)));
    }
    if o.model.exact.is_some() {
        parts.push(format!("{} {} ({})", lang.t(K::PartWeights), nf.bytes(e.model_weight_bytes), o.workload.weights.name()));
    }
    let mut h = format!("<p class=\"summary\" data-testid=\"model-summary\" data-weight-bytes=\"{}\"><strong>", e.model_weight_bytes);
    text(&mut h, &o.model_name);
    h.push_str("</strong> · <span data-testid=\"params\">");
    text(&mut h, &parts.join(" · "));
    h.push_str("</span>");
    if let Some(p) = preset {
        h.push_str("<br/><span class=\"hint\">");
        text(&mut h, &format!("{} · {}: {} · {} {}", p.hf_repo, lang.t(K::Source), short_source(&p.source), lang.t(K::AsOf), p.as_of));
        h.push_str("</span>");
    }
    h.push_str("</p>");
    h
}

/// A source citation cut at its first parenthesis, and to 80 characters.
pub fn short_source(s: &str) -> String {
    let s = s.split(" (").next().unwrap_or(s);
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The chosen catalog card's facts, verification badge, sources, dates and price basis.
pub fn card_info(lang: Lang, nf: NumFmt, card: &gpuplan_core::catalog::Gpu) -> String {
    let spec = data::spec_of(card);
    let (badge, cls) = match data::verified(card) {
        Verified::Yes => (K::Verified, "ok"),
        Verified::Partly => (K::PartlyVerified, "partly"),
        Verified::No => (K::Unverified, "no"),
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
    let mut h = String::with_capacity(2500);
    h.push_str("<div class=\"cardinfo\" data-testid=\"gpu-info\"><p>");
    text(&mut h, &facts.join(" · "));
    h.push_str(&format!(
        " <span class=\"badge {cls}\" data-testid=\"verified\">{}</span></p><details><summary>{} · {} ",
        lang.t(badge),
        lang.t(K::Source),
        lang.t(K::AsOf)
    ));
    text(&mut h, &card.as_of);
    h.push_str("</summary><p class=\"hint source\">");
    text(&mut h, &card.source);
    h.push_str("</p><p class=\"hint\">");
    text(&mut h, &format!("{}: {}", lang.t(K::Support), card.precision_note));
    h.push_str("</p><p class=\"hint\" data-testid=\"price-source\">");
    text(
        &mut h,
        &format!(
            "{}: {} — {} · {}: {} — {} ({} {})",
            lang.t(K::Purchase),
            pr.purchase_basis,
            pr.purchase_note,
            lang.t(K::RentCards),
            pr.cloud_basis,
            pr.cloud_note,
            lang.t(K::AsOf),
            pr.as_of
        ),
    );
    h.push_str("</p><p class=\"hint\">");
    text(&mut h, &card.verified_detail);
    if !card.notes.is_empty() {
        text(&mut h, &format!(" · {}", card.notes));
    }
    h.push_str("</p></details></div>");
    h
}

/// The planner's cheapest plans: a table (each card name a button carrying `data-plan`, its
/// index) and the reasons.
pub fn plans(lang: Lang, nf: NumFmt, p: &[Plan]) -> String {
    if p.is_empty() {
        return format!("<p data-testid=\"no-plan\">{}</p>", lang.t(K::NoPlan));
    }
    let mut h = String::with_capacity(4000);
    h.push_str("<div class=\"tablewrap\"><table class=\"cards\" data-testid=\"plans\"><thead><tr><th scope=\"col\">#</th>");
    for (k, num) in [
        (K::ColCard, false),
        (K::ColCount, true),
        (K::ColFormat, false),
        (K::ColLayout, false),
        (K::ColTps, true),
        (K::ColOwn, true),
        (K::ColRentH, true),
        (K::ColPerMtok, true),
    ] {
        h.push_str(&format!("<th scope=\"col\"{}>{}</th>", if num { " class=\"num\"" } else { "" }, lang.t(k)));
    }
    h.push_str("</tr></thead><tbody>");
    let usd = |v: Option<f64>| v.map_or("—".into(), |v| nf.usd(v));
    for (i, p) in p.iter().enumerate() {
        h.push_str("<tr title=\"");
        text(&mut h, &p.reason);
        h.push_str(&format!("\"><td>{}</td><th scope=\"row\"><button type=\"button\" class=\"linklike\" data-plan=\"{i}\">", i + 1));
        text(&mut h, &p.gpu_name);
        h.push_str(&format!("</button></th><td class=\"num\">{}</td><td>{}", p.count, p.format_name));
        if p.precision_support != gpuplan_core::catalog::PrecisionSupport::Native {
            h.push_str(&format!(" ({})", p.precision_support));
        }
        h.push_str(&format!(
            "</td><td>{}×{}×{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            p.layout.tensor_parallel,
            p.layout.pipeline_parallel,
            p.layout.data_parallel,
            nf.int(p.tokens_per_s.round() as u64),
            usd(p.cost.own_total_usd),
            usd(p.cost.rent_usd_per_hour),
            usd(p.usd_per_million_tokens)
        ));
    }
    h.push_str("</tbody></table></div><ol class=\"hint reasons\">");
    list_items(&mut h, p.iter().map(|p| p.reason.as_str()));
    h.push_str("</ol>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{self, CardSpec, ModelRef};
    use gpuplan_core::memory::{estimate, Model, Workload};
    use gpuplan_core::model::Arch;
    use std::sync::Arc;

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
    fn text_escapes_markup_and_quotes() {
        assert_eq!(esc("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
        assert_eq!(esc("中文 · 19,3 GB"), "中文 · 19,3 GB");
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
        assert!(h.contains("data-fits=\"no\"") && h.contains(Lang::ZhHans.t(K::DoesNotFit)), "{h}");
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
}
