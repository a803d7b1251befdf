//! What the cards cost: buy and run them (total cost of ownership over N years) or rent them for
//! the same busy hours; dollars per million tokens; the cost of a training run.
//!
//! Prices come from the catalog (each with its date); every other input is in [`CostInputs`],
//! with a sourced default and editable.

use alloc::string::String;

use crate::catalog::{Catalog, Gpu};

/// Everything besides the card's prices. All fields are editable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostInputs {
    /// Yuan per US dollar. Default: the catalog's `fx` (with its date).
    pub cny_per_usd: f64,
    /// Electricity price. Default: 1 CNY/kWh, the price the source article's TCO table uses
    /// ("以每度電1元計算", seeds/gpu-selection-guide), converted at `cny_per_usd`.
    pub electricity_usd_per_kwh: f64,
    /// Facility power / IT power. Default 1.56: Uptime Institute Global Data Center Survey 2024
    /// (industry average at respondents' largest site; 1.55–1.59 since 2020).
    pub pue: f64,
    /// Fraction of the year the cards are busy: energy is drawn, and rented hours are paid, only
    /// for these hours; owned cards cost the same either way. Default 0.6, an assumption: trace
    /// analyses of Microsoft's Philly cluster (Jeon et al., USENIX ATC'19 traces) find a quarter
    /// to a half of reserved GPU time idle.
    pub utilization: f64,
    /// Years the cards are owned (depreciation horizon). Default 4: the source article values
    /// TCO over 3–5 years and gives AI hardware a 3–4-year life; 4 lies in both ranges.
    pub years: f64,
    /// Operations (maintenance, spares, staff) per year as a fraction of the purchase price.
    /// Default 0.025: the article's 8×A800 row puts operations at 120 万 against a 1360 万
    /// purchase (8.8 %) over its 3–5-year horizon ⇒ 2–3 % per year. (Its 24×RTX 4090 row is not
    /// self-consistent and is not used.)
    pub ops_fraction_per_year: f64,
    /// Hours in a year (365 × 24).
    pub hours_per_year: f64,
}

/// 1 CNY/kWh (source article).
pub const ARTICLE_ELECTRICITY_CNY_PER_KWH: f64 = 1.0;

impl CostInputs {
    /// Defaults (see the field docs) at the given exchange rate.
    pub fn new(cny_per_usd: f64) -> CostInputs {
        let fx = if cny_per_usd.is_finite() && cny_per_usd > 0.0 { cny_per_usd } else { 1.0 };
        CostInputs {
            cny_per_usd: fx,
            electricity_usd_per_kwh: ARTICLE_ELECTRICITY_CNY_PER_KWH / fx,
            pue: 1.56,
            utilization: 0.6,
            years: 4.0,
            ops_fraction_per_year: 0.025,
            hours_per_year: 8760.0,
        }
    }

    /// Defaults with the catalog's exchange rate.
    pub fn from_catalog(catalog: &Catalog) -> CostInputs {
        CostInputs::new(catalog.fx.cny_per_usd)
    }

    /// The inputs as a JSON object, fields in declaration order (`plan --json`'s `cost_inputs`).
    pub fn to_json(&self) -> crate::json::Value {
        crate::json::object([
            ("cny_per_usd", self.cny_per_usd.into()),
            ("electricity_usd_per_kwh", self.electricity_usd_per_kwh.into()),
            ("pue", self.pue.into()),
            ("utilization", self.utilization.into()),
            ("years", self.years.into()),
            ("ops_fraction_per_year", self.ops_fraction_per_year.into()),
            ("hours_per_year", self.hours_per_year.into()),
        ])
    }

    /// Busy hours over the whole horizon.
    pub fn busy_hours(&self) -> f64 {
        nonneg(self.years) * nonneg(self.hours_per_year) * nonneg(self.utilization).min(1.0)
    }
}

fn nonneg(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

/// The cost of `count` cards of one type, owned vs rented.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    pub gpu_id: String,
    pub count: u64,
    /// Cards only (no host servers, network or racks); None when the catalog has no price.
    pub purchase_usd: Option<f64>,
    pub purchase_cny: Option<f64>,
    /// Nameplate board power of all cards, kW (TDP).
    pub power_kw: f64,
    /// power × PUE × busy hours × electricity price.
    pub energy_usd_per_year: f64,
    /// ops fraction × purchase.
    pub ops_usd_per_year: Option<f64>,
    /// purchase + years × (energy + operations).
    pub own_total_usd: Option<f64>,
    /// own_total / (cards × busy hours).
    pub own_usd_per_gpu_hour: Option<f64>,
    /// own_total / busy hours: the whole set of cards for one busy hour.
    pub own_usd_per_hour: Option<f64>,
    /// Cloud price of all cards for one hour.
    pub rent_usd_per_hour: Option<f64>,
    /// Renting the same busy hours over the same years.
    pub rent_total_usd: Option<f64>,
    pub busy_hours: f64,
    /// Owning or renting, whichever total is lower; None if either price is missing.
    pub cheaper: Option<Objective>,
    /// Date of the prices used.
    pub price_as_of: String,
}

impl Cost {
    /// The cost as a JSON object, fields in declaration order (a plan's `cost`); a missing
    /// price is `null`, `cheaper` is "own", "rent" or `null`.
    pub fn to_json(&self) -> crate::json::Value {
        crate::json::object([
            ("gpu_id", self.gpu_id.as_str().into()),
            ("count", self.count.into()),
            ("purchase_usd", self.purchase_usd.into()),
            ("purchase_cny", self.purchase_cny.into()),
            ("power_kw", self.power_kw.into()),
            ("energy_usd_per_year", self.energy_usd_per_year.into()),
            ("ops_usd_per_year", self.ops_usd_per_year.into()),
            ("own_total_usd", self.own_total_usd.into()),
            ("own_usd_per_gpu_hour", self.own_usd_per_gpu_hour.into()),
            ("own_usd_per_hour", self.own_usd_per_hour.into()),
            ("rent_usd_per_hour", self.rent_usd_per_hour.into()),
            ("rent_total_usd", self.rent_total_usd.into()),
            ("busy_hours", self.busy_hours.into()),
            ("cheaper", self.cheaper.map(Objective::name).into()),
            ("price_as_of", self.price_as_of.as_str().into()),
        ])
    }
}

/// Rank by the cost of owning or of renting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Total cost of ownership over `CostInputs::years`; budget = purchase price.
    Own,
    /// Cloud price per hour; budget = rent over the same busy hours.
    Rent,
}

impl core::fmt::Display for Objective {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl Objective {
    /// "own" or "rent", as the JSON says it.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Own => "own",
            Objective::Rent => "rent",
        }
    }

    pub fn parse(s: &str) -> Option<Objective> {
        match s {
            "own" | "buy" => Some(Objective::Own),
            "rent" | "cloud" => Some(Objective::Rent),
            _ => None,
        }
    }
}

/// Owning vs renting `count` cards.
pub fn cost(gpu: &Gpu, count: u64, inputs: &CostInputs) -> Cost {
    let n = count as f64;
    let busy_hours = inputs.busy_hours();
    let years = nonneg(inputs.years);
    let purchase = gpu.price.purchase_usd.filter(|p| p.is_finite() && *p >= 0.0).map(|p| p * n);
    let power_kw = gpu.tdp().unwrap_or(0.0) * n / 1000.0;
    let energy_usd_per_year = power_kw * nonneg(inputs.pue) * nonneg(inputs.hours_per_year) * nonneg(inputs.utilization).min(1.0)
        * nonneg(inputs.electricity_usd_per_kwh);
    let ops = purchase.map(|p| p * nonneg(inputs.ops_fraction_per_year));
    let own_total = purchase.zip(ops).map(|(p, o)| p + years * (energy_usd_per_year + o));
    let own_per_hour = own_total.filter(|_| busy_hours > 0.0).map(|t| t / busy_hours);
    let rent_per_hour = gpu.price.cloud_usd_per_hour.filter(|p| p.is_finite() && *p >= 0.0).map(|p| p * n);
    let rent_total = rent_per_hour.map(|r| r * busy_hours);
    let cheaper = match (own_total, rent_total) {
        (Some(o), Some(r)) => Some(if o <= r { Objective::Own } else { Objective::Rent }),
        _ => None,
    };
    Cost {
        gpu_id: gpu.id.clone(),
        count,
        purchase_usd: purchase,
        purchase_cny: purchase.map(|p| p * inputs.cny_per_usd),
        power_kw,
        energy_usd_per_year,
        ops_usd_per_year: ops,
        own_total_usd: own_total,
        own_usd_per_gpu_hour: own_per_hour.map(|c| c / n.max(1.0)),
        own_usd_per_hour: own_per_hour,
        rent_usd_per_hour: rent_per_hour,
        rent_total_usd: rent_total,
        busy_hours,
        cheaper,
        price_as_of: gpu.price.as_of.clone(),
    }
}

/// Dollars per million tokens at `cost_per_hour` dollars an hour and `tokens_per_s`.
/// Infinite when nothing is produced.
pub fn usd_per_million_tokens(cost_per_hour: f64, tokens_per_s: f64) -> f64 {
    if tokens_per_s > 0.0 && tokens_per_s.is_finite() {
        cost_per_hour / (tokens_per_s * 3600.0) * 1e6
    } else {
        f64::INFINITY
    }
}

/// What one training run costs.
#[derive(Clone, Debug, PartialEq)]
pub struct RunCost {
    pub hours: f64,
    pub gpu_hours: f64,
    /// Cloud: the run's GPU-hours at the catalog's hourly price.
    pub rent_usd: Option<f64>,
    /// Owned: the run's share of the TCO (own $/GPU-hour × GPU-hours).
    pub own_usd: Option<f64>,
    /// Electricity drawn by the run (cards × TDP × PUE).
    pub energy_usd: f64,
}

/// Cost of a run of `hours` wall-clock on `count` cards (from [`crate::throughput::train_time`]).
pub fn training_run_cost(gpu: &Gpu, count: u64, hours: f64, inputs: &CostInputs) -> RunCost {
    let c = cost(gpu, count, inputs);
    let hours = nonneg(hours);
    let gpu_hours = hours * count as f64;
    RunCost {
        hours,
        gpu_hours,
        rent_usd: c.rent_usd_per_hour.map(|r| r * hours),
        own_usd: c.own_usd_per_gpu_hour.map(|r| r * gpu_hours),
        energy_usd: c.power_kw * hours * nonneg(inputs.pue) * nonneg(inputs.electricity_usd_per_kwh),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `plan --json`'s `cost_inputs`: the field names and order outside checks read.
    #[test]
    fn cost_inputs_json_has_its_fields_in_order() {
        let i = CostInputs { cny_per_usd: 7.1, electricity_usd_per_kwh: 1.0 / 7.1, pue: 1.56, utilization: 0.6, years: 4.0, ops_fraction_per_year: 0.025, hours_per_year: 8760.0 };
        assert_eq!(crate::json::to_string(&i.to_json()), "{\"cny_per_usd\":7.1,\"electricity_usd_per_kwh\":0.14084507042253522,\"pue\":1.56,\"utilization\":0.6,\"years\":4.0,\"ops_fraction_per_year\":0.025,\"hours_per_year\":8760.0}");
    }
    use crate::catalog;
    use proptest::prelude::*;

    fn cat() -> &'static catalog::Catalog {
        static CAT: std::sync::OnceLock<catalog::Catalog> = std::sync::OnceLock::new();
        CAT.get_or_init(|| catalog::load().unwrap())
    }

    fn inputs() -> CostInputs {
        CostInputs::from_catalog(cat())
    }

    #[test]
    fn defaults_follow_the_catalog_rate() {
        let cat = catalog::load().unwrap();
        let i = CostInputs::from_catalog(&cat);
        assert_eq!(i.cny_per_usd, cat.fx.cny_per_usd);
        assert!((i.electricity_usd_per_kwh * i.cny_per_usd - 1.0).abs() < 1e-12);
        assert_eq!(i.hours_per_year, 8760.0);
    }

    #[test]
    fn h100_own_vs_rent_by_hand() {
        let cat = catalog::load().unwrap();
        let h100 = cat.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let i = inputs();
        let c = cost(h100, 8, &i);
        let purchase = h100.price.purchase_usd.unwrap() * 8.0;
        assert_eq!(c.purchase_usd, Some(purchase));
        assert!((c.purchase_cny.unwrap() - purchase * i.cny_per_usd).abs() < 1e-6);
        // 8 × 700 W = 5.6 kW; × PUE × busy hours × price.
        assert!((c.power_kw - 5.6).abs() < 1e-9);
        let energy = 5.6 * i.pue * i.hours_per_year * i.utilization * i.electricity_usd_per_kwh;
        assert!((c.energy_usd_per_year - energy).abs() < 1e-6);
        let total = purchase + i.years * (energy + purchase * i.ops_fraction_per_year);
        assert!((c.own_total_usd.unwrap() - total).abs() < 1e-6);
        let rent = h100.price.cloud_usd_per_hour.unwrap() * 8.0 * i.busy_hours();
        assert!((c.rent_total_usd.unwrap() - rent).abs() < 1e-6);
        assert_eq!(c.cheaper, Some(if total <= rent { Objective::Own } else { Objective::Rent }));
        assert!((c.own_usd_per_gpu_hour.unwrap() * 8.0 * i.busy_hours() - total).abs() < 1e-6);
    }

    #[test]
    fn dollars_per_million_tokens() {
        // $3.6/h at 1000 tokens/s: 3.6 M tokens per hour ⇒ $1 per million.
        assert!((usd_per_million_tokens(3.6, 1000.0) - 1.0).abs() < 1e-12);
        assert!(usd_per_million_tokens(1.0, 0.0).is_infinite());
    }

    #[test]
    fn training_run_cost_scales_with_hours() {
        let cat = catalog::load().unwrap();
        let a100 = cat.gpu("nvidia-a100-sxm-80gb").unwrap();
        let i = inputs();
        let r = training_run_cost(a100, 64, 100.0, &i);
        assert_eq!(r.gpu_hours, 6400.0);
        assert!((r.rent_usd.unwrap() - 6400.0 * a100.price.cloud_usd_per_hour.unwrap()).abs() < 1e-6);
        let r2 = training_run_cost(a100, 64, 200.0, &i);
        assert!((r2.own_usd.unwrap() - 2.0 * r.own_usd.unwrap()).abs() < 1e-6);
        assert!(r2.energy_usd > r.energy_usd);
    }

    proptest! {
        #[test]
        fn more_cards_never_cost_less_to_own(gi in 0usize..48, n in 1u64..64, extra in 1u64..64,
                                             years in 0.1f64..10.0, util in 0.01f64..1.0, pue in 1.0f64..2.5) {
            let gpu = &cat().gpus[gi % cat().gpus.len()];
            let i = CostInputs { years, utilization: util, pue, ..inputs() };
            let a = cost(gpu, n, &i);
            let b = cost(gpu, n + extra, &i);
            if let (Some(x), Some(y)) = (a.own_total_usd, b.own_total_usd) {
                prop_assert!(y >= x, "{} cards {} < {} cards {}", n + extra, y, n, x);
            }
            if let (Some(x), Some(y)) = (a.rent_total_usd, b.rent_total_usd) {
                prop_assert!(y >= x);
            }
            prop_assert!(b.energy_usd_per_year >= a.energy_usd_per_year);
        }

        #[test]
        fn more_years_never_less_tco(gi in 0usize..48, n in 1u64..64, years in 0.1f64..10.0, more in 0.0f64..10.0) {
            let gpu = &cat().gpus[gi % cat().gpus.len()];
            let a = cost(gpu, n, &CostInputs { years, ..inputs() });
            let b = cost(gpu, n, &CostInputs { years: years + more, ..inputs() });
            if let (Some(x), Some(y)) = (a.own_total_usd, b.own_total_usd) {
                prop_assert!(y >= x);
            }
        }
    }
}
