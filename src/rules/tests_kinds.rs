//! Behaviour tests of the rule kinds that read more than words: links (count, denied and
//! allowed domains), shouting, repeated characters, length, and the author's history
//! (duplicates, first comments).

use super::tests::{body, eval, hit_texts, rules, LINKS};
use super::*;

#[test]
fn holds_comment_with_too_many_links() {
    let v = eval(&rules(LINKS), "see a.com, www.b.org and https://c.net/x");
    assert_eq!(v.decision, Decision::Hold);
    assert_eq!(v.matches[0].hits.len(), 3);
    assert_eq!(
        eval(&rules(LINKS), "see a.com and b.org").decision,
        Decision::Publish
    );
}

#[test]
fn rejects_link_to_denied_domain_or_subdomain() {
    let raw = "visit http://shop.SPAM.com/deal now";
    let v = eval(&rules(LINKS), raw);
    assert_eq!(v.decision, Decision::Reject);
    assert_eq!(hit_texts(&v, raw), vec!["http://shop.SPAM.com/deal"]);
    assert_eq!(
        eval(&rules(LINKS), "notspam.com is fine").decision,
        Decision::Publish
    );
}

#[test]
fn allow_list_flags_links_elsewhere() {
    let rs = rules(
        r#"
[[rule]]
id = "links.allow"
description = "Only our own site"
kind = "link_domains"
action = "hold"
allow = ["example.org"]
"#,
    );
    assert_eq!(
        eval(&rs, "read https://news.example.org/a").decision,
        Decision::Publish
    );
    assert_eq!(eval(&rs, "read other.info").decision, Decision::Hold);
}

#[test]
fn caps_ratio_holds_shouting() {
    let rs = rules(
        r#"
[[rule]]
id = "caps"
description = "Shouting"
kind = "caps_ratio"
action = "hold"
min_ratio = 0.7
min_letters = 10
"#,
    );
    assert_eq!(
        eval(&rs, "THIS IS AN OUTRAGE, TRULY").decision,
        Decision::Hold
    );
    assert_eq!(eval(&rs, "OK FINE").decision, Decision::Publish);
    assert_eq!(
        eval(&rs, "This is an outrage, truly").decision,
        Decision::Publish
    );
}

#[test]
fn repeated_chars_reports_the_run() {
    let rs = rules(
        r#"
[[rule]]
id = "repeat"
description = "Keyboard mashing"
kind = "repeated_chars"
action = "score"
weight = 1.0
max_run = 4
"#,
    );
    let raw = "nooooooo!!!!";
    let v = eval(&rs, raw);
    assert_eq!(hit_texts(&v, raw), vec!["ooooooo"]);
    assert_eq!(eval(&rs, "good      stuff").decision, Decision::Publish);
}

#[test]
fn length_rule_checks_trimmed_characters() {
    let rs = rules(
        r#"
[[rule]]
id = "length"
description = "Too short or too long"
kind = "length"
action = "hold"
min = 3
max = 10
"#,
    );
    assert_eq!(eval(&rs, "  ok   ").decision, Decision::Hold);
    assert_eq!(eval(&rs, "ééé").decision, Decision::Publish);
    assert_eq!(eval(&rs, "this is much too long").decision, Decision::Hold);
}

#[test]
fn duplicate_rule_uses_history_within_window() {
    let rs = rules(
        r#"
[[rule]]
id = "dup"
description = "Repost"
kind = "duplicate"
action = "hold"
window_seconds = 600
scope = "author"

[[rule]]
id = "dup.ip"
description = "Repost from same IP"
kind = "duplicate"
action = "score"
weight = 1.0
window_seconds = 3600
scope = "ip"
enabled = false
"#,
    );
    assert_eq!(
        rs.duplicate_window(),
        Some(std::time::Duration::from_secs(600))
    );
    let mut c = body("hello");
    c.history.same_body_by_author_secs_ago = Some(30);
    assert_eq!(rs.evaluate(&c).decision, Decision::Hold);
    c.history.same_body_by_author_secs_ago = Some(601);
    assert_eq!(rs.evaluate(&c).decision, Decision::Publish);
    c.history.same_body_by_ip_secs_ago = Some(1);
    assert_eq!(rs.evaluate(&c).decision, Decision::Publish);
}

#[test]
fn first_comment_rule_matches_only_newcomers() {
    let rs = rules(
        r#"
[[rule]]
id = "newcomer"
description = "First comment"
kind = "first_comment"
action = "score"
weight = 2.0
"#,
    );
    let mut c = body("hi");
    assert_eq!(rs.evaluate(&c).score, 2.0);
    c.history.prior_published = 3;
    assert!(rs.evaluate(&c).matches.is_empty());
}
