//! safetensors header parser and `model.safetensors.index.json` reader.
//!
//! Format (README of huggingface/safetensors, "Format"; reference reader
//! `safetensors/src/tensor.rs` `SafeTensors::read_metadata` and `Metadata::validate`):
//!
//! ```text
//! u64 little-endian N | N bytes of UTF-8 JSON starting with '{' (may be padded with spaces)
//! | byte buffer
//! JSON: { "__metadata__": { str: str, ... },
//!         "<tensor>": { "dtype": "BF16", "shape": [d0, d1, ...], "data_offsets": [begin, end] },
//!         ... }
//! ```
//!
//! `data_offsets` are relative to the start of the byte buffer (`8 + N`); sorted by offset,
//! the tensors must cover the buffer exactly, and `end - begin` must equal
//! `numel × dtype bits / 8`.

use alloc::collections::BTreeSet;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use gpuplan_core::json::{self, Value};

pub mod builder;
mod error;

pub use error::SafetensorsError;

/// Largest header accepted: 100,000,000 bytes, the `MAX_HEADER_SIZE` of the reference
/// implementation (`safetensors/src/tensor.rs`).
pub const MAX_HEADER_LEN: u64 = 100_000_000;
/// Largest `model.safetensors.index.json` accepted (same bound as a header).
pub const MAX_INDEX_LEN: u64 = 100_000_000;

/// [`SafetensorsHeader::quantization_hint`]: GPTQ (`.qweight` with `.g_idx`).
pub const HINT_GPTQ: &str = "GPTQ";
/// [`SafetensorsHeader::quantization_hint`]: AWQ (`.qweight` without `.g_idx`).
pub const HINT_AWQ: &str = "AWQ";
/// [`SafetensorsHeader::quantization_hint`]: FP8 weights with scales.
pub const HINT_FP8: &str = "FP8";
/// [`SafetensorsHeader::quantization_hint`]: int8 weights with `weight_scale` (W8A8).
pub const HINT_INT8: &str = "INT8";
/// [`SafetensorsHeader::quantization_hint`]: NVFP4 (`weight_scale_2` / `weight_global_scale`).
pub const HINT_NVFP4: &str = "NVFP4";
/// [`SafetensorsHeader::quantization_hint`]: compressed-tensors packed integers
/// (`weight_packed`).
pub const HINT_COMPRESSED_TENSORS: &str = "compressed-tensors";
/// [`SafetensorsHeader::quantization_hint`]: bitsandbytes (`.absmax`, `quant_map`,
/// `quant_state`, `.SCB`).
pub const HINT_BITSANDBYTES: &str = "bitsandbytes";
/// [`SafetensorsHeader::quantization_hint`]: MXFP4 experts as in gpt-oss (`*_blocks` +
/// `*_scales`).
pub const HINT_MXFP4: &str = "MXFP4";

macro_rules! dtypes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $bits:literal; )*) => {
        /// A safetensors element type (`enum Dtype` and `Dtype::bitsize` of
        /// huggingface/safetensors `safetensors/src/tensor.rs`).
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Dtype {
            $( $(#[$doc])* $variant, )*
        }

        impl Dtype {
            /// Every dtype, in the reference's order.
            pub const ALL: &'static [Dtype] = &[ $( Dtype::$variant, )* ];

            /// The dtype named `name` in a header (`"BF16"`, `"F8_E4M3"`, …).
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $name => Some(Dtype::$variant), )*
                    _ => None,
                }
            }

            /// The header spelling, e.g. `"BF16"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Dtype::$variant => $name, )*
                }
            }

            /// Bits per element (4 for `F4`, 6 for the `F6` types).
            pub const fn bits(self) -> u64 {
                match self {
                    $( Dtype::$variant => $bits, )*
                }
            }
        }
    };
}

dtypes! {
    /// Boolean, one byte.
    BOOL = "BOOL", 8;
    /// FP4 E2M1 (OCP MX), two per byte.
    F4 = "F4", 4;
    /// FP6 E2M3 (OCP MX).
    F6_E2M3 = "F6_E2M3", 6;
    /// FP6 E3M2 (OCP MX).
    F6_E3M2 = "F6_E3M2", 6;
    /// Unsigned byte.
    U8 = "U8", 8;
    /// Signed byte.
    I8 = "I8", 8;
    /// FP8 E5M2.
    F8_E5M2 = "F8_E5M2", 8;
    /// FP8 E4M3.
    F8_E4M3 = "F8_E4M3", 8;
    /// E8M0 scale (OCP MX).
    F8_E8M0 = "F8_E8M0", 8;
    /// FP8 E4M3, FNUZ variant.
    F8_E4M3FNUZ = "F8_E4M3FNUZ", 8;
    /// FP8 E5M2, FNUZ variant.
    F8_E5M2FNUZ = "F8_E5M2FNUZ", 8;
    /// Signed 16-bit integer.
    I16 = "I16", 16;
    /// Unsigned 16-bit integer.
    U16 = "U16", 16;
    /// IEEE half.
    F16 = "F16", 16;
    /// bfloat16.
    BF16 = "BF16", 16;
    /// Signed 32-bit integer.
    I32 = "I32", 32;
    /// Unsigned 32-bit integer.
    U32 = "U32", 32;
    /// 32-bit float.
    F32 = "F32", 32;
    /// Complex with two 32-bit float parts.
    C64 = "C64", 64;
    /// 64-bit float.
    F64 = "F64", 64;
    /// Signed 64-bit integer.
    I64 = "I64", 64;
    /// Unsigned 64-bit integer.
    U64 = "U64", 64;
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Exact bytes of `shape` in `dtype`: `numel × bits / 8`, `None` on overflow or when
/// sub-byte elements do not fill whole bytes. An empty shape is a scalar (1 element).
pub fn tensor_bytes(dtype: Dtype, shape: &[u64]) -> Option<u64> {
    let elements = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))?;
    let bits = elements.checked_mul(dtype.bits())?;
    (bits % 8 == 0).then_some(bits / 8)
}

/// One tensor of a safetensors header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetensorsTensor {
    /// Tensor name, e.g. `model.layers.0.self_attn.q_proj.weight`.
    pub name: String,
    /// Element type.
    pub dtype: Dtype,
    /// Shape, outermost dimension first (PyTorch order); `[]` is a scalar.
    pub shape: Vec<u64>,
    /// `[begin, end)` of the data relative to the start of the byte buffer.
    pub data_offsets: (u64, u64),
    /// Data bytes (`end - begin`, verified against shape and dtype).
    pub bytes: u64,
}

impl SafetensorsTensor {
    /// Number of elements (product of the shape; 1 for a scalar).
    pub fn elements(&self) -> u64 {
        self.shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .unwrap_or(u64::MAX)
    }
}

/// A parsed safetensors header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetensorsHeader {
    /// `N`, the JSON length from the first 8 bytes.
    pub header_len: u64,
    /// `__metadata__` entries sorted by key (e.g. `("format", "pt")`).
    pub metadata: Vec<(String, String)>,
    /// Tensors sorted by data offset.
    pub tensors: Vec<SafetensorsTensor>,
}

impl SafetensorsHeader {
    /// File offset of the byte buffer: `8 + N`.
    pub fn data_offset(&self) -> u64 {
        self.header_len.saturating_add(8)
    }

    /// Length of the byte buffer (end of the last tensor).
    pub fn data_len(&self) -> u64 {
        self.tensors.last().map_or(0, |t| t.data_offsets.1)
    }

    /// Size of the whole file as the header describes it.
    pub fn file_size(&self) -> u64 {
        self.data_offset().saturating_add(self.data_len())
    }

    /// Sum of the tensors' bytes.
    pub fn total_bytes(&self) -> u64 {
        self.tensors
            .iter()
            .fold(0u64, |acc, t| acc.saturating_add(t.bytes))
    }

    /// Sum of the tensors' elements.
    pub fn total_elements(&self) -> u64 {
        self.tensors
            .iter()
            .fold(0u64, |acc, t| acc.saturating_add(t.elements()))
    }

    /// Elements and bytes per dtype, largest byte count first (ties in dtype order).
    pub fn bytes_by_dtype(&self) -> Vec<(Dtype, u64, u64)> {
        let mut rows: Vec<(Dtype, u64, u64)> = Vec::new();
        for tensor in &self.tensors {
            match rows.iter_mut().find(|(dtype, _, _)| *dtype == tensor.dtype) {
                Some(row) => {
                    row.1 = row.1.saturating_add(tensor.elements());
                    row.2 = row.2.saturating_add(tensor.bytes);
                }
                None => rows.push((tensor.dtype, tensor.elements(), tensor.bytes)),
            }
        }
        gpuplan_core::sort::sort_by(&mut rows, |a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        rows
    }

    /// The `__metadata__` value of `key` (e.g. `"format"` → `"pt"`).
    pub fn get_metadata(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The tensor named `name`.
    pub fn tensor(&self, name: &str) -> Option<&SafetensorsTensor> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Guesses the quantization scheme from tensor names and dtypes; `None` for plain
    /// floating-point checkpoints. One of the `HINT_*` constants:
    ///
    /// * `*_blocks` + `*_scales` → [`HINT_MXFP4`] (gpt-oss experts);
    /// * `.absmax`, `quant_map`, `quant_state`, `.SCB` → [`HINT_BITSANDBYTES`];
    /// * `.qweight` → [`HINT_GPTQ`] when `.g_idx` is present, else [`HINT_AWQ`]
    ///   (AutoAWQ writes no `g_idx`);
    /// * `weight_scale_2` / `weight_global_scale` → [`HINT_NVFP4`];
    /// * `weight_packed` → [`HINT_COMPRESSED_TENSORS`];
    /// * `weight_scale_inv`, or `weight_scale` / F8 dtypes → [`HINT_FP8`]
    ///   ([`HINT_INT8`] when the scaled weights are I8 and nothing is F8).
    pub fn quantization_hint(&self) -> Option<&'static str> {
        let any = |test: &dyn Fn(&SafetensorsTensor) -> bool| self.tensors.iter().any(test);
        let ends = |suffix: &str| any(&|t| t.name.ends_with(suffix));
        let contains = |part: &str| any(&|t| t.name.contains(part));
        let has_f8 = any(&|t| {
            matches!(
                t.dtype,
                Dtype::F8_E4M3 | Dtype::F8_E5M2 | Dtype::F8_E4M3FNUZ | Dtype::F8_E5M2FNUZ
            )
        });

        if ends("_blocks") && ends("_scales") {
            return Some(HINT_MXFP4);
        }
        if contains(".absmax") || contains("quant_map") || contains("quant_state") || ends(".SCB") {
            return Some(HINT_BITSANDBYTES);
        }
        if ends(".qweight") {
            return Some(if ends(".g_idx") { HINT_GPTQ } else { HINT_AWQ });
        }
        if ends("weight_scale_2") || ends("weight_global_scale") {
            return Some(HINT_NVFP4);
        }
        if ends("weight_packed") {
            return Some(HINT_COMPRESSED_TENSORS);
        }
        if ends("weight_scale_inv") || has_f8 {
            return Some(HINT_FP8);
        }
        if ends("weight_scale") {
            let has_i8 = any(&|t| t.dtype == Dtype::I8);
            return Some(if has_i8 { HINT_INT8 } else { HINT_FP8 });
        }
        None
    }
}

/// The entries of one JSON object in file order; a key given twice is refused (a plain map
/// would silently keep the last value).
fn object_entries(value: Value) -> Result<Vec<(String, Value)>, SafetensorsError> {
    let Value::Object(map) = value else {
        return Err(SafetensorsError::Json(String::from("expected a JSON object")));
    };
    if let Some(key) = map.duplicate_key() {
        return Err(SafetensorsError::DuplicateKey(String::from(key)));
    }
    Ok(map.into_entries())
}

fn parse_object(json: &[u8]) -> Result<Vec<(String, Value)>, SafetensorsError> {
    object_entries(json::parse_bytes(json).map_err(|e| SafetensorsError::Json(e.to_string()))?)
}

fn bad_entry(tensor: &str, problem: &'static str) -> SafetensorsError {
    SafetensorsError::BadTensorEntry {
        tensor: String::from(tensor),
        problem,
    }
}

fn parse_tensor(name: String, value: &Value) -> Result<SafetensorsTensor, SafetensorsError> {
    let Some(entry) = value.as_object() else {
        return Err(bad_entry(
            &name,
            "the entry must be an object with dtype, shape and data_offsets",
        ));
    };
    let Some(dtype_name) = entry.get("dtype").and_then(Value::as_str) else {
        return Err(bad_entry(
            &name,
            "\"dtype\" must be a string such as \"BF16\"",
        ));
    };
    let Some(dtype) = Dtype::from_name(dtype_name) else {
        return Err(SafetensorsError::UnknownDtype {
            tensor: name,
            dtype: String::from(dtype_name),
        });
    };
    let shape: Option<Vec<u64>> = entry
        .get("shape")
        .and_then(Value::as_array)
        .and_then(|dims| dims.iter().map(Value::as_u64).collect());
    let Some(shape) = shape else {
        return Err(bad_entry(
            &name,
            "\"shape\" must be an array of non-negative integers",
        ));
    };
    let offsets = entry
        .get("data_offsets")
        .and_then(Value::as_array)
        .map(Vec::as_slice);
    let (begin, end) = match offsets {
        Some([begin, end]) => match (begin.as_u64(), end.as_u64()) {
            (Some(begin), Some(end)) => (begin, end),
            _ => {
                return Err(bad_entry(
                    &name,
                    "\"data_offsets\" must hold two non-negative integers",
                ))
            }
        },
        _ => {
            return Err(bad_entry(
                &name,
                "\"data_offsets\" must be an array [begin, end]",
            ))
        }
    };

    let Some(elements) = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d)) else {
        return Err(SafetensorsError::Overflow { tensor: name });
    };
    let Some(bits) = elements.checked_mul(dtype.bits()) else {
        return Err(SafetensorsError::Overflow { tensor: name });
    };
    if bits % 8 != 0 {
        return Err(SafetensorsError::PartialByte {
            tensor: name,
            dtype: dtype.name(),
            elements,
        });
    }
    let expected = bits / 8;
    let Some(found) = end.checked_sub(begin) else {
        return Err(SafetensorsError::ReversedOffsets {
            tensor: name,
            begin,
            end,
        });
    };
    if found != expected {
        return Err(SafetensorsError::SizeMismatch {
            tensor: name,
            expected,
            found,
        });
    }
    Ok(SafetensorsTensor {
        name,
        dtype,
        shape,
        data_offsets: (begin, end),
        bytes: expected,
    })
}

/// Parses the header at the start of a `.safetensors` file (tensor data need not be
/// present).
///
/// Returns [`SafetensorsError::NeedMore`] with `at_least = 8 + N` when `bytes` holds less
/// than the whole header. Headers over [`MAX_HEADER_LEN`] are refused before any JSON is
/// read. Never panics.
pub fn parse_safetensors(bytes: &[u8]) -> Result<SafetensorsHeader, SafetensorsError> {
    let Some(len_bytes) = bytes.get(..8) else {
        return Err(SafetensorsError::NeedMore { at_least: 8 });
    };
    let mut len_array = [0u8; 8];
    len_array.copy_from_slice(len_bytes);
    let header_len = u64::from_le_bytes(len_array);
    // Check the first JSON byte as soon as it is there: it tells other formats apart early.
    if let Some(&first_byte) = bytes.get(8) {
        if header_len > 0 && first_byte != b'{' {
            return Err(SafetensorsError::NotJsonObject { first_byte });
        }
    }
    if header_len == 0 {
        return Err(SafetensorsError::EmptyHeader);
    }
    if header_len > MAX_HEADER_LEN {
        return Err(SafetensorsError::TooLarge {
            what: "the header length (first 8 bytes of the file)",
            value: header_len,
            limit: MAX_HEADER_LEN,
        });
    }
    let end = header_len + 8;
    let json = usize::try_from(end)
        .ok()
        .and_then(|end| bytes.get(8..end))
        .ok_or(SafetensorsError::NeedMore { at_least: end })?;

    let mut metadata = Vec::new();
    let mut tensors = Vec::new();
    for (name, value) in parse_object(json)? {
        if name == "__metadata__" {
            metadata = parse_string_map(&value)?;
        } else {
            tensors.push(parse_tensor(name, &value)?);
        }
    }

    gpuplan_core::sort::sort_by_key(&mut tensors, |t| t.data_offsets);
    let mut expected_begin = 0u64;
    for tensor in &tensors {
        if tensor.data_offsets.0 != expected_begin {
            return Err(SafetensorsError::OffsetGap {
                tensor: tensor.name.clone(),
                expected_begin,
                found_begin: tensor.data_offsets.0,
            });
        }
        expected_begin = tensor.data_offsets.1;
    }
    Ok(SafetensorsHeader {
        header_len,
        metadata,
        tensors,
    })
}

/// `__metadata__`: `null` or an object of strings.
fn parse_string_map(value: &Value) -> Result<Vec<(String, String)>, SafetensorsError> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(SafetensorsError::BadMetadata { key: k.clone() }),
            })
            .collect(),
        _ => Err(SafetensorsError::BadMetadata { key: String::new() }),
    }
}

/// A parsed `model.safetensors.index.json` (written by transformers' `save_pretrained`
/// for sharded checkpoints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetensorsIndex {
    /// `metadata.total_size`: bytes of all tensors of all shards (headers excluded).
    pub total_size: Option<u64>,
    /// Other `metadata` entries sorted by key, values as JSON text unless they are
    /// strings (e.g. `("total_parameters", "8030261248")`).
    pub metadata: Vec<(String, String)>,
    /// Tensor name → shard file name, in file order.
    pub weight_map: Vec<(String, String)>,
}

impl SafetensorsIndex {
    /// Distinct shard file names, sorted (`model-00001-of-00004.safetensors`, …).
    pub fn shards(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self.weight_map.iter().map(|(_, f)| f.as_str()).collect();
        set.into_iter().collect()
    }

    /// The shard holding tensor `name`.
    pub fn shard_of(&self, name: &str) -> Option<&str> {
        self.weight_map
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.as_str())
    }

    /// Number of tensors listed.
    pub fn tensor_count(&self) -> usize {
        self.weight_map.len()
    }

    /// Number of tensors stored in shard `file`.
    pub fn tensors_in(&self, file: &str) -> usize {
        self.weight_map.iter().filter(|(_, f)| f == file).count()
    }
}

/// Parses `model.safetensors.index.json` (`{"metadata": {"total_size": …}, "weight_map":
/// {tensor: shard}}`). Accepts `&str`, `String`, `&[u8]` or `Vec<u8>`.
pub fn parse_index_json(text: impl AsRef<[u8]>) -> Result<SafetensorsIndex, SafetensorsError> {
    let text = text.as_ref();
    if text.len() as u64 > MAX_INDEX_LEN {
        return Err(SafetensorsError::TooLarge {
            what: "the index JSON length in bytes",
            value: text.len() as u64,
            limit: MAX_INDEX_LEN,
        });
    }
    // The top level is an object; unknown fields are ignored.
    let mut top = match json::parse_bytes(text).map_err(|e| SafetensorsError::Json(e.to_string()))? {
        Value::Object(m) => m,
        _ => return Err(SafetensorsError::Json(String::from("expected a JSON object"))),
    };
    let raw_metadata = top.remove("metadata");
    let raw_weight_map = top.remove("weight_map");

    let mut total_size = None;
    let mut metadata = Vec::new();
    match raw_metadata {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                if key == "total_size" {
                    total_size = Some(json_to_u64(&value).ok_or(SafetensorsError::BadTotalSize)?);
                } else {
                    let text = match value {
                        Value::String(s) => s,
                        other => json::to_string(&other),
                    };
                    metadata.push((key, text));
                }
            }
        }
        Some(_) => return Err(SafetensorsError::BadMetadata { key: String::new() }),
    }

    let entries = match raw_weight_map {
        None | Some(Value::Null) => return Err(SafetensorsError::MissingWeightMap),
        Some(v) => object_entries(v)?,
    };
    let mut weight_map = Vec::with_capacity(entries.len());
    for (tensor, file) in entries {
        match file {
            Value::String(file) if !file.is_empty() => weight_map.push((tensor, file)),
            _ => return Err(SafetensorsError::BadWeightMapEntry { tensor }),
        }
    }
    Ok(SafetensorsIndex {
        total_size,
        metadata,
        weight_map,
    })
}

/// A JSON number that is a non-negative integer (also written as `1.6e10` or `16.0`).
fn json_to_u64(value: &Value) -> Option<u64> {
    if let Some(v) = value.as_u64() {
        return Some(v);
    }
    let v = value.as_f64()?;
    // 2^64 as f64; `v < 2^64` keeps the cast exact for integral values.
    let in_range = (0.0..18_446_744_073_709_551_616.0).contains(&v);
    (in_range && v == (v as u64) as f64).then_some(v as u64)
}

#[cfg(test)]
mod tests;
