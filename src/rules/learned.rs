//! The learned rule's arithmetic: which tokens a comment is made of (normalized words, pairs of
//! adjacent words, link hosts, author-name words) and how a snapshot of moderators' decisions
//! (`LearnedModel`, token counts per class) scores them: Robinson's per-token probabilities
//! combined with Fisher's chi-square, as SpamBayes and SpamAssassin's Bayes do. Pure: the
//! counts are a value the caller loads and passes in.

use super::fxhash::{FxHasher, FxMap};
use super::links::{find_links, Link};
use super::normalize::normalize;
use super::words::tokens;
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

    /// The token's spam probability if the model knows it well enough to count.
    #[inline]
    pub(crate) fn telling(&self, key: u64) -> Option<f64> {
        let p = self.token_probability(*self.tokens.get(&key)?);
        ((p - 0.5).abs() >= MIN_STRENGTH).then_some(p)
    }

    /// Robinson's probability that a comment with this token is spam, pulled towards 0.5 when
    /// the token was seen rarely.
    fn token_probability(&self, c: TokenCounts) -> f64 {
        let (h, s) = (self.ham_docs.max(1) as f64, self.spam_docs.max(1) as f64);
        let spam_ratio = (f64::from(c.spam) / s).min(1.0);
        let ham_ratio = (f64::from(c.ham) / h).min(1.0);
        let p = if spam_ratio + ham_ratio == 0.0 {
            PRIOR
        } else {
            spam_ratio / (spam_ratio + ham_ratio)
        };
        let n = f64::from(c.ham) + f64::from(c.spam);
        (PRIOR_STRENGTH * PRIOR + n * p) / (PRIOR_STRENGTH + n)
    }
}

/// The hash a token is looked up by, the same for its stored text and for a comment's text.
pub fn token_hash(token: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(token.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// One token of a comment: its text's hash and where it is (normalized-view byte offsets).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Feature {
    pub key: u64,
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

/// Calls `each` with every token of a field's normalized text (words, adjacent pairs, link
/// hosts; author names' words prefixed `name:`), its text in `buf`, and its span.
pub(crate) fn for_each_token(
    field: Field,
    text: &str,
    toks: &[(usize, usize)],
    links: &[Link],
    buf: &mut String,
    mut each: impl FnMut(&str, usize, usize),
) {
    let prefix = if field == Field::Body { "" } else { "name:" };
    let mut previous: Option<(usize, usize)> = None;
    for &(s, e) in toks.iter().take(MAX_WORDS_PER_FIELD) {
        if e - s > MAX_TOKEN_BYTES {
            previous = None;
            continue;
        }
        let word = &text[s..e];
        if prefix.is_empty() {
            each(word, s, e);
        } else {
            buf.clear();
            buf.push_str(prefix);
            buf.push_str(word);
            each(buf, s, e);
        }
        if let Some((ps, pe)) = previous {
            buf.clear();
            buf.push_str(prefix);
            buf.push_str(&text[ps..pe]);
            buf.push(' ');
            buf.push_str(word);
            each(buf, ps, e);
        }
        previous = Some((s, e));
    }
    for l in links.iter().take(MAX_WORDS_PER_FIELD) {
        let host = l.host.strip_prefix("www.").unwrap_or(&l.host);
        if host.len() > MAX_TOKEN_BYTES {
            continue;
        }
        buf.clear();
        buf.push_str("link:");
        buf.push_str(host);
        each(buf, l.start, l.end);
    }
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
            find_links(text)
        } else {
            Vec::new()
        };
        for_each_token(field, text, &toks, &links, &mut buf, |t, _, _| {
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

/// Combines the telling tokens of a comment (each looked up with `LearnedModel::telling`, in
/// any order, repeats included) into one probability, and picks the tokens that pushed hardest
/// towards it (strongest first, at most `EXPLAINED_TOKENS`). Only telling tokens are kept
/// and sorted, so a long ordinary comment costs little more than its look-ups.
pub(crate) fn score(scored: &mut Vec<Scored>) -> f64 {
    // Each token counts once, at its first place.
    scored.sort_unstable_by_key(|s| (s.feature.key, s.feature.start));
    scored.dedup_by_key(|s| s.feature.key);
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
    scored.sort_by(|a, b| {
        strength(b)
            .total_cmp(&strength(a))
            .then(a.feature.start.cmp(&b.feature.start))
    });
    scored.truncate(EXPLAINED_TOKENS);
    p
}

/// Fisher's method as Robinson applied it: how unlikely the product of the token
/// probabilities is under "ham" and under "spam", combined to one number in 0..=1.
fn chi_square_combine(probabilities: impl Iterator<Item = f64>) -> f64 {
    let (mut ln_spam, mut ln_ham, mut n) = (0.0f64, 0.0f64, 0u32);
    for p in probabilities {
        let p = p.clamp(1e-6, 1.0 - 1e-6);
        ln_spam += (1.0 - p).ln();
        ln_ham += p.ln();
        n += 1;
    }
    if n == 0 {
        return 0.5;
    }
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
mod tests {
    use super::*;

    fn score_text(m: &LearnedModel, body: &str) -> (f64, Vec<Scored>) {
        let norm = normalize(body);
        let text = norm.text();
        let toks = tokens(text);
        let links = find_links(text);
        let mut out = Vec::new();
        let mut buf = String::new();
        for_each_token(Field::Body, text, &toks, &links, &mut buf, |t, s, e| {
            let key = token_hash(t);
            if let Some(probability) = m.telling(key) {
                out.push(Scored {
                    feature: Feature {
                        key,
                        field: Field::Body,
                        start: s,
                        end: e,
                    },
                    probability,
                });
            }
        });
        let p = score(&mut out);
        (p, out)
    }

    fn trained() -> LearnedModel {
        let mut m = LearnedModel::default();
        for i in 0..20 {
            m.learn(
                &training_tokens(&format!("subscribe to my channel for free views {i}"), "x"),
                true,
            );
            m.learn(
                &training_tokens(
                    &format!("the council vote on the bypass was close {i}"),
                    "y",
                ),
                false,
            );
        }
        m
    }

    #[test]
    fn chi_square_tail_matches_known_values() {
        // chi2 with 2 degrees of freedom: P(X >= x) = e^(-x/2).
        assert!((chi2q(2.0, 2) - (-1.0f64).exp()).abs() < 1e-12);
        assert!((chi2q(0.0, 10) - 1.0).abs() < 1e-12);
        assert!(chi2q(5000.0, 300) < 1e-100);
        // chi2 with 4 degrees of freedom: P(X >= x) = e^(-x/2) (1 + x/2).
        assert!((chi2q(3.0, 4) - (-1.5f64).exp() * 2.5).abs() < 1e-12);
    }

    #[test]
    fn tokens_are_words_pairs_links_and_name_words() {
        let t = training_tokens("Visit https://www.Spam.example/x NOW", "Bob Shop");
        for expected in [
            "visit",
            "now",
            "link:spam.example",
            "name:bob",
            "name:bob shop",
        ] {
            assert!(t.contains(&expected.to_string()), "{expected} in {t:?}");
        }
    }

    #[test]
    fn spammy_text_scores_high_and_ordinary_text_low() {
        let m = trained();
        let (spam, why) = score_text(&m, "Please subscribe to my channel");
        assert!(spam > 0.9, "{spam}");
        assert!(!why.is_empty());
        let (ham, _) = score_text(&m, "The vote on the bypass");
        assert!(ham < 0.1, "{ham}");
    }

    #[test]
    fn unknown_text_is_undecided() {
        let (p, why) = score_text(&trained(), "zebra quantum violin");
        assert_eq!(p, 0.5);
        assert!(why.is_empty());
    }

    #[test]
    fn set_replaces_and_a_zero_count_removes_a_token() {
        let mut m = LearnedModel::new(3, 3);
        m.set("free", TokenCounts { ham: 0, spam: 3 });
        assert_eq!(m.token_count(), 1);
        m.set("free", TokenCounts::default());
        assert_eq!(m.token_count(), 0);
    }
}
