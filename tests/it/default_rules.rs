//! The shipped `moderation_rules.toml` and its word lists, checked against the labelled
//! fixtures in `tests/fixtures/labelled_comments.jsonl` (regenerate that file with
//! `python3 tests/fixtures/gen_labelled_comments.py`).

use gatehouse::policy::Policy;
use gatehouse::rules::{
    lint, normalize, AuthorHistory, CommentInput, Decision, RuleSet, Severity, Verdict,
    EVERYDAY_ENGLISH,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rules_path() -> PathBuf {
    manifest_dir().join("moderation_rules.toml")
}

fn default_policy() -> Policy {
    let path = rules_path();
    Policy::load(&path).unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()))
}

fn default_rules() -> Arc<RuleSet> {
    default_policy().rules
}

fn label(decision: Decision) -> &'static str {
    match decision {
        Decision::Publish => "published",
        Decision::Hold => "pending",
        Decision::Reject => "rejected",
    }
}

fn explain(verdict: &Verdict) -> String {
    let rules: Vec<String> = verdict
        .matches
        .iter()
        .map(|m| {
            let hits: Vec<&str> = m.hits.iter().map(|h| h.matched.as_str()).collect();
            format!("{} (+{}) {:?}", m.rule_id, m.weight, hits)
        })
        .collect();
    format!("score {} [{}]", verdict.score, rules.join(", "))
}

fn comment<'a>(body: &'a str, author_name: &'a str) -> CommentInput<'a> {
    CommentInput {
        body,
        author_name,
        author_email: None,
        history: AuthorHistory::default(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    id: String,
    body: String,
    author_name: String,
    author_email: Option<String>,
    expected: String,
    note: String,
}

impl Fixture {
    /// The fixture as the rules see it, from a reader with no history.
    fn input(&self) -> CommentInput<'_> {
        CommentInput {
            body: &self.body,
            author_name: &self.author_name,
            author_email: self.author_email.as_deref(),
            history: AuthorHistory::default(),
        }
    }
}

fn fixtures() -> Vec<Fixture> {
    let path = manifest_dir().join("tests/fixtures/labelled_comments.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1))
        })
        .collect()
}

#[test]
fn a_body_normalized_by_the_caller_gets_the_verdict_the_rules_give_on_their_own() {
    let rules = default_rules();
    for f in fixtures() {
        let input = f.input();
        let own = rules.evaluate(&input);
        let normalized = normalize(&f.body);
        assert_eq!(
            rules.evaluate_normalized(&input, None, &normalized),
            own,
            "{}",
            f.id
        );
        // The view of another text (here a longer one, the body's words moved along) is not
        // taken for the body's.
        let other = normalize(&format!("and another thing {}", f.body));
        assert_eq!(
            rules.evaluate_normalized(&input, None, &other),
            own,
            "{}",
            f.id
        );
    }
}

#[test]
fn default_rules_file_loads_without_errors() {
    let rules = default_rules();
    let version = rules.version();
    assert_eq!(
        version.len(),
        64,
        "version should be a sha256 hex digest, got {version:?}"
    );
    assert!(version.chars().all(|c| c.is_ascii_hexdigit()));

    let limits = default_policy().quotas;
    assert_eq!((limits.per_ip.burst, limits.per_ip.rate), (5, 10));
    assert_eq!((limits.per_author.burst, limits.per_author.rate), (3, 6));
    assert_eq!(
        (limits.per_article.burst, limits.per_article.rate),
        (60, 600)
    );
    assert_eq!((limits.global.burst, limits.global.rate), (300, 6000));

    assert_eq!(rules.duplicate_window(), Some(Duration::from_secs(600)));
}

#[test]
fn default_rules_classify_every_labelled_fixture() {
    let rules = default_rules();
    let fixtures = fixtures();
    let mut failures = Vec::new();
    for f in &fixtures {
        let input = f.input();
        let verdict = rules.evaluate(&input);
        let got = label(verdict.decision);
        if got != f.expected {
            failures.push(format!(
                "{}: expected {}, got {} -- {} -- note: {}",
                f.id,
                f.expected,
                got,
                explain(&verdict),
                f.note
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures misclassified:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

#[test]
fn default_rules_fixtures_cover_every_class() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 120, "only {} fixtures", fixtures.len());
    let mut ids = BTreeSet::new();
    let mut per_group: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &fixtures {
        assert!(ids.insert(f.id.as_str()), "duplicate fixture id {}", f.id);
        assert!(
            ["published", "pending", "rejected"].contains(&f.expected.as_str()),
            "{}: bad expected {:?}",
            f.id,
            f.expected
        );
        assert!(!f.note.trim().is_empty(), "{}: note is empty", f.id);
        *per_group
            .entry(f.id.split('-').next().unwrap_or_default())
            .or_default() += 1;
    }
    for (group, min) in [
        ("clean", 50),
        ("spam", 30),
        ("abuse", 25),
        ("tricky", 15),
        ("pii", 1),
    ] {
        let n = per_group.get(group).copied().unwrap_or(0);
        assert!(
            n >= min,
            "only {n} `{group}` fixtures (want {min}): {per_group:?}"
        );
    }
}

#[test]
fn default_rules_publish_a_clean_first_comment() {
    let rules = default_rules();
    let body =
        "I've lived on this estate for twelve years and the new bus route is the first change \
                that has actually helped. Thanks for covering it.";
    let input = CommentInput {
        body,
        author_name: "First-Time Reader",
        author_email: Some("reader@example.com"),
        history: AuthorHistory {
            prior_published: 0,
            ..AuthorHistory::default()
        },
    };
    let verdict = rules.evaluate(&input);
    assert_eq!(verdict.decision, Decision::Publish, "{}", explain(&verdict));
    assert!(
        verdict.matches.is_empty(),
        "a plain comment should match no rule: {}",
        explain(&verdict)
    );
}

#[test]
fn default_rules_publish_a_single_mild_swear_word() {
    let rules = default_rules();
    for body in [
        "Damn, that's a shame.",
        "What the hell happened to the bus service?",
        "Bloody hell.",
    ] {
        let verdict = rules.evaluate(&comment(body, "Reader"));
        assert_eq!(
            verdict.decision,
            Decision::Publish,
            "{body:?}: {}",
            explain(&verdict)
        );
        assert!(
            verdict.score > 0.0,
            "{body:?} should still score: {}",
            explain(&verdict)
        );
    }
}

#[test]
fn default_rules_publish_swearing_that_is_not_aimed_at_anyone() {
    let rules = default_rules();
    for body in [
        "This is bullshit.",
        "Holy shit, what a goal.",
        "HOLY SHIT THIS IS THE BEST NEWS ALL YEAR",
    ] {
        let verdict = rules.evaluate(&comment(body, "Reader"));
        assert_eq!(
            verdict.decision,
            Decision::Publish,
            "{body:?}: {}",
            explain(&verdict)
        );
        assert!(verdict.score > 0.0, "{body:?} should still score");
    }
}

#[test]
fn default_rules_hold_aimed_swearing_and_reject_threats_and_slurs() {
    let rules = default_rules();
    let cases = [
        ("Fuck you.", Decision::Hold),
        ("Shut the f*ck up", Decision::Hold),
        ("What a stupid bitch.", Decision::Hold),
        ("I will kill you.", Decision::Reject),
        ("Someone should shoot him.", Decision::Reject),
        ("You deserve to die.", Decision::Reject),
        ("Call me on 07700 900123", Decision::Hold),
        ("Write to me: someone@example.com", Decision::Hold),
    ];
    for (body, want) in cases {
        let verdict = rules.evaluate(&comment(body, "Reader"));
        assert_eq!(verdict.decision, want, "{body:?}: {}", explain(&verdict));
    }
}

#[test]
fn default_rules_hold_a_newcomers_link_request_but_not_a_regular_readers() {
    let rules = default_rules();
    let body =
        "Please sign the petition for the bus route: https://www.petition.example/bus-route-42";
    let newcomer = rules.evaluate(&CommentInput::sample(body, "New", None, true));
    assert_eq!(newcomer.decision, Decision::Hold, "{}", explain(&newcomer));
    assert!(newcomer
        .matches
        .iter()
        .any(|m| m.rule_id == "links.newcomer_request"));
    let regular = rules.evaluate(&CommentInput::sample(body, "Regular", None, false));
    assert_eq!(regular.decision, Decision::Publish, "{}", explain(&regular));
}

#[test]
fn default_rules_hold_the_same_comment_sent_twice_within_ten_minutes() {
    let rules = default_rules();
    let body = "Great result for the town.";
    let again = |secs: Option<u64>| CommentInput {
        body,
        author_name: "Reader",
        author_email: None,
        history: AuthorHistory {
            prior_published: 3,
            same_body_by_author_secs_ago: secs,
            same_body_by_ip_secs_ago: None,
        },
    };
    assert_eq!(rules.evaluate(&again(Some(30))).decision, Decision::Hold);
    assert_eq!(
        rules.evaluate(&again(Some(3600))).decision,
        Decision::Publish
    );
    assert_eq!(rules.evaluate(&again(None)).decision, Decision::Publish);
}

#[test]
fn default_rules_premoderate_newcomers_once_first_comment_is_enabled() {
    let path = rules_path();
    let source = std::fs::read_to_string(&path).unwrap();
    let marker = "id = \"newcomers.first_comment\"";
    let at = source
        .find(marker)
        .expect("the first_comment rule is in the file");
    let (head, tail) = source.split_at(at);
    assert!(
        tail.contains("enabled = false"),
        "first_comment must ship disabled"
    );
    let enabled = format!(
        "{head}{}",
        tail.replacen("enabled = false", "enabled = true", 1)
    );
    let rules = Policy::from_source(&path, &enabled).unwrap().rules;

    let body = "Thanks for covering the library reopening.";
    let newcomer = rules.evaluate(&comment(body, "New Reader"));
    assert_eq!(newcomer.decision, Decision::Hold, "{}", explain(&newcomer));

    let regular = CommentInput {
        body,
        author_name: "Regular",
        author_email: None,
        history: AuthorHistory {
            prior_published: 5,
            ..AuthorHistory::default()
        },
    };
    assert_eq!(rules.evaluate(&regular).decision, Decision::Publish);
}

/// Every `files = [...]` entry of every rule, with the rule id.
fn referenced_list_files() -> Vec<(String, String)> {
    let source = std::fs::read_to_string(rules_path()).unwrap();
    let doc: toml::Value = toml::from_str(&source).unwrap();
    let mut out = Vec::new();
    for rule in doc
        .get("rule")
        .and_then(|r| r.as_array())
        .expect("[[rule]] tables")
    {
        let id = rule
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_string();
        for f in rule
            .get("files")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            out.push((
                id.clone(),
                f.as_str().expect("file names are strings").to_string(),
            ));
        }
    }
    out
}

#[test]
fn default_rules_list_files_are_referenced_lowercase_and_free_of_duplicates() {
    let referenced = referenced_list_files();
    let names: BTreeSet<&str> = referenced.iter().map(|(_, f)| f.as_str()).collect();

    let dir = manifest_dir().join("rules");
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            on_disk.insert(format!(
                "rules/{}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    let unreferenced: Vec<&String> = on_disk
        .iter()
        .filter(|f| !names.contains(f.as_str()))
        .collect();
    assert!(
        unreferenced.is_empty(),
        "list files no rule uses: {unreferenced:?}"
    );

    let mut problems = Vec::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for name in &names {
        let text = std::fs::read_to_string(manifest_dir().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut seen = BTreeSet::new();
        let mut count = 0;
        for (n, line) in text.lines().enumerate() {
            let entry = line.trim();
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            count += 1;
            let at = format!("{name}:{}", n + 1);
            if entry != entry.to_lowercase() {
                problems.push(format!("{at}: `{entry}` is not lowercase"));
            }
            if entry != line {
                problems.push(format!("{at}: `{entry}` has surrounding whitespace"));
            }
            if entry.contains("  ") {
                problems.push(format!("{at}: `{entry}` has a double space"));
            }
            if !seen.insert(entry.to_string()) {
                problems.push(format!("{at}: duplicate entry `{entry}`"));
            }
            if let Some(other) = owner.insert(entry.to_string(), name.to_string()) {
                if other != *name {
                    problems.push(format!("{at}: `{entry}` is also in {other}"));
                }
            }
        }
        if count == 0 {
            problems.push(format!("{name}: no entries"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn shipped_rules_have_no_warnings() {
    let warnings: Vec<_> = lint(&default_rules())
        .into_iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
}

#[test]
fn finds_no_over_broad_rule_in_the_shipped_rules() {
    let found = lint(&default_rules());
    let broad: Vec<_> = found.iter().filter(|f| f.code == "over_broad").collect();
    assert!(broad.is_empty(), "{broad:?}");
    assert!(EVERYDAY_ENGLISH.lines().count() >= 150);
}
