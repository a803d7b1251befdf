//! A scenario from its link form, with everything it names resolved.

use super::card::{chosen_card, ChosenCard};
use super::model::{build_model, model_key, ModelRef};
use crate::catalog::Data;
use crate::inputs::Scenario;

/// A scenario read from its link form (`params`, as a shared URL is read) with the model, card
/// and workload it describes: what the page's worker starts from. `None` when the scenario has
/// errors (the page shows them next to their fields).
pub struct Resolved {
    pub scenario: Scenario,
    pub model: ModelRef,
    pub card: ChosenCard,
    pub workload: gpuplan_core::memory::Workload,
}

pub fn from_link(data: &Data, params: &str) -> Option<Resolved> {
    let (scenario, _) = Scenario::from_params(params);
    let model = build_model(data, &model_key(&scenario), &scenario).ok()?;
    let card = chosen_card(data, &scenario).ok()?;
    let workload = super::card::workload_on(&scenario, &card).ok()?;
    Some(Resolved { scenario, model, card, workload })
}
