//! Unit tests of the phrase index: whole words, joined letters, gaps, `near` pairs, fuzzy and
//! stretched words.

use super::*;
use crate::rules::fuzzy::{letter_bits, one_edit_apart};
use crate::rules::word_tokens::tokens;

const W: Owner = Owner {
    rule: 0,
    role: Role::Word,
};

fn pieces(phrase: &str) -> Vec<Piece> {
    phrase
        .split(' ')
        .map(|w| match w {
            "*" => Piece::Gap,
            w => Piece::Word(w.to_string()),
        })
        .collect()
}

fn index(phrases: &[&str], fuzzy: bool) -> PhraseIndex {
    let mut idx = PhraseIndex::new(false);
    for p in phrases {
        idx.add(&pieces(p), W, fuzzy);
    }
    idx
}

fn found<'t>(idx: &PhraseIndex, text: &'t str, joined: &[(usize, usize)]) -> Vec<&'t str> {
    idx.find(text, &tokens(text), joined)
        .iter()
        .filter(|o| o.owner.role == Role::Word)
        .map(|o| &text[o.start..o.end])
        .collect()
}

#[test]
fn finds_whole_words_and_phrases_only() {
    let idx = index(&["twat", "check out my channel"], false);
    let text = "my smartwatch, check out my channel! twat.";
    assert_eq!(found(&idx, text, &[]), vec!["check out my channel", "twat"]);
}

#[test]
fn raw_index_lowercases_text_tokens() {
    let mut idx = PhraseIndex::new(true);
    idx.add(&pieces("spam"), W, false);
    assert_eq!(idx.find("SPAM here", &tokens("SPAM here"), &[]).len(), 1);
}

#[test]
fn finds_words_inside_joined_letter_runs() {
    let idx = index(&["free money", "ass"], false);
    let text = "afree money and iassx";
    assert_eq!(
        found(&idx, text, &[(0, 5), (16, 21)]),
        vec!["free money", "ass"]
    );
}

#[test]
fn a_gap_takes_any_one_word() {
    let idx = index(&["check out my *", "subscribe to my * channel"], false);
    let text = "check out my mixtape, subscribe to my gaming channel, check out my";
    assert_eq!(
        found(&idx, text, &[]),
        vec!["check out my mixtape", "subscribe to my gaming channel"]
    );
}

#[test]
fn near_terms_pair_up_within_the_distance_in_either_order() {
    let mut idx = PhraseIndex::new(false);
    idx.add_near(&pieces("subscribe"), &pieces("my channel"), 2, W, false);
    for (text, want) in [
        (
            "please subscribe to my channel",
            vec!["subscribe to my channel"],
        ),
        (
            "my channel: you subscribe",
            vec!["my channel: you subscribe"],
        ),
        ("subscribe and then go to see my channel", vec![]),
        ("subscribe", vec![]),
    ] {
        assert_eq!(found(&idx, text, &[]), want, "{text}");
    }
}

#[test]
fn fuzzy_words_match_within_one_edit_only_when_long_enough() {
    let idx = index(&["subscribe to my channel", "spam"], true);
    let text = "suscribe to my chanel, spma, subscirbe to my channel";
    assert_eq!(
        found(&idx, text, &[]),
        vec!["suscribe to my chanel", "subscirbe to my channel"]
    );
    let exact = index(&["subscribe"], false);
    assert!(found(&exact, "suscribe", &[]).is_empty());
}

#[test]
fn fuzzy_matches_count_only_for_fuzzy_rules() {
    let mut idx = PhraseIndex::new(false);
    idx.add(&pieces("channel"), W, true);
    let other = Owner {
        rule: 1,
        role: Role::Word,
    };
    idx.add(&pieces("channel"), other, false);
    let text = "chanel";
    let owners: Vec<u32> = idx
        .find(text, &tokens(text), &[])
        .iter()
        .map(|o| o.owner.rule)
        .collect();
    assert_eq!(owners, vec![0]);
}

#[test]
fn one_edit_is_an_insertion_deletion_substitution_or_swap() {
    for (a, b) in [
        ("channel", "chanel"),
        ("channel", "channell"),
        ("channel", "chennel"),
        ("channel", "chanenl"),
    ] {
        assert!(one_edit_apart(a, b), "{a} {b}");
    }
    for (a, b) in [
        ("channel", "channel"),
        ("channel", "chnanle"),
        ("channel", "chan"),
        ("abc", "bca"),
    ] {
        assert!(!one_edit_apart(a, b), "{a} {b}");
    }
}

#[test]
fn stretched_words_match_their_entries() {
    let idx = index(&["fuck", "ass", "please subscribe", "cool"], false);
    let text = "fuuuuck this asssss, pleaaaaase subscribeeee, coooool";
    assert_eq!(
        found(&idx, text, &[]),
        vec!["fuuuuck", "asssss", "pleaaaaase subscribeeee", "coooool"]
    );
}

/// Fuzzy words of the property below: ASCII, accented and CJK, sharing ends and lengths.
const FUZZY_WORDS: [&str; 7] = [
    "subscribe",
    "subscriber",
    "channel",
    "chancel",
    "giveaway",
    "élégante",
    "中文中文中文",
];

/// `word` after one edit: 0 inserts `c` at `at` (or appends), 1 deletes, 2 substitutes, 3 swaps
/// neighbours.
fn edited(word: &str, op: usize, at: usize, c: char) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let len = chars.len();
    match op {
        0 => chars.insert(at % (len + 1), c),
        1 => {
            chars.remove(at % len);
        }
        2 => chars[at % len] = c,
        _ if at % len + 1 < len => chars.swap(at % len, at % len + 1),
        _ => {}
    }
    chars.into_iter().collect()
}

/// Tokens as maximal runs of alphanumeric characters, one character at a time.
fn reference_tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    out.extend(start.map(|s| (s, text.len())));
    out
}

proptest::proptest! {
    #[test]
    fn words_one_edit_apart_differ_in_at_most_two_letter_bits(
        word in "[a-eé中]{1,10}",
        op in 0..4usize,
        at in 0..11usize,
        c in "[a-fé中ü]",
    ) {
        let other = edited(&word, op, at, c.chars().next().unwrap());
        if one_edit_apart(&word, &other) {
            proptest::prop_assert!((letter_bits(&word) ^ letter_bits(&other)).count_ones() <= 2);
        }
    }

    #[test]
    fn fuzzy_words_are_found_exactly_when_one_edit_away(
        which in 0..FUZZY_WORDS.len(),
        op in 0..4usize,
        at in 0..13usize,
        c in "[a-zé中ü]",
    ) {
        let idx = index(&FUZZY_WORDS, true);
        let token = edited(FUZZY_WORDS[which], op, at, c.chars().next().unwrap());
        // Buckets are by length in bytes: an edit that changes it by more than one (a
        // multi-byte letter put into or taken out of a word) is not looked for.
        let expected = FUZZY_WORDS.iter().any(|w| {
            *w == token || (one_edit_apart(w, &token) && w.len().abs_diff(token.len()) <= 1)
        });
        proptest::prop_assert_eq!(!found(&idx, &token, &[]).is_empty(), expected, "{}", token);
    }

    #[test]
    fn finds_every_run_of_three_letters_wherever_it_starts(s in "[ab1! ]{0,40}") {
        let b = s.as_bytes();
        let expected: Vec<usize> = b
            .windows(3)
            .enumerate()
            .filter(|(_, w)| w[0] == w[1] && w[1] == w[2] && w[0].is_ascii_alphabetic())
            .map(|(i, _)| i)
            .collect();
        proptest::prop_assert_eq!(runs_of_three(&s), expected);
    }

    #[test]
    fn tokens_agree_with_a_char_by_char_split(s in "[a-zA-Z0-9 .,'_@\t\n-]{0,60}|[a-z0-9 é\u{a0}-]{0,30}|[a-zA-Z0-9 é—“①中Ⅻ\u{300}\u{a0}.-]{0,40}|\\PC{0,40}") {
        proptest::prop_assert_eq!(tokens(&s), reference_tokens(&s));
    }
}
