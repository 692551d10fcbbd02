//! The learned rule's arithmetic: which tokens a comment is made of (normalized words, pairs of
//! adjacent words, link hosts, author-name words) and how a snapshot of moderators' decisions
//! (`LearnedModel`, token counts per class) scores them: Robinson's per-token probabilities
//! combined with Fisher's chi-square, as SpamBayes and SpamAssassin's Bayes do. Pure: the
//! counts are a value the caller loads and passes in.

use super::fxhash::{combine, fold_bytes, FxMap};
use super::links::{find_links, Link};
use super::normalize::normalize;
use super::word_tokens::tokens;
use super::Field;
use std::cell::RefCell;
use std::sync::OnceLock;

#[path = "learned_combine.rs"]
mod combine;
#[path = "learned_table.rs"]
mod table;
#[cfg(test)]
use combine::{chi2q, chi_square_combine};
pub(crate) use combine::{score, Scored};
pub use combine::{LearnedScore, LearnedToken};
use table::ProbabilityTable;

/// Words of a field looked at: bounds the work on a 5,000-character comment.
pub const MAX_WORDS_PER_FIELD: usize = 200;
/// Longer tokens (hashes, base64, run-together URLs) say nothing that generalises.
pub const MAX_TOKEN_BYTES: usize = 40;
/// Robinson's strength of the prior for a token seen few times, and the prior itself.
const PRIOR_STRENGTH: f64 = 0.45;
const PRIOR: f64 = 0.5;
/// Tokens whose probability is closer to 0.5 than this are ignored (they only add noise).
const MIN_STRENGTH: f64 = 0.1;

/// How often a token was in comments labelled ham and spam.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenCounts {
    pub ham: u32,
    pub spam: u32,
}

/// A snapshot of the token model: labelled comments per class and counts per token (by a
/// 64-bit hash of the token's text). Built by the caller from stored counts; scored from a
/// table of each token's probability, built once per snapshot (`prepare`, or the first
/// comment scored) and dropped by any change.
#[derive(Debug, Default)]
pub struct LearnedModel {
    ham_docs: u64,
    spam_docs: u64,
    tokens: FxMap<u64, TokenCounts>,
    table: OnceLock<ProbabilityTable>,
}

/// A copy is made to be changed: it leaves the scoring table behind.
impl Clone for LearnedModel {
    fn clone(&self) -> Self {
        LearnedModel {
            ham_docs: self.ham_docs,
            spam_docs: self.spam_docs,
            tokens: self.tokens.clone(),
            table: OnceLock::new(),
        }
    }
}

impl LearnedModel {
    pub fn new(ham_docs: u64, spam_docs: u64) -> LearnedModel {
        LearnedModel {
            ham_docs,
            spam_docs,
            tokens: FxMap::default(),
            table: OnceLock::new(),
        }
    }

    pub fn ham_docs(&self) -> u64 {
        self.ham_docs
    }

    pub fn spam_docs(&self) -> u64 {
        self.spam_docs
    }

    pub fn set_docs(&mut self, ham_docs: u64, spam_docs: u64) {
        self.table.take();
        self.ham_docs = ham_docs;
        self.spam_docs = spam_docs;
    }

    /// How many distinct tokens the snapshot holds.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Sets a token's counts (as stored); a token counted nowhere is dropped.
    pub fn set(&mut self, token: &str, counts: TokenCounts) {
        self.table.take();
        let key = token_hash(token);
        if counts.ham == 0 && counts.spam == 0 {
            self.tokens.remove(&key);
        } else {
            self.tokens.insert(key, counts);
        }
    }

    /// Adds one labelled comment's tokens (training without a database: tests, benches).
    pub fn learn(&mut self, tokens: &[String], spam: bool) {
        self.table.take();
        if spam {
            self.spam_docs += 1;
        } else {
            self.ham_docs += 1;
        }
        for t in tokens {
            let c = self.tokens.entry(token_hash(t)).or_default();
            if spam {
                c.spam = c.spam.saturating_add(1);
            } else {
                c.ham = c.ham.saturating_add(1);
            }
        }
    }

    /// Builds the scoring table now, so that the first comment judged with this snapshot does
    /// not wait for it (a few milliseconds for a full model).
    pub fn prepare(&self) {
        self.table();
    }

    /// Each token's probability, worked out from the counts once per snapshot.
    fn table(&self) -> &ProbabilityTable {
        self.table.get_or_init(|| {
            let inv_ham = 1.0 / self.ham_docs.max(1) as f64;
            let inv_spam = 1.0 / self.spam_docs.max(1) as f64;
            ProbabilityTable::build(
                self.tokens
                    .iter()
                    .map(|(&key, &counts)| (key, probability(counts, inv_ham, inv_spam))),
            )
        })
    }
}

/// The hash of one word's (or host's) bytes: the building block of every token key, worked
/// out once per word of a comment and shared by the word's own key and both pairs it is in
/// (`fold_bytes`: two multiplications for a word of up to eight bytes). The last rotation
/// brings the product's well-mixed high bits down to the bits a hash table indexes by.
#[inline]
fn word_hash(word: &str) -> u64 {
    fold_bytes(0, word.as_bytes()).rotate_left(26)
}

// The kinds of token, each hashed from its own seed so that a word, a pair and a host never
// share a key by construction.
const BODY_WORD: u64 = 1;
const NAME_WORD: u64 = 2;
const BODY_PAIR: u64 = 3;
const NAME_PAIR: u64 = 4;
const LINK_HOST: u64 = 5;

#[inline]
fn word_key(name: bool, word: u64) -> u64 {
    combine(if name { NAME_WORD } else { BODY_WORD }, word)
}

#[inline]
fn pair_key(name: bool, first: u64, second: u64) -> u64 {
    combine(
        combine(if name { NAME_PAIR } else { BODY_PAIR }, first),
        second,
    )
}

/// The key a token is looked up by, the same for its stored text (`word`, `first second`,
/// `name:word`, `name:first second`, `link:host`) and for a comment's text, where it is
/// built from per-word hashes without writing the token out.
pub fn token_hash(token: &str) -> u64 {
    if let Some(host) = token.strip_prefix("link:") {
        return combine(LINK_HOST, word_hash(host));
    }
    let (name, rest) = match token.strip_prefix("name:") {
        Some(rest) => (true, rest),
        None => (false, token),
    };
    match rest.split_once(' ') {
        Some((first, second)) => pair_key(name, word_hash(first), word_hash(second)),
        None => word_key(name, word_hash(rest)),
    }
}

/// One token of a comment: its key and where it is (byte offsets of the normalized view for
/// words and pairs, of the raw text for links).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Feature {
    pub key: u64,
    pub field: Field,
    pub start: usize,
    pub end: usize,
    /// A link host: its span is in the raw text, and an explanation shows the link as written.
    pub link: bool,
}

/// Calls `each` with the text of every token of a field's normalized text (words, adjacent
/// pairs, link hosts; author names' words prefixed `name:`): what training stores.
fn for_each_token(
    field: Field,
    text: &str,
    toks: &[(usize, usize)],
    links: &[Link],
    buf: &mut String,
    mut each: impl FnMut(&str),
) {
    let prefix = if field == Field::Body { "" } else { "name:" };
    let mut previous: Option<(usize, usize)> = None;
    for &(s, e) in toks.iter().take(MAX_WORDS_PER_FIELD) {
        if e - s > MAX_TOKEN_BYTES {
            previous = None;
            continue;
        }
        let word = &text[s..e];
        buf.clear();
        buf.push_str(prefix);
        buf.push_str(word);
        each(buf);
        if let Some((ps, pe)) = previous {
            buf.clear();
            buf.push_str(prefix);
            buf.push_str(&text[ps..pe]);
            buf.push(' ');
            buf.push_str(word);
            each(buf);
        }
        previous = Some((s, e));
    }
    for (_, host) in link_hosts(links) {
        buf.clear();
        buf.push_str("link:");
        buf.push_str(host);
        each(buf);
    }
}

/// The hosts of a field's links the model reads (`www.` dropped, overlong ones skipped).
fn link_hosts(links: &[Link]) -> impl Iterator<Item = (&Link, &str)> {
    links
        .iter()
        .take(MAX_WORDS_PER_FIELD)
        .map(|l| (l, l.host.strip_prefix("www.").unwrap_or(&l.host)))
        .filter(|(_, host)| host.len() <= MAX_TOKEN_BYTES)
}

/// The telling tokens one field of a comment has counted so far (a token counts once, at its
/// first place): an open-addressed set of keys whose slots count as empty unless stamped with
/// the current field's number, so each field starts afresh without clearing the table. One
/// per thread, reused by every comment judged there (no allocation or clearing per comment).
struct Seen {
    keys: Vec<u64>,
    stamps: Vec<u32>,
    stamp: u32,
    mask: usize,
}

/// The most slots a field needs: at most half full with every word, pair and host distinct.
const SEEN_SLOTS: usize = (4 * 2 * MAX_WORDS_PER_FIELD + 64).next_power_of_two();

thread_local! {
    static SEEN: RefCell<Seen> = RefCell::new(Seen {
        keys: vec![0; SEEN_SLOTS],
        stamps: vec![0; SEEN_SLOTS],
        stamp: 0,
        mask: 0,
    });
}

impl Seen {
    /// Empties the set for a field of `tokens` tokens at most.
    fn start(&mut self, tokens: usize) {
        if self.stamp == u32::MAX {
            self.stamps.fill(0);
            self.stamp = 0;
        }
        self.stamp += 1;
        self.mask = (2 * tokens + 64).next_power_of_two().min(SEEN_SLOTS) - 1;
    }

    /// Adds `key`; whether it was new.
    #[inline]
    fn insert(&mut self, key: u64) -> bool {
        let mut i = (key >> 40) as usize & self.mask;
        while self.stamps[i] == self.stamp {
            if self.keys[i] == key {
                return false;
            }
            i = (i + 1) & self.mask;
        }
        self.keys[i] = key;
        self.stamps[i] = self.stamp;
        true
    }
}

/// Looks a comment's tokens up in a model and keeps the telling ones: each distinct token
/// once (at its first place), and a pair only when the model knows both its words (it
/// learned every pair together with its words, and pruning drops the rarer pair first).
pub(crate) struct Scorer<'m> {
    table: &'m ProbabilityTable,
    /// The telling tokens so far.
    pub scored: Vec<Scored>,
}

impl<'m> Scorer<'m> {
    pub fn new(model: &'m LearnedModel) -> Scorer<'m> {
        Scorer {
            table: model.table(),
            scored: Vec::new(),
        }
    }

    /// Looks one token up: whether the model knows it; keeps it when it is telling and not
    /// yet counted in this field. Only telling tokens go through `seen`: a repeated word is
    /// looked up again (its slot is in the cache by then), which costs less than a set of
    /// every token would.
    #[inline(always)]
    fn token(&mut self, seen: &mut Seen, feature: Feature) -> bool {
        let Some(p) = self.table.get(feature.key) else {
            return false;
        };
        if (p - 0.5).abs() >= MIN_STRENGTH && seen.insert(feature.key) {
            self.scored.push(Scored {
                feature,
                probability: p,
            });
        }
        true
    }

    /// Scores one field's tokens: the words of its normalized `text` and their pairs, and its
    /// `links` (found in the raw text, where the link rules have already looked for them).
    pub fn field(&mut self, field: Field, text: &str, toks: &[(usize, usize)], links: &[Link]) {
        SEEN.with_borrow_mut(|seen| self.field_with(seen, field, text, toks, links));
    }

    fn field_with(
        &mut self,
        seen: &mut Seen,
        field: Field,
        text: &str,
        toks: &[(usize, usize)],
        links: &[Link],
    ) {
        let words = toks.len().min(MAX_WORDS_PER_FIELD);
        let hosts = links.len().min(MAX_WORDS_PER_FIELD);
        // A new field starts afresh: a word in two fields (author name and e-mail share the
        // `name:` keys) counts in each, as it always has.
        seen.start(2 * words + hosts);
        self.scored.reserve(2 * words + hosts);
        let name = field != Field::Body;
        // The previous word, when the model knows it: its start and hash.
        let mut previous: Option<(usize, u64)> = None;
        for &(s, e) in &toks[..words] {
            if e - s > MAX_TOKEN_BYTES {
                previous = None;
                continue;
            }
            let h = word_hash(&text[s..e]);
            let known = self.token(
                seen,
                Feature {
                    key: word_key(name, h),
                    field,
                    start: s,
                    end: e,
                    link: false,
                },
            );
            if !known {
                previous = None;
                continue;
            }
            if let Some((ps, ph)) = previous {
                self.token(
                    seen,
                    Feature {
                        key: pair_key(name, ph, h),
                        field,
                        start: ps,
                        end: e,
                        link: false,
                    },
                );
            }
            previous = Some((s, h));
        }
        for (link, host) in link_hosts(links) {
            self.token(
                seen,
                Feature {
                    key: combine(LINK_HOST, word_hash(host)),
                    field,
                    start: link.start,
                    end: link.end,
                    link: true,
                },
            );
        }
    }
}

/// Robinson's probability that a comment with this token is spam, pulled towards 0.5 when
/// the token was seen rarely (`inv_*`: one over the labelled comments of each class):
/// `(s·x + n·p) / (s + n)` with `p = spam / (spam + ham)` (the ratios of each class), brought
/// to one fraction so that a token costs one division (two were a fifth of a look-up's time).
#[inline]
fn probability(c: TokenCounts, inv_ham: f64, inv_spam: f64) -> f64 {
    let spam_ratio = (f64::from(c.spam) * inv_spam).min(1.0);
    let ham_ratio = (f64::from(c.ham) * inv_ham).min(1.0);
    let both = spam_ratio + ham_ratio;
    if both == 0.0 {
        return PRIOR;
    }
    let n = f64::from(c.ham) + f64::from(c.spam);
    (PRIOR_STRENGTH * PRIOR * both + n * spam_ratio) / ((PRIOR_STRENGTH + n) * both)
}

/// The distinct tokens of a comment, as training stores them.
pub fn training_tokens(body: &str, author_name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for (field, raw) in [(Field::Body, body), (Field::AuthorName, author_name)] {
        let norm = normalize(raw);
        let text = norm.text();
        let toks = tokens(text);
        let links = if field == Field::Body {
            find_links(raw)
        } else {
            Vec::new()
        };
        for_each_token(field, text, &toks, &links, &mut buf, |t| {
            out.push(t.to_string());
        });
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
#[path = "tests_learned.rs"]
mod tests;
