//! Link detection: `http(s)://` URLs, `www.` hosts and bare domains with a common TLD, with
//! their host lowercased, plus the domain deny/allow sets.

use super::fxhash::FxMap;

/// A link found in a text: byte range of the whole link and its lowercased host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub start: usize,
    pub end: usize,
    pub host: String,
}

const TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "io", "co", "ru", "xyz", "top", "click", "link", "online",
    "site", "shop", "store", "club", "live", "vip", "win", "bid", "loan", "app", "dev", "me", "us",
    "uk", "de", "fr", "cn", "tk", "ml", "ga", "cf", "gq", "pw", "cc", "ws", "tv", "eu", "in", "ly",
    "to", "gg", "su", "ua", "pl", "nl", "es", "it", "br", "jp", "ca", "au", "website", "space",
    "fun", "icu", "buzz", "rest", "today", "work", "life", "world", "news", "blog", "email", "pro",
    "cam", "monster", "sbs", "cfd", "bond", "cyou", "lol", "mobi", "name",
];

fn is_chunk_break(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '`'
        )
}

/// `is_chunk_break` for ASCII bytes (every break but Unicode's other spaces is ASCII): the
/// ASCII characters Unicode calls white space (tab to carriage return, space) and the
/// brackets and quotes.
const ASCII_BREAK: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = matches!(
            b as u8,
            b'\t'
                ..=b'\r'
                    | b' '
                    | b'<'
                    | b'>'
                    | b'"'
                    | b'\''
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'|'
                    | b'`'
        );
        b += 1;
    }
    table
};

/// Whether the character next to a scan position breaks chunks, and its length in bytes: `b` is
/// its byte at that position (an ASCII byte is the character, read from the table); any other
/// character is decoded by `decode` and tested.
#[inline]
fn break_and_len(b: u8, decode: impl FnOnce() -> char) -> (bool, usize) {
    if b.is_ascii() {
        (ASCII_BREAK[usize::from(b)], 1)
    } else {
        let c = decode();
        (is_chunk_break(c), c.len_utf8())
    }
}

/// Where the chunk holding byte `at` starts: just after the last break before it.
fn chunk_start(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = at;
    while i > 0 {
        let (breaks, len) = break_and_len(bytes[i - 1], || {
            text[..i].chars().next_back().unwrap_or(' ')
        });
        if breaks {
            return i;
        }
        i -= len;
    }
    0
}

/// Where the chunk holding byte `at` ends: at the first break from it on.
fn chunk_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = at;
    while i < bytes.len() {
        let (breaks, len) = break_and_len(bytes[i], || text[i..].chars().next().unwrap_or(' '));
        if breaks {
            return i;
        }
        i += len;
    }
    bytes.len()
}

fn trim_trailing(s: &str) -> &str {
    s.trim_end_matches(['.', ',', ';', ':', '!', '?', '*'])
}

fn valid_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && if l.is_ascii() {
            l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        } else {
            l.chars().all(|c| c.is_alphanumeric() || c == '-')
        }
}

/// The host part of `rest` (text after a scheme or starting at the host), lowercased, if it
/// looks like a host name.
fn host_of(rest: &str) -> Option<String> {
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let mut authority = &rest[..end];
    if let Some(at) = authority.bytes().rposition(|b| b == b'@') {
        authority = &authority[at + 1..];
    }
    if let Some(colon) = authority.bytes().position(|b| b == b':') {
        authority = &authority[..colon];
    }
    let authority = trim_trailing(authority).trim_end_matches('.');
    let host = if authority.is_ascii() {
        authority.to_ascii_lowercase()
    } else {
        authority.to_lowercase()
    };
    if host.is_empty() || !host.split('.').all(valid_label) {
        return None;
    }
    Some(host)
}

fn bare_domain(chunk: &str) -> Option<String> {
    if chunk.contains('@') {
        return None; // an e-mail address, not a link
    }
    let host = host_of(chunk)?;
    let mut labels = host.rsplit('.');
    let tld = labels.next()?;
    labels.next()?;
    TLDS.contains(&tld).then_some(host)
}

/// Whether `chunk` can hold a link at all: a scheme's `://`, or a dot followed by a letter or
/// digit (every host with two labels has one; the dot that ends a sentence does not).
fn may_hold_link(chunk: &str) -> bool {
    let bytes = chunk.as_bytes();
    chunk.contains("://")
        || bytes.iter().enumerate().any(|(i, &b)| {
            b == b'.'
                && chunk[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
        })
}

/// Finds every link in `text`, in order. Only chunks (runs between breaks) holding a dot
/// are examined, and of those only the ones that `may_hold_link`.
pub fn find_links(text: &str) -> Vec<Link> {
    let mut out = Vec::new();
    let mut done = 0; // end of the last chunk examined
    for (dot, _) in text.match_indices('.') {
        if dot < done {
            continue;
        }
        let start = chunk_start(text, dot);
        let end = chunk_end(text, dot);
        let chunk = &text[start..end];
        if may_hold_link(chunk) {
            scan_chunk(chunk, start, &mut out);
        }
        done = end;
    }
    out
}

/// Where `needle` (lowercase ASCII) first occurs in `hay`, ignoring ASCII case.
fn find_ignoring_case(hay: &str, needle: &[u8]) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn scan_chunk(piece: &str, start: usize, out: &mut Vec<Link>) {
    if piece.contains("://") {
        let scheme = find_ignoring_case(piece, b"http://")
            .map(|i| (i, i + "http://".len()))
            .or_else(|| find_ignoring_case(piece, b"https://").map(|i| (i, i + "https://".len())));
        if let Some((i, after)) = scheme {
            if let Some(host) = host_of(&piece[after..]) {
                let link = trim_trailing(&piece[i..]);
                out.push(Link {
                    start: start + i,
                    end: start + i + link.len(),
                    host,
                });
            }
            return;
        }
    }
    let lead = piece.len()
        - piece
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .len();
    let body = &piece[lead..];
    if body
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("www."))
    {
        if let Some(host) = host_of(body) {
            if host.contains('.') && host.len() > 4 {
                let link = trim_trailing(body);
                out.push(Link {
                    start: start + lead,
                    end: start + lead + link.len(),
                    host,
                });
            }
        }
        return;
    }
    if let Some(host) = bare_domain(body) {
        let link = trim_trailing(body);
        out.push(Link {
            start: start + lead,
            end: start + lead + link.len(),
            host,
        });
    }
}

/// Domains of a `link_domains` list, each standing for itself and its subdomains: a host is
/// in the set when it or one of its parent domains is (a few look-ups, one per
/// parent domain, instead of one comparison per entry).
#[derive(Debug, Default)]
pub(crate) struct DomainSet(FxMap<Box<str>, ()>);

impl DomainSet {
    pub fn new(domains: impl IntoIterator<Item = String>) -> DomainSet {
        DomainSet(domains.into_iter().map(|d| (d.into(), ())).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `host` is one of the set's domains or a subdomain of one.
    pub fn covers(&self, host: &str) -> bool {
        self.0.contains_key(host)
            || host
                .bytes()
                .enumerate()
                .any(|(at, b)| b == b'.' && self.0.contains_key(&host[at + 1..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `host` is `domain` or one of its subdomains: what `DomainSet::covers` answers
    /// for each of its domains.
    fn host_in(host: &str, domain: &str) -> bool {
        host == domain
            || (host.len() > domain.len()
                && host.ends_with(domain)
                && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
    }

    fn hosts(text: &str) -> Vec<String> {
        find_links(text).into_iter().map(|l| l.host).collect()
    }

    #[test]
    fn finds_urls_www_hosts_and_bare_domains() {
        let t = "see https://Foo.Example.com/x?y=1, www.spam.net and cheap-pills.xyz. Also bob@mail.com";
        assert_eq!(
            hosts(t),
            vec!["foo.example.com", "www.spam.net", "cheap-pills.xyz"]
        );
    }

    #[test]
    fn ignores_numbers_file_names_and_sentences() {
        assert!(hosts("version 1.2.3 costs 4.50 in report.pdf. End.of sentence").is_empty());
    }

    #[test]
    fn the_ascii_break_table_agrees_with_is_chunk_break() {
        for b in 0u8..128 {
            assert_eq!(
                ASCII_BREAK[usize::from(b)],
                is_chunk_break(char::from(b)),
                "{b}"
            );
        }
    }

    #[test]
    fn chunks_end_at_unicode_spaces_and_schemes_match_in_any_case() {
        let t = "see\u{a0}HTTPS://Example.COM/a\u{2003}and\u{a0}WWW.Пример.рф.";
        let links = find_links(t);
        let found: Vec<(&str, &str)> = links
            .iter()
            .map(|l| (&t[l.start..l.end], l.host.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("HTTPS://Example.COM/a", "example.com"),
                ("WWW.Пример.рф", "www.пример.рф"),
            ]
        );
    }

    #[test]
    fn sentence_ends_and_numbers_hold_no_link() {
        assert!(may_hold_link("http://localhost."));
        assert!(may_hold_link("a.b"));
        assert!(may_hold_link("x.é"));
        assert!(!may_hold_link("end."));
        assert!(!may_hold_link("wait..."));
        assert!(!may_hold_link(".-x"));
        assert_eq!(hosts("go to http://localhost. now"), vec!["localhost"]);
    }

    #[test]
    fn link_spans_are_raw_byte_ranges() {
        let t = "é (http://a.io/p).";
        let l = &find_links(t)[0];
        assert_eq!(&t[l.start..l.end], "http://a.io/p");
    }

    #[test]
    fn subdomains_are_inside_their_domain() {
        assert!(host_in("a.spam.com", "spam.com"));
        assert!(host_in("spam.com", "spam.com"));
        assert!(!host_in("notspam.com", "spam.com"));
    }

    proptest::proptest! {
        #[test]
        fn a_domain_set_covers_exactly_the_hosts_one_of_its_domains_holds(
            domains in proptest::collection::vec("[ab.]{0,5}", 0..6),
            host in "[ab.]{0,8}",
        ) {
            let set = DomainSet::new(domains.iter().cloned());
            let expected = domains.iter().any(|d| host_in(&host, d));
            proptest::prop_assert_eq!(set.covers(&host), expected);
        }
    }
}
