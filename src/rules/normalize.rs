//! Text normalization: the "normalized" view of a field (NFKC, case folding, invisible
//! characters removed, homoglyphs to ASCII, leetspeak, separators collapsed) and its map back
//! to byte ranges of the raw text.

use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// The normalized view of a text, with every normalized byte mapped to the raw byte range of
/// the character it came from.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    text: String,
    /// For each byte of `text`: the raw byte range of the source character.
    spans: Vec<(usize, usize)>,
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
            let at = self.spans.get(start).map_or(self.raw_len, |s| s.0);
            return at..at;
        }
        self.spans[start].0..self.spans[end - 1].1
    }

    /// Byte ranges of `text` that were glued together from separated letters
    /// ("v.i.a.g.r.a" → "viagra"), in order.
    pub fn joined(&self) -> &[(usize, usize)] {
        &self.joined
    }
}

/// One normalized character and the raw byte range it came from.
#[derive(Debug, Clone, Copy)]
struct Unit {
    ch: char,
    start: usize,
    end: usize,
    joined: bool,
}

const SEPARATORS: [char; 5] = ['.', '-', '_', '*', ' '];

fn confusable_options() -> decancer::Options {
    decancer::Options::default()
        .disable_bidi()
        .retain_hebrew()
        .retain_arabic()
        .retain_devanagari()
        .retain_bengali()
        .retain_armenian()
        .retain_gujarati()
        .retain_tamil()
        .retain_thai()
        .retain_lao()
        .retain_burmese()
        .retain_khmer()
        .retain_mongolian()
        .retain_chinese()
        .retain_japanese()
        .retain_korean()
        .retain_braille()
        .retain_emojis()
}

/// Zero-width, format and other invisible characters that are removed outright.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Where folding writes its characters: the unit list of the full pipeline, or the flat
/// text and spans of the fast path (same characters, same spans).
trait Sink {
    /// Appends one character that came from raw bytes `start..end`.
    fn put(&mut self, ch: char, start: usize, end: usize);
    /// Appends a space, or widens the previous space to cover `..end`.
    fn space(&mut self, start: usize, end: usize);
    /// Appends a run of ASCII graphic bytes that starts at raw byte `start`, lowercased.
    fn ascii_run(&mut self, run: &[u8], start: usize) {
        for (k, b) in run.iter().enumerate() {
            self.put(char::from(b.to_ascii_lowercase()), start + k, start + k + 1);
        }
    }
}

impl Sink for Vec<Unit> {
    fn put(&mut self, ch: char, start: usize, end: usize) {
        self.push(Unit {
            ch,
            start,
            end,
            joined: false,
        });
    }

    fn space(&mut self, start: usize, end: usize) {
        match self.last_mut() {
            Some(last) if last.ch == ' ' => last.end = end,
            _ => self.put(' ', start, end),
        }
    }
}

/// The flat form: normalized text (UTF-8 bytes) and, per byte of it, the raw range of its
/// character.
struct Flat {
    text: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl Sink for Flat {
    fn ascii_run(&mut self, run: &[u8], start: usize) {
        self.text.extend(run.iter().map(u8::to_ascii_lowercase));
        self.spans
            .extend((start..start + run.len()).map(|i| (i, i + 1)));
    }

    #[inline]
    fn put(&mut self, ch: char, start: usize, end: usize) {
        if ch.is_ascii() {
            self.text.push(ch as u8);
            self.spans.push((start, end));
            return;
        }
        let mut buf = [0u8; 4];
        let enc = ch.encode_utf8(&mut buf).as_bytes();
        self.text.extend_from_slice(enc);
        for _ in 0..enc.len() {
            self.spans.push((start, end));
        }
    }

    #[inline]
    fn space(&mut self, start: usize, end: usize) {
        // Every ' ' comes through here, so a trailing ' ' is a space unit of one byte.
        if self.text.last() == Some(&b' ') {
            if let Some(last) = self.spans.last_mut() {
                last.1 = end;
            }
        } else {
            self.text.push(b' ');
            self.spans.push((start, end));
        }
    }
}

fn push_lower(units: &mut impl Sink, c: char, start: usize, end: usize) {
    if c.is_whitespace() || c.is_control() {
        units.space(start, end);
    } else if c.is_ascii() {
        units.put(c.to_ascii_lowercase(), start, end);
    } else {
        for l in c.to_lowercase() {
            units.put(l, start, end);
        }
    }
}

fn push_non_ascii(
    units: &mut impl Sink,
    c: char,
    start: usize,
    end: usize,
    opts: decancer::Options,
) {
    if is_invisible(c) {
        return;
    }
    if c.is_whitespace() {
        units.space(start, end);
        return;
    }
    for d in std::iter::once(c).nfkc() {
        if d.is_ascii() {
            push_lower(units, d, start, end);
            continue;
        }
        if is_invisible(d) {
            continue;
        }
        match decancer::cure_char(d, opts) {
            decancer::Translation::Character(x) => push_lower(units, x, start, end),
            decancer::Translation::String(s) => {
                for x in s.chars() {
                    push_lower(units, x, start, end);
                }
            }
            decancer::Translation::None => {}
        }
    }
}

/// First pass: per-character folding, with whitespace runs collapsed to one space.
#[inline]
fn fold<S: Sink>(raw: &str, units: &mut S) {
    let opts = confusable_options();
    let bytes = raw.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let b = bytes[start];
        if b < 0x80 {
            if b.is_ascii_graphic() {
                let len = bytes[start..]
                    .iter()
                    .position(|x| !x.is_ascii_graphic())
                    .unwrap_or(bytes.len() - start);
                units.ascii_run(&bytes[start..start + len], start);
                start += len;
                continue;
            } else {
                units.space(start, start + 1);
            }
            start += 1;
            continue;
        }
        let Some(c) = raw[start..].chars().next() else {
            break;
        };
        let end = start + c.len_utf8();
        push_non_ascii(units, c, start, end, opts);
        start = end;
    }
}

fn fold_units(raw: &str) -> Vec<Unit> {
    let mut units = Vec::with_capacity(raw.len());
    fold(raw, &mut units);
    units
}

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

fn leet(c: char) -> Option<char> {
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
    let alnum = |k: usize| k < n && ch(k).is_alphanumeric();
    let single = |k: usize| alnum(k) && (k == 0 || !alnum(k - 1)) && !alnum(k + 1);
    (0..n.saturating_sub(4)).any(|i| {
        let sep = ch(i + 1);
        SEPARATORS.contains(&sep) && ch(i + 3) == sep && single(i) && single(i + 2) && single(i + 4)
    })
}

/// `has_spaced_letters` over flat text: by bytes when it is ASCII (one unit per byte).
fn text_has_spaced_letters(text: &str) -> bool {
    if text.is_ascii() {
        let b = text.as_bytes();
        // Fast reject: the shape needs a separator two bytes after another one.
        let sep = |x: u8| matches!(x, b'.' | b'-' | b'_' | b'*' | b' ');
        if !b.windows(3).any(|w| sep(w[0]) && w[2] == w[0]) {
            return false;
        }
        spaced_letters_in(b.len(), |k| char::from(b[k]))
    } else {
        let chars: Vec<char> = text.chars().collect();
        spaced_letters_in(chars.len(), |k| chars[k])
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
/// the text keeps its length and its spans.
fn apply_leetspeak_flat(text: String) -> String {
    if !text.bytes().any(|b| leet(char::from(b)).is_some()) {
        return text;
    }
    // Tokens (maximal runs of token characters) holding a letter and a leet character.
    let mut fix: Vec<(usize, usize)> = Vec::new();
    let mut tok: Option<(usize, bool, bool)> = None; // start, has letter, has leet
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if is_token_char(c) {
            let t = tok.get_or_insert((i, false, false));
            t.1 |= c.is_alphabetic();
            t.2 |= leet(c).is_some();
        } else if let Some((start, letter, leetc)) = tok.take() {
            if letter && leetc {
                fix.push((start, i));
            }
        }
    }
    if fix.is_empty() {
        return text;
    }
    let mut bytes = text.into_bytes();
    for (s, e) in fix {
        for b in &mut bytes[s..e] {
            // Bytes of multi-byte characters map to U+0080..U+00FF here: never leet.
            if let Some(l) = leet(char::from(*b)) {
                *b = l as u8;
            }
        }
    }
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
            spans.push((u.start, u.end));
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
    use sha2::Digest;
    let norm = normalize(body);
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
