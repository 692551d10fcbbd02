//! The learned rule's arithmetic: which tokens a comment is made of (normalized words, pairs of
//! adjacent words, link hosts, author-name words) and how a snapshot of moderators' decisions
//! (`LearnedModel`, token counts per class) scores them: Robinson's per-token probabilities
//! combined with Fisher's chi-square, as SpamBayes and SpamAssassin's Bayes do. Pure: the
//! counts are a value the caller loads and passes in.

use super::fxhash::{FxHasher, FxMap};
use super::links::{find_links, Link};
use super::normalize::normalize;
use super::word_tokens::tokens;
use super::Field;
use serde::{Deserialize, Serialize};
use std::hash::Hasher;

/// Words of a field looked at: bounds the work on a 5,000-character comment.
pub const MAX_WORDS_PER_FIELD: usize = 200;
/// Longer tokens (hashes, base64, run-together URLs) say nothing that generalises.
pub const MAX_TOKEN_BYTES: usize = 40;
/// Robinson's strength of the prior for a token seen few times, and the prior itself.
const PRIOR_STRENGTH: f64 = 0.45;
const PRIOR: f64 = 0.5;
/// Tokens whose probability is closer to 0.5 than this are ignored (they only add noise).
const MIN_STRENGTH: f64 = 0.1;
/// Most tokens combined into one score: the most decided ones.
const MAX_DISCRIMINATORS: usize = 150;
/// Tokens named in an explanation.
pub const EXPLAINED_TOKENS: usize = 6;

/// How often a token was in comments labelled ham and spam.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenCounts {
    pub ham: u32,
    pub spam: u32,
}

/// A snapshot of the token model: labelled comments per class and counts per token (by a
/// 64-bit hash of the token's text). Built by the caller from stored counts.
#[derive(Debug, Clone, Default)]
pub struct LearnedModel {
    ham_docs: u64,
    spam_docs: u64,
    tokens: FxMap<u64, TokenCounts>,
}

impl LearnedModel {
    pub fn new(ham_docs: u64, spam_docs: u64) -> LearnedModel {
        LearnedModel {
            ham_docs,
            spam_docs,
            tokens: FxMap::default(),
        }
    }

    pub fn ham_docs(&self) -> u64 {
        self.ham_docs
    }

    pub fn spam_docs(&self) -> u64 {
        self.spam_docs
    }

    pub fn set_docs(&mut self, ham_docs: u64, spam_docs: u64) {
        self.ham_docs = ham_docs;
        self.spam_docs = spam_docs;
    }

    /// How many distinct tokens the snapshot holds.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Sets a token's counts (as stored); a token counted nowhere is dropped.
    pub fn set(&mut self, token: &str, counts: TokenCounts) {
        let key = token_hash(token);
        if counts.ham == 0 && counts.spam == 0 {
            self.tokens.remove(&key);
        } else {
            self.tokens.insert(key, counts);
        }
    }

    /// Adds one labelled comment's tokens (training without a database: tests, benches).
    pub fn learn(&mut self, tokens: &[String], spam: bool) {
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
}

/// The hash of one word's (or host's) bytes: the building block of every token key, worked
/// out once per word of a comment and shared by the word's own key and both pairs it is in.
#[inline]
fn word_hash(word: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(word.as_bytes());
    h.finish()
}

/// One FxHash step: folds `b` into `a`.
#[inline]
fn combine(a: u64, b: u64) -> u64 {
    (a.rotate_left(5) ^ b).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
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

/// Looks a comment's tokens up in a model and keeps the telling ones: each distinct token
/// once (at its first place), and a pair only when the model knows both its words (it
/// learned every pair together with its words, and pruning drops the rarer pair first).
pub(crate) struct Scorer<'m> {
    model: &'m LearnedModel,
    inv_ham: f64,
    inv_spam: f64,
    /// Keys already looked up in this comment (open addressing, 0 = empty).
    seen: Vec<u64>,
    /// The telling tokens so far.
    pub scored: Vec<Scored>,
}

impl<'m> Scorer<'m> {
    pub fn new(model: &'m LearnedModel) -> Scorer<'m> {
        Scorer {
            model,
            inv_ham: 1.0 / model.ham_docs.max(1) as f64,
            inv_spam: 1.0 / model.spam_docs.max(1) as f64,
            seen: Vec::new(),
            scored: Vec::new(),
        }
    }

    /// Looks a token up once per comment: whether the model knows it (a repeat is answered
    /// from `seen`, whose keys carry that answer in their low bit).
    #[inline]
    fn token(&mut self, feature: Feature) -> bool {
        let tag = feature.key | 1;
        let mask = self.seen.len() - 1;
        let mut i = (feature.key >> 40) as usize & mask;
        loop {
            match self.seen[i] {
                0 => break,
                k if k | 1 == tag => return k & 1 == 1,
                _ => i = (i + 1) & mask,
            }
        }
        let known = self.look_up(feature);
        self.seen[i] = if known { tag } else { tag & !1 };
        known
    }

    /// Looks one token up: whether the model knows it; keeps it when it is telling.
    #[inline]
    fn look_up(&mut self, feature: Feature) -> bool {
        let Some(&counts) = self.model.tokens.get(&feature.key) else {
            return false;
        };
        let p = probability(counts, self.inv_ham, self.inv_spam);
        if (p - 0.5).abs() >= MIN_STRENGTH {
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
        let words = toks.len().min(MAX_WORDS_PER_FIELD);
        let hosts = links.len().min(MAX_WORDS_PER_FIELD);
        // At most half full; a new field starts afresh (keys of two fields never repeat).
        let room = (4 * (words + hosts) + 64).next_power_of_two();
        self.seen.clear();
        self.seen.resize(room, 0);
        let name = field != Field::Body;
        // The previous word, when the model knows it: its start and hash.
        let mut previous: Option<(usize, u64)> = None;
        for &(s, e) in &toks[..words] {
            if e - s > MAX_TOKEN_BYTES {
                previous = None;
                continue;
            }
            let h = word_hash(&text[s..e]);
            let known = self.token(Feature {
                key: word_key(name, h),
                field,
                start: s,
                end: e,
                link: false,
            });
            if !known {
                previous = None;
                continue;
            }
            if let Some((ps, ph)) = previous {
                self.token(Feature {
                    key: pair_key(name, ph, h),
                    field,
                    start: ps,
                    end: e,
                    link: false,
                });
            }
            previous = Some((s, h));
        }
        for (link, host) in link_hosts(links) {
            self.token(Feature {
                key: combine(LINK_HOST, word_hash(host)),
                field,
                start: link.start,
                end: link.end,
                link: true,
            });
        }
    }
}

/// Robinson's probability that a comment with this token is spam, pulled towards 0.5 when
/// the token was seen rarely (`inv_*`: one over the labelled comments of each class).
#[inline]
fn probability(c: TokenCounts, inv_ham: f64, inv_spam: f64) -> f64 {
    let spam_ratio = (f64::from(c.spam) * inv_spam).min(1.0);
    let ham_ratio = (f64::from(c.ham) * inv_ham).min(1.0);
    let p = if spam_ratio + ham_ratio == 0.0 {
        PRIOR
    } else {
        spam_ratio / (spam_ratio + ham_ratio)
    };
    let n = f64::from(c.ham) + f64::from(c.spam);
    (PRIOR_STRENGTH * PRIOR + n * p) / (PRIOR_STRENGTH + n)
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

/// One token that moved the score, for the explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnedToken {
    /// The token as the model knows it (normalized; `name:` for author-name words, `link:`
    /// for link hosts).
    pub token: String,
    /// Its own spam probability (0 = only in approved comments, 1 = only in rejected ones).
    pub spam_probability: f64,
}

/// What the learned rule worked out for one comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnedScore {
    /// The combined probability that the comment is of the kind moderators reject.
    pub spam_probability: f64,
    /// Labelled comments the model had learned from (approved, rejected).
    pub ham_docs: u64,
    pub spam_docs: u64,
    /// The tokens that pushed hardest towards the result, strongest first.
    pub tokens: Vec<LearnedToken>,
}

/// A scored token of the comment: its feature and its probability.
pub(crate) struct Scored {
    pub feature: Feature,
    pub probability: f64,
}

/// Combines the telling tokens of a comment (each once, as `Scorer` keeps them) into one
/// probability, and picks the tokens that pushed hardest towards it (strongest first, at most
/// `EXPLAINED_TOKENS`). Only telling tokens are kept, so a long ordinary comment costs little
/// more than its look-ups.
pub(crate) fn score(scored: &mut Vec<Scored>) -> f64 {
    let strength = |s: &Scored| (s.probability - 0.5).abs();
    if scored.len() > MAX_DISCRIMINATORS {
        scored.select_nth_unstable_by(MAX_DISCRIMINATORS - 1, |a, b| {
            strength(b).total_cmp(&strength(a))
        });
        scored.truncate(MAX_DISCRIMINATORS);
    }
    let p = chi_square_combine(scored.iter().map(|s| s.probability));
    // The explanation: the tokens on the side the result fell, strongest first.
    let towards_spam = p >= 0.5;
    scored.retain(|s| (s.probability >= 0.5) == towards_spam);
    let order = |a: &Scored, b: &Scored| {
        strength(b)
            .total_cmp(&strength(a))
            .then(a.feature.start.cmp(&b.feature.start))
    };
    if scored.len() > EXPLAINED_TOKENS {
        scored.select_nth_unstable_by(EXPLAINED_TOKENS - 1, order);
        scored.truncate(EXPLAINED_TOKENS);
    }
    scored.sort_unstable_by(order);
    p
}

/// Fisher's method as Robinson applied it: how unlikely the product of the token
/// probabilities is under "ham" and under "spam", combined to one number in 0..=1.
fn chi_square_combine(probabilities: impl Iterator<Item = f64>) -> f64 {
    // The products are kept as mantissa and a count of factors of 2^-512 taken out (as
    // SpamBayes does with frexp), so a comment costs two logarithms, not two per token.
    const SCALE: f64 = 1.340_780_792_994_259_7e154; // 2^512
    const TINY: f64 = 1.0 / SCALE;
    let (mut spam, mut ham) = (1.0f64, 1.0f64);
    let (mut spam_scales, mut ham_scales, mut n) = (0i32, 0i32, 0u32);
    for p in probabilities {
        let p = p.clamp(1e-6, 1.0 - 1e-6);
        spam *= 1.0 - p;
        ham *= p;
        if spam < TINY {
            spam *= SCALE;
            spam_scales += 1;
        }
        if ham < TINY {
            ham *= SCALE;
            ham_scales += 1;
        }
        n += 1;
    }
    if n == 0 {
        return 0.5;
    }
    let ln_scale = 512.0 * std::f64::consts::LN_2;
    let ln_spam = spam.ln() - f64::from(spam_scales) * ln_scale;
    let ln_ham = ham.ln() - f64::from(ham_scales) * ln_scale;
    let s = 1.0 - chi2q(-2.0 * ln_spam, 2 * n);
    let h = 1.0 - chi2q(-2.0 * ln_ham, 2 * n);
    ((s - h + 1.0) / 2.0).clamp(0.0, 1.0)
}

/// P(X >= x2) for a chi-square variable with `v` (even) degrees of freedom: the Poisson sum
/// e^-m (1 + m + m^2/2! + ...) over v/2 terms. Where e^-m underflows (m > ~700) the tail is
/// far below anything that matters here, and 0 is returned.
fn chi2q(x2: f64, v: u32) -> f64 {
    let m = x2 / 2.0;
    if m <= 0.0 {
        return 1.0;
    }
    let mut term = (-m).exp();
    let mut sum = term;
    for i in 1..(v / 2) {
        term *= m / f64::from(i);
        sum += term;
    }
    sum.min(1.0)
}

#[cfg(test)]
#[path = "tests_learned.rs"]
mod tests;
