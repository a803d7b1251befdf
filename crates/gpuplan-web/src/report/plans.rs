//! The planner's cheapest plans: a table (each card name a button carrying `data-plan`, its
//! index) and the reasons. Written by the page's worker.

use gpuplan_core::plan::Plan;

use super::verdict::list_items;
use crate::html::Html;
use crate::i18n::{tw, Lang, Worded};
use crate::numbers::NumFmt;

const COLUMNS: [(Worded, bool); 8] = [
    (Worded::PlanCard, false),
    (Worded::ColCount, true),
    (Worded::ColFormat, false),
    (Worded::ColLayout, false),
    (Worded::ColTps, true),
    (Worded::ColOwn, true),
    (Worded::ColRentH, true),
    (Worded::ColPerMtok, true),
];

/// The plans' table and reasons; a line saying there is none when `plans` is empty.
pub fn plans(lang: Lang, nf: NumFmt, plans: &[Plan]) -> String {
    let mut h = Html::with_capacity(4000);
    if plans.is_empty() {
        h.raw("<p data-testid=\"no-plan\">").text(tw(lang, Worded::NoPlan)).raw("</p>");
        return h.finish();
    }
    h.raw("<div class=\"tablewrap\"><table class=\"cards\" data-testid=\"plans\"><thead><tr><th scope=\"col\">#</th>");
    for (k, num) in COLUMNS {
        h.raw(if num { "<th scope=\"col\" class=\"num\">" } else { "<th scope=\"col\">" }).text(tw(lang, k)).raw("</th>");
    }
    h.raw("</tr></thead><tbody>");
    let usd = |v: Option<f64>| v.map_or("—".into(), |v| nf.usd(v));
    for (i, p) in plans.iter().enumerate() {
        h.raw("<tr title=\"").text(&p.reason).raw("\"><td>").num(i + 1).raw("</td><th scope=\"row\"><button type=\"button\" class=\"linklike\" data-plan=\"").num(i).raw("\">");
        h.text(&p.gpu_name).raw("</button></th><td class=\"num\">").num(p.count).raw("</td><td>").text(p.format_name);
        if p.precision_support != gpuplan_core::catalog::PrecisionSupport::Native {
            h.raw(" (").num(p.precision_support).raw(")");
        }
        h.raw("</td><td>").num(p.layout.tensor_parallel).raw("×").num(p.layout.pipeline_parallel).raw("×").num(p.layout.data_parallel);
        for cell in [nf.int(p.tokens_per_s.round() as u64), usd(p.cost.own_total_usd), usd(p.cost.rent_usd_per_hour), usd(p.usd_per_million_tokens)] {
            h.raw("</td><td class=\"num\">").text(&cell);
        }
        h.raw("</td></tr>");
    }
    h.raw("</tbody></table></div><ol class=\"hint reasons\">");
    list_items(&mut h, plans.iter().map(|p| p.reason.as_str()));
    h.raw("</ol>");
    h.finish()
}
