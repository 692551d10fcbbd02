//! HTML inside comment text, as a browser would show it: character references (`&amp;`,
//! `&#39;`, `&#x27;`, `&hellip;`) and tags (`<br />`, `<b>`, `<a href="…">`), recognised at one
//! position of the raw text so that normalization can show what a reader sees while every
//! character still points at the bytes it came from.

use std::ops::Range;

/// Longest tag (or `<!-- … -->` comment) taken as markup; longer text is left as written.
const MAX_TAG: usize = 2048;
/// Longest named or numeric character reference, `&` and `;` included.
const MAX_REFERENCE: usize = 12;

/// Named character references a comment is likely to carry, with the character each stands
/// for. Numeric references (`&#233;`, `&#xE9;`) cover every other character.
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("AMP", '&'),
    ("lt", '<'),
    ("LT", '<'),
    ("gt", '>'),
    ("GT", '>'),
    ("quot", '"'),
    ("QUOT", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("shy", '\u{ad}'),
    ("zwj", '\u{200d}'),
    ("zwnj", '\u{200c}'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("bull", '•'),
    ("middot", '·'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("euro", '€'),
    ("pound", '£'),
    ("yen", '¥'),
    ("cent", '¢'),
    ("deg", '°'),
    ("times", '×'),
    ("divide", '÷'),
    ("aacute", 'á'),
    ("agrave", 'à'),
    ("acirc", 'â'),
    ("auml", 'ä'),
    ("aring", 'å'),
    ("ccedil", 'ç'),
    ("eacute", 'é'),
    ("egrave", 'è'),
    ("ecirc", 'ê'),
    ("euml", 'ë'),
    ("iacute", 'í'),
    ("igrave", 'ì'),
    ("icirc", 'î'),
    ("iuml", 'ï'),
    ("ntilde", 'ñ'),
    ("oacute", 'ó'),
    ("ograve", 'ò'),
    ("ocirc", 'ô'),
    ("ouml", 'ö'),
    ("oslash", 'ø'),
    ("uacute", 'ú'),
    ("ugrave", 'ù'),
    ("ucirc", 'û'),
    ("uuml", 'ü'),
    ("szlig", 'ß'),
    ("Eacute", 'É'),
];

/// Elements whose tags a browser shows as nothing at all, so `f<b>u</b>ck` reads "fuck".
const INLINE: &[&str] = &[
    "abbr", "b", "big", "cite", "code", "del", "em", "font", "i", "ins", "mark", "q", "s", "small",
    "span", "strike", "strong", "sub", "sup", "tt", "u", "wbr",
];

/// Other elements taken as markup: each of their tags separates words.
const BLOCK: &[&str] = &[
    "a",
    "address",
    "article",
    "aside",
    "audio",
    "blockquote",
    "body",
    "br",
    "button",
    "caption",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "embed",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "img",
    "input",
    "label",
    "li",
    "link",
    "meta",
    "nav",
    "object",
    "ol",
    "p",
    "pre",
    "script",
    "section",
    "source",
    "style",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
    "video",
];

/// A tag (or HTML comment) at the start of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    /// Bytes the tag takes, `<` to `>` included.
    pub len: usize,
    /// Whether the tag separates the words around it (a block element, a line break).
    pub breaks: bool,
    /// The link target of an `<a href="…">` tag, as a byte range of the text.
    pub href: Option<Range<usize>>,
}

/// The character reference at the start of `text` (which starts with `&`): the character it
/// stands for and how many bytes it takes. `None` when it is not one (a lone `&`, an unknown
/// name, a missing `;`, a number that is no character).
pub(crate) fn reference_at(text: &str) -> Option<(char, usize)> {
    let b = text.as_bytes();
    let end = b.iter().take(MAX_REFERENCE).position(|&x| x == b';')?;
    let body = text.get(1..end)?;
    let ch = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|x| x.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()?
            }
            Some(_) => return None,
            None if !num.is_empty() && num.bytes().all(|x| x.is_ascii_digit()) => {
                num.parse().ok()?
            }
            None => return None,
        };
        char::from_u32(code).filter(|&c| c != '\0')?
    } else {
        NAMED.iter().find(|(name, _)| *name == body)?.1
    };
    Some((ch, end + 1))
}

/// The tag at the start of `text` (which starts with `<`): a known HTML element's opening or
/// closing tag, or an `<!-- … -->` comment. Text like "a < b", "<3" or "<sarcasm>" is not
/// markup.
pub(crate) fn tag_at(text: &str) -> Option<Tag> {
    let b = text.as_bytes();
    if b.starts_with(b"<!--") {
        let end = text.get(..MAX_TAG.min(text.len()))?.find("-->")?;
        return Some(Tag {
            len: end + 3,
            breaks: false,
            href: None,
        });
    }
    let closing = b.get(1) == Some(&b'/');
    let name_start = 1 + usize::from(closing);
    let name_len = b[name_start..]
        .iter()
        .take_while(|x| x.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || !b[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = text[name_start..name_start + name_len].to_ascii_lowercase();
    let inline = INLINE.contains(&name.as_str());
    if !inline && !BLOCK.contains(&name.as_str()) {
        return None;
    }
    let after = name_start + name_len;
    if !matches!(
        b.get(after),
        Some(b'>' | b'/') | Some(b' ' | b'\t' | b'\n' | b'\r')
    ) {
        return None;
    }
    let len = tag_end(b, after)?;
    let href = (name == "a" && !closing)
        .then(|| href_in(text, after, len - 1))
        .flatten();
    Some(Tag {
        len,
        breaks: !inline,
        href,
    })
}

/// Where the tag whose attributes start at `from` ends (one past its `>`), skipping `>` inside
/// quoted values; `None` if it does not end within `MAX_TAG` bytes or another `<` comes first.
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, &x) in b.iter().enumerate().take(MAX_TAG).skip(from) {
        match (quote, x) {
            (Some(q), _) if x == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(x),
            (None, b'>') => return Some(i + 1),
            (None, b'<') => return None,
            _ => {}
        }
    }
    None
}

/// The value of the `href` attribute among the attributes in `text[from..to]`.
fn href_in(text: &str, from: usize, to: usize) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let mut i = from;
    while i < to {
        while i < to && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < to && !matches!(b[i], b'=' | b'>' | b'/') && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let is_href = text[name_start..i].eq_ignore_ascii_case("href");
        while i < to && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= to || b[i] != b'=' {
            continue;
        }
        i += 1;
        while i < to && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = i + 1 + b[i + 1..to].iter().position(|&x| x == q)?;
                let v = i + 1..end;
                i = end + 1;
                v
            }
            _ => {
                let start = i;
                while i < to && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                start..i
            }
        };
        if is_href {
            return (!value.is_empty()).then_some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_named_and_numeric_references() {
        assert_eq!(reference_at("&amp;x"), Some(('&', 5)));
        assert_eq!(reference_at("&#39;m"), Some(('\'', 5)));
        assert_eq!(reference_at("&#x27;"), Some(('\'', 6)));
        assert_eq!(reference_at("&#128514;"), Some(('😂', 9)));
        assert_eq!(reference_at("&hellip;"), Some(('…', 8)));
    }

    #[test]
    fn leaves_text_that_is_no_reference() {
        for s in [
            "& ",
            "&amp",
            "&nosuch;",
            "&#;",
            "&#x;",
            "&#0;",
            "&#xD800;",
            "&#99999999;",
        ] {
            assert_eq!(reference_at(s), None, "{s}");
        }
    }

    #[test]
    fn recognises_known_tags_and_their_link_targets() {
        let t = "<a href=\"http://x.io/p?a=1&amp;b=2\" rel=nofollow>";
        let tag = tag_at(t).unwrap();
        assert_eq!(tag.len, t.len());
        assert!(tag.breaks);
        assert_eq!(&t[tag.href.unwrap()], "http://x.io/p?a=1&amp;b=2");
        assert_eq!(tag_at("<br />x").map(|t| t.len), Some(6));
        assert_eq!(tag_at("<B>").map(|t| t.breaks), Some(false));
        assert_eq!(tag_at("</a> x").map(|t| (t.len, t.href)), Some((4, None)));
        assert_eq!(tag_at("<a href=www.x.com>").unwrap().href, Some(8..17));
        assert_eq!(tag_at("<!-- hidden -->x").map(|t| t.len), Some(15));
    }

    #[test]
    fn leaves_angle_brackets_that_are_no_tag() {
        for s in [
            "< b",
            "<3",
            "<sarcasm>",
            "<a",
            "<b <i>",
            "<a href='x>",
            "<br",
            "<1>",
        ] {
            assert_eq!(tag_at(s), None, "{s}");
        }
    }
}
