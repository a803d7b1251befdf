//! Unified-memory machines (Apple silicon): how much of the machine's memory its GPU may use.
//!
//! A Mac's GPU has no memory of its own: Metal allocations are wired (made unpageable) out of
//! the machine's RAM, and macOS caps how much the GPU may wire. Metal reports the cap as
//! `MTLDevice.recommendedMaxWorkingSetSize`; llama.cpp's Metal backend prints it at start-up
//! (`ggml_metal_init: recommendedMaxWorkingSetSize = … MB`) and warns once its buffers pass it
//! ("current allocated size is greater than the recommended max working set size"), after which
//! allocations fail or page (`ggml_metal_graph_compute: command buffer … failed with status 5`,
//! ollama/ollama#434). So for an Apple configuration the capacity the fit verdicts, the planner
//! and the llama.cpp accounting compare against is this cap, not the RAM: [`gpu_usable`].
//!
//! **The default cap** (no override), as logged by users on macOS 13–15:
//!
//! | RAM | `recommendedMaxWorkingSetSize` | share | where |
//! |---|---|---|---|
//! | 16 GiB | 10922.67 MB | 2/3 | llama.cpp#2209 (M1), abetlen/llama-cpp-python#687 (M1 Pro) |
//! | 32 GiB | 21845.34 MB | 2/3 | ollama/ollama#434 (M2 Max), llama.cpp PR #2011 (M1 Max) |
//! | 64 GiB | 49152.00 MiB | 3/4 | llama.cpp#1870 (M1 Max) |
//! | 96 GiB | 73728.00 MB | 3/4 | llama.cpp#3213 (M2 Max) |
//! | 128 GiB | 98304.00 MB | 3/4 | M2 Ultra `ggml_metal_init` log (a README in the code corpus); "~96 GB … on a 128 GB system" (stencel.io, M1 Ultra) |
//!
//! i.e. 2/3 of the RAM up to 32 GiB and 3/4 above ([`MACOS_TWO_THIRDS_MAX_RAM`]), rounded up to
//! whole 16 KiB pages ([`APPLE_PAGE_BYTES`]): 2/3 of 32 GiB is 21845.33 MiB, the log says
//! 21845.34 — one page more. No log of a 36 or 48 GiB machine was found; they take the 3/4 of
//! "more than 32 GiB", as the blog reports of such machines say (thinkdifferent.blog: "On a
//! 36GB machine, about 27GB"; "on a 48GB MacBook Pro, the GPU sees about 36GB").
//!
//! **macOS 26 raised it on large machines**: an M5 Max with 128 GiB reports 107.52 GiB stock
//! (antirez/ds4#893, measured on two machines of two chip generations), and a 24 GB machine
//! 17.76 GiB (sgl-project/sglang#29949), a 16 GB M3 11.84 GB (AlexsJones/llmfit#754); too few
//! points for a rule, so the default here is the 13–15 rule, which errs low (a plan that fits
//! it fits macOS 26). Give `--wired-limit-mb` the value your machine reports to use it.
//!
//! **The override**: `sudo sysctl iogpu.wired_limit_mb=N` (macOS 14 and later; macOS 13 has
//! `debug.iogpu.wired_limit` in bytes) sets the cap to N MiB until the next reboot, and Metal
//! reports exactly it: 12000 and 14000 MiB on a 16 GB M3 (llmfit#754), 114688 MiB → "112.00 GiB"
//! on a 128 GiB M5 Max (ds4#893). `0` means macOS's default (ark.marianposaceanu.com, "A value of
//! 0 means macOS uses its default heuristic"). [`wired_limit_bytes`] takes 0 … the RAM in MiB.

use alloc::format;

use crate::catalog::Gpu;
use crate::error::InputError;
use crate::memory::MIB;

/// The largest RAM whose default GPU cap is 2/3 of it; above it the cap is 3/4 (module docs:
/// 32 GiB machines log 21845.34 MB = 2/3, 64 GiB machines 49152 MiB = 3/4).
pub const MACOS_TWO_THIRDS_MAX_RAM: u64 = 32 << 30;

/// The page size of macOS on Apple silicon, 16 KiB (Apple, "Addressing architectural
/// differences in your macOS code": "the page size on Apple silicon is 16 KB"; `vm_page_size`):
/// the default cap is a whole number of pages (2/3 of 32 GiB rounds up to 21845.34 MiB).
pub const APPLE_PAGE_BYTES: u64 = 16 << 10;

/// What the GPU of a card may use, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usable {
    pub bytes: u64,
    pub basis: UsableBasis,
}

/// Where [`Usable::bytes`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsableBasis {
    /// A discrete card: its memory as the driver reports it (`memory_bytes`).
    Card,
    /// A unified-memory Mac with macOS's default GPU wired limit.
    MacosDefault,
    /// A unified-memory Mac with `iogpu.wired_limit_mb` set (the MiB given).
    WiredLimitMb(u64),
}

impl UsableBasis {
    /// The JSON `usable_basis`: `"card"`, `"macos_default"` or `"wired_limit_mb"`.
    pub fn name(self) -> &'static str {
        match self {
            UsableBasis::Card => "card",
            UsableBasis::MacosDefault => "macos_default",
            UsableBasis::WiredLimitMb(_) => "wired_limit_mb",
        }
    }
}

/// macOS's default GPU wired limit on a machine of `ram_bytes` (module docs): 2/3 of the RAM
/// up to 32 GiB, 3/4 above, rounded up to whole 16 KiB pages.
pub fn default_wired_limit_bytes(ram_bytes: u64) -> u64 {
    let (num, den) = if ram_bytes <= MACOS_TWO_THIRDS_MAX_RAM { (2u128, 3u128) } else { (3, 4) };
    let share = (ram_bytes as u128 * num).div_ceil(den);
    (share.div_ceil(APPLE_PAGE_BYTES as u128) * APPLE_PAGE_BYTES as u128).min(ram_bytes as u128) as u64
}

/// The GPU's cap on a machine of `ram_bytes` with `iogpu.wired_limit_mb` = `wired_limit_mb`
/// (`None` or `Some(0)`: macOS's default). More than the RAM is refused with the allowed range.
pub fn wired_limit_bytes(ram_bytes: u64, wired_limit_mb: Option<u64>) -> Result<Usable, InputError> {
    let ram_mib = ram_bytes / MIB;
    match wired_limit_mb {
        None | Some(0) => Ok(Usable { bytes: default_wired_limit_bytes(ram_bytes), basis: UsableBasis::MacosDefault }),
        Some(mb) if mb <= ram_mib => Ok(Usable { bytes: mb * MIB, basis: UsableBasis::WiredLimitMb(mb) }),
        Some(mb) => Err(InputError::new(
            "--wired-limit-mb",
            format!("{mb} is too large; must be a whole number from 0 (macOS's default) to {ram_mib} (the machine's RAM in MiB)"),
        )),
    }
}

/// Whether a catalog entry is a unified-memory machine (an Apple configuration).
pub fn is_unified(gpu: &Gpu) -> bool {
    gpu.interconnect.kind == "unified"
}

/// The bytes the GPU of `gpu` may use: a discrete card's memory, or an Apple configuration's
/// wired limit (the default, or `wired_limit_mb`). A wired limit on a discrete card is refused.
pub fn gpu_usable(gpu: &Gpu, wired_limit_mb: Option<u64>) -> Result<Usable, InputError> {
    if is_unified(gpu) {
        return wired_limit_bytes(gpu.memory_bytes, wired_limit_mb);
    }
    match wired_limit_mb {
        None => Ok(Usable { bytes: gpu.memory_bytes, basis: UsableBasis::Card }),
        Some(_) => Err(InputError::new(
            "--wired-limit-mb",
            format!("applies to Apple (unified-memory) configurations; {} is a discrete card (`gpuplan gpus` lists the apple-… ids)", gpu.id),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::GIB;

    /// The value as llama.cpp prints it: bytes / 2²⁰ with two decimals.
    fn logged(bytes: u64) -> std::string::String {
        std::format!("{:.2}", bytes as f64 / MIB as f64)
    }

    #[test]
    fn default_limit_matches_the_logged_working_sets() {
        // (RAM GiB, recommendedMaxWorkingSetSize as logged): module docs for each source.
        for (gib, want) in [(16, "10922.67"), (32, "21845.34"), (64, "49152.00"), (96, "73728.00"), (128, "98304.00")] {
            assert_eq!(logged(default_wired_limit_bytes(gib * GIB)), want, "{gib} GiB");
        }
        // 36 and 48 GiB: 3/4 (more than 32 GiB).
        assert_eq!(default_wired_limit_bytes(36 * GIB), 27 * GIB);
        assert_eq!(default_wired_limit_bytes(48 * GIB), 36 * GIB);
        assert_eq!(default_wired_limit_bytes(512 * GIB), 384 * GIB);
        // macOS 26's 107.52 GiB on 128 GiB is above the 13–15 rule: the default errs low.
        assert!(default_wired_limit_bytes(128 * GIB) < (107.52 * GIB as f64) as u64);
    }

    #[test]
    fn the_override_is_exact_and_bounded_by_the_ram() {
        let u = wired_limit_bytes(128 * GIB, Some(114_688)).unwrap();
        assert_eq!(u, Usable { bytes: 112 * GIB, basis: UsableBasis::WiredLimitMb(114_688) }, "ds4#893: 114688 → 112.00 GiB");
        assert_eq!(wired_limit_bytes(16 * GIB, Some(12_000)).unwrap().bytes, 12_000 * MIB, "llmfit#754");
        assert_eq!(wired_limit_bytes(64 * GIB, Some(0)).unwrap(), Usable { bytes: 48 * GIB, basis: UsableBasis::MacosDefault }, "0 = default");
        assert_eq!(wired_limit_bytes(64 * GIB, Some(65_536)).unwrap().bytes, 64 * GIB, "the whole RAM is allowed");
        let e = wired_limit_bytes(64 * GIB, Some(65_537)).unwrap_err();
        assert_eq!(e.field, "--wired-limit-mb");
        assert!(e.to_string().contains("must be a whole number from 0 (macOS's default) to 65536 (the machine's RAM in MiB)"), "{e}");
    }

    #[test]
    fn catalog_cards_use_their_wired_limit() {
        let cat = crate::catalog::load().unwrap();
        let g = |id: &str| cat.gpu(id).unwrap_or_else(|| panic!("{id}"));
        let ultra = g("apple-m3-ultra");
        assert_eq!(gpu_usable(ultra, None).unwrap(), Usable { bytes: 384 * GIB, basis: UsableBasis::MacosDefault });
        assert_eq!(ultra.usable_bytes(), 384 * GIB);
        assert_eq!(gpu_usable(ultra, Some(500_000)).unwrap().bytes, 500_000 * MIB);
        assert!(gpu_usable(ultra, Some(600_000)).is_err(), "more than 512 GiB");
        let h100 = g("nvidia-h100-sxm5-80gb");
        assert_eq!(gpu_usable(h100, None).unwrap(), Usable { bytes: h100.memory_bytes, basis: UsableBasis::Card });
        assert_eq!(h100.usable_bytes(), h100.memory_bytes);
        assert_eq!(gpu_usable(h100, Some(1000)).unwrap_err().field, "--wired-limit-mb");
        for c in cat.gpus.iter().filter(|c| is_unified(c)) {
            assert!(c.usable_bytes() < c.memory_bytes, "{}", c.id);
        }
    }
}
