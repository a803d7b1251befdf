//! The workload panel: the task, the weight and KV-cache formats, the sizes, the engine, the
//! card count, and the advanced training and engine settings.

use gpuplan_core::catalog::PrecisionSupport;
use gpuplan_core::formats::{KvFormat, WeightFormat, ALL_FORMATS};
use gpuplan_core::memory::{Engine, Mode, Optimizer};
use leptos::prelude::*;

use super::context::Page;
use super::widgets::{check_field, err_view, num_field, select_field, OptionText};
use crate::i18n::Phrase;
use crate::inputs::Field;

fn weight_options() -> Vec<WeightFormat> {
    let mut v: Vec<WeightFormat> = ALL_FORMATS.to_vec();
    v.insert(v.iter().position(|f| matches!(f, WeightFormat::Nf4 { .. })).map_or(v.len(), |i| i + 1), WeightFormat::Nf4 { double_quant: true });
    v
}

fn format_group(f: WeightFormat) -> &'static str {
    match f {
        WeightFormat::Fp32 | WeightFormat::Bf16 | WeightFormat::Fp16 => "16/32-bit",
        WeightFormat::Fp8 | WeightFormat::Int8 => "8-bit",
        WeightFormat::Gguf(_) => "GGUF · llama.cpp",
        _ => "4-bit",
    }
}

/// The task, formats, sizes, engine and card count.
pub fn workload_panel(c: Page) -> impl IntoView {
    let mode = Memo::new(move |_| c.scenario.with(|s| s.mode));
    let engine = Memo::new(move |_| c.scenario.with(|s| s.engine));
    let weights = Memo::new(move |_| c.scenario.with(|s| s.weights));
    let modes = vec![
        ("inference", OptionText::Translated(Phrase::ModeInference)),
        ("lora", OptionText::Translated(Phrase::ModeLora)),
        ("qlora", OptionText::Translated(Phrase::ModeQlora)),
        ("full", OptionText::Translated(Phrase::ModeFull)),
        ("pretrain", OptionText::Translated(Phrase::ModePretrain)),
    ];
    let kvs: Vec<(&'static str, OptionText)> = [KvFormat::Bf16, KvFormat::Fp16, KvFormat::Fp8, KvFormat::Q8_0, KvFormat::Q4_0, KvFormat::Fp32].into_iter().map(|k| (k.name(), OptionText::Fixed(k.name()))).collect();
    let engines = vec![("hf", OptionText::Fixed("Hugging Face transformers")), ("vllm", OptionText::Fixed("vLLM")), ("llama.cpp", OptionText::Fixed("llama.cpp / Ollama"))];
    let optimizers: Vec<(&'static str, OptionText)> = [Optimizer::Adamw, Optimizer::Adamw8bit, Optimizer::Sgd, Optimizer::Adafactor, Optimizer::Lion].into_iter().map(|o| (o.name(), OptionText::Fixed(o.name()))).collect();
    let weights_select = {
        let groups = ["16/32-bit", "8-bit", "4-bit", "GGUF · llama.cpp"];
        view! {
            <div class="field">
                <label for="weights">{move || c.tr(Phrase::WeightFormat)}</label>
                <select id="weights" data-testid="weights" on:change=move |ev| {
                    if let Ok(f) = WeightFormat::parse(&event_target_value(&ev), false) { c.scenario.update(|s| s.set_weights(f)); }
                }>
                    {groups.into_iter().map(|g| view! {
                        <optgroup label=g>
                            {weight_options().into_iter().filter(|f| format_group(*f) == g).map(|f| view! {
                                <option value=f.name() selected=move || weights.get() == f>{f.name()}</option>
                            }).collect_view()}
                        </optgroup>
                    }).collect_view()}
                </select>
                {err_view(c, Field::Weights)}
                {native_warning(c)}
            </div>
        }
    };
    view! {
        <fieldset class="panel">
            <legend>{move || c.tr(Phrase::Workload)}</legend>
            <div class="grid2">
                {select_field(c, Field::Mode, modes, |s| s.set_mode(s.mode))}
                {weights_select}
            </div>
            // Inference's inputs and training's, built once and shown by the task (a
            // type-erased view per branch cost the bundle about 0.5 KB gzip'd).
            <div class="grid2" hidden=move || mode.get() != Mode::Inference>
                {num_field(c, Field::Context)}
                {num_field(c, Field::Output)}
                {num_field(c, Field::Users)}
                {(!c.embed).then(|| select_field(c, Field::Engine, engines.clone(), |_| {}))}
            </div>
            <div class="grid2" hidden=move || mode.get() == Mode::Inference>
                {num_field(c, Field::MicroBatch)}
                {num_field(c, Field::Seq)}
                {move || matches!(mode.get(), Mode::Lora | Mode::Qlora).then(|| num_field(c, Field::LoraRank))}
                {move || matches!(mode.get(), Mode::Lora | Mode::Qlora).then(|| num_field(c, Field::LoraTargets))}
                {(!c.embed).then(|| select_field(c, Field::Optimizer, optimizers.clone(), |_| {}))}
            </div>
            <div class="grid2">
                {num_field(c, Field::Gpus)}
                {(!c.embed).then(|| select_field(c, Field::Kv, kvs.clone(), |_| {}))}
            </div>
            {(!c.embed).then(|| view! {
                <details class="more">
                    <summary>{move || c.tr(Phrase::Advanced)}</summary>
                    {move || (mode.get() != Mode::Inference).then(|| view! {
                        <div class="grid2">
                            {select_field(c, Field::Zero, vec![("0", OptionText::Fixed("0")), ("1", OptionText::Fixed("1")), ("2", OptionText::Fixed("2")), ("3", OptionText::Fixed("3 (FSDP full shard)"))], |_| {})}
                            {select_field(c, Field::Precision, vec![("bf16", OptionText::Translated(Phrase::PrecisionBf16)), ("mixed", OptionText::Translated(Phrase::PrecisionMixed))], |_| {})}
                        </div>
                        {check_field(c, Field::GradCkpt)}
                        {check_field(c, Field::Offload)}
                    })}
                    {move || (mode.get() == Mode::Inference && engine.get() == Engine::Vllm).then(|| num_field(c, Field::Util))}
                    {move || (mode.get() == Mode::Inference && engine.get() == Engine::LlamaCpp).then(|| num_field(c, Field::GpuLayers))}
                </details>
            })}
        </fieldset>
    }
}

/// Warns when the chosen format is not native on the chosen card.
fn native_warning(c: Page) -> impl IntoView {
    move || {
        let sel = c.card.get().ok()?;
        let card = &c.data.catalog.gpus[sel.idx?];
        let w = c.scenario.with(|s| s.weights);
        let p = w.compute_precision();
        let sup = card.support(p);
        (sup != PrecisionSupport::Native).then(|| view! {
            <p class="warn" data-testid="native-warning" role="note">"⚠ " {w.name()} " (" {p} ") " {move || c.tr(Phrase::NotNative)}</p>
        })
    }
}
