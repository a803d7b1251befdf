//! The model's summary under the model panel: parameters (total, active, trainable), exact
//! weight bytes of a dropped file, and the preset's repository, source and date.

use gpuplan_core::catalog::ModelPreset;

use crate::html::Html;
use crate::i18n::{Lang, Phrase};
use crate::numbers::NumFmt;
use crate::results::memory::Outcome;

/// Parameters, exact weight bytes of a dropped file, and the preset's origin.
pub fn model_summary(lang: Lang, nf: NumFmt, o: &Outcome, preset: Option<&ModelPreset>) -> String {
    let e = &o.est;
    let mut parts = vec![format!("{}: {}", lang.t(Phrase::Params), nf.params(e.params, lang))];
    if e.active_params != e.params && e.active_params > 0 {
        parts.push(format!("{} {}", lang.t(Phrase::ActiveParams), nf.params(e.active_params, lang)));
    }
    if e.trainable_params > 0 && e.trainable_params != e.params {
        parts.push(format!("{} {}", lang.t(Phrase::Trainable), nf.params(e.trainable_params, lang)));
    }
    if o.model.exact.is_some() {
        parts.push(format!("{} {} ({})", lang.t(Phrase::PartWeights), nf.bytes(e.model_weight_bytes), o.workload.weights.name()));
    }
    let mut h = Html::with_capacity(400);
    h.raw("<p class=\"summary\" data-testid=\"model-summary\" data-weight-bytes=\"").num(e.model_weight_bytes).raw("\"><strong>").text(&o.model_name);
    h.raw("</strong> · <span data-testid=\"params\">").text(&parts.join(" · ")).raw("</span>");
    if let Some(p) = preset {
        // The preset's origin: its Hugging Face repository (a plain link; nothing is fetched),
        // the source its config was copied from, and when.
        h.raw("<br/><span class=\"hint\" data-testid=\"preset-origin\">");
        if is_repo_id(&p.hf_repo) {
            h.raw("<a href=\"https://huggingface.co/").text(&p.hf_repo).raw("\" rel=\"noopener\" target=\"_blank\" data-testid=\"hf-repo\">").text(&p.hf_repo).raw("</a>");
        } else {
            h.text(&p.hf_repo);
        }
        h.text(&format!(" · {}: {} · {} {}", lang.t(Phrase::Source), short_source(&p.source), lang.t(Phrase::AsOf), p.as_of));
        h.raw("</span>");
    }
    h.raw("</p>");
    h.finish()
}

/// A Hugging Face repository id (`owner/name` of letters, digits, `-`, `_`, `.`): only such an
/// id becomes a link.
fn is_repo_id(s: &str) -> bool {
    let ok = |part: &str| !part.is_empty() && !part.starts_with('.') && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    matches!(s.split_once('/'), Some((owner, name)) if ok(owner) && ok(name))
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
