//! Link detection: `http(s)://` URLs, `www.` hosts and bare domains with a common TLD, with
//! their host lowercased, plus the domain deny/allow sets.

use super::fxhash::{fold_bytes, FxSet};

/// A link found in a text: byte range of the whole link and its lowercased host. Links come
/// from `find_links`, which also works out the keys the domain lists look the host up by (so a
/// host changed afterwards is looked up by its old name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub start: usize,
    pub end: usize,
    pub host: String,
    domain_keys: DomainKeys,
}

impl Link {
    fn new(start: usize, end: usize, host: String) -> Link {
        Link {
            start,
            end,
            domain_keys: DomainKeys::of(&host),
            host,
        }
    }
}

/// Most parent domains (the host's own name included) whose keys a link carries.
const MAX_DOMAIN_KEYS: usize = 6;

/// `domain_hash` of a link's host and of each of its parent domains ("a.b.c", "b.c", "c"),
/// worked out once for every `link_domains` list to look up, each with the byte where that
/// name starts in the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DomainKeys {
    keys: [(u64, u32); MAX_DOMAIN_KEYS],
    len: u8,
    /// The host has more parent domains than the keys hold: the rest are hashed when looked up.
    more: bool,
}

impl DomainKeys {
    fn of(host: &str) -> DomainKeys {
        let mut keys = DomainKeys {
            keys: [(0, 0); MAX_DOMAIN_KEYS],
            len: 0,
            more: false,
        };
        let starts = std::iter::once(0).chain(
            host.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'.')
                .map(|(at, _)| at + 1),
        );
        for at in starts {
            let (Some(slot), Ok(offset)) =
                (keys.keys.get_mut(usize::from(keys.len)), u32::try_from(at))
            else {
                keys.more = true;
                break;
            };
            *slot = (domain_hash(&host[at..]), offset);
            keys.len += 1;
        }
        keys
    }
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
    if l.is_ascii() {
        // A label holds no dot, so it is a name of one label.
        return ascii_host_name(l.as_bytes());
    }
    !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.chars().all(|c| c.is_alphanumeric() || c == '-')
}

/// The authority of `rest` (text after a scheme or starting at the host) with any user,
/// port and trailing punctuation taken off: what may be a host name.
fn authority_of(rest: &str) -> &str {
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
    trim_trailing(authority).trim_end_matches('.')
}

/// The host part of `rest` (text after a scheme or starting at the host), lowercased, if it
/// looks like a host name.
fn host_of(rest: &str) -> Option<String> {
    let authority = authority_of(rest);
    if authority.is_ascii() {
        // Lowercasing ASCII changes no byte's class, so the name is checked as written and
        // copied only when it is one.
        return ascii_host_name(authority.as_bytes()).then(|| authority.to_ascii_lowercase());
    }
    let host = authority.to_lowercase();
    if host.is_empty() || !host.split('.').all(valid_label) {
        return None;
    }
    Some(host)
}

/// `valid_label` of every dot-separated label of a non-empty ASCII name, in one pass.
fn ascii_host_name(name: &[u8]) -> bool {
    if name.is_empty() {
        return false;
    }
    let mut label_start = 0;
    for (i, &b) in name.iter().enumerate() {
        if b == b'.' {
            if !label_ends_fit(&name[label_start..i]) {
                return false;
            }
            label_start = i + 1;
        } else if !(b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
    }
    label_ends_fit(&name[label_start..])
}

/// Whether a label of ASCII letters, digits and hyphens is 1 to 63 bytes long and neither
/// starts nor ends with a hyphen.
fn label_ends_fit(label: &[u8]) -> bool {
    match (label.first(), label.last()) {
        (Some(&first), Some(&last)) => first != b'-' && last != b'-' && label.len() <= 63,
        _ => false,
    }
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
    has_scheme_mark(chunk)
        || bytes.iter().enumerate().any(|(i, &b)| {
            b == b'.'
                && chunk[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
        })
}

/// Whether `chunk` holds `://`: a byte loop, cheaper on the short chunks links live in than
/// setting up a substring search.
fn has_scheme_mark(chunk: &str) -> bool {
    chunk.as_bytes().windows(3).any(|w| w == b"://")
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
    if has_scheme_mark(piece) {
        let scheme = find_ignoring_case(piece, b"http://")
            .map(|i| (i, i + "http://".len()))
            .or_else(|| find_ignoring_case(piece, b"https://").map(|i| (i, i + "https://".len())));
        if let Some((i, after)) = scheme {
            if let Some(host) = host_of(&piece[after..]) {
                let link = trim_trailing(&piece[i..]);
                out.push(Link::new(start + i, start + i + link.len(), host));
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
                out.push(Link::new(start + lead, start + lead + link.len(), host));
            }
        }
        return;
    }
    if let Some(host) = bare_domain(body) {
        let link = trim_trailing(body);
        out.push(Link::new(start + lead, start + lead + link.len(), host));
    }
}

/// Domains of a `link_domains` list, each standing for itself and its subdomains: a host is
/// in the set when it or one of its parent domains is (a few look-ups, one per
/// parent domain, instead of one comparison per entry).
#[derive(Debug, Default)]
pub(crate) struct DomainSet {
    /// `domain_hash` of every domain: most hosts are in no list, and a look-up by a number
    /// says so without hashing and comparing strings again.
    hashes: FxSet<u64>,
    domains: FxSet<Box<str>>,
}

/// The key a domain is looked up by in `DomainSet::hashes`.
fn domain_hash(domain: &str) -> u64 {
    fold_bytes(0, domain.as_bytes())
}

impl DomainSet {
    pub fn new(domains: impl IntoIterator<Item = String>) -> DomainSet {
        let domains: FxSet<Box<str>> = domains.into_iter().map(String::into_boxed_str).collect();
        DomainSet {
            hashes: domains.iter().map(|d| domain_hash(d)).collect(),
            domains,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// Whether the link's host is one of the set's domains or a subdomain of one.
    pub fn covers_link(&self, link: &Link) -> bool {
        let keys = &link.domain_keys;
        let found = keys.keys[..usize::from(keys.len)]
            .iter()
            .any(|&(hash, at)| {
                self.hashes.contains(&hash)
                    && link
                        .host
                        .get(at as usize..)
                        .is_some_and(|name| self.domains.contains(name))
            });
        found || (keys.more && self.covers(&link.host))
    }

    /// Whether `host` is one of the set's domains or a subdomain of one.
    pub fn covers(&self, host: &str) -> bool {
        let holds =
            |name: &str| self.hashes.contains(&domain_hash(name)) && self.domains.contains(name);
        holds(host)
            || host
                .bytes()
                .enumerate()
                .any(|(at, b)| b == b'.' && holds(&host[at + 1..]))
    }
}

#[cfg(test)]
#[path = "tests_links.rs"]
mod tests;
