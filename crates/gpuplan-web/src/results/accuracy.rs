//! How sure an estimate is, for the verdict's band: the measured runs of its kind, summarised
//! at build time by the core's own functions (`build.rs`, `gpuplan_core::accuracy::summary`), so
//! the page does not carry the table of runs. The JSON export (in the worker) asks the core's
//! `accuracy::of` itself.

use gpuplan_core::accuracy::{self, Accuracy, Kind, KindSummary};
use gpuplan_core::memory::Workload;

include!(concat!(env!("OUT_DIR"), "/accuracy_kinds.rs"));

/// [`gpuplan_core::accuracy::of`] for the page: the core's own decision
/// (`accuracy::measured`) on the summaries made at build time; the basis is the kind's label
/// ("inference · hf · 16-bit"), which the band writes in the reader's language.
pub fn accuracy_of(w: &Workload) -> Accuracy {
    let label = Kind::of(w).label();
    let summary = KINDS.iter().find(|k| k.0 == label).map(|k| k.1);
    Accuracy::from_measured(label, accuracy::measured(w, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuplan_core::accuracy;
    use gpuplan_core::formats::WeightFormat;
    use gpuplan_core::memory::{Engine, Mode};

    #[test]
    fn the_page_states_what_the_core_states_for_every_kind() {
        let formats = ["bf16", "fp32", "int8", "nf4", "fp8", "gptq", "mxfp4", "q4_k_m"];
        let mut measured = 0;
        for mode in [Mode::Inference, Mode::Lora, Mode::Qlora, Mode::Full, Mode::Pretrain] {
            for engine in [Engine::Hf, Engine::Vllm, Engine::LlamaCpp] {
                for f in formats {
                    for gpus in [1, 2] {
                        let w = Workload { mode, engine, weights: WeightFormat::parse(f, false).unwrap(), gpus, ..Workload::default() };
                        let (page, core) = (accuracy_of(&w), accuracy::of(&w));
                        let figures = |a: &Accuracy| (a.runs, a.median_pct, a.worst_pct, a.oom_runs, a.oom_recognised);
                        assert_eq!(figures(&page), figures(&core), "{w:?}: {}", core.basis);
                        if core.runs > 0 {
                            measured += 1;
                            assert!(core.basis.contains(&page.basis), "{} in {}", page.basis, core.basis);
                        }
                    }
                }
            }
        }
        assert!(measured >= 3, "{measured} measured kinds");
    }
}
