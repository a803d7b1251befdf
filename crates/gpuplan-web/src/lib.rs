//! gpuplan in the browser. The pure parts (scenario and its URL form, formatting, translations,
//! results and charts) are plain modules tested on the host; `app` (Leptos) and `dom` (web-sys)
//! exist only on wasm32, as does `worker` (the page's Web Worker: file reading and the planner).

pub mod charts;
pub mod codec;
pub mod compute;
pub mod data;
pub mod derive;
pub mod econ;
pub mod files;
pub mod fmt;
pub mod how_we_know;
pub mod i18n;
pub mod render;
pub mod scenario;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod dom;
#[cfg(target_arch = "wasm32")]
pub mod worker;
