//! How sure an estimate is: the error of the estimator on the measured H100 runs of the same
//! kind (mode × engine × weight family), or "not measured" where no run of that kind exists.
//!
//! The runs are `data/calibration/h100-cases.jsonl` (real H100 80GB HBM3 memory, the process's
//! `total − free` at its peak; `data/calibration/README.md` says how they were taken). The file
//! read here, `data/calibration/accuracy.json`, holds each run's measured bytes beside the
//! estimate `gpuplan estimate … --json` gives for it; the calibration test
//! (`crates/gpuplan-cli/tests/calibration.rs`) recomputes every estimate through the real binary
//! and fails when the file and the estimator disagree (`GPUPLAN_BLESS=1` rewrites it), so the
//! figures shown are always those of the estimator that shows them. The median and the worst
//! error are computed here from the runs, never stored.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::formats::WeightFormat;
use crate::json::{self, Value};
use crate::memory::{Engine, Mode, Workload};

/// The runs and their estimates, as the calibration test writes them.
pub const ACCURACY_JSON: &str = include_str!("../../../data/calibration/accuracy.json");

/// The card the runs were measured on, and its capacity as the driver reports it.
pub const MEASURED_ON: &str = "H100 80GB HBM3";

/// Weight formats that allocate alike: the kinds the runs are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightFamily {
    /// bf16 / fp16 tensors.
    Half,
    Fp32,
    /// bitsandbytes LLM.int8.
    BnbInt8,
    /// bitsandbytes NF4 / FP4 (4-bit, quantized on load).
    Bnb4bit,
    Fp8,
    /// GPTQ / AWQ int4 checkpoints.
    Int4Checkpoint,
    /// MXFP4 / NVFP4.
    Fp4,
    /// llama.cpp's GGUF types.
    Gguf,
}

impl WeightFamily {
    pub fn of(w: WeightFormat) -> WeightFamily {
        match w {
            WeightFormat::Bf16 | WeightFormat::Fp16 => WeightFamily::Half,
            WeightFormat::Fp32 => WeightFamily::Fp32,
            WeightFormat::Int8 => WeightFamily::BnbInt8,
            WeightFormat::Nf4 { .. } => WeightFamily::Bnb4bit,
            WeightFormat::Fp8 => WeightFamily::Fp8,
            WeightFormat::Gptq { .. } | WeightFormat::Awq { .. } => WeightFamily::Int4Checkpoint,
            WeightFormat::Mxfp4 | WeightFormat::Nvfp4 => WeightFamily::Fp4,
            WeightFormat::Gguf(_) => WeightFamily::Gguf,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            WeightFamily::Half => "16-bit",
            WeightFamily::Fp32 => "fp32",
            WeightFamily::BnbInt8 => "bitsandbytes int8",
            WeightFamily::Bnb4bit => "bitsandbytes 4-bit",
            WeightFamily::Fp8 => "fp8",
            WeightFamily::Int4Checkpoint => "GPTQ/AWQ int4",
            WeightFamily::Fp4 => "fp4",
            WeightFamily::Gguf => "GGUF",
        }
    }
}

/// What a run measured: mode × engine × weight family. Pre-training allocates as full training
/// does (the same states and activations per step), so it is grouped with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub mode: Mode,
    pub engine: Engine,
    pub family: WeightFamily,
}

impl Kind {
    pub fn of(w: &Workload) -> Kind {
        let mode = if w.mode == Mode::Pretrain { Mode::Full } else { w.mode };
        Kind { mode, engine: w.engine, family: WeightFamily::of(w.weights) }
    }
    /// "inference · hf · 16-bit".
    pub fn label(self) -> String {
        format!("{} · {} · {}", self.mode.name(), self.engine.name(), self.family.name())
    }
}

/// One measured run and the estimate for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub id: String,
    pub kind: Kind,
    /// What the GPU showed (0 for a run that ran out of memory).
    pub measured_bytes: u64,
    pub estimated_bytes: u64,
    /// Of the estimate, the allocator's cache that PyTorch frees before it raises
    /// out-of-memory (`Estimate::allocator_slack`).
    pub slack_bytes: u64,
    /// The run did not fit in the card.
    pub oom: bool,
    /// The card's capacity as the driver reports it.
    pub capacity_bytes: u64,
}

impl Run {
    /// Signed error of the estimate in percent (estimate ÷ measured − 1); None for an OOM run.
    pub fn error_pct(&self) -> Option<f64> {
        (!self.oom && self.measured_bytes > 0).then(|| (self.estimated_bytes as f64 / self.measured_bytes as f64 - 1.0) * 100.0)
    }
    /// An OOM run is recognised when its estimate exceeds the card even without the
    /// allocator's slack (the verdict "does not fit", not "fits, tight").
    pub fn oom_recognised(&self) -> bool {
        self.oom && self.estimated_bytes.saturating_sub(self.slack_bytes) > self.capacity_bytes
    }
}

/// How sure an estimate is.
#[derive(Clone, Debug, PartialEq)]
pub struct Accuracy {
    /// One sentence: what the figures rest on, or why there are none.
    pub basis: String,
    /// Measured runs of this kind that fitted (their errors give the figures).
    pub runs: u32,
    /// Median |error| in percent over those runs; None when `runs` is 0.
    pub median_pct: Option<f64>,
    /// Largest |error| in percent; None when `runs` is 0.
    pub worst_pct: Option<f64>,
    /// Runs of this kind that ran out of memory, and how many of them the estimator called so.
    pub oom_runs: u32,
    pub oom_recognised: u32,
}

impl Accuracy {
    /// `{"basis", "runs", "median_pct", "worst_pct", "oom_runs", "oom_recognised"}`; the
    /// percentages are null when nothing was measured.
    pub fn to_json(&self) -> Value {
        let round = |x: Option<f64>| x.map(|v| libm::round(v * 100.0) / 100.0);
        json::object([
            ("basis", self.basis.as_str().into()),
            ("runs", self.runs.into()),
            ("median_pct", round(self.median_pct).into()),
            ("worst_pct", round(self.worst_pct).into()),
            ("oom_runs", self.oom_runs.into()),
            ("oom_recognised", self.oom_recognised.into()),
        ])
    }
}

/// Reads the runs of [`ACCURACY_JSON`].
pub fn runs() -> Result<Vec<Run>, String> {
    parse_runs(ACCURACY_JSON)
}

/// Reads runs from a text in the form of `data/calibration/accuracy.json`.
pub fn parse_runs(text: &str) -> Result<Vec<Run>, String> {
    let v = json::parse(text).map_err(|e| format!("accuracy.json: {e}"))?;
    let capacity = v.get("capacity_bytes").and_then(Value::as_u64).ok_or("accuracy.json: capacity_bytes missing")?;
    let list = v.get("runs").and_then(Value::as_array).ok_or("accuracy.json: runs missing")?;
    list.iter().enumerate().map(|(i, r)| read_run(r, capacity).ok_or_else(|| format!("accuracy.json: runs[{i}] is incomplete"))).collect()
}

fn read_run(r: &Value, capacity_bytes: u64) -> Option<Run> {
    let text = |k: &str| r.get(k).and_then(Value::as_str);
    let mode = Mode::parse(text("mode")?).ok()?;
    let engine = Engine::parse(text("engine")?).ok()?;
    let weights = WeightFormat::parse(text("weights")?, false).ok()?;
    let w = Workload { mode, engine, weights, ..Workload::default() };
    Some(Run {
        id: text("id")?.into(),
        kind: Kind::of(&w),
        measured_bytes: r.get("measured_bytes").and_then(Value::as_u64)?,
        estimated_bytes: r.get("estimated_bytes").and_then(Value::as_u64)?,
        slack_bytes: r.get("slack_bytes").and_then(Value::as_u64)?,
        oom: r.get("oom").and_then(Value::as_bool)?,
        capacity_bytes,
    })
}

/// Median of sorted values (the mean of the two middle ones for an even count).
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Median and worst |error| (percent) of the runs that fitted.
pub fn summary(runs: &[&Run]) -> (u32, Option<f64>, Option<f64>) {
    let mut errors: Vec<f64> = runs.iter().filter_map(|r| r.error_pct()).map(libm::fabs).collect();
    errors.sort_by(f64::total_cmp);
    (errors.len() as u32, median(&errors), errors.last().copied())
}

/// The accuracy of an estimate for `w`, from the measured runs of its kind.
pub fn of(w: &Workload) -> Accuracy {
    match runs() {
        Ok(all) => of_runs(w, &all),
        Err(e) => not_measured(format!("not measured: the calibration table could not be read ({e})")),
    }
}

/// [`of`] for the model being estimated: the calibration runs are all decoders run by
/// `generate()` or trained as such, so an embedding or reranker model (task embed/score: one
/// forward pass per request, encoder or decoder) and any encoder has no run of its kind, whatever
/// the workload's mode, engine and format.
pub fn of_model(w: &Workload, arch: &crate::model::Arch) -> Accuracy {
    let task = arch.ext.task;
    if task == crate::model::Task::Generate && arch.ext.encoder.is_none() {
        return of(w);
    }
    let what = match task {
        crate::model::Task::Score => "reranker",
        crate::model::Task::Embed => "embedding",
        crate::model::Task::Generate => "encoder",
    };
    not_measured(format!(
        "not measured: the calibration runs are decoder models generating text; no run of an {what} model (task {}, {})",
        task.name(),
        Kind::of(w).label()
    ))
}

fn not_measured(basis: String) -> Accuracy {
    Accuracy { basis, runs: 0, median_pct: None, worst_pct: None, oom_runs: 0, oom_recognised: 0 }
}

/// The figures of one kind's runs: what [`from_summary`] states an accuracy from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KindSummary {
    /// Runs that fitted (their errors give the figures).
    pub runs: u32,
    pub median_pct: f64,
    pub worst_pct: f64,
    pub oom_runs: u32,
    pub oom_recognised: u32,
}

/// The figures of the runs of `kind` among `all`.
pub fn summarize_kind(kind: Kind, all: &[Run]) -> KindSummary {
    let same: Vec<&Run> = all.iter().filter(|r| r.kind == kind).collect();
    let (runs, median, worst) = summary(&same);
    KindSummary {
        runs,
        median_pct: median.unwrap_or(0.0),
        worst_pct: worst.unwrap_or(0.0),
        oom_runs: same.iter().filter(|r| r.oom).count() as u32,
        oom_recognised: same.iter().filter(|r| r.oom_recognised()).count() as u32,
    }
}

/// [`of`] over a given set of runs.
pub fn of_runs(w: &Workload, all: &[Run]) -> Accuracy {
    from_summary(w, Some(summarize_kind(Kind::of(w), all)))
}

/// Whether an estimate for `w` is measured, given the summary of its kind's runs (`None`: no
/// run of that kind): the one place that decides it. Several GPUs never are (the runs are
/// single-GPU), nor a kind without a fitted run. The page calls it with the summaries `build.rs`
/// made with [`summarize_kind`].
pub fn measured(w: &Workload, s: Option<KindSummary>) -> Option<KindSummary> {
    if w.gpus > 1 {
        None
    } else {
        s.filter(|s| s.runs > 0)
    }
}

impl Accuracy {
    /// An accuracy with `basis` and the figures of `measured` (none: "not measured").
    pub fn from_measured(basis: String, measured: Option<KindSummary>) -> Accuracy {
        match measured {
            Some(s) => Accuracy { basis, runs: s.runs, median_pct: Some(s.median_pct), worst_pct: Some(s.worst_pct), oom_runs: s.oom_runs, oom_recognised: s.oom_recognised },
            None => not_measured(basis),
        }
    }
}

/// The accuracy of an estimate for `w` from the summary of its kind's runs, with its basis in
/// words.
pub fn from_summary(w: &Workload, s: Option<KindSummary>) -> Accuracy {
    let kind = Kind::of(w);
    let m = measured(w, s);
    let basis = match m {
        None if w.gpus > 1 => format!(
            "not measured: the calibration runs are on one GPU; the split over {} GPUs ({}) is computed, not measured",
            w.gpus,
            kind.label()
        ),
        None => format!("not measured: no calibration run of this kind ({})", kind.label()),
        Some(s) => {
            let mut b = format!("measured on {} {MEASURED_ON} runs of this kind ({}): median {:.1} %, worst {:.1} %", s.runs, kind.label(), s.median_pct, s.worst_pct);
            if s.oom_runs > 0 {
                b += &format!("; {} of {} runs that ran out of memory called so", s.oom_recognised, s.oom_runs);
            }
            b
        }
    };
    Accuracy::from_measured(basis, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, mode: Mode, weights: WeightFormat, measured: u64, estimated: u64, oom: bool) -> Run {
        let w = Workload { mode, weights, ..Workload::default() };
        Run { id: id.into(), kind: Kind::of(&w), measured_bytes: measured, estimated_bytes: estimated, slack_bytes: 0, oom, capacity_bytes: 100 }
    }

    #[test]
    fn the_committed_table_reads_and_covers_every_calibration_run() {
        let all = runs().unwrap();
        let cases = include_str!("../../../data/calibration/h100-cases.jsonl");
        assert_eq!(all.len(), cases.lines().filter(|l| !l.trim().is_empty()).count());
        assert!(all.iter().all(|r| r.oom || r.measured_bytes > 0));
    }

    #[test]
    fn median_worst_and_oom_of_one_kind() {
        let all = [
            run("a", Mode::Inference, WeightFormat::Bf16, 100, 102, false),
            run("b", Mode::Inference, WeightFormat::Fp16, 100, 95, false),
            run("c", Mode::Inference, WeightFormat::Bf16, 100, 101, false),
            run("d", Mode::Inference, WeightFormat::Bf16, 100, 90, false),
            run("e", Mode::Inference, WeightFormat::Bf16, 0, 150, true),
            run("f", Mode::Inference, WeightFormat::Fp32, 100, 200, false),
        ];
        let w = Workload::default();
        let a = of_runs(&w, &all);
        assert_eq!(a.runs, 4);
        // |errors| 1, 2, 5, 10 → median 3.5, worst 10; the fp32 run is another kind.
        assert!((a.median_pct.unwrap() - 3.5).abs() < 1e-9, "{a:?}");
        assert!((a.worst_pct.unwrap() - 10.0).abs() < 1e-9, "{a:?}");
        assert_eq!((a.oom_runs, a.oom_recognised), (1, 1));
        assert!(a.basis.starts_with("measured on 4 H100 80GB HBM3 runs of this kind (inference · hf · 16-bit): median 3.5 %, worst 10.0 %"), "{}", a.basis);
    }

    #[test]
    fn an_embedding_or_reranker_model_is_not_measured_even_where_its_kind_has_runs() {
        let cat = crate::catalog::parse(crate::catalog::CATALOG_JSON).unwrap();
        let arch = |id: &str| cat.model(id).unwrap().arch().unwrap();
        // The default workload (inference · hf · 16-bit) has measured runs for a decoder.
        let w = Workload::default();
        let decoder = of_model(&w, &arch("llama-3.1-8b"));
        assert_eq!(decoder, of(&w));
        assert!(decoder.runs > 0 && decoder.basis.starts_with("measured on"), "{}", decoder.basis);
        for (id, word) in [("bge-m3", "embedding"), ("bge-reranker-v2-m3", "reranker"), ("qwen3-embedding-0.6b", "embedding")] {
            let a = of_model(&w, &arch(id));
            assert_eq!((a.runs, a.median_pct, a.worst_pct), (0, None, None), "{id}");
            assert!(a.basis.starts_with("not measured") && a.basis.contains(word), "{id}: {}", a.basis);
        }
    }

    #[test]
    fn a_kind_without_runs_says_not_measured_with_no_figures() {
        let all = [run("a", Mode::Inference, WeightFormat::Bf16, 100, 102, false)];
        for w in [
            Workload { engine: Engine::Vllm, ..Workload::default() },
            Workload { weights: WeightFormat::Fp8, ..Workload::default() },
            Workload { gpus: 8, ..Workload::default() },
        ] {
            let a = of_runs(&w, &all);
            assert_eq!((a.runs, a.median_pct, a.worst_pct), (0, None, None), "{w:?}");
            assert!(a.basis.starts_with("not measured"), "{}", a.basis);
            let j = json::to_string(&a.to_json());
            assert!(j.contains("\"runs\":0") && j.contains("\"median_pct\":null"), "{j}");
        }
    }

    #[test]
    fn pretraining_is_grouped_with_full_training() {
        let all = [run("a", Mode::Full, WeightFormat::Bf16, 100, 103, false)];
        let a = of_runs(&Workload { mode: Mode::Pretrain, ..Workload::default() }, &all);
        assert_eq!(a.runs, 1);
    }
}
