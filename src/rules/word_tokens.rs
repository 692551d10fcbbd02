//! Words of a normalized text: the token split every word rule, the learned rule and lint share,
//! and the cheap word-shape tests the phrase index asks before its lookups (a capital letter,
//! stretched runs such as "sooooo").

use super::stats::{has_zero_byte, word_at};

/// Bytes that are ASCII letters or digits.
const ASCII_ALNUM: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// Whether the character at byte `i` of `text` (a char boundary) is part of a token, and its
/// length in bytes.
#[inline]
fn word_char_at(text: &str, i: usize) -> (bool, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        return (ASCII_ALNUM[usize::from(b)], 1);
    }
    let c = text[i..].chars().next().unwrap_or(' ');
    (c.is_alphanumeric(), c.len_utf8())
}

/// Splits text into tokens: maximal runs of alphanumeric characters, as byte ranges. ASCII
/// bytes are classified by a table; only other characters are decoded.
pub(crate) fn tokens(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 4);
    let mut i = 0;
    while i < bytes.len() {
        let (word, len) = word_char_at(text, i);
        let start = i;
        i += len;
        if !word {
            continue;
        }
        while i < bytes.len() {
            if ASCII_ALNUM[usize::from(bytes[i])] {
                i += 1;
                continue;
            }
            match word_char_at(text, i) {
                (true, len) => i += len,
                (false, _) => break,
            }
        }
        out.push((start, i));
    }
    out
}

/// Whether a token has a capital letter (so the raw view lowercases it before lookup).
pub(super) fn has_upper(word: &str) -> bool {
    if word.is_ascii() {
        word.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        word.chars().any(char::is_uppercase)
    }
}

/// The token's runs of three or more of the same letter ("sooooo"), as (start, length), at
/// most four of them.
pub(super) fn stretched_runs(word: &str) -> Vec<(usize, usize)> {
    let b = word.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() && runs.len() < 4 {
        let n = b[i..].iter().take_while(|&&x| x == b[i]).count();
        if n >= 3 && b[i].is_ascii_alphabetic() {
            runs.push((i, n));
        }
        i += n;
    }
    runs
}

/// Where three of the same ASCII letter in a row start in the text ("sooooo": the first
/// three 'o's), in order: one pass, so a phrase index tries stretched forms only for the
/// tokens that hold such a run (not for every unknown token of a text with one run somewhere).
pub(super) fn runs_of_three(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < bytes.len() {
        // Eight start positions at a time: a zero byte where a byte equals the next two.
        if i + 10 <= bytes.len() {
            let w = word_at(&bytes[i..]);
            if !has_zero_byte((w ^ word_at(&bytes[i + 1..])) | (w ^ word_at(&bytes[i + 2..]))) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b == bytes[i + 1] && b == bytes[i + 2] && b.is_ascii_alphabetic() {
            out.push(i);
        }
        i += 1;
    }
    out
}
