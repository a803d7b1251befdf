//! Runs every measured H100 case of `data/calibration/h100-cases.jsonl` through the real
//! `gpuplan` binary and compares `total_bytes` with `measured.process_bytes`.
//! Bounds (issue #11): median |error| ≤ 3 %, every run within 9 %, every OOM run recognised:
//! its estimate does not fit the card's 81559 MiB even after the allocator frees its cache
//! (`verdict` "does_not_fit", total − allocator slack above the card). Prints the whole table.

use std::path::PathBuf;
use std::process::Command;

const H100_BYTES: f64 = 81559.0 * 1048576.0;

fn calibration_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/calibration")
}

#[test]
fn calibration_h100_cases_within_bounds() {
    let dir = calibration_dir();
    let cases = std::fs::read_to_string(dir.join("h100-cases.jsonl"))
        .expect("data/calibration/h100-cases.jsonl must sit beside the checkout");
    let mut errors = Vec::new();
    let mut failures = Vec::new();
    println!("{:<52} {:>10} {:>10} {:>8}", "case", "measured", "estimate", "error");
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = case["id"].as_str().unwrap();
        let args: Vec<String> = case["args"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_gpuplan")).args(&args).current_dir(&dir).output().unwrap();
        assert!(out.status.success(), "{id}: {}", String::from_utf8_lossy(&out.stderr));
        let est: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let total = est["total_bytes"].as_u64().unwrap() as f64;
        let m = &case["measured"];
        if m["oom"].as_bool() == Some(true) {
            let live = total - est["allocator_slack"].as_u64().unwrap() as f64;
            let recognised = live > H100_BYTES && est["verdict"] == "does_not_fit";
            println!("{:<52} {:>10} {:>9.2}G {:>8}", id, "OOM", total / 1073741824.0, if recognised { "ok" } else { "MISS" });
            if !recognised {
                failures.push(format!("{id}: measured OOM but estimated {:.1} GiB ({:.1} GiB without slack) is {}", total / 1073741824.0, live / 1073741824.0, est["verdict"]));
            }
            continue;
        }
        let measured = m["process_bytes"].as_u64().unwrap() as f64;
        let err = total / measured - 1.0;
        println!("{:<52} {:>9.2}G {:>9.2}G {:>+7.1}%", id, measured / 1073741824.0, total / 1073741824.0, err * 100.0);
        if err.abs() > 0.09 {
            failures.push(format!("{id}: {:+.1} % (bound ±9 %)", err * 100.0));
        }
        errors.push(err.abs());
    }
    errors.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = errors[errors.len() / 2];
    let worst = errors[errors.len() - 1];
    println!("\n{} runs: median |error| {:.2} %, worst {:.2} %", errors.len(), median * 100.0, worst * 100.0);
    assert!(median <= 0.03, "median |error| {:.2} % > 3 %", median * 100.0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
