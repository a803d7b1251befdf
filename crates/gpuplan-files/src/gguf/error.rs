//! Errors of the GGUF parser and of split merging.

use alloc::string::String;
use core::fmt;

use super::types::{TensorShapeError, MAX_ARRAY_NESTING};

/// Why a GGUF header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GgufError {
    /// The slice ends before the header (metadata + tensor infos) does: read at least
    /// `at_least` bytes from the start of the file and parse again.
    NeedMore {
        /// A lower bound for the header length in bytes.
        at_least: u64,
    },
    /// The file does not start with the ASCII magic `GGUF`.
    BadMagic {
        /// The first bytes found (fewer than 4 if the slice was shorter).
        found: [u8; 4],
        /// How many of `found` are real bytes.
        len: u8,
    },
    /// The file is a big-endian GGUF (written for s390x and similar); only little-endian
    /// files are read.
    BigEndian {
        /// The version number once byte-swapped.
        version: u32,
    },
    /// A GGUF version other than 2 or 3.
    UnsupportedVersion(u32),
    /// A tensor has a ggml type id this crate does not know.
    UnknownType {
        /// Tensor name.
        tensor: String,
        /// The type id found.
        id: u32,
    },
    /// A metadata value has a type id outside 0..=12.
    UnknownValueType {
        /// Metadata key.
        key: String,
        /// The type id found.
        id: u32,
    },
    /// A count, length or size is beyond what this parser accepts.
    TooLarge {
        /// What was too large, in words.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The largest value accepted.
        limit: u64,
    },
    /// Offset arithmetic overflowed.
    Overflow {
        /// What was being computed.
        what: &'static str,
    },
    /// A key or tensor name is not valid UTF-8.
    InvalidUtf8 {
        /// Which field.
        what: &'static str,
        /// File offset of the string's first byte.
        offset: u64,
    },
    /// `general.alignment` is not a non-zero power of two stored as uint32.
    BadAlignment {
        /// What was wrong, in words.
        reason: &'static str,
        /// The value found (0 when it was not an integer).
        value: u64,
    },
    /// A tensor's data offset is not a multiple of the file's alignment.
    MisalignedTensor {
        /// Tensor name.
        tensor: String,
        /// Offset found (relative to the start of the data section).
        offset: u64,
        /// The file's alignment.
        alignment: u64,
    },
    /// A tensor shape that cannot be stored in its type.
    InvalidShape {
        /// Tensor name.
        tensor: String,
        /// What is wrong with it.
        problem: TensorShapeError,
    },
    /// The same metadata key appears twice.
    DuplicateKey(String),
    /// The same tensor name appears twice (in one file or across split parts).
    DuplicateTensor(String),
    /// Arrays nested deeper than [`MAX_ARRAY_NESTING`].
    NestingTooDeep {
        /// Metadata key of the outer array.
        key: String,
    },
    /// `merge_splits` was given no headers.
    NoParts,
    /// A header given to `merge_splits` lacks `split.no` / `split.count`.
    NotASplit {
        /// Position of the header in the list given.
        part: usize,
    },
    /// Parts disagree on `split.count`.
    SplitCountMismatch {
        /// `split.count` of the first part.
        expected: u64,
        /// The differing count found.
        found: u64,
    },
    /// A part of the split set is missing.
    MissingSplit {
        /// 1-based part number as in file names (`-00002-of-00003.gguf`).
        number: u64,
        /// Parts in the set.
        count: u64,
    },
    /// The same part was given twice.
    DuplicateSplit {
        /// 1-based part number.
        number: u64,
    },
    /// `split.no` is not below `split.count`.
    SplitOutOfRange {
        /// 0-based `split.no` found.
        no: u64,
        /// `split.count`.
        count: u64,
    },
    /// `split.tensors.count` of the first part differs from the tensors found in all parts.
    SplitTensorCountMismatch {
        /// `split.tensors.count`.
        declared: u64,
        /// Tensors found across the parts.
        found: u64,
    },
}

impl GgufError {
    /// A short stable name of the variant (for statistics and logs), e.g. `"NeedMore"`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::NeedMore { .. } => "NeedMore",
            Self::BadMagic { .. } => "BadMagic",
            Self::BigEndian { .. } => "BigEndian",
            Self::UnsupportedVersion(_) => "UnsupportedVersion",
            Self::UnknownType { .. } => "UnknownType",
            Self::UnknownValueType { .. } => "UnknownValueType",
            Self::TooLarge { .. } => "TooLarge",
            Self::Overflow { .. } => "Overflow",
            Self::InvalidUtf8 { .. } => "InvalidUtf8",
            Self::BadAlignment { .. } => "BadAlignment",
            Self::MisalignedTensor { .. } => "MisalignedTensor",
            Self::InvalidShape { .. } => "InvalidShape",
            Self::DuplicateKey(_) => "DuplicateKey",
            Self::DuplicateTensor(_) => "DuplicateTensor",
            Self::NestingTooDeep { .. } => "NestingTooDeep",
            Self::NoParts => "NoParts",
            Self::NotASplit { .. } => "NotASplit",
            Self::SplitCountMismatch { .. } => "SplitCountMismatch",
            Self::MissingSplit { .. } => "MissingSplit",
            Self::DuplicateSplit { .. } => "DuplicateSplit",
            Self::SplitOutOfRange { .. } => "SplitOutOfRange",
            Self::SplitTensorCountMismatch { .. } => "SplitTensorCountMismatch",
        }
    }
}

impl fmt::Display for GgufError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NeedMore { at_least } => write!(
                f,
                "the GGUF header continues past the bytes read so far; read at least the first \
                 {at_least} bytes of the file"
            ),
            Self::BadMagic { found, len } => {
                write!(
                    f,
                    "not a GGUF file: it must start with the 4 bytes \"GGUF\", found "
                )?;
                let shown = found.get(..usize::from(*len)).unwrap_or(&[]);
                if shown.is_empty() {
                    write!(f, "an empty file")
                } else {
                    for byte in shown {
                        write!(f, "{byte:02x} ")?;
                    }
                    write!(f, "(hex)")
                }
            }
            Self::BigEndian { version } => write!(
                f,
                "this is a big-endian GGUF (version {version}); only little-endian GGUF files \
                 are supported, convert it with gguf-py or use the little-endian release"
            ),
            Self::UnsupportedVersion(1) => write!(
                f,
                "GGUF version 1 (the 2023 pre-release format with 32-bit counts) is not \
                 supported; only versions 2 and 3 are. Re-convert the model with current llama.cpp"
            ),
            Self::UnsupportedVersion(version) => write!(
                f,
                "unsupported GGUF version {version}; only versions 2 and 3 are supported"
            ),
            Self::UnknownType { tensor, id } => write!(
                f,
                "tensor '{tensor}' has ggml type id {id}, which is not a known ggml type \
                 (known ids: 0-3, 6-30, 34, 35, 39-42); the file may be newer than this tool \
                 or corrupt"
            ),
            Self::UnknownValueType { key, id } => write!(
                f,
                "metadata key '{key}' has value type id {id}; GGUF value types are 0 to 12"
            ),
            Self::TooLarge { what, value, limit } => {
                write!(
                    f,
                    "{what} is {value}, larger than the allowed maximum of {limit}"
                )
            }
            Self::Overflow { what } => {
                write!(f, "{what} overflows a 64-bit integer; the file is corrupt")
            }
            Self::InvalidUtf8 { what, offset } => {
                write!(f, "the {what} at byte {offset} is not valid UTF-8")
            }
            Self::BadAlignment { reason, value } => write!(
                f,
                "general.alignment {reason} (found {value}); it must be a uint32 power of two \
                 between 1 and 2^31, usually 32"
            ),
            Self::MisalignedTensor {
                tensor,
                offset,
                alignment,
            } => write!(
                f,
                "tensor '{tensor}' starts at data offset {offset}, which is not a multiple of \
                 the file alignment {alignment}"
            ),
            Self::InvalidShape { tensor, problem } => write!(f, "tensor '{tensor}' {problem}"),
            Self::DuplicateKey(key) => {
                write!(
                    f,
                    "metadata key '{key}' appears more than once; keys must be unique"
                )
            }
            Self::DuplicateTensor(name) => {
                write!(
                    f,
                    "tensor '{name}' appears more than once; tensor names must be unique"
                )
            }
            Self::NestingTooDeep { key } => write!(
                f,
                "metadata key '{key}' nests arrays more than {MAX_ARRAY_NESTING} levels deep"
            ),
            Self::NoParts => write!(f, "no GGUF files were given to merge"),
            Self::NotASplit { part } => write!(
                f,
                "file #{} of the set has no split.no / split.count metadata, so it is not part \
                 of a split GGUF (-0000N-of-0000M.gguf) set",
                part.saturating_add(1)
            ),
            Self::SplitCountMismatch { expected, found } => write!(
                f,
                "the parts disagree on split.count: the first says {expected} parts, another \
                 says {found}; all parts must come from the same split set"
            ),
            Self::MissingSplit { number, count } => write!(
                f,
                "part {number:05} of {count:05} (…-{number:05}-of-{count:05}.gguf) is missing; \
                 all {count} parts are needed"
            ),
            Self::DuplicateSplit { number } => {
                write!(
                    f,
                    "part {number:05} of the split set was given more than once"
                )
            }
            Self::SplitOutOfRange { no, count } => write!(
                f,
                "split.no is {no} but split.count is {count}; split.no must be 0 to {}",
                count.saturating_sub(1)
            ),
            Self::SplitTensorCountMismatch { declared, found } => write!(
                f,
                "split.tensors.count says {declared} tensors but the parts hold {found}"
            ),
        }
    }
}

impl core::error::Error for GgufError {}
