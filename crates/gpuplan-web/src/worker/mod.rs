//! The page's Web Worker (`gpuplan-worker`, a second binary of this crate): the features a
//! visit may never use run here, off the main thread, and their code is loaded only when first
//! used — reading dropped files (GGUF, safetensors, config.json headers), the planner's
//! search over the catalog, the CSV/JSON exports and the "How we know" section (its chart,
//! tables and words). The page's own bundle stays small.
//!
//! Protocol (`postMessage`, plain objects): the worker says `{op: "ready"}` once its wasm is
//! instantiated (the page queues requests until then); then
//! - `{op: "files", id, lang, files: File[]}` → `{op: "files", id, json}` with
//!   [`crate::inputs::dropped::DropResult::to_json`];
//! - `{op: "plan", id, lang, group, decimal, params}` → `{op: "plan", id, json}` with
//!   [`answers::planner_answer`]'s JSON (timed);
//! - `{op: "export", id, kind: "csv"|"json", sort, desc, params}` → `{op: "export", id, json}`
//!   with the export's text ([`answers::export_answer`]; empty when the scenario has errors).
//! - `{op: "evidence", id, lang, group, decimal}` → `{op: "evidence", id, json}` with the
//!   "How we know" section's HTML ([`answers::evidence_answer`]);
//! - `{op: "panel", id, panel, arg, lang, group, decimal, params}` → `{op: "panel", id, json}`
//!   with the panel's HTML/SVG ([`panels::panel_answer`]): the generic path of every panel the
//!   worker writes for the page (`view::worker_panel` on the page's side).
//! - `{op: "hub", id, lang, ref, hub}` → `{op: "files", id, json}`: the model `ref` names (a
//!   Hub id or link), fetched from the Hub when the person pressed Fetch ([`hub`]; `hub` is the
//!   link's `hub` parameter, a loopback stand-in for the tests), answered as a drop is.
//!
//! `params` is the scenario's link form: the worker reads the scenario exactly as a shared link
//! is read, so page and worker cannot disagree on the inputs.

pub mod answers;
pub mod panels;
pub mod hub;

#[cfg(target_arch = "wasm32")]
mod hub_fetch;

#[cfg(target_arch = "wasm32")]
mod messages;

#[cfg(target_arch = "wasm32")]
pub use messages::start;
