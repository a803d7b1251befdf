//! Speculative decoding (issue 14 §4): a draft proposes `k` tokens per step, the target
//! verifies them in one forward pass and keeps the accepted prefix plus one token of its own.
//!
//! - **Memory** on each GPU, beside the target's: a draft model's weights and KV
//!   (`--spec draft --draft-preset ID`); an EAGLE head, one decoder layer of the target's shape
//!   plus its feature-fusion `fc` (EAGLE-3: 3·h → h), the embedding and `lm_head` shared with
//!   the target (`--spec eagle`); DeepSeek-style MTP modules, `num_nextn_predict_layers` of
//!   them from the checkpoint's config, each one decoder layer plus `eh_proj` (2·h → h), head
//!   and embedding shared (`--spec mtp`). The heads keep one layer of KV each.
//! - **Speed**: with acceptance length τ (tokens kept per target step, the bonus token
//!   included), `TPOT = (T_verify + k · T_draft) / τ`. `T_verify` is the target's step with
//!   `k + 1` query tokens per sequence: the weights are read once, so it is the per-kernel
//!   roofline `max(step, KV + comm + b·(k+1)·f)` (f: one token's compute at the prefill rate,
//!   as [`crate::serving`] does for mixed steps). `T_draft` is the draft's own decode step
//!   (a draft model) or the target's step scaled by the bytes a head reads (EAGLE, MTP).
//! - **Acceptance**: `--spec-accept X` is τ when X ≥ 1, or a per-token acceptance rate α
//!   when 0 < X < 1, turned into τ = (1 − α^(k+1)) / (1 − α) (Leviathan et al., "Fast Inference
//!   from Transformers via Speculative Decoding", ICML 2023, eq. 1, tokens i.i.d.).

use alloc::string::String;
use alloc::vec::Vec;

use crate::catalog::Gpu;
use crate::error::InputError;
use crate::memory::{estimate, Model, Workload};
use crate::throughput::{speed, Efficiency};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Draft,
    Eagle,
    Mtp,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Draft => "draft",
            Method::Eagle => "eagle",
            Method::Mtp => "mtp",
        }
    }
}

/// The `--spec …` flags.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecOptions {
    pub method: Method,
    /// `--spec-accept X`: τ (X ≥ 1) or α (0 < X < 1); None: the method's sourced default.
    pub accept: Option<f64>,
    /// `--draft-preset ID` (a catalog preset) for `--spec draft`.
    pub draft_preset: Option<String>,
    /// `--spec-steps N`: draft tokens per step k (default: the method's).
    pub steps: Option<u64>,
}

/// A draft model's per-token acceptance rate α: 0.7, the middle of the 0.5–0.9 Leviathan et
/// al. (2023) Table 3 report for small drafts of the same family (T5-small…large for
/// T5-XXL, GPT-like 6M for 97M, LaMDA 100M–8B for 137B).
pub const DRAFT_ALPHA_PERMILLE: u32 = 700;
/// Draft tokens per step for a draft model: vLLM's examples use `num_speculative_tokens` 4
/// (docs.vllm.ai features/spec_decode, "Speculating with a draft model").
pub const DRAFT_STEPS: u64 = 4;
/// EAGLE-3's acceptance length τ ≈ 6.5 (Li et al., "EAGLE-3", arXiv 2503.01840 v3, Table 1:
/// LLaMA-Instruct 3.1 8B, temperature 0, τ 6.48 on GSM8K; tree drafts), in per-mille.
pub const EAGLE_TAU_PERMILLE: u32 = 6500;
/// Draft depth for EAGLE: 7 steps, the shortest chain that can keep τ = 6.5 (τ ≤ k + 1).
pub const EAGLE_STEPS: u64 = 7;
/// DeepSeek-V3's MTP: "the acceptance rate of the second token prediction ranges between 85%
/// and 90%" (DeepSeek-V3 Technical Report, arXiv 2412.19437, §5.4.3): α = 0.85, the low end.
pub const MTP_ALPHA_PERMILLE: u32 = 850;

/// Takes the `--spec`, `--spec-accept`, `--spec-steps` and `--draft-preset` flags out of
/// `args`; returns them and the other arguments in order.
pub fn split_flags<'a>(args: &[&'a str]) -> Result<(Option<SpecOptions>, Vec<&'a str>), InputError> {
    let mut rest = Vec::new();
    let (mut method, mut accept, mut draft, mut steps) = (None, None, None, None);
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        let mut value = || it.next().copied().ok_or_else(|| InputError::new(a, "needs a value"));
        match a {
            "--spec" => {
                method = Some(match value()? {
                    "draft" => Method::Draft,
                    "eagle" => Method::Eagle,
                    "mtp" => Method::Mtp,
                    v => return Err(InputError::new("--spec", alloc::format!("\"{v}\" is not a method; allowed: draft, eagle, mtp"))),
                })
            }
            "--spec-accept" => {
                let v = value()?;
                let x: f64 = v.parse().map_err(|_| InputError::new("--spec-accept", alloc::format!("\"{v}\" is not a number: give an acceptance length 1–16 or a rate between 0 and 1")))?;
                if !(x > 0.0 && x <= 16.0) {
                    return Err(InputError::new("--spec-accept", alloc::format!("{v} is out of range: give an acceptance length 1–16 or a rate between 0 and 1")));
                }
                accept = Some(x);
            }
            "--spec-steps" => {
                let v = value()?;
                steps = Some(v.parse::<u64>().ok().filter(|n| (1..=16).contains(n)).ok_or_else(|| InputError::new("--spec-steps", alloc::format!("\"{v}\" is not a whole number of draft tokens 1–16")))?);
            }
            "--draft-preset" => draft = Some(String::from(value()?)),
            _ => rest.push(a),
        }
    }
    let Some(method) = method else {
        if accept.is_some() || draft.is_some() || steps.is_some() {
            return Err(InputError::new("--spec", "--spec-accept, --spec-steps and --draft-preset need --spec draft|eagle|mtp"));
        }
        return Ok((None, rest));
    };
    if method == Method::Draft && draft.is_none() {
        return Err(InputError::new("--draft-preset", "--spec draft needs --draft-preset ID (a smaller model of the same tokenizer; `gpuplan presets` lists the ids)"));
    }
    Ok((Some(SpecOptions { method, accept, draft_preset: draft, steps }), rest))
}

/// `num_nextn_predict_layers` of a checkpoint's config (DeepSeek-V3/R1: 1), if it has MTP.
pub fn nextn_layers(config: &crate::json::Value) -> Option<u64> {
    config.get("num_nextn_predict_layers").and_then(|v| v.as_u64()).filter(|n| *n > 0)
}

/// The speculative decoding of one deployment: the estimate's `speculative` object.
#[derive(Clone, Debug, PartialEq)]
pub struct Speculative {
    pub method: Method,
    pub draft_tokens: u64,
    pub acceptance_length: f64,
    pub acceptance_source: &'static str,
    /// Per GPU: the draft's (or heads') weights and KV.
    pub draft_weights_bytes: u64,
    pub draft_kv_bytes: u64,
    /// Time per output token without and with speculation (None without a card).
    pub tpot_s_without: Option<f64>,
    pub tpot_s_with: Option<f64>,
}

impl Speculative {
    pub fn speedup(&self) -> Option<f64> {
        Some(self.tpot_s_without? / self.tpot_s_with?)
    }
    pub fn to_json(&self) -> crate::json::Value {
        use crate::json::Value;
        let opt = |x: Option<f64>| x.map_or(Value::Null, |v| Value::from(v * 1e3));
        crate::json::object([
            ("method", self.method.name().into()),
            ("draft_tokens", self.draft_tokens.into()),
            ("acceptance_length", self.acceptance_length.into()),
            ("acceptance_source", self.acceptance_source.into()),
            ("draft_weights_bytes", self.draft_weights_bytes.into()),
            ("draft_kv_bytes", self.draft_kv_bytes.into()),
            ("draft_bytes", (self.draft_weights_bytes + self.draft_kv_bytes).into()),
            ("tpot_ms_without", opt(self.tpot_s_without)),
            ("tpot_ms_with", opt(self.tpot_s_with)),
            ("speedup", self.speedup().map_or(Value::Null, Value::from)),
        ])
    }
}

/// τ for `k` draft tokens from `--spec-accept` or the method's default.
pub fn acceptance_length(opts: &SpecOptions, k: u64) -> (f64, &'static str) {
    let from_rate = |a: f64| (1.0 - libm::pow(a, (k + 1) as f64)) / (1.0 - a);
    match (opts.accept, opts.method) {
        (Some(x), _) if x >= 1.0 => (x.min((k + 1) as f64), "--spec-accept (acceptance length, at most k + 1)"),
        (Some(a), _) => (from_rate(a), "--spec-accept (per-token rate α; τ = (1 − α^(k+1)) / (1 − α), Leviathan et al. 2023)"),
        (None, Method::Draft) => (from_rate(DRAFT_ALPHA_PERMILLE as f64 / 1e3), "α 0.7: Leviathan et al. 2023 Table 3 (small same-family drafts)"),
        (None, Method::Eagle) => ((EAGLE_TAU_PERMILLE as f64 / 1e3).min((k + 1) as f64), "τ 6.5: EAGLE-3 (arXiv 2503.01840) Table 1, LLaMA-3.1-8B, T = 0, tree drafts"),
        (None, Method::Mtp) => (from_rate(MTP_ALPHA_PERMILLE as f64 / 1e3), "α 0.85: DeepSeek-V3 report §5.4.3 (second-token acceptance 85–90 %)"),
    }
}

/// Memory and speed of `opts` for `target` under `w` (its layout), on `gpu` when given.
/// `draft`: the draft model (`--spec draft`); `nextn`: the checkpoint's MTP modules.
pub fn evaluate(target: &Model, w: &Workload, draft: Option<&Model>, nextn: Option<u64>, opts: &SpecOptions, gpu: Option<&Gpu>, eff: &Efficiency) -> Result<Speculative, InputError> {
    let e = estimate(target, w)?;
    let a = &target.arch;
    let tp = e.layout.tensor_parallel.max(1);
    let mtp_layers = match opts.method {
        Method::Mtp => nextn.ok_or_else(|| InputError::new("--spec", "mtp needs a checkpoint with num_nextn_predict_layers in its config.json (DeepSeek-V3/R1)"))?,
        _ => 0,
    };
    let k = opts.steps.unwrap_or(match opts.method {
        Method::Draft => DRAFT_STEPS,
        Method::Eagle => EAGLE_STEPS,
        Method::Mtp => mtp_layers,
    });
    // Bytes per parameter of the target's layers in this format (weights over parameters).
    let per_param = e.breakdown.weights as f64 * tp as f64 * e.layout.pipeline_parallel as f64 / target.params.max(1) as f64;
    // KV of the batch's tokens for one layer on one GPU (MLA's latent is kept whole on every
    // rank; other caches split by heads over TP).
    let tokens = w.batch * (w.prompt + w.new_tokens);
    let split = |m: &Model| if m.arch.mla.is_some() { 1 } else { tp.min(m.arch.kv_heads.max(1)) };
    let kv_layer = e.kv_bytes_per_token / a.layers.max(1) * tokens / split(target);
    let h = a.hidden;
    let (weights, kv, draft_est) = match opts.method {
        Method::Draft => {
            let d = draft.ok_or_else(|| InputError::new("--draft-preset", "--spec draft needs --draft-preset ID"))?;
            let de = estimate(d, &Workload { pipeline_parallel: 1, ..w.clone() })?;
            let kv = de.kv_bytes_per_token * tokens / split(d);
            (de.breakdown.weights, kv, Some(de))
        }
        Method::Eagle => {
            let attn = 2 * h * a.heads * a.head_dim + 2 * h * a.kv_heads * a.head_dim;
            let params = attn + 3 * h * a.intermediate + 3 * h * h;
            ((params as f64 * per_param) as u64 / tp, kv_layer, None)
        }
        Method::Mtp => {
            let params = mtp_layers * (a.largest_layer_params() + 2 * h * h);
            ((params as f64 * per_param) as u64 / tp, kv_layer * mtp_layers, None)
        }
    };
    let (tau, source) = acceptance_length(opts, k);
    let mut out = Speculative { method: opts.method, draft_tokens: k, acceptance_length: tau, acceptance_source: source, draft_weights_bytes: weights, draft_kv_bytes: kv, tpot_s_without: None, tpot_s_with: None };
    if let Some(gpu) = gpu {
        let s = speed(target, w, gpu, &e.layout, eff);
        let step = s.time_per_output_token_s;
        let mem = (step - s.tp_comm_s_per_token).max(0.0);
        let wshare = if s.decode_bytes_per_step > 0.0 { (e.breakdown.weights as f64 / s.decode_bytes_per_step).min(1.0) } else { 1.0 };
        let not_shared = s.tp_comm_s_per_token + mem * (1.0 - wshare);
        let f = 1.0 / s.prefill_tokens_per_s.max(1e-9);
        let verify = step.max(not_shared + (w.batch * (k + 1)) as f64 * f);
        let t_draft = match &draft_est {
            Some(de) => speed(draft.unwrap_or(target), w, gpu, &de.layout, eff).time_per_output_token_s,
            // A head reads its weights and one layer of KV per step: the target's memory time
            // scaled by those bytes.
            None => mem * (weights + kv) as f64 / s.decode_bytes_per_step.max(1.0),
        };
        out.tpot_s_without = Some(step);
        out.tpot_s_with = Some((verify + k as f64 * t_draft) / tau);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str) -> Model {
        let cat = crate::catalog::load().unwrap();
        Model::new(cat.model(id).unwrap().arch().unwrap())
    }

    #[test]
    fn flags_parse_and_bad_ones_name_the_flag() {
        let (o, rest) = split_flags(&["--preset", "x", "--spec", "eagle", "--spec-accept", "3.5", "--json"]).unwrap();
        assert_eq!(rest, ["--preset", "x", "--json"]);
        let o = o.unwrap();
        assert_eq!((o.method, o.accept), (Method::Eagle, Some(3.5)));
        assert_eq!(split_flags(&["--spec", "medusa"]).unwrap_err().field, "--spec");
        assert_eq!(split_flags(&["--spec", "draft"]).unwrap_err().field, "--draft-preset");
        assert_eq!(split_flags(&["--spec-accept", "2"]).unwrap_err().field, "--spec");
        assert_eq!(split_flags(&["--spec", "mtp", "--spec-accept", "40"]).unwrap_err().field, "--spec-accept");
        assert_eq!(split_flags(&["--spec", "mtp", "--spec-accept", "-1"]).unwrap_err().field, "--spec-accept");
        assert!(split_flags(&["--json"]).unwrap().0.is_none());
    }

    #[test]
    fn acceptance_from_rate_and_defaults() {
        let o = |method, accept| SpecOptions { method, accept, draft_preset: None, steps: None };
        // MTP, one module, α 0.85: τ = 1.85 (DeepSeek-V3's second-token acceptance).
        assert!((acceptance_length(&o(Method::Mtp, None), 1).0 - 1.85).abs() < 1e-12);
        // α 0.7, k 4: (1 − 0.7⁵) / 0.3.
        assert!((acceptance_length(&o(Method::Draft, None), 4).0 - (1.0 - 0.16807) / 0.3).abs() < 1e-9);
        assert_eq!(acceptance_length(&o(Method::Eagle, Some(9.0)), 3).0, 4.0, "τ never above k + 1");
    }

    #[test]
    fn memory_and_speedup_per_method() {
        let cat = crate::catalog::load().unwrap();
        let h100 = cat.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let eff = Efficiency::default_for(crate::Engine::Vllm);
        let l70 = model("llama-3.1-70b");
        let l8 = model("llama-3.1-8b");
        let w = Workload { engine: crate::Engine::Vllm, weights: crate::WeightFormat::Fp8, gpus: 2, tensor_parallel: 2, batch: 4, prompt: 1000, new_tokens: 200, ..Workload::default() };
        let opts = |method| SpecOptions { method, accept: None, draft_preset: None, steps: None };
        let draft = evaluate(&l70, &w, Some(&l8), None, &SpecOptions { draft_preset: Some("llama-3.1-8b".into()), ..opts(Method::Draft) }, Some(h100), &eff).unwrap();
        // The 8B draft in fp8 split over 2 GPUs: about 4 GB each.
        assert!(draft.draft_weights_bytes > 3 << 30 && draft.draft_weights_bytes < 5 << 30, "{draft:?}");
        let eagle = evaluate(&l70, &w, None, None, &opts(Method::Eagle), Some(h100), &eff).unwrap();
        // One 70B layer (≈ 0.86 B params) + fc 3·8192² ≈ 1.06 B params at fp8, over 2 GPUs.
        assert!(eagle.draft_weights_bytes > 400 << 20 && eagle.draft_weights_bytes < 700 << 20, "{eagle:?}");
        for s in [&draft, &eagle] {
            let up = s.speedup().unwrap();
            assert!(up > 1.2 && up < s.acceptance_length, "{s:?}");
        }
        assert!(eagle.speedup() > draft.speedup(), "a head is cheaper than an 8B draft and accepts more");
        // MTP needs the checkpoint's modules.
        assert_eq!(evaluate(&l70, &w, None, None, &opts(Method::Mtp), Some(h100), &eff).unwrap_err().field, "--spec");
        let cat_v3 = cat.model("deepseek-v3").unwrap();
        let v3 = Model::new(cat_v3.arch().unwrap());
        let h200 = cat.gpu("nvidia-h200-sxm").unwrap();
        let w3 = Workload { engine: crate::Engine::Vllm, weights: crate::WeightFormat::Fp8, gpus: 8, tensor_parallel: 8, batch: 8, gpu_memory_bytes: h200.memory_bytes, ..Workload::default() };
        let mtp = evaluate(&v3, &w3, None, nextn_layers(&cat_v3.config), &opts(Method::Mtp), Some(h200), &eff).unwrap();
        // DeepSeek-V3's MTP module: 14 B params on the Hub ("685B with MTP"), of which its own
        // copies of the embedding and head (2 × 129280 × 7168) are shared here: ≈ 12.1 B at
        // fp8, 1/8 per GPU ≈ 1.4 GiB; one MLA layer of KV: (512 + 64) × 2 B per token.
        assert_eq!(mtp.draft_tokens, 1);
        assert!(mtp.draft_weights_bytes > (1300u64 << 20) && mtp.draft_weights_bytes < (1700u64 << 20), "{mtp:?}");
        assert_eq!(mtp.draft_kv_bytes, 1152 * 8 * (2048 + 256));
        assert!(mtp.speedup().unwrap() > 1.3 && mtp.speedup().unwrap() < 1.85, "{mtp:?}");
    }
}
