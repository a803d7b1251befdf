//! GGUF header parser (llama.cpp model files).
//!
//! Layout (GGUF spec `docs/gguf.md` in ggml-org/ggml; reader `ggml/src/gguf.cpp` and
//! `gguf-py/gguf/gguf_reader.py` in ggml-org/llama.cpp), all little-endian:
//!
//! ```text
//! u32 magic "GGUF" | u32 version | u64 tensor_count | u64 metadata_kv_count
//! metadata_kv_count × { string key | u32 value_type | value }
//! tensor_count × { string name | u32 n_dims | n_dims × u64 ne | u32 ggml_type | u64 offset }
//! padding to general.alignment (default 32) | tensor data
//! string = u64 length + UTF-8 bytes; array value = u32 element type + u64 length + elements
//! ```
//!
//! Tensor offsets are relative to the start of the data section (`data_offset`), which is
//! the end of the tensor infos rounded up to the alignment.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub mod builder;
mod error;
mod types;

pub use error::GgufError;
pub use types::{GgmlType, GgufValueType, TensorShapeError, MAX_ARRAY_NESTING};

/// The four bytes every GGUF file starts with.
pub const GGUF_MAGIC: [u8; 4] = *b"GGUF";
/// Alignment of tensor data when `general.alignment` is absent (`GGUF_DEFAULT_ALIGNMENT`).
pub const DEFAULT_ALIGNMENT: u64 = 32;
/// Most tensors accepted in one file.
pub const MAX_TENSOR_COUNT: u64 = 1_000_000;
/// Most metadata key/value pairs accepted in one file.
pub const MAX_METADATA_KV_COUNT: u64 = 1_000_000;
/// Longest string accepted (keys, names, values): 16 MiB.
pub const MAX_STRING_LEN: u64 = 16 << 20;
/// Most dimensions of a tensor (`GGML_MAX_DIMS`).
pub const MAX_DIMS: u32 = 4;
/// Longest header (metadata + tensor infos) accepted: 256 MiB.
pub const MAX_HEADER_LEN: u64 = 256 << 20;
/// Elements of a metadata array kept in [`MetaValue::Array::small`]; longer arrays (token
/// lists, merges) are parsed past but not stored.
pub const ARRAY_PREVIEW_LEN: usize = 64;
/// Array elements stored across the whole header. Once spent, arrays keep only their type
/// and length, so a file made of many small arrays cannot make memory balloon.
pub const MAX_STORED_ARRAY_ELEMENTS: usize = 1 << 20;
/// Largest `general.alignment` accepted.
pub const MAX_ALIGNMENT: u64 = 1 << 31;

/// Metadata key of the tensor data alignment.
pub const KEY_ALIGNMENT: &str = "general.alignment";
/// Metadata key of the model architecture (`llama`, `qwen2`, …).
pub const KEY_ARCHITECTURE: &str = "general.architecture";
/// Split part number, 0-based (`LLM_KV_SPLIT_NO`, llama.cpp `src/llama-arch.cpp`).
pub const KEY_SPLIT_NO: &str = "split.no";
/// Number of parts of a split set (`LLM_KV_SPLIT_COUNT`).
pub const KEY_SPLIT_COUNT: &str = "split.count";
/// Tensors across all parts of a split set (`LLM_KV_SPLIT_TENSORS_COUNT`).
pub const KEY_SPLIT_TENSORS_COUNT: &str = "split.tensors.count";

/// Smallest possible metadata entry: empty key (8) + value type (4) + 1-byte value.
const MIN_KV_BYTES: u64 = 8 + 4 + 1;
/// Smallest possible tensor info: empty name (8) + n_dims (4) + one dim (8) + type (4) +
/// offset (8).
const MIN_TENSOR_INFO_BYTES: u64 = 8 + 4 + 8 + 4 + 8;

/// One metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// `uint8`.
    U8(u8),
    /// `int8`.
    I8(i8),
    /// `uint16`.
    U16(u16),
    /// `int16`.
    I16(i16),
    /// `uint32`.
    U32(u32),
    /// `int32`.
    I32(i32),
    /// `float32`.
    F32(f32),
    /// `bool` (any non-zero byte reads as true).
    Bool(bool),
    /// `string` (invalid UTF-8 in values is replaced by U+FFFD).
    String(String),
    /// `uint64`.
    U64(u64),
    /// `int64`.
    I64(i64),
    /// `float64`.
    F64(f64),
    /// An array. Only the first [`ARRAY_PREVIEW_LEN`] elements are kept in `small`
    /// (fewer once [`MAX_STORED_ARRAY_ELEMENTS`] is spent); `len` is the true length.
    Array {
        /// Element type.
        elem_type: GgufValueType,
        /// Number of elements in the file.
        len: u64,
        /// The first elements.
        small: Vec<MetaValue>,
    },
}

impl MetaValue {
    /// The value's GGUF type.
    pub fn value_type(&self) -> GgufValueType {
        match self {
            Self::U8(_) => GgufValueType::U8,
            Self::I8(_) => GgufValueType::I8,
            Self::U16(_) => GgufValueType::U16,
            Self::I16(_) => GgufValueType::I16,
            Self::U32(_) => GgufValueType::U32,
            Self::I32(_) => GgufValueType::I32,
            Self::F32(_) => GgufValueType::F32,
            Self::Bool(_) => GgufValueType::Bool,
            Self::String(_) => GgufValueType::String,
            Self::U64(_) => GgufValueType::U64,
            Self::I64(_) => GgufValueType::I64,
            Self::F64(_) => GgufValueType::F64,
            Self::Array { .. } => GgufValueType::Array,
        }
    }

    /// Any integer type holding a value ≥ 0, as `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Self::U8(v) => Some(u64::from(v)),
            Self::U16(v) => Some(u64::from(v)),
            Self::U32(v) => Some(u64::from(v)),
            Self::U64(v) => Some(v),
            Self::I8(v) => u64::try_from(v).ok(),
            Self::I16(v) => u64::try_from(v).ok(),
            Self::I32(v) => u64::try_from(v).ok(),
            Self::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// Any integer type that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Self::U8(v) => Some(i64::from(v)),
            Self::U16(v) => Some(i64::from(v)),
            Self::U32(v) => Some(i64::from(v)),
            Self::U64(v) => i64::try_from(v).ok(),
            Self::I8(v) => Some(i64::from(v)),
            Self::I16(v) => Some(i64::from(v)),
            Self::I32(v) => Some(i64::from(v)),
            Self::I64(v) => Some(v),
            _ => None,
        }
    }

    /// Any number (integers converted, possibly rounding beyond 2^53).
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Self::F32(v) => Some(f64::from(v)),
            Self::F64(v) => Some(v),
            Self::U64(v) => Some(v as f64),
            Self::I64(v) => Some(v as f64),
            _ => self.as_i64().map(|v| v as f64),
        }
    }

    /// The string of a `string` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Self::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The true length of an array value.
    pub fn array_len(&self) -> Option<u64> {
        match self {
            Self::Array { len, .. } => Some(*len),
            _ => None,
        }
    }
}

/// One tensor info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GgufTensor {
    /// Tensor name, e.g. `blk.0.attn_q.weight`.
    pub name: String,
    /// Element type.
    pub ggml_type: GgmlType,
    /// ggml dims, row length (`ne[0]`) first: a PyTorch `[out, in]` weight reads `[in, out]`.
    pub dims: Vec<u64>,
    /// Offset of the data from the start of the data section (of its own file, for tensors
    /// of a merged split set).
    pub offset: u64,
    /// Exact data bytes (`GgmlType::tensor_bytes`), without alignment padding.
    pub bytes: u64,
}

impl GgufTensor {
    /// Number of elements (product of `dims`).
    pub fn elements(&self) -> u64 {
        self.dims
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .unwrap_or(u64::MAX)
    }
}

/// Split-set position of a file (`gguf-split` metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitInfo {
    /// 0-based part number (`split.no`); file names count from 1.
    pub no: u64,
    /// Parts in the set (`split.count`).
    pub count: u64,
    /// Tensors across the whole set (`split.tensors.count`), when present.
    pub tensors_count: Option<u64>,
}

/// A parsed GGUF header.
#[derive(Debug, Clone, PartialEq)]
pub struct GgufHeader {
    /// Format version (2 or 3).
    pub version: u32,
    /// Metadata in file order.
    pub metadata: Vec<(String, MetaValue)>,
    /// Tensor infos in file order.
    pub tensors: Vec<GgufTensor>,
    /// Alignment of tensor data (from `general.alignment`, default 32).
    pub alignment: u64,
    /// File offset where tensor data starts: end of the tensor infos rounded up to
    /// `alignment`.
    pub data_offset: u64,
}

impl GgufHeader {
    /// The value of metadata key `key`.
    pub fn get(&self, key: &str) -> Option<&MetaValue> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// An integer value ≥ 0 of any integer type.
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(MetaValue::as_u64)
    }

    /// A number of any numeric type.
    pub fn get_f64(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(MetaValue::as_f64)
    }

    /// A string value.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(MetaValue::as_str)
    }

    /// `general.architecture`, e.g. `"llama"`.
    pub fn architecture(&self) -> Option<&str> {
        self.get_str(KEY_ARCHITECTURE)
    }

    /// An architecture-scoped integer: `arch_u64("block_count")` reads `llama.block_count`
    /// for a llama model.
    pub fn arch_u64(&self, suffix: &str) -> Option<u64> {
        let arch = self.architecture()?;
        self.get_u64(&format!("{arch}.{suffix}"))
    }

    /// The tensor named `name`.
    pub fn tensor(&self, name: &str) -> Option<&GgufTensor> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Sum of the exact data bytes of all tensors (padding excluded); saturates at
    /// `u64::MAX`.
    pub fn total_tensor_bytes(&self) -> u64 {
        self.tensors
            .iter()
            .fold(0u64, |acc, t| acc.saturating_add(t.bytes))
    }

    /// Sum of the elements (parameters) of all tensors; saturates at `u64::MAX`.
    pub fn total_elements(&self) -> u64 {
        self.tensors
            .iter()
            .fold(0u64, |acc, t| acc.saturating_add(t.elements()))
    }

    /// Elements and bytes per tensor type, largest byte count first (ties by type id).
    pub fn bytes_by_type(&self) -> Vec<(GgmlType, u64, u64)> {
        let mut rows: Vec<(GgmlType, u64, u64)> = Vec::new();
        for tensor in &self.tensors {
            match rows.iter_mut().find(|(ty, _, _)| *ty == tensor.ggml_type) {
                Some(row) => {
                    row.1 = row.1.saturating_add(tensor.elements());
                    row.2 = row.2.saturating_add(tensor.bytes);
                }
                None => rows.push((tensor.ggml_type, tensor.elements(), tensor.bytes)),
            }
        }
        gpuplan_core::sort::sort_by(&mut rows, |a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        rows
    }

    /// End of the tensor data relative to `data_offset` (largest `offset + bytes`), i.e.
    /// the data section length without the final padding. For a single file,
    /// `data_offset + tensor_data_end()` is about the file size.
    pub fn tensor_data_end(&self) -> u64 {
        self.tensors
            .iter()
            .map(|t| t.offset.saturating_add(t.bytes))
            .max()
            .unwrap_or(0)
    }

    /// Split-set position (`split.no`, `split.count`, `split.tensors.count`), if this file
    /// is one part of a `-0000N-of-0000M.gguf` set.
    pub fn split(&self) -> Option<SplitInfo> {
        Some(SplitInfo {
            no: self.get_u64(KEY_SPLIT_NO)?,
            count: self.get_u64(KEY_SPLIT_COUNT)?,
            tensors_count: self.get_u64(KEY_SPLIT_TENSORS_COUNT),
        })
    }
}

/// Bounds-checked little-endian reader over the header bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn position(&self) -> u64 {
        self.pos as u64
    }

    /// Checks that `n` more bytes are available and returns the end position.
    fn ensure(&self, n: u64) -> Result<usize, GgufError> {
        let end = self.position().checked_add(n).ok_or(GgufError::Overflow {
            what: "a header offset",
        })?;
        if end > MAX_HEADER_LEN {
            return Err(GgufError::TooLarge {
                what: "the GGUF header (metadata and tensor infos) length in bytes",
                value: end,
                limit: MAX_HEADER_LEN,
            });
        }
        if end > self.bytes.len() as u64 {
            return Err(GgufError::NeedMore { at_least: end });
        }
        usize::try_from(end).map_err(|_| GgufError::Overflow {
            what: "a header offset",
        })
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], GgufError> {
        let end = self.ensure(n)?;
        let slice = self.bytes.get(self.pos..end).ok_or(GgufError::NeedMore {
            at_least: end as u64,
        })?;
        self.pos = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], GgufError> {
        let slice = self.take(N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, GgufError> {
        Ok(u8::from_le_bytes(self.array()?))
    }
    fn u16(&mut self) -> Result<u16, GgufError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A `gguf_string_t`: u64 length, then that many bytes.
    fn string_bytes(&mut self) -> Result<&'a [u8], GgufError> {
        let len = self.u64()?;
        if len > MAX_STRING_LEN {
            return Err(GgufError::TooLarge {
                what: "a string length in bytes",
                value: len,
                limit: MAX_STRING_LEN,
            });
        }
        self.take(len)
    }

    /// A string that must be valid UTF-8 (keys, tensor names).
    fn strict_string(&mut self, what: &'static str) -> Result<String, GgufError> {
        let offset = self.position().saturating_add(8);
        let bytes = self.string_bytes()?;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| GgufError::InvalidUtf8 { what, offset })
    }
}

/// Parsing state shared by nested value reads.
struct ValueReader<'a> {
    cursor: Cursor<'a>,
    /// Array elements that may still be stored (see [`MAX_STORED_ARRAY_ELEMENTS`]).
    store_budget: usize,
}

impl ValueReader<'_> {
    fn value_type(&mut self, key: &str) -> Result<GgufValueType, GgufError> {
        let id = self.cursor.u32()?;
        GgufValueType::from_id(id).ok_or_else(|| GgufError::UnknownValueType {
            key: key.into(),
            id,
        })
    }

    /// Reads one value of type `ty`, storing at most a preview of arrays.
    fn read_value(
        &mut self,
        ty: GgufValueType,
        key: &str,
        depth: u32,
    ) -> Result<MetaValue, GgufError> {
        let c = &mut self.cursor;
        Ok(match ty {
            GgufValueType::U8 => MetaValue::U8(c.u8()?),
            GgufValueType::I8 => MetaValue::I8(i8::from_le_bytes(c.array()?)),
            GgufValueType::U16 => MetaValue::U16(c.u16()?),
            GgufValueType::I16 => MetaValue::I16(i16::from_le_bytes(c.array()?)),
            GgufValueType::U32 => MetaValue::U32(c.u32()?),
            GgufValueType::I32 => MetaValue::I32(i32::from_le_bytes(c.array()?)),
            GgufValueType::F32 => MetaValue::F32(f32::from_le_bytes(c.array()?)),
            GgufValueType::Bool => MetaValue::Bool(c.u8()? != 0),
            GgufValueType::U64 => MetaValue::U64(c.u64()?),
            GgufValueType::I64 => MetaValue::I64(i64::from_le_bytes(c.array()?)),
            GgufValueType::F64 => MetaValue::F64(f64::from_le_bytes(c.array()?)),
            GgufValueType::String => {
                MetaValue::String(String::from_utf8_lossy(c.string_bytes()?).into_owned())
            }
            GgufValueType::Array => self.read_array(key, depth)?,
        })
    }

    /// Reads an array header and its elements, keeping only the first few.
    fn read_array(&mut self, key: &str, depth: u32) -> Result<MetaValue, GgufError> {
        let elem_type = self.value_type(key)?;
        if elem_type == GgufValueType::Array && depth + 1 >= MAX_ARRAY_NESTING {
            return Err(GgufError::NestingTooDeep { key: key.into() });
        }
        let len = self.cursor.u64()?;
        // Every element takes at least `min_size` bytes: check that they can all be there
        // before looping or allocating (gives the caller a useful `NeedMore` bound too).
        let min_total = len
            .checked_mul(elem_type.min_size())
            .ok_or(GgufError::TooLarge {
                what: "a metadata array length",
                value: len,
                limit: MAX_HEADER_LEN / elem_type.min_size(),
            })?;
        self.cursor.ensure(min_total)?;

        let keep = (len.min(ARRAY_PREVIEW_LEN as u64) as usize).min(self.store_budget);
        self.store_budget -= keep;
        let mut small = Vec::with_capacity(keep);
        for _ in 0..keep {
            small.push(self.read_value(elem_type, key, depth + 1)?);
        }
        let rest = len - keep as u64;
        match elem_type.fixed_size() {
            // `rest * size <= min_total`, checked above.
            Some(size) => {
                self.cursor.take(rest.saturating_mul(size))?;
            }
            None => {
                for _ in 0..rest {
                    self.skip_value(elem_type, key, depth + 1)?;
                }
            }
        }
        Ok(MetaValue::Array {
            elem_type,
            len,
            small,
        })
    }

    /// Moves past one value without storing it.
    fn skip_value(&mut self, ty: GgufValueType, key: &str, depth: u32) -> Result<(), GgufError> {
        match ty {
            GgufValueType::String => {
                self.cursor.string_bytes()?;
            }
            GgufValueType::Array => {
                let elem_type = self.value_type(key)?;
                if elem_type == GgufValueType::Array && depth + 1 >= MAX_ARRAY_NESTING {
                    return Err(GgufError::NestingTooDeep { key: key.into() });
                }
                let len = self.cursor.u64()?;
                let min_total =
                    len.checked_mul(elem_type.min_size())
                        .ok_or(GgufError::TooLarge {
                            what: "a metadata array length",
                            value: len,
                            limit: MAX_HEADER_LEN / elem_type.min_size(),
                        })?;
                match elem_type.fixed_size() {
                    Some(_) => {
                        self.cursor.take(min_total)?;
                    }
                    None => {
                        self.cursor.ensure(min_total)?;
                        for _ in 0..len {
                            self.skip_value(elem_type, key, depth + 1)?;
                        }
                    }
                }
            }
            fixed => {
                self.cursor.take(fixed.min_size())?;
            }
        }
        Ok(())
    }
}

/// Rounds `value` up to a multiple of `alignment` (> 0).
fn align_up(value: u64, alignment: u64) -> Option<u64> {
    let rem = value % alignment;
    if rem == 0 {
        Some(value)
    } else {
        value.checked_add(alignment - rem)
    }
}

/// Parses the GGUF header at the start of `bytes` (metadata and tensor infos; tensor data
/// need not be present).
///
/// Returns [`GgufError::NeedMore`] when `bytes` ends inside the header: read at least
/// `at_least` bytes and call again. Never panics; allocations are bounded by the bytes
/// actually present.
pub fn parse_gguf(bytes: &[u8]) -> Result<GgufHeader, GgufError> {
    // Magic: reject early even on a short prefix when the bytes present already differ.
    let present = bytes.len().min(4);
    let head = bytes.get(..present).unwrap_or(&[]);
    if head != GGUF_MAGIC.get(..present).unwrap_or(&[]) {
        let mut found = [0u8; 4];
        if let Some(dst) = found.get_mut(..present) {
            dst.copy_from_slice(head);
        }
        return Err(GgufError::BadMagic {
            found,
            len: present as u8,
        });
    }

    let mut cursor = Cursor { bytes, pos: 0 };
    cursor.take(4)?;
    let version = cursor.u32()?;
    if version & 0xFFFF == 0 && (1..=3).contains(&version.swap_bytes()) {
        return Err(GgufError::BigEndian {
            version: version.swap_bytes(),
        });
    }
    if version != 2 && version != 3 {
        return Err(GgufError::UnsupportedVersion(version));
    }

    let tensor_count = cursor.u64()?;
    if tensor_count > MAX_TENSOR_COUNT {
        return Err(GgufError::TooLarge {
            what: "the tensor count",
            value: tensor_count,
            limit: MAX_TENSOR_COUNT,
        });
    }
    let kv_count = cursor.u64()?;
    if kv_count > MAX_METADATA_KV_COUNT {
        return Err(GgufError::TooLarge {
            what: "the metadata key/value count",
            value: kv_count,
            limit: MAX_METADATA_KV_COUNT,
        });
    }
    // Both counts are ≤ 10^6, so these products cannot overflow.
    let min_rest = kv_count * MIN_KV_BYTES + tensor_count * MIN_TENSOR_INFO_BYTES;
    cursor.ensure(min_rest)?;

    let mut reader = ValueReader {
        cursor,
        store_budget: MAX_STORED_ARRAY_ELEMENTS,
    };

    // `ensure` above proved the entries can fit, so these capacities are bounded by the
    // bytes present.
    let mut metadata: Vec<(String, MetaValue)> = Vec::with_capacity(kv_count as usize);
    for _ in 0..kv_count {
        let key = reader.cursor.strict_string("metadata key")?;
        let ty = reader.value_type(&key)?;
        let value = reader.read_value(ty, &key, 0)?;
        metadata.push((key, value));
    }

    let mut cursor = reader.cursor;
    let mut tensors: Vec<GgufTensor> = Vec::with_capacity(tensor_count as usize);
    for _ in 0..tensor_count {
        let name = cursor.strict_string("tensor name")?;
        let n_dims = cursor.u32()?;
        if n_dims > MAX_DIMS {
            return Err(GgufError::TooLarge {
                what: "the number of tensor dimensions",
                value: u64::from(n_dims),
                limit: u64::from(MAX_DIMS),
            });
        }
        let mut dims = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            dims.push(cursor.u64()?);
        }
        let type_id = cursor.u32()?;
        let offset = cursor.u64()?;
        let ggml_type = GgmlType::from_id(type_id).ok_or_else(|| GgufError::UnknownType {
            tensor: name.clone(),
            id: type_id,
        })?;
        let bytes = match ggml_type.try_tensor_bytes(&dims) {
            Ok(bytes) => bytes,
            Err(problem) => {
                return Err(GgufError::InvalidShape {
                    tensor: name,
                    problem,
                })
            }
        };
        tensors.push(GgufTensor {
            name,
            ggml_type,
            dims,
            offset,
            bytes,
        });
    }
    let infos_end = cursor.position();

    let alignment = alignment_of(&metadata)?;
    for tensor in &tensors {
        if tensor.offset % alignment != 0 {
            return Err(GgufError::MisalignedTensor {
                tensor: tensor.name.clone(),
                offset: tensor.offset,
                alignment,
            });
        }
        if tensor.offset.checked_add(tensor.bytes).is_none() {
            return Err(GgufError::Overflow {
                what: "a tensor's data offset plus its size",
            });
        }
    }
    let data_offset = align_up(infos_end, alignment).ok_or(GgufError::Overflow {
        what: "the data offset",
    })?;

    check_unique(metadata.iter().map(|(k, _)| k.as_str())).map_err(GgufError::DuplicateKey)?;
    check_unique(tensors.iter().map(|t| t.name.as_str())).map_err(GgufError::DuplicateTensor)?;

    Ok(GgufHeader {
        version,
        metadata,
        tensors,
        alignment,
        data_offset,
    })
}

/// `general.alignment` if present and valid, else the default.
fn alignment_of(metadata: &[(String, MetaValue)]) -> Result<u64, GgufError> {
    let Some((_, value)) = metadata.iter().find(|(k, _)| k == KEY_ALIGNMENT) else {
        return Ok(DEFAULT_ALIGNMENT);
    };
    let MetaValue::U32(alignment) = *value else {
        return Err(GgufError::BadAlignment {
            reason: "is not stored as a uint32",
            value: value.as_u64().unwrap_or(0),
        });
    };
    let alignment = u64::from(alignment);
    if alignment == 0 || !alignment.is_power_of_two() || alignment > MAX_ALIGNMENT {
        return Err(GgufError::BadAlignment {
            reason: "is not a power of two",
            value: alignment,
        });
    }
    Ok(alignment)
}

/// The first name that appears twice, if any.
fn check_unique<'s>(names: impl Iterator<Item = &'s str>) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(String::from(name));
        }
    }
    Ok(())
}

/// Merges the headers of a split GGUF set (`model-00001-of-00003.gguf`, … written by
/// llama.cpp `gguf-split`) into one header, in any input order.
///
/// Checks that every header carries `split.no` / `split.count`, that all agree on the
/// count, that every part 0..count is present exactly once, that tensor names are unique
/// across parts and, when present, that `split.tensors.count` matches. The result has the
/// metadata, version, alignment and data offset of part 1 and the tensors of all parts in
/// part order; each tensor's `offset` stays relative to the data section of its own part.
///
/// A single header without split metadata is returned unchanged.
pub fn merge_splits(parts: Vec<GgufHeader>) -> Result<GgufHeader, GgufError> {
    if parts.is_empty() {
        return Err(GgufError::NoParts);
    }
    if parts.len() == 1 && parts.first().is_some_and(|p| p.split().is_none()) {
        return parts.into_iter().next().ok_or(GgufError::NoParts);
    }

    let mut numbered: Vec<(SplitInfo, GgufHeader)> = Vec::with_capacity(parts.len());
    for (index, part) in parts.into_iter().enumerate() {
        let info = part.split().ok_or(GgufError::NotASplit { part: index })?;
        numbered.push((info, part));
    }
    let count = numbered
        .first()
        .map(|(info, _)| info.count)
        .ok_or(GgufError::NoParts)?;
    for (info, _) in &numbered {
        if info.count != count {
            return Err(GgufError::SplitCountMismatch {
                expected: count,
                found: info.count,
            });
        }
        if info.no >= count {
            return Err(GgufError::SplitOutOfRange { no: info.no, count });
        }
    }
    gpuplan_core::sort::sort_by_key(&mut numbered, |(info, _)| info.no);
    for pair in numbered.windows(2) {
        if let [(a, _), (b, _)] = pair {
            if a.no == b.no {
                return Err(GgufError::DuplicateSplit {
                    number: a.no.saturating_add(1),
                });
            }
        }
    }
    // Sorted, unique and all below `count`: part k sits at index k unless one is missing.
    for (index, (info, _)) in numbered.iter().enumerate() {
        if info.no != index as u64 {
            return Err(GgufError::MissingSplit {
                number: index as u64 + 1,
                count,
            });
        }
    }
    if numbered.len() as u64 != count {
        return Err(GgufError::MissingSplit {
            number: numbered.len() as u64 + 1,
            count,
        });
    }

    let declared = numbered.first().and_then(|(info, _)| info.tensors_count);
    let mut parts = numbered.into_iter().map(|(_, header)| header);
    let mut merged = parts.next().ok_or(GgufError::NoParts)?;
    for part in parts {
        merged.tensors.extend(part.tensors);
    }
    check_unique(merged.tensors.iter().map(|t| t.name.as_str()))
        .map_err(GgufError::DuplicateTensor)?;
    if let Some(declared) = declared {
        let found = merged.tensors.len() as u64;
        if declared != found {
            return Err(GgufError::SplitTensorCountMismatch { declared, found });
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests;
