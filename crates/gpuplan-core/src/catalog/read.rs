//! Reads a catalog from its JSON value, field by field.
//!
//! The same shape `serde::Deserialize` would read (missing `Option` fields are `None`, `notes`
//! and `assumptions` default to empty, unknown keys are ignored, `tdp_w: null` is 0), written
//! by hand for two reasons: errors name the path (`gpus[12].price.cloud_usd_per_hour: expected
//! a number or null`), and the web bundle does not carry serde's derived visitors for ten
//! structs over serde_json's reader (≈ 10 KB gzip): it already parses `config.json` files into
//! a `Value`, and this reads that kind of value. The test `reads_what_serde_would` checks the
//! two agree on `data/catalog.json`.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::json::{Map, Value};

use super::{Catalog, CatalogError, Fx, Gpu, Interconnect, MemoryBasis, ModelPreset, PrecisionMap, PrecisionSupport, Price, Profile, SizeTier, Tflops};

type R<T> = Result<T, CatalogError>;

/// One JSON object and where it sits in the file. Fields are taken out of it (moved, not
/// copied: the catalog is mostly text).
struct Obj {
    map: Map,
    path: String,
}

fn err(path: &str, what: &str) -> CatalogError {
    CatalogError::Json(format!("{path}: {what}"))
}

impl Obj {
    fn of(v: Value, path: String) -> R<Obj> {
        match v {
            Value::Object(map) => Ok(Obj { map, path }),
            _ => Err(err(&path, "expected an object")),
        }
    }
    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }
    fn take(&mut self, key: &str) -> R<Value> {
        match self.map.remove(key) {
            Some(v) => Ok(v),
            None => Err(err(if self.path.is_empty() { "catalog" } else { &self.path }, &format!("missing field `{key}`"))),
        }
    }
    fn str(&mut self, key: &str) -> R<String> {
        match self.take(key)? {
            Value::String(s) => Ok(s),
            _ => Err(err(&self.at(key), "expected a string")),
        }
    }
    /// A string that may be absent (empty then).
    fn str_or_empty(&mut self, key: &str) -> R<String> {
        if self.map.contains_key(key) {
            self.str(key)
        } else {
            Ok(String::new())
        }
    }
    fn f64(&mut self, key: &str) -> R<f64> {
        self.take(key)?.as_f64().ok_or_else(|| err(&self.at(key), "expected a number"))
    }
    /// A number, `null` or absent.
    fn opt_f64(&mut self, key: &str) -> R<Option<f64>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| err(&self.at(key), "expected a number or null")),
        }
    }
    fn uint(&mut self, key: &str, max: u64) -> R<u64> {
        match self.take(key)?.as_u64() {
            Some(n) if n <= max => Ok(n),
            _ => Err(err(&self.at(key), &format!("expected a whole number from 0 to {max}"))),
        }
    }
    fn obj(&mut self, key: &str) -> R<Obj> {
        let v = self.take(key)?;
        Obj::of(v, self.at(key))
    }
    fn list(&mut self, key: &str) -> R<Vec<Value>> {
        match self.take(key)? {
            Value::Array(a) => Ok(a),
            _ => Err(err(&self.at(key), "expected an array")),
        }
    }
    /// Each element of an array of objects, read by `f`.
    fn each<T>(&mut self, key: &str, f: fn(Obj) -> R<T>) -> R<Vec<T>> {
        let path = self.at(key);
        self.list(key)?.into_iter().enumerate().map(|(i, v)| f(Obj::of(v, format!("{path}[{i}]"))?)).collect()
    }
    fn strings(&mut self, key: &str) -> R<Vec<String>> {
        let path = self.at(key);
        self.list(key)?
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s),
                _ => Err(err(&format!("{path}[{i}]"), "expected a string")),
            })
            .collect()
    }
    fn string_map(&mut self, key: &str) -> R<BTreeMap<String, String>> {
        let o = self.obj(key)?;
        let path = o.path;
        o.map
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k, s)),
                _ => Err(err(&format!("{path}.{k}"), "expected a string")),
            })
            .collect()
    }
    fn support(&mut self, key: &str) -> R<PrecisionSupport> {
        match self.take(key)?.as_str() {
            Some("native") => Ok(PrecisionSupport::Native),
            Some("emulated") => Ok(PrecisionSupport::Emulated),
            Some("unsupported") => Ok(PrecisionSupport::Unsupported),
            _ => Err(err(&self.at(key), "expected \"native\", \"emulated\" or \"unsupported\"")),
        }
    }
}

impl Catalog {
    /// The catalog in `v` (the parsed `data/catalog.json`).
    pub(crate) fn from_value(v: Value) -> R<Catalog> {
        catalog(v)
    }
}

/// The catalog in `v`, field by field.
fn catalog(v: Value) -> R<Catalog> {
    let mut o = Obj::of(v, String::new())?;
    Ok(Catalog {
        schema: o.uint("schema", u32::MAX as u64)? as u32,
        as_of: o.str("as_of")?,
        sources: o.string_map("sources")?,
        gpus: o.each("gpus", gpu)?,
        models: o.each("models", model)?,
        profiles: o.each("profiles", profile)?,
        size_tiers: o.each("size_tiers", size_tier)?,
        fx: fx(o.obj("fx")?)?,
    })
}

fn fx(mut o: Obj) -> R<Fx> {
    Ok(Fx { cny_per_usd: o.f64("usd_cny")?, source: o.str("source")?, as_of: o.str("as_of")? })
}

fn gpu(mut o: Obj) -> R<Gpu> {
    let mut t = o.obj("tflops")?;
    let mut p = o.obj("precision")?;
    let mut i = o.obj("interconnect")?;
    let mut pr = o.obj("price")?;
    Ok(Gpu {
        id: o.str("id")?,
        vendor: o.str("vendor")?,
        name: o.str("name")?,
        architecture: o.str("architecture")?,
        launch_year: o.uint("launch_year", u16::MAX as u64)? as u16,
        memory_bytes: o.uint("memory_bytes", u64::MAX)?,
        memory_label_gb: o.uint("memory_label_gb", u32::MAX as u64)? as u32,
        memory_basis: match o.take("memory_basis")?.as_str() {
            Some("driver") => MemoryBasis::Driver,
            Some("cuda") => MemoryBasis::Cuda,
            Some("binary") => MemoryBasis::Binary,
            _ => return Err(err(&o.at("memory_basis"), "expected \"driver\", \"cuda\" or \"binary\"")),
        },
        memory_source: o.str("memory_source")?,
        memory_type: o.str("memory_type")?,
        bandwidth_gbps: o.f64("bandwidth_gbps")?,
        tflops: Tflops {
            fp32: t.opt_f64("fp32")?,
            tf32: t.opt_f64("tf32")?,
            bf16: t.opt_f64("bf16")?,
            fp16: t.opt_f64("fp16")?,
            fp16_fp16acc: t.opt_f64("fp16_fp16acc")?,
            fp8: t.opt_f64("fp8")?,
            int8: t.opt_f64("int8")?,
            fp4: t.opt_f64("fp4")?,
        },
        precision: PrecisionMap {
            fp32: p.support("fp32")?,
            bf16: p.support("bf16")?,
            fp16: p.support("fp16")?,
            fp8: p.support("fp8")?,
            int8: p.support("int8")?,
            int4: p.support("int4")?,
            nvfp4: p.support("nvfp4")?,
            mxfp4: p.support("mxfp4")?,
        },
        precision_note: o.str("precision_note")?,
        // Board power: a number, or null where none is published (0 then).
        tdp_w: match o.take("tdp_w")? {
            Value::Null => 0.0,
            v => v.as_f64().ok_or_else(|| err(&o.at("tdp_w"), "expected a number or null"))?,
        },
        form_factor: o.str("form_factor")?,
        interconnect: Interconnect { kind: i.str("kind")?, gbps_per_gpu: i.f64("gbps_per_gpu")?, direction: i.str("direction")?, note: i.str("note")? },
        price: Price {
            purchase_usd: pr.opt_f64("purchase_usd")?,
            purchase_note: pr.str("purchase_note")?,
            purchase_basis: pr.str("purchase_basis")?,
            cloud_usd_per_hour: pr.opt_f64("cloud_usd_per_hour")?,
            cloud_note: pr.str("cloud_note")?,
            cloud_basis: pr.str("cloud_basis")?,
            as_of: pr.str("as_of")?,
        },
        export_status: o.str("export_status")?,
        source_ids: o.strings("source_ids")?,
        source: o.str("source")?,
        verified: o.str("verified")?,
        verified_detail: o.str("verified_detail")?,
        as_of: o.str("as_of")?,
        notes: o.str("notes")?,
        csv: o.string_map("csv")?,
    })
}

fn model(mut o: Obj) -> R<ModelPreset> {
    Ok(ModelPreset {
        id: o.str("id")?,
        name: o.str("name")?,
        hf_repo: o.str("hf_repo")?,
        params_published: o.str("params_published")?,
        source: o.str("source")?,
        as_of: o.str("as_of")?,
        verified: o.str("verified")?,
        notes: o.str_or_empty("notes")?,
        config: o.take("config")?,
    })
}

fn profile(mut o: Obj) -> R<Profile> {
    Ok(Profile {
        id: o.str("id")?,
        name_en: o.str("name_en")?,
        name_zh_hans: o.str("name_zh_hans")?,
        name_zh_hant: o.str("name_zh_hant")?,
        description_en: o.str("description_en")?,
        description_zh_hans: o.str("description_zh_hans")?,
        mode: o.str("mode")?,
        model: o.str("model")?,
        weights: o.str("weights")?,
        batch: o.uint("batch", u32::MAX as u64)? as u32,
        seq: o.uint("seq", u32::MAX as u64)? as u32,
        gpu: o.str("gpu")?,
        gpu_count: o.uint("gpu_count", u32::MAX as u64)? as u32,
        gpus_hint: o.str("gpus_hint")?,
        budget_usd: o.opt_f64("budget_usd")?,
        target_tokens_per_s: o.opt_f64("target_tokens_per_s")?,
        source: o.str("source")?,
        assumptions: o.str_or_empty("assumptions")?,
    })
}

fn size_tier(mut o: Obj) -> R<SizeTier> {
    Ok(SizeTier {
        tier: o.str("tier")?,
        tier_zh: o.str("tier_zh")?,
        params: o.f64("params")?,
        training: o.str("training")?,
        training_zh: o.str("training_zh")?,
        fine_tuning: o.str("fine_tuning")?,
        fine_tuning_zh: o.str("fine_tuning_zh")?,
        inference: o.str("inference")?,
        inference_zh: o.str("inference_zh")?,
        production: o.str("production")?,
        production_zh: o.str("production_zh")?,
        source: o.str("source")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_would() {
        let by_serde: Catalog = serde_json::from_str(super::super::CATALOG_JSON).unwrap();
        let ours = super::super::parse(super::super::CATALOG_JSON).unwrap();
        assert_eq!(ours, by_serde);
    }

    #[test]
    fn errors_name_the_path() {
        let mut v: Value = crate::json::parse(super::super::CATALOG_JSON).unwrap();
        v["gpus"][3]["price"]["cloud_usd_per_hour"] = Value::from("cheap");
        let e = catalog(v.clone()).unwrap_err().to_string();
        assert!(e.contains("gpus[3].price.cloud_usd_per_hour: expected a number or null"), "{e}");
        v["gpus"][3]["price"]["cloud_usd_per_hour"] = Value::Null;
        v["gpus"][5].as_object_mut().unwrap().remove("bandwidth_gbps");
        let e = catalog(v.clone()).unwrap_err().to_string();
        assert!(e.contains("gpus[5]: missing field `bandwidth_gbps`"), "{e}");
        v["gpus"][5]["bandwidth_gbps"] = Value::from(100.0);
        v["gpus"][0]["precision"]["fp8"] = Value::from("sometimes");
        let e = catalog(v.clone()).unwrap_err().to_string();
        assert!(e.contains("gpus[0].precision.fp8"), "{e}");
        v["gpus"][0]["precision"]["fp8"] = Value::from("native");
        v["gpus"][0]["launch_year"] = Value::from(70000);
        assert!(catalog(v.clone()).unwrap_err().to_string().contains("gpus[0].launch_year: expected a whole number from 0 to 65535"));
        v["gpus"][0]["launch_year"] = Value::from(2024);
        v["schema"] = Value::from(-1);
        assert!(catalog(v.clone()).unwrap_err().to_string().contains("schema"));
        v["schema"] = Value::from(1);
        assert!(catalog(v.clone()).is_ok());
        assert!(catalog(Value::from(3)).is_err());
    }
}
