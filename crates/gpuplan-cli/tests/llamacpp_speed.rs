//! Published llama.cpp decode speeds with stated hardware (`data/llamacpp/offload-speed.csv`)
//! against `gpuplan estimate --engine llama.cpp … --json`'s `llama_cpp.tokens_per_s`: every
//! layer on the GPU, layers in RAM (`--gpu-layers` below all), experts in RAM (`--n-cpu-moe`)
//! and CPU only. Each scored run must be within 30 %; the `notes` of the two that are not say
//! why (the test prints them). The runs with every layer on the GPU (`role` gpu) are what
//! llama.cpp's GPU decode MBU (`throughput::Efficiency::default_for(LlamaCpp)`) is the median
//! of, and the runs with a host part (`role` host) what `llamacpp::HOST_DECODE_MBU` is the
//! median of: the test recomputes both medians and checks the constants are them.
//! `cargo test -p gpuplan-cli --test llamacpp_speed -- --nocapture` prints the table.

use std::path::PathBuf;
use std::process::Command;

/// The target for offload speed.
const SPEED_PCT: f64 = 30.0;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

#[test]
fn published_offload_speeds_are_reproduced() {
    let host_mbu = gpuplan_core::llamacpp::HOST_DECODE_MBU;
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/llamacpp/offload-speed.csv");
    let text = std::fs::read_to_string(p).expect("data/llamacpp/offload-speed.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("column {name}"));
    let mbu = gpuplan_core::throughput::Efficiency::default_for(gpuplan_core::Engine::LlamaCpp).mbu_decode;
    let (mut implied, mut implied_host, mut errs, mut failures) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    println!("{:<32} {:>9} {:>9} {:>8}", "run", "published", "ours", "error");
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), header.len(), "{line}");
        let g = |name: &str| f[col(name)].trim();
        let mut args: Vec<String> = ["estimate", "--preset", g("preset"), "--weights", g("weights"), "--engine", "llama.cpp", "--ctx", g("ctx"), "--gpu-memory-gib", g("gpu_mem_gib"), "--gpu-bw-gbs", g("gpu_bw_gbs"), "--host-bw-gbs", g("host_bw_gbs"), "--json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for (column, flag) in [("gpu_layers", "--gpu-layers"), ("n_cpu_moe", "--n-cpu-moe")] {
            if !g(column).is_empty() {
                args.push(flag.into());
                args.push(g(column).into());
            }
        }
        let run = |args: &[String]| -> f64 {
            let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(args).output().unwrap();
            assert!(out.status.success(), "{}: {}", g("id"), String::from_utf8_lossy(&out.stderr));
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            v["llama_cpp"]["tokens_per_s"].as_f64().unwrap()
        };
        let ours = run(&args);
        let theirs: f64 = g("tg_tok_s").parse().unwrap();
        let e = 100.0 * (ours / theirs - 1.0);
        println!("{:<32} {:>9.2} {:>9.2} {:>+7.1}%", g("id"), theirs, ours, e);
        if g("role") == "gpu" {
            implied.push(mbu * theirs / ours);
        } else {
            // The same run with a RAM too fast to matter leaves the GPUs' time and the splits':
            // what the published time has left over is the host's, hence its efficiency.
            let mut fast = args.clone();
            let i = fast.iter().position(|a| a == "--host-bw-gbs").unwrap();
            fast[i + 1] = "100000".into();
            let rest = 1.0 / run(&fast);
            implied_host.push(host_mbu * (1.0 / ours - rest) / (1.0 / theirs - rest));
        }
        if g("scored") != "yes" {
            println!("  not scored: {}", g("notes"));
            continue;
        }
        errs.push(e.abs());
        if e.abs() > SPEED_PCT {
            failures.push(format!("{}: ours {ours:.2} tok/s vs the published {theirs:.2} ({e:+.1} %)", g("id")));
        }
    }
    println!("{} runs; |error| median {:.1} %, worst {:.1} %", errs.len(), median(errs.clone()), errs.iter().cloned().fold(0.0, f64::max));
    assert!(errs.len() >= 8 && implied.len() >= 5 && implied_host.len() >= 5, "the published runs are missing");
    let m = median(implied.clone());
    println!("GPU decode MBU implied by the {} all-GPU runs: median {m:.3} (llama.cpp's Efficiency: {mbu})", implied.len());
    let h = median(implied_host.clone());
    println!("host efficiency implied by the {} runs with a host part: {:?}, median {h:.3} (HOST_DECODE_MBU {host_mbu})", implied_host.len(), implied_host.iter().map(|x| (x * 100.0).round() / 100.0).collect::<Vec<_>>());
    assert!((m - mbu).abs() <= 0.02, "the GPU MBU {mbu} is not the median {m:.3} of the published all-GPU runs");
    assert!((h - host_mbu).abs() <= 0.05, "the host efficiency {host_mbu} is not the median {h:.3} of the published runs with a host part");
    assert!(failures.is_empty(), "{} runs off by more than {SPEED_PCT} %:\n{}", failures.len(), failures.join("\n"));
}
