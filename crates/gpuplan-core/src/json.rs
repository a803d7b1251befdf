//! A small JSON reader and writer (RFC 8259) for what the estimator reads: `config.json`, the
//! catalog, safetensors headers and indexes. Objects keep their keys in file order (and every
//! duplicate, so a caller can refuse them); [`Map::get`] answers the last one, as serde_json does.
//!
//! Why not serde_json: in the web page it was the largest library after the UI framework
//! (its parser, its `BTreeMap` objects, its float tables and the derived visitors: about 20 KB
//! of the gzip bundle). This is a plain recursive-descent parser with serde_json's limits
//! (nesting depth 128) and the same kind of messages (`… at line L column C`).
//!
//! Numbers: an integer literal is kept exact (`u64`, or `i64` when negative); anything with a
//! fraction or an exponent is an `f64`, correctly rounded when it has at most 15 significant
//! digits and a decimal exponent within ±22 (Clinger's fast path, W. D. Clinger, "How to read
//! floating point numbers accurately", PLDI 1990), within a few ulps beyond: enough for the
//! floats a config holds (`rms_norm_eps`, `rope_theta`), none of which sizes memory.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

/// A JSON value.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// A JSON number: exact when it was written as an integer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(N);

#[derive(Clone, Copy, Debug, PartialEq)]
enum N {
    PosInt(u64),
    NegInt(i64),
    Float(f64),
}

impl Number {
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            N::PosInt(u) => Some(u),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            N::PosInt(u) => i64::try_from(u).ok(),
            N::NegInt(i) => Some(i),
            N::Float(_) => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        Some(match self.0 {
            N::PosInt(u) => u as f64,
            N::NegInt(i) => i as f64,
            N::Float(f) => f,
        })
    }
    /// A float (`None` for NaN and infinities, which JSON cannot write).
    pub fn from_f64(f: f64) -> Option<Number> {
        f.is_finite().then_some(Number(N::Float(f)))
    }
}

/// A JSON object: entries in file order.
#[derive(Clone, Debug, Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
}

/// Objects are equal when they have the same keys with equal values, in any order (as JSON
/// defines them, and as serde_json compares).
impl PartialEq for Map {
    fn eq(&self, o: &Map) -> bool {
        self.len() == o.len() && self.iter().all(|(k, v)| o.get(k) == Some(v))
    }
}

impl Map {
    pub fn new() -> Map {
        Map::default()
    }
    /// The value of `key` (the last one if the object repeats it).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets `key`, replacing its value where it is already present; returns the old value.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.get_mut(&key) {
            Some(slot) => Some(core::mem::replace(slot, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }
    /// Removes every entry of `key`; returns the last value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let mut out = None;
        self.entries.retain_mut(|(k, v)| {
            if k == key {
                out = Some(core::mem::take(v));
                false
            } else {
                true
            }
        });
        out
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// The entries in file order, duplicates included.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
    /// The first key (in file order) that repeats an earlier one. O(n log n): the entry
    /// indices are sorted by key (stable, so equal keys keep file order), and each run of equal
    /// keys names its second entry; the earliest of those is the answer. (Comparing every entry
    /// with all before it took 11–16 s on the 92,000 keys of DeepSeek-V3's safetensors index.)
    pub fn duplicate_key(&self) -> Option<&str> {
        self.first_repeat_by(&mut |a, b| a.cmp(b)).map(|i| self.entries[i].0.as_str())
    }
    /// The index of the first repeated key, comparing keys with `cmp` (its calls are counted
    /// by the test of the comparison count).
    fn first_repeat_by(&self, cmp: &mut dyn FnMut(&str, &str) -> core::cmp::Ordering) -> Option<usize> {
        let e = &self.entries;
        let mut order: Vec<usize> = (0..e.len()).collect();
        crate::sort::sort_by(&mut order, |&a, &b| cmp(&e[a].0, &e[b].0));
        order.windows(2).filter(|w| e[w[0]].0 == e[w[1]].0).map(|w| w[1]).min()
    }
    pub fn into_entries(self) -> Vec<(String, Value)> {
        self.entries
    }
}

impl Value {
    /// Orders every object's keys by their bytes, at every depth (stable: repeated keys keep
    /// their order). The CLI writes its `--json` this way, as serde_json's default map did.
    pub fn sort_keys(&mut self) {
        match self {
            Value::Object(m) => {
                crate::sort::sort_by(&mut m.entries, |a, b| a.0.cmp(&b.0));
                m.entries.iter_mut().for_each(|(_, v)| v.sort_keys());
            }
            Value::Array(a) => a.iter_mut().for_each(Value::sort_keys),
            _ => {}
        }
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = alloc::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        let mut m = Map::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl Value {
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// An object's value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }
}

static NULL: Value = Value::Null;

/// `v["key"]`: the key's value, or `null` (as serde_json).
impl core::ops::Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

/// `v["key"] = …`: turns `null` into an object and adds a missing key (as serde_json); panics
/// on other values, like serde_json. For tests and build tools.
impl core::ops::IndexMut<&str> for Value {
    fn index_mut(&mut self, key: &str) -> &mut Value {
        if self.is_null() {
            *self = Value::Object(Map::new());
        }
        let Value::Object(m) = self else { panic!("cannot index a non-object JSON value with a key") };
        if !m.contains_key(key) {
            m.entries.push((String::from(key), Value::Null));
        }
        m.get_mut(key).unwrap_or_else(|| unreachable!())
    }
}

/// `v[i]`: the element, or `null`.
impl core::ops::Index<usize> for Value {
    type Output = Value;
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

/// `v[i] = …`: panics where there is no such element, like serde_json.
impl core::ops::IndexMut<usize> for Value {
    fn index_mut(&mut self, i: usize) -> &mut Value {
        match self {
            Value::Array(a) => &mut a[i],
            _ => panic!("cannot index a non-array JSON value with a number"),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<u64> for Value {
    fn from(u: u64) -> Value {
        Value::Number(Number(N::PosInt(u)))
    }
}
impl From<u32> for Value {
    fn from(u: u32) -> Value {
        Value::from(u64::from(u))
    }
}
impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::from(i64::from(i))
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Number(Number(if i >= 0 { N::PosInt(i as u64) } else { N::NegInt(i) }))
    }
}
/// NaN and infinities become `null`, as serde_json writes them.
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(String::from(s))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

/// Builds an object from `(key, value)` pairs.
pub fn object<const K: usize>(pairs: [(&str, Value); K]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (String::from(k), v)).collect())
}

// ------------------------------------------------------------------------------------ reading

/// Why a text is not JSON, and where: 1-based line, and column in bytes from the line's start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub msg: &'static str,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {} column {}", self.msg, self.line, self.column)
    }
}

/// serde_json's default recursion limit.
pub const MAX_DEPTH: usize = 128;

/// Parses one JSON value (surrounding whitespace allowed, nothing else after it).
pub fn parse(text: &str) -> Result<Value, Error> {
    parse_bytes(text.as_bytes())
}

/// As [`parse`], from bytes that must be UTF-8 inside strings (JSON text is UTF-8).
pub fn parse_bytes(text: &[u8]) -> Result<Value, Error> {
    let mut p = Parser { b: text, i: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, msg: &'static str) -> Error {
        let upto = &self.b[..self.i.min(self.b.len())];
        let line = 1 + upto.iter().filter(|&&c| c == b'\n').count();
        let column = upto.iter().rev().take_while(|&&c| c != b'\n').count().max(1);
        Error { msg, line, column }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }
    fn eat(&mut self, lit: &[u8], v: Value) -> Result<Value, Error> {
        if self.b[self.i..].starts_with(lit) {
            self.i += lit.len();
            Ok(v)
        } else {
            self.i += 1;
            Err(self.err("expected value"))
        }
    }
    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        match self.peek() {
            None => Err(self.err("EOF while parsing a value")),
            Some(b'n') => self.eat(b"null", Value::Null),
            Some(b't') => self.eat(b"true", Value::Bool(true)),
            Some(b'f') => self.eat(b"false", Value::Bool(false)),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("recursion limit exceeded"));
                }
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::Array(items));
                        }
                        None => return Err(self.err("EOF while parsing a list")),
                        Some(_) => return Err(self.err("expected `,` or `]`")),
                    }
                }
            }
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("recursion limit exceeded"));
                }
                self.i += 1;
                let mut entries = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::Object(Map { entries }));
                }
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b'"') => {}
                        None => return Err(self.err("EOF while parsing an object")),
                        Some(_) => return Err(self.err("key must be a string")),
                    }
                    let k = self.string()?;
                    self.ws();
                    match self.peek() {
                        Some(b':') => self.i += 1,
                        None => return Err(self.err("EOF while parsing an object")),
                        Some(_) => return Err(self.err("expected `:`")),
                    }
                    self.ws();
                    let v = self.value(depth + 1)?;
                    entries.push((k, v));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Object(Map { entries }));
                        }
                        None => return Err(self.err("EOF while parsing an object")),
                        Some(_) => return Err(self.err("expected `,` or `}`")),
                    }
                }
            }
            Some(_) => {
                self.i += 1;
                Err(self.err("expected value"))
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut n = 0u32;
        for _ in 0..4 {
            let Some(c) = self.peek() else { return Err(self.err("EOF while parsing a string")) };
            self.i += 1;
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(self.err("invalid escape")),
            };
            n = n * 16 + u32::from(d);
        }
        Ok(n)
    }

    /// A string literal; `self.i` is at its opening quote.
    fn string(&mut self) -> Result<String, Error> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let start = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.extend_from_slice(&self.b[start..self.i]);
            match self.peek() {
                None => return Err(self.err("EOF while parsing a string")),
                Some(b'"') => {
                    self.i += 1;
                    return String::from_utf8(out).map_err(|_| self.err("invalid unicode code point"));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(e) = self.peek() else { return Err(self.err("EOF while parsing a string")) };
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.b[self.i..].starts_with(b"\\u") {
                                    return Err(self.err("lone leading surrogate in hex escape"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("lone leading surrogate in hex escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or_else(|| self.err("invalid unicode code point"))?
                        }
                        _ => return Err(self.err("invalid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                Some(_) => {
                    self.i += 1;
                    return Err(self.err("control character (\\u0000-\\u001F) found while parsing a string"));
                }
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.i;
        let neg = self.peek() == Some(b'-');
        if neg {
            self.i += 1;
        }
        let int_start = self.i;
        let n_int = self.digits();
        if n_int == 0 {
            return Err(self.err("invalid number"));
        }
        if n_int > 1 && self.b[int_start] == b'0' {
            return Err(self.err("invalid number"));
        }
        let int_end = self.i;
        let (mut frac_start, mut frac_end) = (self.i, self.i);
        if self.peek() == Some(b'.') {
            self.i += 1;
            frac_start = self.i;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
            frac_end = self.i;
        }
        let mut exp: i64 = 0;
        let mut has_exp = false;
        if let Some(b'e' | b'E') = self.peek() {
            has_exp = true;
            self.i += 1;
            let eneg = match self.peek() {
                Some(b'-') => {
                    self.i += 1;
                    true
                }
                Some(b'+') => {
                    self.i += 1;
                    false
                }
                _ => false,
            };
            let es = self.i;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
            for &d in &self.b[es..self.i] {
                exp = (exp * 10 + i64::from(d - b'0')).min(100_000);
            }
            if eneg {
                exp = -exp;
            }
        }
        let is_float = has_exp || frac_end > frac_start;
        if !is_float {
            let mut u: u64 = 0;
            let mut fits = true;
            for &d in &self.b[int_start..int_end] {
                match u.checked_mul(10).and_then(|x| x.checked_add(u64::from(d - b'0'))) {
                    Some(x) => u = x,
                    None => {
                        fits = false;
                        break;
                    }
                }
            }
            if fits {
                if !neg {
                    return Ok(Value::from(u));
                }
                if u == 0 {
                    return Ok(Value::from(0u64));
                }
                if u <= i64::MAX as u64 + 1 {
                    return Ok(Value::Number(Number(N::NegInt((u as i64).wrapping_neg()))));
                }
            }
        }
        // A float: up to 19 significant digits, the rest only scale.
        let mut mantissa: u64 = 0;
        let mut dexp: i64 = exp;
        for (k, &d) in self.b[int_start..int_end].iter().chain(&self.b[frac_start..frac_end]).enumerate() {
            let in_frac = k >= int_end - int_start;
            if mantissa < 1_000_000_000_000_000_000 {
                mantissa = mantissa * 10 + u64::from(d - b'0');
                if in_frac {
                    dexp -= 1;
                }
            } else if !in_frac {
                dexp += 1;
            }
        }
        let f = scale(mantissa, dexp);
        if !f.is_finite() {
            self.i = start;
            return Err(self.err("number out of range"));
        }
        Ok(Value::Number(Number(N::Float(if neg { -f } else { f }))))
    }
}

/// `m · 10^e`: one correctly rounded step when `m < 2^53` and `|e| ≤ 22` (Clinger's fast
/// path: both factors exact), otherwise `m` times `libm::pow(10, e)` (each within an ulp), in two
/// steps near the ends of the range so the power itself neither overflows nor underflows.
fn scale(m: u64, e: i64) -> f64 {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
        1e21, 1e22,
    ];
    if m == 0 {
        return 0.0;
    }
    let x = m as f64;
    if m < 1 << 53 && (-22..=22).contains(&e) {
        return if e >= 0 { x * POW10[e as usize] } else { x / POW10[(-e) as usize] };
    }
    let e = e.clamp(-800, 800);
    if e < -300 {
        x * libm::pow(10.0, (e + 300) as f64) * 1e-300
    } else if e > 300 {
        x * libm::pow(10.0, (e - 300) as f64) * 1e300
    } else {
        x * libm::pow(10.0, e as f64)
    }
}

// ------------------------------------------------------------------------------------ writing

/// Appends `s` as a JSON string literal: `"` and `\` escaped, `\n`/`\r`/`\t`, other control
/// characters as `\u00XX`, everything else as it is (serde_json's choices).
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
                let hex = b"0123456789abcdef";
                let code = c as usize;
                out.push_str("\\u00");
                out.push(char::from(hex[(code >> 4) & 15]));
                out.push(char::from(hex[code & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Compact JSON (serde_json's `to_string` layout). A whole float keeps its `.0`, so it reads
/// back as a float; other floats in Rust's shortest round-trip form.
pub fn to_string(v: &Value) -> String {
    let mut s = String::new();
    write_value(&mut s, v, None, 0);
    s
}

/// Indented by two spaces (serde_json's `to_string_pretty` layout).
pub fn to_string_pretty(v: &Value) -> String {
    let mut s = String::new();
    write_value(&mut s, v, Some(2), 0);
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

fn write_value(out: &mut String, v: &Value, indent: Option<usize>, level: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(Number(N::PosInt(u))) => {
            let _ = write!(out, "{u}");
        }
        Value::Number(Number(N::NegInt(i))) => {
            let _ = write!(out, "{i}");
        }
        Value::Number(Number(N::Float(f))) => {
            // No exponent form: `{:e}` would link a second float formatter; `{}` spells large
            // numbers out in digits, still exact.
            if !f.is_finite() {
                out.push_str("null");
            } else if *f == libm::trunc(*f) && libm::fabs(*f) < 1e16 {
                let _ = write!(out, "{f:.1}");
            } else {
                let _ = write!(out, "{f}");
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
                write_value(out, x, indent, level + 1);
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
                write_value(out, x, indent, level + 1);
            }
            if !m.is_empty() {
                newline(out, indent, level);
            }
            out.push('}');
        }
    }
}

/// Compact JSON, as in error messages (`got {v}`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_string(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    fn same_as_serde(text: &str) {
        let ours = parse(text);
        let theirs: Result<serde_json::Value, _> = serde_json::from_str(text);
        match (ours, theirs) {
            (Ok(a), Ok(b)) => assert!(ours_eq(&a, &b), "{text}: ours {a:?}, serde {b:?}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{text:?}: ours {a:?}, serde_json {b:?}"),
        }
    }

    /// Our value equals serde_json's (floats within 4 ulps).
    fn ours_eq(a: &Value, b: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match (a, b) {
            (Value::Null, J::Null) => true,
            (Value::Bool(x), J::Bool(y)) => x == y,
            (Value::String(x), J::String(y)) => x == y,
            (Value::Number(x), J::Number(y)) => match (x.as_u64(), y.as_u64(), x.as_i64(), y.as_i64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => {
                    let (p, q) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                    p == q || ((p.to_bits() as i64) - (q.to_bits() as i64)).abs() <= 4
                }
            },
            (Value::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| ours_eq(p, q)),
            (Value::Object(x), J::Object(y)) => {
                // serde_json keeps the last of a duplicated key, as `Map::get` answers.
                y.iter().all(|(k, w)| x.get(k).is_some_and(|v| ours_eq(v, w))) && x.iter().all(|(k, _)| y.contains_key(k))
            }
            _ => false,
        }
    }

    /// Equal, floats within 4 ulps (the fast path is exact; beyond it a few ulps).
    fn json_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match (a, b) {
            (J::Number(x), J::Number(y)) => match (x.as_u64(), y.as_u64(), x.as_i64(), y.as_i64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => {
                    let (p, q) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                    p == q || ((p.to_bits() as i64) - (q.to_bits() as i64)).abs() <= 4
                }
            },
            (J::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q)),
            (J::Object(x), J::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w))),
            _ => a == b,
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for t in [
            "null", "true", "false", "0", "-0", "12", "-12", "18446744073709551615", "18446744073709551616", "-9223372036854775808",
            "-9223372036854775809", "1.5", "-0.0", "1e-06", "1E+3", "2.5e-3", "500000.0", "7700.0", "0.1", "0.02",
            "1.7976931348623157e308", "5e-324", "1e400", "-1e400", "123456789012345678901234567890", "0.1000000000000000055511151231257827",
            "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"", "\"中文\"", "[]", "{}", "[1,[2,[3]]]",
            "{\"a\":1,\"b\":{\"c\":[true,null]}}", " \n\t{ \"a\" : 1 } \r\n", "{\"a\":1,\"a\":2}",
            // Not JSON.
            "", "nul", "tru", "01", "1.", ".5", "1e", "-", "+1", "[1,]", "[1 2]", "{\"a\" 1}", "{a:1}", "{\"a\":1,}", "\"abc",
            "\"\\x\"", "\"\\ud83d\"", "\"\\udc00\"", "\"\u{1}\"", "[1]x", "NaN", "Infinity", "{\"a\":1}}",
        ] {
            same_as_serde(t);
        }
        assert_eq!(parse("{\"a\":1,\"a\":2}").unwrap().get("a").and_then(Value::as_u64), Some(2), "the last duplicate wins");
    }

    #[test]
    fn errors_say_where() {
        let e = parse("{\n  \"a\": 1,\n  \"b\": x\n}").unwrap_err();
        assert_eq!((e.line, e.msg), (3, "expected value"));
        assert_eq!(e.to_string(), format!("expected value at line 3 column {}", e.column));
        assert!(parse(&"[".repeat(200)).unwrap_err().msg.contains("recursion"));
        assert!(parse(&"[".repeat(100)).unwrap_err().msg.contains("EOF"));
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let v = parse("{\"s\":\"q\\\"\\n\\u0001é\",\"n\":[0,-3,1.5,2.0,1e-06,1e300],\"o\":{},\"a\":[],\"t\":true,\"z\":null}").unwrap();
        let sv: serde_json::Value = serde_json::from_str(&to_string(&v)).unwrap();
        let again: serde_json::Value = serde_json::from_str(&to_string(&parse(&serde_json::to_string(&sv).unwrap()).unwrap())).unwrap();
        assert!(json_eq(&sv, &again));
        let simple = parse("{\"a\":[1,2.5,\"x\"],\"b\":{\"c\":null}}").unwrap();
        let s2: serde_json::Value = serde_json::from_str("{\"a\":[1,2.5,\"x\"],\"b\":{\"c\":null}}").unwrap();
        assert_eq!(to_string(&simple), serde_json::to_string(&s2).unwrap());
        assert_eq!(to_string_pretty(&simple), serde_json::to_string_pretty(&s2).unwrap());
        assert_eq!(Value::from(f64::NAN), Value::Null);
    }

    #[test]
    fn map_keeps_order_and_finds_duplicates() {
        let v = parse("{\"b\":1,\"a\":2,\"b\":3}").unwrap();
        let m = v.as_object().unwrap();
        assert_eq!(m.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), vec!["b", "a", "b"]);
        assert_eq!(m.duplicate_key(), Some("b"));
        let mut m = m.clone();
        assert_eq!(m.remove("b").and_then(|v| v.as_u64()), Some(3));
        assert_eq!(m.len(), 1);
        m.insert("a".to_string(), Value::from(9u64));
        assert_eq!(to_string(&Value::Object(m)), "{\"a\":9}");
    }

    #[test]
    fn sort_keys_orders_every_object_by_bytes() {
        let mut v = parse("{\"b\":[{\"z\":1,\"Z\":2,\"a_b\":3,\"ab\":4}],\"a\":{\"y\":{\"d\":1,\"c\":2},\"x\":null},\"b\":0}").unwrap();
        v.sort_keys();
        assert_eq!(to_string(&v), "{\"a\":{\"x\":null,\"y\":{\"c\":2,\"d\":1}},\"b\":[{\"Z\":2,\"a_b\":3,\"ab\":4,\"z\":1}],\"b\":0}");
    }

    /// The first repeat in file order, by comparing each key with every one before it.
    fn first_repeat_naive(m: &Map) -> Option<&str> {
        let e = &m.entries;
        (1..e.len()).find(|&i| e[..i].iter().any(|(k, _)| *k == e[i].0)).map(|i| e[i].0.as_str())
    }

    #[test]
    fn duplicate_key_names_the_first_repeat_in_file_order() {
        let first = |t: &str| parse(t).unwrap().as_object().unwrap().duplicate_key().map(String::from);
        assert_eq!(first("{\"z\":1,\"z\":2,\"a\":3,\"a\":4}").as_deref(), Some("z"), "z repeats first, though a sorts first");
        assert_eq!(first("{\"z\":1,\"a\":2,\"a\":3,\"z\":4}").as_deref(), Some("a"));
        assert_eq!(first("{\"a\":1,\"b\":2,\"c\":3}"), None);
        assert_eq!(first("{}"), None);
    }

    /// DeepSeek-V3's index has 92,000 keys. Comparing each with all before it (the former
    /// check, 11.5 s in a release build) makes n(n−1)/2 ≈ 4.2·10⁹ comparisons; the sort makes
    /// O(n log n). Counted, not timed: the bound is 2·n·log₂n ≈ 3.0·10⁶.
    #[test]
    fn duplicate_check_of_a_92k_key_object_makes_n_log_n_comparisons() {
        let n = 92_000u32;
        let mut text = String::from("{");
        for i in 0..n {
            let _ = write!(text, "{}\"model.layers.{}.mlp.experts.{}.w{}.weight\":\"model-{:05}-of-000163.safetensors\"", if i == 0 { "" } else { "," }, i / 1508, i % 1508 / 6, i % 6, 1 + i / 565);
        }
        text.push('}');
        let v = parse(&text).unwrap();
        let m = v.as_object().unwrap();
        let mut comparisons = 0u64;
        let first = m.first_repeat_by(&mut |a, b| {
            comparisons += 1;
            a.cmp(b)
        });
        assert_eq!(first, None);
        let bound = 2.0 * f64::from(n) * f64::from(n).log2();
        assert!((comparisons as f64) < bound, "{comparisons} comparisons for {n} keys (bound {bound:.0})");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]
        #[test]
        fn duplicate_key_agrees_with_the_pairwise_check(keys in proptest::collection::vec("[a-d]{0,2}", 0..40)) {
            let m: Map = Map { entries: keys.into_iter().map(|k| (k, Value::Null)).collect() };
            prop_assert_eq!(m.duplicate_key(), first_repeat_naive(&m));
        }
        #[test]
        fn arbitrary_text_never_panics_and_agrees_with_serde_json(s in "[\\[\\]{}\",:0-9eE.+\\- a-z\\\\\\n]{0,40}") {
            same_as_serde(&s);
        }
        #[test]
        fn floats_read_back_within_a_few_ulps(m in 0u64..(1u64 << 53), e in -30i32..30) {
            let text = format!("{m}e{e}");
            same_as_serde(&text);
        }
        #[test]
        fn written_values_read_back(x in proptest::num::f64::NORMAL, u in any::<u64>(), i in any::<i64>(), s in "\\PC{0,20}") {
            let v = Value::Array(vec![Value::from(x), Value::from(u), Value::from(i), Value::from(s.as_str())]);
            let back = parse(&to_string(&v)).unwrap();
            prop_assert_eq!(back.as_array().unwrap()[1].as_u64(), Some(u));
            prop_assert_eq!(back.as_array().unwrap()[2].as_i64(), Some(i));
            prop_assert_eq!(back.as_array().unwrap()[3].as_str(), Some(s.as_str()));
            let y = back.as_array().unwrap()[0].as_f64().unwrap();
            prop_assert!(((y.to_bits() as i64) - (x.to_bits() as i64)).abs() <= 4, "{} vs {}", x, y);
        }
    }
}
