//! Unit tests of the learned rule's tokens, model and scoring (`rules::learned`).

use super::*;

fn score_text(m: &LearnedModel, body: &str) -> (f64, Vec<Scored>) {
    let norm = normalize(body);
    let text = norm.text();
    let mut scorer = Scorer::new(m);
    scorer.field(Field::Body, text, &tokens(text), &find_links(body));
    let mut out = scorer.scored;
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
fn combining_many_tokens_matches_the_sum_of_logarithms() {
    // 150 strong spam tokens and 40 ham ones: the products fall below 2^-512, where the
    // scaling steps in.
    let ps: Vec<f64> = (0..190)
        .map(|i| {
            if i < 150 {
                0.99 - f64::from(i % 7) * 0.01
            } else {
                0.2
            }
        })
        .collect();
    let (ln_spam, ln_ham) = ps.iter().fold((0.0f64, 0.0f64), |(s, h), p| {
        (s + (1.0 - p).ln(), h + p.ln())
    });
    let n = ps.len() as u32;
    let s = 1.0 - chi2q(-2.0 * ln_spam, 2 * n);
    let h = 1.0 - chi2q(-2.0 * ln_ham, 2 * n);
    let expected = ((s - h + 1.0) / 2.0).clamp(0.0, 1.0);
    let got = chi_square_combine(ps.iter().copied());
    assert!((got - expected).abs() < 1e-9, "{got} {expected}");
    assert!(got > 0.99, "{got}");
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
fn a_comment_is_scored_by_the_very_tokens_training_stored() {
    let (body, name) = ("Visit www.Spam.example now, visit NOW", "Bob Shop");
    let stored = training_tokens(body, name);
    let mut m = LearnedModel::default();
    m.learn(&stored, true);
    let mut scorer = Scorer::new(&m);
    for (field, raw) in [(Field::Body, body), (Field::AuthorName, name)] {
        let norm = normalize(raw);
        let links = if field == Field::Body {
            find_links(raw)
        } else {
            Vec::new()
        };
        scorer.field(field, norm.text(), &tokens(norm.text()), &links);
    }
    // Every stored token (words, pairs, the host, name words and pair) found once.
    assert_eq!(scorer.scored.len(), stored.len(), "{stored:?}");
    let mut keys: Vec<u64> = scorer.scored.iter().map(|s| s.feature.key).collect();
    keys.sort_unstable();
    let mut expected: Vec<u64> = stored.iter().map(|t| token_hash(t)).collect();
    expected.sort_unstable();
    assert_eq!(keys, expected);
}

#[test]
fn pairs_are_looked_up_only_when_the_model_knows_both_words() {
    let mut m = LearnedModel::new(1, 1);
    m.set("free money", TokenCounts { ham: 0, spam: 5 });
    let (p, why) = score_text(&m, "free money");
    assert_eq!(p, 0.5);
    assert!(why.is_empty());
    m.set("free", TokenCounts { ham: 1, spam: 1 });
    m.set("money", TokenCounts { ham: 1, spam: 1 });
    let (p, why) = score_text(&m, "free money");
    assert!(p > 0.9, "{p}");
    assert_eq!(why.len(), 1);
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

#[test]
fn one_fraction_probability_matches_robinsons_two_steps() {
    let (inv_ham, inv_spam) = (1.0 / 57.0, 1.0 / 23.0);
    for ham in [0u32, 1, 2, 7, 40, 1000] {
        for spam in [0u32, 1, 3, 9, 22, 5000] {
            let c = TokenCounts { ham, spam };
            let sr = (f64::from(spam) * inv_spam).min(1.0);
            let hr = (f64::from(ham) * inv_ham).min(1.0);
            let p = if sr + hr == 0.0 {
                PRIOR
            } else {
                sr / (sr + hr)
            };
            let n = f64::from(ham + spam);
            let two_steps = (PRIOR_STRENGTH * PRIOR + n * p) / (PRIOR_STRENGTH + n);
            let got = probability(c, inv_ham, inv_spam);
            assert!(
                (got - two_steps).abs() < 1e-12,
                "{ham}/{spam}: {got} {two_steps}"
            );
        }
    }
}

#[test]
fn words_that_share_their_loaded_bytes_hash_apart() {
    // Every length class of the hash (1-3, 4-7, 8, longer with an overlapping last load),
    // words that differ in one byte anywhere, and prefixes of one another.
    let base = "abcdefghijklmnopqrstuvwxyz0123456789";
    let mut words: Vec<String> = (1..=base.len()).map(|n| base[..n].to_string()).collect();
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17] {
        for i in 0..n {
            let mut w = base.as_bytes()[..n].to_vec();
            w[i] = b'_';
            words.push(String::from_utf8(w).unwrap());
        }
    }
    let mut keys: Vec<u64> = words.iter().map(|w| word_hash(w)).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), words.len());
}

#[test]
fn a_field_after_a_long_one_forgets_the_long_ones_tokens() {
    // The per-thread set of tokens already looked up starts afresh for every field, so a
    // token repeated in the next field (or the next comment) is looked up and kept again.
    let m = trained();
    let long = "subscribe to my channel ".repeat(60);
    let (_, first) = score_text(&m, &long);
    let (_, again) = score_text(&m, "subscribe to my channel");
    assert!(!first.is_empty());
    assert!(
        !again.is_empty(),
        "the second field's tokens were taken as already seen"
    );
    assert_eq!(
        first.iter().map(|s| s.feature.key).min(),
        again.iter().map(|s| s.feature.key).min()
    );
}

#[test]
fn a_scored_tokens_probability_is_robinsons_from_its_counts() {
    let mut m = LearnedModel::new(57, 23);
    m.set("council", TokenCounts { ham: 30, spam: 0 });
    m.set("prize", TokenCounts { ham: 1, spam: 9 });
    let text = "council prize";
    let mut scorer = Scorer::new(&m);
    scorer.field(Field::Body, text, &tokens(text), &[]);
    let got: Vec<f64> = scorer.scored.iter().map(|s| s.probability).collect();
    let expected = |ham, spam| probability(TokenCounts { ham, spam }, 1.0 / 57.0, 1.0 / 23.0);
    assert_eq!(got, [expected(30, 0), expected(1, 9)]);
}

#[test]
fn a_word_near_one_half_is_not_scored_but_its_pairs_are() {
    let mut m = LearnedModel::new(10, 10);
    // p = 0.55 (within MIN_STRENGTH of 0.5) and the pair it starts, only in spam.
    m.set("today", TokenCounts { ham: 4, spam: 5 });
    m.set("tomorrow", TokenCounts { ham: 5, spam: 4 });
    m.set("today tomorrow", TokenCounts { ham: 0, spam: 6 });
    let text = "today tomorrow";
    let mut scorer = Scorer::new(&m);
    scorer.field(Field::Body, text, &tokens(text), &[]);
    let keys: Vec<u64> = scorer.scored.iter().map(|s| s.feature.key).collect();
    assert_eq!(keys, [token_hash("today tomorrow")]);
}

#[test]
fn every_change_to_a_model_is_in_its_next_score() {
    let mut m = LearnedModel::new(10, 10);
    m.set("free", TokenCounts { ham: 1, spam: 2 });
    assert!(score_text(&m, "free").0 > 0.5);
    // Twice the rejected comments: two in 20 is as often as one in 10 approved ones.
    m.set_docs(10, 20);
    assert_eq!(score_text(&m, "free").0, 0.5);
    m.learn(&training_tokens("free", ""), false);
    m.learn(&training_tokens("free", ""), false);
    assert!(score_text(&m, "free").0 < 0.5);
    m.set("free", TokenCounts::default());
    assert_eq!(score_text(&m, "free").0, 0.5);
}

#[test]
fn a_copy_of_a_model_scores_by_its_own_counts() {
    let mut m = LearnedModel::new(1, 1);
    m.set("free", TokenCounts { ham: 0, spam: 4 });
    let (before, _) = score_text(&m, "free");
    let mut copy = m.clone();
    copy.set("free", TokenCounts { ham: 4, spam: 0 });
    assert!(score_text(&copy, "free").0 < 0.5);
    assert_eq!(score_text(&m, "free").0, before);
    assert!(before > 0.5);
}
