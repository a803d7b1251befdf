//! What the page writes as text: the results' sections as HTML (each one string, set as the
//! `innerHTML` of its slot, written with the escaping `html::Html`) and the charts as SVG
//! (plotters). Pure; tested on the host; the planner's table is written by the worker.
//! Buttons inside carry `data-*` attributes and are handled by one listener on their slot.

pub mod card_info;
pub mod fit_table;
pub mod how_we_know;
pub mod llama;
pub mod serving;
pub mod charts;
pub mod model_summary;
pub mod plans;
pub mod speed_cost;
pub mod verdict;

#[cfg(test)]
mod tests;
