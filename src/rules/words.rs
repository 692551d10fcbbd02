//! Whole-word phrase matching by token hashing: every word-list entry and exception phrase of
//! every rule lives in one token trie per view, so a text is tokenized and looked up once.
//! Templates' gaps are edges any token follows; `near` entries pair up their terms' occurrences;
//! words of `fuzzy` rules also match within one edit; stretched words ("sooooo") are looked up
//! with their runs cut short.

use super::entries::Piece;
use super::fuzzy::{hash16, Bits, Fuzzy};

use super::fxhash::FxMap;
use super::word_tokens::{has_upper, runs_of_three, stretched_runs};

/// What a phrase is to the rule that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Word,
    Exception,
    /// One term of the index's `near` entry `near` (its left or right term).
    NearTerm {
        near: u32,
        right: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
    pub rule: u32,
    pub role: Role,
}

/// One occurrence of a phrase: byte range in the view text and the tokens it spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occurrence {
    pub owner: Owner,
    pub start: usize,
    pub end: usize,
    /// Index of its first and last token in the text.
    pub first: u32,
    pub last: u32,
    /// Whether a word matched only within one edit (a `fuzzy` rule).
    pub fuzzy: bool,
}

/// A `near` entry: its two terms are phrases of the index owned as `NearTerm`.
#[derive(Debug, Clone, Copy)]
struct Near {
    owner: Owner,
    within: u32,
}

/// No word id: the token is not in the vocabulary.
const NONE: u32 = u32::MAX;
/// Most occurrences of each term of a `near` entry that are paired up (bounds the work).
const MAX_NEAR_TERMS: usize = 64;

/// A token trie of phrases for one view.
#[derive(Debug, Default)]
pub(crate) struct PhraseIndex {
    vocab: FxMap<Box<str>, u32>,
    edges: FxMap<(u32, u32), u32>,
    /// The root's edges again, by word id (0: none): every phrase walk starts at the root, so
    /// the commonest step is an index instead of a hash lookup.
    root: Vec<u32>,
    /// Owners of phrases ending at each node (node 0 is the root).
    terminals: Vec<Vec<Owner>>,
    /// Per node: the child reached through a `*` gap (0 when there is none).
    gaps: Vec<u32>,
    max_len: usize,
    /// Longest vocabulary word in bytes: longer tokens are not looked up.
    max_word: usize,
    /// Whether tokens must be lowercased before lookup (raw view).
    lowercase: bool,
    nears: Vec<Near>,
    fuzzy: Fuzzy,
    /// Every vocabulary word's first and last byte and length: most words of a comment are not
    /// in the vocabulary, and this says so without hashing them.
    vocab_bits: Bits,
}

/// The key of a word in `PhraseIndex::vocab_bits`.
fn vocab_key(word: &str) -> u16 {
    let b = word.as_bytes();
    let (first, last) = (b.first().copied(), b.last().copied());
    hash16(first.unwrap_or(0), last.unwrap_or(0), b.len())
}

/// The tokens of one text with their word ids, exact and fuzzy.
struct Looked<'t> {
    toks: &'t [(usize, usize)],
    ids: Vec<u32>,
    /// (token index, word id) for words one edit away, in token order.
    fuzzy: Vec<(u32, u32)>,
}

impl Looked<'_> {
    fn fuzzy_at(&self, j: usize) -> &[(u32, u32)] {
        let from = self.fuzzy.partition_point(|&(t, _)| (t as usize) < j);
        let to = from + self.fuzzy[from..].partition_point(|&(t, _)| t as usize == j);
        &self.fuzzy[from..to]
    }
}

impl PhraseIndex {
    pub fn new(lowercase: bool) -> PhraseIndex {
        PhraseIndex {
            terminals: vec![Vec::new()],
            gaps: vec![0],
            lowercase,
            ..PhraseIndex::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.max_len == 0
    }

    fn new_node(&mut self) -> u32 {
        self.terminals.push(Vec::new());
        self.gaps.push(0);
        (self.terminals.len() - 1) as u32
    }

    /// Adds a phrase (folded words and gaps, not starting with a gap); with `fuzzy`, its words
    /// of 6+ letters also match within one edit.
    pub fn add(&mut self, pieces: &[Piece], owner: Owner, fuzzy: bool) {
        let mut node = 0u32;
        for piece in pieces {
            node = match piece {
                Piece::Gap => match self.gaps[node as usize] {
                    0 => {
                        let next = self.new_node();
                        self.gaps[node as usize] = next;
                        next
                    }
                    next => next,
                },
                Piece::Word(word) => {
                    self.max_word = self.max_word.max(word.len());
                    let next_id = self.vocab.len() as u32;
                    let id = *self.vocab.entry(word.as_str().into()).or_insert(next_id);
                    self.vocab_bits.insert(vocab_key(word));
                    if fuzzy {
                        self.fuzzy.add_word(id, word);
                    }
                    match self.edges.get(&(node, id)) {
                        Some(&next) => next,
                        None => {
                            let next = self.new_node();
                            self.edges.insert((node, id), next);
                            if node == 0 {
                                let at = id as usize;
                                if self.root.len() <= at {
                                    self.root.resize(at + 1, 0);
                                }
                                self.root[at] = next;
                            }
                            next
                        }
                    }
                }
            };
        }
        if fuzzy {
            self.fuzzy.mark_rule(owner.rule);
        }
        let slot = &mut self.terminals[node as usize];
        if !slot.contains(&owner) {
            slot.push(owner);
        }
        self.max_len = self.max_len.max(pieces.len());
    }

    /// Adds a `near` entry: both terms, at most `within` words apart, in either order.
    pub fn add_near(
        &mut self,
        left: &[Piece],
        right: &[Piece],
        within: usize,
        owner: Owner,
        fuzzy: bool,
    ) {
        let near = self.nears.len() as u32;
        self.nears.push(Near {
            owner,
            within: within as u32,
        });
        for (terms, right) in [(left, false), (right, true)] {
            let term = Owner {
                rule: owner.rule,
                role: Role::NearTerm { near, right },
            };
            self.add(terms, term, fuzzy);
        }
    }

    /// Every occurrence of every phrase in `text`, whose tokens are `toks`. `joined` lists
    /// tokens (byte ranges) that normalization glued together from separated letters
    /// ("a f r e e" → "afree"); phrases may also start and end at any letter inside those.
    pub fn find(
        &self,
        text: &str,
        toks: &[(usize, usize)],
        joined: &[(usize, usize)],
    ) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        let mut looked = Looked {
            toks,
            ids: Vec::with_capacity(toks.len()),
            fuzzy: Vec::new(),
        };
        // Where the text has three of a letter in a row: only a token holding one of those
        // can be a stretched word (runs of letters never cross a token's edge).
        let runs = runs_of_three(text);
        let mut next_run = runs.iter().peekable();
        // The lowercased token (raw view), reused from token to token.
        let mut lower = String::new();
        for (i, &(s, e)) in toks.iter().enumerate() {
            let word = &text[s..e];
            let folded = if self.lowercase && has_upper(word) {
                if word.is_ascii() {
                    lower.clear();
                    lower.push_str(word);
                    lower.make_ascii_lowercase();
                } else {
                    lower = word.to_lowercase();
                }
                lower.as_str()
            } else {
                word
            };
            while next_run.next_if(|&&r| r < s).is_some() {}
            let stretched = next_run.peek().is_some_and(|&&r| r + 3 <= e);
            let id = match self.exact_folded(word, folded) {
                None if stretched => self.destretched(word),
                id => id,
            };
            looked.ids.push(id.unwrap_or(NONE));
            if !self.fuzzy.is_empty() {
                self.fuzzy.near_words(folded, i as u32, &mut looked.fuzzy);
            }
        }
        let mut next_joined = joined.iter().peekable();
        // A phrase starts with a word (templates cannot start with a gap): a token that is no
        // vocabulary word, exactly or within one edit, starts none.
        let root_gap = self.gaps[0] != 0;
        for (i, &(s, e)) in toks.iter().enumerate() {
            let starts = looked.ids[i] != NONE || !looked.fuzzy_at(i).is_empty();
            if starts || root_gap {
                self.walk(0, i, (i, s), &looked, false, &mut out);
            }
            while next_joined.next_if(|j| j.0 < s).is_some() {}
            if next_joined.peek().is_some_and(|j| **j == (s, e)) {
                self.split_token(text, i, &looked, &mut out);
            }
        }
        if !self.nears.is_empty() {
            self.pair_near_terms(&mut out);
        }
        out
    }

    fn exact(&self, word: &str) -> Option<u32> {
        if self.lowercase && has_upper(word) {
            self.exact_folded(word, &word.to_lowercase())
        } else {
            self.exact_folded(word, word)
        }
    }

    /// `exact` of `word`, already lowercased as `folded` where the view wants that.
    fn exact_folded(&self, word: &str, folded: &str) -> Option<u32> {
        if word.len() > self.max_word * 3 {
            return None; // lowercasing can shrink a word, but not by more than that
        }
        if self.vocab_bits.may_contain(vocab_key(folded)) {
            self.vocab.get(folded).copied()
        } else {
            None
        }
    }

    /// The node reached from `node` through word `id`.
    fn edge(&self, node: u32, id: u32) -> Option<u32> {
        if node == 0 {
            self.root.get(id as usize).copied().filter(|&n| n != 0)
        } else {
            self.edges.get(&(node, id)).copied()
        }
    }

    /// The id of a stretched word ("fuuuuck", "pleaaase"), looked up with each run of three
    /// or more letters cut to two and to one.
    fn destretched(&self, word: &str) -> Option<u32> {
        let runs = stretched_runs(word);
        if runs.is_empty() {
            return None;
        }
        // Masks from "every run cut to two" down to "every run cut to one".
        (0..1u32 << runs.len()).rev().find_map(|mask| {
            let mut v = String::with_capacity(word.len());
            let mut at = 0;
            for (k, &(start, len)) in runs.iter().enumerate() {
                v.push_str(&word[at..start]);
                let keep = if mask & (1 << k) != 0 { 2 } else { 1 };
                v.push_str(&word[start..start + keep]);
                at = start + len;
            }
            v.push_str(&word[at..]);
            self.exact(&v)
        })
    }

    /// Records the owners of `node` for a phrase over tokens `first..=last` (bytes `start..end`).
    fn arrive(
        &self,
        node: u32,
        first: (usize, usize),
        last: usize,
        end: usize,
        fuzzy: bool,
        out: &mut Vec<Occurrence>,
    ) {
        for &owner in &self.terminals[node as usize] {
            let role = match owner.role {
                Role::NearTerm { near, .. } => self.nears[near as usize].owner.role,
                role => role,
            };
            if fuzzy && !self.fuzzy.accepts(owner.rule, role) {
                continue;
            }
            out.push(Occurrence {
                owner,
                start: first.1,
                end,
                first: first.0 as u32,
                last: last as u32,
                fuzzy,
            });
        }
    }

    /// Follows the trie from `node` through tokens `j..` (the phrase began at token and byte
    /// `first`), recording phrase ends: through each token's exact word, its words one edit
    /// away, and gaps.
    fn walk(
        &self,
        node: u32,
        j: usize,
        first: (usize, usize),
        looked: &Looked<'_>,
        fuzzy: bool,
        out: &mut Vec<Occurrence>,
    ) {
        let Some(&(_, end)) = looked.toks.get(j) else {
            return;
        };
        let step = |next: u32, fuzzy: bool, out: &mut Vec<Occurrence>| {
            self.arrive(next, first, j, end, fuzzy, out);
            self.walk(next, j + 1, first, looked, fuzzy, out);
        };
        let id = looked.ids[j];
        if id != NONE {
            if let Some(next) = self.edge(node, id) {
                step(next, fuzzy, out);
            }
        }
        if !looked.fuzzy.is_empty() {
            for &(_, id) in looked.fuzzy_at(j) {
                if let Some(next) = self.edge(node, id) {
                    step(next, true, out);
                }
            }
        }
        match self.gaps[node as usize] {
            0 => {}
            next => step(next, fuzzy, out),
        }
    }

    /// Phrases starting or ending inside a joined token.
    fn split_token(&self, text: &str, i: usize, looked: &Looked<'_>, out: &mut Vec<Occurrence>) {
        // Pieces longer than the longest vocabulary word cannot match: work stays linear.
        const MAX_LETTERS: usize = 5000;
        let (s, e) = looked.toks[i];
        let mut offs: Vec<usize> = text[s..e].char_indices().map(|(k, _)| s + k).collect();
        offs.push(e);
        let full = offs.len() - 1;
        let n = full.min(MAX_LETTERS);
        for a in 0..n {
            for b in a + 1..=n.min(a + self.max_word) {
                if a == 0 && b == full {
                    continue; // the whole token: already walked
                }
                let Some(id) = self.exact(&text[offs[a]..offs[b]]) else {
                    continue;
                };
                let Some(node) = self.edge(0, id) else {
                    continue;
                };
                self.arrive(node, (i, offs[a]), i, offs[b], false, out);
                if b == full && self.max_len > 1 {
                    self.walk(node, i + 1, (i, offs[a]), looked, false, out);
                }
            }
        }
    }

    /// Replaces the occurrences of `near` terms by one occurrence for each pair of terms of
    /// the same entry close enough to each other.
    fn pair_near_terms(&self, out: &mut Vec<Occurrence>) {
        let is_term = |o: &Occurrence| matches!(o.owner.role, Role::NearTerm { .. });
        if !out.iter().any(is_term) {
            return;
        }
        let terms: Vec<Occurrence> = out.iter().copied().filter(is_term).collect();
        out.retain(|o| !is_term(o));
        for (k, near) in self.nears.iter().enumerate() {
            let side = |right: bool| {
                terms
                    .iter()
                    .filter(move |o| {
                        o.owner.role
                            == Role::NearTerm {
                                near: k as u32,
                                right,
                            }
                    })
                    .take(MAX_NEAR_TERMS)
            };
            for l in side(false) {
                for r in side(true) {
                    let (a, b) = if l.first <= r.first { (l, r) } else { (r, l) };
                    if a.last < b.first && b.first - a.last - 1 <= near.within {
                        out.push(Occurrence {
                            owner: near.owner,
                            start: a.start,
                            end: b.end,
                            first: a.first,
                            last: b.last,
                            fuzzy: a.fuzzy || b.fuzzy,
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "tests_words.rs"]
mod tests;
