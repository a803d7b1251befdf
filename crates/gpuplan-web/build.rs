//! Embeds a trimmed copy of `data/catalog.json` in the web bundle. Only text the page never
//! shows or reads is left out, so every figure it shows keeps its source and date:
//! - each GPU's `csv` (a verbatim copy of its `gpu-specs.csv` row, about half the file);
//! - each GPU's `source` text (its `source_ids` resolved through `sources`), which the page
//!   rebuilds on load (`data::load`), so each citation is embedded once, not once per card;
//! - the GPU descriptions the page does not show (`architecture`, `memory_type`, `form_factor`,
//!   `export_status`, the interconnect's `note`), the profiles' Chinese descriptions (their
//!   English one is the option's tooltip), `gpus_hint` and `assumptions`, and the size-tier table
//!   (the CLI's and the tests');
//! - each preset's `notes` (shown nowhere in the page);
//! - each preset's `source` beyond what the page shows of it (`short_source`: up to its first
//!   parenthesis, at most 80 characters);
//! - the keys of each preset's `config` that `Arch::from_config_value` does not read (`KEEP`;
//!   the test `data::tests::trimmed_presets_read_as_the_full_ones` checks every preset reads to
//!   the same model either way).
//!
//! Whitespace is dropped. Every field the catalog parser requires stays (emptied, not removed).

use std::path::Path;

/// The `config.json` keys the estimator reads (`gpuplan_core::model::Arch::from_config_value`),
/// at the top level and inside `text_config`.
const KEEP: &[&str] = &[
    "model_type", "text_config", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
    "head_dim", "vocab_size", "intermediate_size", "tie_word_embeddings", "max_position_embeddings", "attention_bias",
    "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "num_local_experts",
    "num_experts", "n_routed_experts", "num_experts_per_tok", "moe_intermediate_size", "shared_expert_intermediate_size",
    "n_shared_experts", "topk_method", "first_k_dense_replace", "moe_layer_freq", "decoder_sparse_step", "mlp_only_layers",
    "sliding_window", "sliding_window_pattern", "use_sliding_window", "max_window_layers", "layer_types",
    // Issue 15's architectures (model.rs `read_ext`, model/hybrid.rs, model/vision.rs).
    "vision_config", "depth", "patch_size", "temporal_patch_size", "spatial_merge_size", "out_hidden_size", "in_chans",
    "in_channels", "num_position_embeddings", "deepstack_visual_indexes", "linear_num_key_heads", "linear_key_head_dim",
    "linear_num_value_heads", "linear_value_head_dim", "linear_conv_kernel_dim", "full_attention_interval",
    "attn_output_gate", "use_qk_norm", "qk_norm_type", "use_routing_bias", "intermediate_size_mlp", "moe_layers",
    "interleave_moe_layer_step", "attention_chunk_size", "no_rope_layers", "index_n_heads", "index_head_dim",
    "num_nextn_predict_layers", "mtp_num_hidden_layers",
    // Encoders, embedding and reranker models, Mamba hybrids (model/encoder.rs, model/ssm.rs).
    "architectures", "type_vocab_size", "id2label", "num_labels", "mamba_expand", "mamba_dt_rank", "mamba_d_state",
    "mamba_d_conv", "mamba_conv_bias", "mamba_proj_bias", "attn_layer_period", "attn_layer_offset", "expert_layer_period",
    "expert_layer_offset", "layers_block_type", "hybrid_override_pattern", "mamba_num_heads", "mamba_head_dim",
    "ssm_state_size", "n_groups", "conv_kernel", "use_conv_bias", "use_bias", "mlp_bias",
    "moe_shared_expert_intermediate_size",
    // The recurrent state's dtype (model/hybrid.rs, model.rs `ssm_dtype_bytes`).
    "mamba_ssm_dtype", "mamba_ssm_cache_dtype",
    // Gemma 3's SigLIP and Mistral 3's Pixtral towers (model/vision.rs).
    "image_size", "num_channels", "mm_tokens_per_image", "multimodal_projector_bias",
    // Llama 3.2 Vision (mllama).
    "cross_attention_layers", "num_global_layers", "max_num_tiles", "vision_output_dim", "supported_aspect_ratios",
    // Gemma 3n (model/gemma3n.rs): per-layer embeddings, AltUp, LAuReL, KV sharing, audio tower.
    "vocab_size_per_layer_input", "hidden_size_per_layer_input", "laurel_rank", "altup_num_inputs",
    "num_kv_shared_layers", "audio_config", "conf_num_hidden_layers", "conf_num_attention_heads",
    "conf_conv_kernel_size", "input_feat_size", "sscp_conv_channel_size", "sscp_conv_kernel_size",
    "sscp_conv_stride_size", "final_logit_softcapping",
    // Block-wise FP8 checkpoints' scales (model.rs `fp8_scale_block`); only these three of its keys.
    "quantization_config",
];

/// The keys of `quantization_config` the estimator reads.
const KEEP_QUANT: &[&str] = &["quant_method", "weight_block_size", "scale_fmt"];

fn main() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/catalog.json");
    println!("cargo:rerun-if-changed={}", src.display());
    // A missing data file is a build error, not an empty catalog in the page.
    let text = match std::fs::read_to_string(&src) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", src.display());
            std::process::exit(1);
        }
    };
    let out = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(mut v) => {
            if let Some(gpus) = v.get_mut("gpus").and_then(|g| g.as_array_mut()) {
                for g in gpus {
                    for key in ["csv", "source", "architecture", "memory_type", "form_factor", "export_status"] {
                        empty(g, key);
                    }
                    if let Some(ic) = g.get_mut("interconnect") {
                        empty(ic, "note");
                    }
                }
            }
            if let Some(profiles) = v.get_mut("profiles").and_then(|g| g.as_array_mut()) {
                for p in profiles {
                    for key in ["description_zh_hans", "description_zh_hant", "gpus_hint", "assumptions"] {
                        empty(p, key);
                    }
                }
            }
            empty(&mut v, "size_tiers");
            if let Some(models) = v.get_mut("models").and_then(|g| g.as_array_mut()) {
                for m in models {
                    // The page shows a preset's source as `report::model_summary::short_source`
                    // does: only that much is embedded (a test checks the two agree).
                    // A preset's notes are shown nowhere in the page or its worker.
                    empty(m, "notes");
                    if let Some(serde_json::Value::String(src)) = m.get_mut("source") {
                        *src = short_source(src);
                    }
                    if let Some(serde_json::Value::Object(cfg)) = m.get_mut("config") {
                        cfg.retain(|k, _| KEEP.contains(&k.as_str()));
                        if let Some(serde_json::Value::Object(q)) = cfg.get_mut("quantization_config") {
                            q.retain(|k, _| KEEP_QUANT.contains(&k.as_str()));
                        }
                        for inner in ["text_config", "vision_config"] {
                            if let Some(serde_json::Value::Object(tc)) = cfg.get_mut(inner) {
                                tc.retain(|k, _| KEEP.contains(&k.as_str()));
                                if let Some(serde_json::Value::Object(q)) = tc.get_mut("quantization_config") {
                                    q.retain(|k, _| KEEP_QUANT.contains(&k.as_str()));
                                }
                            }
                        }
                    }
                }
            }
            let full = serde_json::to_string(&v).unwrap_or_else(|_| text.clone());
            page_trim(&mut v);
            presets_as_arch(&mut v);
            (full, serde_json::to_string(&v).unwrap_or(text))
        }
        // A broken catalog reaches the page as it is; the page reports it instead of dying.
        Err(_) => (text.clone(), text),
    };
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    for (name, body) in [("catalog.min.json", out.0), ("catalog.page.json", out.1)] {
        let dest = Path::new(&out_dir).join(name);
        if let Err(e) = std::fs::write(&dest, body) {
            println!("cargo:warning=cannot write {}: {e}", dest.display());
        }
    }
    accuracy_table(Path::new(&out_dir));
}

/// Empties `obj[key]` (an object, an array or a string), keeping the key the parser requires.
fn empty(obj: &mut serde_json::Value, key: &str) {
    if let Some(x) = obj.get_mut(key) {
        *x = match x {
            serde_json::Value::Object(_) => serde_json::Value::Object(Default::default()),
            serde_json::Value::Array(_) => serde_json::Value::Array(Vec::new()),
            _ => serde_json::Value::String(String::new()),
        };
    }
}

/// The page's own copy (`catalog.page.json`), smaller again: the texts of a card's "Source · as
/// of" details (memory source, precision note, price notes and bases, verification detail,
/// notes, source ids), the citation table and the host presets' notes are written or read by the worker
/// (`worker::panels::CARD_SOURCES`, from `catalog.min.json`), so the page does not carry them.
/// The numbers, names, dates and the verification status stay.
fn page_trim(v: &mut serde_json::Value) {
    if let Some(gpus) = v.get_mut("gpus").and_then(|g| g.as_array_mut()) {
        for g in gpus {
            for key in ["memory_source", "precision_note", "verified_detail", "notes", "source_ids"] {
                empty(g, key);
            }
            if let Some(p) = g.get_mut("price") {
                for key in ["purchase_note", "purchase_basis", "cloud_note", "cloud_basis"] {
                    empty(p, key);
                }
            }
        }
    }
    empty(v, "sources");
    // The page lists the host memory presets by name; their bandwidth, measurements and sources
    // are read by the worker (the llama.cpp panel) from its own copy.
    if let Some(hosts) = v.get_mut("hosts").and_then(|h| h.as_array_mut()) {
        for h in hosts {
            for key in ["achieved_note", "capacity_gb", "source_ids"] {
                empty(h, key);
            }
        }
    }
}

/// The page's presets in the core's architecture form (`Arch::to_json` of `ModelPreset::arch`,
/// the preset's `task` applied) instead of their `config.json` keys: the page reads them with
/// `Arch::from_json`, which it needs for dropped files anyway, and never links the config
/// reader (`Arch::from_config_value`, about 9 KB of the gzip'd bundle); a pasted config is read
/// by the worker. The test `catalog::tests::the_pages_presets_are_the_full_ones_read` checks
/// each preset reads to the same architecture either way. A preset the core cannot read keeps
/// its config (the page then names it, as before).
fn presets_as_arch(v: &mut serde_json::Value) {
    let Some(models) = v.get_mut("models").and_then(|g| g.as_array_mut()) else { return };
    for m in models {
        let Some(config) = m.get("config").and_then(|c| gpuplan_core::json::parse(&c.to_string()).ok()) else { continue };
        let task = m.get("task").and_then(|t| t.as_str()).unwrap_or_default().to_string();
        let preset = gpuplan_core::catalog::ModelPreset {
            id: String::new(),
            name: String::new(),
            hf_repo: String::new(),
            params_published: String::new(),
            source: String::new(),
            as_of: String::new(),
            verified: String::new(),
            notes: String::new(),
            config,
            task,
        };
        if let Ok(a) = preset.arch() {
            if let Ok(mut j) = serde_json::from_str::<serde_json::Value>(&gpuplan_core::json::to_string(&a.to_json())) {
                // One letter per layer instead of an object per layer (`catalog::LAYER_KINDS`).
                let kinds = j.get("layer_kinds").and_then(|k| k.as_array()).map(|k| k.iter().map(layer_kind_letter).collect::<Option<String>>());
                if let Some(Some(letters)) = kinds {
                    j["layer_kinds"] = serde_json::Value::String(letters);
                }
                m["config"] = j;
            }
        }
    }
}

/// The letters of `catalog::LAYER_KINDS` (the page's reader of this form): a layer's flags
/// `moe`, `sliding`, `linear`, `no_mixer`, `no_mlp`, `cross` as bits 0–5 of the letter's index.
const LAYER_KINDS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn layer_kind_letter(k: &serde_json::Value) -> Option<char> {
    // A flag beyond the six the letters carry (Gemma 3n's `kv_shared`): the preset keeps its
    // layers as objects, which the page reads as they are.
    if k.get("kv_shared").and_then(|b| b.as_bool()).unwrap_or(false) {
        return None;
    }
    let mut bits = 0;
    for (i, name) in ["moe", "sliding", "linear", "no_mixer", "no_mlp", "cross"].iter().enumerate() {
        if k.get(name).and_then(|b| b.as_bool()).unwrap_or(false) {
            bits |= 1 << i;
        }
    }
    Some(LAYER_KINDS[bits] as char)
}

/// `report::model_summary::short_source`: a citation cut at its first parenthesis, and to 80
/// characters.
fn short_source(s: &str) -> String {
    let s = s.split(" (").next().unwrap_or(s);
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The accuracy of each measured kind, summarised here with the core's own functions
/// (`gpuplan_core::accuracy::{runs, summarize_kind}`) so the page carries a few numbers per kind instead
/// of the table of runs and its reader (about 11 KB of the gzip'd bundle). The test
/// `results::accuracy::tests` checks the page's answer equals `accuracy::of` for every kind.
fn accuracy_table(out_dir: &Path) {
    use gpuplan_core::accuracy::{runs, summarize_kind, Kind};
    println!("cargo:rerun-if-changed={}", Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/calibration/accuracy.json").display());
    let all = match runs() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut kinds: Vec<Kind> = Vec::new();
    for r in &all {
        if !kinds.contains(&r.kind) {
            kinds.push(r.kind);
        }
    }
    let mut rows = String::new();
    for k in kinds {
        let s = summarize_kind(k, &all);
        rows += &format!(
            "    ({:?}, KindSummary {{ runs: {}, median_pct: {:?}, worst_pct: {:?}, oom_runs: {}, oom_recognised: {} }}),\n",
            k.label(),
            s.runs,
            s.median_pct,
            s.worst_pct,
            s.oom_runs,
            s.oom_recognised
        );
    }
    let text = format!("/// (kind label, the summary of its runs), made by `gpuplan_core::accuracy::summarize_kind`.\npub static KINDS: &[(&str, KindSummary)] = &[\n{rows}];\n");
    if let Err(e) = std::fs::write(out_dir.join("accuracy_kinds.rs"), text) {
        println!("cargo:warning=cannot write accuracy_kinds.rs: {e}");
    }
}
