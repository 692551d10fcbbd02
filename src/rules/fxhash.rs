//! FxHash: the small, fast, non-cryptographic hasher behind the token tables (phrase index,
//! fuzzy ends, the learned model), where keys are short words and nothing is adversarial
//! enough to need SipHash's flooding resistance.

use super::stats::word_at;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher (FxHash) for token lookups.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fold_bytes(self.0, bytes);
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = combine(self.0, u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = combine(self.0, u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = combine(self.0, i);
    }
    fn write_usize(&mut self, i: usize) {
        self.0 = combine(self.0, i as u64);
    }
    /// The product's well-mixed high bits brought down to the low bits a hash table indexes
    /// by (as `rustc-hash` finishes).
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// One FxHash step: folds `w` into `h`.
#[inline]
pub(crate) fn combine(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(SEED)
}

/// Folds `bytes` into `h`: their length first (so two byte strings whose loads below are the
/// same still hash apart), then eight bytes at a time with the tail read as (overlapping)
/// loads rather than byte by byte, as rapidhash and wyhash do: a word shorter than eight bytes
/// (most are) takes two multiplications, not one per byte.
#[inline]
pub(crate) fn fold_bytes(h: u64, b: &[u8]) -> u64 {
    let load4 = |i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[i..i + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    let n = b.len();
    let mut h = combine(h, n as u64);
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            h = combine(h, word_at(&b[i..]));
            i += 8;
        }
        combine(h, word_at(&b[n - 8..]))
    } else if n >= 4 {
        combine(h, load4(0) | load4(n - 4) << 32)
    } else if n > 0 {
        combine(
            h,
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
        )
    } else {
        h
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A hash set with `FxHasher`.
pub(crate) type FxSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;
