//! Text statistics for the `caps_ratio`, `repeated_chars` and `length` rules, computed in one
//! pass per field and view and shared by every rule that needs them.

/// Counts and runs of one text.
#[derive(Debug, Default)]
pub(crate) struct TextStats {
    /// Alphabetic characters, and how many of them are uppercase.
    pub letters: usize,
    pub upper: usize,
    /// Characters after trimming whitespace at both ends.
    pub trimmed_chars: usize,
    /// Runs of the same non-whitespace character at least twice: (start, end, count).
    pub runs: Vec<(usize, usize, usize)>,
}

impl TextStats {
    pub fn of(text: &str) -> TextStats {
        let mut st = TextStats::default();
        let mut chars = 0usize;
        let mut first_non_ws: Option<usize> = None; // char index
        let mut last_non_ws = 0usize; // char index + 1
        let bytes = text.as_bytes();
        let mut i = 0;
        // One step per run of the same character (most runs are one character long).
        while i < bytes.len() {
            let b = bytes[i];
            let (len, ws, alpha, upper) = if b < 0x80 {
                (
                    1,
                    b.is_ascii_whitespace() || b == 0x0b,
                    b.is_ascii_alphabetic(),
                    b.is_ascii_uppercase(),
                )
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                (
                    c.len_utf8(),
                    c.is_whitespace(),
                    c.is_alphabetic(),
                    c.is_uppercase(),
                )
            };
            let mut j = i + len;
            let mut count = 1;
            if len == 1 {
                while bytes.get(j) == Some(&b) {
                    j += 1;
                    count += 1;
                }
            } else {
                let unit = &bytes[i..i + len];
                while bytes.get(j..j + len) == Some(unit) {
                    j += len;
                    count += 1;
                }
            }
            if alpha {
                st.letters += count;
                st.upper += if upper { count } else { 0 };
            }
            if !ws {
                first_non_ws.get_or_insert(chars);
                last_non_ws = chars + count;
                if count >= 2 {
                    st.runs.push((i, j, count));
                }
            }
            chars += count;
            i = j;
        }
        st.trimmed_chars = first_non_ws.map_or(0, |f| last_non_ws - f);
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
        #[test]
        fn agrees_with_reference(s in "[ \t\n\u{b}\u{a0}aAbB!éÉ😀\u{3000}]{0,40}|\\PC{0,60}") {
            let (a, b) = (TextStats::of(&s), Reference::of(&s));
            proptest::prop_assert_eq!((a.letters, a.upper, a.trimmed_chars, a.runs), (b.letters, b.upper, b.trimmed_chars, b.runs));
        }
    }

    #[test]
    fn finds_runs_longer_than_the_limit() {
        let t = "soooooo good!!!!!!   ok";
        let st = TextStats::of(t);
        let runs: Vec<&str> = st.runs_over(4).into_iter().map(|(s, e)| &t[s..e]).collect();
        assert_eq!(runs, vec!["oooooo", "!!!!!!"]);
    }

    #[test]
    fn counts_letters_capitals_and_trimmed_length() {
        let st = TextStats::of("  ÉCOLE ok \n");
        assert_eq!((st.letters, st.upper, st.trimmed_chars), (7, 5, 8));
        assert_eq!(TextStats::of(" \t ").trimmed_chars, 0);
    }
}
