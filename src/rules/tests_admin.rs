//! Tests of the admin features: `[[example]]` entries, shadow rules, rule metadata, hit
//! counters, and the warnings of `rules check` (`lint`).

use super::lint::can_match_lowercase;
use super::tests::{body, rules, try_rules, HEAD};
use super::*;
use std::path::Path;

const SPAM: &str = r#"
[[rule]]
id = "spam.words"
description = "Spam"
kind = "words"
action = "score"
weight = 6.0
words = ["free money", "viagra"]
"#;

fn findings(src: &str) -> Vec<Finding> {
    lint(&rules(src))
}

fn codes_for<'a>(found: &'a [Finding], rule: &str) -> Vec<&'a str> {
    found
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.code)
        .collect()
}

#[test]
fn loads_a_file_whose_examples_pass() {
    let src = format!(
        "{SPAM}\n[[example]]\nbody = \"Nice piece\"\nexpected = \"published\"\n\n\
         [[example]]\nbody = \"get FREE money now\"\nexpected = \"pending\"\nnote = \"spam\"\n"
    );
    let rs = try_rules(&src).unwrap();
    assert_eq!(rs.examples().len(), 2);
    assert_eq!(rs.examples()[1].expected, Status::Pending);
}

#[test]
fn refuses_a_file_whose_example_fails_naming_line_body_statuses_and_rules() {
    let src = format!(
        "{SPAM}\n[[example]]\nbody = \"Honest comment about free money for schools\"\nexpected = \"published\"\n"
    );
    let e = try_rules(&src).unwrap_err();
    let line = src.lines().position(|l| l == "[[example]]").unwrap() + 1 + HEAD.lines().count();
    assert_eq!(e.line, Some(line), "{e}");
    for part in [
        "Honest comment about free money",
        "expected published, got pending",
        "spam.words",
    ] {
        assert!(e.message.contains(part), "{part:?} not in {}", e.message);
    }
}

#[test]
fn refuses_an_example_with_an_unknown_status() {
    let e = try_rules("[[example]]\nbody = \"x\"\nexpected = \"approved\"\n").unwrap_err();
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn runs_examples_as_a_returning_reader_unless_marked_first_comment() {
    let src = "[[rule]]\nid = \"new\"\ndescription = \"d\"\nkind = \"first_comment\"\naction = \"hold\"\n\n\
        [[example]]\nbody = \"hello\"\nexpected = \"published\"\n\n\
        [[example]]\nbody = \"hello\"\nexpected = \"pending\"\nfirst_comment = true\n";
    assert!(try_rules(src).is_ok());
}

const SHADOW: &str = r#"
[[rule]]
id = "trial.reject"
description = "Candidate rule"
kind = "words"
action = "reject"
weight = 20.0
mode = "shadow"
words = ["free money", "nice"]
"#;

#[test]
fn records_shadow_matches_without_changing_score_or_decision() {
    let live_only = rules(SPAM);
    let with_shadow = rules(&format!("{SPAM}{SHADOW}"));
    for (text, shadow_hits) in [
        ("free money here", 1),
        ("nice", 1),
        ("a plain comment", 0),
        ("viagra and free money", 1),
    ] {
        let (a, b) = (
            live_only.evaluate(&body(text)),
            with_shadow.evaluate(&body(text)),
        );
        assert_eq!(a.decision, b.decision, "{text}");
        assert_eq!(a.score, b.score, "{text}");
        let shadowed: Vec<&RuleMatch> = b.matches.iter().filter(|m| m.shadow).collect();
        assert_eq!(shadowed.len(), shadow_hits, "{text}: {b:?}");
        assert!(shadowed.iter().all(|m| m.rule_id == "trial.reject"));
        assert!(b.matches.iter().filter(|m| !m.shadow).eq(a.matches.iter()));
    }
}

#[test]
fn parses_verdicts_stored_before_shadow_rules_existed() {
    let old = r#"{"decision":"hold","score":6.0,"hold_threshold":5.0,"reject_threshold":10.0,
        "rules_version":"abc","matches":[{"rule_id":"a","description":"d","kind":"words",
        "action":"score","weight":6.0,"hits":[]}]}"#;
    let v: Verdict = serde_json::from_str(old).unwrap();
    assert!(!v.matches[0].shadow);
}

#[test]
fn lists_rule_metadata_in_file_order() {
    let rs = rules(&format!("{SPAM}{SHADOW}"));
    assert_eq!(rs.rule_ids(), vec!["spam.words", "trial.reject"]);
    let info = &rs.rules()[1];
    assert_eq!(
        (info.kind, info.action, info.mode, info.enabled),
        (Kind::Words, Action::Reject, Mode::Shadow, true)
    );
    assert_eq!(info.weight, 20.0);
    assert_eq!(rs.rules()[0].mode, Mode::Live);
}

#[test]
fn counts_live_and_shadow_hits_per_rule_across_threads() {
    let rs = rules(&format!("{SPAM}{SHADOW}"));
    let counters = RuleHitCounters::new(&rs);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..25 {
                    counters.record(&rs.evaluate(&body("free money")));
                }
            });
        }
    });
    counters.record(&rs.evaluate(&body("nice")));
    let snap = counters.snapshot();
    let count = |id: &str| snap.iter().find(|c| c.rule_id == id).unwrap().clone();
    assert_eq!(
        (
            count("spam.words").live_hits,
            count("spam.words").shadow_hits
        ),
        (100, 0)
    );
    assert_eq!(
        (
            count("trial.reject").live_hits,
            count("trial.reject").shadow_hits
        ),
        (0, 101)
    );
}

#[test]
fn warns_when_every_word_is_also_an_exception() {
    let found = findings(
        "[[rule]]\nid = \"w\"\ndescription = \"d\"\nkind = \"words\"\naction = \"hold\"\n\
         words = [\"Kick ass\"]\nexceptions = [\"kick  ass\"]\n",
    );
    let f = found.iter().find(|f| f.rule_id == "w").unwrap();
    assert_eq!((f.severity, f.code), (Severity::Warning, "never_matches"));
    assert!(f.message.contains("every entry"), "{}", f.message);
}

#[test]
fn warns_about_uppercase_patterns_on_the_normalized_view_only() {
    let rule = |id: &str, extra: &str| {
        format!("[[rule]]\nid = \"{id}\"\ndescription = \"d\"\nkind = \"regex\"\naction = \"hold\"\n{extra}\n")
    };
    let src = [
        rule(
            "norm",
            "patterns = ['FREE\\s+money']\ncase_insensitive = false\ntarget = \"normalized\"",
        ),
        rule(
            "both",
            "patterns = ['(?:FREE|GRATIS)']\ncase_insensitive = false",
        ),
        rule(
            "raw",
            "patterns = ['FREE']\ncase_insensitive = false\ntarget = \"raw\"",
        ),
        rule("folded", "patterns = ['FREE']\ntarget = \"normalized\""),
        rule(
            "lower",
            "patterns = ['[A-Za-z]+ money']\ncase_insensitive = false",
        ),
    ]
    .concat();
    let found = findings(&src);
    assert_eq!(codes_for(&found, "norm"), vec!["never_matches"]);
    assert!(found
        .iter()
        .any(|f| f.rule_id == "norm" && f.message.contains("can never match")));
    assert_eq!(codes_for(&found, "both"), vec!["never_matches"]);
    for quiet in ["raw", "folded", "lower"] {
        assert!(codes_for(&found, quiet).is_empty(), "{quiet}: {found:?}");
    }
}

#[test]
fn tells_patterns_that_need_capitals_from_those_that_do_not() {
    assert!(!can_match_lowercase("ABC|DEF", false));
    assert!(!can_match_lowercase(r"\bx+Y", false));
    assert!(can_match_lowercase(r"x+Y?", false));
    assert!(can_match_lowercase("ABC", true));
    assert!(can_match_lowercase(r"[^a-z]+\d", false));
    assert!(!can_match_lowercase(r"\p{Lu}{2}", false));
}

#[test]
fn warns_about_rules_that_practically_never_match() {
    let found = findings(
        "[[rule]]\nid = \"links\"\ndescription = \"d\"\nkind = \"link_count\"\naction = \"hold\"\nmax = 100000\n\n\
         [[rule]]\nid = \"caps\"\ndescription = \"d\"\nkind = \"caps_ratio\"\naction = \"hold\"\nmin_ratio = 0.7\ntarget = \"normalized\"\n\n\
         [[rule]]\nid = \"sane\"\ndescription = \"d\"\nkind = \"link_count\"\naction = \"hold\"\nmax = 4\n",
    );
    assert_eq!(codes_for(&found, "links"), vec!["never_matches"]);
    assert_eq!(codes_for(&found, "caps"), vec!["never_matches"]);
    assert!(codes_for(&found, "sane").is_empty());
}

#[test]
fn warns_about_duplicate_words_within_a_rule_and_across_rules_with_one_action() {
    let words = |id: &str, action: &str, list: &str| {
        format!("[[rule]]\nid = \"{id}\"\ndescription = \"d\"\nkind = \"words\"\naction = \"{action}\"\nweight = 1.0\nwords = [{list}]\n")
    };
    let found = findings(
        &[
            words("a", "score", "\"free money\", \"Free  Money\", \"viagra\""),
            words("b", "score", "\"viagra\""),
            words("c", "hold", "\"viagra\""),
        ]
        .concat(),
    );
    let a: Vec<&Finding> = found.iter().filter(|f| f.rule_id == "a").collect();
    assert_eq!(a.len(), 1, "{found:?}");
    assert!(
        a[0].message.contains("\"free money\" (line"),
        "{}",
        a[0].message
    );
    let b = found.iter().find(|f| f.rule_id == "b").unwrap();
    assert_eq!(b.code, "duplicate_word");
    assert!(b.message.contains("rule `a`") && b.message.contains("viagra"));
    assert!(
        codes_for(&found, "c").is_empty(),
        "different action: {found:?}"
    );
}

#[test]
fn warns_about_entries_that_hit_ordinary_english_with_an_example_line() {
    let found = findings(
        "[[rule]]\nid = \"broad\"\ndescription = \"d\"\nkind = \"words\"\naction = \"score\"\nweight = 1.0\nwords = [\"the\", \"viagra\"]\n\n\
         [[rule]]\nid = \"broad.re\"\ndescription = \"d\"\nkind = \"regex\"\naction = \"hold\"\npatterns = ['\\bwe\\b']\n\n\
         [[rule]]\nid = \"narrow\"\ndescription = \"d\"\nkind = \"words\"\naction = \"score\"\nweight = 1.0\nwords = [\"cialis\"]\n",
    );
    let broad = found.iter().find(|f| f.rule_id == "broad").unwrap();
    assert_eq!(broad.code, "over_broad");
    assert!(broad.message.contains("\"the\""), "{}", broad.message);
    let example = broad.example.as_deref().unwrap();
    assert!(
        example
            .to_lowercase()
            .split_whitespace()
            .any(|w| w == "the"),
        "{example}"
    );
    assert_eq!(codes_for(&found, "broad.re"), vec!["over_broad"]);
    assert!(codes_for(&found, "narrow").is_empty());
}

#[test]
fn notes_disabled_and_shadow_rules_without_warning() {
    let found = findings(&format!(
        "{SHADOW}{}",
        SPAM.replace("weight = 6.0", "weight = 6.0\nenabled = false")
    ));
    assert!(
        found.iter().all(|f| f.severity == Severity::Note),
        "{found:?}"
    );
    assert_eq!(codes_for(&found, "spam.words"), vec!["disabled"]);
    assert_eq!(codes_for(&found, "trial.reject"), vec!["shadow"]);
}

#[test]
fn finds_no_over_broad_rule_in_the_shipped_rules() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("moderation_rules.toml");
    let found = lint(&RuleSet::load(&path).unwrap());
    let broad: Vec<&Finding> = found.iter().filter(|f| f.code == "over_broad").collect();
    assert!(broad.is_empty(), "{broad:?}");
    assert!(EVERYDAY_ENGLISH.lines().count() >= 150);
}
