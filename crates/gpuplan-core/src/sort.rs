//! One stable sort for the whole estimator, the file parsers and the page.
//!
//! `slice::sort_by` is generic over the element and the comparison: each call site of this
//! workspace instantiated its own copy of driftsort (≈ 1.5 KB of wasm each, ≈ 13 KB gzip of
//! the web bundle over 20 sites). Here the merge is written once over indices with a `dyn`
//! comparison; per call site only the closure and the final permutation are generic. The
//! lists sorted here are short (cards, formats, plans: at most a few thousand), so the extra
//! indirection costs nothing measurable.

use alloc::vec::Vec;
use core::cmp::Ordering;

/// Sorts `v` by `cmp`, stable (equal elements keep their order), O(n log n).
pub fn sort_by<T, F: FnMut(&T, &T) -> Ordering>(v: &mut [T], mut cmp: F) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    {
        let items: &[T] = v;
        merge_sort(&mut idx, &mut |a, b| cmp(&items[a], &items[b]) == Ordering::Greater);
    }
    permute(v, &mut idx);
}

/// Sorts `v` by the key `f` gives, stable.
pub fn sort_by_key<T, K: Ord, F: FnMut(&T) -> K>(v: &mut [T], mut f: F) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// Sorts `v` ascending, stable.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, |a, b| a.cmp(b));
}

/// Bottom-up merge sort of `idx`; `greater(a, b)` says `a` must come after `b`. Runs of width
/// 1, 2, 4 … are merged from `idx` into `buf` and back; ties take the left run first.
fn merge_sort(idx: &mut Vec<usize>, greater: &mut dyn FnMut(usize, usize) -> bool) {
    let n = idx.len();
    let mut buf: Vec<usize> = alloc::vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if greater(idx[i], idx[j]) {
                    buf[k] = idx[j];
                    j += 1;
                } else {
                    buf[k] = idx[i];
                    i += 1;
                }
                k += 1;
            }
            buf[k..k + (mid - i)].copy_from_slice(&idx[i..mid]);
            k += mid - i;
            buf[k..k + (end - j)].copy_from_slice(&idx[j..end]);
            start = end;
        }
        core::mem::swap(idx, &mut buf);
        width *= 2;
    }
}

/// Rearranges `v` so that the new `v[i]` is the old `v[idx[i]]`, in place, by following each
/// cycle of the permutation with swaps (`idx` is consumed: visited entries become `usize::MAX`).
fn permute<T>(v: &mut [T], idx: &mut [usize]) {
    for i in 0..v.len() {
        if idx[i] == usize::MAX {
            continue;
        }
        let mut j = i;
        loop {
            let k = idx[j];
            idx[j] = usize::MAX;
            if k == i {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn equals_the_standard_stable_sort(v in proptest::collection::vec((0u8..6, any::<u16>()), 0..300)) {
            let mut ours = v.clone();
            let mut std_ = v.clone();
            // Sort by the first field only: stability decides the order of the second.
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            std_.sort_by_key(|a| a.0);
            prop_assert_eq!(&ours, &std_);
            let mut keyed = v.clone();
            sort_by_key(&mut keyed, |x| core::cmp::Reverse(x.1));
            let mut std_keyed = v;
            std_keyed.sort_by_key(|x| core::cmp::Reverse(x.1));
            prop_assert_eq!(keyed, std_keyed);
        }
    }

    #[test]
    fn moves_elements_without_clone() {
        let mut v: Vec<alloc::string::String> = ["d", "a", "c", "b", "a"].iter().map(|s| alloc::string::String::from(*s)).collect();
        sort(&mut v);
        assert_eq!(v, ["a", "a", "b", "c", "d"]);
    }
}
