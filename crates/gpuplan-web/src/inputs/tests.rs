//! The scenario's link form and validation.

use gpuplan_core::error::InputError;
use gpuplan_core::formats::{KvFormat, WeightFormat};
use gpuplan_core::memory::{Engine, Mode, Optimizer, Precision};

use super::link::has_scenario;
use super::scenario::{Access, Kind, INPUTS};
use super::*;
use crate::numbers::NumErr;

#[test]
fn default_scenario_is_a_short_link() {
    assert_eq!(Scenario::default().to_params(), "v=1");
    let (s, bad) = Scenario::from_params("");
    assert_eq!(s, Scenario::default());
    assert!(bad.is_empty());
}

#[test]
fn every_field_round_trips() {
    let mut s = Scenario { preset: "qwen2.5-72b".into(), ..Scenario::default() };
    s.set_mode(Mode::Qlora);
    s.kv = KvFormat::Fp8;
    s.engine = Engine::Vllm;
    s.context = "32k".into();
    s.output = "1,024".into();
    s.users = "16".into();
    s.micro_batch = "2".into();
    s.seq = "4096".into();
    s.lora_rank = "64".into();
    s.optimizer = Optimizer::Adamw8bit;
    s.precision = Precision::Mixed;
    s.zero = 3;
    s.grad_ckpt = false;
    s.offload = true;
    s.gpus = "8".into();
    s.util = "0.85".into();
    s.gpu_layers = "20".into();
    s.gpu = CUSTOM_GPU.into();
    s.custom_gpu.name = "Tesla & co ~ 24GB".into();
    *s.custom_gpu.get_mut(CustomGpuKey::Memory) = "48".into();
    s.cost.years = "3".into();
    s.cost.busy_pct = "80".into();
    s.cost.kwh_usd = "0.3".into();
    let url = s.to_params();
    let (back, bad) = Scenario::from_params(&format!("#{url}"));
    assert!(bad.is_empty(), "{bad:?}");
    let mut expect = s.clone();
    expect.custom_gpu.name = "Tesla & co  24GB".into();
    assert_eq!(back, expect);
}

#[test]
fn config_and_manual_models_round_trip() {
    let s = Scenario {
        source: Source::Config,
        config: "{\n  \"model_type\": \"llama\", \"hidden_size\": 4096,\n  \"architectures\": [\"LlamaForCausalLM\"]\n}".into(),
        ..Scenario::default()
    };
    let (back, _) = Scenario::from_params(&s.to_params());
    assert_eq!(back.source, Source::Config);
    // Noise keys dropped, whitespace gone, the keys in the order they were typed.
    assert_eq!(back.config, "{\"model_type\":\"llama\",\"hidden_size\":4096}");

    let mut s = Scenario { source: Source::Manual, ..Scenario::default() };
    *s.manual.get_mut(ManualKey::Layers) = "80".into();
    s.manual.tied = true;
    *s.manual.get_mut(ManualKey::Hidden) = "abc".into();
    let (back, _) = Scenario::from_params(&s.to_params());
    assert_eq!(back.manual, s.manual);
    assert_eq!(back.source, Source::Manual);

    // A broken config is kept as typed.
    let s = Scenario { source: Source::Config, config: "{ not json".into(), ..Scenario::default() };
    assert_eq!(Scenario::from_params(&s.to_params()).0.config, "{ not json");
}

#[test]
fn old_and_broken_links_are_tolerated() {
    // No version, no src, unknown keys, bad enum values, junk escapes.
    let (s, bad) = Scenario::from_params("?m=mistral-7b&w=q9_z&mo=sleep&zz=1&ctx=%ZZ&z=7&gc=maybe&cfg=!!!&lang=zh-Hans");
    assert_eq!(s.preset, "mistral-7b");
    assert_eq!(s.weights, WeightFormat::Bf16);
    assert_eq!(s.mode, Mode::Inference);
    assert_eq!(s.context, "%ZZ");
    assert_eq!(s.zero, 0);
    assert_eq!(s.source, Source::Preset);
    let mut bad = bad;
    bad.sort();
    assert_eq!(bad, ["cfg", "gc", "mo", "w", "z"]);
    // A newer version still reads the keys it knows.
    let (s, bad) = Scenario::from_params("v=9&w=q4_k_m&newthing=3");
    assert_eq!(s.weights.name(), "q4_k_m");
    assert!(bad.is_empty());
    // A huge value is cut, not stored whole.
    let (s, _) = Scenario::from_params(&format!("ctx={}", "9".repeat(10_000)));
    assert_eq!(s.context.len(), 64);
}

#[test]
fn workload_checks_every_field_and_names_it() {
    let s = Scenario::default();
    let w = s.workload(80 << 30).unwrap();
    assert_eq!((w.prompt, w.new_tokens, w.batch, w.gpus), (8192 - 512, 512, 1, 1));

    let s = Scenario { context: "".into(), users: "-2".into(), gpus: "NaN".into(), ..Scenario::default() };
    let errs = s.workload(80 << 30).unwrap_err();
    let fields: Vec<Field> = errs.iter().map(|e| e.field).collect();
    assert_eq!(fields, [Field::Users, Field::Context, Field::Gpus]);
    assert_eq!(errs[0].msg, Msg::Num(NumErr::Negative));

    let s = Scenario { output: "9000".into(), ..Scenario::default() };
    assert_eq!(s.workload(1 << 30).unwrap_err()[0], FieldError { field: Field::Output, msg: Msg::OutputVsContext });

    let s = Scenario { engine: Engine::Vllm, util: "1.5".into(), ..Scenario::default() };
    assert_eq!(s.workload(1 << 30).unwrap_err()[0].field, Field::Util);
}

#[test]
fn core_errors_land_next_to_their_field() {
    let mut s = Scenario::default();
    let e = InputError::new("--batch", "x");
    assert_eq!(FieldError::from_core(&e, &s).field, Field::Users);
    s.mode = Mode::Full;
    assert_eq!(FieldError::from_core(&e, &s).field, Field::MicroBatch);
    s.source = Source::Manual;
    assert_eq!(FieldError::from_core(&InputError::new("kv_heads", "x"), &s).field, Field::Manual(ManualKey::KvHeads));
    s.source = Source::Config;
    assert_eq!(FieldError::from_core(&InputError::new("hidden_size", "is missing"), &s).field, Field::Config);
}

#[test]
fn mode_and_format_rules() {
    let mut s = Scenario::default();
    s.set_weights(WeightFormat::parse("q4_k_m", false).unwrap());
    assert_eq!((s.engine, s.kv), (Engine::LlamaCpp, KvFormat::Fp16));
    s.set_mode(Mode::Lora);
    assert_eq!((s.weights, s.engine), (WeightFormat::Bf16, Engine::Hf));
    s.set_mode(Mode::Qlora);
    assert!(matches!(s.weights, WeightFormat::Nf4 { .. }));
}

#[test]
fn the_field_table_is_whole() {
    // Every key and id once; numbers are typed text; the page's own keys are not inputs.
    let mut keys: Vec<&str> = INPUTS.iter().map(|i| i.key).collect();
    keys.sort_unstable();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n, "a link key twice");
    for i in INPUTS {
        assert!(!matches!(i.key, "v" | "lang" | "embed"), "{}", i.key);
        if matches!(i.kind, Kind::Whole { .. } | Kind::Decimal { .. }) {
            assert!(matches!(i.access, Access::Text { .. }), "{} is a number but not typed text", i.key);
        }
        assert_eq!(i.field.id(), INPUTS.iter().find(|j| j.field == i.field).unwrap().id);
    }
    assert!(has_scenario("v=1&ctx=4096") && !has_scenario("v=1&lang=en&embed=1"));
}

#[test]
fn every_typed_input_of_the_table_travels_in_the_link_under_its_key() {
    for input in INPUTS {
        let Access::Text { get, slot } = input.access else { continue };
        let mut s = Scenario::default();
        *slot(&mut s) = "7".into();
        let params = s.to_params();
        assert_eq!(params, format!("v=1&{}=7", input.key), "{}", input.key);
        let (back, bad) = Scenario::from_params(&params);
        assert!(bad.is_empty(), "{}: {bad:?}", input.key);
        assert_eq!(get(&back), "7", "{}", input.key);
    }
}

#[test]
fn lora_targets_reach_the_workload_and_a_bad_one_is_named_next_to_its_field() {
    use gpuplan_core::model::LoraTargets;
    let lora = |t: &str| Scenario { mode: Mode::Lora, lora_targets: t.into(), ..Scenario::default() };
    assert_eq!(lora("attention").workload(80 << 30).unwrap().lora_targets, LoraTargets::Attention);
    assert_eq!(lora("").workload(80 << 30).unwrap().lora_targets, LoraTargets::AllLinear);
    assert_eq!(lora(" q_proj, v_proj ").workload(80 << 30).unwrap().lora_targets, LoraTargets::Names(vec!["q_proj".into(), "v_proj".into()]));
    // Inference does not read it.
    let inf = Scenario { lora_targets: "q-proj!".into(), ..Scenario::default() };
    assert_eq!(inf.workload(80 << 30).unwrap().lora_targets, LoraTargets::AllLinear);
    // Not a list of names: the field says what it takes.
    let errs = lora("q-proj!").workload(80 << 30).unwrap_err();
    assert_eq!(errs[0].field, Field::LoraTargets);
    assert!(matches!(&errs[0].msg, Msg::Core(m) if m.contains("all-linear, attention")), "{errs:?}");
    // A name the model has no module of: the core's error, placed next to the field.
    let data = crate::catalog::load();
    let s = lora("q_proj,qkv_proj");
    let x = crate::results::resolve::from_link(&data, &s.to_params()).expect("the link is valid");
    let e = crate::results::memory::Outcome::compute(&x.model, &x.workload, &x.card.spec, &x.scenario).unwrap_err();
    assert_eq!(e.field, Field::LoraTargets);
    assert!(matches!(&e.msg, Msg::Core(m) if m.contains("\"qkv_proj\" matches no Linear module") && m.contains("q_proj")), "{e:?}");
    // Travels in the link, as typed.
    assert_eq!(s.to_params(), "v=1&mo=lora&lt=q_proj,qkv_proj");
    assert_eq!(Scenario::from_params(&s.to_params()).0, s);
}

/// Issue 13's bad llama.cpp inputs, each a message naming its flag under its own field: more
/// layers than the model has, an unknown card in the list, a split that does not add up.
#[test]
fn llama_inputs_name_the_flag_under_their_field() {
    use crate::inputs::LlamaKey as K;
    let data = crate::catalog::load();
    let mut s = Scenario::default();
    assert_eq!(s.llama_inputs(&data.catalog, Some(32)), Ok(Default::default()));
    s.llama.layers = "99".into();
    s.llama.gpu2 = "no-such-card".into();
    s.llama.tensor_split = "1,1,1".into();
    s.llama.kv_cache = "q9".into();
    s.llama.flash = "maybe".into();
    let errs = s.llama_inputs(&data.catalog, Some(32)).unwrap_err();
    let msg = |k: K| match &errs.iter().find(|e| e.field == Field::Llama(k)).unwrap_or_else(|| panic!("{k:?}: {errs:?}")).msg {
        Msg::Core(m) => m.clone(),
        m => panic!("{m:?}"),
    };
    assert!(msg(K::Layers).starts_with("--gpu-layers:") && msg(K::Layers).contains("33"), "{}", msg(K::Layers));
    assert!(msg(K::Gpu2).starts_with("--gpu:") && msg(K::Gpu2).contains("no-such-card"));
    // One card named (the second is unknown): one part expected.
    assert!(msg(K::TensorSplit).starts_with("--tensor-split:") && msg(K::TensorSplit).contains("3 parts for 1 cards"), "{}", msg(K::TensorSplit));
    assert!(msg(K::KvCache).starts_with("--kv-cache:"));
    assert!(msg(K::Flash).starts_with("--flash-attn:"));
    // What was typed stays as typed.
    assert_eq!((s.llama.layers.as_str(), s.llama.gpu2.as_str()), ("99", "no-such-card"));
    // Fixed: a known second card, a split of two parts, -ngl within the layers.
    s.llama = Default::default();
    s.llama.gpu2 = "nvidia-rtx-4090".into();
    s.llama.tensor_split = "3, 1".into();
    s.llama.layers = "33".into();
    let ok = s.llama_inputs(&data.catalog, Some(32)).unwrap();
    assert_eq!((ok.more_cards, ok.tensor_split, ok.gpu_layers), (vec!["nvidia-rtx-4090".to_string()], vec![3.0, 1.0], Some(33)));
    s.llama.tensor_split = "0,0".into();
    assert!(s.llama_inputs(&data.catalog, Some(32)).is_err());
}
