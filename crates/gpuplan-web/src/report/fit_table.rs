//! The every-card table's body: one row per card (its name a button carrying `data-card`).

use crate::catalog::CardSpec;
use crate::html::Html;
use crate::i18n::{Lang, Phrase};
use crate::numbers::NumFmt;
use crate::results::memory::FitRow;

/// The rows, in `rows`' order; `chosen` is the scenario's card id.
pub fn rows(lang: Lang, nf: NumFmt, cards: &[CardSpec], rows: &[FitRow], chosen: &str) -> String {
    let mut h = Html::with_capacity(8192);
    for r in rows {
        let card = &cards[r.card];
        h.raw(if r.fits_now { "<tr class=\"fits" } else { "<tr class=\"nofit" }).raw(if card.id == chosen { " chosen\">" } else { "\">" });
        h.raw("<th scope=\"row\"><button type=\"button\" class=\"linklike\" data-card=\"").text(&card.id).raw("\" title=\"").text(lang.t(Phrase::Choose)).raw("\">");
        h.text(&card.name).raw("</button></th><td class=\"num\">").text(&nf.bytes(card.memory_bytes)).raw("</td><td>");
        h.raw(if r.fits_now { "✓ " } else { "✗ " }).text(lang.t(if r.fits_now { Phrase::Yes } else { Phrase::No }));
        h.raw("</td><td class=\"num\">").text(&r.cards_needed.map_or_else(|| lang.t(Phrase::Never).to_string(), |k| nf.int(k)));
        h.raw("</td><td class=\"num\">").text(&r.headroom.map_or("—".to_string(), |b| nf.bytes_signed(b)));
        h.raw("</td><td class=\"num\">").text(&card.purchase_usd.map_or("—".to_string(), |p| nf.usd(p))).raw("</td></tr>");
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::memory::fit_rows;

    #[test]
    fn rows_escape_names_and_mark_the_chosen_card() {
        let cards = vec![CardSpec { id: "a\"b".into(), name: "<A>".into(), vendor: String::new(), memory_bytes: 24_000_000_000, purchase_usd: None, rent_usd_per_hour: None }];
        let r = fit_rows(&cards, &[(1, Some(1_000_000_000))], 1);
        let h = rows(Lang::En, NumFmt::default(), &cards, &r, "a\"b");
        assert!(h.starts_with("<tr class=\"fits chosen\">") && h.contains("data-card=\"a&quot;b\"") && h.contains("&lt;A&gt;"), "{h}");
    }
}
