//! Whole-word phrase matching by token hashing: every word-list entry and exception phrase of
//! every rule lives in one token trie per view, so a text is tokenized and looked up once.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher (FxHash) for token lookups.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Who owns a phrase: a rule's word entry or one of its exceptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Word,
    Exception,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
    pub rule: u32,
    pub role: Role,
}

/// One occurrence of a phrase: byte range in the view text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occurrence {
    pub owner: Owner,
    pub start: usize,
    pub end: usize,
}

/// Splits text into tokens: maximal runs of alphanumeric characters, as byte ranges.
pub(crate) fn tokens(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 4);
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (word, len) = if b < 0x80 {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            (c.is_alphanumeric(), c.len_utf8())
        };
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
        i += len;
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// A token trie of phrases for one view.
#[derive(Debug, Default)]
pub(crate) struct PhraseIndex {
    vocab: FxMap<Box<str>, u32>,
    edges: FxMap<(u32, u32), u32>,
    /// Owners of phrases ending at each node (node 0 is the root).
    terminals: Vec<Vec<Owner>>,
    max_len: usize,
    /// Longest vocabulary word in bytes: longer tokens are not looked up.
    max_word: usize,
    /// Whether tokens must be lowercased before lookup (raw view).
    lowercase: bool,
}

impl PhraseIndex {
    pub fn new(lowercase: bool) -> PhraseIndex {
        PhraseIndex {
            terminals: vec![Vec::new()],
            lowercase,
            ..PhraseIndex::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.max_len == 0
    }

    /// Adds a phrase, given as already-folded text; returns false if it has no tokens.
    pub fn add(&mut self, phrase: &str, owner: Owner) -> bool {
        let toks = tokens(phrase);
        if toks.is_empty() {
            return false;
        }
        let mut node = 0u32;
        for &(s, e) in &toks {
            let word = &phrase[s..e];
            self.max_word = self.max_word.max(word.len());
            let next_id = self.vocab.len() as u32;
            let id = *self.vocab.entry(word.into()).or_insert(next_id);
            let next_node = self.terminals.len() as u32;
            node = *self.edges.entry((node, id)).or_insert_with(|| next_node);
            if node == next_node {
                self.terminals.push(Vec::new());
            }
        }
        let slot = &mut self.terminals[node as usize];
        if !slot.contains(&owner) {
            slot.push(owner);
        }
        self.max_len = self.max_len.max(toks.len());
        true
    }

    /// Every occurrence of every phrase in `text`. `joined` lists tokens (byte ranges) that
    /// normalization glued together from separated letters ("a f r e e" → "afree"); phrases
    /// may also start and end at any letter inside those.
    pub fn find(&self, text: &str, joined: &[(usize, usize)]) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        let toks = tokens(text);
        let ids: Vec<Option<u32>> = toks
            .iter()
            .map(|&(s, e)| self.lookup(&text[s..e]))
            .collect();
        let mut next_joined = joined.iter().peekable();
        for (i, &(s, e)) in toks.iter().enumerate() {
            self.walk(0, i, s, &ids, &toks, &mut out);
            while next_joined.next_if(|j| j.0 < s).is_some() {}
            if next_joined.peek().is_some_and(|j| **j == (s, e)) {
                self.split_token(text, i, &ids, &toks, &mut out);
            }
        }
        out
    }

    fn lookup(&self, word: &str) -> Option<u32> {
        if word.len() > self.max_word * 3 {
            return None; // lowercasing can shrink a word, but not by more than that
        }
        let upper = || {
            if word.is_ascii() {
                word.bytes().any(|b| b.is_ascii_uppercase())
            } else {
                word.chars().any(char::is_uppercase)
            }
        };
        if self.lowercase && upper() {
            self.vocab.get(word.to_lowercase().as_str()).copied()
        } else {
            self.vocab.get(word).copied()
        }
    }

    /// Follows the trie from `node` through whole tokens `from..`, recording phrase ends.
    fn walk(
        &self,
        mut node: u32,
        from: usize,
        start: usize,
        ids: &[Option<u32>],
        toks: &[(usize, usize)],
        out: &mut Vec<Occurrence>,
    ) {
        let depth = if node == 0 { 0 } else { 1 };
        for j in from..toks.len().min(from + self.max_len - depth) {
            let Some(id) = ids[j] else { break };
            let Some(&next) = self.edges.get(&(node, id)) else {
                break;
            };
            node = next;
            for &owner in &self.terminals[node as usize] {
                out.push(Occurrence {
                    owner,
                    start,
                    end: toks[j].1,
                });
            }
        }
    }

    /// Phrases starting or ending inside a joined token.
    fn split_token(
        &self,
        text: &str,
        i: usize,
        ids: &[Option<u32>],
        toks: &[(usize, usize)],
        out: &mut Vec<Occurrence>,
    ) {
        // Pieces longer than the longest vocabulary word cannot match: work stays linear.
        const MAX_LETTERS: usize = 5000;
        let (s, e) = toks[i];
        let mut offs: Vec<usize> = text[s..e].char_indices().map(|(k, _)| s + k).collect();
        offs.push(e);
        let full = offs.len() - 1;
        let n = full.min(MAX_LETTERS);
        for a in 0..n {
            for b in a + 1..=n.min(a + self.max_word) {
                if a == 0 && b == full {
                    continue; // the whole token: already walked
                }
                let Some(id) = self.lookup(&text[offs[a]..offs[b]]) else {
                    continue;
                };
                let Some(&node) = self.edges.get(&(0, id)) else {
                    continue;
                };
                for &owner in &self.terminals[node as usize] {
                    out.push(Occurrence {
                        owner,
                        start: offs[a],
                        end: offs[b],
                    });
                }
                if b == full && self.max_len > 1 {
                    self.walk(node, i + 1, offs[a], ids, toks, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Owner = Owner {
        rule: 0,
        role: Role::Word,
    };

    #[test]
    fn finds_whole_words_and_phrases_only() {
        let mut idx = PhraseIndex::new(false);
        assert!(idx.add("twat", W));
        assert!(idx.add("check out my channel", W));
        let text = "my smartwatch, check out my channel! twat.";
        let found: Vec<&str> = idx
            .find(text, &[])
            .iter()
            .map(|o| &text[o.start..o.end])
            .collect();
        assert_eq!(found, vec!["check out my channel", "twat"]);
    }

    #[test]
    fn raw_index_lowercases_text_tokens() {
        let mut idx = PhraseIndex::new(true);
        idx.add("spam", W);
        assert_eq!(idx.find("SPAM here", &[]).len(), 1);
    }

    #[test]
    fn finds_words_inside_joined_letter_runs() {
        let mut idx = PhraseIndex::new(false);
        idx.add("free money", W);
        idx.add("ass", W);
        let text = "afree money and iassx";
        let found: Vec<&str> = idx
            .find(text, &[(0, 5), (16, 21)])
            .iter()
            .map(|o| &text[o.start..o.end])
            .collect();
        assert_eq!(found, vec!["free money", "ass"]);
    }

    #[test]
    fn refuses_phrases_without_tokens() {
        let mut idx = PhraseIndex::new(false);
        assert!(!idx.add("!!!", W));
        assert!(idx.is_empty());
    }
}
