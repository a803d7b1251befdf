//! The page (Leptos, wasm32 only), one file per panel as in Leptos' own examples: `app` builds
//! the state and mounts the page, `context` holds the state every panel takes (as an argument:
//! Leptos' `provide_context` cost 2.9 KB of the gzip'd bundle), `widgets` the form's shared
//! pieces. The results' HTML and SVG come from `report`.

mod app;
mod context;
mod economics_panel;
mod fit_table;
mod gpu_panel;
mod header;
mod how_we_know;
mod llama_panel;
mod model_panel;
mod planner;
mod results_panel;
mod serving_panel;
mod widgets;
mod worker_panel;
mod workload_panel;

pub use app::start;
