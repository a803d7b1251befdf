//! gpuplan-core: plain data in, plain data out. Memory, speed and cost of running or training
//! an LLM on GPUs, from first principles; `#![no_std]` + `alloc`, integer bytes, no I/O.
#![cfg_attr(not(test), no_std)]
extern crate alloc;

pub mod accuracy;
pub mod arith;
pub mod args;
pub mod catalog;
pub mod cost;
pub mod error;
pub mod evidence;
pub mod formats;
pub mod json;
pub mod llamacpp;
pub mod memory;
pub mod model;
pub mod plan;
pub mod serving;
pub mod speculative;
pub mod compare;
pub mod sglang;
pub mod sort;
pub mod throughput;
pub mod unified;
#[cfg(test)]
mod test_csv;
#[cfg(test)]
mod engine_logs;
pub mod vllm;

pub use error::InputError;
pub use formats::{KvFormat, WeightFormat};
pub use memory::{estimate, Breakdown, Engine, Estimate, Mode, Model, Optimizer, Precision, Verdict, Workload};
pub use model::{Arch, Family, LoraTargets, ManualModel};
