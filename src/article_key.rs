//! Thread keys from page URLs: the one documented rule that turns a page's URL into an article
//! id, for sites that key comment threads by URL (`data-article-url`, imports). Pure: no IO.
//!
//! The rule (README "Threads keyed by page URL"):
//! 1. Only absolute `http`/`https` URLs; the scheme is then dropped.
//! 2. Host lower-cased (international names in their `xn--` form), a leading `www.` dropped
//!    unless `keep_www`, the default port (80, 443) dropped, any other kept as `host:port`.
//! 3. Path: `.`/`..` resolved, escapes of unreserved characters decoded (`%7E` is `~`), other
//!    escapes upper-cased, a trailing `/` dropped (`/news/` is `/news`; the root is empty).
//! 4. Fragment dropped; query dropped but for the parameters named in `keep_query` (e.g. `p`
//!    for WordPress' `?p=123`), kept sorted by name.
//! 5. The resulting key (`example.com/news/story?p=1`) is spelled in article-id characters:
//!    letters, digits, `-`, `.` and `_` stay, `/` becomes `:`, every other byte becomes `~`
//!    and two upper-case hex digits. Different keys never share an id. A key whose spelling
//!    passes 128 characters keeps its first 110 and ends in `~~` and 16 hex digits of its
//!    SHA-256 (`~~` appears in no other spelling).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Longest article id (the same bound `ArticleId` enforces).
pub const MAX_ID_LEN: usize = 128;
/// Characters of a too-long spelling kept before its hash.
const KEPT_BEFORE_HASH: usize = 110;

/// How URLs become thread keys: the `[moderation.article_urls]` table of the policy file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UrlKeyRule {
    /// Query parameters that name the page (WordPress' `p`, `page_id`); all others are dropped.
    pub keep_query: Vec<String>,
    /// Keep a leading `www.`: for a site whose `www.` host serves other pages than the bare one.
    pub keep_www: bool,
}

/// Why a URL has no thread key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlKeyError {
    #[error("not an absolute URL: {0}")]
    Invalid(String),
    #[error("only http and https URLs key a thread, not {0}:")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
}

impl UrlKeyRule {
    /// Why this rule cannot be used.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(bad) = self.keep_query.iter().find(|name| name.is_empty()) {
            return Err(format!(
                "moderation.article_urls.keep_query has an empty name {bad:?}"
            ));
        }
        Ok(())
    }

    /// The normalized key of `url` (step 1-4 of the rule), e.g. `example.com/news/story`.
    pub fn normalized(&self, url: &str) -> Result<String, UrlKeyError> {
        let parsed =
            url::Url::parse(url.trim()).map_err(|e| UrlKeyError::Invalid(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(UrlKeyError::Scheme(parsed.scheme().to_string()));
        }
        let host = parsed.host_str().ok_or(UrlKeyError::NoHost)?;
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host = match host.strip_prefix("www.") {
            Some(bare) if !self.keep_www && !bare.is_empty() => bare.to_string(),
            _ => host,
        };
        if host.is_empty() {
            return Err(UrlKeyError::NoHost);
        }
        let mut key = host;
        // `port()` is None for the scheme's default port.
        if let Some(port) = parsed.port() {
            key.push_str(&format!(":{port}"));
        }
        let path = normalize_escapes(parsed.path());
        key.push_str(path.trim_end_matches('/'));
        let mut kept: Vec<(String, String)> = parsed
            .query()
            .unwrap_or("")
            .split('&')
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = normalize_escapes(name);
                let wanted = self
                    .keep_query
                    .iter()
                    .any(|k| *k == percent_encoding::percent_decode_str(&name).decode_utf8_lossy());
                wanted.then(|| (name, normalize_escapes(value)))
            })
            .collect();
        kept.sort();
        for (i, (name, value)) in kept.iter().enumerate() {
            key.push(if i == 0 { '?' } else { '&' });
            key.push_str(name);
            key.push('=');
            key.push_str(value);
        }
        Ok(key)
    }

    /// The article id of the page at `url`: its normalized key spelled in id characters.
    pub fn article_id(&self, url: &str) -> Result<String, UrlKeyError> {
        Ok(spell(&self.normalized(url)?))
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Decodes `%XX` of unreserved characters and upper-cases every other escape.
fn normalize_escapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let escaped = bytes
                .get(i + 1..i + 3)
                .and_then(|hl| Some(hex_value(hl[0])? * 16 + hex_value(hl[1])?));
            match escaped {
                Some(b) if is_unreserved(b) => out.push(char::from(b)),
                Some(b) => out.push_str(&format!("%{b:02X}")),
                // A bare `%` is the byte `%`, spelled as its escape.
                None => {
                    out.push_str("%25");
                    i += 1;
                    continue;
                }
            }
            i += 3;
            continue;
        }
        // Not an escape: copy the whole (possibly multi-byte) character.
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// The bytes `text` stands for, escapes decoded.
fn decoded_bytes(text: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(text).collect()
}

/// Spells a normalized key in article-id characters (step 5 of the rule).
fn spell(key: &str) -> String {
    // The host and port, then the path and query with their escapes decoded: `%2F` and `/`
    // stay different (`~2F` and `:`) because only the path's own `/` become `:`.
    let (before_query, query) = match key.find('?') {
        Some(at) => key.split_at(at),
        None => (key, ""),
    };
    let (authority, path) = match before_query.find('/') {
        Some(at) => before_query.split_at(at),
        None => (before_query, ""),
    };
    let mut out = String::with_capacity(key.len() * 2);
    push_spelled(&mut out, authority.as_bytes());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push(':');
        }
        push_spelled(&mut out, &decoded_bytes(segment));
    }
    // The query's own `/` are spelled as bytes: only the path's separators become `:`.
    push_spelled(&mut out, &decoded_bytes(query));
    cut_and_hash(out, key)
}

/// A spelling longer than an id may be, cut and ended with `~~` and a hash of `key`.
fn cut_and_hash(out: String, key: &str) -> String {
    if out.len() <= MAX_ID_LEN {
        return out;
    }
    let digest = Sha256::digest(key.as_bytes());
    let mut cut = KEPT_BEFORE_HASH;
    // Never cut an escape in two (which could end in `~` and make `~~~`).
    while cut > 0
        && out.as_bytes()[..cut]
            .iter()
            .rev()
            .take(2)
            .any(|&b| b == b'~')
    {
        cut -= 1;
    }
    format!("{}~~{}", &out[..cut], &hex::encode(digest)[..16])
}

/// A thread identifier as an article id: kept when it already is a valid one, else spelled like
/// a URL key's bytes (`~` and two hex digits for each byte outside letters, digits, `-._`).
pub fn spell_identifier(identifier: &str) -> String {
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '~');
    if identifier.len() <= MAX_ID_LEN
        && identifier.chars().all(valid)
        && !identifier.chars().all(|c| c == '.')
        && !identifier.contains("~~")
    {
        return identifier.to_string();
    }
    let mut out = String::with_capacity(identifier.len() * 2);
    if identifier.chars().all(|c| c == '.') {
        // Only dots is no id: spell them as bytes.
        out = "~2E".repeat(identifier.len());
    } else {
        push_spelled(&mut out, identifier.as_bytes());
    }
    cut_and_hash(out, identifier)
}

fn push_spelled(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("~{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(url: &str) -> String {
        UrlKeyRule::default().article_id(url).unwrap()
    }

    fn valid_id(id: &str) -> bool {
        let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '~');
        !id.is_empty()
            && id.len() <= MAX_ID_LEN
            && id.chars().all(ok)
            && !id.chars().all(|c| c == '.')
    }

    #[test]
    fn the_documented_variations_of_one_page_share_one_id() {
        let expected = "example.com:news:2026:budget";
        for url in [
            "https://example.com/news/2026/budget",
            "http://www.Example.COM/news/2026/budget/",
            "https://example.com:443/news/2026/budget?utm_source=x#comments",
            "http://example.com:80/news/./2026/budget",
            "https://EXAMPLE.com/n%65ws/2026/budget",
            "https://example.com./news/2026/budget",
        ] {
            assert_eq!(id(url), expected, "{url}");
        }
    }

    #[test]
    fn the_root_page_is_the_host_and_other_ports_are_kept() {
        assert_eq!(id("https://www.example.com/"), "example.com");
        assert_eq!(id("http://example.com:8080/a"), "example.com~3A8080:a");
    }

    #[test]
    fn escapes_other_than_unreserved_characters_stay_distinct_from_the_path() {
        assert_eq!(id("https://x.org/a%2fb"), id("https://x.org/a%2Fb"));
        assert_ne!(id("https://x.org/a%2Fb"), id("https://x.org/a/b"));
        assert_eq!(id("https://x.org/caf%C3%A9"), id("https://x.org/café"));
        assert_eq!(id("https://x.org/café"), "x.org:caf~C3~A9");
    }

    #[test]
    fn kept_query_parameters_name_the_page_in_a_fixed_order() {
        let wordpress = UrlKeyRule {
            keep_query: vec!["p".into(), "page_id".into()],
            keep_www: false,
        };
        let a = wordpress
            .article_id("https://blog.example.org/?p=42&utm=1")
            .unwrap();
        let b = wordpress
            .article_id("https://blog.example.org/?utm=2&p=42")
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, "blog.example.org~3Fp~3D42");
        assert_ne!(
            a,
            wordpress
                .article_id("https://blog.example.org/?p=43")
                .unwrap()
        );
        assert_eq!(id("https://blog.example.org/?p=42"), "blog.example.org");
    }

    #[test]
    fn keep_www_keeps_the_www_host_apart() {
        let rule = UrlKeyRule {
            keep_query: Vec::new(),
            keep_www: true,
        };
        assert_eq!(
            rule.article_id("https://www.x.org/a").unwrap(),
            "www.x.org:a"
        );
    }

    #[test]
    fn refuses_what_is_not_a_web_page_address() {
        let rule = UrlKeyRule::default();
        assert!(matches!(
            rule.article_id("budget-2026"),
            Err(UrlKeyError::Invalid(_))
        ));
        assert!(matches!(
            rule.article_id("javascript:alert(1)"),
            Err(UrlKeyError::Scheme(_))
        ));
        assert!(matches!(
            rule.article_id("file:///etc/passwd"),
            Err(UrlKeyError::Scheme(_))
        ));
    }

    #[test]
    fn a_long_url_is_cut_and_hashed_into_a_valid_id() {
        let long = format!("https://x.org/{}", "a".repeat(300));
        let other = format!("https://x.org/{}b", "a".repeat(300));
        let (a, b) = (id(&long), id(&other));
        assert!(valid_id(&a), "{a}");
        assert_eq!(a.len(), KEPT_BEFORE_HASH + 2 + 16);
        assert_ne!(a, b);
        let escapes = format!("https://x.org/{}", "é".repeat(100));
        assert!(valid_id(&id(&escapes)));
        assert!(!id(&escapes).contains("~~~"));
    }

    #[test]
    fn identifiers_stay_when_valid_and_are_spelled_when_not() {
        assert_eq!(spell_identifier("budget-2026"), "budget-2026");
        assert_eq!(
            spell_identifier("42 https://x.org/?p=42"),
            "42~20https~3A~2F~2Fx.org~2F~3Fp~3D42"
        );
        assert!(valid_id(&spell_identifier(&"ä".repeat(200))));
        assert!(valid_id(&spell_identifier("..")));
    }

    proptest! {
        #[test]
        fn every_accepted_url_gives_a_valid_article_id(
            host in "[a-zA-Z0-9]{1,12}(\\.[a-z]{2,5}){0,2}",
            path in "(/[a-zA-Z0-9%~:@!$&'()*+,;=._ é-]{0,20}){0,6}",
            query in "(\\?[a-z=&%0-9]{0,20})?",
        ) {
            let url = format!("https://{host}{path}{query}");
            if let Ok(spelled) = UrlKeyRule::default().article_id(&url) {
                prop_assert!(valid_id(&spelled), "{url} -> {spelled}");
            }
        }

        #[test]
        fn the_id_ignores_case_of_host_www_fragment_and_trailing_slash(
            host in "[a-z0-9]{1,12}\\.[a-z]{2,5}",
            path in "(/[a-zA-Z0-9._-]{1,10}){0,5}",
            fragment in "[a-z0-9]{0,8}",
        ) {
            let plain = id(&format!("https://{host}{path}"));
            let varied = id(&format!("http://WWW.{}{path}/#{fragment}", host.to_uppercase()));
            prop_assert_eq!(plain, varied);
        }

        #[test]
        fn different_paths_never_share_an_id(
            a in "(/[a-zA-Z0-9%:~._-]{1,10}){1,4}",
            b in "(/[a-zA-Z0-9%:~._-]{1,10}){1,4}",
        ) {
            let rule = UrlKeyRule::default();
            let (ka, kb) = (
                rule.normalized(&format!("https://x.org{a}")),
                rule.normalized(&format!("https://x.org{b}")),
            );
            if let (Ok(ka), Ok(kb)) = (ka, kb) {
                if ka != kb {
                    prop_assert_ne!(spell(&ka), spell(&kb));
                }
            }
        }
    }
}
