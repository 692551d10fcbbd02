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

fn trim_trailing(s: &str) -> &str {
    s.trim_end_matches(['.', ',', ';', ':', '!', '?', '*'])
}

fn valid_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.chars().all(|c| c.is_alphanumeric() || c == '-')
}

/// The host part of `rest` (text after a scheme or starting at the host), lowercased, if it
/// looks like a host name.
fn host_of(rest: &str) -> Option<String> {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let mut authority = &rest[..end];
    if let Some(at) = authority.rfind('@') {
        authority = &authority[at + 1..];
    }
    if let Some(colon) = authority.find(':') {
        authority = &authority[..colon];
    }
    let host = trim_trailing(authority)
        .trim_end_matches('.')
        .to_lowercase();
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

/// Finds every link in `text`, in order. Only chunks (runs between breaks) holding a dot
/// are examined.
pub fn find_links(text: &str) -> Vec<Link> {
    let mut out = Vec::new();
    let mut done = 0; // end of the last chunk examined
    for (dot, _) in text.match_indices('.') {
        if dot < done {
            continue;
        }
        let start = text[..dot]
            .char_indices()
            .rev()
            .find(|&(_, c)| is_chunk_break(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = text[dot..]
            .char_indices()
            .find(|&(_, c)| is_chunk_break(c))
            .map_or(text.len(), |(i, _)| dot + i);
        scan_chunk(&text[start..end], start, &mut out);
        done = end;
    }
    out
}

fn scan_chunk(piece: &str, start: usize, out: &mut Vec<Link>) {
    let lower = piece.to_ascii_lowercase();
    if let Some(i) = lower.find("http://").or_else(|| lower.find("https://")) {
        let after = i + lower[i..].find("://").map_or(0, |p| p + 3);
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
