//! `gpuplan compare`: options side by side (`gpuplan_core::compare`).

use gpuplan_core::args::parse_estimate_args;
use gpuplan_core::compare::{compare, parse_option, preset, MAX_OPTIONS};
use gpuplan_core::cost::CostInputs;
use gpuplan_core::serving::{Load, Target};
use gpuplan_core::throughput::Efficiency;
use gpuplan_core::{json, InputError};

pub const COMPARE_USAGE: &str = "gpuplan compare <model: --preset ID | --config PATH …> (--option SPEC … | --preset-options articles-70b)
    [--years N] [--ttft-ms X] [--tpot-ms Y] [--prompt N] [--new-tokens N] [--json]
  SPEC = PART[+PART…], PART = CARD:COUNT:FORMAT:ENGINE:own|rent|rent@F[:price=USD]
    CARD a catalog id (`gpuplan gpus`), ENGINE vllm|sglang, rent@F rented for the share F of the
    busy hours, price= the purchase (own) or hourly (rent) price per card where the catalog has
    none. Up to four options. Defaults: --years 4, --ttft-ms 2000, --tpot-ms 50 (20 tokens/s
    per user), the model of --preset-options articles-70b is llama-3.1-70b.
  e.g. gpuplan compare --preset llama-3.1-70b --option nvidia-rtx-4090:24:int8:vllm:own \\
         --option nvidia-h100-sxm5-80gb:8:int8:vllm:rent --years 3";

/// Default targets of `compare` (a reading-speed TPOT and a 2 s first token): assumptions.
pub const DEFAULT_TTFT_MS: f64 = 2000.0;
pub const DEFAULT_TPOT_MS: f64 = 50.0;

fn number(flag: &str, v: Option<&&str>, lo: f64, hi: f64) -> Result<f64, InputError> {
    let v = v.ok_or_else(|| InputError::new(flag, "needs a value"))?;
    v.parse::<f64>().ok().filter(|x| *x >= lo && *x <= hi).ok_or_else(|| InputError::new(flag, format!("\"{v}\" is not a number from {lo} to {hi}")))
}

pub fn cmd_compare(args: &[&str]) -> Result<String, InputError> {
    if args.contains(&"--help") {
        return Ok(COMPARE_USAGE.to_string());
    }
    let cat = gpuplan_core::catalog::load().map_err(|e| InputError::new("catalog", e.to_string()))?;
    let mut inputs = CostInputs::from_catalog(&cat);
    let (mut specs, mut preset_id, mut rest) = (Vec::new(), None, Vec::new());
    let (mut ttft, mut tpot) = (DEFAULT_TTFT_MS, DEFAULT_TPOT_MS);
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        match a {
            "--option" => specs.push(*it.next().ok_or_else(|| InputError::new("--option", "needs a SPEC"))?),
            "--preset-options" => preset_id = Some(*it.next().ok_or_else(|| InputError::new("--preset-options", "needs an id (articles-70b)"))?),
            "--years" => inputs.years = number("--years", it.next(), 0.25, 20.0)?,
            "--ttft-ms" => ttft = number("--ttft-ms", it.next(), 1.0, 600_000.0)?,
            "--tpot-ms" => tpot = number("--tpot-ms", it.next(), 0.1, 60_000.0)?,
            _ => rest.push(a),
        }
    }
    let mut options = match preset_id {
        Some(id) => preset(id, &cat)?,
        None => Vec::new(),
    };
    for s in &specs {
        options.push(parse_option(s, &cat)?);
    }
    if options.is_empty() || options.len() > MAX_OPTIONS {
        return Err(InputError::new("--option", format!("give 1 to {MAX_OPTIONS} options (--option SPEC, or --preset-options articles-70b); got {}", options.len())));
    }
    let has_model = rest.iter().any(|a| matches!(*a, "--preset" | "--config" | "--gguf" | "--safetensors"));
    if !has_model && preset_id.is_some() {
        rest.extend(["--preset", "llama-3.1-70b"]);
    }
    let mut a = parse_estimate_args(&rest)?;
    let (model, _) = crate::load_model(&a)?;
    let (model, _) = crate::apply_mmproj(&mut a, model)?;
    let t = Target { ttft_s: ttft / 1e3, tpot_s: tpot / 1e3, load: Load::Users(1), prompt_cache_share: 0.0 };
    let eff = Efficiency::default_for(gpuplan_core::Engine::Vllm);
    let rows = compare(&model, &a.workload, &cat, &options, &t, &inputs, &eff)?;
    if a.json {
        return Ok(crate::json_text(json::object([
            ("years", inputs.years.into()),
            ("ttft_ms", ttft.into()),
            ("tpot_ms", tpot.into()),
            ("prompt", a.workload.prompt.into()),
            ("new_tokens", a.workload.new_tokens.into()),
            ("cost_inputs", inputs.to_json()),
            ("options", json::Value::Array(rows.iter().map(|r| r.to_json(&inputs)).collect())),
        ])));
    }
    let mut out = format!("{:<62} {:>5} {:>11} {:>13} {:>12} {:>9}\n", "option", "fits", "tokens/s", "total USD", "total CNY", "$/M tok");
    for r in &rows {
        let money = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{v:.0}"));
        out += &format!(
            "{:<62} {:>5} {:>11.0} {:>13} {:>12} {:>9}\n",
            r.label.chars().take(62).collect::<String>(),
            if r.fits { "yes" } else { "no" },
            r.tokens_per_s,
            money(r.total_usd),
            money(r.total_usd.map(|u| u * inputs.cny_per_usd)),
            r.usd_per_million_tokens.map_or("—".to_string(), |v| format!("{v:.3}"))
        );
    }
    out += &format!("over {} years, {:.0} busy hours a year; targets TTFT {ttft} ms, TPOT {tpot} ms\n", inputs.years, inputs.hours_per_year * inputs.utilization);
    Ok(out)
}
