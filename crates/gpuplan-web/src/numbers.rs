//! Numbers in, strings out (and back): the reader's digit grouping and decimal mark, byte sizes,
//! parameter counts, money, and the lenient parsing of what people type into number fields.
//! Pure; unit-tested on the host.

use crate::i18n::Lang;

/// How the reader's locale writes numbers (read once from `Intl.NumberFormat` in the browser).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumFmt {
    /// Thousands separator (`,` in en/zh, `.` in de, a narrow space in fr); `None` = no grouping.
    pub group: Option<char>,
    /// Decimal mark.
    pub decimal: char,
}

impl Default for NumFmt {
    fn default() -> Self {
        NumFmt { group: Some(','), decimal: '.' }
    }
}

/// Memory is shown in binary units (GiB = 2³⁰ bytes), as the CLI prints it and as drivers
/// report capacities (an H100 "80GB" is 81,559 MiB = 79.6 GiB): a requirement and a capacity
/// compare directly. The card's label ("80GB") stays in its name.
const GIB: f64 = (1u64 << 30) as f64;
const MIB: f64 = (1u64 << 20) as f64;

impl NumFmt {
    /// Builds the format from a sample such as `Intl.NumberFormat().format(1234567.5)`.
    pub fn from_sample(sample: &str) -> NumFmt {
        // The last non-digit is the decimal mark; the first non-digit before it (if any) groups.
        // A digit is any Unicode decimal digit (ar-EG writes `١٬٢٣٤٬٥٦٧٫٥`), and the invisible
        // direction marks some locales add (U+061C, U+200E, U+200F) are not marks.
        let marks: Vec<char> = sample.chars().filter(|c| !c.is_numeric() && !matches!(c, '\u{61C}' | '\u{200E}' | '\u{200F}')).collect();
        match marks.as_slice() {
            [] => NumFmt::default(),
            [d] => NumFmt { group: None, decimal: *d },
            [g, .., d] => NumFmt { group: Some(*g), decimal: *d },
        }
    }

    /// An integer with digit grouping: `1234567` → `1,234,567`.
    pub fn int(&self, n: u64) -> String {
        let digits = n.to_string();
        let Some(g) = self.group else { return digits };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(g);
            }
            out.push(c);
        }
        out
    }

    /// A signed integer with grouping.
    pub fn signed(&self, n: i64) -> String {
        if n < 0 {
            format!("−{}", self.int(n.unsigned_abs()))
        } else {
            self.int(n as u64)
        }
    }

    /// `x` with exactly `decimals` decimals, grouped: `1234.5, 1` → `1,234.5`.
    pub fn fixed(&self, x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return "—".into();
        }
        let neg = x < 0.0;
        let s = format!("{:.*}", decimals, x.abs());
        let (int_part, frac) = match s.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (s.as_str(), None),
        };
        let mut out = String::new();
        if neg && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
            out.push('−');
        }
        out.push_str(&self.int(int_part.parse::<u64>().unwrap_or(0)));
        if let Some(f) = frac {
            out.push(self.decimal);
            out.push_str(f);
        }
        out
    }

    /// Three significant digits at most, never scientific: 0.0123 → 0.0123, 12.345 → 12.3, 1234.5 → 1,235.
    pub fn sig(&self, x: f64) -> String {
        let a = x.abs();
        let d = if a >= 100.0 || a == 0.0 {
            0
        } else if a >= 10.0 {
            1
        } else if a >= 1.0 {
            2
        } else if a >= 0.1 {
            3
        } else {
            4
        };
        self.fixed(x, d)
    }

    /// Bytes as GiB with one decimal (MiB below 1 GiB): `17.9 GiB`.
    pub fn bytes(&self, b: u64) -> String {
        let b = b as f64;
        if b >= GIB {
            format!("{} GiB", self.fixed(b / GIB, if b >= 1000.0 * GIB { 0 } else { 1 }))
        } else if b >= MIB || b == 0.0 {
            format!("{} MiB", self.fixed(b / MIB, 0))
        } else {
            format!("{} KiB", self.fixed(b / 1024.0, 0))
        }
    }

    /// Signed bytes (headroom): `−3.2 GiB`.
    pub fn bytes_signed(&self, b: i64) -> String {
        if b < 0 {
            format!("−{}", self.bytes(b.unsigned_abs()))
        } else {
            self.bytes(b as u64)
        }
    }

    /// A parameter count: `8.03 B` / `80.3 亿`.
    pub fn params(&self, n: u64, lang: Lang) -> String {
        let x = n as f64;
        match lang {
            Lang::En => {
                if x >= 1e12 {
                    format!("{} T", self.sig(x / 1e12))
                } else if x >= 1e9 {
                    format!("{} B", self.sig(x / 1e9))
                } else {
                    format!("{} M", self.sig(x / 1e6))
                }
            }
            Lang::ZhHans | Lang::ZhHant => {
                let (zhao, yi, wan) = if lang == Lang::ZhHans { ("万亿", "亿", "万") } else { ("兆", "億", "萬") };
                if x >= 1e12 {
                    format!("{} {}", self.sig(x / 1e12), zhao)
                } else if x >= 1e8 {
                    format!("{} {}", self.sig(x / 1e8), yi)
                } else {
                    format!("{} {}", self.sig(x / 1e4), wan)
                }
            }
        }
    }

    /// US dollars, whole below a million: `$12,345`; `$1.2 M` above.
    pub fn usd(&self, x: f64) -> String {
        if !x.is_finite() {
            return "—".into();
        }
        if x.abs() >= 1e6 {
            format!("${} M", self.fixed(x / 1e6, 2))
        } else if x.abs() >= 100.0 {
            format!("${}", self.fixed(x, 0))
        } else {
            format!("${}", self.fixed(x, 2))
        }
    }
}

/// Why a typed number was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumErr {
    Empty,
    NotNumber,
    Negative,
    NotWhole,
    TooLarge,
}

/// Largest whole number the form accepts in any field before the core's own range checks.
pub const MAX_TYPED: u64 = 1 << 50;

/// Reads `digits[.digits]` (what the form's fields accept once cleaned) as an f64, exactly
/// rounded when it has at most 15 significant digits and at most 22 after the point (Clinger's
/// fast path: one rounding of an exact integer by an exact power of ten), within an ulp or two
/// beyond. `str::parse::<f64>` is exact everywhere but links core's Eisel-Lemire tables
/// (about 8 KB gzip of the bundle) for nothing a person types into this form.
pub fn decimal(s: &str) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
        1e21, 1e22,
    ];
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut exp: i32 = 0;
    for b in int.bytes() {
        if mantissa < 100_000_000_000_000_000 {
            mantissa = mantissa * 10 + u64::from(b - b'0');
        } else {
            exp += 1; // digits beyond 18 significant ones only scale
        }
    }
    for b in frac.bytes() {
        if mantissa < 100_000_000_000_000_000 {
            mantissa = mantissa * 10 + u64::from(b - b'0');
            exp -= 1;
        }
    }
    let m = mantissa as f64;
    let mut e = exp;
    let mut x = m;
    while e > 22 {
        x *= 1e22;
        e -= 22;
    }
    while e < -22 {
        x /= 1e22;
        e += 22;
    }
    Some(if e >= 0 { x * POW10[e as usize] } else { x / POW10[(-e) as usize] })
}

fn clean(s: &str) -> String {
    s.trim().chars().filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}' | '\u{202f}' | '\'')).collect()
}

/// Parses a whole number as people type it: `4096`, `4,096`, `4k` (`k` = ×`k_unit`), `1.5M`.
pub fn parse_whole(s: &str, k_unit: u64) -> Result<u64, NumErr> {
    let t = clean(s);
    if t.is_empty() {
        return Err(NumErr::Empty);
    }
    let (num, mult) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], k_unit),
        Some((i, 'm' | 'M')) => (&t[..i], k_unit * k_unit),
        _ => (t.as_str(), 1),
    };
    if num.starts_with('-') || num.starts_with('−') {
        return if num.len() > 1 && decimal(&num[num.chars().next().map_or(1, char::len_utf8)..]).is_some() {
            Err(NumErr::Negative)
        } else {
            Err(NumErr::NotNumber)
        };
    }
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') || num.chars().filter(|&c| c == '.').count() > 1 {
        return Err(NumErr::NotNumber);
    }
    if mult == 1 && !num.contains('.') {
        return match num.parse::<u64>() {
            Ok(n) if n <= MAX_TYPED => Ok(n),
            _ => Err(NumErr::TooLarge),
        };
    }
    let x: f64 = decimal(num).ok_or(NumErr::NotNumber)?;
    let v = x * mult as f64;
    if !v.is_finite() || v > MAX_TYPED as f64 {
        return Err(NumErr::TooLarge);
    }
    if (v - v.round()).abs() > 1e-9 {
        return Err(NumErr::NotWhole);
    }
    Ok(v.round() as u64)
}

/// Parses a positive decimal (prices, TFLOPS): `1,599.99`, `82.6`.
pub fn parse_decimal(s: &str, max: f64) -> Result<f64, NumErr> {
    let t = clean(s);
    if t.is_empty() {
        return Err(NumErr::Empty);
    }
    if t.starts_with('-') || t.starts_with('−') {
        return Err(NumErr::Negative);
    }
    if !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(NumErr::NotNumber);
    }
    let x: f64 = decimal(&t).ok_or(NumErr::NotNumber)?;
    if !x.is_finite() {
        return Err(NumErr::NotNumber);
    }
    if x > max {
        return Err(NumErr::TooLarge);
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_reads_what_people_type_like_str_parse() {
        for t in ["0", "1", "4096", "0.5", ".5", "5.", "82.6", "1599.99", "0.000001", "3.14159265358979", "123456789012345678901234567890", "1.7976931348623157", "00012.3400"] {
            let ours = decimal(t).unwrap();
            let std_: f64 = t.parse().unwrap();
            assert!((ours - std_).abs() <= std_.abs() * 4.0 * f64::EPSILON, "{t}: {ours} vs {std_}");
        }
        for t in ["82.6", "0.1", "1599.99", "4096", "2.5"] {
            assert_eq!(decimal(t), t.parse().ok(), "{t} is exact");
        }
        for t in ["", ".", "1.2.3", "-1", "1e5", "abc", "NaN", "inf", "1,5", " 1"] {
            assert_eq!(decimal(t), None, "{t:?}");
        }
    }

    #[test]
    fn groups_and_decimals_follow_the_locale() {
        let en = NumFmt::default();
        assert_eq!(en.int(0), "0");
        assert_eq!(en.int(999), "999");
        assert_eq!(en.int(1234567), "1,234,567");
        assert_eq!(en.fixed(1234.56, 1), "1,234.6");
        assert_eq!(en.fixed(-0.01, 1), "0.0");
        assert_eq!(en.fixed(f64::NAN, 1), "—");
        let de = NumFmt::from_sample("1.234.567,5");
        assert_eq!(de, NumFmt { group: Some('.'), decimal: ',' });
        assert_eq!(de.fixed(1234.5, 1), "1.234,5");
        let plain = NumFmt::from_sample("1234567.5");
        assert_eq!(plain.int(1234567), "1234567");
        assert_eq!(NumFmt::from_sample("1 234 567,5").fixed(1234.5, 1), "1 234,5");
        // ar-EG: Arabic-Indic digits, U+066C groups, U+066B is the decimal mark.
        let ar = NumFmt::from_sample("١٬٢٣٤٬٥٦٧٫٥");
        assert_eq!(ar, NumFmt { group: Some('\u{66C}'), decimal: '\u{66B}' });
        assert_eq!(ar.int(1953), "1\u{66C}953");
        assert_eq!(NumFmt::from_sample("\u{200F}1,234,567.5"), NumFmt::default());
    }

    #[test]
    fn sizes_and_counts() {
        let f = NumFmt::default();
        assert_eq!(f.bytes(16_000_000_000), "14.9 GiB");
        assert_eq!(f.bytes(512 << 20), "512 MiB");
        assert_eq!(f.bytes(80 << 30), "80.0 GiB");
        // An H100 as its driver reports it: 81,559 MiB.
        assert_eq!(f.bytes(81_559 << 20), "79.6 GiB");
        assert_eq!(f.bytes_signed(-(3 << 30)), "−3.0 GiB");
        assert_eq!(f.params(8_030_261_248, Lang::En), "8.03 B");
        assert_eq!(f.params(8_030_261_248, Lang::ZhHans), "80.3 亿");
        assert_eq!(f.params(671_000_000_000, Lang::ZhHant), "6,710 億");
        assert_eq!(f.params(494_000_000, Lang::En), "494 M");
        assert_eq!(f.usd(2.5), "$2.50");
        assert_eq!(f.usd(30000.0), "$30,000");
        assert_eq!(f.usd(2_500_000.0), "$2.50 M");
    }

    #[test]
    fn typed_numbers_are_read_leniently_and_refused_with_a_reason() {
        assert_eq!(parse_whole("4096", 1024), Ok(4096));
        assert_eq!(parse_whole(" 4,096 ", 1024), Ok(4096));
        assert_eq!(parse_whole("4k", 1024), Ok(4096));
        assert_eq!(parse_whole("128K", 1024), Ok(131072));
        assert_eq!(parse_whole("1.5k", 1000), Ok(1500));
        assert_eq!(parse_whole("1M", 1024), Ok(1 << 20));
        assert_eq!(parse_whole("", 1), Err(NumErr::Empty));
        assert_eq!(parse_whole("-3", 1), Err(NumErr::Negative));
        assert_eq!(parse_whole("NaN", 1), Err(NumErr::NotNumber));
        assert_eq!(parse_whole("1e9", 1), Err(NumErr::NotNumber));
        assert_eq!(parse_whole("2.5", 1), Err(NumErr::NotWhole));
        assert_eq!(parse_whole("99999999999999999999999", 1), Err(NumErr::TooLarge));
        assert_eq!(parse_whole("-", 1), Err(NumErr::NotNumber));
        assert_eq!(parse_whole("k", 1024), Err(NumErr::NotNumber));
        assert_eq!(parse_decimal("1,599.99", 1e9), Ok(1599.99));
        assert_eq!(parse_decimal("-1", 1e9), Err(NumErr::Negative));
        assert_eq!(parse_decimal("inf", 1e9), Err(NumErr::NotNumber));
        assert_eq!(parse_decimal("1e400", 1e9), Err(NumErr::NotNumber));
        assert_eq!(parse_decimal("5000000000", 1e9), Err(NumErr::TooLarge));
    }

    #[test]
    fn small_sizes_are_not_rounded_to_zero() {
        let f = NumFmt::default();
        assert_eq!(f.bytes(131_072), "128 KiB");
        assert_eq!(f.bytes(0), "0 MiB");
        assert_eq!(f.bytes(2_600_000), "2 MiB");
    }
}
