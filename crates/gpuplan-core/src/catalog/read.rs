//! Reads a catalog from its JSON value, field by field.
//!
//! Missing `Option` fields are `None`, `notes` and `assumptions` default to empty, unknown
//! keys are ignored, `tdp_w: null` is 0. Written by hand for two reasons: errors name the path
//! (`gpus[12].price.cloud_usd_per_hour: expected a number or null`), and the web bundle does
//! not carry serde's derived visitors for ten structs over serde_json's reader (≈ 10 KB gzip):
//! it already parses `config.json` files into a `Value`, and this reads that kind of value.
//! The test `reads_every_field_with_the_files_defaults` pins each field and default.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::json::{Map, Value};

use super::{Catalog, CatalogError, Fx, Gpu, Host, Interconnect, MemoryBasis, ModelPreset, PrecisionMap, PrecisionSupport, Price, Profile, SizeTier, Tflops};

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
        // Inserted one by one (a later duplicate wins, as `collect` does): collecting into a
        // `BTreeMap` sorts with `slice::sort`, a copy of the std sort in the web bundle (see
        // `crate::sort`).
        let mut out = BTreeMap::new();
        for (k, v) in o.map {
            match v {
                Value::String(s) => out.insert(k, s),
                _ => return Err(err(&format!("{path}.{k}"), "expected a string")),
            };
        }
        Ok(out)
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
        // Absent in catalogs written before the section existed: no presets then.
        hosts: if o.map.contains_key("hosts") { o.each("hosts", host)? } else { Vec::new() },
        fx: fx(o.obj("fx")?)?,
    })
}

fn host(mut o: Obj) -> R<Host> {
    let achieved = match o.map.remove("achieved_bytes_per_s") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| err(&o.at("achieved_bytes_per_s"), "expected a whole number of bytes/s or null"))?),
    };
    let path = o.at("capacity_gb");
    let capacity_gb = o
        .list("capacity_gb")?
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.as_u64().filter(|&n| n <= u32::MAX as u64).map(|n| n as u32).ok_or_else(|| err(&format!("{path}[{i}]"), "expected a whole number of GB")))
        .collect::<R<Vec<u32>>>()?;
    Ok(Host {
        id: o.str("id")?,
        label: o.str("label")?,
        kind: o.str("kind")?,
        channels: o.uint("channels", u32::MAX as u64)? as u32,
        mt_per_s: o.uint("mt_per_s", u32::MAX as u64)? as u32,
        bandwidth_bytes_per_s: o.uint("bandwidth_bytes_per_s", u64::MAX)?,
        achieved_bytes_per_s: achieved,
        achieved_note: o.str_or_empty("achieved_note")?,
        capacity_gb,
        source_ids: o.strings("source_ids")?,
        as_of: o.str("as_of")?,
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
        task: o.str_or_empty("task")?,
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
    use alloc::vec;

    /// A small catalog in which every field has its own value (so a field read into another
    /// shows), with the file's defaults: `tdp_w: null` is 0, absent `notes` / `assumptions` are
    /// empty, an absent or `null` optional number is `None`, unknown keys are ignored.
    const SMALL: &str = r#"{"schema": 1, "as_of": "2026-11-22", "unknown": [1, 2],
      "sources": {"S1": "first source", "S2": "second source"},
      "gpus": [{"id": "g", "vendor": "V", "name": "G 1", "architecture": "arch", "launch_year": 2024,
        "memory_bytes": 85520809984, "memory_label_gb": 80, "memory_basis": "driver", "memory_source": "smi",
        "memory_type": "HBM3", "bandwidth_gbps": 3350.5,
        "tflops": {"fp32": 1.5, "tf32": 2.5, "bf16": 3.5, "fp16": 4.5, "fp16_fp16acc": null, "fp8": 6.5, "int8": 7.5},
        "precision": {"fp32": "native", "bf16": "emulated", "fp16": "unsupported", "fp8": "native", "int8": "emulated",
          "int4": "unsupported", "nvfp4": "emulated", "mxfp4": "native"},
        "precision_note": "pn", "tdp_w": null, "form_factor": "SXM",
        "interconnect": {"kind": "nvlink", "gbps_per_gpu": 900.0, "direction": "bidirectional_total", "note": "in"},
        "price": {"purchase_usd": 30000, "purchase_note": "p note", "purchase_basis": "p basis", "cloud_usd_per_hour": null,
          "cloud_note": "c note", "cloud_basis": "c basis", "as_of": "2026-06"},
        "export_status": "ok", "source_ids": ["S1", "S2"], "source": "S1: first", "verified": "partial",
        "verified_detail": "vd", "as_of": "2026-08", "notes": "gn", "csv": {"id": "g", "tdp": ""}, "extra": true}],
      "models": [{"id": "m", "name": "M", "hf_repo": "o/m", "params_published": "1B", "source": "src", "as_of": "2026-11",
        "verified": "verbatim", "config": {"model_type": "llama", "hidden_size": 64}}],
      "profiles": [{"id": "p", "name_en": "P", "name_zh_hans": "简", "name_zh_hant": "繁", "description_en": "d",
        "description_zh_hans": "描述", "mode": "lora", "model": "m", "weights": "bf16", "batch": 4, "seq": 1024,
        "gpu": "g", "gpu_count": 2, "gpus_hint": "h", "target_tokens_per_s": 50.5, "source": "s"}],
      "size_tiers": [{"tier": "7B", "tier_zh": "7B參數", "params": 7e9, "training": "t", "training_zh": "t zh",
        "fine_tuning": "f", "fine_tuning_zh": "f zh", "inference": "i", "inference_zh": "i zh", "production": "p",
        "production_zh": "p zh", "source": "s"}],
      "hosts": [{"id": "h", "label": "H", "kind": "ddr", "channels": 2, "mt_per_s": 6400, "bandwidth_bytes_per_s": 102400000000,
        "achieved_bytes_per_s": 90000000000, "achieved_note": "an", "capacity_gb": [32, 64], "source_ids": ["S1"], "as_of": "2026-12"},
        {"id": "u", "label": "U", "kind": "unified", "channels": 0, "mt_per_s": 0, "bandwidth_bytes_per_s": 546000000000,
        "achieved_bytes_per_s": null, "capacity_gb": [48], "source_ids": ["S2"], "as_of": "2026-12-02"}],
      "fx": {"usd_cny": 7.1, "source": "fx source", "as_of": "2026-11"}}"#;

    #[test]
    fn reads_every_field_with_the_files_defaults() {
        use PrecisionSupport::{Emulated, Native, Unsupported};
        let s = |x: &str| String::from(x);
        let want = Catalog {
            schema: 1,
            as_of: s("2026-11-22"),
            sources: [(s("S1"), s("first source")), (s("S2"), s("second source"))].into_iter().collect(),
            gpus: vec![Gpu {
                id: s("g"),
                vendor: s("V"),
                name: s("G 1"),
                architecture: s("arch"),
                launch_year: 2024,
                memory_bytes: 85_520_809_984,
                memory_label_gb: 80,
                memory_basis: MemoryBasis::Driver,
                memory_source: s("smi"),
                memory_type: s("HBM3"),
                bandwidth_gbps: 3350.5,
                tflops: Tflops { fp32: Some(1.5), tf32: Some(2.5), bf16: Some(3.5), fp16: Some(4.5), fp16_fp16acc: None, fp8: Some(6.5), int8: Some(7.5), fp4: None },
                precision: PrecisionMap { fp32: Native, bf16: Emulated, fp16: Unsupported, fp8: Native, int8: Emulated, int4: Unsupported, nvfp4: Emulated, mxfp4: Native },
                precision_note: s("pn"),
                tdp_w: 0.0,
                form_factor: s("SXM"),
                interconnect: Interconnect { kind: s("nvlink"), gbps_per_gpu: 900.0, direction: s("bidirectional_total"), note: s("in") },
                price: Price {
                    purchase_usd: Some(30000.0),
                    purchase_note: s("p note"),
                    purchase_basis: s("p basis"),
                    cloud_usd_per_hour: None,
                    cloud_note: s("c note"),
                    cloud_basis: s("c basis"),
                    as_of: s("2026-06"),
                },
                export_status: s("ok"),
                source_ids: vec![s("S1"), s("S2")],
                source: s("S1: first"),
                verified: s("partial"),
                verified_detail: s("vd"),
                as_of: s("2026-08"),
                notes: s("gn"),
                csv: [(s("id"), s("g")), (s("tdp"), s(""))].into_iter().collect(),
            }],
            models: vec![ModelPreset {
                id: s("m"),
                name: s("M"),
                hf_repo: s("o/m"),
                params_published: s("1B"),
                source: s("src"),
                as_of: s("2026-11"),
                verified: s("verbatim"),
                notes: String::new(),
                config: crate::json::parse(r#"{"model_type": "llama", "hidden_size": 64}"#).unwrap(),
                task: String::new(),
            }],
            profiles: vec![Profile {
                id: s("p"),
                name_en: s("P"),
                name_zh_hans: s("简"),
                name_zh_hant: s("繁"),
                description_en: s("d"),
                description_zh_hans: s("描述"),
                mode: s("lora"),
                model: s("m"),
                weights: s("bf16"),
                batch: 4,
                seq: 1024,
                gpu: s("g"),
                gpu_count: 2,
                gpus_hint: s("h"),
                budget_usd: None,
                target_tokens_per_s: Some(50.5),
                source: s("s"),
                assumptions: String::new(),
            }],
            size_tiers: vec![SizeTier {
                tier: s("7B"),
                tier_zh: s("7B參數"),
                params: 7e9,
                training: s("t"),
                training_zh: s("t zh"),
                fine_tuning: s("f"),
                fine_tuning_zh: s("f zh"),
                inference: s("i"),
                inference_zh: s("i zh"),
                production: s("p"),
                production_zh: s("p zh"),
                source: s("s"),
            }],
            hosts: vec![
                Host {
                    id: s("h"),
                    label: s("H"),
                    kind: s("ddr"),
                    channels: 2,
                    mt_per_s: 6400,
                    bandwidth_bytes_per_s: 102_400_000_000,
                    achieved_bytes_per_s: Some(90_000_000_000),
                    achieved_note: s("an"),
                    capacity_gb: vec![32, 64],
                    source_ids: vec![s("S1")],
                    as_of: s("2026-12"),
                },
                Host {
                    id: s("u"),
                    label: s("U"),
                    kind: s("unified"),
                    channels: 0,
                    mt_per_s: 0,
                    bandwidth_bytes_per_s: 546_000_000_000,
                    achieved_bytes_per_s: None,
                    achieved_note: String::new(),
                    capacity_gb: vec![48],
                    source_ids: vec![s("S2")],
                    as_of: s("2026-12-02"),
                },
            ],
            fx: Fx { cny_per_usd: 7.1, source: s("fx source"), as_of: s("2026-11") },
        };
        assert_eq!(catalog(crate::json::parse(SMALL).unwrap()).unwrap(), want);
        // A catalog without the hosts section (older copies) reads with none.
        let mut v = crate::json::parse(SMALL).unwrap();
        v.as_object_mut().unwrap().remove("hosts");
        assert!(catalog(v).unwrap().hosts.is_empty());
    }

    /// On `data/catalog.json`: every card's numbers are the file's, each under its own key.
    #[test]
    fn reads_each_cards_numbers_from_their_keys() {
        let v = crate::json::parse(super::super::CATALOG_JSON).unwrap();
        let cat = super::super::load().unwrap();
        let files = v["gpus"].as_array().unwrap();
        assert_eq!(files.len(), cat.gpus.len());
        for (f, g) in files.iter().zip(&cat.gpus) {
            let t = &g.tflops;
            let tflops = [("fp32", t.fp32), ("tf32", t.tf32), ("bf16", t.bf16), ("fp16", t.fp16), ("fp16_fp16acc", t.fp16_fp16acc), ("fp8", t.fp8), ("int8", t.int8), ("fp4", t.fp4)];
            for (k, x) in tflops {
                assert_eq!(f["tflops"][k].as_f64(), x, "{} tflops.{k}", g.id);
            }
            let p = &g.precision;
            let precision = [("fp32", p.fp32), ("bf16", p.bf16), ("fp16", p.fp16), ("fp8", p.fp8), ("int8", p.int8), ("int4", p.int4), ("nvfp4", p.nvfp4), ("mxfp4", p.mxfp4)];
            for (k, x) in precision {
                assert_eq!(f["precision"][k].as_str(), Some(x.name()), "{} precision.{k}", g.id);
            }
            assert_eq!(f["id"].as_str(), Some(g.id.as_str()));
            assert_eq!(f["memory_bytes"].as_u64(), Some(g.memory_bytes), "{}", g.id);
            assert_eq!(f["bandwidth_gbps"].as_f64(), Some(g.bandwidth_gbps), "{}", g.id);
            assert_eq!(f["tdp_w"].as_f64().unwrap_or(0.0), g.tdp_w, "{}", g.id);
            assert_eq!(f["interconnect"]["gbps_per_gpu"].as_f64(), Some(g.interconnect.gbps_per_gpu), "{}", g.id);
            assert_eq!(f["price"]["purchase_usd"].as_f64(), g.price.purchase_usd, "{}", g.id);
            assert_eq!(f["price"]["cloud_usd_per_hour"].as_f64(), g.price.cloud_usd_per_hour, "{}", g.id);
        }
        assert_eq!(v["fx"]["usd_cny"].as_f64(), Some(cat.fx.cny_per_usd));
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
        v["hosts"][2]["capacity_gb"][1] = Value::from("lots");
        assert!(catalog(v.clone()).unwrap_err().to_string().contains("hosts[2].capacity_gb[1]: expected a whole number of GB"));
        v["hosts"][2]["capacity_gb"][1] = Value::from(64);
        v["hosts"][0].as_object_mut().unwrap().remove("bandwidth_bytes_per_s");
        assert!(catalog(v.clone()).unwrap_err().to_string().contains("hosts[0]: missing field `bandwidth_bytes_per_s`"));
        assert!(catalog(Value::from(3)).is_err());
    }
}
