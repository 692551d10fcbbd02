//! Fuzzy word matching for `fuzzy = 1` rules: the words of those rules bucketed by their ends
//! and length, the one-edit check, and the small bit sets the phrase index also uses to skip
//! lookups that cannot succeed.

use super::fxhash::{FxMap, FxSet};
use super::words::Role;

/// Words shorter than this (in characters) are never matched fuzzily.
pub(crate) const FUZZY_MIN_CHARS: usize = 6;

/// A set of 16-bit hashes in 8 KiB: a cheap "certainly not" before a hash-map lookup.
#[derive(Debug, Default)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    pub fn insert(&mut self, h: u16) {
        if self.0.is_empty() {
            self.0.resize(1 << 10, 0);
        }
        self.0[usize::from(h) / 64] |= 1 << (h % 64);
    }

    pub fn may_contain(&self, h: u16) -> bool {
        self.0
            .get(usize::from(h) / 64)
            .is_some_and(|w| w & (1 << (h % 64)) != 0)
    }
}

/// Slots of the fuzzy end tables: two lowercase ASCII letters never share one.
const END_SLOTS: usize = 4096;

/// The slot of a two-byte word end in the fuzzy end tables.
fn end_slot(key: [u8; 2]) -> usize {
    (usize::from(key[0]) * 31 + usize::from(key[1])) % END_SLOTS
}

/// A word length as one bit of a `u16` (15 and longer share the top bit).
fn length_bit(len: usize) -> u16 {
    1 << len.min(15)
}

/// Two bytes and a length, hashed to 16 bits.
pub(crate) fn hash16(a: u8, b: u8, len: usize) -> u16 {
    let h = (u32::from(a) << 8 | u32::from(b)).wrapping_mul(0x9E37_79B1)
        ^ (len as u32).wrapping_mul(0x85EB_CA6B);
    ((h >> 16) ^ h) as u16
}

/// The characters of a word as a set of 64 bits (each character's code modulo 64). One edit
/// takes at most one character out of a word's set and puts at most one in, so two words one
/// edit apart differ in at most two bits: most words of a bucket are ruled out by one XOR.
pub(crate) fn letter_bits(word: &str) -> u64 {
    let bit = |c: u32| 1u64 << (c & 63);
    if word.is_ascii() {
        word.bytes().fold(0, |bits, b| bits | bit(u32::from(b)))
    } else {
        word.chars().fold(0, |bits, c| bits | bit(u32::from(c)))
    }
}

/// A word of a fuzzy rule in its end buckets: its id, its characters' bits and its spelling.
#[derive(Debug)]
struct Candidate {
    id: u32,
    letters: u64,
    spelling: Box<str>,
}

/// The words of `fuzzy` rules that may match within one edit, bucketed by their first two and
/// last two bytes and their length in bytes: one edit leaves at least one of the two intact in
/// a word of 6+ letters, and changes the length by at most one character (see `near_words`
/// for what that leaves out).
#[derive(Debug, Default)]
pub(crate) struct Fuzzy {
    /// Rules whose word entries match fuzzily, by rule index.
    rules: Vec<bool>,
    by_prefix: FxMap<([u8; 2], usize), Vec<Candidate>>,
    by_suffix: FxMap<([u8; 2], usize), Vec<Candidate>>,
    /// Per two-byte key (folded to `END_SLOTS` slots, so the tables stay in cache), the
    /// lengths of the words in `by_prefix` / `by_suffix` with that key, one bit per length (bit
    /// 15 for 15 and longer): one load tells whether a token's end and length can lead anywhere.
    prefix_lens: Vec<u16>,
    suffix_lens: Vec<u16>,
    /// Shortest and longest fuzzy word, in bytes.
    lengths: (usize, usize),
    /// The ids of the bucketed words.
    words: FxSet<u32>,
}

impl Fuzzy {
    /// Whether no word matches fuzzily (no `fuzzy` rule has one of 6+ letters).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Notes that the word entries of rule `rule` match fuzzily.
    pub fn mark_rule(&mut self, rule: u32) {
        let rule = rule as usize;
        if self.rules.len() <= rule {
            self.rules.resize(rule + 1, false);
        }
        self.rules[rule] = true;
    }

    /// Whether a fuzzy match may count for a phrase of rule `rule` in role `role` (a word entry
    /// of a fuzzy rule, never an exception).
    pub fn accepts(&self, rule: u32, role: Role) -> bool {
        role == Role::Word && self.rules.get(rule as usize) == Some(&true)
    }

    /// Adds a vocabulary word of a fuzzy rule (words under 6 letters are left out).
    pub fn add_word(&mut self, id: u32, word: &str) {
        if word.chars().count() < FUZZY_MIN_CHARS || self.words.contains(&id) {
            return;
        }
        let b = word.as_bytes();
        let (prefix, suffix) = ([b[0], b[1]], [b[b.len() - 2], b[b.len() - 1]]);
        let candidate = || Candidate {
            id,
            letters: letter_bits(word),
            spelling: word.into(),
        };
        self.by_prefix
            .entry((prefix, b.len()))
            .or_default()
            .push(candidate());
        self.by_suffix
            .entry((suffix, b.len()))
            .or_default()
            .push(candidate());
        for (table, key) in [
            (&mut self.prefix_lens, prefix),
            (&mut self.suffix_lens, suffix),
        ] {
            if table.is_empty() {
                table.resize(END_SLOTS, 0);
            }
            table[end_slot(key)] |= length_bit(b.len());
        }
        self.lengths = if self.words.is_empty() {
            (b.len(), b.len())
        } else {
            (self.lengths.0.min(b.len()), self.lengths.1.max(b.len()))
        };
        self.words.insert(id);
    }

    /// Words one edit away from token `at` (never the token itself), appended to `out` as
    /// (token index, word id). Lengths are compared in bytes, so an edit that changes the
    /// length by two bytes or more (a multi-byte letter put in or taken out, an ASCII letter
    /// replaced by a CJK one) is not looked for; the folded view, where fuzzy words mostly
    /// match, has few such letters.
    pub fn near_words(&self, token: &str, at: u32, out: &mut Vec<(u32, u32)>) {
        let b = token.as_bytes();
        let (shortest, longest) = self.lengths;
        if self.words.is_empty() || b.len() + 1 < shortest || b.len() > longest + 1 {
            return;
        }
        let (prefix, suffix) = ([b[0], b[1]], [b[b.len() - 2], b[b.len() - 1]]);
        let lens = |table: &[u16], key: [u8; 2]| table[end_slot(key)];
        let near = length_bit(b.len() - 1) | length_bit(b.len()) | length_bit(b.len() + 1);
        let ends = [
            (
                lens(&self.prefix_lens, prefix) & near,
                &self.by_prefix,
                prefix,
            ),
            (
                lens(&self.suffix_lens, suffix) & near,
                &self.by_suffix,
                suffix,
            ),
        ];
        if ends[0].0 == 0 && ends[1].0 == 0 {
            return;
        }
        let from = out.len();
        let letters = letter_bits(token);
        for len in b.len() - 1..=b.len() + 1 {
            for &(found, map, key) in &ends {
                if found & length_bit(len) == 0 {
                    continue;
                }
                for word in map.get(&(key, len)).into_iter().flatten() {
                    if (word.letters ^ letters).count_ones() > 2
                        || out[from..].iter().any(|&(_, x)| x == word.id)
                    {
                        continue;
                    }
                    if *word.spelling != *token && one_edit_apart(&word.spelling, token) {
                        out.push((at, word.id));
                    }
                }
            }
        }
    }
}

/// Whether `a` becomes `b` by one insertion, deletion, substitution or swap of neighbours.
pub(crate) fn one_edit_apart(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return one_edit_apart_in(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    one_edit_apart_in(&a, &b)
}

fn one_edit_apart_in<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (da, db) = (a.len() - prefix - suffix, b.len() - prefix - suffix);
    match (da, db) {
        (0, 0) => false,
        (1, 0) | (0, 1) | (1, 1) => true,
        (2, 2) => a[prefix] == b[prefix + 1] && a[prefix + 1] == b[prefix],
        _ => false,
    }
}
