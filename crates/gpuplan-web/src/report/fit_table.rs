//! The every-card table's body: one row per card (its name a button carrying `data-card`).

use crate::catalog::CardSpec;
use crate::html::Html;
use crate::i18n::{tw, Lang, Worded};
use crate::numbers::NumFmt;
use crate::results::memory::FitRow;

/// One card's llama.cpp answer for the table's last two columns: whether the run fits with
/// part of it in system RAM (`-ngl` of all layers), and the largest context that fits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Offload {
    pub fits: bool,
    pub n_gpu_layers: u64,
    pub all_layers: u64,
    pub max_ctx: u64,
}

/// The rows, in `rows`' order; `chosen` is the scenario's card id; `offload`, by card index,
/// fills the "fits with offload" and "largest context" columns (the worker computes them).
pub fn rows(lang: Lang, nf: NumFmt, cards: &[CardSpec], rows: &[FitRow], chosen: &str, offload: &[Option<Offload>]) -> String {
    let mut h = Html::with_capacity(8192);
    for r in rows {
        let card = &cards[r.card];
        h.raw(match (r.fits_now, r.tight) {
            (true, true) => "<tr class=\"fits tight",
            (true, false) => "<tr class=\"fits",
            (false, _) => "<tr class=\"nofit",
        });
        h.raw(if card.id == chosen { " chosen\">" } else { "\">" });
        h.raw("<th scope=\"row\"><button type=\"button\" class=\"linklike\" data-card=\"").text(&card.id).raw("\" title=\"").text(tw(lang, Worded::Choose)).raw("\">");
        h.text(&card.name).raw("</button></th><td class=\"num\">").text(&nf.bytes(card.memory_bytes)).raw("</td><td>");
        let word = match (r.fits_now, r.tight) {
            (true, true) => Worded::YesTight,
            (true, false) => Worded::Yes,
            (false, _) => Worded::No,
        };
        h.raw(if r.fits_now { "✓ " } else { "✗ " }).text(tw(lang, word));
        h.raw("</td><td class=\"num\">").text(&r.cards_needed.map_or_else(|| tw(lang, Worded::Never).to_string(), |k| nf.int(k)));
        h.raw("</td><td class=\"num\">").text(&r.headroom.map_or("—".to_string(), |b| nf.bytes_signed(b)));
        h.raw("</td><td class=\"num\">").text(&card.purchase_usd.map_or("—".to_string(), |p| nf.usd(p))).raw("</td>");
        if let Some(o) = offload.get(r.card) {
            h.raw("<td data-col=\"offload\">");
            match o {
                Some(o) if o.fits => {
                    h.raw("✓ -ngl ").num(o.n_gpu_layers).raw("/").num(o.all_layers);
                }
                _ => {
                    h.raw("✗");
                }
            }
            h.raw("</td><td class=\"num\" data-col=\"max-ctx\">").text(&o.filter(|o| o.max_ctx > 0).map_or("—".to_string(), |o| nf.int(o.max_ctx))).raw("</td>");
        }
        h.raw("</tr>");
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::memory::{fit_rows, Need};

    fn card(id: &str, name: &str, bytes: u64) -> CardSpec {
        CardSpec { id: id.into(), name: name.into(), vendor: String::new(), memory_bytes: bytes, purchase_usd: None, rent_usd_per_hour: None }
    }

    #[test]
    fn rows_escape_names_and_mark_the_chosen_card() {
        let cards = vec![card("a\"b", "<A>", 24_000_000_000)];
        let r = fit_rows(&cards, &[(1, Some(Need { bytes: 1_000_000_000, slack: 0 }))], 1);
        let h = rows(Lang::En, NumFmt::default(), &cards, &r, "a\"b", &[]);
        assert!(h.starts_with("<tr class=\"fits chosen\">") && h.contains("data-card=\"a&quot;b\"") && h.contains("&lt;A&gt;"), "{h}");
    }

    #[test]
    fn a_card_over_only_by_the_slack_is_tight_and_counts_as_one() {
        // 10 GiB needed of which 1 GiB is allocator slack: 9.5 GiB is tight, 8.5 GiB is not enough.
        let need = Need { bytes: 10 << 30, slack: 1 << 30 };
        let cards = vec![card("big", "Big", 12 << 30), card("tight", "Tight", 19 << 29), card("small", "Small", 17 << 29)];
        let r = fit_rows(&cards, &[(1, Some(need)), (2, Some(Need { bytes: 5 << 30, slack: 1 << 29 }))], 1);
        assert_eq!(r.iter().map(|r| (r.fits_now, r.tight, r.cards_needed)).collect::<Vec<_>>(), [(true, false, Some(1)), (true, true, Some(1)), (false, false, Some(2))]);
        let h = rows(Lang::En, NumFmt::default(), &cards, &r, "big", &[]);
        assert!(h.contains("<tr class=\"fits tight\">") && h.contains("✓ yes, tight") && h.contains("✗ no"), "{h}");
    }
}
