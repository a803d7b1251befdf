//! Tests of the safetensors header and index parsers, built on files made by
//! [`SafetensorsBuilder`] and on hand-written JSON.

use super::builder::SafetensorsBuilder;
use super::*;
use proptest::prelude::*;

/// A file made of an 8-byte length and `json`, with no data.
fn raw(json: &str) -> Vec<u8> {
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(json.as_bytes());
    out
}

fn expect_err(bytes: &[u8]) -> SafetensorsError {
    match parse_safetensors(bytes) {
        Ok(header) => panic!("expected an error, parsed {header:?}"),
        Err(e) => e,
    }
}

fn two_tensor_builder() -> SafetensorsBuilder {
    SafetensorsBuilder::new()
        .metadata("format", "pt")
        .tensor("model.embed_tokens.weight", Dtype::BF16, &[2048, 2048])
        .tensor("model.norm.weight", Dtype::F32, &[2048])
}

#[test]
fn parses_builder_file_with_exact_bytes() {
    let builder = two_tensor_builder();
    let file = builder.build();
    let header = parse_safetensors(&file).expect("valid");
    assert_eq!(header.get_metadata("format"), Some("pt"));
    assert_eq!(
        header.metadata,
        vec![("format".to_string(), "pt".to_string())]
    );
    assert_eq!(header.header_len % 8, 0, "padded like the reference writer");

    let embed = header.tensor("model.embed_tokens.weight").expect("embed");
    assert_eq!(embed.bytes, 2048 * 2048 * 2);
    assert_eq!(embed.bytes, 8_388_608);
    assert_eq!(embed.data_offsets, (0, 8_388_608));
    assert_eq!(embed.elements(), 4_194_304);
    let norm = header.tensor("model.norm.weight").expect("norm");
    assert_eq!(
        (norm.bytes, norm.data_offsets),
        (8_192, (8_388_608, 8_396_800))
    );

    assert_eq!(header.total_bytes(), 8_396_800);
    assert_eq!(header.total_elements(), 2048 * 2048 + 2048);
    assert_eq!(header.data_len(), 8_396_800);
    assert_eq!(header.file_size(), file.len() as u64);
    assert_eq!(header.data_offset(), 8 + header.header_len);
    assert_eq!(
        header.bytes_by_dtype(),
        vec![
            (Dtype::BF16, 4_194_304, 8_388_608),
            (Dtype::F32, 2048, 8_192)
        ]
    );
    assert_eq!(header.quantization_hint(), None);
    // The header alone parses the same.
    assert_eq!(parse_safetensors(&builder.build_header()), Ok(header));
}

#[test]
fn every_dtype_has_the_reference_size() {
    let expected_bits = [
        ("BOOL", 8),
        ("F4", 4),
        ("F6_E2M3", 6),
        ("F6_E3M2", 6),
        ("U8", 8),
        ("I8", 8),
        ("F8_E5M2", 8),
        ("F8_E4M3", 8),
        ("F8_E8M0", 8),
        ("F8_E4M3FNUZ", 8),
        ("F8_E5M2FNUZ", 8),
        ("I16", 16),
        ("U16", 16),
        ("F16", 16),
        ("BF16", 16),
        ("I32", 32),
        ("U32", 32),
        ("F32", 32),
        ("C64", 64),
        ("F64", 64),
        ("I64", 64),
        ("U64", 64),
    ];
    assert_eq!(expected_bits.len(), Dtype::ALL.len());
    let mut builder = SafetensorsBuilder::new();
    for (name, bits) in expected_bits {
        let dtype = Dtype::from_name(name).expect(name);
        assert_eq!((dtype.name(), dtype.bits()), (name, bits));
        builder = builder.tensor(name, dtype, &[4, 2]);
    }
    let header = parse_safetensors(&builder.build()).expect("valid");
    for (name, bits) in expected_bits {
        assert_eq!(
            header.tensor(name).map(|t| t.bytes),
            Some(8 * bits / 8),
            "{name}"
        );
    }
    assert_eq!(Dtype::from_name("bf16"), None, "names are case-sensitive");
}

#[test]
fn sub_byte_scalar_and_empty_tensors() {
    let file = SafetensorsBuilder::new()
        .tensor("packed", Dtype::F4, &[3, 2])
        .tensor("scalar", Dtype::F32, &[])
        .tensor("empty", Dtype::BF16, &[0, 7])
        .build();
    let header = parse_safetensors(&file).expect("valid");
    assert_eq!(header.tensor("packed").map(|t| t.bytes), Some(3));
    assert_eq!(
        header.tensor("scalar").map(|t| (t.bytes, t.elements())),
        Some((4, 1))
    );
    assert_eq!(header.tensor("empty").map(|t| t.bytes), Some(0));

    let odd = SafetensorsBuilder::new()
        .tensor("f4", Dtype::F4, &[3])
        .build();
    let err = expect_err(&odd);
    assert_eq!(
        err,
        SafetensorsError::PartialByte {
            tensor: "f4".into(),
            dtype: "F4",
            elements: 3
        }
    );
    assert!(err.to_string().contains("'f4'"));
}

#[test]
fn every_truncation_asks_for_more() {
    let file = two_tensor_builder().build_header();
    for len in 0..file.len() {
        let expected = if len < 8 { 8 } else { file.len() as u64 };
        assert_eq!(
            parse_safetensors(&file[..len]),
            Err(SafetensorsError::NeedMore { at_least: expected }),
            "prefix {len}"
        );
    }
}

#[test]
fn header_length_limits() {
    let mut file = raw("{}");
    file[..8].copy_from_slice(&(MAX_HEADER_LEN + 1).to_le_bytes());
    let err = expect_err(&file);
    assert_eq!(err.kind(), "TooLarge");
    assert!(err.to_string().contains("100000000"), "{err}");
    file[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(expect_err(&file).kind(), "TooLarge");
    assert_eq!(
        expect_err(&0u64.to_le_bytes()),
        SafetensorsError::EmptyHeader
    );
    // A header length within the limit but past the slice: ask for exactly 8 + N.
    let mut file = raw("{}");
    file[..8].copy_from_slice(&5_000_000u64.to_le_bytes());
    assert_eq!(
        expect_err(&file),
        SafetensorsError::NeedMore {
            at_least: 5_000_008
        }
    );
}

#[test]
fn not_a_safetensors_file() {
    assert_eq!(
        expect_err(&raw("[1, 2]")),
        SafetensorsError::NotJsonObject { first_byte: b'[' }
    );
    let gguf = crate::gguf::builder::GgufBuilder::new(3)
        .tensor("t", crate::GgmlType::F32, &[4])
        .build();
    assert_eq!(expect_err(&gguf).kind(), "NotJsonObject");
    let err = expect_err(&raw("{\"a\": "));
    assert_eq!(err.kind(), "Json");
    assert!(err.to_string().contains("line 1"), "{err}");
    assert_eq!(expect_err(&raw("{} trailing")).kind(), "Json");
    assert_eq!(expect_err(&raw("{\"a\": [}")).kind(), "Json");
    assert!(
        parse_safetensors(&raw("{}      ")).is_ok(),
        "space padding is allowed"
    );
}

#[test]
fn tensor_entries_are_validated_by_name() {
    let err = expect_err(&raw(
        r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#,
    ));
    assert_eq!(
        err,
        SafetensorsError::SizeMismatch {
            tensor: "w".into(),
            expected: 8,
            found: 4
        }
    );
    assert!(
        err.to_string().contains("'w'") && err.to_string().contains("8 bytes"),
        "{err}"
    );

    let reversed = expect_err(&raw(
        r#"{"w":{"dtype":"U8","shape":[0],"data_offsets":[8,4]}}"#,
    ));
    assert_eq!(
        reversed,
        SafetensorsError::ReversedOffsets {
            tensor: "w".into(),
            begin: 8,
            end: 4
        }
    );

    let unknown = expect_err(&raw(
        r#"{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}}"#,
    ));
    assert_eq!(
        unknown,
        SafetensorsError::UnknownDtype {
            tensor: "w".into(),
            dtype: "Q4".into()
        }
    );

    let overflow = expect_err(&raw(
        r#"{"w":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#,
    ));
    assert_eq!(overflow, SafetensorsError::Overflow { tensor: "w".into() });
    let bits_overflow = expect_err(&raw(
        r#"{"w":{"dtype":"F64","shape":[4294967296,268435456],"data_offsets":[0,0]}}"#,
    ));
    assert_eq!(bits_overflow.kind(), "Overflow");

    for json in [
        r#"{"w":5}"#,
        r#"{"w":{"shape":[2],"data_offsets":[0,2]}}"#,
        r#"{"w":{"dtype":7,"shape":[2],"data_offsets":[0,2]}}"#,
        r#"{"w":{"dtype":"U8","data_offsets":[0,2]}}"#,
        r#"{"w":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}}"#,
        r#"{"w":{"dtype":"U8","shape":[2.5],"data_offsets":[0,2]}}"#,
        r#"{"w":{"dtype":"U8","shape":[2]}}"#,
        r#"{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2,4]}}"#,
        r#"{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,"2"]}}"#,
    ] {
        let err = expect_err(&raw(json));
        assert!(
            matches!(&err, SafetensorsError::BadTensorEntry { tensor, .. } if tensor == "w"),
            "{json}: {err:?}"
        );
    }
}

#[test]
fn data_must_cover_the_buffer_without_holes() {
    let gap = raw(concat!(
        r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"#,
        r#""b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}"#
    ));
    let err = expect_err(&gap);
    assert_eq!(
        err,
        SafetensorsError::OffsetGap {
            tensor: "b".into(),
            expected_begin: 4,
            found_begin: 8
        }
    );
    assert!(err.to_string().contains("'b'"));
    let overlap = raw(concat!(
        r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"#,
        r#""b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#
    ));
    assert_eq!(expect_err(&overlap).kind(), "OffsetGap");
    let late_start = raw(r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#);
    assert_eq!(
        expect_err(&late_start),
        SafetensorsError::OffsetGap {
            tensor: "a".into(),
            expected_begin: 0,
            found_begin: 4
        }
    );
    // Entries may be listed in any order: they are sorted by offset.
    let reordered = raw(concat!(
        r#"{"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]},"#,
        r#""a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#
    ));
    let header = parse_safetensors(&reordered).expect("valid");
    assert_eq!(header.tensors[0].name, "a");
}

#[test]
fn metadata_and_duplicates() {
    let not_string = raw(r#"{"__metadata__":{"format":"pt","step":5}}"#);
    assert_eq!(
        expect_err(&not_string),
        SafetensorsError::BadMetadata { key: "step".into() }
    );
    assert_eq!(
        expect_err(&raw(r#"{"__metadata__":5}"#)),
        SafetensorsError::BadMetadata { key: String::new() }
    );
    let null = parse_safetensors(&raw(r#"{"__metadata__":null}"#)).expect("null metadata");
    assert!(null.metadata.is_empty() && null.tensors.is_empty());
    let dup = raw(concat!(
        r#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"#,
        r#""a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
    ));
    assert_eq!(expect_err(&dup), SafetensorsError::DuplicateKey("a".into()));
    let escaped = SafetensorsBuilder::new()
        .metadata("quote\"back\\slash\nnl\u{1}", "ünï")
        .tensor("t\"x", Dtype::U8, &[1])
        .build();
    let header = parse_safetensors(&escaped).expect("escaped names");
    assert_eq!(
        header.get_metadata("quote\"back\\slash\nnl\u{1}"),
        Some("ünï")
    );
    assert!(header.tensor("t\"x").is_some());
}

fn hint(names: &[(&str, Dtype)]) -> Option<&'static str> {
    let mut builder = SafetensorsBuilder::new();
    for (name, dtype) in names {
        builder = builder.tensor(name, *dtype, &[16, 16]);
    }
    parse_safetensors(&builder.build_header())
        .expect("valid")
        .quantization_hint()
}

#[test]
fn quantization_hints() {
    let p = "model.layers.0.self_attn.q_proj";
    assert_eq!(
        hint(&[
            (&format!("{p}.qweight"), Dtype::I32),
            (&format!("{p}.qzeros"), Dtype::I32),
            (&format!("{p}.scales"), Dtype::F16),
            (&format!("{p}.g_idx"), Dtype::I32)
        ]),
        Some(HINT_GPTQ)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.qweight"), Dtype::I32),
            (&format!("{p}.qzeros"), Dtype::I32),
            (&format!("{p}.scales"), Dtype::F16)
        ]),
        Some(HINT_AWQ)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.weight"), Dtype::F8_E4M3),
            (&format!("{p}.weight_scale_inv"), Dtype::F32)
        ]),
        Some(HINT_FP8)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.weight"), Dtype::F8_E4M3),
            (&format!("{p}.weight_scale"), Dtype::F32)
        ]),
        Some(HINT_FP8)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.weight"), Dtype::I8),
            (&format!("{p}.weight_scale"), Dtype::F32)
        ]),
        Some(HINT_INT8)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.weight"), Dtype::U8),
            (&format!("{p}.weight.absmax"), Dtype::F32),
            (&format!("{p}.weight.quant_map"), Dtype::F32),
            (
                &format!("{p}.weight.quant_state.bitsandbytes__nf4"),
                Dtype::U8
            )
        ]),
        Some(HINT_BITSANDBYTES)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.weight"), Dtype::I8),
            (&format!("{p}.SCB"), Dtype::F32)
        ]),
        Some(HINT_BITSANDBYTES)
    );
    assert_eq!(
        hint(&[
            ("model.layers.0.mlp.experts.gate_up_proj_blocks", Dtype::U8),
            ("model.layers.0.mlp.experts.gate_up_proj_scales", Dtype::U8),
            ("model.layers.0.mlp.experts.gate_up_proj_bias", Dtype::BF16)
        ]),
        Some(HINT_MXFP4)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.weight"), Dtype::U8),
            (&format!("{p}.weight_scale"), Dtype::F8_E4M3),
            (&format!("{p}.weight_scale_2"), Dtype::F32)
        ]),
        Some(HINT_NVFP4)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.weight_packed"), Dtype::I32),
            (&format!("{p}.weight_scale"), Dtype::BF16)
        ]),
        Some(HINT_COMPRESSED_TENSORS)
    );
    assert_eq!(
        hint(&[
            (&format!("{p}.weight"), Dtype::BF16),
            ("lm_head.weight", Dtype::BF16)
        ]),
        None
    );
}

const INDEX: &str = r#"{
  "metadata": {"total_size": 16060522496, "total_parameters": 8030261248},
  "weight_map": {
    "lm_head.weight": "model-00004-of-00004.safetensors",
    "model.embed_tokens.weight": "model-00001-of-00004.safetensors",
    "model.layers.0.mlp.down_proj.weight": "model-00001-of-00004.safetensors",
    "model.layers.31.mlp.up_proj.weight": "model-00004-of-00004.safetensors",
    "model.layers.9.mlp.up_proj.weight": "model-00002-of-00004.safetensors"
  }
}"#;

#[test]
fn index_json() {
    let index = parse_index_json(INDEX).expect("valid");
    assert_eq!(index.total_size, Some(16_060_522_496));
    assert_eq!(
        index.metadata,
        vec![("total_parameters".to_string(), "8030261248".to_string())]
    );
    assert_eq!(
        index.shards(),
        [
            "model-00001-of-00004.safetensors",
            "model-00002-of-00004.safetensors",
            "model-00004-of-00004.safetensors"
        ]
    );
    assert_eq!(index.tensor_count(), 5);
    assert_eq!(index.weight_map[0].0, "lm_head.weight", "file order");
    assert_eq!(
        index.shard_of("lm_head.weight"),
        Some("model-00004-of-00004.safetensors")
    );
    assert_eq!(index.tensors_in("model-00001-of-00004.safetensors"), 2);
    assert_eq!(parse_index_json(INDEX.as_bytes()), Ok(index));

    let float_total =
        parse_index_json(r#"{"metadata":{"total_size":1.6e10},"weight_map":{}}"#).expect("float");
    assert_eq!(float_total.total_size, Some(16_000_000_000));
    let no_metadata =
        parse_index_json(r#"{"weight_map":{"a":"x.safetensors"}}"#).expect("no metadata");
    assert_eq!(no_metadata.total_size, None);
}

#[test]
fn index_json_errors() {
    assert_eq!(
        parse_index_json(r#"{"metadata":{}}"#),
        Err(SafetensorsError::MissingWeightMap)
    );
    assert_eq!(
        parse_index_json(r#"{"weight_map":{"a":1}}"#),
        Err(SafetensorsError::BadWeightMapEntry { tensor: "a".into() })
    );
    assert_eq!(
        parse_index_json(r#"{"weight_map":{"a":""}}"#),
        Err(SafetensorsError::BadWeightMapEntry { tensor: "a".into() })
    );
    assert_eq!(
        parse_index_json(r#"{"metadata":{"total_size":"big"},"weight_map":{}}"#),
        Err(SafetensorsError::BadTotalSize)
    );
    assert_eq!(
        parse_index_json(r#"{"metadata":{"total_size":-1},"weight_map":{}}"#),
        Err(SafetensorsError::BadTotalSize)
    );
    assert_eq!(
        parse_index_json(r#"{"weight_map":{"a":"x","a":"y"}}"#),
        Err(SafetensorsError::DuplicateKey("a".into()))
    );
    assert_eq!(
        parse_index_json(r#"{"weight_map":[1]}"#).map_err(|e| e.kind()),
        Err("Json")
    );
    assert_eq!(
        parse_index_json("not json").map_err(|e| e.kind()),
        Err("Json")
    );
    assert_eq!(parse_index_json("").map_err(|e| e.kind()), Err("Json"));
    assert_eq!(
        parse_index_json(r#"{"metadata":3,"weight_map":{}}"#),
        Err(SafetensorsError::BadMetadata { key: String::new() })
    );
}

#[test]
fn every_error_has_a_message() {
    let errors = [
        SafetensorsError::NeedMore { at_least: 8 },
        SafetensorsError::TooLarge {
            what: "x",
            value: 2,
            limit: 1,
        },
        SafetensorsError::EmptyHeader,
        SafetensorsError::NotJsonObject { first_byte: 0 },
        SafetensorsError::Json("eof".into()),
        SafetensorsError::DuplicateKey("k".into()),
        SafetensorsError::BadMetadata { key: "k".into() },
        SafetensorsError::BadMetadata { key: String::new() },
        SafetensorsError::BadTensorEntry {
            tensor: "t".into(),
            problem: "\"shape\" must be an array",
        },
        SafetensorsError::UnknownDtype {
            tensor: "t".into(),
            dtype: "Q".into(),
        },
        SafetensorsError::Overflow { tensor: "t".into() },
        SafetensorsError::PartialByte {
            tensor: "t".into(),
            dtype: "F4",
            elements: 1,
        },
        SafetensorsError::ReversedOffsets {
            tensor: "t".into(),
            begin: 2,
            end: 1,
        },
        SafetensorsError::SizeMismatch {
            tensor: "t".into(),
            expected: 2,
            found: 1,
        },
        SafetensorsError::OffsetGap {
            tensor: "t".into(),
            expected_begin: 2,
            found_begin: 1,
        },
        SafetensorsError::MissingWeightMap,
        SafetensorsError::BadWeightMapEntry { tensor: "t".into() },
        SafetensorsError::BadTotalSize,
    ];
    for err in errors {
        let text = err.to_string();
        assert!(text.len() > 20, "{}: {text}", err.kind());
    }
}

/// JSON-ish text from the characters the format uses.
fn jsonish() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[{}\[\]:,"0-9a-zA-Z_. \-]{0,200}"#).expect("regex")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_safetensors(&bytes);
        let _ = parse_index_json(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(text in jsonish()) {
        let _ = parse_safetensors(&raw(&text));
        let _ = parse_index_json(&text);
        let mut braced = String::from("{");
        braced.push_str(&text);
        let _ = parse_safetensors(&raw(&braced));
    }

    #[test]
    fn truncated_valid_files_ask_for_more(cut in any::<prop::sample::Index>()) {
        let file = two_tensor_builder().build_header();
        let len = cut.index(file.len());
        let need_more = matches!(parse_safetensors(&file[..len]), Err(SafetensorsError::NeedMore { .. }));
        prop_assert!(need_more, "prefix {}", len);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut file = two_tensor_builder().build_header();
        for (at, byte) in edits {
            let i = at.index(file.len());
            file[i] = byte;
        }
        let _ = parse_safetensors(&file);
    }
}
