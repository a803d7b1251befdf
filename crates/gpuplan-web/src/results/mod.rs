//! What the page derives from a scenario: the model and the card it names, the memory it needs
//! on every card and count (`memory`, with vLLM's pool in `vllm`), and its speed, money and
//! plans (`money`), the CSV/JSON files (`export`), and how sure the estimate is (`accuracy`). `resolve` reads a link the way the
//! worker does. Pure; tested on the host; used by the page and by its worker alike.

pub mod accuracy;
pub mod card;
pub mod export;
pub mod llama;
pub mod serving;
pub mod memory;
pub mod model;
pub mod money;
pub mod resolve;
pub mod vllm;

