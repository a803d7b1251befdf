//! Sizing a deployment to a latency target (issue 14 §3): per card, the largest batch per
//! replica whose time per output token (TPOT) and time to first token (TTFT) meet the
//! targets, the replicas the load needs, throughput and cost.
//!
//! Per replica of `n` cards (tensor parallel) at `b` concurrent sequences:
//! - a decode step is [`crate::throughput::speed`]'s per-kernel roofline at batch `b`: the
//!   weights read once, each sequence's KV at its mean context, against the GEMM FLOPs, plus
//!   the TP all-reduces;
//! - prefill runs chunked inside the same steps (vLLM V1 and SGLang schedule prompt chunks
//!   beside decodes): `ρ = λ · P_new / prefill_rate` is the share of the replica's compute the
//!   prompts take, where `P_new = P · (1 − prompt_cache_share)` tokens are computed per request
//!   and `λ` is the replica's request rate. A mixed step is the per-kernel roofline of its
//!   parts: the GEMMs read the weights once for the decodes and the chunk together, so they take
//!   `max(W, (b + c) · f)` (W: the weight read, f: one token's GEMM time at the prefill rate,
//!   c = λ · P_new · TPOT prompt tokens per step), while the decodes' KV reads K and the TP
//!   all-reduces add to it: `TPOT = max(step, (K + comm + b · f) / (1 − ρ))`;
//! - TTFT = the prompt's own prefill time + the mean wait of an M/D/1 queue of prompts at
//!   utilisation ρ: `ρ · t_p / (2 (1 − ρ))` (Kleinrock, *Queueing Systems* vol. 1, §5.6,
//!   Pollaczek–Khinchine with deterministic service);
//! - the replica's request rate at batch `b` is Little's law: `λ = b / (TTFT + M · TPOT)`.
//!
//! The load is either requests per second (replicas = ⌈R / λ(b)⌉) or concurrent users
//! (replicas = ⌈U / b⌉, each user with one request in flight).

use alloc::string::String;
use alloc::vec::Vec;

use crate::catalog::{Catalog, Gpu};
use crate::cost::{cost, usd_per_million_tokens, CostInputs};
use crate::memory::{estimate, numbers_batch_independent, Engine, Estimate, Mode, Model, Workload};
use crate::throughput::{compute_peak, link, speed_prepared, ComputePeak, Efficiency, FormatBytes, Link};

/// The load a deployment serves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    /// Requests per second (Poisson arrivals).
    Rps(f64),
    /// Concurrent users, one request in flight each.
    Users(u64),
}

/// Targets and request mix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    pub ttft_s: f64,
    pub tpot_s: f64,
    pub load: Load,
    /// Share of prompt tokens served from the prefix cache (0..1).
    pub prompt_cache_share: f64,
}

/// Hours in a month (8766 h a year / 12), for monthly costs.
pub const HOURS_PER_MONTH: f64 = 730.5;
/// Largest batch per replica searched (vLLM's default `max_num_seqs` on large cards, 1024).
pub const MAX_SEARCH_BATCH: u64 = crate::vllm::SERVE_MAX_NUM_SEQS_LARGE;

/// The latency of one replica at one batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub batch: u64,
    pub tpot_s: f64,
    pub ttft_s: f64,
    /// Requests per second one replica completes.
    pub requests_per_s: f64,
    /// Output tokens per second per GPU.
    pub tokens_per_s_per_gpu: f64,
    /// Output tokens per second each user sees (1 / TPOT).
    pub tokens_per_s_per_user: f64,
}

/// One card's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Sizing {
    pub gpu_id: String,
    /// Cards per replica (tensor parallel).
    pub cards_per_replica: u64,
    /// The batch per replica that needs the fewest replicas while meeting both targets (with
    /// `--users` the largest such batch), and its latencies (None: not reachable).
    pub best: Option<Point>,
    pub replicas: u64,
    pub total_cards: u64,
    /// Output tokens per second of all replicas.
    pub throughput_tokens_per_s: f64,
    pub usd_per_million_own: Option<f64>,
    pub usd_per_million_rent: Option<f64>,
    pub monthly_own_usd: Option<f64>,
    pub monthly_rent_usd: Option<f64>,
    /// When no batch meets the targets: which failed ("ttft" or "tpot") and the best reachable
    /// value at batch 1 (seconds).
    pub failed: Option<(&'static str, f64)>,
}

/// One replica's inputs prepared once for every batch asked of it: the workload of `cards`
/// × `gpu` (tensor parallel), the format's byte counts and the card's peak and link (the batch
/// search asks 20–40 batches; each would recount the model's tensors).
struct Replica<'a> {
    model: &'a Model,
    w: Workload,
    gpu: &'a Gpu,
    eff: &'a Efficiency,
    fb: FormatBytes,
    peak: ComputePeak,
    link: Link,
    /// The estimate at batch 1 where its numbers do not depend on the batch
    /// ([`crate::memory::numbers_batch_independent`]).
    fixed: Option<Estimate>,
}

impl<'a> Replica<'a> {
    fn new(model: &'a Model, w: &Workload, gpu: &'a Gpu, cards: u64, eff: &'a Efficiency) -> Replica<'a> {
        let mut w = Workload { mode: Mode::Inference, gpus: cards, tensor_parallel: cards, pipeline_parallel: 1, gpu_memory_bytes: gpu.memory_bytes, ..w.clone() };
        crate::memory::apply_card(&mut w, gpu);
        let fb = FormatBytes::new(model, w.weights);
        let peak = compute_peak(gpu, w.weights.compute_precision());
        let fixed = if numbers_batch_independent(model, &w) { estimate(model, &Workload { batch: 1, ..w.clone() }).ok() } else { None };
        Replica { model, w, gpu, eff, fb, peak, link: link(gpu), fixed }
    }

    /// The latency at batch `b` under the target's load.
    fn point(&self, t: &Target, b: u64) -> Option<Point> {
        self.point_fit(t, b).map(|(p, _)| p)
    }

    /// [`Replica::point`] and whether `b` sequences fit, from one estimate.
    fn point_fit(&self, t: &Target, b: u64) -> Option<(Point, bool)> {
        let w = &self.w;
        let wb = Workload { batch: b, ..w.clone() };
        let owned;
        let e = match &self.fixed {
            Some(e) => e,
            None => {
                owned = estimate(self.model, &wb).ok()?;
                &owned
            }
        };
        let fit = fits_estimate(e, w, b);
        let s = speed_prepared(self.model, &self.fb, &wb, self.gpu, &e.layout, self.eff, &self.peak, &self.link, false);
        let step = s.time_per_output_token_s;
        // The step's parts: all-reduces, then the memory time split into the weight read (shared
        // with a prompt chunk's GEMMs) and the decodes' KV reads (not shared).
        let mem = (step - s.tp_comm_s_per_token).max(0.0);
        let weights_share = if s.decode_bytes_per_step > 0.0 { (e.breakdown.weights as f64 / s.decode_bytes_per_step).min(1.0) } else { 1.0 };
        let not_shared = s.tp_comm_s_per_token + mem * (1.0 - weights_share);
        let f_tok = 1.0 / s.prefill_tokens_per_s.max(1e-9);
        let prompt_new = (w.prompt as f64 * (1.0 - t.prompt_cache_share.clamp(0.0, 1.0))).max(1.0);
        let t_p = prompt_new / s.prefill_tokens_per_s.max(1e-9);
        let m = w.new_tokens.max(1) as f64;
        // Fixed point: λ depends on TTFT and TPOT, which depend on ρ = λ · t_p ([`Queue`]).
        let q = Queue { step, a: not_shared + b as f64 * f_tok, t_p, m, b: b as f64 };
        let (tpot, ttft, lambda) = q.at(q.utilisation());
        let gpus = e.layout.tensor_parallel * e.layout.pipeline_parallel;
        Some((Point {
            batch: b,
            tpot_s: tpot,
            ttft_s: ttft,
            requests_per_s: lambda,
            tokens_per_s_per_gpu: lambda * m / gpus as f64,
            tokens_per_s_per_user: 1.0 / tpot,
        }, fit))
    }
}

/// One replica's queue at batch `b`: a decode step's floor `step` (S), its part not shared
/// with a prompt chunk plus the batch's chunk time `a` (A), a prompt's own prefill time `t_p`
/// (T) and `m` (M) output tokens per request.
struct Queue {
    step: f64,
    a: f64,
    t_p: f64,
    m: f64,
    b: f64,
}

impl Queue {
    /// TPOT, TTFT and the request rate λ at utilisation ρ: TPOT(ρ) = max(S, A / (1 − ρ)),
    /// TTFT(ρ) = T + ρT / (2(1 − ρ)) and λ = b / (TTFT + M · TPOT).
    fn at(&self, rho: f64) -> (f64, f64, f64) {
        let tpot = self.step.max(self.a / (1.0 - rho));
        let ttft = self.t_p + rho * self.t_p / (2.0 * (1.0 - rho));
        (tpot, ttft, self.b / (ttft + self.m * tpot))
    }

    /// λ(ρ) · T − ρ, which falls strictly as ρ rises: the utilisation is its one root on [0, 1).
    fn excess(&self, rho: f64) -> f64 {
        self.at(rho).2 * self.t_p - rho
    }

    /// The root of [`Queue::excess`] in closed form. Multiplied by (1 − ρ) > 0, each piece of
    /// TPOT makes it a quadratic q(ρ) = a ρ² − B ρ + bT: with TPOT = A / (1 − ρ), a = T / 2 and
    /// B = T (1 + b) + M A; with TPOT = S, a = T / 2 + M S and B = T (1 + b) + M S. q(0) = bT > 0
    /// and q(1) < 0, so the root in (0, 1) is the smaller one, 2C / (B + √(B² − 4aC)) (the form
    /// without cancellation). TPOT leaves its floor S at ρ* = 1 − A / S: the root lies past ρ*
    /// when the excess is still positive there.
    fn utilisation(&self) -> f64 {
        let (s, t, m, b) = (self.step, self.t_p, self.m, self.b);
        let root = |a: f64, bb: f64| {
            let c = b * t;
            let disc = (bb * bb - 4.0 * a * c).max(0.0);
            let r = 2.0 * c / (bb + libm::sqrt(disc)).max(f64::MIN_POSITIVE);
            r.clamp(0.0, 1.0 - 1e-12)
        };
        let rho_star = if s > 0.0 { 1.0 - self.a / s } else { 0.0 };
        if rho_star <= 0.0 || self.excess(rho_star) > 0.0 {
            root(t / 2.0, t * (1.0 + b) + m * self.a)
        } else {
            root(t / 2.0 + m * s, t * (1.0 + b) + m * s)
        }
    }
}

/// Whether the pool (vLLM/SGLang) or memory holds `b` sequences on one replica.
fn fits_estimate(e: &crate::memory::Estimate, w: &Workload, b: u64) -> bool {
    match (e.vllm, e.sglang) {
        (Some(p), _) => e.verdict != crate::Verdict::DoesNotFit && p.max_concurrent_sequences >= b,
        (_, Some(p)) => p.max_total_num_tokens / (w.prompt + w.new_tokens).max(1) >= b,
        _ => e.total_bytes <= w.gpu_memory_bytes,
    }
}

/// The largest batch of one replica meeting `t` on `gpu` with `cards` cards (tensor parallel).
pub fn size_card(model: &Model, w: &Workload, gpu: &Gpu, cards: u64, eff: &Efficiency, t: &Target, inputs: &CostInputs) -> Option<Sizing> {
    let r = Replica::new(model, w, gpu, cards, eff);
    let (first, fits_one) = r.point_fit(t, 1)?;
    if !fits_one {
        return None;
    }
    let ok = |p: &Point| p.tpot_s <= t.tpot_s && p.ttft_s <= t.ttft_s;
    let mut sizing = Sizing {
        gpu_id: gpu.id.clone(),
        cards_per_replica: cards,
        best: None,
        replicas: 0,
        total_cards: 0,
        throughput_tokens_per_s: 0.0,
        usd_per_million_own: None,
        usd_per_million_rent: None,
        monthly_own_usd: None,
        monthly_rent_usd: None,
        failed: None,
    };
    if !ok(&first) {
        sizing.failed = Some(if first.tpot_s > t.tpot_s { ("tpot", first.tpot_s) } else { ("ttft", first.ttft_s) });
        return Some(sizing);
    }
    // TPOT and TTFT grow with the batch: binary search the largest batch that meets both and fits.
    let (mut lo, mut hi) = (1u64, MAX_SEARCH_BATCH);
    let mut largest = first;
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        match r.point_fit(t, mid).filter(|(p, fit)| *fit && ok(p)) {
            Some((p, _)) => {
                largest = p;
                lo = mid;
            }
            None => hi = mid - 1,
        }
    }
    // Every batch up to `largest` meets both targets; a looser target only widens that range.
    // The batch that needs the fewest replicas over it: with users, the largest (⌈U / b⌉); with
    // requests/s, the one of the highest request rate λ(b) = b / (TTFT + M · TPOT), which rises
    // with b until the prompts' share ρ of the replica saturates and then falls: found by a
    // ternary search over [1, largest] (λ is unimodal there), ties to the larger batch.
    let best = match t.load {
        Load::Users(_) => largest,
        Load::Rps(_) => best_rate(largest, |b| if b == largest.batch { Some(largest) } else { r.point(t, b) }),
    };
    let replicas = match t.load {
        Load::Rps(r) => libm::ceil(r / best.requests_per_s.max(1e-12)).max(1.0) as u64,
        Load::Users(u) => u.div_ceil(best.batch).max(1),
    };
    let total = replicas * cards;
    let tokens_per_s = best.tokens_per_s_per_gpu * total as f64;
    let c = cost(gpu, total, inputs);
    let years = inputs.years.max(1e-9);
    sizing.best = Some(best);
    sizing.replicas = replicas;
    sizing.total_cards = total;
    sizing.throughput_tokens_per_s = tokens_per_s;
    sizing.usd_per_million_own = c.own_usd_per_hour.map(|h| usd_per_million_tokens(h, tokens_per_s));
    sizing.usd_per_million_rent = c.rent_usd_per_hour.map(|h| usd_per_million_tokens(h, tokens_per_s));
    sizing.monthly_own_usd = c.own_total_usd.map(|o| o / (years * 12.0));
    sizing.monthly_rent_usd = c.rent_usd_per_hour.map(|h| h * HOURS_PER_MONTH);
    Some(sizing)
}

/// The batch in `1..=largest.batch` of the highest request rate (ties to the larger batch):
/// a ternary search on the unimodal λ(b), then the few batches left scanned.
fn best_rate(largest: Point, at: impl Fn(u64) -> Option<Point>) -> Point {
    let seen = core::cell::RefCell::new(Vec::<(u64, Option<Point>)>::new());
    let at = |b: u64| {
        if let Some((_, p)) = seen.borrow().iter().find(|(x, _)| *x == b) {
            return *p;
        }
        let p = at(b);
        seen.borrow_mut().push((b, p));
        p
    };
    let rate = |b: u64| at(b).map_or(0.0, |p| p.requests_per_s);
    let (mut lo, mut hi) = (1u64, largest.batch);
    while hi - lo > 4 {
        let m1 = lo + (hi - lo) / 3;
        let m2 = hi - (hi - lo) / 3;
        if rate(m1) < rate(m2) {
            lo = m1 + 1;
        } else {
            hi = m2;
        }
    }
    let mut best = largest;
    for b in (lo..=hi).rev() {
        if let Some(p) = at(b) {
            if p.requests_per_s > best.requests_per_s {
                best = p;
            }
        }
    }
    best
}

/// The throughput–latency curve of one replica of `cards` × `gpu` (the chart: output
/// tokens/s per GPU against tokens/s per user, one line per card): one [`Point`] per batch of
/// `batches` that fits, in order. The page marks the target on it (`1 / tpot_s` per user).
pub fn curve(model: &Model, w: &Workload, gpu: &Gpu, cards: u64, eff: &Efficiency, t: &Target, batches: &[u64]) -> Vec<Point> {
    let r = Replica::new(model, w, gpu, cards, eff);
    batches.iter().filter_map(|&b| r.point_fit(t, b).filter(|(_, fit)| *fit).map(|(p, _)| p)).collect()
}

/// Every card of the catalog (the smallest tensor-parallel group of 1, 2, 4 or 8 that holds the
/// model): the pure function behind `plan --ttft-ms/--tpot-ms --json`.
pub fn size_catalog(model: &Model, w: &Workload, catalog: &Catalog, eff: &Efficiency, t: &Target, inputs: &CostInputs) -> Vec<Sizing> {
    let mut out = Vec::new();
    for gpu in &catalog.gpus {
        if !crate::plan::runs_on(gpu, w, w.weights) {
            continue;
        }
        let ok_tp = |n: u64| model.arch.heads.is_multiple_of(n);
        if let Some(s) = [1u64, 2, 4, 8].iter().filter(|n| ok_tp(**n)).find_map(|&n| size_card(model, w, gpu, n, eff, t, inputs)) {
            out.push(s);
        }
    }
    out
}

impl Sizing {
    pub fn to_json(&self) -> crate::json::Value {
        use crate::json::{object, Value};
        let best = self.best.map_or(Value::Null, |p| {
            object([
                ("batch", p.batch.into()),
                ("tpot_ms", (p.tpot_s * 1e3).into()),
                ("ttft_ms", (p.ttft_s * 1e3).into()),
                ("requests_per_s_per_replica", p.requests_per_s.into()),
                ("tokens_per_s_per_gpu", p.tokens_per_s_per_gpu.into()),
                ("tokens_per_s_per_user", p.tokens_per_s_per_user.into()),
            ])
        });
        let opt = |x: Option<f64>| x.filter(|v| v.is_finite()).map_or(Value::Null, Value::from);
        let mut v = object([
            ("gpu_id", self.gpu_id.as_str().into()),
            ("cards_per_replica", self.cards_per_replica.into()),
            ("best", best),
            ("replicas", self.replicas.into()),
            ("total_cards", self.total_cards.into()),
            ("throughput_tokens_per_s", self.throughput_tokens_per_s.into()),
            ("usd_per_million_tokens_own", opt(self.usd_per_million_own)),
            ("usd_per_million_tokens_rent", opt(self.usd_per_million_rent)),
            ("monthly_own_usd", opt(self.monthly_own_usd)),
            ("monthly_rent_usd", opt(self.monthly_rent_usd)),
        ]);
        if let (Some((which, best)), Some(o)) = (self.failed, v.as_object_mut()) {
            let msg = alloc::format!("no batch meets the {which} target; the best reachable {which} on this card is {:.1} ms", best * 1e3);
            o.insert("failed".into(), which.into());
            o.insert("best_reachable_ms".into(), (best * 1e3).into());
            o.insert("message".into(), msg.as_str().into());
        }
        v
    }
}

/// Engines that batch continuously (the sizing assumes it).
pub fn continuous_batching(engine: Engine) -> bool {
    matches!(engine, Engine::Vllm | Engine::Sglang)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizing estimates a vLLM or SGLang replica once: its numbers are the same at every
    /// batch, for every preset.
    #[test]
    fn vllm_and_sglang_estimates_do_not_depend_on_the_batch() {
        let cat = crate::catalog::load().unwrap();
        let mut checked = 0;
        for preset in &cat.models {
            let model = Model::new(preset.arch().unwrap());
            for engine in [Engine::Vllm, Engine::Sglang] {
                for gib in [24u64, 80, 141] {
                    let w = Workload { engine, prompt: 1024, new_tokens: 256, gpu_memory_bytes: gib << 30, ..Workload::default() };
                    if !numbers_batch_independent(&model, &w) {
                        continue;
                    }
                    let at = |b: u64| crate::memory::estimate(&model, &Workload { batch: b, ..w.clone() }).map(|e| (e.breakdown, e.total_bytes, e.verdict, e.vllm, e.sglang, e.vllm_accounting, e.layout));
                    let one = at(1);
                    for b in [7, 300, 1024] {
                        assert_eq!(at(b), one, "{} {engine:?} {gib} GiB batch {b}", preset.id);
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }

    proptest::proptest! {
        /// The closed form is the root a bisection finds.
        #[test]
        fn the_utilisation_is_the_fixed_points_root(s in 1e-4f64..0.2, a in 1e-5f64..0.5, t in 1e-4f64..20.0, m in 1.0f64..4096.0, b in 1.0f64..1024.0) {
            let q = Queue { step: s, a, t_p: t, m, b };
            let (mut lo, mut hi) = (0.0f64, 1.0f64);
            for _ in 0..80 {
                let mid = 0.5 * (lo + hi);
                if q.excess(mid) > 0.0 { lo = mid } else { hi = mid }
            }
            let r = q.utilisation();
            proptest::prop_assert!((r - lo).abs() <= 1e-9 * lo.max(1e-6), "closed form {} bisection {}", r, lo);
        }
    }

    #[test]
    fn looser_targets_never_give_a_smaller_batch_and_impossible_ones_say_which() {
        let cat = crate::catalog::load().unwrap();
        let model = Model::new(cat.model("llama-3.1-8b").unwrap().arch().unwrap());
        let w = Workload { engine: Engine::Vllm, prompt: 1000, new_tokens: 200, ..Workload::default() };
        let gpu = cat.gpu("nvidia-h100-sxm5-80gb").unwrap();
        let eff = Efficiency::default_for(Engine::Vllm);
        let inputs = CostInputs::from_catalog(&cat);
        let t = |tpot_ms: f64| Target { ttft_s: 2.0, tpot_s: tpot_ms / 1e3, load: Load::Rps(10.0), prompt_cache_share: 0.0 };
        let tight = size_card(&model, &w, gpu, 1, &eff, &t(20.0), &inputs).unwrap();
        let loose = size_card(&model, &w, gpu, 1, &eff, &t(60.0), &inputs).unwrap();
        let (bt, bl) = (tight.best.unwrap(), loose.best.unwrap());
        assert!(bl.batch >= bt.batch && bt.tpot_s <= 0.020 && bl.tpot_s <= 0.060, "{bt:?} {bl:?}");
        assert!(loose.replicas <= tight.replicas, "a looser TPOT never needs more replicas: {} > {}", loose.replicas, tight.replicas);
        assert!(tight.replicas as f64 * bt.requests_per_s >= 10.0);
        let never = size_card(&model, &w, gpu, 1, &eff, &t(0.5), &inputs).unwrap();
        assert!(never.best.is_none());
        let (which, best) = never.failed.unwrap();
        assert_eq!(which, "tpot");
        assert!(best > 0.0005);
        // A prefix cache shortens TTFT.
        let tt = Target { ttft_s: 10.0, tpot_s: 1.0, load: Load::Users(1), prompt_cache_share: 0.0 };
        let cached = Target { prompt_cache_share: 0.9, ..tt };
        let one = Replica::new(&model, &w, gpu, 1, &eff);
        let a = one.point(&tt, 8).unwrap();
        let b = one.point(&cached, 8).unwrap();
        assert!(b.ttft_s < a.ttft_s);
    }

    /// Property: over a grid of targets, loosening TPOT or TTFT never needs more replicas, for
    /// either kind of load, on a card with and one without room for long batches.
    #[test]
    fn a_looser_target_never_needs_more_replicas() {
        let cat = crate::catalog::load().unwrap();
        let model = Model::new(cat.model("llama-3.1-8b").unwrap().arch().unwrap());
        let w = Workload { engine: Engine::Vllm, prompt: 2000, new_tokens: 300, ..Workload::default() };
        let eff = Efficiency::default_for(Engine::Vllm);
        let inputs = CostInputs::from_catalog(&cat);
        let mut checked = 0;
        for gpu_id in ["nvidia-h100-sxm5-80gb", "nvidia-l40s"] {
            let gpu = cat.gpu(gpu_id).unwrap();
            for load in [Load::Rps(3.0), Load::Rps(40.0), Load::Users(500)] {
                let replicas = |ttft_ms: f64, tpot_ms: f64| {
                    let t = Target { ttft_s: ttft_ms / 1e3, tpot_s: tpot_ms / 1e3, load, prompt_cache_share: 0.2 };
                    size_card(&model, &w, gpu, 1, &eff, &t, &inputs).unwrap().best.map(|_| size_card(&model, &w, gpu, 1, &eff, &t, &inputs).unwrap().replicas)
                };
                let tpots = [8.0, 12.0, 20.0, 35.0, 60.0, 100.0];
                let ttfts = [150.0, 400.0, 1000.0, 3000.0];
                for &ttft in &ttfts {
                    let r: Vec<Option<u64>> = tpots.iter().map(|&tp| replicas(ttft, tp)).collect();
                    for pair in r.windows(2) {
                        if let (Some(a), Some(b)) = (pair[0], pair[1]) {
                            assert!(b <= a, "{gpu_id} {load:?} ttft {ttft}: replicas over TPOT {r:?}");
                            checked += 1;
                        }
                        assert!(!(pair[0].is_some() && pair[1].is_none()), "a looser TPOT lost feasibility: {r:?}");
                    }
                }
                for &tp in &tpots {
                    let r: Vec<Option<u64>> = ttfts.iter().map(|&tt| replicas(tt, tp)).collect();
                    for pair in r.windows(2) {
                        if let (Some(a), Some(b)) = (pair[0], pair[1]) {
                            assert!(b <= a, "{gpu_id} {load:?} tpot {tp}: replicas over TTFT {r:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 50, "too few feasible pairs compared: {checked}");
    }

    /// The sizing against a published latency–throughput curve (`data/engines/latency-curves.csv`:
    /// NVIDIA NIM's Llama-3.3-70B fp8 TP2 on 2× H100, 5000 → 500 tokens, closed loop at each
    /// concurrency): at every unsaturated point, the time per output token and the deployment's
    /// output tokens/s within 30 %.
    #[test]
    fn published_latency_throughput_curve_within_thirty_percent() {
        extern crate std;
        let cat = crate::catalog::load().unwrap();
        let t = crate::test_csv::read_csv(include_str!("../../../data/engines/latency-curves.csv"));
        let head = &t[0];
        let col = |r: &Vec<String>, n: &str| r[head.iter().position(|h| h == n).unwrap()].clone();
        let mut failures = Vec::new();
        let mut checked = 0;
        for r in t[1..].iter().filter(|r| r.len() > 1) {
            let model = Model::new(cat.model(&col(r, "model")).unwrap().arch().unwrap());
            let gpu = cat.gpu(&col(r, "card")).unwrap();
            let tp: u64 = col(r, "tp").parse().unwrap();
            let b: u64 = col(r, "concurrency").parse().unwrap();
            let w = Workload {
                engine: Engine::Vllm,
                weights: crate::WeightFormat::parse(&col(r, "weights"), false).unwrap(),
                prompt: col(r, "input_tokens").parse().unwrap(),
                new_tokens: col(r, "output_tokens").parse().unwrap(),
                gpus: tp,
                tensor_parallel: tp,
                gpu_memory_bytes: gpu.memory_bytes,
                ..Workload::default()
            };
            let target = Target { ttft_s: 1e9, tpot_s: 1e9, load: Load::Users(b), prompt_cache_share: 0.0 };
            let eff = Efficiency::default_for(Engine::Vllm);
            let p = Replica::new(&model, &w, gpu, tp, &eff).point(&target, b).unwrap();
            let (itl, tps, ttft): (f64, f64, f64) = (col(r, "itl_ms").parse().unwrap(), col(r, "tokens_per_s").parse().unwrap(), col(r, "ttft_ms").parse().unwrap());
            let ours_tps = p.requests_per_s * w.new_tokens as f64;
            std::println!("c={b}: TPOT {:.1} ms (published ITL {itl}), {ours_tps:.0} tok/s (published {tps}), TTFT {:.0} ms (published {ttft})", p.tpot_s * 1e3, p.ttft_s * 1e3);
            if col(r, "note").contains("excluded") {
                continue;
            }
            checked += 1;
            for (what, ours, theirs) in [("TPOT", p.tpot_s * 1e3, itl), ("tokens/s", ours_tps, tps)] {
                if (ours / theirs - 1.0).abs() > 0.30 {
                    failures.push(std::format!("c={b} {what}: ours {ours:.1} vs {theirs}"));
                }
            }
        }
        assert!(checked >= 4);
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn the_curve_trades_per_user_speed_for_throughput() {
        let cat = crate::catalog::load().unwrap();
        let model = Model::new(cat.model("llama-3.1-8b").unwrap().arch().unwrap());
        let w = Workload { engine: Engine::Vllm, prompt: 1000, new_tokens: 200, ..Workload::default() };
        let t = Target { ttft_s: 1e9, tpot_s: 1e9, load: Load::Users(1), prompt_cache_share: 0.0 };
        let pts = curve(&model, &w, cat.gpu("nvidia-h100-sxm5-80gb").unwrap(), 1, &Efficiency::default_for(Engine::Vllm), &t, &[1, 4, 16, 64, 256]);
        assert_eq!(pts.len(), 5);
        for p in pts.windows(2) {
            assert!(p[1].tokens_per_s_per_user < p[0].tokens_per_s_per_user, "{p:?}");
        }
        // Throughput rises with the batch until the prompts take the replica's compute
        // (ρ → 1), then levels off: the last point within 10 % of the best.
        for p in pts[..4].windows(2) {
            assert!(p[1].tokens_per_s_per_gpu > p[0].tokens_per_s_per_gpu, "{p:?}");
        }
        let best = pts.iter().map(|p| p.tokens_per_s_per_gpu).fold(0.0, f64::max);
        assert!(pts[4].tokens_per_s_per_gpu > 0.9 * best, "{pts:?}");
        // A batch the pool cannot hold is left out.
        let small = curve(&model, &w, cat.gpu("nvidia-l4").unwrap(), 1, &Efficiency::default_for(Engine::Vllm), &t, &[1, 1024]);
        assert_eq!(small.iter().map(|p| p.batch).collect::<Vec<_>>(), [1]);
    }
}
