//! How the learned rule combines a comment's telling tokens into one spam probability
//! (Fisher's chi-square, as Robinson applied it to spam filtering) and picks the tokens that
//! explain it (`LearnedScore`, what a verdict shows).

use super::Feature;
use serde::{Deserialize, Serialize};

/// Most tokens combined into one score: the most decided ones.
const MAX_DISCRIMINATORS: usize = 150;
/// Tokens named in an explanation.
pub const EXPLAINED_TOKENS: usize = 6;

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
pub(super) fn chi_square_combine(probabilities: impl Iterator<Item = f64>) -> f64 {
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
pub(super) fn chi2q(x2: f64, v: u32) -> f64 {
    let m = x2 / 2.0;
    if m <= 0.0 {
        return 1.0;
    }
    let mut term = (-m).exp();
    let mut sum = term;
    for i in 1..(v / 2) as usize {
        // 1/i from a table: the loop's chain of multiplications then waits on no division.
        term *= m * RECIPROCALS.get(i).copied().unwrap_or(1.0 / i as f64);
        sum += term;
    }
    sum.min(1.0)
}

/// 1/i for every term `chi2q` sums for a comment's (at most `MAX_DISCRIMINATORS`) tokens.
const RECIPROCALS: [f64; MAX_DISCRIMINATORS + 1] = {
    let mut r = [0.0; MAX_DISCRIMINATORS + 1];
    let mut i = 1;
    while i <= MAX_DISCRIMINATORS {
        r[i] = 1.0 / i as f64;
        i += 1;
    }
    r
};

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
