//! "On my card(s) and my RAM" written as HTML (by the worker): the split llama.cpp gets
//! (`-ngl`, `--n-cpu-moe`), tokens/s, the largest context that fits with a control up to it,
//! the most parallel sequences, and one bar per device and for the host (model, KV, compute
//! against what it may hold); on a Mac, the GPU wired limit and what the limit given changes.

use gpuplan_core::llamacpp::{Buffers, Report};
use gpuplan_core::unified::UsableBasis;

use crate::html::Html;
use crate::i18n::Lang;
use crate::numbers::NumFmt;
use crate::results::llama::LlamaRun;

/// A phrase in the reader's language (this panel's few words live here, with the panel).
fn w(lang: Lang, en: &'static str, hans: &'static str, hant: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::ZhHans => hans,
        Lang::ZhHant => hant,
    }
}

/// The panel; `err` instead when an input is wrong (the inputs stay as typed).
pub fn panel(lang: Lang, nf: NumFmt, run: Result<&LlamaRun, &str>) -> String {
    let mut h = Html::with_capacity(4000);
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            h.raw("<p class=\"err\" role=\"status\" data-testid=\"llama-error\">").text(e).raw("</p>");
            return h.finish();
        }
    };
    let r = &run.report;
    let p = &r.params;
    let all = run.n_layer + 1;
    h.raw("<div class=\"llama\" data-testid=\"llama-result\" data-ngl=\"").num(r.acc.n_gpu_layers).raw("\" data-max-ctx=\"").num(r.max_ctx);
    h.raw("\" data-tps=\"").text(&format!("{:.1}", r.tokens_per_s)).raw("\" data-fits=\"").raw(if r.fits.iter().all(|f| *f) && r.host_fits { "yes" } else { "no" }).raw("\">");
    // The split.
    h.raw("<p data-testid=\"llama-split\"><strong>").text(w(lang, "Split: ", "切分：", "切分：")).raw("</strong>-ngl ").num(r.acc.n_gpu_layers).raw(" / ").num(all);
    h.text(w(lang, " layers (the output layer counted) on the GPU(s)", " 层在 GPU 上（含输出层）", " 層在 GPU 上（含輸出層）"));
    if p.n_cpu_moe > 0 {
        h.raw(" · --n-cpu-moe ").num(p.n_cpu_moe).text(w(lang, ": the experts of that many layers in system RAM", "：这些层的专家在系统内存", "：這些層的專家在系統記憶體"));
    }
    h.raw("</p><p data-testid=\"llama-speed\"><strong>").text(&nf.fixed(r.tokens_per_s, 1)).raw(" tokens/s</strong> ");
    h.text(w(lang, "(the GPU part at each card's bandwidth, the rest at the RAM's", "（GPU 部分按各卡带宽，其余按内存带宽", "（GPU 部分按各卡頻寬，其餘按記憶體頻寬"));
    h.text(&format!(" {} GB/s)", nf.fixed(r.host.bandwidth_gbs, 1)));
    if let (Some(i), true) = (r.slowest, r.cards.len() > 1) {
        h.text(w(lang, " · slowest: ", " · 最慢：", " · 最慢：")).text(&r.cards[i].id);
    }
    h.raw("</p><p data-testid=\"llama-max-ctx\"><strong>").text(w(lang, "Largest context that fits: ", "能放下的最大上下文：", "能放下的最大上下文：")).text(&nf.int(r.max_ctx));
    h.raw("</strong> tokens (-c, ").text(&nf.int(p.n_seq)).text(w(lang, " sequence(s)) · at this context, parallel sequences up to ", " 个序列）· 此上下文下最多并行 ", " 個序列）· 此上下文下最多並行 ")).text(&nf.int(r.max_parallel));
    h.raw("</p>");
    // The context control, up to the largest that fits (per sequence, as the page's context).
    let per_seq_max = (r.max_ctx / p.n_seq.max(1)).max(1);
    let per_seq = (p.n_ctx / p.n_seq.max(1)).max(1);
    h.raw("<label class=\"ctxctl\">").text(w(lang, "Context per sequence", "每个序列的上下文", "每個序列的上下文")).raw(" <input type=\"range\" data-ctl=\"ctx\" data-testid=\"llama-ctx\" min=\"512\" step=\"256\" max=\"");
    h.num(per_seq_max.max(512)).raw("\" value=\"").num(per_seq.min(per_seq_max.max(512))).raw("\"/> ").text(&nf.int(per_seq)).raw("</label>");
    bars(&mut h, lang, nf, run);
    if let Some(d) = &run.at_default_limit {
        mac_change(&mut h, lang, nf, d, r);
    } else if let Some((_, u)) = run.cards.first().filter(|(_, u)| u.basis == UsableBasis::MacosDefault) {
        h.raw("<p class=\"hint\" data-testid=\"wired-limit\">").text(w(lang, "GPU wired limit (macOS's default: 2/3 of the RAM up to 32 GiB, 3/4 above): ", "GPU 可锁定内存上限（macOS 默认：32 GiB 及以下为 2/3，以上为 3/4）：", "GPU 可鎖定記憶體上限（macOS 預設：32 GiB 及以下為 2/3，以上為 3/4）："));
        h.text(&nf.bytes(u.bytes)).text(w(lang, ". `sudo sysctl iogpu.wired_limit_mb=N` raises it: give N above to see what it changes.", "。`sudo sysctl iogpu.wired_limit_mb=N` 可调高：在上面填 N 查看变化。", "。`sudo sysctl iogpu.wired_limit_mb=N` 可調高：在上面填 N 查看變化。")).raw("</p>");
    }
    h.raw("</div>");
    h.finish()
}

/// One bar per device and one for the host: model, KV and compute buffers against capacity.
fn bars(h: &mut Html, lang: Lang, nf: NumFmt, run: &LlamaRun) {
    let r = &run.report;
    h.raw("<div class=\"bars\" data-testid=\"llama-bars\">");
    for (i, b) in r.acc.devices.iter().enumerate() {
        let cap = r.cards.get(i).map_or(0, |c| c.free_bytes);
        let name = run.cards.iter().find(|(g, _)| Some(&g.id) == r.cards.get(i).map(|c| &c.id)).map_or("", |(g, _)| g.name.as_str());
        bar(h, lang, nf, name, *b, 0, cap, r.fits.get(i).copied().unwrap_or(false), "device");
    }
    let ram = r.host.ram_bytes.unwrap_or(0);
    bar(h, lang, nf, w(lang, "System RAM", "系统内存", "系統記憶體"), r.acc.host, r.acc.output, ram, r.host_fits, "host");
    h.raw("</div>");
}

#[allow(clippy::too_many_arguments)]
fn bar(h: &mut Html, lang: Lang, nf: NumFmt, name: &str, b: Buffers, extra: u64, cap: u64, fits: bool, kind: &'static str) {
    let total = b.total() + extra;
    let scale = cap.max(total).max(1) as f64;
    let pct = |x: u64| format!("{:.1}", 100.0 * x as f64 / scale);
    h.raw("<div class=\"llbar\" data-testid=\"llama-").raw(kind).raw("\" data-fits=\"").raw(if fits { "yes" } else { "no" }).raw("\"><div class=\"lbl\">").text(name).raw(": ");
    h.text(&nf.bytes(total)).raw(" / ").text(&if cap > 0 { nf.bytes(cap) } else { w(lang, "not limited", "不限", "不限").to_string() });
    h.raw(" ").raw(if fits { "✓" } else { "✗" }).raw("</div><div class=\"track\">");
    for (x, cls) in [(b.model, "m"), (b.kv + b.kv_swa, "k"), (b.compute + extra, "c")] {
        h.raw("<span class=\"").raw(cls).raw("\" style=\"width:").text(&pct(x)).raw("%\" title=\"").text(&nf.bytes(x)).raw("\"></span>");
    }
    h.raw("</div></div>");
}

/// A Mac with `iogpu.wired_limit_mb` given: the run at macOS's default limit beside it.
fn mac_change(h: &mut Html, lang: Lang, nf: NumFmt, d: &Report, r: &Report) {
    let cap = |x: &Report| x.cards.first().map_or(0, |c| c.free_bytes);
    h.raw("<table class=\"wired\" data-testid=\"wired-limit\"><thead><tr><th></th><th>").text(w(lang, "macOS default limit", "macOS 默认上限", "macOS 預設上限")).raw("</th><th>iogpu.wired_limit_mb</th></tr></thead><tbody>");
    let rows: [(&str, String, String); 4] = [
        (w(lang, "GPU may use", "GPU 可用", "GPU 可用"), nf.bytes(cap(d)), nf.bytes(cap(r))),
        ("-ngl", nf.int(d.acc.n_gpu_layers), nf.int(r.acc.n_gpu_layers)),
        (w(lang, "Largest context", "最大上下文", "最大上下文"), nf.int(d.max_ctx), nf.int(r.max_ctx)),
        ("tokens/s", nf.fixed(d.tokens_per_s, 1), nf.fixed(r.tokens_per_s, 1)),
    ];
    for (k, a, b) in rows {
        h.raw("<tr><th scope=\"row\">").text(k).raw("</th><td class=\"num\">").text(&a).raw("</td><td class=\"num\">").text(&b).raw("</td></tr>");
    }
    h.raw("</tbody></table>");
}
