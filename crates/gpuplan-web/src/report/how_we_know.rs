//! The page's "How we know" section, as one HTML string: the measured-vs-estimated chart of every
//! H100 calibration run (plotters, SVG), the error per kind of run, the speed model against
//! published figures, and every constant of the estimator with its source.
//!
//! Rendered off the main bundle (the page's Web Worker builds it on demand and the page inserts
//! the string), so it adds nothing to the first load. Every text that comes from data goes
//! through the crate's escaper; the fixed labels are in this file, in English, 简体中文 and
//! 繁體中文. Pure; unit-tested on the host.

use gpuplan_core::accuracy::{self, Kind, Run, MEASURED_ON};
use gpuplan_core::catalog::Catalog;
use gpuplan_core::evidence::{self, Constant, SpeedCheck};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

// The crate's pieces this file uses: the escaper, the number format, the language, the palette.
use crate::report::charts::{RED, SERIES};
use crate::numbers::NumFmt;
use crate::i18n::Lang;
/// Appends `s` escaped (to be replaced by `html::Html` when the section is wired in).
fn text(out: &mut String, s: &str) {
    out.push_str(&crate::html::escape(s));
}

/// The section's fixed words in one language.
struct Labels {
    title: &'static str,
    intro: &'static str,
    memory: &'static str,
    chart_title: &'static str,
    measured: &'static str,
    estimated: &'static str,
    band: &'static str,
    oom: &'static str,
    capacity: &'static str,
    caption: &'static str,
    kind: &'static str,
    runs: &'static str,
    median: &'static str,
    worst: &'static str,
    oom_called: &'static str,
    speed: &'static str,
    speed_intro: &'static str,
    row: &'static str,
    published: &'static str,
    ours: &'static str,
    error: &'static str,
    setup: &'static str,
    source: &'static str,
    constants: &'static str,
    constants_intro: &'static str,
    name: &'static str,
    value: &'static str,
    used_for: &'static str,
    unreadable: &'static str,
}

const EN: Labels = Labels {
    title: "How we know",
    intro: "What the numbers rest on: real GPU memory measured on one card, published speeds of tuned engines, and a source for every constant.",
    memory: "Memory: estimate against measurement",
    chart_title: "Estimated against measured GPU memory, every calibration run",
    measured: "measured (GiB)",
    estimated: "estimated (GiB)",
    band: "±9 %",
    oom: "out of memory",
    capacity: "capacity",
    caption: "One dot per run that fitted, coloured by kind; on the diagonal the estimate equals the measurement, the dashed lines are ±9 %. A triangle is a run that ran out of memory, drawn at its estimate: above the capacity line, the estimator called it so.",
    kind: "Kind (mode · engine · weights)",
    runs: "Runs",
    median: "Median error",
    worst: "Worst error",
    oom_called: "Out of memory: called / runs",
    speed: "Speed: against published figures",
    speed_intro: "The speed model with its default efficiencies, against published latencies and throughputs of tuned engines on the same model, card and shape.",
    row: "Benchmark",
    published: "Published",
    ours: "Ours",
    error: "Error",
    setup: "Setup",
    source: "Source",
    constants: "Constants and their sources",
    constants_intro: "Every constant the estimator uses. None is fitted to one model: each is a measured property of a runtime, an engine default or a published figure.",
    name: "Name in the code",
    value: "Value",
    used_for: "Used for",
    unreadable: "The calibration table could not be read:",
};

const ZH_HANS: Labels = Labels {
    title: "依据",
    intro: "这些数字的依据：在一张卡上实测的显存、调优引擎公开的速度，以及每个常数的出处。",
    memory: "显存：估算与实测",
    chart_title: "每次校准运行的估算显存与实测显存",
    measured: "实测（GiB）",
    estimated: "估算（GiB）",
    band: "±9 %",
    oom: "显存不足",
    capacity: "容量",
    caption: "每个点是一次放得下的运行，颜色表示类别；对角线上估算等于实测，虚线为 ±9 %。三角形是显存不足的运行，画在其估算值处：位于容量线之上即表示估算器判断为放不下。",
    kind: "类别（模式 · 引擎 · 权重）",
    runs: "运行数",
    median: "误差中位数",
    worst: "最大误差",
    oom_called: "显存不足：判断正确 / 运行数",
    speed: "速度：与公开数据对比",
    speed_intro: "速度模型（默认效率）与调优引擎在相同模型、显卡和规模下公开的延迟与吞吐量对比。",
    row: "基准",
    published: "公开值",
    ours: "本工具",
    error: "误差",
    setup: "设置",
    source: "来源",
    constants: "常数及其出处",
    constants_intro: "估算器用到的每个常数。没有一个是针对某个模型拟合的：每个都是运行时的实测特性、引擎默认值或公开数据。",
    name: "代码中的名称",
    value: "数值",
    used_for: "用途",
    unreadable: "无法读取校准表：",
};

const ZH_HANT: Labels = Labels {
    title: "依據",
    intro: "這些數字的依據：在一張卡上實測的顯示記憶體、調校引擎公開的速度，以及每個常數的出處。",
    memory: "顯示記憶體：估算與實測",
    chart_title: "每次校準執行的估算與實測顯示記憶體",
    measured: "實測（GiB）",
    estimated: "估算（GiB）",
    band: "±9 %",
    oom: "記憶體不足",
    capacity: "容量",
    caption: "每個點是一次放得下的執行，顏色表示類別；對角線上估算等於實測，虛線為 ±9 %。三角形是記憶體不足的執行，畫在其估算值處：位於容量線之上即表示估算器判斷為放不下。",
    kind: "類別（模式 · 引擎 · 權重）",
    runs: "執行數",
    median: "誤差中位數",
    worst: "最大誤差",
    oom_called: "記憶體不足：判斷正確 / 執行數",
    speed: "速度：與公開數據對比",
    speed_intro: "速度模型（預設效率）與調校引擎在相同模型、顯示卡和規模下公開的延遲與吞吐量對比。",
    row: "基準",
    published: "公開值",
    ours: "本工具",
    error: "誤差",
    setup: "設定",
    source: "來源",
    constants: "常數及其出處",
    constants_intro: "估算器用到的每個常數。沒有一個是針對某個模型擬合的：每個都是執行環境的實測特性、引擎預設值或公開數據。",
    name: "程式碼中的名稱",
    value: "數值",
    used_for: "用途",
    unreadable: "無法讀取校準表：",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::ZhHans => &ZH_HANS,
        Lang::ZhHant => &ZH_HANT,
    }
}

const GIB: f64 = (1u64 << 30) as f64;
/// The calibration's bound on the worst error (issue 11, "Done when"): the band drawn.
const BAND: f64 = 0.09;

/// The kinds of `runs`, in order of first appearance (their colour is their index).
fn kinds(runs: &[Run]) -> Vec<Kind> {
    let mut out: Vec<Kind> = Vec::new();
    for r in runs {
        if !out.contains(&r.kind) {
            out.push(r.kind);
        }
    }
    out
}

fn colour(kinds: &[Kind], k: Kind) -> RGBColor {
    SERIES[kinds.iter().position(|x| *x == k).unwrap_or(0) % SERIES.len()]
}

fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal)
}

/// Stand-in colour for text and axes, replaced by `currentColor` (the page's theme) in the output.
const INK: RGBColor = RGBColor(1, 2, 3);

/// The measured-vs-estimated chart: log–log GiB, one dot per run that fitted (colour = kind),
/// the y = x line and the ±9 % band, the card's capacity as a horizontal line and each
/// out-of-memory run as a triangle at (capacity, its estimate). Empty when there is no run.
pub fn accuracy_chart(lang: Lang, nf: NumFmt, runs: &[Run]) -> String {
    let l = labels(lang);
    let fitted: Vec<&Run> = runs.iter().filter(|r| r.error_pct().is_some()).collect();
    let oom: Vec<&Run> = runs.iter().filter(|r| r.oom).collect();
    let capacity = runs.iter().map(|r| r.capacity_bytes).max().unwrap_or(0) as f64 / GIB;
    let values = fitted.iter().flat_map(|r| [r.measured_bytes, r.estimated_bytes]).chain(oom.iter().map(|r| r.estimated_bytes));
    let (lo, hi) = values.map(|b| b as f64 / GIB).filter(|v| *v > 0.0).fold((f64::INFINITY, capacity), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if fitted.is_empty() && oom.is_empty() || !lo.is_finite() {
        return String::new();
    }
    let (lo, hi) = (lo / 1.3, hi * 1.3);
    let ks = kinds(runs);
    // 1, 2, 5 × powers of ten inside the range.
    let ticks: Vec<f64> = (-2..5).flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e))).filter(|t| (lo..=hi).contains(t)).collect();
    let (width, height) = (720u32, 560u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let mut chart = match ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d((lo..hi).log_scale().with_key_points(ticks.clone()), (lo..hi).log_scale().with_key_points(ticks))
        {
            Ok(c) => c,
            Err(_) => return String::new(),
        };
        let _ = chart
            .configure_mesh()
            .bold_line_style(INK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .axis_style(INK.mix(0.5))
            .x_desc(l.measured)
            .y_desc(l.estimated)
            .x_label_formatter(&|x| short(nf, *x))
            .y_label_formatter(&|y| short(nf, *y))
            .label_style(font(13.0).color(&INK))
            .axis_desc_style(font(13.0).color(&INK))
            .draw();
        let _ = chart.draw_series(LineSeries::new([(lo, lo), (hi, hi)], INK.mix(0.6).stroke_width(1)));
        let band = INK.mix(0.35).stroke_width(1);
        let _ = chart.draw_series(DashedLineSeries::new([(lo, lo * (1.0 + BAND)), (hi / (1.0 + BAND), hi)], 5, 4, band));
        let _ = chart.draw_series(DashedLineSeries::new([(lo / (1.0 - BAND), lo), (hi, hi * (1.0 - BAND))], 5, 4, band));
        let _ = chart.draw_series(std::iter::once(Text::new(l.band, (hi / (1.0 + BAND) / 1.12, hi / 1.12), font(11.0).color(&INK).pos(Pos::new(HPos::Right, VPos::Center)))));
        if capacity > 0.0 {
            let _ = chart.draw_series(DashedLineSeries::new([(lo, capacity), (hi, capacity)], 7, 4, RED.mix(0.85).stroke_width(1)));
            let cap = format!("{MEASURED_ON} {}: {} GiB", l.capacity, nf.fixed(capacity, 1));
            let _ = chart.draw_series(std::iter::once(Text::new(cap, (lo * 1.05, capacity * 1.02), font(11.0).color(&RED).pos(Pos::new(HPos::Left, VPos::Bottom)))));
        }
        let _ = chart.draw_series(
            fitted.iter().map(|r| Circle::new((r.measured_bytes as f64 / GIB, r.estimated_bytes as f64 / GIB), 4, colour(&ks, r.kind).mix(0.85).filled())),
        );
        for r in &oom {
            let at = (capacity, r.estimated_bytes as f64 / GIB);
            let _ = chart.draw_series(std::iter::once(TriangleMarker::new(at, 7, colour(&ks, r.kind).filled())));
            let _ = chart.draw_series(std::iter::once(Text::new(l.oom, at, font(11.0).color(&INK).pos(Pos::new(HPos::Right, VPos::Bottom)))));
        }
        // The legend, by hand at fixed places (plotters' own measures every label's text).
        for (i, k) in ks.iter().enumerate() {
            let (x, y) = (width as i32 - 250, height as i32 - 60 - 18 * (ks.len() - 1 - i) as i32 - 12);
            let _ = root.draw(&Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour(&ks, *k).filled()));
            let _ = root.draw(&Text::new(k.label(), (x + 16, y), font(12.0).color(&INK).pos(Pos::new(HPos::Left, VPos::Center))));
        }
        let _ = root.present();
    }
    titled(svg.replace("#010203", "currentColor"), l.chart_title)
}

/// Adds `role="img"` and a `<title>` (the chart's accessible name) to plotters' `<svg …>`.
fn titled(svg: String, title: &str) -> String {
    match svg.find('>') {
        Some(i) => {
            let mut out = String::with_capacity(svg.len() + title.len() + 40);
            out.push_str(&svg[..i]);
            out.push_str(" role=\"img\"><title>");
            text(&mut out, title);
            out.push_str("</title>");
            out.push_str(&svg[i + 1..]);
            out
        }
        None => svg,
    }
}

fn pct(nf: NumFmt, x: Option<f64>) -> String {
    x.map_or_else(|| String::from("—"), |v| format!("{} %", nf.fixed(v, 1)))
}

/// Appends `<tr>` with one `<th>` per label.
fn head(out: &mut String, cols: &[&str]) {
    out.push_str("<thead><tr>");
    for c in cols {
        out.push_str("<th>");
        text(out, c);
        out.push_str("</th>");
    }
    out.push_str("</tr></thead><tbody>");
}

/// Appends one row; every cell is escaped; `num` marks the cells that hold numbers.
fn row(out: &mut String, cells: &[(&str, bool)]) {
    out.push_str("<tr>");
    for (c, num) in cells {
        out.push_str(if *num { "<td class=\"num\">" } else { "<td>" });
        text(out, c);
        out.push_str("</td>");
    }
    out.push_str("</tr>");
}

/// Error per kind: fitted runs, median and worst |error|, out-of-memory runs called so.
fn kinds_table(out: &mut String, l: &Labels, nf: NumFmt, runs: &[Run]) {
    out.push_str("<table class=\"hwk-kinds\">");
    head(out, &[l.kind, l.runs, l.median, l.worst, l.oom_called]);
    for k in kinds(runs) {
        let same: Vec<&Run> = runs.iter().filter(|r| r.kind == k).collect();
        let (n, median, worst) = accuracy::summary(&same);
        let ooms = same.iter().filter(|r| r.oom).count();
        let called = same.iter().filter(|r| r.oom_recognised()).count();
        let oom = if ooms == 0 { String::from("—") } else { format!("{called} / {ooms}") };
        row(out, &[(&k.label(), false), (&nf.int(u64::from(n)), true), (&pct(nf, median), true), (&pct(nf, worst), true), (&oom, true)]);
    }
    out.push_str("</tbody></table>");
}

fn speed_table(out: &mut String, l: &Labels, nf: NumFmt, speed: &[SpeedCheck]) {
    out.push_str("<table class=\"hwk-speed\">");
    head(out, &[l.row, l.published, l.ours, l.error, l.setup, l.source]);
    for s in speed {
        let (published, ours) = (format!("{} {}", nf.fixed(s.published, 1), s.unit), format!("{} {}", nf.fixed(s.ours, 1), s.unit));
        let e = s.error_pct();
        let err = format!("{}{} %", if e > 0.0 { "+" } else { "" }, nf.fixed(e, 1));
        row(out, &[(&s.name, false), (&published, true), (&ours, true), (&err, true), (&s.mapping, false), (s.source, false)]);
    }
    out.push_str("</tbody></table>");
}

/// Three significant digits at most, without trailing zeros: 0.550 → 0.55, 8.50 → 8.5.
fn short(nf: NumFmt, x: f64) -> String {
    let s = nf.sig(x);
    if !s.contains(nf.decimal) {
        return s;
    }
    String::from(s.trim_end_matches('0').trim_end_matches(nf.decimal))
}

/// A constant's value in its unit, bytes as MiB and seconds as µs.
fn value(nf: NumFmt, k: &Constant) -> String {
    match k.unit {
        "bytes" => format!("{} MiB", short(nf, k.value / (1u64 << 20) as f64)),
        "s" => format!("{} µs", short(nf, k.value * 1e6)),
        "fraction" | "ratio" => short(nf, k.value),
        u => format!("{} {u}", short(nf, k.value)),
    }
}

fn constants_table(out: &mut String, l: &Labels, nf: NumFmt, constants: &[Constant]) {
    out.push_str("<table class=\"hwk-constants\">");
    head(out, &[l.name, l.value, l.used_for, l.source]);
    for k in constants {
        row(out, &[(k.name, false), (&value(nf, k), true), (k.used_for, false), (k.source, false)]);
    }
    out.push_str("</tbody></table>");
}

fn heading(out: &mut String, tag: &str, s: &str) {
    out.push_str(&format!("<{tag}>"));
    text(out, s);
    out.push_str(&format!("</{tag}>"));
}

/// The whole section from the given evidence.
pub fn section_html(lang: Lang, nf: NumFmt, runs: &[Run], speed: &[SpeedCheck], constants: &[Constant]) -> String {
    let l = labels(lang);
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<section class=\"how-we-know\" id=\"how-we-know\">");
    heading(&mut out, "h2", l.title);
    heading(&mut out, "p", l.intro);
    heading(&mut out, "h3", l.memory);
    out.push_str("<figure>");
    out.push_str(&accuracy_chart(lang, nf, runs));
    heading(&mut out, "figcaption", l.caption);
    out.push_str("</figure>");
    kinds_table(&mut out, l, nf, runs);
    heading(&mut out, "h3", l.speed);
    heading(&mut out, "p", l.speed_intro);
    speed_table(&mut out, l, nf, speed);
    heading(&mut out, "h3", l.constants);
    heading(&mut out, "p", l.constants_intro);
    constants_table(&mut out, l, nf, constants);
    out.push_str("</section>");
    out
}

/// The section from the core's own evidence: the calibration runs ([`accuracy::runs`]), the
/// published speed checks on `catalog` and the constants. A calibration table that cannot be
/// read is said in place of the chart.
pub fn section_for(lang: Lang, nf: NumFmt, catalog: &Catalog) -> String {
    let speed = evidence::published_speed(catalog);
    match accuracy::runs() {
        Ok(runs) => section_html(lang, nf, &runs, &speed, evidence::constants()),
        Err(e) => {
            let mut html = section_html(lang, nf, &[], &speed, evidence::constants());
            let mut msg = String::from("<p class=\"error\">");
            text(&mut msg, labels(lang).unreadable);
            msg.push(' ');
            text(&mut msg, &e);
            msg.push_str("</p>");
            if let Some(at) = html.find("<figure>") {
                html.insert_str(at, &msg);
            }
            html
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuplan_core::memory::{Engine, Mode, Workload};
    use gpuplan_core::WeightFormat;

    fn catalog() -> Catalog {
        gpuplan_core::catalog::load().unwrap()
    }

    #[test]
    fn the_chart_has_one_dot_per_fitted_run_and_one_triangle_per_oom_run() {
        let runs = accuracy::runs().unwrap();
        let fitted = runs.iter().filter(|r| r.error_pct().is_some()).count();
        let oom = runs.iter().filter(|r| r.oom).count();
        assert!(fitted >= 50 && oom >= 1, "{fitted} fitted, {oom} oom");
        let svg = accuracy_chart(Lang::En, NumFmt::default(), &runs);
        assert!(svg.starts_with("<svg") && svg.contains("role=\"img\"><title>Estimated against measured"), "{}", &svg[..120]);
        assert_eq!(svg.matches("<circle").count(), fitted);
        assert_eq!(svg.matches("<polygon").count(), oom);
        // Theme colour, the band's and the capacity line's labels, a legend entry per kind.
        assert!(svg.contains("currentColor") && !svg.contains("#010203"));
        assert!(svg.contains("±9 %") && svg.contains("H100 80GB HBM3 capacity: 79.6 GiB"));
        for k in kinds(&runs) {
            assert!(svg.contains(&k.label()), "{}", k.label());
        }
        // Nothing to draw is no chart, not a crash.
        assert_eq!(accuracy_chart(Lang::En, NumFmt::default(), &[]), "");
    }

    #[test]
    fn the_section_holds_every_kind_speed_row_and_constant_source() {
        let c = catalog();
        let html = section_for(Lang::En, NumFmt::default(), &c);
        let runs = accuracy::runs().unwrap();
        for k in kinds(&runs) {
            assert!(html.contains(&format!("<td>{}</td>", crate::html::escape(&k.label()))), "{}", k.label());
        }
        let speed = evidence::published_speed(&c);
        assert!(!speed.is_empty());
        for s in &speed {
            assert!(html.contains(&crate::html::escape(&s.name)) && html.contains(&crate::html::escape(s.source)), "{}", s.name);
        }
        for k in evidence::constants() {
            assert!(html.contains(&format!("<td>{}</td>", crate::html::escape(k.source))), "{}: source missing", k.name);
        }
        for tag in ["section", "table", "figure", "svg", "tr", "td"] {
            assert_eq!(html.matches(&format!("<{tag}")).count(), html.matches(&format!("</{tag}>")).count(), "<{tag}> unbalanced");
        }
        std::println!("How we know (en): {} bytes", html.len());
    }

    #[test]
    fn the_kind_table_gives_median_and_worst_from_the_runs() {
        let w = Workload { mode: Mode::Inference, engine: Engine::Hf, weights: WeightFormat::Bf16, ..Workload::default() };
        let kind = Kind::of(&w);
        let run = |id: &str, m: u64, e: u64, oom: bool| Run { id: id.into(), kind, measured_bytes: m, estimated_bytes: e, slack_bytes: 0, oom, capacity_bytes: 100 << 30 };
        let runs = [run("a", 10 << 30, 11 << 30, false), run("b", 20 << 30, 19 << 30, false), run("c", 0, 120 << 30, true)];
        let html = section_html(Lang::En, NumFmt::default(), &runs, &[], &[]);
        // |errors| 10 % and 5 % → median 7.5 %, worst 10 %; the OOM run is called (120 > 100).
        assert!(html.contains("<td class=\"num\">2</td><td class=\"num\">7.5 %</td><td class=\"num\">10.0 %</td><td class=\"num\">1 / 1</td>"), "{html}");
    }

    #[test]
    fn text_from_data_is_escaped() {
        let evil = "<img src=x onerror=alert(1)>";
        let speed = [SpeedCheck { name: evil.into(), unit: "ms", published: 1.0, ours: 1.1, mapping: "<b>".into(), source: evil }];
        let konst = [Constant { name: "<x>", value: 1.0, unit: "<u>", used_for: "<script>", source: "\"a\" & <b>" }];
        let html = section_html(Lang::En, NumFmt::default(), &[], &speed, &konst);
        for raw in ["<img", "<b>", "<x>", "<u>", "<script"] {
            assert!(!html.contains(raw), "{raw} not escaped");
        }
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;") && html.contains("&quot;a&quot; &amp; &lt;b&gt;"));
    }

    #[test]
    fn every_language_has_its_labels() {
        let runs = accuracy::runs().unwrap();
        let en = section_html(Lang::En, NumFmt::default(), &runs, &[], &[]);
        let hans = section_html(Lang::ZhHans, NumFmt::default(), &runs, &[], &[]);
        let hant = section_html(Lang::ZhHant, NumFmt::default(), &runs, &[], &[]);
        assert!(en.contains("<h2>How we know</h2>") && hans.contains("<h2>依据</h2>") && hant.contains("<h2>依據</h2>"));
        assert!(hans.contains("估算（GiB）") && hant.contains("實測（GiB）"));
        // The reader's number format reaches the tables: a decimal comma.
        let de = section_html(Lang::En, NumFmt { group: Some('.'), decimal: ',' }, &runs, &[], &[]);
        let cells: Vec<&str> = de.split("<td class=\"num\">").skip(1).map(|c| c.split("</td>").next().unwrap_or("")).collect();
        assert!(cells.iter().any(|c| c.ends_with(" %") && c.contains(',')), "{cells:?}");
        assert!(cells.iter().all(|c| !c.contains('.')), "{cells:?}");
    }

    #[test]
    fn constant_values_read_in_their_units() {
        let k = |value: f64, unit: &'static str| Constant { name: "n", value, unit, used_for: "u", source: "s" };
        let nf = NumFmt::default();
        assert_eq!(value(nf, &k((685u64 << 20) as f64, "bytes")), "685 MiB");
        assert_eq!(value(nf, &k(10e-6, "s")), "10 µs");
        assert_eq!(value(nf, &k(0.55, "fraction")), "0.55");
        assert_eq!(value(nf, &k(8.5, "bits/weight")), "8.5 bits/weight");
        assert_eq!(value(nf, &k(8760.0, "hours")), "8,760 hours");
        assert_eq!(value(nf, &k(256.0, "tokens")), "256 tokens");
    }
}
