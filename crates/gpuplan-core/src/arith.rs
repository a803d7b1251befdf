//! Saturating integer arithmetic that stays cheap on wasm32.
//!
//! `u64::saturating_mul` needs the overflow flag of a 64 × 64-bit product; wasm has no
//! multiply-high instruction, so LLVM lowers it to a call of compiler-builtins' `__multi3` (a
//! 128-bit multiply in software). In the page's worker that call was a quarter of the
//! llama.cpp offload search's time (node `--cpu-prof` of the worker's code). When both
//! factors are below 2³² the product cannot overflow and one `i64.mul` gives it; only larger
//! factors take the checked path. Same results as `saturating_mul` for every input.

/// `a.saturating_mul(b)`, without the 128-bit multiply when neither factor reaches 2³².
#[inline(always)]
pub const fn smul(a: u64, b: u64) -> u64 {
    if (a | b) >> 32 == 0 {
        a * b
    } else {
        a.saturating_mul(b)
    }
}

/// [`smul`] as a method, to write `a.smul(b)` where `a.saturating_mul(b)` was written.
pub trait SatMul {
    fn smul(self, b: u64) -> u64;
}

impl SatMul for u64 {
    #[inline(always)]
    fn smul(self, b: u64) -> u64 {
        smul(self, b)
    }
}

#[cfg(test)]
mod tests {
    use super::smul;

    #[test]
    fn smul_is_saturating_mul() {
        let xs = [0u64, 1, 2, 3, 255, 65_535, (1 << 32) - 1, 1 << 32, (1 << 32) + 1, 1 << 40, u64::MAX / 3, u64::MAX - 1, u64::MAX];
        for a in xs {
            for b in xs {
                assert_eq!(smul(a, b), a.saturating_mul(b), "{a} × {b}");
            }
        }
    }
}
