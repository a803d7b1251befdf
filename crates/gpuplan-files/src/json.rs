//! JSON text helpers shared by the safetensors builder and the web app's JSON writer.

use alloc::string::String;

/// Appends `s` as a JSON string literal: `"` and `\` escaped, `\n`/`\r`/`\t`, other
/// control characters as `\u00XX`, everything else as it is.
pub fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                let hex = b"0123456789abcdef";
                let code = c as usize;
                out.push(char::from(hex.get(code >> 4).copied().unwrap_or(b'0')));
                out.push(char::from(hex.get(code & 15).copied().unwrap_or(b'0')));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
