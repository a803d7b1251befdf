//! gpuplan in the browser, in layers (each uses only the ones above it):
//! - `i18n`, `numbers`, `codec`, `html`: translations, number formats, link codecs, the
//!   escaping HTML builder;
//! - `catalog`: the bundled catalog as the page reads it;
//! - `inputs`: the scenario, its field table, its link form and validation, dropped files;
//! - `results`: what the page derives from a scenario (fits, speed, money, plans, exports);
//! - `report`: the results written as HTML and SVG text;
//! - `platform` (DOM, storage, files, the worker's channel), `view` (the Leptos page, one file
//!   per panel) and `worker` (the page's Web Worker): wasm32 only, except the worker's answers.
//!
//! See ARCHITECTURE.md at the repository root.

pub mod catalog;
pub mod codec;
pub mod html;
pub mod i18n;
pub mod inputs;
pub mod numbers;
pub mod report;
pub mod results;
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub mod platform;
#[cfg(target_arch = "wasm32")]
pub mod view;
