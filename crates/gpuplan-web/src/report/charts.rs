//! Charts drawn with plotters into SVG strings. Text and grid use `currentColor`, so one SVG
//! follows the page's light or dark theme; [`standalone`] bakes in colours and a background for
//! export. Labels go through plotters' escaping, so model names cannot inject markup.

use core::fmt::Write;

use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::html::escape;
use crate::results::money::CostLine;

/// Stand-in colour for text and axes, replaced by `currentColor` in the output.
const INK: RGBColor = RGBColor(1, 2, 3);
const INK_HEX: &str = "#010203";

/// Bar colours that read on light and dark backgrounds.
pub const BLUE: RGBColor = RGBColor(0x3b, 0x82, 0xf6);
pub const ORANGE: RGBColor = RGBColor(0xf5, 0x9e, 0x0b);
pub const GREEN: RGBColor = RGBColor(0x10, 0xb9, 0x81);
pub const RED: RGBColor = RGBColor(0xef, 0x44, 0x44);
pub const PURPLE: RGBColor = RGBColor(0x8b, 0x5c, 0xf6);
pub const GREY: RGBColor = RGBColor(0x94, 0xa3, 0xb8);
/// Series colours for several card types.
pub const SERIES: [RGBColor; 8] = [
    BLUE,
    ORANGE,
    GREEN,
    PURPLE,
    RED,
    RGBColor(0x06, 0xb6, 0xd4),
    RGBColor(0xec, 0x48, 0x99),
    RGBColor(0x84, 0xcc, 0x16),
];

/// The charts' font, sans-serif. Built directly: `("sans-serif", size).into_font()` goes
/// through plotters' `FontDesc::from`, which links its font-name parsing (about 9 KB of the
/// bundle's gzip, measured).
fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal)
}

fn finish(svg: String, title: &str) -> String {
    let svg = svg.replace(INK_HEX, "currentColor");
    // An accessible name for the picture; plotters writes `<svg width=.. height=.. viewBox=..>`.
    match svg.find('>') {
        Some(i) => {
            let mut out = String::with_capacity(svg.len() + title.len() + 40);
            out.push_str(&svg[..i]);
            out.push_str(" role=\"img\"");
            out.push('>');
            out.push_str("<title>");
            out.push_str(&escape(title));
            out.push_str("</title>");
            out.push_str(&svg[i + 1..]);
            out
        }
        None => svg,
    }
}

/// The chart as a file: colours baked in for `dark` or light, with a background.
pub fn standalone(svg: &str, dark: bool) -> String {
    let (fg, bg) = if dark { ("#e5e7eb", "#111827") } else { ("#111827", "#ffffff") };
    let svg = svg.replace("currentColor", fg);
    let svg = if svg.contains("xmlns=") { svg } else { svg.replacen("<svg ", "<svg xmlns=\"http://www.w3.org/2000/svg\" ", 1) };
    let at = match svg.find("</title>") {
        Some(i) => i + "</title>".len(),
        None => svg.find('>').map_or(0, |i| i + 1),
    };
    format!("{}<rect width=\"100%\" height=\"100%\" fill=\"{bg}\"/>{}", &svg[..at], &svg[at..])
}

/// One bar of the memory-vs-format chart.
pub struct Bar {
    pub label: String,
    /// GiB (2³⁰ bytes).
    pub gib: f64,
    pub highlight: bool,
}

/// A vertical capacity line.
pub struct Line {
    pub label: String,
    /// GiB (2³⁰ bytes).
    pub gib: f64,
}

/// Horizontal bars (one per weight format) with vertical capacity lines, written as SVG by
/// hand rather than with plotters: this chart is the page's own (the others are written by the
/// worker), and plotters' chart code was about 24 KB of the page's gzip'd bundle for it
/// (measured: `scripts/bench-web.mjs` before and after). Same layout as the plotters chart it
/// replaces: 720 px wide, 22 px a row, the x axis in "nice" steps (1, 2 or 5 × 10ⁿ, at most
/// six labels), text and grid in `currentColor`.
pub fn format_chart(bars: &[Bar], lines: &[Line], title: &str, axis: &str, value_fmt: &dyn Fn(f64) -> String) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let n = bars.len() as i32;
    let (width, row) = (720i32, 22i32);
    let height = 70 + row * n;
    let max_bar = bars.iter().map(|b| b.gib).fold(0.0, f64::max);
    let max_line = lines.iter().map(|l| l.gib).filter(|g| *g <= max_bar * 1.6 || *g <= 0.0).fold(0.0, f64::max);
    let xmax = (max_bar.max(max_line) * 1.12).max(1.0);
    // The plot area: margins and label areas as the plotters version had them.
    let (left, right, top, bottom) = (80i32, width - 16, 22i32, height - 38);
    let px = |x: f64| left + ((x / xmax) * (right - left) as f64).round() as i32;
    let row_h = (bottom - top) as f64 / n as f64;
    let ry = |i: f64| top + (i * row_h).round() as i32;
    let mut h = SvgText::new(width, height, title);
    let step = nice_step(xmax, 6);
    let mut k = 0u32;
    loop {
        let x = step * k as f64;
        if x > xmax {
            break;
        }
        let xp = px(x);
        h.line((xp, top), (xp, bottom), "currentColor", "0.12", 1);
        h.text((xp, bottom + 6), "middle", "hanging", 13, "currentColor", &value_fmt(x));
        k += 1;
    }
    h.line((left, bottom), (right, bottom), "currentColor", "0.5", 1);
    h.line((left, top), (left, bottom), "currentColor", "0.5", 1);
    h.text(((left + right) / 2, height - 6), "middle", "auto", 13, "currentColor", axis);
    for (i, b) in bars.iter().enumerate() {
        let (y0, y1) = (ry(i as f64) + 3, ry(i as f64 + 1.0) - 3);
        let color = if b.highlight { "#f59e0b" } else { "#3b82f6" };
        h.rect(left, y0, px(b.gib.max(0.0)) - left, y1 - y0, color);
        let yc = ry(i as f64 + 0.5);
        h.text((left - 6, yc), "end", "middle", 13, "currentColor", &b.label);
        h.text((px(b.gib.max(0.0)), yc), "start", "middle", 12, "currentColor", &format!(" {}", value_fmt(b.gib)));
    }
    for (k, l) in lines.iter().enumerate() {
        if l.gib <= 0.0 || l.gib > xmax {
            continue;
        }
        let xp = px(l.gib);
        h.line((xp, top), (xp, bottom), "#ef4444", "0.85", if k == 0 { 2 } else { 1 });
        h.text((xp, top - 2), "middle", "auto", 11, "#ef4444", &l.label);
    }
    h.finish()
}

/// The axis step for `0..max` with at most `labels` labels: 1, 2 or 5 × 10ⁿ.
fn nice_step(max: f64, labels: u32) -> f64 {
    let raw = max / labels as f64;
    let mag = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| max / s <= labels as f64).unwrap_or(10.0 * mag)
}

/// An SVG picture written as text: integer pixel positions, every text escaped.
struct SvgText(String);

impl SvgText {
    fn new(width: i32, height: i32, title: &str) -> SvgText {
        let mut s = String::with_capacity(4096);
        let _ = write!(s, "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"><title>");
        s.push_str(&escape(title));
        s.push_str("</title>");
        SvgText(s)
    }
    fn line(&mut self, (x1, y1): (i32, i32), (x2, y2): (i32, i32), color: &str, opacity: &str, width: i32) {
        let _ = write!(self.0, "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{color}\" stroke-opacity=\"{opacity}\" stroke-width=\"{width}\"/>");
    }
    fn rect(&mut self, x: i32, y: i32, w: i32, h: i32, color: &str) {
        let _ = write!(self.0, "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{color}\"/>", w.max(0), h.max(0));
    }
    fn text(&mut self, (x, y): (i32, i32), anchor: &str, baseline: &str, size: i32, color: &str, s: &str) {
        let _ = write!(self.0, "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\" dominant-baseline=\"{baseline}\" font-family=\"sans-serif\" font-size=\"{size}\" fill=\"{color}\">");
        self.0.push_str(&escape(s));
        self.0.push_str("</text>");
    }
    fn finish(mut self) -> String {
        self.0.push_str("</svg>");
        self.0
    }
}

/// Cost vs number of cards (1–64, log scale on both axes).
pub fn cost_chart(series: &[CostLine], title: &str, x_axis: &str, y_axis: &str, money: &dyn Fn(f64) -> String) -> String {
    let (width, height) = (720u32, 380u32);
    let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|y| *y > 0.0 && y.is_finite());
    let (lo, hi) = ys.fold((f64::INFINITY, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
    if hi <= 0.0 {
        return String::new();
    }
    let (lo, hi) = (lo / 1.5, hi * 1.5);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let mut chart = match ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(34)
            .y_label_area_size(78)
            .build_cartesian_2d((1f64..64f64).log_scale(), (lo..hi).log_scale())
        {
            Ok(c) => c,
            Err(_) => return String::new(),
        };
        draw_mesh(&mut chart, x_axis, y_axis, &|y| money(*y));
        for (k, s) in series.iter().enumerate() {
            let c = SERIES[s.color % SERIES.len()];
            let pts: Vec<(f64, f64)> = s.points.iter().filter(|p| p.1 > 0.0 && p.1.is_finite()).map(|&(n, y)| (n as f64, y)).collect();
            let style = c.stroke_width(2);
            let _ = if s.dashed {
                chart.draw_series(DashedLineSeries::new(pts.clone(), 6, 4, style))
            } else {
                chart.draw_series(LineSeries::new(pts.clone(), style))
            };
            legend_entry(&root, (104, 24 + 17 * k as i32), c, &s.label);
            if let Some(m) = s.min_count {
                if let Some(p) = pts.iter().find(|p| p.0 as u64 == m) {
                    let _ = chart.draw_series(std::iter::once(Circle::new(*p, 5, c.filled())));
                }
            }
        }
        let _ = root.present();
    }
    finish(svg, title)
}

/// Throughput per GPU against tokens/s per user across batch sizes, one line per card (a dot
/// per batch), the target's tokens/s per user (1 / TPOT) marked as a vertical line (issue 14
/// §3's chart). `lines`: (label, points as (per user, per GPU)).
pub fn latency_chart(lines: &[(String, Vec<(f64, f64)>)], target_per_user: f64, title: &str, x_axis: &str, y_axis: &str) -> String {
    let pts = lines.iter().flat_map(|l| l.1.iter()).filter(|p| p.0.is_finite() && p.1.is_finite());
    let (xmax, ymax) = pts.fold((target_per_user, 0.0f64), |(x, y), p| (x.max(p.0), y.max(p.1)));
    if ymax <= 0.0 {
        return String::new();
    }
    let (width, height) = (720u32, 380u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let Ok(mut chart) = ChartBuilder::on(&root).margin(14).x_label_area_size(34).y_label_area_size(64).build_cartesian_2d(0f64..xmax * 1.08, 0f64..ymax * 1.1) else {
            return String::new();
        };
        draw_mesh(&mut chart, x_axis, y_axis, &|y| format!("{}", y.round() as u64));
        let _ = chart.draw_series(DashedLineSeries::new([(target_per_user, 0.0), (target_per_user, ymax * 1.1)], 6, 4, RED.stroke_width(2)));
        let _ = chart.draw_series(std::iter::once(Text::new(format!("TPOT {:.0} ms", 1000.0 / target_per_user), (target_per_user, ymax * 1.08), font(12.0).color(&RED).pos(Pos::new(HPos::Left, VPos::Top)))));
        for (k, (label, p)) in lines.iter().enumerate() {
            let c = SERIES[k % SERIES.len()];
            let _ = chart.draw_series(LineSeries::new(p.iter().copied(), c.stroke_width(2)));
            let _ = chart.draw_series(p.iter().map(|&q| Circle::new(q, 3, c.filled())));
            legend_entry(&root, (width as i32 - 250, 24 + 17 * k as i32), c, label);
        }
        let _ = root.present();
    }
    finish(svg, title)
}

/// The charts' mesh: a faint grid, 7 × 6 labels, whole numbers on x, `y_label` on y, and the
/// axes' names.
fn draw_mesh<X, Y>(chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>, x_axis: &str, y_axis: &str, y_label: &dyn Fn(&f64) -> String)
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let _ = chart
        .configure_mesh()
        .bold_line_style(INK.mix(0.12))
        .light_line_style(TRANSPARENT)
        .axis_style(INK.mix(0.5))
        .x_desc(x_axis)
        .y_desc(y_axis)
        .x_labels(7)
        .y_labels(6)
        .x_label_formatter(&|x| format!("{}", x.round() as u64))
        .y_label_formatter(y_label)
        .label_style(font(13.0).color(&INK))
        .axis_desc_style(font(13.0).color(&INK))
        .draw();
}

/// One legend line at `(lx, ly)`, drawn by hand at a fixed place: plotters' own legend
/// measures every label's text (a canvas round trip per label in the browser, ~10 ms in all).
fn legend_entry(root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, (lx, ly): (i32, i32), c: RGBColor, label: &str) {
    let _ = root.draw(&PathElement::new([(lx, ly), (lx + 18, ly)], c.stroke_width(2)));
    let _ = root.draw(&Text::new(label.to_string(), (lx + 24, ly), font(12.0).color(&INK).pos(Pos::new(HPos::Left, VPos::Center))));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_chart_is_an_svg_that_follows_the_theme() {
        let bars = vec![
            Bar { label: "bf16".into(), gib: 16.0, highlight: true },
            Bar { label: "q4_k_m <x>".into(), gib: 5.0, highlight: false },
        ];
        let lines = vec![Line { label: "1× 24".into(), gib: 24.0 }, Line { label: "2×".into(), gib: 48.0 }];
        let svg = format_chart(&bars, &lines, "Memory & formats", "GiB", &|x| format!("{x:.0}"));
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("role=\"img\"><title>Memory &amp; formats</title>"));
        assert!(svg.contains("currentColor") && !svg.contains(INK_HEX));
        assert!(svg.contains("bf16") && svg.contains("q4_k_m &lt;x&gt;"));
        assert!(svg.contains("1× 24"));
        let file = standalone(&svg, true);
        assert!(!file.contains("currentColor") && file.contains("fill=\"#111827\"") && file.contains("xmlns="));
        // Nothing to draw is not a crash.
        assert_eq!(format_chart(&[], &[], "t", "a", &|x| x.to_string()), "");
        let one = [Bar { label: "x".into(), gib: 0.0, highlight: false }];
        assert!(format_chart(&one, &[], "t", "a", &|x| x.to_string()).starts_with("<svg"));
    }

    #[test]
    fn cost_chart_marks_the_minimum() {
        let s = vec![
            CostLine { label: "H100 own".into(), color: 0, dashed: false, points: (0..7).map(|i| (1u64 << i, 30000.0 * (1u64 << i) as f64)).collect(), min_count: Some(2) },
            CostLine { label: "H100 rent".into(), color: 0, dashed: true, points: (0..7).map(|i| (1u64 << i, 20000.0 * (1u64 << i) as f64)).collect(), min_count: Some(2) },
        ];
        let svg = cost_chart(&s, "cost", "cards", "USD", &|y| format!("${y:.0}"));
        assert!(svg.contains("<circle") && svg.contains("H100 rent"));
        assert_eq!(cost_chart(&[], "c", "x", "y", &|y| y.to_string()), "");
    }

    #[test]
    fn the_cost_chart_of_a_real_scenario_marks_its_minimum() {
        use crate::inputs::Scenario;
        use crate::results::memory::required_by_count;
        use crate::results::money::cost_series;
        use gpuplan_core::memory::Model;
        let cat = gpuplan_core::catalog::load().unwrap();
        let s = Scenario::default();
        let model = Model::new(cat.model(&s.preset).unwrap().arch().unwrap());
        let w = s.workload(80_000_000_000).unwrap();
        let e = s.cost_settings(cat.fx.cny_per_usd).unwrap();
        let lines = cost_series(cat.gpu("nvidia-h100-sxm5-80gb").unwrap(), &cat.gpus, &required_by_count(&model, &w), &e, "own", "rent");
        let svg = cost_chart(&lines, "t", "x", "y", &|y| format!("{y:.0}"));
        assert!(svg.contains("<circle"));
    }
}
