//! The first pass of normalization: each raw character folded on its own (HTML references
//! decoded and tags dropped, NFKC, case folding, invisible characters removed, homoglyphs to
//! ASCII, whitespace runs to one space), written with the raw byte range it came from.

use super::markup::{reference_at, tag_at};
use unicode_normalization::UnicodeNormalization;

/// One normalized character and the raw byte range it came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit {
    pub ch: char,
    pub start: usize,
    pub end: usize,
    pub joined: bool,
}

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
pub(crate) trait Sink {
    /// Appends one character that came from raw bytes `start..end`.
    fn put(&mut self, ch: char, start: usize, end: usize);
    /// Appends a space, or widens the previous space to cover `..end`.
    fn space(&mut self, start: usize, end: usize);
    /// Appends a run of ASCII graphic bytes and single spaces between them (each byte its own
    /// unit, as `put` and `space` would write it) that starts at raw byte `start`, lowercased.
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

/// A raw byte range as two 32-bit offsets: half the memory per normalized byte of `usize`
/// pairs. Comments are far below 4 GiB (the server caps them); `normalize` reads only the
/// first 4 GiB of a longer text.
pub(crate) type Span = (u32, u32);

/// The flat form: normalized text (UTF-8 bytes) and, per byte of it, the raw range of its
/// character.
pub(crate) struct Flat {
    pub text: Vec<u8>,
    pub spans: Vec<Span>,
}

impl Sink for Flat {
    fn ascii_run(&mut self, run: &[u8], start: usize) {
        let from = self.text.len();
        self.text.extend_from_slice(run);
        self.text[from..].make_ascii_lowercase();
        let start = start as u32;
        self.spans
            .extend((start..start + run.len() as u32).map(|i| (i, i + 1)));
    }

    #[inline]
    fn put(&mut self, ch: char, start: usize, end: usize) {
        let (start, end) = (start as u32, end as u32);
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
        // A ' ' written by `ascii_run` is a space unit of one byte and a run never ends on
        // one, so a trailing ' ' is always a space unit this may widen.
        if self.text.last() == Some(&b' ') {
            if let Some(last) = self.spans.last_mut() {
                last.1 = end as u32;
            }
        } else {
            self.text.push(b' ');
            self.spans.push((start as u32, end as u32));
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

/// What folding one character asks of a sink: a character (`Some`) or a space (`None`).
type FoldOp = Option<char>;

/// Records the calls folding makes, to replay them later with the real byte range.
#[derive(Default)]
struct Recorder(Vec<FoldOp>);

impl Sink for Recorder {
    fn put(&mut self, ch: char, _: usize, _: usize) {
        self.0.push(Some(ch));
    }

    fn space(&mut self, _: usize, _: usize) {
        self.0.push(None);
    }
}

/// Folding of one character worked out in advance: its one or two operations (`len` of
/// them); characters that take more are folded afresh each time (`None` in the table).
#[derive(Clone, Copy)]
struct Folded {
    len: u8,
    ops: [FoldOp; 2],
}

/// The blocks of non-ASCII characters commonest in comments: Latin-1 and Latin Extended
/// letters, combining marks, Greek and Cyrillic (homoglyphs), general punctuation (curly
/// quotes, dashes, ellipsis), letterlike symbols, the emoji blocks.
const TABLE_BLOCKS: [(u32, u32); 6] = [
    (0x80, 0x250),
    (0x300, 0x530),
    (0x2000, 0x2070),
    (0x2100, 0x2150),
    (0xFF00, 0xFFF0),
    (0x1F300, 0x1FB00),
];

/// `push_non_ascii` of every character of `TABLE_BLOCKS`, computed on first use: NFKC and the
/// confusables look-up cost a few thousand instructions a character, and the same few curly
/// quotes and accented letters come back in comment after comment.
fn fold_table() -> &'static [Option<Folded>] {
    static TABLE: std::sync::OnceLock<Vec<Option<Folded>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let opts = confusable_options();
        let codes = TABLE_BLOCKS.iter().flat_map(|&(from, to)| from..to);
        codes
            .map(|code| {
                let mut rec = Recorder::default();
                if let Some(c) = char::from_u32(code) {
                    push_non_ascii(&mut rec, c, 0, 0, opts);
                }
                let len = rec.0.len();
                (len <= 2).then(|| Folded {
                    len: len as u8,
                    ops: [
                        rec.0.first().copied().flatten(),
                        rec.0.get(1).copied().flatten(),
                    ],
                })
            })
            .collect()
    })
}

/// Where `c` sits in `fold_table`, if its block is there.
fn table_slot(c: char) -> Option<usize> {
    let code = u32::from(c);
    let mut base = 0;
    for (from, to) in TABLE_BLOCKS {
        if (from..to).contains(&code) {
            return Some(base + (code - from) as usize);
        }
        base += (to - from) as usize;
    }
    None
}

/// `push_non_ascii`, from `fold_table` where the character is in it.
fn push_non_ascii_fast(
    units: &mut impl Sink,
    c: char,
    start: usize,
    end: usize,
    opts: decancer::Options,
) {
    match table_slot(c).and_then(|at| fold_table()[at]) {
        Some(f) => {
            for op in &f.ops[..usize::from(f.len)] {
                match *op {
                    Some(ch) => units.put(ch, start, end),
                    None => units.space(start, end),
                }
            }
        }
        None => push_non_ascii(units, c, start, end, opts),
    }
}

/// Folds one character that came from raw bytes `start..end` (a character of the text, or the
/// one a character reference stands for).
fn push_char(units: &mut impl Sink, c: char, start: usize, end: usize, opts: decancer::Options) {
    if c.is_ascii() {
        push_lower(units, c, start, end);
    } else {
        push_non_ascii_fast(units, c, start, end, opts);
    }
}

/// Bytes that end a run of ASCII graphic characters: the others, and `&` and `<` (each may
/// start markup). A single space between two graphic bytes does not (`ascii_run_len`).
const ENDS_RUN: [bool; 256] = {
    let mut table = [true; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = !byte.is_ascii_graphic() || byte == b'&' || byte == b'<';
        b += 1;
    }
    table
};

/// How many bytes from the start of `bytes` (which starts with an ASCII graphic byte: one
/// that starts no markup here, an `&` or `<` included) fold one to one, each to itself
/// lowercased: ASCII graphic bytes other than `&` and `<`, and single spaces between two of
/// them (a space after a graphic byte folds to one space of its own; a run of spaces, or one
/// before `&`, `<` or any other byte, is left to the caller).
#[inline]
fn ascii_run_len(bytes: &[u8]) -> usize {
    let mut i = 1;
    while i < bytes.len() {
        let b = bytes[i];
        if !ENDS_RUN[usize::from(b)] {
            i += 1;
        } else if b == b' ' && bytes.get(i + 1).is_some_and(|&n| !ENDS_RUN[usize::from(n)]) {
            i += 2;
        } else {
            break;
        }
    }
    i
}

/// First pass over `raw[from..to]`: per-character folding, with whitespace runs collapsed to
/// one space. With `markup`, HTML tags are dropped (a link's target kept between spaces, a
/// block tag read as a space) and character references decoded; inside a link target only
/// references are.
fn fold_part<S: Sink>(
    raw: &str,
    from: usize,
    to: usize,
    units: &mut S,
    opts: decancer::Options,
    markup: bool,
) {
    let bytes = &raw.as_bytes()[..to];
    let mut start = from;
    while start < to {
        let b = bytes[start];
        if b == b'&' {
            if let Some((c, len)) = reference_at(&raw[start..to]) {
                push_char(units, c, start, start + len, opts);
                start += len;
                continue;
            }
        } else if b == b'<' && markup {
            if let Some(tag) = tag_at(&raw[start..to]) {
                let end = start + tag.len;
                if let Some(href) = tag.href {
                    units.space(start, start + href.start);
                    fold_part(
                        raw,
                        start + href.start,
                        start + href.end,
                        units,
                        opts,
                        false,
                    );
                    units.space(start + href.end, end);
                } else if tag.breaks {
                    units.space(start, end);
                }
                start = end;
                continue;
            }
        }
        if b < 0x80 {
            if b.is_ascii_graphic() {
                let len = ascii_run_len(&bytes[start..to]);
                units.ascii_run(&bytes[start..start + len], start);
                start += len;
            } else {
                units.space(start, start + 1);
                start += 1;
            }
            continue;
        }
        let Some(c) = raw[start..].chars().next() else {
            break;
        };
        let end = start + c.len_utf8();
        push_non_ascii_fast(units, c, start, end, opts);
        start = end;
    }
}

/// First pass over the whole text.
#[inline]
pub(crate) fn fold<S: Sink>(raw: &str, units: &mut S) {
    fold_part(raw, 0, raw.len(), units, confusable_options(), true);
}

pub(crate) fn fold_units(raw: &str) -> Vec<Unit> {
    let mut units = Vec::with_capacity(raw.len());
    fold(raw, &mut units);
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fold_table_folds_every_character_of_its_blocks_as_folding_it_afresh_does() {
        let opts = confusable_options();
        for code in TABLE_BLOCKS.iter().flat_map(|&(from, to)| from..to) {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let (mut fresh, mut cached) = (Recorder::default(), Recorder::default());
            push_non_ascii(&mut fresh, c, 0, 0, opts);
            push_non_ascii_fast(&mut cached, c, 0, 0, opts);
            assert_eq!(fresh.0, cached.0, "U+{code:04X}");
        }
        // Outside the blocks (Devanagari, CJK) folding is done afresh.
        assert_eq!(table_slot('क'), None);
        assert_eq!(table_slot('中'), None);
    }
}
