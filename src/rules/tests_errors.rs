//! Tests of load errors: every refusal names file, line and (when known) the rule.

use super::tests::HEAD;
use super::*;
use std::path::Path;

fn load_err(src: &str) -> RulesError {
    RuleSet::from_source(src, Path::new("/nonexistent-dir"), Path::new("rules.toml")).unwrap_err()
}

/// Error for HEAD + `rule`; the rule starts on line 11.
fn rule_err(rule: &str) -> RulesError {
    load_err(&format!("{HEAD}\n{rule}"))
}

fn rule(kind: &str, extra: &str) -> String {
    format!("[[rule]]\nid = \"r1\"\ndescription = \"d\"\nkind = \"{kind}\"\naction = \"hold\"\n{extra}\n")
}

#[test]
fn reports_line_and_column_for_toml_syntax_error() {
    let e = load_err("[thresholds]\nhold = 5.0\nreject = = 3\n");
    assert_eq!(e.file, Path::new("rules.toml"));
    assert_eq!(e.line, Some(3));
    assert!(e.column.is_some());
}

#[test]
fn reports_line_and_rule_id_for_bad_regex() {
    let e = rule_err(&rule("regex", "patterns = [\"ok\",\n  \"(unclosed\"]"));
    assert_eq!(e.line, Some(17));
    assert_eq!(e.rule_id.as_deref(), Some("r1"));
    assert!(e.message.contains("(unclosed"), "{}", e.message);
}

#[test]
fn refuses_too_large_regex() {
    let e = rule_err(&rule("regex", r#"patterns = ['\w{1000}\w{1000}']"#));
    assert!(e.message.contains("too large"), "{}", e.message);
    assert_eq!(e.line, Some(16));
}

#[test]
fn refuses_unknown_key_naming_the_rule() {
    let e = rule_err(&rule("words", "words = [\"x\"]\ncolour = \"red\""));
    assert_eq!(e.rule_id.as_deref(), Some("r1"));
    assert!(e.message.contains("colour"), "{}", e.message);
    assert!(e.line.is_some());
}

#[test]
fn refuses_missing_description() {
    let e = rule_err("[[rule]]\nid = \"r2\"\nkind = \"first_comment\"\naction = \"hold\"\n");
    assert!(e.message.contains("description"), "{}", e.message);
    assert_eq!(e.rule_id.as_deref(), Some("r2"));
}

#[test]
fn refuses_key_of_another_kind() {
    let e = rule_err(&rule("words", "words = [\"x\"]\npatterns = [\"y\"]"));
    assert!(
        e.message
            .contains("`patterns` does not apply to a `words` rule"),
        "{}",
        e.message
    );
    assert_eq!(e.line, Some(17));
}

#[test]
fn refuses_duplicate_ids() {
    let r = rule("first_comment", "");
    let e = rule_err(&format!("{r}\n{r}"));
    assert!(e.message.contains("duplicate"), "{}", e.message);
    assert_eq!(e.line, Some(19));
}

#[test]
fn refuses_invalid_id_characters() {
    let e = rule_err(&rule("first_comment", "").replace("r1", "Bad Id"));
    assert!(e.message.contains("a-z"), "{}", e.message);
}

#[test]
fn refuses_missing_list_file_by_name() {
    let e = rule_err(&rule("words", "files = [\"rules/missing.txt\"]"));
    assert!(e.message.contains("rules/missing.txt"), "{}", e.message);
    assert_eq!(e.line, Some(16));
}

#[test]
fn refuses_empty_word_list() {
    let e = rule_err(&rule("words", "words = []"));
    assert!(e.message.contains("at least one entry"), "{}", e.message);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.txt"), "# nothing\n\n").unwrap();
    let src = format!("{HEAD}\n{}", rule("words", "files = [\"empty.txt\"]"));
    let e = RuleSet::from_source(&src, dir.path(), Path::new("rules.toml")).unwrap_err();
    assert!(e.message.contains("no entries"), "{}", e.message);
}

#[test]
fn refuses_word_list_entry_without_letters_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("l.txt"), "good\n!!!\n").unwrap();
    let src = format!("{HEAD}\n{}", rule("words", "files = [\"l.txt\"]"));
    let e = RuleSet::from_source(&src, dir.path(), Path::new("rules.toml")).unwrap_err();
    assert_eq!(e.file, dir.path().join("l.txt"));
    assert_eq!(e.line, Some(2));
}

#[test]
fn refuses_thresholds_out_of_order() {
    let e = load_err(&HEAD.replace("reject = 10.0", "reject = 4.0"));
    assert_eq!(e.line, Some(3));
    let e = load_err(&HEAD.replace("hold = 5.0", "hold = 0"));
    assert_eq!(e.line, Some(2));
}

#[test]
fn requires_thresholds_and_rate_limits_tables() {
    let e = load_err("[thresholds]\nhold = 1\nreject = 2\n");
    assert!(e.message.contains("rate_limits"), "{}", e.message);
    let e = load_err(&HEAD.replace("[thresholds]\nhold = 5.0\nreject = 10.0\n", ""));
    assert!(e.message.contains("thresholds"), "{}", e.message);
}

#[test]
fn refuses_zero_burst_or_rate() {
    let e = load_err(&HEAD.replace("burst = 5,", "burst = 0,"));
    assert!(e.message.contains("per_ip"), "{}", e.message);
    assert_eq!(e.line, Some(5));
}

#[test]
fn refuses_caps_ratio_outside_zero_to_one() {
    let e = rule_err(&rule("caps_ratio", "min_ratio = 1.5"));
    assert!(e.message.contains("min_ratio"), "{}", e.message);
    assert_eq!(e.line, Some(16));
}

#[test]
fn refuses_missing_kind_specific_keys() {
    for (kind, key) in [
        ("regex", "patterns"),
        ("link_count", "max"),
        ("repeated_chars", "max_run"),
        ("duplicate", "window_seconds"),
        ("caps_ratio", "min_ratio"),
    ] {
        let e = rule_err(&rule(kind, ""));
        assert!(e.message.contains(key), "{kind}: {}", e.message);
        assert_eq!(e.line, Some(11), "{kind}");
    }
}

#[test]
fn refuses_score_rule_without_weight() {
    let e = rule_err(&rule("first_comment", "").replace("\"hold\"", "\"score\""));
    assert!(e.message.contains("weight"), "{}", e.message);
}

#[test]
fn refuses_unknown_kind() {
    let e = rule_err(&rule("telepathy", ""));
    assert!(e.message.contains("telepathy"), "{}", e.message);
    assert_eq!(e.line, Some(14));
    assert_eq!(e.rule_id.as_deref(), Some("r1"));
}

#[test]
fn refuses_regex_matching_empty_text() {
    let e = rule_err(&rule("regex", "patterns = ['x*']"));
    assert!(e.message.contains("empty"), "{}", e.message);
}

#[test]
fn validates_disabled_rules_too() {
    let e = rule_err(&rule("regex", "enabled = false\npatterns = ['(']"));
    assert_eq!(e.rule_id.as_deref(), Some("r1"));
}

#[test]
fn load_reports_missing_rules_file() {
    let e = RuleSet::load(Path::new("/nonexistent/moderation_rules.toml")).unwrap_err();
    assert!(e.file.ends_with("moderation_rules.toml"));
}
