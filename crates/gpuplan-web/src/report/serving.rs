//! Sizing to a latency target and the pinned options, written as HTML by the worker: per card
//! the largest batch per replica meeting both targets, replicas × cards, throughput and cost
//! per million tokens, the throughput–latency chart (plotters), and the options side by side
//! with their cost per million tokens as a chart.

use crate::html::Html;
use crate::i18n::Lang;
use crate::numbers::NumFmt;
use crate::report::charts;
use crate::results::serving::SizingRun;
use gpuplan_core::compare::Compared;

fn w(lang: Lang, en: &'static str, hans: &'static str, hant: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::ZhHans => hans,
        Lang::ZhHant => hant,
    }
}

/// Rows shown of the sizing table (the cheapest that meet the target, then the others).
pub const SIZING_ROWS: usize = 10;

/// The sizing panel: a hint until both targets are given, the error naming an input, or the
/// table and the chart.
pub fn sizing(lang: Lang, nf: NumFmt, run: Result<Option<&SizingRun>, &str>, names: &dyn Fn(&str) -> String) -> String {
    let mut h = Html::with_capacity(6000);
    let run = match run {
        Err(e) => {
            h.raw("<p class=\"err\" role=\"status\" data-testid=\"sizing-error\">").text(e).raw("</p>");
            return h.finish();
        }
        Ok(None) => {
            h.raw("<p class=\"hint\">").text(w(lang, "Give a time-to-first-token and a time-per-output-token target to size the replicas.", "填写首 token 时间和每 token 时间目标，即可计算副本数。", "填寫首 token 時間和每 token 時間目標，即可計算副本數。")).raw("</p>");
            return h.finish();
        }
        Ok(Some(r)) => r,
    };
    let ms = |s: f64| nf.fixed(s * 1e3, 1);
    h.raw("<div class=\"tablewrap\"><table class=\"cards\" data-testid=\"sizing\"><thead><tr><th scope=\"col\">").text(w(lang, "Card", "显卡", "顯示卡"));
    for (en, hans, hant) in [("Cards", "卡数", "卡數"), ("Batch / replica", "每副本批量", "每副本批量"), ("TTFT ms", "TTFT 毫秒", "TTFT 毫秒"), ("TPOT ms", "TPOT 毫秒", "TPOT 毫秒"), ("Replicas", "副本", "副本"), ("tokens/s", "tokens/s", "tokens/s"), ("$/M own", "自购 $/百万", "自購 $/百萬"), ("$/M rent", "租用 $/百万", "租用 $/百萬"), ("$/month own", "自购 $/月", "自購 $/月")] {
        h.raw("<th scope=\"col\" class=\"num\">").text(w(lang, en, hans, hant)).raw("</th>");
    }
    h.raw("</tr></thead><tbody>");
    let money = |x: Option<f64>| x.filter(|v| v.is_finite()).map_or("—".to_string(), |v| nf.usd(v));
    for s in run.rows.iter().take(SIZING_ROWS) {
        h.raw("<tr data-gpu=\"").text(&s.gpu_id).raw("\"><th scope=\"row\">").text(&names(&s.gpu_id)).raw("</th>");
        match s.best {
            Some(p) => {
                for v in [nf.int(s.total_cards), nf.int(p.batch), ms(p.ttft_s), ms(p.tpot_s), nf.int(s.replicas), nf.fixed(s.throughput_tokens_per_s, 0), money(s.usd_per_million_own), money(s.usd_per_million_rent), money(s.monthly_own_usd)] {
                    h.raw("<td class=\"num\">").text(&v).raw("</td>");
                }
            }
            None => {
                let (which, best) = s.failed.unwrap_or(("tpot", f64::NAN));
                h.raw("<td colspan=\"9\" class=\"nofit\" data-failed=\"").text(which).raw("\">").text(w(lang, "no batch meets the ", "没有批量能满足 ", "沒有批量能滿足 ")).text(&which.to_ascii_uppercase());
                h.text(w(lang, " target; best reachable ", " 目标；最好可达 ", " 目標；最好可達 ")).text(&ms(best)).raw(" ms</td>");
            }
        }
        h.raw("</tr>");
    }
    h.raw("</tbody></table></div>");
    let lines: Vec<(String, Vec<(f64, f64)>)> = run.curves.iter().map(|(n, k, p)| (format!("{k}× {n}"), p.iter().map(|q| (q.tokens_per_s_per_user, q.tokens_per_s_per_gpu)).collect())).collect();
    let svg = charts::latency_chart(
        &lines,
        1.0 / run.target.tpot_s,
        w(lang, "Throughput per GPU vs speed per user", "每 GPU 吞吐 与 每用户速度", "每 GPU 吞吐 與 每使用者速度"),
        w(lang, "output tokens/s per user", "每用户输出 tokens/s", "每使用者輸出 tokens/s"),
        w(lang, "output tokens/s per GPU", "每 GPU 输出 tokens/s", "每 GPU 輸出 tokens/s"),
    );
    h.raw("<div class=\"chart\" data-testid=\"chart-latency\">");
    let mut out = h.finish();
    out.push_str(&svg);
    out.push_str("</div>");
    out
}

/// The pinned options side by side, and their cost per million tokens as a chart.
pub fn compared(lang: Lang, nf: NumFmt, rows: Result<&[Compared], &str>, years: f64) -> String {
    let mut h = Html::with_capacity(4000);
    let rows = match rows {
        Err(e) => {
            h.raw("<p class=\"err\" role=\"status\" data-testid=\"compare-error\">").text(e).raw("</p>");
            return h.finish();
        }
        Ok([]) => return String::new(),
        Ok(r) => r,
    };
    let money = |x: Option<f64>| x.filter(|v| v.is_finite()).map_or("—".to_string(), |v| nf.usd(v));
    h.raw("<div class=\"tablewrap\"><table class=\"cards\" data-testid=\"compare\"><thead><tr><th scope=\"col\">").text(w(lang, "Option", "方案", "方案")).raw("</th><th scope=\"col\">");
    h.text(w(lang, "Fits and meets the target", "放得下且达标", "放得下且達標")).raw("</th><th scope=\"col\" class=\"num\">tokens/s</th><th scope=\"col\" class=\"num\">");
    h.text(&format!("{} ({} {})", w(lang, "Total cost", "总成本", "總成本"), nf.fixed(years, 1), w(lang, "years", "年", "年"))).raw("</th><th scope=\"col\" class=\"num\">$/M tokens</th></tr></thead><tbody>");
    for (i, r) in rows.iter().enumerate() {
        h.raw("<tr class=\"").raw(if r.fits { "fits" } else { "nofit" }).raw("\"><th scope=\"row\">").text(&format!("#{} ", i + 1)).text(&r.label).raw("</th><td>").raw(if r.fits { "✓" } else { "✗" });
        h.raw("</td><td class=\"num\">").text(&nf.fixed(r.tokens_per_s, 0)).raw("</td><td class=\"num\">").text(&money(r.total_usd)).raw("</td><td class=\"num\">").text(&money(r.usd_per_million_tokens)).raw("</td></tr>");
    }
    h.raw("</tbody></table></div>");
    // Bars named by the table's numbers (an option's spec is too long for the axis).
    // An option that does not fit or meet the target has no cost per token: no bar (not $0).
    let bars: Vec<charts::Bar> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some(charts::Bar { label: format!("#{}", i + 1), gib: r.usd_per_million_tokens.filter(|v| r.fits && v.is_finite() && *v > 0.0)?, highlight: false }))
        .collect();
    if bars.is_empty() {
        return h.finish();
    }
    let svg = charts::format_chart(&bars, &[], w(lang, "Cost per million output tokens", "每百万输出 token 成本", "每百萬輸出 token 成本"), w(lang, "USD per million output tokens", "每百万输出 token 美元", "每百萬輸出 token 美元"), &|x| nf.usd(x));
    h.raw("<div class=\"chart\" data-testid=\"chart-compare\">");
    let mut out = h.finish();
    out.push_str(&svg);
    out.push_str("</div>");
    out
}
