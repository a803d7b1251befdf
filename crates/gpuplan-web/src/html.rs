//! HTML written as text (one string per section, set as an element's `innerHTML`: smaller in
//! the bundle than a typed view tree), made safe by construction: [`Html::raw`] takes only
//! `&'static str` — markup written in this crate's source — and everything else goes through
//! [`Html::text`] or [`Html::num`], which escape it. A name from a dropped file, a card from the
//! catalog or a number in any locale cannot reach the page as markup.
//!
//! Translations are `&'static str` too; `i18n`'s test checks that none contains `<`, `>`, `&`
//! or `"`, so they are plain text whichever method writes them.

use core::fmt::Display;

/// An HTML fragment under construction.
#[derive(Default)]
pub struct Html(String);

impl Html {
    pub fn with_capacity(n: usize) -> Html {
        Html(String::with_capacity(n))
    }

    /// Appends markup from this crate's source (tags, attribute names, fixed classes).
    // Not inlined: one call per piece keeps the writers as small in the bundle as `format!`.
    #[inline(never)]
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.0.push_str(markup);
        self
    }

    /// Appends `s` with `&`, `<`, `>` and `"` escaped: safe as text and as a quoted attribute.
    #[inline(never)]
    pub fn text(&mut self, s: &str) -> &mut Html {
        escape_into(&mut self.0, s);
        self
    }

    /// Appends a value's `Display` text, escaped (numbers, enum names).
    pub fn num(&mut self, v: impl Display) -> &mut Html {
        escape_into(&mut self.0, &v.to_string());
        self
    }

    /// Appends another fragment built the same way.
    pub fn append(&mut self, other: Html) -> &mut Html {
        self.0.push_str(&other.0);
        self
    }

    /// Appends a picture drawn by plotters (see [`Svg`]).
    pub fn svg(&mut self, svg: &Svg) -> &mut Html {
        self.0.push_str(&svg.0);
        self
    }

    pub fn finish(self) -> String {
        self.0
    }
}

/// A picture drawn by plotters' SVG backend, as `report::charts` sets its charts into the page:
/// plotters escapes every text it draws (`plotters-svg`'s `escape_and_push`), and the title this
/// crate adds goes through [`escape`], so the string is markup written by this crate's code,
/// like [`Html::raw`]'s, and [`Html::svg`] appends it as is.
pub struct Svg(String);

impl Svg {
    /// Wraps plotters' output (the string an `SVGBackend` wrote); never text from elsewhere.
    pub(crate) fn from_plotters(svg: String) -> Svg {
        Svg(svg)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[inline(never)]
fn escape_into(out: &mut String, s: &str) {
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
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    escape_into(&mut o, s);
    o
}

/// A paragraph of one translated or fixed line with a class (status lines, messages).
pub fn paragraph(class: &'static str, role_status: bool, s: &str) -> String {
    let mut h = Html::with_capacity(s.len() + 48);
    h.raw("<p class=\"").raw(class).raw(if role_status { "\" role=\"status\">" } else { "\">" }).text(s).raw("</p>");
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_numbers_are_escaped_raw_is_not() {
        let mut h = Html::default();
        h.raw("<b title=\"").text("a\"<b>&").raw("\">").text("中文 · 19,3 GB").num(-1.5).raw("</b>");
        assert_eq!(h.finish(), "<b title=\"a&quot;&lt;b&gt;&amp;\">中文 · 19,3 GB-1.5</b>");
        assert_eq!(escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
        assert_eq!(paragraph("stale", true, "<x>"), "<p class=\"stale\" role=\"status\">&lt;x&gt;</p>");
    }
}
