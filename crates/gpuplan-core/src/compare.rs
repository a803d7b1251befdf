//! Options side by side (issue 14 §5): up to four complete deployments of one model, each
//! one or more parts of `card × count × format × engine × own/rent`, compared on memory fit,
//! throughput at a latency target, cost per million tokens and total cost over N years.
//!
//! An option is written `PART[+PART…]`, a part `CARD:COUNT:FORMAT:ENGINE:ACQUIRE[:price=USD]`:
//! `CARD` a catalog id (`gpuplan gpus`), `FORMAT` a weight format (`bf16`, `fp8`, `int8`, `awq`,
//! …), `ENGINE` `vllm` or `sglang`, `ACQUIRE` `own`, `rent` or `rent@F` (rented for the share F
//! of the busy hours: a cloud burst beside owned cards), `price=USD` the purchase price per card
//! (own) or the hourly price per card (rent) where the catalog has none or another is wanted.
//! Example: `nvidia-a800-sxm-80gb:4:int8:vllm:own:price=13500+nvidia-h100-sxm5-80gb:4:int8:vllm:rent@0.5`.
//!
//! Per part: replicas of the tensor-parallel group (1, 2, 4, 8, at most the part's cards) that
//! gives the most output tokens/s while meeting the target, each replica at the batch
//! [`crate::serving::size_card`] finds; throughput = replicas × the replica's tokens/s (cards
//! left over by the division idle). Costs from [`crate::cost::cost`] over the
//! inputs' years and busy hours: owned parts purchase + years × (energy + operations), rented
//! parts hourly price × busy hours × share. Cost per million tokens = total cost / tokens
//! produced in the same busy hours.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::catalog::{Catalog, Gpu};
use crate::cost::{cost, CostInputs};
use crate::error::InputError;
use crate::memory::{Engine, Model, Workload};
use crate::serving::{size_card, Load, Target};
use crate::throughput::Efficiency;
use crate::WeightFormat;

/// At most this many options side by side (the "up to four").
pub const MAX_OPTIONS: usize = 4;

#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub gpu_id: String,
    pub count: u64,
    pub weights: WeightFormat,
    pub engine: Engine,
    pub own: bool,
    /// Share of the busy hours a rented part runs (1 for owned parts).
    pub share: f64,
    /// Price override: purchase per card (own) or per card-hour (rent), USD.
    pub price_usd: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OptionSpec {
    pub label: String,
    pub parts: Vec<Part>,
}

fn bad(spec: &str, why: &str) -> InputError {
    InputError::new("--option", alloc::format!("\"{spec}\": {why}; write CARD:COUNT:FORMAT:ENGINE:own|rent|rent@F[:price=USD], parts joined by '+'"))
}

/// Parses one `--option` value, checking card ids against `catalog`.
pub fn parse_option(spec: &str, catalog: &Catalog) -> Result<OptionSpec, InputError> {
    let mut parts = Vec::new();
    for p in spec.split('+') {
        let f: Vec<&str> = p.split(':').collect();
        if !(5..=6).contains(&f.len()) {
            return Err(bad(spec, "a part has 5 or 6 fields"));
        }
        if catalog.gpu(f[0]).is_none() {
            return Err(InputError::new("--option", alloc::format!("\"{}\" is not a card id; `gpuplan gpus` lists them", f[0])));
        }
        let count: u64 = f[1].parse().ok().filter(|n| (1..=1024).contains(n)).ok_or_else(|| bad(spec, "COUNT is a whole number 1-1024"))?;
        let weights = WeightFormat::parse(f[2], false).map_err(|e| InputError::new("--option", alloc::format!("\"{spec}\": {}", e.message)))?;
        let engine = match f[3] {
            "vllm" => Engine::Vllm,
            "sglang" => Engine::Sglang,
            _ => return Err(bad(spec, "ENGINE is vllm or sglang")),
        };
        let (own, share) = match f[4] {
            "own" => (true, 1.0),
            "rent" => (false, 1.0),
            a => match a.strip_prefix("rent@").and_then(|x| x.parse::<f64>().ok()) {
                Some(s) if s > 0.0 && s <= 1.0 => (false, s),
                _ => return Err(bad(spec, "ACQUIRE is own, rent or rent@F with 0 < F <= 1")),
            },
        };
        let price_usd = match f.get(5) {
            Some(x) => Some(x.strip_prefix("price=").and_then(|v| v.parse::<f64>().ok()).filter(|v| *v >= 0.0 && v.is_finite()).ok_or_else(|| bad(spec, "the sixth field is price=USD"))?),
            None => None,
        };
        parts.push(Part { gpu_id: f[0].to_string(), count, weights, engine, own, share, price_usd });
    }
    Ok(OptionSpec { label: spec.to_string(), parts })
}

/// The source articles' four options for a 70B model (seeds/gpu-selection-guide, its TCO table
/// "8×A800 自建 / 24×RTX 4090 自建 / 云服务(H100按需) / 混合部署 4×A800 自有"), served with vLLM
/// at int8. Choices where the article is silent: the A800 has no public price, so the A100
/// SXM 80GB's catalog price stands in (same GA100 silicon, NVLink cut to 400 GB/s); the cloud
/// option rents 8 H100 SXM (the article names no count; 8 matches the 8×A800 option); the
/// hybrid rents 4 H100 for half of the busy hours beside its 4 owned A800 (the article gives
/// only its totals).
pub fn preset(id: &str, catalog: &Catalog) -> Result<Vec<OptionSpec>, InputError> {
    let specs: &[(&str, &str)] = match id {
        "articles-70b" => &[
            ("8x A800 owned", "nvidia-a800-sxm-80gb:8:int8:vllm:own:price=A100"),
            ("24x RTX 4090 owned", "nvidia-rtx-4090:24:int8:vllm:own"),
            ("cloud: 8x H100 rented", "nvidia-h100-sxm5-80gb:8:int8:vllm:rent"),
            ("hybrid: 4x A800 owned + 4x H100 rented half the time", "nvidia-a800-sxm-80gb:4:int8:vllm:own:price=A100+nvidia-h100-sxm5-80gb:4:int8:vllm:rent@0.5"),
        ],
        _ => return Err(InputError::new("--preset-options", alloc::format!("\"{id}\" is not an options preset; allowed: articles-70b"))),
    };
    let a100 = catalog.gpu("nvidia-a100-sxm-80gb").and_then(|g| g.price.purchase_usd).unwrap_or(0.0);
    specs
        .iter()
        .map(|(label, s)| {
            let s = s.replace("price=A100", &alloc::format!("price={a100}"));
            parse_option(&s, catalog).map(|o| OptionSpec { label: alloc::format!("{label} ({s})"), ..o })
        })
        .collect()
}

/// One part's result.
#[derive(Clone, Debug, PartialEq)]
pub struct PartResult {
    pub part: Part,
    /// Tensor-parallel group per replica (0: the model does not fit in any group of this card).
    pub cards_per_replica: u64,
    pub replicas: u64,
    pub batch: u64,
    pub tpot_s: f64,
    pub ttft_s: f64,
    /// Output tokens/s of all its replicas at the target.
    pub tokens_per_s: f64,
    /// Cost over the years (None: no price).
    pub total_usd: Option<f64>,
    pub failed: Option<(&'static str, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Compared {
    pub label: String,
    pub parts: Vec<PartResult>,
    /// Every part holds the model and meets the target.
    pub fits: bool,
    /// Output tokens/s with every part running.
    pub tokens_per_s: f64,
    pub total_usd: Option<f64>,
    pub usd_per_million_tokens: Option<f64>,
}

fn with_price(gpu: &Gpu, part: &Part) -> Gpu {
    let mut g = gpu.clone();
    if let Some(p) = part.price_usd {
        if part.own {
            g.price.purchase_usd = Some(p);
        } else {
            g.price.cloud_usd_per_hour = Some(p);
        }
    }
    g
}

fn part_result(model: &Model, w: &Workload, gpu: &Gpu, part: &Part, eff: &Efficiency, t: &Target, inputs: &CostInputs) -> PartResult {
    let w = Workload { engine: part.engine, weights: part.weights, ..w.clone() };
    let groups = [1u64, 2, 4, 8].into_iter().filter(|n| *n <= part.count && model.arch.heads.is_multiple_of(*n));
    // The group that gives the part the most output tokens/s (a replica per group of cards;
    // a group that holds the model with little room for KV serves few sequences at once).
    let rate = |s: &crate::serving::Sizing| s.best.map_or(0.0, |p| p.tokens_per_s_per_gpu * (part.count / s.cards_per_replica * s.cards_per_replica) as f64);
    let all: Vec<_> = groups.filter_map(|n| size_card(model, &w, gpu, n, eff, t, inputs)).collect();
    let sized = all.iter().filter(|s| s.best.is_some()).max_by(|a, b| rate(a).total_cmp(&rate(b))).or_else(|| all.last()).cloned();
    let c = cost(gpu, part.count, inputs);
    let total = if part.own { c.own_total_usd } else { c.rent_total_usd.map(|r| r * part.share) };
    let mut r = PartResult { part: part.clone(), cards_per_replica: 0, replicas: 0, batch: 0, tpot_s: 0.0, ttft_s: 0.0, tokens_per_s: 0.0, total_usd: total, failed: None };
    if let Some(s) = sized {
        r.cards_per_replica = s.cards_per_replica;
        r.failed = s.failed;
        if let Some(p) = s.best {
            r.replicas = part.count / s.cards_per_replica;
            r.batch = p.batch;
            r.tpot_s = p.tpot_s;
            r.ttft_s = p.ttft_s;
            r.tokens_per_s = p.tokens_per_s_per_gpu * (r.replicas * s.cards_per_replica) as f64;
        }
    }
    r
}

/// Compares `options` for `model` under `w`'s request mix at target `t` (its load is ignored:
/// each option is taken at its own capacity).
pub fn compare(model: &Model, w: &Workload, catalog: &Catalog, options: &[OptionSpec], t: &Target, inputs: &CostInputs, eff: &Efficiency) -> Result<Vec<Compared>, InputError> {
    if options.is_empty() || options.len() > MAX_OPTIONS {
        return Err(InputError::new("--option", alloc::format!("give 1 to {MAX_OPTIONS} options (got {})", options.len())));
    }
    let t = Target { load: Load::Users(1), ..*t };
    let mut out = Vec::new();
    for o in options {
        let mut parts = Vec::new();
        for p in &o.parts {
            let gpu = catalog.gpu(&p.gpu_id).ok_or_else(|| InputError::new("--option", alloc::format!("\"{}\" is not a card id", p.gpu_id)))?;
            parts.push(part_result(model, w, &with_price(gpu, p), p, eff, &t, inputs));
        }
        let fits = parts.iter().all(|p| p.replicas > 0);
        let tokens_per_s = parts.iter().map(|p| p.tokens_per_s).sum();
        let total_usd = parts.iter().try_fold(0.0, |acc, p| p.total_usd.map(|x| acc + x));
        // Tokens produced in the same busy hours (rented parts only their share of them).
        let tokens = parts.iter().map(|p| p.tokens_per_s * p.part.share).sum::<f64>() * inputs.busy_hours() * 3600.0;
        let usd_per_million_tokens = total_usd.filter(|_| tokens > 0.0).map(|c| c / tokens * 1e6);
        out.push(Compared { label: o.label.clone(), parts, fits, tokens_per_s, total_usd, usd_per_million_tokens });
    }
    Ok(out)
}

impl Compared {
    pub fn to_json(&self, inputs: &CostInputs) -> crate::json::Value {
        use crate::json::{object, Value};
        let opt = |x: Option<f64>| x.filter(|v| v.is_finite()).map_or(Value::Null, Value::from);
        let parts = self
            .parts
            .iter()
            .map(|p| {
                let mut v = object([
                    ("gpu_id", p.part.gpu_id.as_str().into()),
                    ("count", p.part.count.into()),
                    ("weights", p.part.weights.name().into()),
                    ("engine", p.part.engine.name().into()),
                    ("acquire", (if p.part.own { "own" } else { "rent" }).into()),
                    ("share", p.part.share.into()),
                    ("price_usd", opt(p.part.price_usd)),
                    ("cards_per_replica", p.cards_per_replica.into()),
                    ("replicas", p.replicas.into()),
                    ("batch", p.batch.into()),
                    ("tpot_ms", (p.tpot_s * 1e3).into()),
                    ("ttft_ms", (p.ttft_s * 1e3).into()),
                    ("tokens_per_s", p.tokens_per_s.into()),
                    ("total_usd", opt(p.total_usd)),
                ]);
                if let (Some((which, best)), Some(o)) = (p.failed, v.as_object_mut()) {
                    o.insert("failed".into(), which.into());
                    o.insert("best_reachable_ms".into(), (best * 1e3).into());
                }
                v
            })
            .collect();
        object([
            ("label", self.label.as_str().into()),
            ("fits", self.fits.into()),
            ("tokens_per_s", self.tokens_per_s.into()),
            ("total_usd", opt(self.total_usd)),
            ("total_cny", opt(self.total_usd.map(|u| u * inputs.cny_per_usd))),
            ("usd_per_million_tokens", opt(self.usd_per_million_tokens)),
            ("parts", Value::Array(parts)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Catalog, Model, Workload, Target, CostInputs, Efficiency) {
        let cat = crate::catalog::load().unwrap();
        let model = Model::new(cat.model("llama-3.1-70b").unwrap().arch().unwrap());
        let w = Workload { engine: Engine::Vllm, prompt: 1000, new_tokens: 200, ..Workload::default() };
        let t = Target { ttft_s: 2.0, tpot_s: 0.050, load: Load::Users(1), prompt_cache_share: 0.0 };
        let inputs = CostInputs::from_catalog(&cat);
        (cat, model, w, t, inputs, Efficiency::default_for(Engine::Vllm))
    }

    #[test]
    fn specs_parse_and_bad_ones_say_the_form() {
        let cat = crate::catalog::load().unwrap();
        let o = parse_option("nvidia-a800-sxm-80gb:4:int8:vllm:own:price=13500+nvidia-h100-sxm5-80gb:4:int8:vllm:rent@0.5", &cat).unwrap();
        assert_eq!(o.parts.len(), 2);
        assert_eq!((o.parts[0].own, o.parts[0].price_usd, o.parts[1].own, o.parts[1].share), (true, Some(13500.0), false, 0.5));
        for bad in ["a800:8:int8:vllm:own", "nvidia-rtx-4090:0:int8:vllm:own", "nvidia-rtx-4090:8:int8:hf:own", "nvidia-rtx-4090:8:int8:vllm:lease", "nvidia-rtx-4090:8:int8:vllm:rent@2", "nvidia-rtx-4090:8:int8"] {
            assert_eq!(parse_option(bad, &cat).unwrap_err().field, "--option", "{bad}");
        }
        assert_eq!(preset("nope", &cat).unwrap_err().field, "--preset-options");
    }

    /// One test per option of the articles' preset: each holds the 70B model at int8, meets the
    /// target, and its cost is the mechanism's (purchase + energy + ops, or hours × price).
    #[test]
    fn articles_70b_each_option() {
        let (cat, model, w, t, inputs, eff) = setup();
        let opts = preset("articles-70b", &cat).unwrap();
        let r = compare(&model, &w, &cat, &opts, &t, &inputs, &eff).unwrap();
        assert_eq!(r.len(), 4);
        for o in &r {
            assert!(o.fits && o.tokens_per_s > 0.0, "{o:?}");
            for p in &o.parts {
                assert!(p.tpot_s <= 0.050 && p.ttft_s <= 2.0, "{p:?}");
                assert_eq!(p.replicas * p.cards_per_replica, p.part.count, "every card in a replica: {p:?}");
                assert!(p.batch > 1, "the group chosen serves more than one sequence: {p:?}");
            }
        }
        let a100_price = cat.gpu("nvidia-a100-sxm-80gb").unwrap().price.purchase_usd.unwrap();
        // 8x A800 owned: purchase at the A100 stand-in price + 4 years of energy and 2.5 % ops.
        let a800 = cost(&with_price(cat.gpu("nvidia-a800-sxm-80gb").unwrap(), &r[0].parts[0].part), 8, &inputs);
        assert_eq!(a800.purchase_usd, Some(8.0 * a100_price));
        assert!((r[0].total_usd.unwrap() - a800.own_total_usd.unwrap()).abs() < 1e-6);
        // 24x RTX 4090: 70B int8 (≈ 70.6 GB) is ≈ 17.7 GB per card at TP 4, under vLLM's
        // 0.9 × 24 GB with room for KV; TP 2 (35 GB) does not fit: 6 replicas of 4.
        assert_eq!((r[1].parts[0].cards_per_replica, r[1].parts[0].replicas), (4, 6));
        assert!(r[1].total_usd.unwrap() < r[0].total_usd.unwrap(), "consumer cards cost less to buy and run");
        // Cloud: 8 H100 at the catalog's hourly price for every busy hour.
        let h100 = cat.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let rent = h100.price.cloud_usd_per_hour.unwrap() * 8.0 * inputs.busy_hours();
        assert!((r[2].total_usd.unwrap() - rent).abs() < 1e-6);
        assert!(r[2].tokens_per_s > r[0].tokens_per_s, "H100s out-serve A800s");
        // Hybrid: half the owned A800 cost + the rented H100s for half the hours.
        let half = cost(&with_price(cat.gpu("nvidia-a800-sxm-80gb").unwrap(), &r[3].parts[0].part), 4, &inputs).own_total_usd.unwrap()
            + h100.price.cloud_usd_per_hour.unwrap() * 4.0 * inputs.busy_hours() * 0.5;
        assert!((r[3].total_usd.unwrap() - half).abs() < 1e-6);
        for o in &r {
            let per_m = o.usd_per_million_tokens.unwrap();
            assert!(per_m > 0.01 && per_m < 100.0, "{per_m}");
        }
    }

    #[test]
    fn at_most_four_options_and_a_model_too_big_does_not_fit() {
        let (cat, model, w, t, inputs, eff) = setup();
        let one = parse_option("nvidia-rtx-4090:1:bf16:vllm:own", &cat).unwrap();
        let r = compare(&model, &w, &cat, core::slice::from_ref(&one), &t, &inputs, &eff).unwrap();
        assert!(!r[0].fits && r[0].usd_per_million_tokens.is_none());
        let five = alloc::vec![one; 5];
        assert_eq!(compare(&model, &w, &cat, &five, &t, &inputs, &eff).unwrap_err().field, "--option");
    }
}
