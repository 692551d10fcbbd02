//! Text normalization: the "normalized" view of a field (what `fold` makes of each character,
//! then separators collapsed and leetspeak) and its map back to byte ranges of the raw text.

use super::fold::{fold, fold_units, Flat, Span, Unit};
use super::stats::{has_zero_byte, word_at};
use std::ops::Range;

/// The normalized view of a text, with every normalized byte mapped to the raw byte range of
/// the character it came from.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    text: String,
    /// For each byte of `text`: the raw byte range of the source character.
    spans: Vec<Span>,
    raw_len: usize,
    /// Tokens glued together from separated single letters, as byte ranges of `text`.
    joined: Vec<(usize, usize)>,
}

impl Normalized {
    /// The normalized text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Maps a byte range of the normalized text to the raw byte range it came from. Always
    /// returns a range on char boundaries of the raw text; out-of-range input is clamped.
    pub fn raw_range(&self, start: usize, end: usize) -> Range<usize> {
        let len = self.spans.len();
        let start = start.min(len);
        let end = end.min(len).max(start);
        if start == end {
            let at = self.spans.get(start).map_or(self.raw_len, |s| s.0 as usize);
            return at..at;
        }
        self.spans[start].0 as usize..self.spans[end - 1].1 as usize
    }

    /// Length in bytes of the raw text this view was made from.
    pub fn raw_len(&self) -> usize {
        self.raw_len
    }

    /// Byte ranges of `text` that were glued together from separated letters
    /// ("v.i.a.g.r.a" → "viagra"), in order.
    pub fn joined(&self) -> &[(usize, usize)] {
        &self.joined
    }
}

const SEPARATORS: [char; 5] = ['.', '-', '_', '*', ' '];

/// Joins runs of at least three single letters/digits separated by the same separator
/// ("v.i.a.g.r.a", "f r e e") when the run contains a letter.
fn collapse_separators(mut units: Vec<Unit>) -> Vec<Unit> {
    if !has_spaced_letters(&units) {
        return units;
    }
    let n = units.len();
    let flags: Vec<bool> = units.iter().map(|u| u.ch.is_alphanumeric()).collect();
    let alnum = |k: usize| flags[k];
    let single = |k: usize| alnum(k) && (k == 0 || !alnum(k - 1)) && (k + 1 == n || !alnum(k + 1));
    let mut drop = vec![false; n];
    let mut glue = vec![false; n];
    let mut any = false;
    let mut i = 0;
    while i < n {
        if !single(i) || i + 2 >= n || !SEPARATORS.contains(&units[i + 1].ch) {
            i += 1;
            continue;
        }
        let sep = units[i + 1].ch;
        let mut j = i;
        let mut count = 1;
        let mut letters = usize::from(units[i].ch.is_alphabetic());
        while j + 2 < n && units[j + 1].ch == sep && single(j + 2) {
            j += 2;
            count += 1;
            letters += usize::from(units[j].ch.is_alphabetic());
        }
        if count >= 3 && letters > 0 {
            for k in i..=j {
                if (k - i) % 2 == 1 {
                    drop[k] = true;
                } else {
                    glue[k] = true;
                }
            }
            any = true;
            i = j + 1;
        } else {
            // The last single letter may start a run with another separator.
            i = if j > i { j } else { i + 1 };
        }
    }
    if !any {
        return units;
    }
    for (u, g) in units.iter_mut().zip(glue) {
        u.joined = g;
    }
    units
        .into_iter()
        .zip(drop)
        .filter_map(|(u, d)| (!d).then_some(u))
        .collect()
}

const fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '@' => 'a',
        '$' => 's',
        _ => return None,
    })
}

/// `leet` by byte (0: not a leet character), for the flat paths' per-byte scans.
const LEET: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        if let Some(l) = leet(b as u8 as char) {
            table[b] = l as u8;
        }
        b += 1;
    }
    table
};

fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || c == '@' || c == '$'
}

/// Replaces leetspeak digits and symbols inside tokens that also contain a letter.
/// Cheap check for the shape collapse_separators looks for: "x.y.z" (three single
/// alphanumerics with the same separator), so most texts skip the work entirely.
fn has_spaced_letters(units: &[Unit]) -> bool {
    spaced_letters_in(units.len(), |k| units[k].ch)
}

/// `has_spaced_letters` over any sequence of `n` characters given by `ch`.
fn spaced_letters_in(n: usize, ch: impl Fn(usize) -> char) -> bool {
    (0..n.saturating_sub(4)).any(|i| spaced_letters_at(n, &ch, i))
}

/// Whether three single letters separated by the same separator start at `i` (`i + 4 < n`).
fn spaced_letters_at(n: usize, ch: &impl Fn(usize) -> char, i: usize) -> bool {
    let alnum = |k: usize| k < n && ch(k).is_alphanumeric();
    let single = |k: usize| alnum(k) && (k == 0 || !alnum(k - 1)) && !alnum(k + 1);
    let sep = ch(i + 1);
    SEPARATORS.contains(&sep) && ch(i + 3) == sep && single(i) && single(i + 2) && single(i + 4)
}

/// `has_spaced_letters` over flat text: by bytes when it is ASCII (one unit per byte), where
/// only a separator with the same byte two places on (" a ", ".b.") can start the shape.
fn text_has_spaced_letters(text: &str) -> bool {
    if text.is_ascii() {
        let b = text.as_bytes();
        let n = b.len();
        let ch = |k: usize| char::from(b[k]);
        let sep = |x: u8| matches!(x, b'.' | b'-' | b'_' | b'*' | b' ');
        // The separator at j (the shape starts a byte before it) has its twin at j + 2.
        let mut j = 1;
        while j + 3 < n {
            // Eight separator positions at a time: a zero byte where a byte equals the one
            // two on.
            if j + 10 <= n && !has_zero_byte(word_at(&b[j..]) ^ word_at(&b[j + 2..])) {
                j += 8;
                continue;
            }
            if b[j + 2] == b[j] && sep(b[j]) && spaced_letters_at(n, &ch, j - 1) {
                return true;
            }
            j += 1;
        }
        false
    } else {
        chars_have_spaced_letters(text)
    }
}

/// `spaced_letters_in` over the characters of `text`, walked once with a window of the seven
/// characters the test at each position reads (no copy of the text).
fn chars_have_spaced_letters(text: &str) -> bool {
    // window[j] is the character at i - 1 + j (None outside the text).
    let mut chars = text.chars();
    let mut window: [Option<char>; 7] = [None; 7];
    for slot in &mut window[1..] {
        *slot = chars.next();
    }
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    loop {
        if window[5].is_none() {
            return false;
        }
        let single = |j: usize| alnum(window[j]) && !alnum(window[j - 1]) && !alnum(window[j + 1]);
        let sep = window[2];
        if sep.is_some_and(|c| SEPARATORS.contains(&c))
            && window[4] == sep
            && single(1)
            && single(3)
            && single(5)
        {
            return true;
        }
        window.rotate_left(1);
        window[6] = chars.next();
    }
}

fn apply_leetspeak(units: &mut [Unit]) {
    if !units.iter().any(|u| leet(u.ch).is_some()) {
        return;
    }
    let n = units.len();
    let mut i = 0;
    while i < n {
        if !is_token_char(units[i].ch) {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut has_letter = false;
        let mut has_leet = false;
        while j < n && is_token_char(units[j].ch) {
            has_letter |= units[j].ch.is_alphabetic();
            has_leet |= leet(units[j].ch).is_some();
            j += 1;
        }
        if has_letter && has_leet {
            for u in &mut units[i..j] {
                if let Some(l) = leet(u.ch) {
                    u.ch = l;
                }
            }
        }
        i = j;
    }
}

/// `apply_leetspeak` on flat text: leet sources and replacements are all one ASCII byte, so
/// the text keeps its length and its spans. Every leet character is an ASCII token
/// character, so only the tokens (maximal runs of token characters) around them are read.
fn apply_leetspeak_flat(text: String) -> String {
    let mut fix: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(k) = text.as_bytes()[i..]
        .iter()
        .position(|&b| LEET[usize::from(b)] != 0)
    {
        let at = i + k;
        let start = text[..at]
            .char_indices()
            .rev()
            .find(|&(_, c)| !is_token_char(c))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let end = text[at..]
            .char_indices()
            .find(|&(_, c)| !is_token_char(c))
            .map_or(text.len(), |(p, _)| at + p);
        if text[start..end].chars().any(char::is_alphabetic) {
            fix.push((start, end));
        }
        i = end;
    }
    if fix.is_empty() {
        return text;
    }
    let mut bytes = text.into_bytes();
    for (s, e) in fix {
        for b in &mut bytes[s..e] {
            // Bytes of multi-byte characters are 0x80 and up: never leet.
            let l = LEET[usize::from(*b)];
            if l != 0 {
                *b = l;
            }
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The full pipeline over units; needed when separated letters must be joined.
fn normalize_units(raw: &str) -> Normalized {
    let mut units = collapse_separators(fold_units(raw));
    apply_leetspeak(&mut units);
    let mut text = String::with_capacity(units.len());
    let mut spans = Vec::with_capacity(units.len());
    let mut joined: Vec<(usize, usize)> = Vec::new();
    let mut prev_joined = false;
    for u in &units {
        if u.joined {
            let at = text.len();
            match joined.last_mut() {
                Some(last) if prev_joined => last.1 = at + u.ch.len_utf8(),
                _ => joined.push((at, at + u.ch.len_utf8())),
            }
        }
        prev_joined = u.joined;
        text.push(u.ch);
        for _ in 0..u.ch.len_utf8() {
            spans.push((u.start as u32, u.end as u32));
        }
    }
    Normalized {
        text,
        spans,
        raw_len: raw.len(),
        joined,
    }
}

/// Normalizes a text for matching; see the module docs and RULES_FORMAT.md.
///
/// Fast path: folds straight into flat text and spans; only a text with separated single
/// letters ("v.i.a.g.r.a") takes the unit pipeline, which can join them.
pub fn normalize(raw: &str) -> Normalized {
    if raw.len() > u32::MAX as usize {
        // Spans hold 32-bit offsets: such a text (never a comment) is cut to what they reach.
        let mut cut = u32::MAX as usize;
        while !raw.is_char_boundary(cut) {
            cut -= 1;
        }
        return normalize(&raw[..cut]);
    }
    let mut flat = Flat {
        text: Vec::with_capacity(raw.len()),
        spans: Vec::with_capacity(raw.len()),
    };
    fold(raw, &mut flat);
    // Only whole characters were written, so this never fails.
    let Ok(text) = String::from_utf8(flat.text) else {
        return normalize_units(raw);
    };
    if text_has_spaced_letters(&text) {
        return normalize_units(raw);
    }
    Normalized {
        text: apply_leetspeak_flat(text),
        spans: flat.spans,
        raw_len: raw.len(),
        joined: Vec::new(),
    }
}

/// sha256 (hex) of the normalized body with whitespace collapsed.
pub fn body_fingerprint(body: &str) -> String {
    normalized_fingerprint(&normalize(body))
}

/// `body_fingerprint` of a body whose normalized view is `norm`.
pub fn normalized_fingerprint(norm: &Normalized) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for (i, word) in norm.text().split_whitespace().enumerate() {
        if i > 0 {
            hasher.update(b" ");
        }
        hasher.update(word.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
#[path = "tests_normalize.rs"]
mod tests;
