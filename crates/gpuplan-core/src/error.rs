//! Errors that name the field, what was given and what is allowed.

use alloc::string::String;
use core::fmt;

/// A bad input: which field, what is wrong, what is allowed. Never a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The input's name as the user sees it (`--batch`, `hidden_size`, `config.json`).
    pub field: String,
    /// What is wrong and what is allowed, in one sentence.
    pub message: String,
}

impl InputError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        InputError { field: field.into(), message: message.into() }
    }

    /// `field` must lie in `min..=max`: "0 is too small; must be a whole number from 1 to 65536".
    pub fn range(field: &str, value: u64, min: u64, max: u64) -> Self {
        let what = if value > max { "too large" } else { "too small" };
        InputError::new(field, alloc::format!("{value} is {what}; {}", whole_rule(min, max)))
    }

    /// `text` given for a whole number in `min..=max`. The one rule every whole-number input
    /// states, whatever was wrong: "-1 is too small", "0 is too small" (via [`InputError::range`]),
    /// "99999999999999999999 is too large", "\"2.5\" is not a whole number", "\"many\" is not a
    /// number", each followed by "; must be a whole number from MIN to MAX".
    pub fn whole_number(field: &str, text: &str, min: u64, max: u64) -> Result<u64, Self> {
        let t = text.trim();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let problem = if digits(t) {
            match t.parse::<u64>() {
                Ok(v) if (min..=max).contains(&v) => return Ok(v),
                Ok(v) => return Err(InputError::range(field, v, min, max)),
                Err(_) => alloc::format!("{t} is too large"),
            }
        } else if t.strip_prefix('-').is_some_and(digits) {
            alloc::format!("{t} is too small")
        } else if t.parse::<f64>().is_ok_and(f64::is_finite) {
            alloc::format!("\"{t}\" is not a whole number")
        } else {
            alloc::format!("\"{t}\" is not a number")
        };
        Err(InputError::new(field, alloc::format!("{problem}; {}", whole_rule(min, max))))
    }
}

/// "must be a whole number from MIN to MAX".
pub fn whole_rule(min: u64, max: u64) -> String {
    alloc::format!("must be a whole number from {min} to {max}")
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Checks `min <= value <= max` and names the field otherwise.
pub fn check_range(field: &str, value: u64, min: u64, max: u64) -> Result<u64, InputError> {
    if value < min || value > max {
        Err(InputError::range(field, value, min, max))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wrong_whole_number_states_the_same_rule() {
        let msg = |t: &str| InputError::whole_number("--batch", t, 1, 65_536).unwrap_err().message;
        let rule = "; must be a whole number from 1 to 65536";
        assert_eq!(msg("-1"), alloc::format!("-1 is too small{rule}"));
        assert_eq!(msg("0"), alloc::format!("0 is too small{rule}"));
        assert_eq!(InputError::range("--batch", 0, 1, 65_536).message, msg("0"), "the core's range check says the same");
        assert_eq!(msg("65537"), alloc::format!("65537 is too large{rule}"));
        assert_eq!(msg("99999999999999999999"), alloc::format!("99999999999999999999 is too large{rule}"));
        assert_eq!(msg("2.5"), alloc::format!("\"2.5\" is not a whole number{rule}"));
        assert_eq!(msg("many"), alloc::format!("\"many\" is not a number{rule}"));
        assert_eq!(msg(""), alloc::format!("\"\" is not a number{rule}"));
        assert_eq!(InputError::whole_number("--batch", " 8 ", 1, 65_536), Ok(8));
    }
}
