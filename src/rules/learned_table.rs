//! The table the learned rule scores from: every token of a model snapshot with its spam
//! probability worked out once (not per look-up), in one flat open-addressed array, so that
//! looking a token up reads one cache line and divides nothing.

use std::fmt;

/// Slots per token at least: at most half full, so a token the model lacks (most look-ups
/// of a comment's pairs) is answered after a slot or two of the same cache line.
const SLOTS_PER_TOKEN: usize = 2;
const MIN_SLOTS: usize = 16;

/// One token: its whole key (a look-up never answers for another token) and its probability,
/// 16 bytes, four to a cache line. Key 0 marks an empty slot (a token whose key is 0 is
/// stored under 1).
#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    probability: f64,
}

/// Token keys (64-bit hashes) to spam probabilities, found from the key's high bits (the keys
/// are products of a multiplicative hash, whose high bits are the well-mixed ones).
pub(crate) struct ProbabilityTable {
    slots: Vec<Slot>,
    len: usize,
    shift: u32,
}

impl ProbabilityTable {
    /// Builds the table from each token's key and probability (the iterator's size hint
    /// sizes it; it grows if the hint was short).
    pub fn build(tokens: impl Iterator<Item = (u64, f64)>) -> ProbabilityTable {
        let mut table = ProbabilityTable::with_slots(SLOTS_PER_TOKEN * tokens.size_hint().0);
        for (key, probability) in tokens {
            table.insert(key, probability);
        }
        table
    }

    fn with_slots(wanted: usize) -> ProbabilityTable {
        let slots = wanted.next_power_of_two().max(MIN_SLOTS);
        ProbabilityTable {
            slots: vec![Slot::default(); slots],
            len: 0,
            shift: 64 - slots.trailing_zeros(),
        }
    }

    fn insert(&mut self, key: u64, probability: f64) {
        if SLOTS_PER_TOKEN * (self.len + 1) > self.slots.len() {
            let mut bigger = ProbabilityTable::with_slots(2 * self.slots.len());
            for slot in self.slots.iter().filter(|s| s.key != 0) {
                bigger.insert(slot.key, slot.probability);
            }
            *self = bigger;
        }
        let key = key.max(1);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = Slot { key, probability };
        self.len += 1;
    }

    /// The probability of the token with this key, or `None` when the model does not know it.
    #[inline]
    pub fn get(&self, key: u64) -> Option<f64> {
        let key = key.max(1);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let slot = self.slots[i];
            if slot.key == key {
                return Some(slot.probability);
            }
            if slot.key == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        // The table has at least MIN_SLOTS slots, so the shift is below 64.
        (key >> self.shift) as usize
    }
}

impl fmt::Debug for ProbabilityTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbabilityTable")
            .field("tokens", &self.len)
            .field("slots", &self.slots.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys spread like the model's (products of a multiplicative hash).
    fn key(i: u64) -> u64 {
        (i ^ 0x9e37_79b9).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
    }

    #[test]
    fn finds_every_token_it_was_built_with_and_no_other() {
        let n = 10_000u32;
        let table = ProbabilityTable::build((0..n).map(|i| (key(i.into()), f64::from(i) / 1e4)));
        for i in 0..n {
            assert_eq!(
                table.get(key(i.into())),
                Some(f64::from(i) / 1e4),
                "token {i}"
            );
        }
        let strangers = (n..10 * n)
            .filter(|&i| table.get(key(i.into())).is_some())
            .count();
        assert_eq!(strangers, 0);
    }

    #[test]
    fn an_empty_table_knows_nothing() {
        let table = ProbabilityTable::build(std::iter::empty());
        assert_eq!(table.get(key(1)), None);
        assert_eq!(table.get(0), None);
    }

    #[test]
    fn keys_sharing_their_home_slot_are_all_found_even_across_the_end() {
        // Same high bits (the last home slot), different low ones: one run that wraps round.
        let keys: Vec<u64> = (0..12u64).map(|i| u64::MAX - (i << 8)).collect();
        let table = ProbabilityTable::build(keys.iter().map(|&k| (k, (k >> 8 & 0xff) as f64)));
        for &k in &keys {
            assert_eq!(table.get(k), Some((k >> 8 & 0xff) as f64));
        }
        assert_eq!(table.get(u64::MAX - (99 << 8)), None);
    }

    #[test]
    fn grows_when_given_more_tokens_than_its_size_hint_said() {
        // `filter` hints a lower bound of 0: the table starts at its smallest and grows.
        let table = ProbabilityTable::build((0..1000u64).filter(|_| true).map(|i| (key(i), 0.9)));
        assert!((0..1000).all(|i| table.get(key(i)) == Some(0.9)));
        assert_eq!(table.get(key(1000)), None);
    }

    #[test]
    fn a_key_of_zero_is_a_token_like_any_other() {
        let table = ProbabilityTable::build([(0u64, 0.8), (key(7), 0.2)].into_iter());
        assert_eq!(table.get(0), Some(0.8));
        assert_eq!(table.get(key(7)), Some(0.2));
    }
}
