//! The verdict (fits or not, on how many of which card, with the headroom), the memory
//! breakdown and the estimator's notes.

use gpuplan_core::accuracy::{Accuracy, MEASURED_ON};
use gpuplan_core::memory::{Engine, Mode, Verdict};

use crate::html::Html;
use crate::i18n::{Lang, Phrase};
use crate::numbers::NumFmt;
use crate::results::memory::Outcome;

/// The breakdown's parts: label and CSS class (also the `part-*` test ids).
pub const PARTS: [(Phrase, &str); 6] = [
    (Phrase::PartWeights, "weights"),
    (Phrase::PartKv, "kv"),
    (Phrase::PartActivations, "act"),
    (Phrase::PartGradients, "grad"),
    (Phrase::PartOptimizer, "opt"),
    (Phrase::PartRuntime, "rt"),
];

/// Fits (tight or not) or not, on how many of which card, with the headroom, and how sure the
/// estimate is.
pub fn verdict(lang: Lang, nf: NumFmt, o: &Outcome) -> String {
    let cap = o.card.memory_bytes;
    let required = o.need.bytes;
    let v = o.verdict();
    let fits = v != Verdict::DoesNotFit;
    let room = cap as i64 - required as i64;
    let mut h = Html::with_capacity(900);
    h.raw("<div class=\"verdict ").raw(match v {
        Verdict::Fits => "fits",
        Verdict::FitsTight => "fits tight",
        Verdict::DoesNotFit => "nofit",
    });
    if o.stale {
        h.raw(" stale");
    }
    h.raw("\" data-testid=\"verdict\" data-fits=\"").raw(if fits { "yes" } else { "no" }).raw("\" data-verdict=\"").raw(v.name());
    let word = match v {
        Verdict::Fits => Phrase::Fits,
        Verdict::FitsTight => Phrase::FitsTight,
        Verdict::DoesNotFit => Phrase::DoesNotFit,
    };
    h.raw("\"><p class=\"big\"><span class=\"word\">").text(lang.t(word));
    h.raw("</span> · <span>").num(o.workload.gpus).raw(" × ").text(&o.card.name).raw("</span></p><p>");
    h.text(lang.t(Phrase::Needs)).raw(" <strong data-testid=\"total\" data-bytes=\"").num(required).raw("\">").text(&nf.bytes(required)).raw("</strong> ");
    h.text(lang.t(Phrase::PerGpu)).raw(" (").text(lang.t(Phrase::Of)).raw(" ").text(&nf.bytes(cap)).raw(") · <span data-testid=\"headroom\">");
    if room >= 0 {
        h.text(&nf.bytes(room as u64)).raw(" ").text(lang.t(Phrase::Free));
    } else {
        h.text(&nf.bytes(room.unsigned_abs())).raw(" ").text(lang.t(Phrase::Short));
    }
    h.raw("</span></p>");
    if v == Verdict::FitsTight {
        h.raw("<p class=\"hint\" data-testid=\"tight\">").text(&lang.fill(Phrase::TightHint, &[&nf.bytes(o.need.slack)])).raw("</p>");
    }
    if o.workload.engine == Engine::Vllm && o.workload.mode == Mode::Inference {
        if let Some(p) = o.est.vllm {
            // What vLLM takes of this card and what its pool holds: the core's estimate, as
            // the CLI prints it.
            h.raw("<p class=\"hint\" data-testid=\"vllm-pool\" data-bytes=\"").num(o.est.total_bytes).raw("\" data-seqs=\"").num(p.max_concurrent_sequences).raw("\">");
            h.text(lang.t(Phrase::VllmPool)).raw(": ").text(&nf.bytes(o.est.total_bytes)).raw(" · ").text(&nf.int(p.kv_capacity_tokens)).raw(" tokens · ");
            h.text(&nf.int(p.max_concurrent_sequences)).raw(" ").text(lang.t(Phrase::VllmSeqs)).raw("</p>");
        }
    }
    accuracy_band(&mut h, lang, nf, &o.accuracy, o.workload.gpus);
    h.raw("</div>");
    h.finish()
}

/// How sure the estimate is, from the measured runs of its kind (the CLI's `accuracy`), with
/// a link to the "How we know" section.
pub fn accuracy_band(h: &mut Html, lang: Lang, nf: NumFmt, a: &Accuracy, gpus: u64) {
    let measured = a.runs > 0;
    h.raw("<p class=\"accuracy ").raw(if measured { "measured" } else { "unmeasured" });
    h.raw("\" data-testid=\"accuracy\" data-runs=\"").num(a.runs).raw("\">");
    let text = match (a.median_pct, a.worst_pct) {
        (Some(m), Some(w)) if measured => {
            let mut s = lang.fill(Phrase::AccMeasured, &[&nf.int(a.runs as u64), MEASURED_ON, &nf.fixed(m, 1), &nf.fixed(w, 1)]);
            if a.oom_runs > 0 {
                s.push(' ');
                s += &lang.fill(Phrase::AccOom, &[&nf.int(a.oom_recognised as u64), &nf.int(a.oom_runs as u64)]);
            }
            s
        }
        _ if gpus > 1 => lang.fill(Phrase::AccMultiGpu, &[&nf.int(gpus)]),
        // The page's basis is the kind's label (`results::accuracy`).
        _ => lang.fill(Phrase::AccNoRuns, &[MEASURED_ON, &a.basis]),
    };
    h.text(&text).raw(" <a href=\"#how-we-know\" data-testid=\"accuracy-link\">").text(lang.t(Phrase::AccHow)).raw("</a></p>");
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
    let mut h = Html::with_capacity(2000);
    h.raw("<section class=\"block\" aria-labelledby=\"bd-title\"><h2 id=\"bd-title\">").text(lang.t(Phrase::Breakdown));
    h.raw(" · <span data-testid=\"breakdown-total\">").text(&nf.bytes(o.est.total_bytes)).raw("</span></h2>");
    h.raw("<div class=\"stack\" role=\"img\" data-testid=\"stack\" aria-label=\"").text(&label).raw("\">");
    for ((k, cls), v) in shown() {
        h.raw("<span class=\"seg ").raw(cls).raw("\" style=\"width:").text(&format!("{:.3}", v as f64 / scale * 100.0));
        h.raw("%\" title=\"").text(lang.t(*k)).raw(" ").text(&nf.bytes(v)).raw("\"></span>");
    }
    h.raw("<span class=\"cap\" style=\"left:").text(&format!("{cap_pct:.3}")).raw("%\" title=\"").text(&o.card.name);
    h.raw("\"></span></div><ul class=\"legend\">");
    for ((k, cls), v) in PARTS.iter().zip(parts) {
        h.raw(if v == 0 { "<li class=\"zero\">" } else { "<li>" }).raw("<span class=\"sw ").raw(cls).raw("\"></span>").text(lang.t(*k));
        h.raw(" <strong data-testid=\"part-").raw(cls).raw("\" data-bytes=\"").num(v).raw("\">").text(&nf.bytes(v)).raw("</strong></li>");
    }
    h.raw("</ul><p class=\"hint\">").text(lang.t(Phrase::KvPerToken)).raw(": ").text(&nf.bytes(o.est.kv_bytes_per_token));
    if o.est.host_bytes > 0 {
        h.raw(" · ").text(lang.t(Phrase::HostMemory)).raw(": ").text(&nf.bytes(o.est.host_bytes));
    }
    h.raw(" · ").text(lang.t(Phrase::Total)).raw(" (").num(o.workload.gpus).raw(" GPU): ").text(&nf.bytes(o.est.all_gpus_bytes)).raw("</p></section>");
    h.finish()
}

/// The estimator's notes (assumptions it made), folded.
pub fn notes(lang: Lang, o: &Outcome) -> String {
    if o.est.notes.is_empty() {
        return String::new();
    }
    let mut h = Html::with_capacity(400);
    h.raw("<details class=\"notes\"><summary>").text(lang.t(Phrase::Notes)).raw(" (").num(o.est.notes.len()).raw(")</summary><ul>");
    list_items(&mut h, o.est.notes.iter().map(String::as_str));
    h.raw("</ul></details>");
    h.finish()
}

/// `<li>` items of escaped text.
pub fn list_items<'a>(h: &mut Html, items: impl Iterator<Item = &'a str>) {
    for n in items {
        h.raw("<li>").text(n).raw("</li>");
    }
}
