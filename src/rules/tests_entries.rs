//! Tests of what a words rule can say besides plain phrases: templates with `*` gaps, `near/N`
//! forms, `fuzzy = 1`, stretched words, `first_comment_only`, markup in comments, and the
//! errors and warnings about them (with the line they are on).

use super::tests::{body, compile_with, rules};
use super::*;
use std::collections::HashMap;

fn words_rule(entries: &str, extra: &str) -> String {
    format!(
        "[[rule]]\nid = \"promo\"\ndescription = \"Promotion\"\nkind = \"words\"\naction = \"hold\"\n{extra}\nwords = [{entries}]\n"
    )
}

fn hits(rs: &RuleSet, text: &str) -> Vec<String> {
    rs.evaluate(&body(text))
        .matches
        .iter()
        .flat_map(|m| &m.hits)
        .map(|h| text[h.start..h.end].to_string())
        .collect()
}

fn error_of(src: &str, lists: &[(&str, &str)]) -> RulesError {
    let lists: HashMap<String, String> = lists
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    compile_with(src, &lists).unwrap_err()
}

#[test]
fn template_gap_matches_any_one_word() {
    let rs = rules(&words_rule(r#""check out my *""#, ""));
    assert_eq!(
        hits(&rs, "Check out my MIXTAPE now"),
        ["Check out my MIXTAPE"]
    );
    assert!(hits(&rs, "check out my").is_empty());
}

#[test]
fn near_form_matches_both_terms_within_the_distance() {
    let rs = rules(&words_rule(r#""subscribe near/3 my channel""#, ""));
    assert_eq!(
        hits(&rs, "pls go to my channel and subscribe!"),
        ["my channel and subscribe"]
    );
    assert_eq!(
        hits(&rs, "subscribe to my channel"),
        ["subscribe to my channel"]
    );
    assert!(hits(&rs, "subscribe, then one two three four my channel").is_empty());
}

#[test]
fn fuzzy_rule_matches_one_edit_in_long_words_only() {
    let rs = rules(&words_rule(
        r#""subscribe to my channel", "spam""#,
        "fuzzy = 1",
    ));
    assert_eq!(
        hits(&rs, "suscribe to my chanel"),
        ["suscribe to my chanel"]
    );
    assert!(hits(&rs, "spma").is_empty(), "short words stay exact");
    let exact = rules(&words_rule(r#""subscribe to my channel""#, "fuzzy = 0"));
    assert!(hits(&exact, "suscribe to my chanel").is_empty());
}

#[test]
fn fuzzy_rule_still_honours_exceptions() {
    let rs = rules(&words_rule(
        r#""channel""#,
        "fuzzy = 1\nexceptions = [\"chanel bag\"]",
    ));
    assert!(hits(&rs, "my new chanel bag").is_empty());
    assert_eq!(hits(&rs, "my new chanel"), ["chanel"]);
}

#[test]
fn stretched_words_match_plain_entries() {
    let rs = rules(&words_rule(r#""please subscribe", "fuck""#, ""));
    assert_eq!(
        hits(&rs, "pleaaaase subscribeeee, fuuuuck"),
        ["pleaaaase subscribeeee", "fuuuuck"]
    );
}

#[test]
fn words_hidden_in_markup_and_entities_match_as_a_reader_sees_them() {
    let rs = rules(&words_rule(r#""i'm selling", "free money""#, ""));
    let text = "I&#39;m selling <b>fr</b>ee&nbsp;money";
    assert_eq!(hits(&rs, text), ["I&#39;m selling", "fr</b>ee&nbsp;money"]);
}

#[test]
fn first_comment_only_rule_applies_to_newcomers_only() {
    let rs = rules(
        "[[rule]]\nid = \"links.newcomer\"\ndescription = \"A newcomer's link\"\nkind = \"link_count\"\naction = \"hold\"\nmax = 0\nfirst_comment_only = true\n",
    );
    let text = "see https://example.org/report";
    let newcomer = CommentInput::sample(text, "New", None, true);
    let regular = CommentInput::sample(text, "Regular", None, false);
    assert_eq!(rs.evaluate(&newcomer).decision, Decision::Hold);
    assert_eq!(rs.evaluate(&regular).decision, Decision::Publish);
}

#[test]
fn refuses_fuzzy_on_a_rule_that_is_not_words() {
    let e = error_of(
        "[[rule]]\nid = \"re\"\ndescription = \"d\"\nkind = \"regex\"\naction = \"hold\"\npatterns = ['x']\nfuzzy = 1\n",
        &[],
    );
    assert_eq!(e.line, Some(10));
    assert_eq!(e.rule_id.as_deref(), Some("re"));
    assert!(
        e.message
            .contains("`fuzzy` does not apply to a `regex` rule"),
        "{}",
        e.message
    );
}

#[test]
fn refuses_fuzzy_other_than_zero_or_one() {
    let e = error_of(&words_rule(r#""x""#, "fuzzy = 2"), &[]);
    assert_eq!(e.line, Some(9));
    assert!(
        e.message.contains("`fuzzy` must be 0 or 1"),
        "{}",
        e.message
    );
}

#[test]
fn refuses_first_comment_only_on_history_rules() {
    let e = error_of(
        "[[rule]]\nid = \"dup\"\ndescription = \"d\"\nkind = \"duplicate\"\naction = \"hold\"\nwindow_seconds = 60\nfirst_comment_only = true\n",
        &[],
    );
    assert_eq!(e.line, Some(10));
    assert!(
        e.message.contains("`first_comment_only` does not apply"),
        "{}",
        e.message
    );
}

#[test]
fn refuses_bad_template_inline_with_its_line() {
    let src = "[[rule]]\nid = \"promo\"\ndescription = \"d\"\nkind = \"words\"\naction = \"hold\"\nwords = [\n  \"fine\",\n  \"* channel\",\n]\n";
    let e = error_of(src, &[]);
    assert_eq!(e.line, Some(11));
    assert_eq!(e.rule_id.as_deref(), Some("promo"));
    assert!(e.message.contains("`* channel`"), "{}", e.message);
    assert!(e.message.contains("cannot start with `*`"), "{}", e.message);
}

#[test]
fn refuses_bad_near_form_in_a_list_file_with_its_line() {
    let src = "[[rule]]\nid = \"promo\"\ndescription = \"d\"\nkind = \"words\"\naction = \"hold\"\nfiles = [\"promo.txt\"]\n";
    let e = error_of(
        src,
        &[("promo.txt", "# promotion\nok\nsubscribe near/99 channel\n")],
    );
    assert_eq!(e.file, std::path::Path::new("promo.txt"));
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("from 0 to 20"), "{}", e.message);
    let e = error_of(src, &[("promo.txt", "near/2 channel\n")]);
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("words on both sides"), "{}", e.message);
}

#[test]
fn warns_when_a_fuzzy_entry_hits_everyday_english() {
    // The sample says "subscriber" ("I have been a subscriber for twenty years").
    let found = lint(&rules(&words_rule(r#""subscribe""#, "fuzzy = 1")));
    let warning = found
        .iter()
        .find(|f| f.code == "fuzzy_everyday")
        .expect("a fuzzy_everyday warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.rule_id, "promo");
    assert!(
        warning.message.contains("\"subscriber\""),
        "{}",
        warning.message
    );
    assert!(warning
        .example
        .as_deref()
        .is_some_and(|e| e.contains("subscriber")));
    let exact = lint(&rules(&words_rule(r#""subscribe""#, "")));
    assert!(exact.iter().all(|f| f.code != "fuzzy_everyday"));
}
