//! Behaviour tests of `RuleSet::evaluate`: every rule kind, normalization bypass, exceptions
//! and thresholds, plus property tests that nothing panics and spans stay valid.

use super::*;
use std::path::Path;

/// The `[thresholds]` and `[rate_limits]` every test rules file starts with (9 lines, so
/// what follows starts on line 10).
pub(super) const HEAD: &str = r#"[thresholds]
hold = 5.0
reject = 10.0

[rate_limits]
per_ip      = { burst = 5,   rate = 10,   per = "minute" }
per_author  = { burst = 3,   rate = 6,    per = "minute" }
per_article = { burst = 60,  rate = 600,  per = "minute" }
global      = { burst = 300, rate = 6000, per = "minute" }
"#;

/// HEAD followed by `body`, loaded from the current folder.
pub(super) fn try_rules(body: &str) -> Result<RuleSet, RulesError> {
    RuleSet::from_source(
        &format!("{HEAD}{body}"),
        Path::new("."),
        Path::new("test.toml"),
    )
}

pub(super) fn rules(body: &str) -> RuleSet {
    try_rules(body).unwrap()
}

pub(super) fn body(text: &str) -> CommentInput<'_> {
    CommentInput {
        body: text,
        author_name: "reader",
        ..Default::default()
    }
}

fn eval(rs: &RuleSet, text: &str) -> Verdict {
    rs.evaluate(&body(text))
}

fn hit_texts<'a>(v: &Verdict, raw: &'a str) -> Vec<&'a str> {
    v.matches
        .iter()
        .flat_map(|m| &m.hits)
        .map(|h| &raw[h.start..h.end])
        .collect()
}

pub(super) const BANNED: &str = r#"
[[rule]]
id = "slurs"
description = "Banned words"
kind = "words"
action = "reject"
words = ["viagra", "twat", "free money"]
exceptions = ["smartwatch"]
"#;

#[test]
fn publishes_clean_comment() {
    let v = eval(
        &rules(BANNED),
        "A thoughtful reply about the council budget.",
    );
    assert_eq!(v.decision, Decision::Publish);
    assert!(v.matches.is_empty());
    assert_eq!(v.score, 0.0);
}

#[test]
fn rejects_comment_with_banned_word() {
    let raw = "Buy Viagra today";
    let v = eval(&rules(BANNED), raw);
    assert_eq!(v.decision, Decision::Reject);
    assert_eq!(v.matches[0].rule_id, "slurs");
    assert_eq!(hit_texts(&v, raw), vec!["Viagra"]);
    assert_eq!(v.matches[0].hits[0].view, View::Normalized);
}

#[test]
fn does_not_match_inside_longer_words() {
    assert_eq!(
        eval(&rules(BANNED), "my smartwatch broke").decision,
        Decision::Publish
    );
    assert_eq!(
        eval(&rules(BANNED), "viagraville").decision,
        Decision::Publish
    );
}

#[test]
fn matches_phrases_across_any_spacing() {
    let raw = "get FREE\n  money now";
    let v = eval(&rules(BANNED), raw);
    assert_eq!(hit_texts(&v, raw), vec!["FREE\n  money"]);
}

#[test]
fn matches_word_spelled_with_cyrillic_lookalikes() {
    let raw = "buy vіаgrа"; // Cyrillic і and а
    let v = eval(&rules(BANNED), raw);
    assert_eq!(v.decision, Decision::Reject);
    assert_eq!(hit_texts(&v, raw), vec!["vіаgrа"]);
}

#[test]
fn matches_word_in_leetspeak() {
    assert_eq!(
        eval(&rules(BANNED), "v14gr4 here").decision,
        Decision::Reject
    );
    assert_eq!(
        eval(&rules(BANNED), "fr33 m0n3y!").decision,
        Decision::Reject
    );
}

#[test]
fn matches_word_with_zero_width_characters() {
    let raw = "vi\u{200B}ag\u{200D}ra";
    let v = eval(&rules(BANNED), raw);
    assert_eq!(hit_texts(&v, raw), vec![raw]);
}

#[test]
fn matches_word_with_separators_between_letters() {
    for raw in [
        "v.i.a.g.r.a",
        "v-i-a-g-r-a",
        "v i a g r a",
        "v_i_a_g_r_a",
        "v*i*a*g*r*a",
    ] {
        let v = eval(&rules(BANNED), raw);
        assert_eq!(v.decision, Decision::Reject, "{raw}");
        assert_eq!(hit_texts(&v, raw), vec![raw]);
    }
}

#[test]
fn matches_word_hidden_in_spaced_letters_after_a_short_word() {
    let raw = "get a f r e e money offer";
    let v = eval(&rules(BANNED), raw);
    assert_eq!(v.decision, Decision::Reject);
    assert_eq!(hit_texts(&v, raw), vec!["f r e e money"]);
    assert_eq!(
        eval(&rules(BANNED), "Only a v.i.a.g.r.a user").decision,
        Decision::Reject
    );
}

#[test]
fn matches_word_in_fullwidth_and_math_letters() {
    assert_eq!(
        eval(&rules(BANNED), "ＶＩＡＧＲＡ").decision,
        Decision::Reject
    );
    assert_eq!(eval(&rules(BANNED), "𝐯𝐢𝐚𝐠𝐫𝐚").decision, Decision::Reject);
}

#[test]
fn exception_suppresses_hit_inside_smartwatch() {
    let rs = rules(
        r#"
[[rule]]
id = "slur.regex"
description = "Slur anywhere"
kind = "regex"
action = "reject"
patterns = ["twat"]
exceptions = ["smartwatch", "smart watch"]
"#,
    );
    assert_eq!(eval(&rs, "my SmartWatch died").decision, Decision::Publish);
    assert_eq!(
        eval(&rs, "my s.m.a.r.t.w.a.t.c.h died").decision,
        Decision::Publish
    );
    assert_eq!(eval(&rs, "you twat").decision, Decision::Reject);
    assert_eq!(eval(&rs, "smartwatch and twat").matches[0].hits.len(), 1);
}

#[test]
fn regex_rule_reports_raw_and_normalized_hits_once() {
    let rs = rules(
        r#"
[[rule]]
id = "casino"
description = "Casino spam"
kind = "regex"
action = "score"
weight = 2.0
patterns = ['\bcasino\b', 'bet\s*now']
"#,
    );
    let raw = "Casino! BET NOW at c@sino";
    let v = eval(&rs, raw);
    assert_eq!(v.score, 2.0);
    assert_eq!(v.decision, Decision::Publish);
    let mut texts = hit_texts(&v, raw);
    texts.sort();
    assert_eq!(texts, vec!["BET NOW", "Casino", "c@sino"]);
}

#[test]
fn case_sensitive_regex_respects_case() {
    let rs = rules(
        r#"
[[rule]]
id = "shout"
description = "Shouted ACME"
kind = "regex"
action = "hold"
target = "raw"
case_insensitive = false
patterns = ["ACME"]
"#,
    );
    assert_eq!(eval(&rs, "acme").decision, Decision::Publish);
    assert_eq!(eval(&rs, "ACME").decision, Decision::Hold);
}

pub(super) const LINKS: &str = r#"
[[rule]]
id = "links.many"
description = "Too many links"
kind = "link_count"
action = "hold"
max = 2

[[rule]]
id = "links.bad"
description = "Spam domains"
kind = "link_domains"
action = "reject"
deny = ["spam.com", "pills.xyz"]
"#;

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

pub(super) const SCORES: &str = r#"
[[rule]]
id = "a"
description = "A"
kind = "words"
action = "score"
weight = 3.0
words = ["alpha"]

[[rule]]
id = "b"
description = "B"
kind = "words"
action = "score"
weight = 3.0
words = ["beta"]
fields = ["body", "author_name"]

[[rule]]
id = "c"
description = "C"
kind = "words"
action = "score"
weight = 4.5
words = ["gamma"]
"#;

#[test]
fn hold_threshold_reached_by_two_score_rules() {
    let v = eval(&rules(SCORES), "alpha and beta");
    assert_eq!(v.score, 6.0);
    assert_eq!(v.decision, Decision::Hold);
    assert_eq!((v.hold_threshold, v.reject_threshold), (5.0, 10.0));
    assert_eq!(eval(&rules(SCORES), "alpha").decision, Decision::Publish);
}

#[test]
fn reject_threshold_reached_by_three_score_rules() {
    let v = eval(&rules(SCORES), "alpha beta gamma alpha alpha");
    assert_eq!(v.score, 10.5);
    assert_eq!(v.decision, Decision::Reject);
    assert_eq!(v.matches.len(), 3);
    assert_eq!(v.matches[0].hits.len(), 3);
}

#[test]
fn rule_fields_select_what_is_checked() {
    let rs = rules(SCORES);
    let c = CommentInput {
        body: "fine",
        author_name: "Beta Tester",
        ..Default::default()
    };
    let v = rs.evaluate(&c);
    assert_eq!(v.matches.len(), 1);
    assert_eq!(v.matches[0].hits[0].field, Field::AuthorName);
    let c = CommentInput {
        body: "fine",
        author_name: "alpha",
        ..Default::default()
    };
    assert!(rs.evaluate(&c).matches.is_empty());
}

#[test]
fn hits_are_capped_at_ten() {
    let v = eval(&rules(SCORES), &"alpha ".repeat(50));
    assert_eq!(v.matches[0].hits.len(), 10);
    assert_eq!(v.score, 3.0);
}

#[test]
fn disabled_rules_never_match() {
    let rs = rules(&BANNED.replace(
        "action = \"reject\"",
        "action = \"reject\"\nenabled = false",
    ));
    assert_eq!(eval(&rs, "viagra").decision, Decision::Publish);
    assert_eq!(rs.rule_count(), 1);
    assert_eq!(rs.enabled_rule_count(), 0);
}

#[test]
fn verdict_carries_version_and_thresholds() {
    let rs = rules(BANNED);
    assert_eq!(rs.version().len(), 64);
    assert_eq!(eval(&rs, "x").rules_version, rs.version());
    assert_eq!(
        rs.thresholds(),
        Thresholds {
            hold: 5.0,
            reject: 10.0
        }
    );
    assert_eq!(rs.rate_limits().per_ip.burst, 5);
}

#[test]
fn loads_list_files_and_versions_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/spam.txt"),
        "# spam\n\ncheap pills\nc4sino\n",
    )
    .unwrap();
    let src = format!(
        "{HEAD}\n[[rule]]\nid = \"spam\"\ndescription = \"Spam\"\nkind = \"words\"\naction = \"reject\"\nfiles = [\"rules/spam.txt\"]\n"
    );
    std::fs::write(dir.path().join("moderation_rules.toml"), &src).unwrap();
    let rs = RuleSet::load(&dir.path().join("moderation_rules.toml")).unwrap();
    assert_eq!(eval(&rs, "CHEAP   pills here").decision, Decision::Reject);
    assert_eq!(eval(&rs, "casino").decision, Decision::Reject);
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(src.as_bytes());
    h.update(b"rules/spam.txt");
    h.update(b"# spam\n\ncheap pills\nc4sino\n");
    assert_eq!(rs.version(), hex::encode(h.finalize()));
}
