//! The page's "How we know" section, as one HTML string: the measured-vs-estimated chart of every
//! H100 calibration run (plotters, SVG), the error per kind of run, the speed model against
//! published figures, and every constant of the estimator with its source.
//!
//! Written by the page's Web Worker on request (`worker::answers::evidence_answer`) and set into
//! the section by the page (`view::how_we_know`), so neither this code nor its words
//! (`i18n::Evidence`) are in the page's own bundle. Written with `html::Html`: every text from
//! data is escaped; the chart is plotters' SVG ([`Svg`]). Pure; unit-tested on the host.

use gpuplan_core::accuracy::{self, Kind, Run, MEASURED_ON};
use gpuplan_core::catalog::Catalog;
use gpuplan_core::evidence::{self, Constant, SpeedCheck};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::html::{escape, Html, Svg};
use crate::i18n::{t_evidence, Evidence, Lang};
use crate::numbers::NumFmt;
use crate::report::charts::{RED, SERIES};

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

/// The chart's width in SVG units, and the height of its plot; the legend goes below the plot,
/// one line per kind. Narrow and with large type: the page scales it to its box (at most 560 px
/// wide), and on a phone (about 340 px) its 15 px labels still read at 10 px.
const WIDTH: u32 = 480;
const PLOT_HEIGHT: u32 = 480;
const LEGEND_LINE: u32 = 20;

/// The measured-vs-estimated chart: log–log GiB, one dot per run that fitted (colour = kind),
/// the y = x line and the ±9 % band, the card's capacity as a horizontal line and each
/// out-of-memory run as a triangle at (capacity, its estimate). Empty when there is no run.
pub fn accuracy_chart(lang: Lang, nf: NumFmt, runs: &[Run]) -> Svg {
    let l = |k| t_evidence(lang, k);
    let fitted: Vec<&Run> = runs.iter().filter(|r| r.error_pct().is_some()).collect();
    let oom: Vec<&Run> = runs.iter().filter(|r| r.oom).collect();
    let capacity = runs.iter().map(|r| r.capacity_bytes).max().unwrap_or(0) as f64 / GIB;
    let values = fitted.iter().flat_map(|r| [r.measured_bytes, r.estimated_bytes]).chain(oom.iter().map(|r| r.estimated_bytes));
    let (lo, hi) = values.map(|b| b as f64 / GIB).filter(|v| *v > 0.0).fold((f64::INFINITY, capacity), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if fitted.is_empty() && oom.is_empty() || !lo.is_finite() {
        return Svg::from_plotters(String::new());
    }
    let (lo, hi) = (lo / 1.3, hi * 1.3);
    let ks = kinds(runs);
    // 1, 2, 5 × powers of ten inside the range.
    let ticks: Vec<f64> = (-2..5).flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e))).filter(|t| (lo..=hi).contains(t)).collect();
    let height = PLOT_HEIGHT + LEGEND_LINE * ks.len() as u32 + 8;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let (plot, legend) = root.split_vertically(PLOT_HEIGHT);
        let mut chart = match ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(52)
            .build_cartesian_2d((lo..hi).log_scale().with_key_points(ticks.clone()), (lo..hi).log_scale().with_key_points(ticks))
        {
            Ok(c) => c,
            Err(_) => return Svg::from_plotters(String::new()),
        };
        let _ = chart
            .configure_mesh()
            .bold_line_style(INK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .axis_style(INK.mix(0.5))
            .x_desc(l(Evidence::Measured))
            .y_desc(l(Evidence::Estimated))
            .x_label_formatter(&|x| short(nf, *x))
            .y_label_formatter(&|y| short(nf, *y))
            .label_style(font(15.0).color(&INK))
            .axis_desc_style(font(15.0).color(&INK))
            .draw();
        let _ = chart.draw_series(LineSeries::new([(lo, lo), (hi, hi)], INK.mix(0.6).stroke_width(1)));
        let band = INK.mix(0.35).stroke_width(1);
        let _ = chart.draw_series(DashedLineSeries::new([(lo, lo * (1.0 + BAND)), (hi / (1.0 + BAND), hi)], 5, 4, band));
        let _ = chart.draw_series(DashedLineSeries::new([(lo / (1.0 - BAND), lo), (hi, hi * (1.0 - BAND))], 5, 4, band));
        let band_label = format!("±{} %", nf.int((BAND * 100.0) as u64));
        // Under the lower dashed line, right of the middle: the runs lie on the diagonal, the
        // out-of-memory label at the top.
        let at = hi / 2.6;
        let _ = chart.draw_series(std::iter::once(Text::new(band_label, (at, at * (1.0 - BAND) / 1.08), font(14.0).color(&INK).pos(Pos::new(HPos::Left, VPos::Top)))));
        if capacity > 0.0 {
            let _ = chart.draw_series(DashedLineSeries::new([(lo, capacity), (hi, capacity)], 7, 4, RED.mix(0.85).stroke_width(1)));
            let cap = format!("{MEASURED_ON} {}: {} GiB", l(Evidence::Capacity), nf.fixed(capacity, 1));
            let _ = chart.draw_series(std::iter::once(Text::new(cap, (lo * 1.05, capacity * 1.02), font(14.0).color(&RED).pos(Pos::new(HPos::Left, VPos::Bottom)))));
        }
        let _ = chart.draw_series(
            fitted.iter().map(|r| Circle::new((r.measured_bytes as f64 / GIB, r.estimated_bytes as f64 / GIB), 4, colour(&ks, r.kind).mix(0.85).filled())),
        );
        for r in &oom {
            let at = (capacity, r.estimated_bytes as f64 / GIB);
            let _ = chart.draw_series(std::iter::once(TriangleMarker::new(at, 7, colour(&ks, r.kind).filled())));
            let _ = chart.draw_series(std::iter::once(Text::new(l(Evidence::Oom), at, font(14.0).color(&INK).pos(Pos::new(HPos::Right, VPos::Bottom)))));
        }
        // The legend below the plot, by hand at fixed places (plotters' own measures every
        // label's text).
        for (i, k) in ks.iter().enumerate() {
            let (x, y) = (64, (LEGEND_LINE * i as u32 + LEGEND_LINE / 2) as i32);
            let _ = legend.draw(&Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour(&ks, *k).filled()));
            let _ = legend.draw(&Text::new(k.label(), (x + 20, y), font(15.0).color(&INK).pos(Pos::new(HPos::Left, VPos::Center))));
        }
        let _ = root.present();
    }
    titled(svg.replace("#010203", "currentColor"), l(Evidence::ChartTitle))
}

/// Adds `role="img"` and a `<title>` (the chart's accessible name) to plotters' `<svg …>`.
fn titled(svg: String, title: &str) -> Svg {
    match svg.find('>') {
        Some(i) => Svg::from_plotters(format!("{} role=\"img\"><title>{}</title>{}", &svg[..i], escape(title), &svg[i + 1..])),
        None => Svg::from_plotters(svg),
    }
}

fn pct(nf: NumFmt, x: Option<f64>) -> String {
    x.map_or_else(|| String::from("—"), |v| format!("{} %", nf.fixed(v, 1)))
}

/// Opens a table (in a box that scrolls sideways on a narrow screen) with one `<th>` per label.
fn head(h: &mut Html, lang: Lang, class: &'static str, cols: &[Evidence]) {
    h.raw("<div class=\"tablewrap\"><table class=\"").raw(class).raw("\"><thead><tr>");
    for c in cols {
        h.raw("<th>").text(t_evidence(lang, *c)).raw("</th>");
    }
    h.raw("</tr></thead><tbody>");
}

fn end_table(h: &mut Html) {
    h.raw("</tbody></table></div>");
}

/// Appends one row; every cell is escaped; `num` marks the cells that hold numbers.
fn row(h: &mut Html, cells: &[(&str, bool)]) {
    h.raw("<tr>");
    row_cells(h, cells);
    h.raw("</tr>");
}

fn row_cells(h: &mut Html, cells: &[(&str, bool)]) {
    for (c, num) in cells {
        h.raw(if *num { "<td class=\"num\">" } else { "<td>" }).text(c).raw("</td>");
    }
}

/// Error per kind: fitted runs, median and worst |error|, out-of-memory runs called so.
fn kinds_table(h: &mut Html, lang: Lang, nf: NumFmt, runs: &[Run]) {
    use Evidence::{Kind as K, Median, OomCalled, Runs, Worst};
    head(h, lang, "hwk-kinds", &[K, Runs, Median, Worst, OomCalled]);
    for k in kinds(runs) {
        let same: Vec<&Run> = runs.iter().filter(|r| r.kind == k).collect();
        let (n, median, worst) = accuracy::summary(&same);
        let ooms = same.iter().filter(|r| r.oom).count();
        let called = same.iter().filter(|r| r.oom_recognised()).count();
        let oom = if ooms == 0 { String::from("—") } else { format!("{called} / {ooms}") };
        row(h, &[(&k.label(), false), (&nf.int(u64::from(n)), true), (&pct(nf, median), true), (&pct(nf, worst), true), (&oom, true)]);
    }
    end_table(h);
}

fn speed_table(h: &mut Html, lang: Lang, nf: NumFmt, speed: &[SpeedCheck]) {
    use Evidence::{Error, Ours, Published, Row, Setup, Source};
    head(h, lang, "hwk-speed", &[Row, Published, Ours, Error, Setup, Source]);
    for s in speed {
        let (published, ours) = (format!("{} {}", nf.fixed(s.published, 1), s.unit), format!("{} {}", nf.fixed(s.ours, 1), s.unit));
        let e = s.error_pct();
        let err = format!("{}{} %", if e > 0.0 { "+" } else { "" }, nf.fixed(e, 1));
        row(h, &[(&s.name, false), (&published, true), (&ours, true), (&err, true), (&s.mapping, false), (s.source, false)]);
    }
    end_table(h);
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

fn constants_table(h: &mut Html, lang: Lang, nf: NumFmt, constants: &[Constant]) {
    use Evidence::{Name, Source, UsedFor, Value};
    head(h, lang, "hwk-constants", &[Name, Value, UsedFor, Source]);
    for k in constants {
        // The code's path may break after each `::` (`<wbr>`), not inside a name.
        h.raw("<tr><td>");
        for (i, part) in k.name.split("::").enumerate() {
            h.raw(if i == 0 { "" } else { "::<wbr>" }).text(part);
        }
        h.raw("</td>");
        row_cells(h, &[(&value(nf, k), true), (k.used_for, false), (k.source, false)]);
        h.raw("</tr>");
    }
    end_table(h);
}

/// `<open>text</close>`, the text escaped.
fn element(h: &mut Html, open: &'static str, text: &str, close: &'static str) {
    h.raw(open).text(text).raw(close);
}

/// The section's content from the given evidence (the page gives it its title and its box);
/// `problem`, when the calibration table could not be read, is said in place of the chart.
fn write_section(lang: Lang, nf: NumFmt, runs: &[Run], problem: Option<&str>, speed: &[SpeedCheck], constants: &[Constant]) -> String {
    let l = |k| t_evidence(lang, k);
    let mut h = Html::with_capacity(64 * 1024);
    h.raw("<div class=\"how-we-know\" data-testid=\"how-we-know-body\">");
    element(&mut h, "<p>", l(Evidence::Intro), "</p>");
    element(&mut h, "<h3>", l(Evidence::Memory), "</h3>");
    if let Some(e) = problem {
        h.raw("<p class=\"err\">").text(l(Evidence::Unreadable)).raw(" ").text(e).raw("</p>");
    }
    h.raw("<figure><div class=\"chart hwk-chart\" data-testid=\"hwk-chart\">").svg(&accuracy_chart(lang, nf, runs)).raw("</div>");
    element(&mut h, "<figcaption class=\"hint\">", l(Evidence::Caption), "</figcaption></figure>");
    kinds_table(&mut h, lang, nf, runs);
    element(&mut h, "<h3>", l(Evidence::Speed), "</h3>");
    element(&mut h, "<p>", l(Evidence::SpeedIntro), "</p>");
    speed_table(&mut h, lang, nf, speed);
    element(&mut h, "<h3>", l(Evidence::Constants), "</h3>");
    element(&mut h, "<p>", l(Evidence::ConstantsIntro), "</p>");
    constants_table(&mut h, lang, nf, constants);
    h.raw("</div>");
    h.finish()
}

/// The section's content from the given evidence.
pub fn section_html(lang: Lang, nf: NumFmt, runs: &[Run], speed: &[SpeedCheck], constants: &[Constant]) -> String {
    write_section(lang, nf, runs, None, speed, constants)
}

/// The section from the core's own evidence: the calibration runs ([`accuracy::runs`]), the
/// published speed checks on `catalog` and the constants. A calibration table that cannot be
/// read is said in place of the chart.
pub fn section_for(lang: Lang, nf: NumFmt, catalog: &Catalog) -> String {
    let speed = evidence::published_speed(catalog);
    match accuracy::runs() {
        Ok(runs) => section_html(lang, nf, &runs, &speed, evidence::constants()),
        Err(e) => write_section(lang, nf, &[], Some(&e), &speed, evidence::constants()),
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
        let svg = svg.as_str();
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
        assert!(accuracy_chart(Lang::En, NumFmt::default(), &[]).is_empty());
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
            let name = k.name.split("::").map(crate::html::escape).collect::<Vec<_>>().join("::<wbr>");
            assert!(html.contains(&format!("<tr><td>{name}</td>")), "{}: name missing", k.name);
        }
        for tag in ["div", "table", "figure", "svg", "tr", "td"] {
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
        assert!(en.contains("<h3>Memory: estimate against measurement</h3>") && hans.contains("<h3>显存：估算与实测</h3>") && hant.contains("<h3>顯示記憶體：估算與實測</h3>"));
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
