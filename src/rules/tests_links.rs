//! Link detection and domain sets: what `links` finds and which lists cover it.

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
    let t =
        "see https://Foo.Example.com/x?y=1, www.spam.net and cheap-pills.xyz. Also bob@mail.com";
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

#[test]
fn a_link_with_a_non_ascii_host_is_found_in_a_set_by_its_lowercased_name() {
    let links = find_links("see http://WWW.Пример.рф/x");
    assert_eq!(links[0].host, "www.пример.рф");
    assert!(DomainSet::new(["пример.рф".to_string()]).covers_link(&links[0]));
    assert!(DomainSet::new(["рф".to_string()]).covers_link(&links[0]));
    assert!(!DomainSet::new(["other.рф".to_string()]).covers_link(&links[0]));
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

/// `valid_label` as it was written before it shared the ASCII host-name pass.
fn label_as_before(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.chars().all(|c| c.is_alphanumeric() || c == '-')
}

/// `host_of` as it was before its ASCII path: lowercase first, then check each label.
fn host_of_by_labels(rest: &str) -> Option<String> {
    let host = authority_of(rest).to_lowercase();
    if host.is_empty() || !host.split('.').all(label_as_before) {
        return None;
    }
    Some(host)
}

#[test]
fn host_names_are_checked_label_by_label() {
    assert_eq!(host_of("Example.COM/x").as_deref(), Some("example.com"));
    assert_eq!(
        host_of("user@a-b.example.org:8080/").as_deref(),
        Some("a-b.example.org")
    );
    assert_eq!(host_of("a.b.c.,;!").as_deref(), Some("a.b.c"));
    assert_eq!(
        host_of(&format!("{}.com", "a".repeat(63))).map(|h| h.len()),
        Some(67)
    );
    assert_eq!(host_of(&format!("{}.com", "a".repeat(64))), None);
    for bad in [
        "-a.com", "a-.com", "a..com", "a_b.com", ".com", "", "a.-", "é-.com",
    ] {
        assert_eq!(host_of(bad), None, "{bad}");
    }
}

#[test]
fn a_link_with_more_parent_domains_than_its_keys_hold_is_still_found_in_a_set() {
    let set = DomainSet::new(["c.example".to_string(), "h.g.f.e.d.c.example".to_string()]);
    let deep = "k.j.i.h.g.f.e.d.c.example";
    let text = format!("see http://{deep}/x");
    let links = find_links(&text);
    assert_eq!(links[0].host, deep);
    assert!(set.covers_link(&links[0]));
    let only_deep = DomainSet::new(["example".to_string()]);
    assert!(
        only_deep.covers_link(&links[0]),
        "the top-level name, past the keys"
    );
    let none = DomainSet::new(["other.example".to_string()]);
    assert!(!none.covers_link(&links[0]));
}

proptest::proptest! {
    #[test]
    fn the_ascii_host_path_agrees_with_checking_each_lowercased_label(
        rest in "[aZ0_.@:/?#-]{0,12}|[a-c]{1,3}(\\.[a-c-]{0,3}){0,4}[,.;!*]{0,2}",
    ) {
        proptest::prop_assert_eq!(host_of(&rest), host_of_by_labels(&rest));
    }

    #[test]
    fn a_link_is_in_a_domain_set_exactly_when_its_host_is(
        domains in proptest::collection::vec("[ab]{1,2}(\\.[ab]{1,2}){0,8}", 0..6),
        labels in proptest::collection::vec("[ab]{1,2}", 1..=10),
        parents in proptest::collection::vec(0usize..10, 0..3),
    ) {
        let host = labels.join(".");
        // Some of the host's own parent domains too, at any depth, so hits are common.
        let own = parents.iter().map(|&k| labels[k % labels.len()..].join("."));
        let set = DomainSet::new(domains.iter().cloned().chain(own));
        let link = Link::new(0, host.len(), host.clone());
        proptest::prop_assert_eq!(set.covers_link(&link), set.covers(&host));
    }
}
