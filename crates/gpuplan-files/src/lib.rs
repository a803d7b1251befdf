//! Header parsers for model files a user drops in: GGUF and safetensors.
//!
//! Everything here is pure: parsers take `&[u8]` (the first bytes of a file, e.g. a
//! `Blob.slice(0, 4 MiB)` in the browser) and never do I/O. When the slice ends before the
//! header does, they answer `NeedMore { at_least }` so the caller can read a bigger prefix
//! and try again.
//!
//! Robustness rules kept throughout the crate:
//! * no panics on any input (no `unwrap`, no unchecked indexing, checked arithmetic);
//! * no allocation proportional to an untrusted count before that count has been checked
//!   against the bytes that are actually there;
//! * hard limits on everything a hostile file could inflate (counts, string lengths,
//!   header length), each reported with a plain-English error naming the field and range.
//!
//! Modules:
//! * [`gguf`]: GGUF v2/v3 headers (llama.cpp), `GgmlType` block sizes, split merging,
//!   and [`gguf::builder`] to write small valid GGUF files;
//! * [`mmproj`]: llama.cpp multimodal projector files (`general.architecture` `clip`): their
//!   bytes and image tokens;
//! * [`safetensors`]: safetensors headers, `model.safetensors.index.json`, quantization
//!   hints, and [`safetensors::builder`];
//! * [`hub`]: a Hub id or link → repo, revision and file, and the plan of requests that reads
//!   its config and headers (a state machine; the caller does the HTTP).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod gguf;
pub mod hub;
pub mod json;
pub mod mmproj;
pub mod model;
pub mod safetensors;

pub use gguf::{
    merge_splits, parse_gguf, GgmlType, GgufError, GgufHeader, GgufTensor, GgufValueType,
    MetaValue, SplitInfo, TensorShapeError,
};
pub use safetensors::{
    parse_index_json, parse_safetensors, Dtype, SafetensorsError, SafetensorsHeader,
    SafetensorsIndex, SafetensorsTensor,
};
