//! `gpuplan gpus` (the catalog) and `gpuplan plan` (cheapest cards × count × format that fit).

use gpuplan_core::args::parse_estimate_args;
use gpuplan_core::catalog::{self, Catalog, Gpu};
use gpuplan_core::cost::CostInputs;
use gpuplan_core::memory::GIB;
use gpuplan_core::plan::{plan, Constraints, Objective, Plan};
use gpuplan_core::throughput::Efficiency;
use gpuplan_core::{json, InputError, WeightFormat};

const GPUS_USAGE: &str = "gpuplan gpus [--json]";

pub const PLAN_USAGE: &str = "gpuplan plan <estimate arguments> [--target-tokens-per-s N] [--budget USD]
    [--objective own|rent] [--top N] [--max-gpus N] [--years N] [--utilization 0..1]
    [--mbu X] [--mfu-prefill X] [--mfu-train X] [--json]
  --weights restricts the search to that format (default: every format the mode and engine run);
  --gpu ID restricts it to one card.";

fn load_catalog() -> Result<Catalog, InputError> {
    catalog::load().map_err(|e| InputError::new("catalog", e.to_string()))
}

fn opt(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(v) => format!("{v:.digits$}"),
        None => "—".to_string(),
    }
}

/// The catalog's dense figure for a precision (— where the card has none).
fn tflops(g: &Gpu, p: &str) -> String {
    let t = &g.tflops;
    opt(
        match p {
            "bf16" => t.bf16,
            "fp16" => t.fp16,
            "fp8" => t.fp8,
            "int8" => t.int8,
            _ => t.fp4,
        },
        0,
    )
}

/// The options of a catalog listing (`gpus`, `hosts`, `presets`): `--json`, or `--help`
/// (`None`: print `usage`); anything else is an error naming it and the usage.
fn listing_args(args: &[&str], cmd: &str, usage: &str) -> Result<Option<bool>, InputError> {
    let mut as_json = false;
    for a in args {
        match *a {
            "--json" => as_json = true,
            "--help" | "-h" => return Ok(None),
            other => return Err(InputError::new(other, format!("is not an option of {cmd}; usage: {usage}"))),
        }
    }
    Ok(Some(as_json))
}

/// `gpuplan gpus [--json]`.
pub fn cmd_gpus(args: &[&str]) -> Result<String, InputError> {
    let Some(as_json) = listing_args(args, "gpus", GPUS_USAGE)? else {
        return Ok(GPUS_USAGE.to_string());
    };
    let cat = load_catalog()?;
    if as_json {
        let rows: Vec<json::Value> = cat
            .gpus
            .iter()
            .map(|g| {
                json::object([
                    ("id", g.id.as_str().into()),
                    ("name", g.name.as_str().into()),
                    ("memory_bytes", g.memory_bytes.into()),
                    ("memory_label_gb", g.memory_label_gb.into()),
                    ("memory_basis", g.memory_basis.name().into()),
                    ("memory_source", g.memory_source.as_str().into()),
                    // What its GPU may use: a Mac's default GPU wired limit, a card's memory.
                    ("gpu_usable_bytes", g.usable_bytes().into()),
                    ("usable_basis", if gpuplan_core::unified::is_unified(g) { "macos_default" } else { "card" }.into()),
                    ("bandwidth_gbps", g.bandwidth_gbps.into()),
                    ("tflops", g.tflops.to_json()),
                    ("precision", g.precision.to_json()),
                    ("tdp_w", g.tdp().into()),
                    ("interconnect", json::object([("kind", g.interconnect.kind.as_str().into()), ("gbps_per_gpu", g.interconnect.gbps_per_gpu.into())])),
                    (
                        "price",
                        json::object([
                            ("purchase_usd", g.price.purchase_usd.into()),
                            ("cloud_usd_per_hour", g.price.cloud_usd_per_hour.into()),
                            ("as_of", g.price.as_of.as_str().into()),
                        ]),
                    ),
                    ("source", g.source.as_str().into()),
                    ("as_of", g.as_of.as_str().into()),
                    ("verified", g.verified.as_str().into()),
                ])
            })
            .collect();
        return Ok(crate::json_text(json::object([("gpus", rows.into())])));
    }
    let mut s = format!(
        "{:<22} {:<34} {:>8} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5} {:>9} {:>7} {:<10}\n",
        "id", "name", "label GB", "GiB", "GB/s", "bf16", "fp16", "fp8", "int8", "fp4", "W", "buy $", "rent/h", "as of"
    );
    for g in &cat.gpus {
        s += &format!(
            "{:<22} {:<34} {:>8} {:>7.2} {:>7.0} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5} {:>9} {:>7} {:<10}\n",
            g.id,
            truncate(&g.name, 34),
            g.memory_label_gb,
            g.memory_bytes as f64 / GIB as f64,
            g.bandwidth_gbps,
            tflops(g, "bf16"),
            tflops(g, "fp16"),
            tflops(g, "fp8"),
            tflops(g, "int8"),
            tflops(g, "fp4"),
            opt(g.tdp(), 0),
            opt(g.price.purchase_usd, 0),
            opt(g.price.cloud_usd_per_hour, 2),
            g.price.as_of,
        );
    }
    s += "\nlabel GB: the vendor's capacity (10⁹ bytes); GiB (2³⁰ bytes): what the driver reports, which fits are checked against";
    s += "\nApple (unified memory): GiB is the RAM; fits are checked against macOS's GPU wired limit (2/3 of it up to 32 GiB, 3/4 above: `--json` gpu_usable_bytes), which `--wired-limit-mb` changes; MLX is not modelled (llama.cpp/Metal and transformers/MPS are)";
    s += "\nTFLOPS dense (no sparsity); prices are indicative estimates with their date; `--json` adds sources.";
    Ok(s)
}

const HOSTS_USAGE: &str = "gpuplan hosts [--json]";

/// `gpuplan hosts [--json]`: the host memory presets `--host` takes.
pub fn cmd_hosts(args: &[&str]) -> Result<String, InputError> {
    let Some(as_json) = listing_args(args, "hosts", HOSTS_USAGE)? else {
        return Ok(HOSTS_USAGE.to_string());
    };
    let cat = load_catalog()?;
    if as_json {
        let rows: Vec<json::Value> = cat
            .hosts
            .iter()
            .map(|h| {
                let mut v = crate::host_json(h);
                let text: Vec<String> = h.source_ids.iter().map(|id| format!("{id}: {}", cat.source(id).unwrap_or(""))).collect();
                if let Some(o) = v.as_object_mut() {
                    o.insert("source".into(), text.join(" | ").into());
                }
                v
            })
            .collect();
        return Ok(crate::json_text(json::object([("hosts", rows.into())])));
    }
    let mut s = format!("{:<26} {:<48} {:>8} {:>9}  {:<24} {:<10}\n", "id", "label", "GB/s", "measured", "sizes GB", "as of");
    for h in &cat.hosts {
        let sizes: Vec<String> = h.capacity_gb.iter().map(|g| g.to_string()).collect();
        s += &format!(
            "{:<26} {:<48} {:>8.1} {:>9}  {:<24} {:<10}\n",
            h.id,
            truncate(&h.label, 48),
            h.bandwidth_bytes_per_s as f64 / 1e9,
            opt(h.achieved_bytes_per_s.map(|b| b as f64 / 1e9), 1),
            sizes.join("/"),
            h.as_of
        );
    }
    s += "\nGB/s: theoretical peak (channels × 8 bytes × MT/s; Apple: the chip's figure); measured: a memory-read benchmark where one is sourced; `--json` adds sources.";
    Ok(s)
}

const PRESETS_USAGE: &str = "gpuplan presets [--json]";

/// `gpuplan presets [--json]`: the ids `--preset` takes, with names, sizes and origins.
pub fn cmd_presets(args: &[&str]) -> Result<String, InputError> {
    let Some(as_json) = listing_args(args, "presets", PRESETS_USAGE)? else {
        return Ok(PRESETS_USAGE.to_string());
    };
    let cat = load_catalog()?;
    if as_json {
        let rows: Vec<json::Value> = cat
            .models
            .iter()
            .map(|m| {
                json::object([
                    ("id", m.id.as_str().into()),
                    ("name", m.name.as_str().into()),
                    ("hf_repo", m.hf_repo.as_str().into()),
                    ("params_published", m.params_published.as_str().into()),
                    ("source", m.source.as_str().into()),
                    ("as_of", m.as_of.as_str().into()),
                    ("verified", m.verified.as_str().into()),
                ])
            })
            .collect();
        return Ok(crate::json_text(json::object([("presets", rows.into())])));
    }
    let mut s = format!("{:<20} {:<24} {:>8}  {}\n", "id", "name", "params", "origin (Hugging Face)");
    for m in &cat.models {
        s += &format!("{:<20} {:<24} {:>8}  https://huggingface.co/{}\n", m.id, truncate(&m.name, 24), m.params_published, m.hf_repo);
    }
    s += "\n`gpuplan estimate --preset ID ...` uses the preset's config.json; `--json` adds each one's source and date.";
    Ok(s)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn float(flag: &str, v: Option<&&str>, min: f64, max: f64) -> Result<f64, InputError> {
    let v = v.ok_or_else(|| InputError::new(flag, "needs a value"))?;
    let rule = format!("must be a number from {min} to {max}");
    let x: f64 = v.trim().parse().ok().filter(|x: &f64| !x.is_nan()).ok_or_else(|| InputError::new(flag, format!("\"{v}\" is not a number; {rule}")))?;
    if x < min || x > max {
        let what = if x > max { "too large" } else { "too small" };
        return Err(InputError::new(flag, format!("{v} is {what}; {rule}")));
    }
    Ok(x)
}

/// A whole-number flag of the planner (`--top`, `--max-gpus`), with the estimate's rule.
fn whole(flag: &str, v: Option<&&str>, max: u64) -> Result<u64, InputError> {
    InputError::whole_number(flag, v.ok_or_else(|| InputError::new(flag, "needs a value"))?, 1, max)
}

/// `gpuplan plan <estimate arguments> [...]`.
pub fn cmd_plan(args: &[&str]) -> Result<String, InputError> {
    if args.contains(&"--help") {
        return Ok(PLAN_USAGE.to_string());
    }
    // Pull out the planner's own flags; the rest is the estimate grammar.
    let mut rest: Vec<&str> = Vec::new();
    let mut objective = Objective::Own;
    let mut top = 10usize;
    let mut max_gpus = 64u64;
    let mut years = None;
    let mut utilization = None;
    let mut eff_edits: Vec<(&str, f64)> = Vec::new();
    let (mut ttft, mut tpot, mut rps, mut users, mut cache_share) = (None, None, None, None, 0.0);
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        match a {
            "--objective" => {
                let v = it.next().ok_or_else(|| InputError::new(a, "needs a value: own or rent"))?;
                objective = Objective::parse(v).ok_or_else(|| InputError::new(a, format!("\"{v}\" is not an objective; allowed: own, rent")))?;
            }
            "--top" => top = whole(a, it.next(), 1000)? as usize,
            "--max-gpus" => max_gpus = whole(a, it.next(), 1024)?,
            "--years" => years = Some(float(a, it.next(), 0.1, 30.0)?),
            "--utilization" => utilization = Some(float(a, it.next(), 0.01, 1.0)?),
            "--mbu" | "--mfu-prefill" | "--mfu-train" => eff_edits.push((a, float(a, it.next(), 0.01, 1.0)?)),
            "--ttft-ms" => ttft = Some(float(a, it.next(), 1.0, 600_000.0)?),
            "--tpot-ms" => tpot = Some(float(a, it.next(), 0.1, 60_000.0)?),
            "--rps" => rps = Some(float(a, it.next(), 0.001, 1e7)?),
            "--users" => users = Some(whole(a, it.next(), 10_000_000)?),
            "--prompt-cache-share" => cache_share = float(a, it.next(), 0.0, 1.0)?,
            _ => rest.push(a),
        }
    }
    let mut a = parse_estimate_args(&rest)?;
    let (model, _) = crate::load_model(&a)?;
    let (model, _) = crate::apply_mmproj(&mut a, model)?;
    let cat = load_catalog()?;
    // --wired-limit-mb is checked against the --gpu Mac's RAM (it needs --gpu).
    if a.wired_limit_mb.is_some() {
        a.apply_gpu(&cat)?;
    }
    let mut catalog = cat.clone();
    if let Some(id) = &a.gpu {
        catalog.gpus.retain(|g| &g.id == id);
        if catalog.gpus.is_empty() {
            let ids: Vec<&str> = cat.gpus.iter().map(|g| g.id.as_str()).collect();
            return Err(InputError::new("--gpu", format!("\"{id}\" is not in the catalog; allowed: {}", ids.join(", "))));
        }
    }
    let formats: Vec<WeightFormat> = if rest.contains(&"--weights") { vec![a.workload.weights] } else { Vec::new() };
    let constraints = Constraints {
        target_tokens_per_s: a.target_tokens_per_s.map(|t| t as f64),
        budget_usd: a.budget_usd.map(|b| b as f64),
        max_gpus,
        formats,
        objective,
        top_n: top,
        wired_limit_mb: a.wired_limit_mb,
        ..Constraints::default()
    };
    let mut eff = Efficiency::default_for(a.workload.engine);
    for (flag, v) in eff_edits {
        match flag {
            "--mbu" => eff.mbu_decode = v,
            "--mfu-prefill" => eff.mfu_prefill = v,
            _ => eff.mfu_train = v,
        }
    }
    let mut inputs = CostInputs::from_catalog(&catalog);
    if let Some(y) = years {
        inputs.years = y;
    }
    if let Some(u) = utilization {
        inputs.utilization = u;
    }
    if ttft.is_some() || tpot.is_some() || rps.is_some() || users.is_some() {
        return plan_to_target(&model, &a, &catalog, &eff, &inputs, (ttft, tpot, rps, users, cache_share));
    }
    let plans = plan(&model, &a.workload, &catalog, &constraints, &eff, &inputs);
    let why_empty = plans.is_empty().then(|| why_no_plan(&model, &a.workload, &catalog, &constraints, &eff, &inputs));
    if a.json {
        let mut v = json::object([
            ("objective", objective.name().into()),
            ("mode", a.workload.mode.name().into()),
            ("engine", a.workload.engine.name().into()),
            ("efficiency", eff.to_json()),
            ("cost_inputs", inputs.to_json()),
            ("plans", json::Value::Array(plans.iter().map(|p| plan_json(p, &a.workload, &model.arch)).collect())),
        ]);
        if let (Some(why), Some(o)) = (&why_empty, v.as_object_mut()) {
            o.insert("why_empty".into(), why.as_str().into());
        }
        return Ok(crate::json_text(v));
    }
    Ok(match why_empty {
        Some(why) => why,
        None => plan_table(&plans, &a.workload, objective),
    })
}

/// A plan as JSON, with how sure its memory figure is (`accuracy`, as `estimate --json` gives
/// it for the plan's format and card count).
fn plan_json(p: &Plan, w: &gpuplan_core::Workload, arch: &gpuplan_core::model::Arch) -> json::Value {
    let mut v = p.to_json();
    if let Some(o) = v.as_object_mut() {
        o.insert("accuracy".into(), gpuplan_core::accuracy::of_model(&p.workload(w), arch).to_json());
    }
    v
}

/// Why the search found nothing: the budget (with the price of the cheapest plan that fits
/// without it), or the other constraints.
fn why_no_plan(model: &gpuplan_core::Model, w: &gpuplan_core::Workload, catalog: &Catalog, c: &Constraints, eff: &Efficiency, inputs: &CostInputs) -> String {
    let others = format!("no card × count × format in the catalog fits within the constraints (at most {} cards a plan, --max-gpus)", c.max_gpus);
    let Some(budget) = c.budget_usd else {
        return others;
    };
    let unbounded = Constraints { budget_usd: None, top_n: usize::MAX, max_per_gpu: usize::MAX, ..c.clone() };
    let price = |p: &Plan| match c.objective {
        Objective::Own => p.cost.purchase_usd,
        Objective::Rent => p.cost.rent_total_usd,
    };
    let cheapest = plan(model, w, catalog, &unbounded, eff, inputs)
        .into_iter()
        .filter_map(|p| price(&p).map(|usd| (usd, p)))
        .min_by(|x, y| x.0.total_cmp(&y.0));
    match cheapest {
        Some((usd, p)) => {
            let what = match c.objective {
                Objective::Own => format!("purchase price of {} × {}", p.count, p.gpu_name),
                Objective::Rent => format!("rent of {} × {} over the busy hours of {} years", p.count, p.gpu_name, inputs.years),
            };
            format!("--budget {budget:.0} USD rules out every plan: the cheapest plan that fits costs {usd:.0} USD ({what}, {})", p.format_name)
        }
        None => others,
    }
}

fn plan_table(plans: &[Plan], w: &gpuplan_core::Workload, objective: Objective) -> String {
    let speed = if w.mode.is_training() { "train tok/s" } else { "gen tok/s" };
    let mut s = format!(
        "{:>2} {:<30} {:>4} {:<8} {:<12} {:>5} {:<7} {:>11} {:>11} {:>12} {:>10} {:>9}\n",
        "#", "card", "n", "format", "TP×PP×DP", "batch", "link", "GiB/card", speed, "own TCO $", "rent $/h", "$/Mtok"
    );
    for (i, p) in plans.iter().enumerate() {
        s += &format!(
            "{:>2} {:<30} {:>4} {:<8} {:<12} {:>5} {:<7} {:>5.1}/{:<5.0} {:>11.0} {:>12} {:>10} {:>9}\n",
            i + 1,
            truncate(&p.gpu_name, 30),
            p.count,
            p.format_name,
            format!(
                "{}×{}×{}{}",
                p.layout.tensor_parallel,
                p.layout.pipeline_parallel,
                p.layout.data_parallel,
                if p.layout.zero > 0 { format!(" z{}", p.layout.zero) } else { String::new() }
            ),
            p.batch,
            p.interconnect,
            p.per_gpu_bytes as f64 / GIB as f64,
            p.gpu_memory_bytes as f64 / GIB as f64,
            p.tokens_per_s,
            opt(p.cost.own_total_usd, 0),
            opt(p.cost.rent_usd_per_hour, 2),
            opt(p.usd_per_million_tokens, 3),
        );
    }
    s += &format!("\nranked by {}\n", match objective {
        Objective::Own => "total cost of ownership (cards, energy, operations over the horizon)",
        Objective::Rent => "cloud price per hour",
    });
    s += &format!("#1: {}\n", plans[0].reason);
    s
}

/// `plan --ttft-ms X --tpot-ms Y (--rps R | --users U) [--prompt-cache-share F]`: per card, the
/// largest batch per replica meeting both targets (`gpuplan_core::serving::size_catalog`).
/// Cards where no batch meets them stay in the list with `failed` and the best reachable value.
fn plan_to_target(
    model: &gpuplan_core::memory::Model,
    a: &gpuplan_core::args::EstimateArgs,
    catalog: &gpuplan_core::catalog::Catalog,
    eff: &Efficiency,
    inputs: &CostInputs,
    (ttft, tpot, rps, users, share): (Option<f64>, Option<f64>, Option<f64>, Option<u64>, f64),
) -> Result<String, InputError> {
    use gpuplan_core::serving::{size_catalog, Load, Target};
    let ttft = ttft.ok_or_else(|| InputError::new("--ttft-ms", "a latency target needs --ttft-ms and --tpot-ms"))?;
    let tpot = tpot.ok_or_else(|| InputError::new("--tpot-ms", "a latency target needs --ttft-ms and --tpot-ms"))?;
    let load = match (rps, users) {
        (Some(r), None) => Load::Rps(r),
        (None, Some(u)) => Load::Users(u),
        _ => return Err(InputError::new("--rps", "give the load as either --rps R or --users U")),
    };
    let t = Target { ttft_s: ttft / 1e3, tpot_s: tpot / 1e3, load, prompt_cache_share: share };
    let mut w = a.workload.clone();
    if !gpuplan_core::serving::continuous_batching(w.engine) {
        w.engine = gpuplan_core::Engine::Vllm;
    }
    let mut rows = size_catalog(model, &w, catalog, eff, &t, inputs);
    rows.sort_by(|x, y| x.usd_per_million_own.unwrap_or(f64::INFINITY).total_cmp(&y.usd_per_million_own.unwrap_or(f64::INFINITY)));
    if a.json {
        return Ok(crate::json_text(json::object([
            ("engine", w.engine.name().into()),
            ("ttft_ms", ttft.into()),
            ("tpot_ms", tpot.into()),
            ("prompt_cache_share", share.into()),
            ("sizings", json::Value::Array(rows.iter().map(|s| s.to_json()).collect())),
        ])));
    }
    let mut out = format!("{:<28} {:>5} {:>6} {:>9} {:>9} {:>8} {:>11} {:>11}\n", "card", "cards", "batch", "TPOT ms", "TTFT ms", "replicas", "$/M own", "$/M rent");
    for s in &rows {
        match s.best {
            Some(p) => out += &format!(
                "{:<28} {:>5} {:>6} {:>9.1} {:>9.0} {:>8} {:>11} {:>11}\n",
                s.gpu_id, s.total_cards, p.batch, p.tpot_s * 1e3, p.ttft_s * 1e3, s.replicas,
                usd_or_dash(s.usd_per_million_own), usd_or_dash(s.usd_per_million_rent)
            ),
            None => {
                let (which, best) = s.failed.unwrap_or(("tpot", f64::NAN));
                out += &format!("{:<28} no batch meets the {which} target (best reachable {:.1} ms)\n", s.gpu_id, best * 1e3);
            }
        }
    }
    Ok(out)
}

/// A cost per million tokens, or "—" where the card has no price of that kind.
fn usd_or_dash(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite()).map_or("—".to_string(), |v| format!("{v:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str) -> String {
        format!("{}/../../data/calibration/configs/{name}.json", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn gpus_lists_the_catalog() {
        let v: serde_json::Value = serde_json::from_str(&cmd_gpus(&["--json"]).unwrap()).unwrap();
        let gpus = v["gpus"].as_array().unwrap();
        assert_eq!(gpus.len(), catalog::load().unwrap().gpus.len());
        let h100 = gpus.iter().find(|g| g["id"] == "nvidia-h100-sxm5-80gb").unwrap();
        assert_eq!(h100["memory_bytes"], 81_559u64 << 20, "the driver's total, not 80 × 10⁹");
        assert_eq!((h100["memory_label_gb"].as_u64(), h100["memory_basis"].as_str()), (Some(80), Some("driver")));
        assert!((h100["tflops"]["bf16"].as_f64().unwrap() - 989.5).abs() < 1.0);
        assert!(h100["source"].as_str().unwrap().contains("http"));
        assert!(h100["price"]["as_of"].as_str().unwrap().starts_with("20"));
        let table = cmd_gpus(&[]).unwrap();
        assert!(table.contains("nvidia-h100-sxm5-80gb") && table.contains("as of"));
        assert_eq!(cmd_gpus(&["--frob"]).unwrap_err().field, "--frob");
    }

    #[test]
    fn plan_json_is_sorted_by_cost_and_fits() {
        let cfg = config("llama-3.1-8b");
        let out = cmd_plan(&["--config", &cfg, "--engine", "vllm", "--batch", "16", "--prompt", "512", "--new-tokens", "128", "--json"]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let plans = v["plans"].as_array().unwrap();
        assert!(!plans.is_empty() && plans.len() <= 10);
        let mut last = 0.0;
        for p in plans {
            let own = p["cost"]["own_total_usd"].as_f64().unwrap();
            assert!(own >= last);
            last = own;
            assert!(p["per_gpu_bytes"].as_u64().unwrap() <= p["gpu_memory_bytes"].as_u64().unwrap());
            assert!(p["gpu_id"].is_string() && p["count"].as_u64().unwrap() >= 1 && p["format_name"].is_string());
            assert!(p["layout"]["tensor_parallel"].as_u64().is_some());
        }
        // --weights restricts the formats; --gpu restricts the cards; rent ranks by $/hour.
        let out = cmd_plan(&["--config", &cfg, "--weights", "fp8", "--gpu", "nvidia-h100-sxm5-80gb", "--objective", "rent", "--json"]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let p = &v["plans"][0];
        assert_eq!((p["gpu_id"].as_str(), p["format_name"].as_str(), p["count"].as_u64()), (Some("nvidia-h100-sxm5-80gb"), Some("fp8"), Some(1)));
        assert_eq!(v["objective"], "rent");
        // Table output and errors that name the flag.
        assert!(cmd_plan(&["--config", &cfg]).unwrap().contains("cheapest that fits"));
        assert_eq!(cmd_plan(&["--config", &cfg, "--objective", "lease"]).unwrap_err().field, "--objective");
        assert_eq!(cmd_plan(&["--config", &cfg, "--gpu", "nvidia-nope"]).unwrap_err().field, "--gpu");
        assert_eq!(cmd_plan(&["--config", &cfg, "--top", "0"]).unwrap_err().field, "--top");
        let e = cmd_plan(&["--config", &cfg, "--top", "2.5"]).unwrap_err();
        assert_eq!(e.message, "\"2.5\" is not a whole number; must be a whole number from 1 to 1000");
        let e = cmd_plan(&["--config", &cfg, "--utilization", "2"]).unwrap_err();
        assert_eq!(e.message, "2 is too large; must be a number from 0.01 to 1");
    }
}
