//! `gatehouse rules check | test | eval`, run as the real binary on real files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn shipped_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("moderation_rules.toml")
}

fn gatehouse(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const HEAD: &str = "[thresholds]\nhold = 5.0\nreject = 10.0\n\n[rate_limits]\n\
    per_ip = { burst = 5, rate = 10, per = \"minute\" }\n\
    per_author = { burst = 3, rate = 6, per = \"minute\" }\n\
    per_article = { burst = 60, rate = 600, per = \"minute\" }\n\
    global = { burst = 300, rate = 6000, per = \"minute\" }\n";

/// Writes HEAD + `rules` to a temporary rules file.
fn rules_file(rules: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, format!("{HEAD}{rules}")).unwrap();
    (dir, path.display().to_string())
}

#[test]
fn rules_check_accepts_the_shipped_file_with_exit_status_0() {
    let out = gatehouse(&["rules", "check", shipped_rules().to_str().unwrap()], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("valid:") && stdout.contains("examples pass"),
        "{stdout}"
    );
}

#[test]
fn rules_check_refuses_a_broken_file_naming_line_column_and_rule() {
    let (_dir, path) = rules_file(
        "\n[[rule]]\nid = \"spam.bad\"\ndescription = \"d\"\nkind = \"regex\"\naction = \"hold\"\npatterns = [\"(unclosed\"]\n",
    );
    let out = gatehouse(&["rules", "check", &path], "");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    // The pattern is on line 16 of the file.
    assert!(stdout.contains("rules.toml:16:"), "{stdout}");
    assert!(stdout.contains("spam.bad"), "{stdout}");

    let out = gatehouse(&["rules", "check", "--json", &path], "");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"][0]["line"], 16);
    assert_eq!(report["errors"][0]["rule_id"], "spam.bad");
}

#[test]
fn rules_check_refuses_a_file_whose_example_fails() {
    let (_dir, path) = rules_file(
        "\n[[rule]]\nid = \"spam.words\"\ndescription = \"d\"\nkind = \"words\"\naction = \"hold\"\nwords = [\"free money\"]\n\n\
         [[example]]\nbody = \"Councils need free money for repairs\"\nexpected = \"published\"\n",
    );
    let out = gatehouse(&["rules", "check", &path], "");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    for part in [
        "rules.toml:18",
        "Councils need free money",
        "expected published, got pending",
        "spam.words",
    ] {
        assert!(stdout.contains(part), "{part:?} not in {stdout}");
    }
}

#[test]
fn rules_check_reports_warnings_and_fails_on_them_only_when_asked() {
    let (_dir, path) = rules_file(
        "\n[[rule]]\nid = \"broad\"\ndescription = \"d\"\nkind = \"words\"\naction = \"score\"\nweight = 1.0\nwords = [\"the\", \"the\"]\n",
    );
    let out = gatehouse(&["rules", "check", &path], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("warning[over_broad]") && stdout.contains("e.g. "),
        "{stdout}"
    );
    assert!(stdout.contains("warning[duplicate_word]"), "{stdout}");

    let out = gatehouse(&["rules", "check", "--deny-warnings", "--json", &path], "");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    let codes: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"over_broad") && codes.contains(&"duplicate_word"),
        "{codes:?}"
    );
}

const SPAM: &str = r#"{"author_name":"Crypto King","body":"Earn $5000 a week from home!!! DM me on telegram, check out my channel https://bit.ly/x"}"#;

#[test]
fn rules_test_explains_the_decision_for_a_spam_comment() {
    let rules = shipped_rules();
    let out = gatehouse(&["rules", "test", rules.to_str().unwrap()], SPAM);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for part in [
        "normalized:",
        "check out my channel",
        "spam.self_promotion",
        "body raw 0..17: \"Earn $5000 a week\"",
        "thresholds:  hold at 5, reject at 10",
        "decision:    rejected",
    ] {
        assert!(stdout.contains(part), "{part:?} not in {stdout}");
    }

    let out = gatehouse(&["rules", "test", "--json", rules.to_str().unwrap()], SPAM);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "rejected");
    assert_eq!(report["verdict"]["decision"], "reject");
    assert!(report["normalized"]["body"]
        .as_str()
        .unwrap()
        .starts_with("earn $5000"));
}

#[test]
fn rules_test_refuses_input_that_is_not_a_comment() {
    let out = gatehouse(
        &["rules", "test", shipped_rules().to_str().unwrap()],
        "{\"text\": 1}",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("stdin"), "{}", text(&out.stderr));
}

#[test]
fn rules_eval_prints_a_line_per_comment_and_a_confusion_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("samples.jsonl");
    let spam = SPAM.replace('{', "{\"id\":\"s1\",\"expected\":\"rejected\",");
    let lines = [
        r#"{"id":"c1","body":"Thanks, a clear explainer.","expected":"published"}"#,
        spam.as_str(),
        "this is not json",
        "",
        r#"{"id":"c2","body":"Great article! check out my channel","expected":"published"}"#,
        r#"{"body":"An unlabelled comment"}"#,
    ];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let rules = shipped_rules();
    let args = [
        "rules",
        "eval",
        rules.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ];
    let out = gatehouse(&args, "");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // A malformed line fails the run, after every other line was evaluated and reported.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), 4, "{stdout}");
    assert_eq!(results[0]["id"], "c1");
    assert_eq!(results[0]["status"], "published");
    assert_eq!(results[1]["status"], "rejected");
    assert!(results[1]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "spam.self_promotion"));
    assert_eq!(results[2]["status"], "pending");
    assert!(results[3]["id"].is_null());
    assert!(stderr.contains("line 3: malformed"), "{stderr}");
    assert!(stderr.contains("1 malformed lines"), "{stderr}");
    assert!(
        stderr.contains("confusion matrix (3 comments with \"expected\""),
        "{stderr}"
    );
    assert!(stderr.contains("accuracy: 66.7% (2 of 3)"), "{stderr}");
    let row = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("spam.self_promotion"))
        .unwrap();
    assert!(row.trim_end().ends_with("50.0%"), "{row}");
}

/// Writes `lines` to a samples file.
fn samples_file(lines: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("samples.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    (dir, input.display().to_string())
}

/// Two spam comments (one rejected, one held), three ham (one held): corpus lines as
/// ../shared/corpora has them, with a `label` and no `expected`.
fn labelled_corpus() -> Vec<String> {
    let spam = SPAM.replace('{', "{\"id\":\"s1\",\"label\":\"spam\",");
    vec![
        spam,
        r#"{"id":"s2","label":"spam","author_name":"x","body":"Great song! check out my channel"}"#
            .into(),
        r#"{"id":"h1","label":"ham","author_name":"y","body":"Thanks, a clear explainer."}"#.into(),
        r#"{"id":"h2","label":"ham","author_name":"z","body":"The chart on page two helped."}"#
            .into(),
        r#"{"id":"h3","label":"ham","author_name":"w","body":"Subscribe? check out my channel"}"#
            .into(),
    ]
}

fn eval(input: &str, json: bool) -> Output {
    let rules = shipped_rules();
    let mut args = vec!["rules", "eval", rules.to_str().unwrap(), "--input", input];
    if json {
        args.push("--json");
    }
    gatehouse(&args, "")
}

#[test]
fn rules_eval_reports_each_labels_published_held_rejected_and_blocked_share() {
    let corpus = labelled_corpus();
    let (_dir, input) = samples_file(&corpus.iter().map(String::as_str).collect::<Vec<_>>());
    let out = eval(&input, false);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .contains("\"label\":\"spam\""),
        "{stdout}"
    );
    let row = |label: &str| -> Vec<String> {
        let line = stderr
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{label} ")))
            .unwrap_or_else(|| panic!("no {label} row in {stderr}"));
        line.split_whitespace().map(str::to_string).collect()
    };
    // label, comments, published, held, rejected, blocked share
    assert_eq!(
        row("spam"),
        ["spam", "2", "0", "1", "1", "100.0%"],
        "{stderr}"
    );
    assert_eq!(row("ham"), ["ham", "3", "2", "0", "1", "33.3%"], "{stderr}");
    assert!(stderr.contains("0 malformed lines"), "{stderr}");
}

#[test]
fn rules_eval_json_prints_the_summary_as_one_object_and_fails_on_malformed_lines() {
    let mut lines = labelled_corpus();
    lines.push("{\"body\": 42}".into());
    lines.push(r#"{"body":"ok","expected":"published"}"#.into());
    let (_dir, input) = samples_file(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    let out = eval(&input, true);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
    let summary: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap();
    assert_eq!(summary["evaluated"], 6);
    assert_eq!(summary["malformed"], 1);
    assert_eq!(summary["malformed_lines"][0]["line"], 6);
    assert_eq!(summary["labels"]["spam"]["rejected"], 1);
    assert_eq!(summary["labels"]["spam"]["pending"], 1);
    assert_eq!(summary["labels"]["spam"]["blocked_share"], 1.0);
    assert_eq!(summary["labels"]["ham"]["published"], 2);
    assert_eq!(summary["expected"]["comments"], 1);
    assert_eq!(summary["expected"]["accuracy"], 1.0);
    assert!(summary["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule_id"] == "spam.self_promotion" && r["hits"] == 3));
}
