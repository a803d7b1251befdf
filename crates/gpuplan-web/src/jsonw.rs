//! JSON text from a `serde_json::Value`, written with `core::fmt` (the page's one float
//! formatter). `serde_json::to_string` would link a second float formatter and its tables
//! (about 8 KB gzip of the bundle) for the three places the page writes JSON: the results
//! export, a dropped file's architecture and a minified config.

use core::fmt::Write;
use gpuplan_files::json::push_string;
use serde_json::Value;

/// Compact JSON, as `serde_json::to_string` writes it (floats in Rust's shortest round-trip
/// form, so `from_str` reads back the same value).
pub fn to_string(v: &Value) -> String {
    let mut s = String::new();
    write(&mut s, v, None, 0);
    s
}

/// Indented by two spaces, as `serde_json::to_string_pretty`.
pub fn to_string_pretty(v: &Value) -> String {
    let mut s = String::new();
    write(&mut s, v, Some(2), 0);
    s
}

fn newline(out: &mut String, indent: Option<usize>, level: usize) {
    if let Some(n) = indent {
        out.push('\n');
        for _ in 0..n * level {
            out.push(' ');
        }
    }
}

fn write(out: &mut String, v: &Value, indent: Option<usize>, level: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                // A whole float keeps its ".0" so it reads back as a float. No exponent form:
                // `{:e}` would link core's exponential float formatter (≈ 0.5 KB gzip) for
                // numbers the page never exports (`{}` spells 1e300 out in digits, still exact).
                if !f.is_finite() {
                    out.push_str("null");
                } else if f == f.trunc() && f.abs() < 1e16 {
                    let _ = write!(out, "{f:.1}");
                } else {
                    let _ = write!(out, "{f}");
                }
            }
        }
        Value::String(s) => push_string(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write(out, x, indent, level + 1);
            }
            if !a.is_empty() {
                newline(out, indent, level);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                push_string(out, k);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write(out, x, indent, level + 1);
            }
            if !m.is_empty() {
                newline(out, indent, level);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_back_as_the_same_value_and_matches_serde_json() {
        let v = json!({
            "a": 1, "b": -7, "c": 0.1, "d": 500000.0, "e": 1e-7, "f": 1e300,
            "g": "quote \" backslash \\ newline \n tab \t bell \u{7} 中文", "h": [true, false, null, [], {}],
            "i": {"nested": [1.5, 2, {"x": "y"}]}, "j": u64::MAX, "k": i64::MIN,
        });
        for text in [to_string(&v), to_string_pretty(&v)] {
            let back: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, v, "{text}");
        }
        let simple = json!({"k": [1, "two", null, true, {"x": 2.5}], "e": {}});
        assert_eq!(to_string(&simple), serde_json::to_string(&simple).unwrap());
        assert_eq!(to_string_pretty(&simple), serde_json::to_string_pretty(&simple).unwrap());
        // Floats that are whole stay floats.
        assert_eq!(to_string(&json!(3.0)), "3.0");
        assert_eq!(to_string(&json!(2.5e-9)), "0.0000000025");
    }
}
