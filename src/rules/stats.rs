//! Text statistics for the `caps_ratio`, `repeated_chars` and `length` rules, computed once per
//! field and view and shared by every rule that needs them.

/// Whitespace as the rules count it (`char::is_whitespace`, fast on ASCII).
fn is_space(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_whitespace() || c == '\u{b}'
    } else {
        c.is_whitespace()
    }
}

/// How many bytes satisfy `pred`, counted in blocks of 255 into a byte (which vectorizes).
fn count_bytes(bytes: &[u8], pred: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(255)
        .map(|c| usize::from(c.iter().fold(0u8, |n, &b| n + u8::from(pred(b)))))
        .sum()
}

/// The eight bytes at the start of `bytes` (which has at least eight), little-endian.
pub(crate) fn word_at(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(w)
}

/// Whether any of the eight bytes of `x` is zero (exact: no false answers either way).
pub(crate) fn has_zero_byte(x: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    x.wrapping_sub(LO) & !x & HI != 0
}

/// Counts and runs of one text.
#[derive(Debug, Default)]
pub(crate) struct TextStats {
    /// Alphabetic characters, and how many of them are uppercase.
    pub letters: usize,
    pub upper: usize,
    /// Characters after trimming whitespace at both ends.
    pub trimmed_chars: usize,
    /// Runs of the same non-whitespace character at least `shortest_run` times (the
    /// `shortest_run` given to `of`): (start, end, count).
    pub runs: Vec<(usize, usize, usize)>,
}

impl TextStats {
    /// Counts of `text`, and its runs of at least `shortest_run` (2 or more) of one
    /// character: the rules' shortest run that counts, so that shorter ones are neither
    /// walked nor kept.
    ///
    /// Cheap on the common (ASCII) bytes: ASCII letters and capitals are counted in bulk,
    /// the trimmed length counts the characters between the first and last non-whitespace
    /// ones, and the walk for runs (which also counts non-ASCII letters) skips eight bytes at
    /// a time where none is non-ASCII or starts a run that could count: where no byte equals
    /// the next, or, when runs of two do not count, where none equals the next two (double
    /// letters, common in English, then cost nothing).
    pub fn of(text: &str, shortest_run: usize) -> TextStats {
        let bytes = text.as_bytes();
        let mut st = TextStats {
            letters: count_bytes(bytes, |b| (b | 0x20).wrapping_sub(b'a') < 26),
            upper: count_bytes(bytes, |b| b.wrapping_sub(b'A') < 26),
            ..TextStats::default()
        };
        let first = text.char_indices().find(|&(_, c)| !is_space(c));
        let last = text.char_indices().rev().find(|&(_, c)| !is_space(c));
        if let (Some((f, _)), Some((l, c))) = (first, last) {
            // Every byte but UTF-8 continuation bytes (0x80..0xC0) starts a character.
            st.trimmed_chars = count_bytes(&bytes[f..l + c.len_utf8()], |b| (b as i8) >= -0x40);
        }
        let shortest_run = shortest_run.max(2);
        let triples = shortest_run >= 3;
        let block = if triples { 10 } else { 9 };
        let mut i = 0;
        while i < bytes.len() {
            if i + block <= bytes.len() {
                let (w, next) = (word_at(&bytes[i..]), word_at(&bytes[i + 1..]));
                // A zero byte where a byte equals the next (and the one after it); a high bit
                // on a non-ASCII byte.
                let repeats = if triples {
                    (w ^ next) | (w ^ word_at(&bytes[i + 2..]))
                } else {
                    w ^ next
                };
                if !has_zero_byte(repeats) && w & 0x8080_8080_8080_8080 == 0 {
                    i += 8;
                    continue;
                }
            }
            let b = bytes[i];
            if b < 0x80 {
                if bytes.get(i + 1) != Some(&b) {
                    i += 1;
                    continue;
                }
                let mut j = i + 2;
                while bytes.get(j) == Some(&b) {
                    j += 1;
                }
                if j - i >= shortest_run && !is_space(char::from(b)) {
                    st.runs.push((i, j, j - i));
                }
                i = j;
                continue;
            }
            let c = text[i..].chars().next().unwrap_or(' ');
            let len = c.len_utf8();
            let unit = &bytes[i..i + len];
            let (mut j, mut count) = (i + len, 1);
            while bytes.get(j..j + len) == Some(unit) {
                j += len;
                count += 1;
            }
            if c.is_alphabetic() {
                st.letters += count;
                st.upper += if c.is_uppercase() { count } else { 0 };
            }
            if count >= shortest_run && !c.is_whitespace() {
                st.runs.push((i, j, count));
            }
            i = j;
        }
        st
    }

    /// Byte ranges of runs longer than `max_run`.
    pub fn runs_over(&self, max_run: usize) -> Vec<(usize, usize)> {
        self.runs
            .iter()
            .filter(|r| r.2 > max_run)
            .map(|r| (r.0, r.1))
            .collect()
    }

    pub fn caps(&self, min_ratio: f64, min_letters: usize) -> bool {
        self.letters > 0
            && self.letters >= min_letters
            && self.upper as f64 / self.letters as f64 >= min_ratio
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward one-character-at-a-time version, to check the fast one against.
    #[derive(Debug, Default)]
    struct Reference {
        letters: usize,
        upper: usize,
        trimmed_chars: usize,
        runs: Vec<(usize, usize, usize)>,
    }

    impl Reference {
        fn of(text: &str) -> Reference {
            let mut st = Reference::default();
            let mut run: Option<(char, usize, usize)> = None; // char, start, count
            let mut chars = 0usize;
            let mut first_non_ws: Option<usize> = None; // char index
            let mut last_non_ws = 0usize; // char index + 1
            let bytes = text.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                let (ch, len) = if b < 0x80 {
                    (char::from(b), 1)
                } else {
                    let c = text[i..].chars().next().unwrap_or(' ');
                    (c, c.len_utf8())
                };
                let ws = if b < 0x80 {
                    b.is_ascii_whitespace() || b == 0x0b
                } else {
                    ch.is_whitespace()
                };
                if b < 0x80 {
                    if b.is_ascii_alphabetic() {
                        st.letters += 1;
                        st.upper += usize::from(b.is_ascii_uppercase());
                    }
                } else if ch.is_alphabetic() {
                    st.letters += 1;
                    st.upper += usize::from(ch.is_uppercase());
                }
                if !ws {
                    first_non_ws.get_or_insert(chars);
                    last_non_ws = chars + 1;
                }
                chars += 1;
                match run {
                    Some((c, s, n)) if c == ch => run = Some((c, s, n + 1)),
                    _ => {
                        close(&mut st, run, i);
                        run = (!ws).then_some((ch, i, 1));
                    }
                }
                i += len;
            }
            close(&mut st, run, text.len());
            st.trimmed_chars = first_non_ws.map_or(0, |f| last_non_ws - f);
            st
        }
    }

    fn close(st: &mut Reference, run: Option<(char, usize, usize)>, end: usize) {
        if let Some((_, start, count)) = run {
            if count >= 2 {
                st.runs.push((start, end, count));
            }
        }
    }

    proptest::proptest! {
        /// The fast walk agrees with the reference, keeping exactly the reference's runs of at
        /// least the shortest run asked for (2: every run; 3 and more: blocks with double
        /// letters skipped; none at all).
        #[test]
        fn agrees_with_reference(
            s in "[ \t\n\u{b}\u{a0}aAbB!éÉ😀\u{3000}]{0,40}|[ \t\n\u{b}\u{c}aAbB!1]{0,60}|\\PC{0,60}|([ab ]{1,3}|aaa|bbbb|ééé){0,30}",
            shortest_run in proptest::sample::select(vec![2, 3, 4, 6, usize::MAX]),
        ) {
            let (a, mut b) = (TextStats::of(&s, shortest_run), Reference::of(&s));
            b.runs.retain(|r| r.2 >= shortest_run);
            proptest::prop_assert_eq!((a.letters, a.upper, a.trimmed_chars, a.runs), (b.letters, b.upper, b.trimmed_chars, b.runs));
        }
    }

    #[test]
    fn finds_runs_longer_than_the_limit() {
        let t = "soooooo good!!!!!!   ok";
        let st = TextStats::of(t, 5);
        let runs: Vec<&str> = st.runs_over(4).into_iter().map(|(s, e)| &t[s..e]).collect();
        assert_eq!(runs, vec!["oooooo", "!!!!!!"]);
    }

    #[test]
    fn counts_letters_capitals_and_trimmed_length() {
        let st = TextStats::of("  ÉCOLE ok \n", 2);
        assert_eq!((st.letters, st.upper, st.trimmed_chars), (7, 5, 8));
        assert_eq!(TextStats::of(" \t ", 2).trimmed_chars, 0);
    }
}
