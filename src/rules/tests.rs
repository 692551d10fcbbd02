//! Behaviour tests of `RuleSet::evaluate`: every rule kind, normalization bypass, exceptions
//! and thresholds, plus property tests that nothing panics and spans stay valid.

use super::*;
use std::collections::HashMap;
use std::path::Path;

/// The thresholds every rules file of these tests starts with (3 lines).
pub(super) const HEAD: &str = "[thresholds]\nhold = 5.0\nreject = 10.0\n";

/// Compiles `HEAD` followed by `body` as a rules-only file, with list files from `lists`.
pub(super) fn compile_with(
    body: &str,
    lists: &HashMap<String, String>,
) -> Result<RuleSet, RulesError> {
    RuleSet::parse(&format!("{HEAD}{body}"), Path::new("rules.toml"), lists)
}

pub(super) fn rules(body: &str) -> RuleSet {
    compile_with(body, &HashMap::new()).unwrap()
}

pub(super) fn body(text: &str) -> CommentInput<'_> {
    CommentInput {
        body: text,
        author_name: "reader",
        ..Default::default()
    }
}

pub(super) fn eval(rs: &RuleSet, text: &str) -> Verdict {
    rs.evaluate(&body(text))
}

pub(super) fn hit_texts<'a>(v: &Verdict, raw: &'a str) -> Vec<&'a str> {
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
}

#[test]
fn takes_list_files_from_the_caller_and_versions_them() {
    let list = "# spam\n\ncheap pills\nc4sino\n";
    let lists = HashMap::from([("rules/spam.txt".to_string(), list.to_string())]);
    let body = "[[rule]]\nid = \"spam\"\ndescription = \"Spam\"\nkind = \"words\"\naction = \"reject\"\nfiles = [\"rules/spam.txt\"]\n";
    let rs = compile_with(body, &lists).unwrap();
    assert_eq!(eval(&rs, "CHEAP   pills here").decision, Decision::Reject);
    assert_eq!(eval(&rs, "casino").decision, Decision::Reject);
    assert_eq!(rs.list_files(), ["rules/spam.txt"]);
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(format!("{HEAD}{body}").as_bytes());
    h.update(b"rules/spam.txt");
    h.update(list.as_bytes());
    assert_eq!(rs.version(), hex::encode(h.finalize()));
}
