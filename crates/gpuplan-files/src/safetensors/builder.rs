//! Writes small, valid safetensors files (zero-filled data) for tests, demos and fixtures.
//!
//! Layout as written by the reference `serialize` (`safetensors/src/tensor.rs`): 8-byte
//! little-endian header length, JSON header padded with spaces to a multiple of 8 bytes,
//! then the tensors' data back to back. Tensors are laid out in the order they were added.
//!
//! ```
//! use gpuplan_files::safetensors::{builder::SafetensorsBuilder, parse_safetensors, Dtype};
//! let file = SafetensorsBuilder::new()
//!     .metadata("format", "pt")
//!     .tensor("lm_head.weight", Dtype::BF16, &[8, 4])
//!     .build();
//! let header = parse_safetensors(&file).unwrap();
//! assert_eq!(header.total_bytes(), 64);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::{tensor_bytes, Dtype};
use crate::json::push_string as push_json_string;

/// Builder of a safetensors file. Methods consume and return the builder so calls chain.
#[derive(Debug, Clone, Default)]
pub struct SafetensorsBuilder {
    tensors: Vec<(String, Dtype, Vec<u64>)>,
    metadata: Vec<(String, String)>,
}

fn push_u64(out: &mut String, value: u64) {
    use core::fmt::Write;
    let _ = write!(out, "{value}");
}

impl SafetensorsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tensor of `dtype` and `shape` (outermost first), data zero-filled. A shape whose
    /// size overflows or does not fill whole bytes gets empty data (the parser rejects it).
    pub fn tensor(mut self, name: &str, dtype: Dtype, shape: &[u64]) -> Self {
        self.tensors
            .push((String::from(name), dtype, Vec::from(shape)));
        self
    }

    /// A `__metadata__` entry.
    pub fn metadata(mut self, key: &str, value: &str) -> Self {
        self.metadata.push((String::from(key), String::from(value)));
        self
    }

    /// The JSON header, padded with spaces so that its length is a multiple of 8.
    pub fn header_json(&self) -> String {
        let mut json = String::from("{");
        let mut first = true;
        if !self.metadata.is_empty() {
            json.push_str("\"__metadata__\":{");
            for (i, (key, value)) in self.metadata.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                push_json_string(&mut json, key);
                json.push(':');
                push_json_string(&mut json, value);
            }
            json.push('}');
            first = false;
        }
        let mut offset = 0u64;
        for (name, dtype, shape) in &self.tensors {
            if !first {
                json.push(',');
            }
            first = false;
            let bytes = tensor_bytes(*dtype, shape).unwrap_or(0);
            push_json_string(&mut json, name);
            json.push_str(":{\"dtype\":\"");
            json.push_str(dtype.name());
            json.push_str("\",\"shape\":[");
            for (i, dim) in shape.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                push_u64(&mut json, *dim);
            }
            json.push_str("],\"data_offsets\":[");
            push_u64(&mut json, offset);
            json.push(',');
            offset = offset.saturating_add(bytes);
            push_u64(&mut json, offset);
            json.push_str("]}");
        }
        json.push('}');
        while json.len() % 8 != 0 {
            json.push(' ');
        }
        json
    }

    /// The 8-byte length and the JSON header, without tensor data: what a reader of the
    /// first bytes of the file sees. Cheap even for multi-GB shapes.
    pub fn build_header(&self) -> Vec<u8> {
        let json = self.header_json();
        let mut out = Vec::with_capacity(json.len() + 8);
        out.extend_from_slice(&(json.len() as u64).to_le_bytes());
        out.extend_from_slice(json.as_bytes());
        out
    }

    /// The whole file with zero-filled data. Only for small tensors: the data is held in
    /// memory.
    pub fn build(&self) -> Vec<u8> {
        let mut out = self.build_header();
        let data = self.tensors.iter().fold(0u64, |acc, (_, dtype, shape)| {
            acc.saturating_add(tensor_bytes(*dtype, shape).unwrap_or(0))
        });
        let total = (out.len() as u64).saturating_add(data);
        out.resize(usize::try_from(total).unwrap_or(out.len()), 0);
        out
    }
}
