//! Test-only: an RFC 4180 reader for the reference tables the tests compare against
//! (`data/reference/gpu-specs.csv`, `published-sizes.csv`).

use alloc::string::String;
use alloc::vec::Vec;

/// The rows of a CSV text: quoted fields may hold commas, doubled quotes and newlines; `\r` is
/// dropped outside quotes.
pub fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(core::mem::take(&mut field)),
            ('\n', false) => {
                row.push(core::mem::take(&mut field));
                rows.push(core::mem::take(&mut row));
            }
            ('\r', false) => {}
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}
