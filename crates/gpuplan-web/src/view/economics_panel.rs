//! The economics panel: a user profile to start from, the planner's target and budget, and the
//! costing and efficiency inputs (empty: the sourced defaults, shown under them).

use leptos::prelude::*;

use super::context::Page;
use super::widgets::{check_field, num_field};
use crate::i18n::{Lang, Phrase};
use crate::inputs::{apply_profile, Field};

/// Costing, efficiency and planner inputs, and the user profiles of the source articles.
pub fn economics_panel(c: Page) -> impl IntoView {
    let training = Memo::new(move |_| c.scenario.with(|s| s.mode.is_training()));
    let f = move |field: Field| num_field(c, field);
    let profiles = &c.data.catalog.profiles;
    view! {
        <fieldset class="panel">
            <legend>{move || c.tr(Phrase::Economics)}</legend>
            <div class="field">
                <label for="profile">{move || c.tr(Phrase::Profile)}</label>
                <select id="profile" data-testid="profile" on:change=move |ev| {
                    let id = event_target_value(&ev);
                    if let Some(p) = c.data.catalog.profiles.iter().find(|p| p.id == id) {
                        c.scenario.update(|s| apply_profile(s, p));
                    }
                }>
                    <option value="">{move || c.tr(Phrase::ProfileNone)}</option>
                    {profiles.iter().map(|p| {
                        let p2 = p.clone();
                        view! { <option value=p.id.clone() title=p.description_en.clone()>{move || match c.lang.get() { Lang::En => p2.name_en.clone(), Lang::ZhHans => p2.name_zh_hans.clone(), Lang::ZhHant => p2.name_zh_hant.clone() }}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="grid2">
                {f(Field::Target)}
                {f(Field::Budget)}
            </div>
            {check_field(c, Field::Rent)}
            {move || training.get().then(|| f(Field::TrainTokens))}
            <details>
                <summary>{move || c.tr(Phrase::Cost)} " · " {move || c.tr(Phrase::Speed)}</summary>
                <div class="grid2">
                    {f(Field::Years)}
                    {f(Field::Busy)}
                    {f(Field::Kwh)}
                    {f(Field::Pue)}
                    {f(Field::Fx)}
                    {f(Field::Mbu)}
                    {f(Field::Mfu)}
                </div>
                <p class="hint">{move || c.cost_settings.with(|e| e.as_ref().ok().map(|e| format!(
                    "{:.0} % busy · {:.3} USD/kWh · PUE {:.2} · {:.1} CNY/USD · MBU {:.2} · MFU {:.2} · {} {}",
                    e.cost.utilization * 100.0, e.cost.electricity_usd_per_kwh, e.cost.pue, e.cost.cny_per_usd, e.eff.mbu_decode, e.eff.mfu_prefill,
                    c.tr(Phrase::AsOf), c.data.catalog.fx.as_of)))}</p>
            </details>
        </fieldset>
    }
}
