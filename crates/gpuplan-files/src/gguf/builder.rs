//! Writes small, valid GGUF files (zero-filled tensor data) for tests, demos and fixtures.
//!
//! The layout follows the GGUF spec (`docs/gguf.md`, ggml-org/ggml) the way llama.cpp's
//! `gguf_write_to_buf` (`ggml/src/gguf.cpp`) writes it: header, metadata, tensor infos,
//! zero padding to the alignment, then each tensor's data padded to the alignment.
//!
//! ```
//! use gpuplan_files::gguf::{builder::GgufBuilder, parse_gguf, GgmlType};
//! let file = GgufBuilder::new(3)
//!     .meta_str("general.architecture", "llama")
//!     .tensor("blk.0.attn_q.weight", GgmlType::Q4_K, &[256, 4])
//!     .build();
//! let header = parse_gguf(&file).unwrap();
//! assert_eq!(header.tensors[0].bytes, 4 * 144);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::{GgmlType, GgufValueType, MetaValue, DEFAULT_ALIGNMENT, KEY_ALIGNMENT};

/// One tensor to write.
#[derive(Debug, Clone)]
struct PlannedTensor {
    name: String,
    type_id: u32,
    dims: Vec<u64>,
    bytes: u64,
}

/// Builder of a GGUF file. Methods consume and return the builder so calls chain.
#[derive(Debug, Clone)]
pub struct GgufBuilder {
    version: u32,
    alignment: u64,
    /// Key, value type id, encoded value.
    metadata: Vec<(String, u32, Vec<u8>)>,
    tensors: Vec<PlannedTensor>,
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s);
}

/// Encodes `value` (arrays: the elements in `small`, with length `small.len()`).
fn encode_value(out: &mut Vec<u8>, value: &MetaValue) {
    match value {
        MetaValue::U8(v) => out.push(*v),
        MetaValue::I8(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::U16(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::I16(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::Bool(v) => out.push(u8::from(*v)),
        MetaValue::String(s) => put_string(out, s.as_bytes()),
        MetaValue::U64(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::F64(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::Array {
            elem_type, small, ..
        } => {
            out.extend_from_slice(&elem_type.id().to_le_bytes());
            out.extend_from_slice(&(small.len() as u64).to_le_bytes());
            for element in small {
                encode_value(out, element);
            }
        }
    }
}

fn align_up(value: u64, alignment: u64) -> u64 {
    let alignment = alignment.max(1);
    value.div_ceil(alignment).saturating_mul(alignment)
}

impl GgufBuilder {
    /// A builder for GGUF `version` (2 or 3 make valid files; other values are written as
    /// given, to test rejection).
    pub fn new(version: u32) -> Self {
        Self {
            version,
            alignment: DEFAULT_ALIGNMENT,
            metadata: Vec::new(),
            tensors: Vec::new(),
        }
    }

    fn push_meta(mut self, key: &str, ty: GgufValueType, value: &MetaValue) -> Self {
        let mut encoded = Vec::new();
        encode_value(&mut encoded, value);
        self.metadata.push((String::from(key), ty.id(), encoded));
        self
    }

    /// Any metadata value (arrays are written with the elements in `small`).
    pub fn meta(self, key: &str, value: MetaValue) -> Self {
        let ty = value.value_type();
        self.push_meta(key, ty, &value)
    }

    /// A metadata entry with a raw value type id and pre-encoded value bytes (for tests of
    /// malformed files).
    pub fn meta_raw(mut self, key: &str, type_id: u32, encoded_value: &[u8]) -> Self {
        self.metadata
            .push((String::from(key), type_id, Vec::from(encoded_value)));
        self
    }

    /// A `string` value.
    pub fn meta_str(self, key: &str, value: &str) -> Self {
        self.meta(key, MetaValue::String(String::from(value)))
    }

    /// A `uint8` value.
    pub fn meta_u8(self, key: &str, value: u8) -> Self {
        self.meta(key, MetaValue::U8(value))
    }

    /// A `uint16` value.
    pub fn meta_u16(self, key: &str, value: u16) -> Self {
        self.meta(key, MetaValue::U16(value))
    }

    /// A `uint32` value.
    pub fn meta_u32(self, key: &str, value: u32) -> Self {
        self.meta(key, MetaValue::U32(value))
    }

    /// An `int32` value.
    pub fn meta_i32(self, key: &str, value: i32) -> Self {
        self.meta(key, MetaValue::I32(value))
    }

    /// A `uint64` value.
    pub fn meta_u64(self, key: &str, value: u64) -> Self {
        self.meta(key, MetaValue::U64(value))
    }

    /// A `float32` value.
    pub fn meta_f32(self, key: &str, value: f32) -> Self {
        self.meta(key, MetaValue::F32(value))
    }

    /// A `bool` value.
    pub fn meta_bool(self, key: &str, value: bool) -> Self {
        self.meta(key, MetaValue::Bool(value))
    }

    /// An array of strings (e.g. `tokenizer.ggml.tokens`).
    pub fn meta_array_str<S: AsRef<str>>(mut self, key: &str, values: &[S]) -> Self {
        let mut encoded = Vec::new();
        encoded.extend_from_slice(&GgufValueType::String.id().to_le_bytes());
        encoded.extend_from_slice(&(values.len() as u64).to_le_bytes());
        for value in values {
            put_string(&mut encoded, value.as_ref().as_bytes());
        }
        self.metadata
            .push((String::from(key), GgufValueType::Array.id(), encoded));
        self
    }

    fn array_fixed<const N: usize>(
        mut self,
        key: &str,
        elem_type: GgufValueType,
        values: impl ExactSizeIterator<Item = [u8; N]>,
    ) -> Self {
        let mut encoded = Vec::new();
        encoded.extend_from_slice(&elem_type.id().to_le_bytes());
        encoded.extend_from_slice(&(values.len() as u64).to_le_bytes());
        for value in values {
            encoded.extend_from_slice(&value);
        }
        self.metadata
            .push((String::from(key), GgufValueType::Array.id(), encoded));
        self
    }

    /// An array of `uint32`.
    pub fn meta_array_u32(self, key: &str, values: &[u32]) -> Self {
        self.array_fixed(
            key,
            GgufValueType::U32,
            values.iter().map(|v| v.to_le_bytes()),
        )
    }

    /// An array of `int32` (e.g. `tokenizer.ggml.token_type`).
    pub fn meta_array_i32(self, key: &str, values: &[i32]) -> Self {
        self.array_fixed(
            key,
            GgufValueType::I32,
            values.iter().map(|v| v.to_le_bytes()),
        )
    }

    /// An array of `float32` (e.g. `tokenizer.ggml.scores`).
    pub fn meta_array_f32(self, key: &str, values: &[f32]) -> Self {
        self.array_fixed(
            key,
            GgufValueType::F32,
            values.iter().map(|v| v.to_le_bytes()),
        )
    }

    /// Sets the data alignment and writes it as `general.alignment` (uint32). Values that
    /// are not powers of two produce a file the parser rejects (useful in tests).
    pub fn alignment(mut self, alignment: u32) -> Self {
        self.alignment = u64::from(alignment);
        self.meta_u32(KEY_ALIGNMENT, alignment)
    }

    /// Split metadata as llama.cpp `gguf-split` writes it: `split.no` (uint16, 0-based),
    /// `split.count` (uint16), `split.tensors.count` (int32).
    pub fn split(self, no: u16, count: u16, tensors_count: i32) -> Self {
        self.meta_u16(super::KEY_SPLIT_NO, no)
            .meta_u16(super::KEY_SPLIT_COUNT, count)
            .meta_i32(super::KEY_SPLIT_TENSORS_COUNT, tensors_count)
    }

    /// A tensor with ggml dims `dims` (row length first). Its data is zero-filled; a shape
    /// the type cannot store gets no data (and the parser will reject the file).
    pub fn tensor(mut self, name: &str, ggml_type: GgmlType, dims: &[u64]) -> Self {
        let bytes = ggml_type.tensor_bytes(dims).unwrap_or(0);
        self.tensors.push(PlannedTensor {
            name: String::from(name),
            type_id: ggml_type.id(),
            dims: Vec::from(dims),
            bytes,
        });
        self
    }

    /// A tensor with a raw type id and data size (for tests of unknown types).
    pub fn tensor_raw(mut self, name: &str, type_id: u32, dims: &[u64], data_bytes: u64) -> Self {
        self.tensors.push(PlannedTensor {
            name: String::from(name),
            type_id,
            dims: Vec::from(dims),
            bytes: data_bytes,
        });
        self
    }

    /// Bytes of header, metadata and tensor infos (before the alignment padding).
    pub fn header_len(&self) -> u64 {
        self.encode_header().len() as u64
    }

    /// File offset where tensor data starts.
    pub fn data_offset(&self) -> u64 {
        align_up(self.header_len(), self.alignment)
    }

    fn encode_header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&super::GGUF_MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.metadata.len() as u64).to_le_bytes());
        for (key, type_id, encoded) in &self.metadata {
            put_string(&mut out, key.as_bytes());
            out.extend_from_slice(&type_id.to_le_bytes());
            out.extend_from_slice(encoded);
        }
        let mut offset = 0u64;
        for tensor in &self.tensors {
            put_string(&mut out, tensor.name.as_bytes());
            out.extend_from_slice(&(tensor.dims.len() as u32).to_le_bytes());
            for dim in &tensor.dims {
                out.extend_from_slice(&dim.to_le_bytes());
            }
            out.extend_from_slice(&tensor.type_id.to_le_bytes());
            out.extend_from_slice(&offset.to_le_bytes());
            offset = offset.saturating_add(align_up(tensor.bytes, self.alignment));
        }
        out
    }

    /// The header padded to the start of tensor data, without the data: what a reader of
    /// the first bytes of the file sees. Cheap even for multi-GB tensor shapes.
    pub fn build_header(&self) -> Vec<u8> {
        let mut out = self.encode_header();
        let padded = align_up(out.len() as u64, self.alignment);
        out.resize(usize::try_from(padded).unwrap_or(out.len()), 0);
        out
    }

    /// The whole file with zero-filled tensor data, each tensor padded to the alignment.
    /// Only for small tensors: the data is held in memory.
    pub fn build(&self) -> Vec<u8> {
        let mut out = self.build_header();
        let data: u64 = self.tensors.iter().fold(0u64, |acc, t| {
            acc.saturating_add(align_up(t.bytes, self.alignment))
        });
        let total = (out.len() as u64).saturating_add(data);
        out.resize(usize::try_from(total).unwrap_or(out.len()), 0);
        out
    }
}
