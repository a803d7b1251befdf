//! What the reader gives the page: the scenario and its field table, its link form, its
//! validation into the core's types, and the files dropped on the page (read into a model).

pub mod dropped;
pub mod link;
pub mod model_fields;
pub mod scenario;
pub mod validate;

#[cfg(test)]
mod tests;

pub use model_fields::{CustomGpu, CustomGpuKey, FileModel, ManualFields, ManualKey};
pub use scenario::{apply_profile, CostFields, Field, LlamaFields, LlamaKey, Scenario, ServingFields, ServingKey, Source, CUSTOM_GPU, DEFAULT_GPU, DEFAULT_PRESET};
pub use validate::{CostSettings, CustomGpuValues, FieldError, Msg};
