//! The card the scenario names: one of the catalog's, or the user's own, as the fit verdict,
//! speed and cost take it.

use gpuplan_core::catalog::{Gpu, Interconnect, PrecisionMap, PrecisionSupport, Price, Tflops};

use crate::catalog::{CardSpec, Data};
use crate::inputs::{CustomGpuValues, Field, FieldError, Msg, Scenario, CUSTOM_GPU};

/// The chosen card.
#[derive(Clone, Debug, PartialEq)]
pub struct ChosenCard {
    /// Index into the catalog; `None` = the custom card.
    pub idx: Option<usize>,
    pub spec: CardSpec,
    /// The card as speed and cost take it.
    pub gpu: Gpu,
}

/// The scenario's workload on its chosen card: the card's memory and what the engines read of
/// it beyond memory (`memory::apply_card`: vLLM's A100 rule, SGLang on NVLink), as the CLI's
/// `--gpu` sets them.
pub fn workload_on(s: &Scenario, card: &ChosenCard) -> Result<gpuplan_core::memory::Workload, Vec<FieldError>> {
    let mut w = s.workload(card.spec.memory_bytes)?;
    gpuplan_core::memory::apply_card(&mut w, &card.gpu);
    Ok(w)
}

/// The card the scenario names: a catalog card or the user's own.
pub fn chosen_card(data: &Data, s: &Scenario) -> Result<ChosenCard, FieldError> {
    if s.gpu == CUSTOM_GPU {
        let v = s.custom_gpu.parse()?;
        let gpu = custom_gpu(&v);
        return Ok(ChosenCard {
            idx: None,
            gpu,
            spec: CardSpec {
                id: CUSTOM_GPU.into(),
                name: v.name,
                vendor: String::new(),
                memory_bytes: v.memory_bytes,
                purchase_usd: Some(v.price_usd),
                rent_usd_per_hour: Some(v.rent_usd_h),
            },
        });
    }
    let i = data.card(&s.gpu).ok_or(FieldError { field: Field::Gpu, msg: Msg::UnknownGpu })?;
    Ok(ChosenCard { idx: Some(i), spec: data.specs[i].clone(), gpu: data.catalog.gpus[i].clone() })
}

/// The user's own card as a catalog entry (speed and cost take one). Formats other than
/// 16/32-bit and int8 are assumed emulated: they save memory, the math runs at the bf16 peak.
pub fn custom_gpu(v: &CustomGpuValues) -> Gpu {
    use PrecisionSupport::{Emulated, Native};
    Gpu {
        id: CUSTOM_GPU.into(),
        vendor: String::new(),
        name: v.name.clone(),
        architecture: String::new(),
        launch_year: 0,
        memory_bytes: v.memory_bytes,
        memory_label_gb: v.memory_label_gb.round().min(u32::MAX as f64) as u32,
        memory_basis: gpuplan_core::catalog::MemoryBasis::Binary,
        memory_source: "entered on the page: the label's GB × 2^30 bytes".into(),
        memory_type: String::new(),
        bandwidth_gbps: v.bandwidth_gbps,
        tflops: Tflops { fp32: None, tf32: None, bf16: Some(v.tflops), fp16: Some(v.tflops), fp16_fp16acc: None, fp8: None, int8: None, fp4: None },
        precision: PrecisionMap { fp32: Native, bf16: Native, fp16: Native, fp8: Emulated, int8: Emulated, int4: Emulated, nvfp4: Emulated, mxfp4: Emulated },
        precision_note: String::new(),
        tdp_w: v.watts,
        form_factor: String::new(),
        interconnect: Interconnect { kind: "pcie".into(), gbps_per_gpu: 0.0, direction: String::new(), note: String::new() },
        price: Price {
            purchase_usd: Some(v.price_usd),
            purchase_note: String::new(),
            purchase_basis: String::new(),
            cloud_usd_per_hour: Some(v.rent_usd_h),
            cloud_note: String::new(),
            cloud_basis: String::new(),
            as_of: String::new(),
        },
        export_status: String::new(),
        source_ids: Vec::new(),
        source: String::new(),
        verified: "user".into(),
        verified_detail: String::new(),
        as_of: String::new(),
        notes: String::new(),
        csv: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::CustomGpu;

    #[test]
    fn custom_card_has_speed_and_cost() {
        let v = CustomGpu::default().parse().unwrap();
        let g = custom_gpu(&v);
        assert_eq!(g.support("bf16"), PrecisionSupport::Native);
        assert_eq!(g.peak_tflops("bf16"), Some(165.0));
    }
}
