//! Errors of the safetensors header and index parsers.

use alloc::string::String;
use core::fmt;

/// Why a safetensors header or index could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SafetensorsError {
    /// The slice ends before the header does: read at least `at_least` bytes from the
    /// start of the file and parse again.
    NeedMore {
        /// Bytes needed (8 + header length once that is known).
        at_least: u64,
    },
    /// A length is beyond what this parser accepts.
    TooLarge {
        /// What was too large, in words.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The largest value accepted.
        limit: u64,
    },
    /// The header length is 0.
    EmptyHeader,
    /// The header does not start with `{` (the spec requires a JSON object).
    NotJsonObject {
        /// The first header byte.
        first_byte: u8,
    },
    /// The JSON is malformed (the message says where: line and column).
    Json(String),
    /// The same key appears twice in one JSON object.
    DuplicateKey(String),
    /// `__metadata__` is not an object whose values are all strings.
    BadMetadata {
        /// The offending metadata key, or empty when `__metadata__` itself is not an object.
        key: String,
    },
    /// A tensor entry lacks a field or has one of the wrong type.
    BadTensorEntry {
        /// Tensor name.
        tensor: String,
        /// What is wrong, in words.
        problem: &'static str,
    },
    /// A dtype this crate does not know.
    UnknownDtype {
        /// Tensor name.
        tensor: String,
        /// The dtype string found.
        dtype: String,
    },
    /// Element or byte count overflows 64 bits.
    Overflow {
        /// Tensor name.
        tensor: String,
    },
    /// A sub-byte dtype (F4, F6) whose elements do not fill whole bytes.
    PartialByte {
        /// Tensor name.
        tensor: String,
        /// The dtype's name.
        dtype: &'static str,
        /// Number of elements.
        elements: u64,
    },
    /// `data_offsets` end before they begin.
    ReversedOffsets {
        /// Tensor name.
        tensor: String,
        /// Begin offset.
        begin: u64,
        /// End offset.
        end: u64,
    },
    /// `data_offsets[1] - data_offsets[0]` differs from `numel × dtype size`.
    SizeMismatch {
        /// Tensor name.
        tensor: String,
        /// Bytes implied by shape and dtype.
        expected: u64,
        /// Bytes implied by `data_offsets`.
        found: u64,
    },
    /// Tensor data leaves a hole or overlaps another tensor (the data buffer must be
    /// covered exactly, in offset order).
    OffsetGap {
        /// Tensor name.
        tensor: String,
        /// Where this tensor should begin (end of the previous one).
        expected_begin: u64,
        /// Where it begins.
        found_begin: u64,
    },
    /// An index file without a `weight_map` object.
    MissingWeightMap,
    /// A `weight_map` value that is not a non-empty string.
    BadWeightMapEntry {
        /// Tensor name.
        tensor: String,
    },
    /// `metadata.total_size` is present but not a non-negative integer.
    BadTotalSize,
}

impl SafetensorsError {
    /// A short stable name of the variant (for statistics and logs).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::NeedMore { .. } => "NeedMore",
            Self::TooLarge { .. } => "TooLarge",
            Self::EmptyHeader => "EmptyHeader",
            Self::NotJsonObject { .. } => "NotJsonObject",
            Self::Json(_) => "Json",
            Self::DuplicateKey(_) => "DuplicateKey",
            Self::BadMetadata { .. } => "BadMetadata",
            Self::BadTensorEntry { .. } => "BadTensorEntry",
            Self::UnknownDtype { .. } => "UnknownDtype",
            Self::Overflow { .. } => "Overflow",
            Self::PartialByte { .. } => "PartialByte",
            Self::ReversedOffsets { .. } => "ReversedOffsets",
            Self::SizeMismatch { .. } => "SizeMismatch",
            Self::OffsetGap { .. } => "OffsetGap",
            Self::MissingWeightMap => "MissingWeightMap",
            Self::BadWeightMapEntry { .. } => "BadWeightMapEntry",
            Self::BadTotalSize => "BadTotalSize",
        }
    }
}

impl fmt::Display for SafetensorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NeedMore { at_least } => write!(
                f,
                "the safetensors header continues past the bytes read so far; read at least \
                 the first {at_least} bytes of the file"
            ),
            Self::TooLarge { what, value, limit } => {
                write!(f, "{what} is {value}, larger than the allowed maximum of {limit}")
            }
            Self::EmptyHeader => write!(
                f,
                "the safetensors header length (first 8 bytes) is 0; it must be 2 to \
                 100000000 bytes of JSON"
            ),
            Self::NotJsonObject { first_byte } => write!(
                f,
                "not a safetensors file: the header after the 8-byte length must start with \
                 '{{' but starts with byte 0x{first_byte:02x}"
            ),
            Self::Json(message) => write!(f, "the safetensors JSON header is malformed: {message}"),
            Self::DuplicateKey(key) => {
                write!(f, "key '{key}' appears more than once in the JSON; keys must be unique")
            }
            Self::BadMetadata { key } if key.is_empty() => write!(
                f,
                "__metadata__ must be an object mapping strings to strings"
            ),
            Self::BadMetadata { key } => write!(
                f,
                "__metadata__ entry '{key}' is not a string; all metadata values must be strings"
            ),
            Self::BadTensorEntry { tensor, problem } => write!(f, "tensor '{tensor}': {problem}"),
            Self::UnknownDtype { tensor, dtype } => write!(
                f,
                "tensor '{tensor}' has dtype \"{dtype}\", which is not a safetensors dtype \
                 (BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, \
                 F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64)"
            ),
            Self::Overflow { tensor } => write!(
                f,
                "tensor '{tensor}' has more elements or bytes than fit in 64 bits; the shape is corrupt"
            ),
            Self::PartialByte { tensor, dtype, elements } => write!(
                f,
                "tensor '{tensor}' has {elements} elements of the sub-byte dtype {dtype}, which \
                 do not fill a whole number of bytes"
            ),
            Self::ReversedOffsets { tensor, begin, end } => write!(
                f,
                "tensor '{tensor}' has data_offsets [{begin}, {end}]; the end must not be \
                 before the begin"
            ),
            Self::SizeMismatch { tensor, expected, found } => write!(
                f,
                "tensor '{tensor}': shape and dtype give {expected} bytes but data_offsets span \
                 {found} bytes"
            ),
            Self::OffsetGap { tensor, expected_begin, found_begin } => write!(
                f,
                "tensor '{tensor}' begins at data offset {found_begin} but the previous tensor \
                 ends at {expected_begin}; tensor data must cover the buffer with no hole or \
                 overlap"
            ),
            Self::MissingWeightMap => write!(
                f,
                "the index JSON has no \"weight_map\" object (tensor name → shard file name)"
            ),
            Self::BadWeightMapEntry { tensor } => write!(
                f,
                "weight_map entry '{tensor}' is not a non-empty string naming a shard file"
            ),
            Self::BadTotalSize => write!(
                f,
                "metadata.total_size must be a non-negative integer number of bytes"
            ),
        }
    }
}

impl core::error::Error for SafetensorsError {}
