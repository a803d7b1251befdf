//! Tests of the GGUF parser, built on real files made by [`GgufBuilder`].

use super::builder::GgufBuilder;
use super::*;
use proptest::prelude::*;

/// Q4_K 4096×4096 = 4096·4096/256 blocks × 144 bytes.
const Q4K_4096_SQ: u64 = 4096 * 4096 / 256 * 144;
/// Q8_0 [4096, 1024] = 4096·1024/32 blocks × 34 bytes.
const Q80_4096_1024: u64 = 4096 * 1024 / 32 * 34;
/// F32 [4096].
const F32_4096: u64 = 4096 * 4;

fn llama_like() -> GgufBuilder {
    GgufBuilder::new(3)
        .meta_str("general.architecture", "llama")
        .meta_str("general.name", "tiny llama")
        .meta_u32("llama.block_count", 2)
        .meta_u64("llama.context_length", 8192)
        .meta_f32("llama.rope.freq_base", 500_000.0)
        .meta_bool("tokenizer.ggml.add_bos_token", true)
        .meta_array_str("tokenizer.ggml.tokens", &["<s>", "</s>", "hello"])
        .meta_array_i32("tokenizer.ggml.token_type", &[3, 3, 1])
        .tensor("blk.0.attn_q.weight", GgmlType::Q4_K, &[4096, 4096])
        .tensor("blk.0.ffn_down.weight", GgmlType::Q8_0, &[4096, 1024])
        .tensor("blk.0.attn_norm.weight", GgmlType::F32, &[4096])
}

fn expect_err(bytes: &[u8]) -> GgufError {
    match parse_gguf(bytes) {
        Ok(header) => panic!("expected an error, parsed {header:?}"),
        Err(e) => e,
    }
}

#[test]
fn type_table_matches_llama_cpp() {
    // (type, block elems, block bytes): memory-model.md §2.4 and gguf-py GGML_QUANT_SIZES.
    let expected = [
        (GgmlType::F32, 1, 4),
        (GgmlType::F16, 1, 2),
        (GgmlType::BF16, 1, 2),
        (GgmlType::F64, 1, 8),
        (GgmlType::I8, 1, 1),
        (GgmlType::I16, 1, 2),
        (GgmlType::I32, 1, 4),
        (GgmlType::I64, 1, 8),
        (GgmlType::Q8_0, 32, 34),
        (GgmlType::Q8_1, 32, 36),
        (GgmlType::Q6_K, 256, 210),
        (GgmlType::Q5_0, 32, 22),
        (GgmlType::Q5_1, 32, 24),
        (GgmlType::Q5_K, 256, 176),
        (GgmlType::Q4_0, 32, 18),
        (GgmlType::Q4_1, 32, 20),
        (GgmlType::Q4_K, 256, 144),
        (GgmlType::IQ4_NL, 32, 18),
        (GgmlType::IQ4_XS, 256, 136),
        (GgmlType::MXFP4, 32, 17),
        (GgmlType::NVFP4, 64, 36),
        (GgmlType::Q3_K, 256, 110),
        (GgmlType::IQ3_S, 256, 110),
        (GgmlType::IQ3_XXS, 256, 98),
        (GgmlType::Q2_K, 256, 84),
        (GgmlType::IQ2_S, 256, 82),
        (GgmlType::IQ2_XS, 256, 74),
        (GgmlType::IQ2_XXS, 256, 66),
        (GgmlType::IQ1_M, 256, 56),
        (GgmlType::IQ1_S, 256, 50),
        (GgmlType::TQ2_0, 256, 66),
        (GgmlType::TQ1_0, 256, 54),
        (GgmlType::Q8_K, 256, 292),
        (GgmlType::Q1_0, 128, 18),
        (GgmlType::Q2_0, 64, 18),
    ];
    assert_eq!(expected.len(), GgmlType::ALL.len(), "every type is checked");
    for (ty, elems, bytes) in expected {
        assert_eq!((ty.block_elems(), ty.block_bytes()), (elems, bytes), "{ty}");
    }
    assert_eq!(GgmlType::Q4_K.bits_per_weight(), 4.5);
    assert_eq!(GgmlType::Q6_K.bits_per_weight(), 6.5625);
    assert!(GgmlType::Q4_K.is_quantized() && !GgmlType::BF16.is_quantized());
}

#[test]
fn type_ids_and_names() {
    for &ty in GgmlType::ALL {
        assert_eq!(GgmlType::from_id(ty.id()), Some(ty));
    }
    let ids: Vec<u32> = GgmlType::ALL.iter().map(|t| t.id()).collect();
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(ids, sorted, "ALL is in id order without duplicates");
    for removed in [4, 5, 31, 32, 33, 36, 37, 38, 43, 1000, u32::MAX] {
        assert_eq!(GgmlType::from_id(removed), None, "id {removed}");
    }
    assert_eq!(GgmlType::from_id(12).map(GgmlType::name), Some("q4_K"));
    assert_eq!(GgmlType::IQ2_XXS.name(), "iq2_xxs");
    assert_eq!(GgmlType::BF16.name(), "bf16");
    assert_eq!(GgmlType::MXFP4.name(), "mxfp4");
    assert_eq!(GgmlType::NVFP4.id(), 40);
    assert_eq!(GgmlType::TQ1_0.id(), 34);
}

#[test]
fn tensor_bytes_exact_and_checked() {
    assert_eq!(GgmlType::Q4_K.tensor_bytes(&[4096, 4096]), Some(9_437_184));
    assert_eq!(
        GgmlType::Q4_K.tensor_bytes(&[4096, 4096]),
        Some(Q4K_4096_SQ)
    );
    assert_eq!(
        GgmlType::Q8_0.tensor_bytes(&[4096, 14336]),
        Some(62_390_272)
    );
    assert_eq!(GgmlType::F32.tensor_bytes(&[4096]), Some(16_384));
    assert_eq!(GgmlType::BF16.tensor_bytes(&[7, 3, 2, 1]), Some(84));
    // The row (ne[0]) must be a multiple of the block; other dims need not be.
    assert_eq!(GgmlType::Q4_K.tensor_bytes(&[256, 3]), Some(3 * 144));
    assert_eq!(GgmlType::Q4_K.tensor_bytes(&[100, 256]), None);
    assert_eq!(
        GgmlType::Q4_K.try_tensor_bytes(&[100, 256]),
        Err(TensorShapeError::RowNotBlockMultiple {
            row: 100,
            block_elems: 256,
            type_name: "q4_K"
        })
    );
    assert_eq!(
        GgmlType::F32.try_tensor_bytes(&[]),
        Err(TensorShapeError::NoDimensions)
    );
    assert_eq!(
        GgmlType::F32.try_tensor_bytes(&[1, 1, 1, 1, 1]),
        Err(TensorShapeError::TooManyDimensions { n_dims: 5 })
    );
    assert_eq!(
        GgmlType::F32.try_tensor_bytes(&[4, 0]),
        Err(TensorShapeError::ZeroDimension { axis: 1 })
    );
    // Element count overflows u64; element count over i64::MAX; bytes overflow.
    assert_eq!(
        GgmlType::F32.try_tensor_bytes(&[1 << 32, 1 << 32]),
        Err(TensorShapeError::Overflow)
    );
    assert_eq!(
        GgmlType::I8.try_tensor_bytes(&[1 << 31, 1 << 32]),
        Err(TensorShapeError::Overflow)
    );
    assert_eq!(
        GgmlType::F32.try_tensor_bytes(&[1 << 31, 1 << 31]),
        Err(TensorShapeError::Overflow)
    );
    assert_eq!(
        GgmlType::F32.try_tensor_bytes(&[u64::MAX / 2, 4]),
        Err(TensorShapeError::Overflow)
    );
}

#[test]
fn parses_builder_file_with_exact_bytes() {
    let builder = llama_like();
    let file = builder.build();
    let header = parse_gguf(&file).expect("valid file");

    assert_eq!(header.version, 3);
    assert_eq!(header.alignment, 32);
    assert_eq!(header.data_offset, builder.data_offset());
    assert_eq!(header.data_offset % 32, 0);
    assert_eq!(header.architecture(), Some("llama"));
    assert_eq!(header.get_str("general.name"), Some("tiny llama"));
    assert_eq!(header.get_u64("llama.block_count"), Some(2));
    assert_eq!(header.arch_u64("block_count"), Some(2));
    assert_eq!(header.arch_u64("context_length"), Some(8192));
    assert_eq!(header.get_f64("llama.rope.freq_base"), Some(500_000.0));
    assert_eq!(
        header.get("tokenizer.ggml.add_bos_token"),
        Some(&MetaValue::Bool(true))
    );
    assert_eq!(header.get("missing"), None);
    assert_eq!(
        header.get("tokenizer.ggml.tokens"),
        Some(&MetaValue::Array {
            elem_type: GgufValueType::String,
            len: 3,
            small: vec![
                MetaValue::String("<s>".into()),
                MetaValue::String("</s>".into()),
                MetaValue::String("hello".into()),
            ],
        })
    );

    let q = header.tensor("blk.0.attn_q.weight").expect("q");
    assert_eq!(
        (q.ggml_type, q.dims.as_slice(), q.offset, q.bytes),
        (GgmlType::Q4_K, &[4096u64, 4096][..], 0, Q4K_4096_SQ)
    );
    let down = header.tensor("blk.0.ffn_down.weight").expect("down");
    assert_eq!((down.offset, down.bytes), (Q4K_4096_SQ, Q80_4096_1024));
    let norm = header.tensor("blk.0.attn_norm.weight").expect("norm");
    assert_eq!(
        (norm.offset, norm.bytes, norm.elements()),
        (Q4K_4096_SQ + Q80_4096_1024, F32_4096, 4096)
    );

    assert_eq!(header.total_tensor_bytes(), 13_910_016);
    assert_eq!(
        header.total_tensor_bytes(),
        Q4K_4096_SQ + Q80_4096_1024 + F32_4096
    );
    assert_eq!(header.total_elements(), 4096 * 4096 + 4096 * 1024 + 4096);
    assert_eq!(
        header.tensor_data_end(),
        Q4K_4096_SQ + Q80_4096_1024 + F32_4096
    );
    assert_eq!(
        file.len() as u64,
        header.data_offset + header.tensor_data_end()
    );
    assert_eq!(
        header.bytes_by_type(),
        vec![
            (GgmlType::Q4_K, 4096 * 4096, Q4K_4096_SQ),
            (GgmlType::Q8_0, 4096 * 1024, Q80_4096_1024),
            (GgmlType::F32, 4096, F32_4096),
        ]
    );
    assert_eq!(header.split(), None);

    // The header alone (what the browser reads first) gives the same result.
    assert_eq!(parse_gguf(&builder.build_header()), Ok(header));
}

#[test]
fn version_2_is_read() {
    let file = GgufBuilder::new(2)
        .meta_u32("a", 1)
        .tensor("t", GgmlType::F16, &[8])
        .build();
    let header = parse_gguf(&file).expect("v2");
    assert_eq!(header.version, 2);
    assert_eq!(header.tensors[0].bytes, 16);
}

#[test]
fn every_metadata_type_round_trips() {
    let values = [
        MetaValue::U8(200),
        MetaValue::I8(-5),
        MetaValue::U16(60_000),
        MetaValue::I16(-30_000),
        MetaValue::U32(4_000_000_000),
        MetaValue::I32(-2_000_000_000),
        MetaValue::F32(1.5),
        MetaValue::Bool(false),
        MetaValue::String("ünïcödé".into()),
        MetaValue::U64(u64::MAX),
        MetaValue::I64(i64::MIN),
        MetaValue::F64(-2.25),
        MetaValue::Array {
            elem_type: GgufValueType::Array,
            len: 2,
            small: vec![
                MetaValue::Array {
                    elem_type: GgufValueType::U8,
                    len: 2,
                    small: vec![MetaValue::U8(1), MetaValue::U8(2)],
                },
                MetaValue::Array {
                    elem_type: GgufValueType::String,
                    len: 0,
                    small: vec![],
                },
            ],
        },
    ];
    let mut builder = GgufBuilder::new(3);
    for (i, value) in values.iter().enumerate() {
        builder = builder.meta(&format!("k{i}"), value.clone());
    }
    let header = parse_gguf(&builder.build()).expect("valid");
    for (i, value) in values.iter().enumerate() {
        assert_eq!(header.get(&format!("k{i}")), Some(value));
    }
    assert_eq!(header.get_u64("k0"), Some(200));
    assert_eq!(header.get_u64("k1"), None, "negative");
    assert_eq!(
        header.get("k10").and_then(MetaValue::as_i64),
        Some(i64::MIN)
    );
    assert_eq!(header.get("k12").and_then(MetaValue::array_len), Some(2));
}

#[test]
fn long_arrays_keep_a_preview_and_parse_past() {
    let tokens: Vec<String> = (0..100_000).map(|i| format!("tok{i}")).collect();
    let merges: Vec<String> = (0..50_000).map(|i| format!("t{i} k{i}")).collect();
    let scores: Vec<f32> = (0..100_000).map(|i| i as f32).collect();
    let file = GgufBuilder::new(3)
        .meta_array_str("tokenizer.ggml.tokens", &tokens)
        .meta_array_f32("tokenizer.ggml.scores", &scores)
        .meta_array_str("tokenizer.ggml.merges", &merges)
        .meta_u32("tokenizer.ggml.eos_token_id", 99_999)
        .tensor("token_embd.weight", GgmlType::Q6_K, &[256, 4])
        .build_header();
    let header = parse_gguf(&file).expect("valid");
    let Some(MetaValue::Array {
        elem_type,
        len,
        small,
    }) = header.get("tokenizer.ggml.tokens")
    else {
        panic!("tokens missing")
    };
    assert_eq!(
        (*elem_type, *len, small.len()),
        (GgufValueType::String, 100_000, ARRAY_PREVIEW_LEN)
    );
    assert_eq!(small.first(), Some(&MetaValue::String("tok0".into())));
    assert_eq!(small.last(), Some(&MetaValue::String("tok63".into())));
    assert_eq!(
        header
            .get("tokenizer.ggml.scores")
            .and_then(MetaValue::array_len),
        Some(100_000)
    );
    assert_eq!(
        header
            .get("tokenizer.ggml.merges")
            .and_then(MetaValue::array_len),
        Some(50_000)
    );
    assert_eq!(header.get_u64("tokenizer.ggml.eos_token_id"), Some(99_999));
    assert_eq!(header.tensors[0].bytes, 4 * 210);
}

#[test]
fn stored_array_elements_are_capped_globally() {
    let small_array: Vec<u32> = (0..64).collect();
    let arrays = MAX_STORED_ARRAY_ELEMENTS / 64 + 2;
    let mut builder = GgufBuilder::new(3);
    for i in 0..arrays {
        builder = builder.meta_array_u32(&format!("a{i}"), &small_array);
    }
    let header = parse_gguf(&builder.build_header()).expect("valid");
    let stored: usize = header
        .metadata
        .iter()
        .map(|(_, v)| match v {
            MetaValue::Array { small, .. } => small.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(stored, MAX_STORED_ARRAY_ELEMENTS);
    assert_eq!(
        header
            .get(&format!("a{}", arrays - 1))
            .and_then(MetaValue::array_len),
        Some(64)
    );
}

#[test]
fn every_truncation_asks_for_more_within_the_header() {
    let builder = llama_like().meta_array_str(
        "x.long",
        &(0..100).map(|i| format!("{i}")).collect::<Vec<_>>(),
    );
    let file = builder.build_header();
    let infos_end = builder.header_len() as usize;
    for len in 0..file.len() {
        let result = parse_gguf(file.get(..len).expect("prefix"));
        if len < infos_end {
            match result {
                Err(GgufError::NeedMore { at_least }) => {
                    assert!(
                        at_least > len as u64 && at_least <= infos_end as u64,
                        "len {len}: {at_least}"
                    )
                }
                other => panic!("prefix {len}: {other:?}"),
            }
        } else {
            assert!(result.is_ok(), "prefix {len} holds the whole header");
        }
    }
}

#[test]
fn growing_reads_reach_the_header() {
    let tokens: Vec<String> = (0..20_000).map(|i| format!("token-{i}")).collect();
    let file = llama_like()
        .meta_array_str("tokenizer.ggml.tokens2", &tokens)
        .build_header();
    let mut len = 16usize;
    let mut reads = 0;
    let header = loop {
        reads += 1;
        match parse_gguf(&file[..len.min(file.len())]) {
            Ok(header) => break header,
            Err(GgufError::NeedMore { at_least }) => len = (at_least as usize).max(len * 2),
            Err(e) => panic!("{e}"),
        }
    };
    assert!(reads < 20, "{reads} reads");
    assert_eq!(header.tensors.len(), 3);
}

#[test]
fn wrong_magic_is_reported() {
    let mut file = llama_like().build_header();
    file[3] = b'X';
    let err = expect_err(&file);
    assert_eq!(
        err,
        GgufError::BadMagic {
            found: *b"GGUX",
            len: 4
        }
    );
    assert!(err.to_string().contains("\"GGUF\""), "{err}");
    assert_eq!(
        expect_err(b"PK"),
        GgufError::BadMagic {
            found: [b'P', b'K', 0, 0],
            len: 2
        }
    );
    assert_eq!(expect_err(b""), GgufError::NeedMore { at_least: 4 });
    assert_eq!(expect_err(b"GG"), GgufError::NeedMore { at_least: 4 });
    let safetensors = crate::safetensors::builder::SafetensorsBuilder::new()
        .tensor("w", crate::Dtype::F32, &[2])
        .build();
    assert_eq!(expect_err(&safetensors).kind(), "BadMagic");
}

#[test]
fn versions_and_endianness() {
    let v1 = expect_err(&GgufBuilder::new(1).build());
    assert_eq!(v1, GgufError::UnsupportedVersion(1));
    assert!(v1.to_string().contains("version 1"), "{v1}");
    assert_eq!(
        expect_err(&GgufBuilder::new(4).build()),
        GgufError::UnsupportedVersion(4)
    );
    assert_eq!(
        expect_err(&GgufBuilder::new(0).build()),
        GgufError::UnsupportedVersion(0)
    );
    let mut big_endian = GgufBuilder::new(3).build();
    big_endian[4..8].copy_from_slice(&3u32.to_be_bytes());
    let err = expect_err(&big_endian);
    assert_eq!(err, GgufError::BigEndian { version: 3 });
    assert!(err.to_string().contains("big-endian"));
}

#[test]
fn absurd_counts_are_refused() {
    let mut file = llama_like().build_header();
    file[8..16].copy_from_slice(&2_000_000u64.to_le_bytes());
    let err = expect_err(&file);
    assert_eq!(
        err,
        GgufError::TooLarge {
            what: "the tensor count",
            value: 2_000_000,
            limit: 1_000_000
        }
    );
    assert!(err.to_string().contains("tensor count") && err.to_string().contains("1000000"));

    let mut file = llama_like().build_header();
    file[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(expect_err(&file).kind(), "TooLarge");

    // Within the limits, but the file is far too short for that many entries: the parser
    // asks for the minimum those entries need instead of allocating for them.
    let mut file = llama_like().build_header();
    file[8..16].copy_from_slice(&999_999u64.to_le_bytes());
    match expect_err(&file) {
        GgufError::NeedMore { at_least } => assert!(at_least >= 24 + 999_999 * 32),
        other => panic!("{other:?}"),
    }
}

#[test]
fn long_strings_and_headers_are_refused() {
    let seventeen_mib = 17u64 << 20;
    let file = GgufBuilder::new(3)
        .meta_raw("big", 8, &seventeen_mib.to_le_bytes())
        .build();
    assert_eq!(
        expect_err(&file),
        GgufError::TooLarge {
            what: "a string length in bytes",
            value: seventeen_mib,
            limit: MAX_STRING_LEN
        }
    );
    // A key longer than 16 MiB.
    let mut file = GgufBuilder::new(3).meta_u32("k", 1).build();
    file[24..32].copy_from_slice(&seventeen_mib.to_le_bytes());
    assert_eq!(expect_err(&file).kind(), "TooLarge");
    // An array of 40M uint64 would make the header longer than 256 MiB.
    let mut array = Vec::new();
    array.extend_from_slice(&10u32.to_le_bytes());
    array.extend_from_slice(&40_000_000u64.to_le_bytes());
    let err = expect_err(&GgufBuilder::new(3).meta_raw("arr", 9, &array).build());
    assert!(
        matches!(
            err,
            GgufError::TooLarge {
                limit: MAX_HEADER_LEN,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("header"), "{err}");
    // An array length whose byte size overflows.
    array.truncate(4);
    array.extend_from_slice(&u64::MAX.to_le_bytes());
    let err = expect_err(&GgufBuilder::new(3).meta_raw("arr", 9, &array).build());
    assert!(
        matches!(
            err,
            GgufError::TooLarge {
                what: "a metadata array length",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn bad_shapes_are_refused() {
    let five_dims = GgufBuilder::new(3)
        .tensor_raw("t5", 0, &[1, 1, 1, 1, 1], 4)
        .build();
    assert_eq!(
        expect_err(&five_dims),
        GgufError::TooLarge {
            what: "the number of tensor dimensions",
            value: 5,
            limit: 4
        }
    );
    let zero = GgufBuilder::new(3)
        .tensor("z", GgmlType::F32, &[8, 0])
        .build();
    let err = expect_err(&zero);
    assert_eq!(
        err,
        GgufError::InvalidShape {
            tensor: "z".into(),
            problem: TensorShapeError::ZeroDimension { axis: 1 }
        }
    );
    assert!(
        err.to_string().contains("'z'") && err.to_string().contains("at least 1"),
        "{err}"
    );
    let no_dims = GgufBuilder::new(3).tensor_raw("s", 0, &[], 4).build();
    assert_eq!(
        expect_err(&no_dims),
        GgufError::InvalidShape {
            tensor: "s".into(),
            problem: TensorShapeError::NoDimensions
        }
    );
    let overflow = GgufBuilder::new(3)
        .tensor("o", GgmlType::F32, &[u64::MAX / 2, 4])
        .build();
    assert_eq!(
        expect_err(&overflow),
        GgufError::InvalidShape {
            tensor: "o".into(),
            problem: TensorShapeError::Overflow
        }
    );
    let odd_row = GgufBuilder::new(3)
        .tensor("q", GgmlType::Q4_K, &[100, 256])
        .build();
    let err = expect_err(&odd_row);
    assert_eq!(err.kind(), "InvalidShape");
    assert!(err.to_string().contains("q4_K block size 256"), "{err}");
}

#[test]
fn unknown_types_are_named() {
    let file = GgufBuilder::new(3)
        .tensor_raw("blk.0.w", 31, &[32], 32)
        .build();
    let err = expect_err(&file);
    assert_eq!(
        err,
        GgufError::UnknownType {
            tensor: "blk.0.w".into(),
            id: 31
        }
    );
    assert!(err.to_string().contains("blk.0.w") && err.to_string().contains("31"));
    let file = GgufBuilder::new(3).meta_raw("weird", 13, &[]).build();
    assert_eq!(
        expect_err(&file),
        GgufError::UnknownValueType {
            key: "weird".into(),
            id: 13
        }
    );
    let mut array = Vec::new();
    array.extend_from_slice(&99u32.to_le_bytes());
    array.extend_from_slice(&0u64.to_le_bytes());
    let file = GgufBuilder::new(3).meta_raw("arr", 9, &array).build();
    assert_eq!(
        expect_err(&file),
        GgufError::UnknownValueType {
            key: "arr".into(),
            id: 99
        }
    );
}

#[test]
fn alignment_is_read_and_checked() {
    let builder = GgufBuilder::new(3)
        .alignment(64)
        .tensor("a", GgmlType::F32, &[3])
        .tensor("b", GgmlType::Q8_0, &[32, 3])
        .tensor("c", GgmlType::F16, &[5]);
    let file = builder.build();
    let header = parse_gguf(&file).expect("valid");
    assert_eq!(header.alignment, 64);
    assert_eq!(header.data_offset % 64, 0);
    let offsets: Vec<u64> = header.tensors.iter().map(|t| t.offset).collect();
    assert_eq!(offsets, vec![0, 64, 192]);
    assert_eq!(file.len() as u64, header.data_offset + 256);

    for bad in [0u32, 3, 48] {
        let err = expect_err(&GgufBuilder::new(3).alignment(bad).build());
        assert_eq!(err.kind(), "BadAlignment", "alignment {bad}");
        assert!(err.to_string().contains("general.alignment"));
    }
    let err = expect_err(&GgufBuilder::new(3).meta_str(KEY_ALIGNMENT, "32").build());
    assert_eq!(
        err,
        GgufError::BadAlignment {
            reason: "is not stored as a uint32",
            value: 0
        }
    );
}

#[test]
fn misaligned_tensor_offsets_are_refused() {
    let builder = GgufBuilder::new(3).tensor("w", GgmlType::F32, &[8]);
    let mut file = builder.build();
    let offset_at = builder.header_len() as usize - 8;
    file[offset_at..offset_at + 8].copy_from_slice(&4u64.to_le_bytes());
    assert_eq!(
        expect_err(&file),
        GgufError::MisalignedTensor {
            tensor: "w".into(),
            offset: 4,
            alignment: 32
        }
    );
    file[offset_at..offset_at + 8].copy_from_slice(&(u64::MAX - 31).to_le_bytes());
    assert_eq!(expect_err(&file).kind(), "Overflow");
}

#[test]
fn duplicates_are_refused() {
    let keys = GgufBuilder::new(3)
        .meta_u32("a", 1)
        .meta_u32("a", 2)
        .build();
    assert_eq!(expect_err(&keys), GgufError::DuplicateKey("a".into()));
    let tensors = GgufBuilder::new(3)
        .tensor("t", GgmlType::F32, &[1])
        .tensor("t", GgmlType::F32, &[1])
        .build();
    assert_eq!(expect_err(&tensors), GgufError::DuplicateTensor("t".into()));
}

#[test]
fn nesting_is_bounded() {
    let mut value = MetaValue::U8(1);
    for depth in 1..=6u32 {
        value = MetaValue::Array {
            elem_type: value.value_type(),
            len: 1,
            small: vec![value],
        };
        let result = parse_gguf(&GgufBuilder::new(3).meta("deep", value.clone()).build());
        if depth <= MAX_ARRAY_NESTING {
            assert!(result.is_ok(), "depth {depth}: {result:?}");
        } else {
            assert_eq!(
                result,
                Err(GgufError::NestingTooDeep { key: "deep".into() }),
                "depth {depth}"
            );
        }
    }
}

#[test]
fn utf8_rules() {
    let mut file = GgufBuilder::new(3).meta_u32("general.x", 1).build();
    file[32] = 0xFF; // first byte of the first key
    assert_eq!(
        expect_err(&file),
        GgufError::InvalidUtf8 {
            what: "metadata key",
            offset: 32
        }
    );
    // Invalid UTF-8 in a string value is kept, replaced by U+FFFD.
    let mut file = GgufBuilder::new(3).meta_str("k", "ab").build();
    let value_at = 24 + 8 + 1 + 4 + 8;
    file[value_at] = 0xFF;
    let header = parse_gguf(&file).expect("lossy value");
    assert_eq!(header.get_str("k"), Some("\u{FFFD}b"));
}

fn split_part(no: u16, count: u16, total: i32, tensors: &[&str]) -> GgufHeader {
    let mut builder = GgufBuilder::new(3);
    if no == 0 {
        builder = builder.meta_str("general.architecture", "llama");
    }
    builder = builder.split(no, count, total);
    for name in tensors {
        builder = builder.tensor(name, GgmlType::Q8_0, &[64, 2]);
    }
    parse_gguf(&builder.build()).expect("part")
}

#[test]
fn split_sets_merge_in_any_order() {
    let parts = vec![
        split_part(2, 3, 5, &["e"]),
        split_part(0, 3, 5, &["a", "b"]),
        split_part(1, 3, 5, &["c", "d"]),
    ];
    assert_eq!(
        parts[1].split(),
        Some(SplitInfo {
            no: 0,
            count: 3,
            tensors_count: Some(5)
        })
    );
    let merged = merge_splits(parts).expect("complete set");
    let names: Vec<&str> = merged.tensors.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    assert_eq!(merged.architecture(), Some("llama"));
    assert_eq!(merged.total_tensor_bytes(), 5 * 4 * 34);
}

#[test]
fn split_set_errors() {
    let missing = merge_splits(vec![
        split_part(0, 3, 5, &["a"]),
        split_part(2, 3, 5, &["b"]),
    ]);
    let err = missing.expect_err("missing");
    assert_eq!(
        err,
        GgufError::MissingSplit {
            number: 2,
            count: 3
        }
    );
    assert!(err.to_string().contains("00002-of-00003"), "{err}");
    let last_missing = merge_splits(vec![
        split_part(0, 3, 5, &["a"]),
        split_part(1, 3, 5, &["b"]),
    ]);
    assert_eq!(
        last_missing,
        Err(GgufError::MissingSplit {
            number: 3,
            count: 3
        })
    );
    let duplicate = merge_splits(vec![
        split_part(0, 2, 2, &["a"]),
        split_part(1, 2, 2, &["b"]),
        split_part(1, 2, 2, &["c"]),
    ]);
    assert_eq!(duplicate, Err(GgufError::DuplicateSplit { number: 2 }));
    let mismatch = merge_splits(vec![
        split_part(0, 2, 2, &["a"]),
        split_part(1, 3, 2, &["b"]),
    ]);
    assert_eq!(
        mismatch,
        Err(GgufError::SplitCountMismatch {
            expected: 2,
            found: 3
        })
    );
    let out_of_range = merge_splits(vec![
        split_part(0, 2, 2, &["a"]),
        split_part(2, 2, 2, &["b"]),
    ]);
    assert_eq!(
        out_of_range,
        Err(GgufError::SplitOutOfRange { no: 2, count: 2 })
    );
    let wrong_total = merge_splits(vec![
        split_part(0, 2, 3, &["a"]),
        split_part(1, 2, 3, &["b"]),
    ]);
    assert_eq!(
        wrong_total,
        Err(GgufError::SplitTensorCountMismatch {
            declared: 3,
            found: 2
        })
    );
    let same_tensor = merge_splits(vec![
        split_part(0, 2, 2, &["a"]),
        split_part(1, 2, 2, &["a"]),
    ]);
    assert_eq!(same_tensor, Err(GgufError::DuplicateTensor("a".into())));
    let plain = parse_gguf(&llama_like().build_header()).expect("plain");
    assert_eq!(
        merge_splits(vec![split_part(0, 2, 2, &["a"]), plain.clone()]),
        Err(GgufError::NotASplit { part: 1 })
    );
    assert_eq!(merge_splits(vec![plain.clone()]), Ok(plain));
    assert_eq!(merge_splits(Vec::new()), Err(GgufError::NoParts));
}

#[test]
fn every_error_has_a_message() {
    let errors = [
        GgufError::NeedMore { at_least: 10 },
        GgufError::BadMagic {
            found: [0; 4],
            len: 0,
        },
        GgufError::BigEndian { version: 3 },
        GgufError::UnsupportedVersion(9),
        GgufError::UnknownType {
            tensor: "t".into(),
            id: 99,
        },
        GgufError::UnknownValueType {
            key: "k".into(),
            id: 99,
        },
        GgufError::TooLarge {
            what: "x",
            value: 2,
            limit: 1,
        },
        GgufError::Overflow { what: "x" },
        GgufError::InvalidUtf8 {
            what: "x",
            offset: 1,
        },
        GgufError::BadAlignment {
            reason: "is not a power of two",
            value: 3,
        },
        GgufError::MisalignedTensor {
            tensor: "t".into(),
            offset: 1,
            alignment: 32,
        },
        GgufError::InvalidShape {
            tensor: "t".into(),
            problem: TensorShapeError::Overflow,
        },
        GgufError::DuplicateKey("k".into()),
        GgufError::DuplicateTensor("t".into()),
        GgufError::NestingTooDeep { key: "k".into() },
        GgufError::NoParts,
        GgufError::NotASplit { part: 0 },
        GgufError::SplitCountMismatch {
            expected: 2,
            found: 3,
        },
        GgufError::MissingSplit {
            number: 1,
            count: 2,
        },
        GgufError::DuplicateSplit { number: 1 },
        GgufError::SplitOutOfRange { no: 3, count: 2 },
        GgufError::SplitTensorCountMismatch {
            declared: 1,
            found: 2,
        },
    ];
    for err in errors {
        let text = err.to_string();
        assert!(text.len() > 20, "{}: {text}", err.kind());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_gguf(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_start_never_panic(
        version in 2u32..=3,
        counts in (0u64..8, 0u64..8),
        tail in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = Vec::from(GGUF_MAGIC);
        bytes.extend_from_slice(&version.to_le_bytes());
        bytes.extend_from_slice(&counts.0.to_le_bytes());
        bytes.extend_from_slice(&counts.1.to_le_bytes());
        bytes.extend_from_slice(&tail);
        let _ = parse_gguf(&bytes);
    }

    #[test]
    fn truncated_valid_files_ask_for_more(cut in 0.0f64..1.0) {
        let builder = llama_like();
        let file = builder.build_header();
        let infos_end = builder.header_len() as usize;
        let len = (cut * infos_end as f64) as usize;
        match parse_gguf(&file[..len]) {
            Err(GgufError::NeedMore { at_least }) => prop_assert!(at_least > len as u64),
            other => prop_assert!(false, "prefix {}: {:?}", len, other),
        }
    }

    #[test]
    fn mutated_valid_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut file = llama_like().build_header();
        for (at, byte) in edits {
            let i = at.index(file.len());
            file[i] = byte;
        }
        let len = cut.index(file.len() + 1);
        let _ = parse_gguf(&file[..len]);
    }
}
