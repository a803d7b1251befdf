//! Tensor element types (`ggml_type`) and metadata value types (`gguf_type`).

use core::fmt;

/// Deepest nesting of arrays inside arrays accepted.
pub const MAX_ARRAY_NESTING: u32 = 4;

/// Why a tensor shape has no exact byte size for a given [`GgmlType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorShapeError {
    /// The shape has no dimensions at all.
    NoDimensions,
    /// The shape has more than [`super::MAX_DIMS`] dimensions.
    TooManyDimensions {
        /// Number of dimensions found.
        n_dims: u64,
    },
    /// One dimension is 0.
    ZeroDimension {
        /// Index of the offending dimension (0 = row length, ggml `ne[0]`).
        axis: usize,
    },
    /// The row length (`ne[0]`) is not a multiple of the type's block size, so the tensor
    /// cannot be stored in that type (llama.cpp falls back to another type in that case).
    RowNotBlockMultiple {
        /// Row length (`ne[0]`).
        row: u64,
        /// Elements per block of the type.
        block_elems: u64,
        /// llama.cpp name of the type.
        type_name: &'static str,
    },
    /// Element or byte count does not fit in a signed 64-bit integer (ggml's `int64_t ne`).
    Overflow,
}

impl fmt::Display for TensorShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoDimensions => write!(f, "has no dimensions; a GGUF tensor has 1 to 4"),
            Self::TooManyDimensions { n_dims } => {
                write!(
                    f,
                    "has {n_dims} dimensions; a GGUF tensor has 1 to 4 (GGML_MAX_DIMS)"
                )
            }
            Self::ZeroDimension { axis } => write!(
                f,
                "has dimension {axis} equal to 0; every dimension must be at least 1"
            ),
            Self::RowNotBlockMultiple {
                row,
                block_elems,
                type_name,
            } => write!(
                f,
                "has a row length of {row}, which is not a multiple of the {type_name} block \
                 size {block_elems}"
            ),
            Self::Overflow => write!(
                f,
                "has more elements or bytes than fit in a signed 64-bit integer \
                 (at most 9223372036854775807)"
            ),
        }
    }
}

macro_rules! ggml_types {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $name:literal, $elems:expr, $bytes:expr; )*) => {
        /// A ggml tensor element type as stored in GGUF tensor infos.
        ///
        /// Ids: `ggml/include/ggml.h` `enum ggml_type` (ggml-org/llama.cpp); names, block
        /// sizes (`blck_size`) and block bytes (`type_size`): `ggml/src/ggml.c` `type_traits`
        /// with the struct layouts of `ggml/src/ggml-common.h`, cross-checked against
        /// `gguf-py/gguf/constants.py` `GGML_QUANT_SIZES`. Ids 4, 5 (Q4_2, Q4_3), 31–33
        /// (Q4_0_4_4 …) and 36–38 (IQ4_NL_4_4 …) were removed from GGUF files upstream and are
        /// rejected as unknown.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum GgmlType {
            $( $(#[$doc])* $variant = $id, )*
        }

        impl GgmlType {
            /// Every known type, in id order.
            pub const ALL: &'static [GgmlType] = &[ $( GgmlType::$variant, )* ];

            /// The type with ggml id `id`, or `None` for ids this crate does not know
            /// (removed types, or types newer than this table).
            pub const fn from_id(id: u32) -> Option<Self> {
                match id {
                    $( $id => Some(GgmlType::$variant), )*
                    _ => None,
                }
            }

            /// The numeric ggml id written into GGUF tensor infos.
            pub const fn id(self) -> u32 {
                self as u32
            }

            /// The llama.cpp name (`ggml_type_name`), e.g. `"q4_K"`, `"bf16"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( GgmlType::$variant => $name, )*
                }
            }

            /// Elements per block (`ggml_blck_size`): 1 for plain types, 32/64/128/256 for
            /// quantized ones.
            pub const fn block_elems(self) -> u64 {
                match self {
                    $( GgmlType::$variant => $elems, )*
                }
            }

            /// Bytes per block (`ggml_type_size`).
            pub const fn block_bytes(self) -> u64 {
                match self {
                    $( GgmlType::$variant => $bytes, )*
                }
            }
        }
    };
}

/// `QK_K` of `ggml/src/ggml-common.h`: elements per K-quant super-block.
const QK_K: u64 = 256;

ggml_types! {
    /// 32-bit float.
    F32 = 0, "f32", 1, 4;
    /// 16-bit IEEE half float.
    F16 = 1, "f16", 1, 2;
    /// `block_q4_0`: f16 scale + 32 nibbles.
    Q4_0 = 2, "q4_0", 32, 2 + 16;
    /// `block_q4_1`: f16 scale and min + 32 nibbles.
    Q4_1 = 3, "q4_1", 32, 2 + 2 + 16;
    /// `block_q5_0`.
    Q5_0 = 6, "q5_0", 32, 2 + 4 + 16;
    /// `block_q5_1`.
    Q5_1 = 7, "q5_1", 32, 2 + 2 + 4 + 16;
    /// `block_q8_0`: f16 scale + 32 int8.
    Q8_0 = 8, "q8_0", 32, 2 + 32;
    /// `block_q8_1` (activations only): f16 delta and sum + 32 int8. ggml-common.h
    /// asserts `2*sizeof(ggml_half) + QK8_1` = 36; gguf-py's table still says 4 + 4 + 32,
    /// from the old float layout.
    Q8_1 = 9, "q8_1", 32, 2 + 2 + 32;
    /// `block_q2_K`.
    Q2_K = 10, "q2_K", QK_K, 2 + 2 + QK_K / 16 + QK_K / 4;
    /// `block_q3_K`.
    Q3_K = 11, "q3_K", QK_K, 2 + QK_K / 4 + QK_K / 8 + 12;
    /// `block_q4_K`.
    Q4_K = 12, "q4_K", QK_K, 2 + 2 + QK_K / 2 + 12;
    /// `block_q5_K`.
    Q5_K = 13, "q5_K", QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12;
    /// `block_q6_K`.
    Q6_K = 14, "q6_K", QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16;
    /// `block_q8_K` (intermediate, activations only).
    Q8_K = 15, "q8_K", QK_K, 4 + QK_K + QK_K / 8;
    /// `block_iq2_xxs`.
    IQ2_XXS = 16, "iq2_xxs", QK_K, 2 + QK_K / 4;
    /// `block_iq2_xs`.
    IQ2_XS = 17, "iq2_xs", QK_K, 2 + QK_K / 4 + QK_K / 32;
    /// `block_iq3_xxs`.
    IQ3_XXS = 18, "iq3_xxs", QK_K, 2 + QK_K / 4 + QK_K / 8;
    /// `block_iq1_s`.
    IQ1_S = 19, "iq1_s", QK_K, 2 + QK_K / 8 + QK_K / 16;
    /// `block_iq4_nl`.
    IQ4_NL = 20, "iq4_nl", 32, 2 + 16;
    /// `block_iq3_s`.
    IQ3_S = 21, "iq3_s", QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4;
    /// `block_iq2_s`.
    IQ2_S = 22, "iq2_s", QK_K, 2 + QK_K / 4 + QK_K / 16;
    /// `block_iq4_xs`.
    IQ4_XS = 23, "iq4_xs", QK_K, 2 + 2 + QK_K / 2 + QK_K / 64;
    /// 8-bit signed integer.
    I8 = 24, "i8", 1, 1;
    /// 16-bit signed integer.
    I16 = 25, "i16", 1, 2;
    /// 32-bit signed integer.
    I32 = 26, "i32", 1, 4;
    /// 64-bit signed integer.
    I64 = 27, "i64", 1, 8;
    /// 64-bit float.
    F64 = 28, "f64", 1, 8;
    /// `block_iq1_m` (no f16 scale field; scales packed in the block).
    IQ1_M = 29, "iq1_m", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32;
    /// bfloat16.
    BF16 = 30, "bf16", 1, 2;
    /// `block_tq1_0` (ternary).
    TQ1_0 = 34, "tq1_0", QK_K, 2 + 4 * 13;
    /// `block_tq2_0` (ternary).
    TQ2_0 = 35, "tq2_0", QK_K, 2 + 64;
    /// `block_mxfp4`: one E8M0 exponent + 32 packed E2M1 (OCP MX).
    MXFP4 = 39, "mxfp4", 32, 1 + 16;
    /// `block_nvfp4`: four UE4M3 sub-block scales + 64 packed E2M1.
    NVFP4 = 40, "nvfp4", 64, 4 + 32;
    /// `block_q1_0`: f16 scale + 128 sign bits.
    Q1_0 = 41, "q1_0", 128, 2 + 16;
    /// `block_q2_0`: f16 scale + 64 2-bit codes.
    Q2_0 = 42, "q2_0", 64, 2 + 16;
}

impl GgmlType {
    /// Whether the type is block-quantized (block size above 1), as `ggml_is_quantized`.
    pub const fn is_quantized(self) -> bool {
        self.block_elems() > 1
    }

    /// Storage bits per weight, scales included (e.g. 4.5 for `q4_K`).
    pub fn bits_per_weight(self) -> f64 {
        (self.block_bytes() * 8) as f64 / self.block_elems() as f64
    }

    /// Exact bytes of a tensor of this type with ggml dims `dims` (`ne[0]` first, i.e. the
    /// row length first, as written in GGUF tensor infos).
    ///
    /// `None` when the shape is not storable: no dimensions, more than 4, a zero dimension,
    /// a row length that is not a multiple of [`Self::block_elems`], or a count that
    /// overflows. [`Self::try_tensor_bytes`] says which.
    pub fn tensor_bytes(self, dims: &[u64]) -> Option<u64> {
        self.try_tensor_bytes(dims).ok()
    }

    /// Like [`Self::tensor_bytes`], with the reason when the shape is not storable.
    ///
    /// `bytes = (numel / block_elems) * block_bytes`, as `ggml_nbytes` for a contiguous
    /// tensor (`ggml/src/ggml.c`); elements and bytes must fit in `i64` like ggml's `ne`.
    pub fn try_tensor_bytes(self, dims: &[u64]) -> Result<u64, TensorShapeError> {
        let elements = checked_element_count(dims)?;
        let block = self.block_elems();
        let row = dims
            .first()
            .copied()
            .ok_or(TensorShapeError::NoDimensions)?;
        if row % block != 0 {
            return Err(TensorShapeError::RowNotBlockMultiple {
                row,
                block_elems: block,
                type_name: self.name(),
            });
        }
        let bytes = (elements / block)
            .checked_mul(self.block_bytes())
            .ok_or(TensorShapeError::Overflow)?;
        if bytes > i64::MAX as u64 {
            return Err(TensorShapeError::Overflow);
        }
        Ok(bytes)
    }
}

/// Product of `dims`, checking the GGUF rules: 1 to 4 dimensions, none 0, product fits in
/// `i64` (ggml `int64_t ne[4]`).
pub(crate) fn checked_element_count(dims: &[u64]) -> Result<u64, TensorShapeError> {
    if dims.is_empty() {
        return Err(TensorShapeError::NoDimensions);
    }
    if dims.len() > super::MAX_DIMS as usize {
        return Err(TensorShapeError::TooManyDimensions {
            n_dims: dims.len() as u64,
        });
    }
    let mut elements: u64 = 1;
    for (axis, &dim) in dims.iter().enumerate() {
        if dim == 0 {
            return Err(TensorShapeError::ZeroDimension { axis });
        }
        elements = elements
            .checked_mul(dim)
            .ok_or(TensorShapeError::Overflow)?;
    }
    if elements > i64::MAX as u64 {
        return Err(TensorShapeError::Overflow);
    }
    Ok(elements)
}

impl fmt::Display for GgmlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Type of a GGUF metadata value (`enum gguf_type`, GGUF spec `docs/gguf.md` in ggml-org/ggml,
/// `gguf-py/gguf/constants.py` `GGUFValueType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GgufValueType {
    /// `uint8`.
    U8 = 0,
    /// `int8`.
    I8 = 1,
    /// `uint16`.
    U16 = 2,
    /// `int16`.
    I16 = 3,
    /// `uint32`.
    U32 = 4,
    /// `int32`.
    I32 = 5,
    /// `float32`.
    F32 = 6,
    /// `bool` (one byte, 0 or 1).
    Bool = 7,
    /// `gguf_string_t`: u64 length + UTF-8 bytes, no terminator.
    String = 8,
    /// Array: u32 element type, u64 length, elements.
    Array = 9,
    /// `uint64`.
    U64 = 10,
    /// `int64`.
    I64 = 11,
    /// `float64`.
    F64 = 12,
}

impl GgufValueType {
    /// The value type with GGUF id `id`.
    pub const fn from_id(id: u32) -> Option<Self> {
        Some(match id {
            0 => Self::U8,
            1 => Self::I8,
            2 => Self::U16,
            3 => Self::I16,
            4 => Self::U32,
            5 => Self::I32,
            6 => Self::F32,
            7 => Self::Bool,
            8 => Self::String,
            9 => Self::Array,
            10 => Self::U64,
            11 => Self::I64,
            12 => Self::F64,
            _ => return None,
        })
    }

    /// The numeric id written in the file.
    pub const fn id(self) -> u32 {
        self as u32
    }

    /// Size in bytes of one value of a fixed-size type; `None` for strings and arrays.
    pub const fn fixed_size(self) -> Option<u64> {
        match self {
            Self::U8 | Self::I8 | Self::Bool => Some(1),
            Self::U16 | Self::I16 => Some(2),
            Self::U32 | Self::I32 | Self::F32 => Some(4),
            Self::U64 | Self::I64 | Self::F64 => Some(8),
            Self::String | Self::Array => None,
        }
    }

    /// The fewest bytes one value of this type can take in a file (a string is at least its
    /// 8-byte length, an array at least its 4-byte type and 8-byte length).
    pub const fn min_size(self) -> u64 {
        match self.fixed_size() {
            Some(size) => size,
            None => match self {
                Self::String => 8,
                _ => 12,
            },
        }
    }

    /// The spec's name, e.g. `"uint32"`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::U8 => "uint8",
            Self::I8 => "int8",
            Self::U16 => "uint16",
            Self::I16 => "int16",
            Self::U32 => "uint32",
            Self::I32 => "int32",
            Self::F32 => "float32",
            Self::Bool => "bool",
            Self::String => "string",
            Self::Array => "array",
            Self::U64 => "uint64",
            Self::I64 => "int64",
            Self::F64 => "float64",
        }
    }
}

impl fmt::Display for GgufValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
