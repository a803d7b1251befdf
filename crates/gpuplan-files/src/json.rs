//! JSON text helpers shared by the safetensors builder and the web app's JSON writer: the
//! estimator's own JSON reader and writer (`gpuplan_core::json`).

pub use gpuplan_core::json::push_string;
