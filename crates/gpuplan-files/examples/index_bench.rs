//! Times `parse_index_json` on a `model.safetensors.index.json` of DeepSeek-V3's size: 92,000
//! tensors over 163 shards (DeepSeek-V3's index lists 91,991 tensors in
//! `model-00001-of-000163.safetensors` … `model-00163-of-000163.safetensors`). Prints the time
//! (a figure, not asserted) and checks that a repeated key is still refused.
//!
//! `cargo run --release -p gpuplan-files --example index_bench`

use std::fmt::Write;
use std::time::Instant;

use gpuplan_files::{parse_index_json, SafetensorsError};

const TENSORS: usize = 92_000;
const SHARDS: usize = 163;

/// The index text, with `dup` appended as a second entry of the first tensor's name.
fn index(dup: bool) -> String {
    let mut s = String::from("{\"metadata\": {\"total_size\": 688586727753}, \"weight_map\": {");
    for i in 0..TENSORS {
        let (layer, k) = (i / 1508, i % 1508);
        let shard = 1 + i * SHARDS / TENSORS;
        let sep = if i == 0 { "" } else { ", " };
        write!(s, "{sep}\"model.layers.{layer}.mlp.experts.{}.proj_{}.weight\": \"model-{shard:05}-of-{SHARDS:06}.safetensors\"", k / 6, k % 6).unwrap();
    }
    if dup {
        s.push_str(", \"model.layers.0.mlp.experts.0.proj_0.weight\": \"model-00001-of-000163.safetensors\"");
    }
    s.push_str("}}");
    s
}

fn main() {
    let text = index(false);
    let t = Instant::now();
    let ix = parse_index_json(&text).expect("the index parses");
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(ix.weight_map.len(), TENSORS);
    println!("parse_index_json: {TENSORS} tensors, {} KiB: {ms:.1} ms", text.len() / 1024);

    let text = index(true);
    let t = Instant::now();
    let err = parse_index_json(&text).unwrap_err();
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(matches!(err, SafetensorsError::DuplicateKey(ref k) if k == "model.layers.0.mlp.experts.0.proj_0.weight"), "{err}");
    println!("the same with one repeated key: refused ({err}) in {ms:.1} ms");
}
