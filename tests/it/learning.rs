//! The learned rule over real HTTP: moderators' decisions teach it at once, on every instance
//! and across restarts; a retried or repeated decision teaches once, a relabel moves the
//! counts; and half a labelled sample replayed as decisions improves the other half.

use crate::backend_tests;
use crate::helpers::{repo_path, Comment, Db, TestApp, GENEROUS_LIMITS};
use crate::queue_and_decisions::decide;
use gatehouse::auth::Role;
use gatehouse::storage::learned::{self, ModelState};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

backend_tests!(
    replaying_half_a_labelled_sample_as_decisions_improves_the_other_half,
    a_decision_changes_the_next_verdict_explains_it_and_survives_a_restart,
    another_instance_catches_up_with_decisions_made_elsewhere,
    repeated_decisions_teach_once_and_a_relabel_moves_the_counts,
    a_decision_on_a_missing_comment_teaches_nothing,
);

/// A small rules file whose learned rule counts after two decisions of each kind.
fn learning_rules() -> String {
    format!(
        r#"
[thresholds]
hold = 5.0
reject = 10.0

[[rule]]
id = "learned.moderators"
description = "Like what moderators rejected"
kind = "learned"
action = "score"
weight = 6.0
fields = ["body", "author_name"]
min_ham = 2
min_spam = 2

{GENEROUS_LIMITS}"#
    )
}

fn state(app: &TestApp) -> ModelState {
    learned::state(&mut app.pool().get().unwrap()).unwrap()
}

async fn moderator(app: &TestApp) -> String {
    app.token_for("mod", Role::Moderator).await
}

/// Submits and decides: `spam` comments are rejected, the others approved.
async fn teach(app: &TestApp, token: &str, body: &str, spam: bool) -> String {
    let c = app.submit(Comment::new(body).by("Reader")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let action = if spam { "reject" } else { "approve" };
    assert_eq!(decide(app, token, &id, action).await.status().as_u16(), 200);
    id
}

async fn teach_basics(app: &TestApp, token: &str) {
    teach(app, token, "win free crypto at my giveaway page", true).await;
    teach(app, token, "free crypto giveaway, claim now", true).await;
    teach(
        app,
        token,
        "The council vote on the bypass was close.",
        false,
    )
    .await;
    teach(
        app,
        token,
        "Thanks for the clear report on the council.",
        false,
    )
    .await;
}

async fn admin_test(app: &TestApp, token: &str, body: &str) -> Value {
    let response = app
        .authed(Method::POST, "/api/v1/admin/rules/test", token)
        .json(&json!({"comment": {"body": body}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

fn learned_match(verdict: &Value) -> Option<&Value> {
    verdict["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["rule_id"] == "learned.moderators")
}

async fn a_decision_changes_the_next_verdict_explains_it_and_survives_a_restart(db: Db) {
    let app = TestApp::builder(db).rules(learning_rules()).spawn().await;
    let token = moderator(&app).await;
    let body = "Claim your FREE crypto giveaway";
    let before = app.submit(Comment::new(body).by("Someone")).await;
    assert_eq!(before["status"], "published", "no model yet");
    teach_basics(&app, &token).await;
    let after = app.submit(Comment::new(body).by("Someone else")).await;
    assert_eq!(
        after["status"], "pending",
        "the very next comment is judged differently"
    );
    let (_, verdict) = app.stored_verdict(after["id"].as_str().unwrap());
    let m = learned_match(&verdict).expect("the learned rule matched");
    let learned = &m["learned"];
    assert!(learned["spam_probability"].as_f64().unwrap() > 0.9, "{m}");
    assert_eq!(learned["spam_docs"], 2);
    let tokens: Vec<&str> = learned["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token"].as_str().unwrap())
        .collect();
    assert!(tokens.contains(&"crypto"), "{tokens:?}");
    // Each explained token has its place in the text as written.
    let hit = m["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["matched"] == "free")
        .expect("a hit on FREE");
    let (s, e) = (
        hit["start"].as_u64().unwrap() as usize,
        hit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&body[s..e], "FREE");
    let weight = m["weight"].as_f64().unwrap();
    assert!(
        (5.0..=6.0).contains(&weight),
        "capped by the weight: {weight}"
    );

    // A restart loads the counts from the database.
    let url = app.database_url.clone();
    let restarted = TestApp::builder(db)
        .rules(learning_rules())
        .database_url(&url)
        .spawn()
        .await;
    let again = restarted
        .submit(Comment::new(body).by("Third reader"))
        .await;
    assert_eq!(again["status"], "pending");
}

async fn another_instance_catches_up_with_decisions_made_elsewhere(db: Db) {
    let first = TestApp::builder(db).rules(learning_rules()).spawn().await;
    let second = TestApp::builder(db)
        .rules(learning_rules())
        .database_url(&first.database_url.clone())
        .spawn()
        .await;
    let token = moderator(&first).await;
    let admin = second.token_for("admin", Role::Admin).await;
    let body = "free crypto giveaway for everyone";
    assert!(learned_match(&admin_test(&second, &admin, body).await["verdict"]).is_none());
    teach_basics(&first, &token).await;
    // The second instance polls the database's generation; wait for it (bounded).
    let mut caught_up = None;
    for _ in 0..100 {
        let verdict = admin_test(&second, &admin, body).await["verdict"].clone();
        if learned_match(&verdict).is_some() {
            caught_up = Some(verdict);
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let verdict = caught_up.expect("the other instance learned the decisions");
    let m = learned_match(&verdict).unwrap();
    assert_eq!(m["learned"]["spam_docs"], 2);
    assert_eq!(m["learned"]["ham_docs"], 2);
}

async fn repeated_decisions_teach_once_and_a_relabel_moves_the_counts(db: Db) {
    let app = TestApp::builder(db)
        .rules(learning_rules())
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .spawn()
        .await;
    let token = moderator(&app).await;
    let id = teach(&app, &token, "A fine comment on the match", false).await;
    let once = state(&app);
    assert_eq!((once.ham_docs, once.spam_docs), (1, 0));
    // The same decision again (a retried request) is answered `changed: false`; it teaches
    // nothing new.
    let response = decide(&app, &token, &id, "approve").await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["changed"], false);
    let twice = state(&app);
    assert_eq!((twice.ham_docs, twice.spam_docs), (1, 0));
    assert_eq!(twice.token_count, once.token_count);
    // Readers' flags send it back; rejecting it now moves its counts from ham to spam.
    for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let flagged = app
            .client
            .post(app.url(&format!("/api/v1/comments/{id}/flags")))
            .header("x-forwarded-for", ip)
            .json(&json!({"reason": "spam"}))
            .send()
            .await
            .unwrap();
        assert_eq!(flagged.status().as_u16(), 202);
    }
    assert_eq!(
        decide(&app, &token, &id, "reject").await.status().as_u16(),
        200
    );
    let relabelled = state(&app);
    assert_eq!((relabelled.ham_docs, relabelled.spam_docs), (0, 1));
    let tokens = learned::tokens(&mut app.pool().get().unwrap(), None).unwrap();
    let (_, ham, spam) = tokens.iter().find(|(t, _, _)| t == "match").unwrap();
    assert_eq!((*ham, *spam), (0, 1));

    // Bulk decisions teach too, each comment once.
    let a = app
        .submit(Comment::new("buy followers cheap").by("X"))
        .await;
    let b = app
        .submit(Comment::new("cheap followers here").by("Y"))
        .await;
    let ids = json!([a["id"], b["id"], a["id"]]);
    let bulk = app
        .authed(Method::POST, "/api/v1/moderation/bulk", &token)
        .json(&json!({"action": "reject", "ids": ids}))
        .send()
        .await
        .unwrap();
    assert_eq!(bulk.status().as_u16(), 200);
    let after_bulk = state(&app);
    assert_eq!((after_bulk.ham_docs, after_bulk.spam_docs), (0, 3));
}

async fn a_decision_on_a_missing_comment_teaches_nothing(db: Db) {
    let app = TestApp::builder(db).rules(learning_rules()).spawn().await;
    let token = moderator(&app).await;
    let missing = uuid::Uuid::now_v7().to_string();
    let response = decide(&app, &token, &missing, "reject").await;
    assert_eq!(response.status().as_u16(), 404);
    let s = state(&app);
    assert_eq!((s.ham_docs, s.spam_docs, s.token_count), (0, 0, 0));
}

fn sample() -> Vec<Value> {
    std::fs::read_to_string(repo_path("tests/fixtures/learned_sample.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Line `i` of a pass as a comment by a reader of its own, from an address of its own (the
/// shipped duplicate rule looks at both).
fn reader_comment(line: &Value, pass: u8, i: usize) -> Comment {
    Comment::new(line["body"].as_str().unwrap())
        .by(line["author_name"].as_str().unwrap())
        .email(&format!("r{i}@pass{pass}.example"))
        .sent_from(&format!("10.{pass}.{}.{}", i / 250, i % 250 + 1))
        .on(&format!("article-{pass}"))
}

/// Submits each line as a new reader's comment; how many of each label were held or rejected.
async fn blocked(app: &TestApp, lines: &[Value], pass: u8) -> (usize, usize) {
    let (mut spam, mut ham) = (0, 0);
    for (i, line) in lines.iter().enumerate() {
        let c = reader_comment(line, pass, i);
        let answer = app.submit(c).await;
        if answer["status"] != "published" {
            match line["label"].as_str().unwrap() {
                "spam" => spam += 1,
                _ => ham += 1,
            }
        }
    }
    (spam, ham)
}

async fn replaying_half_a_labelled_sample_as_decisions_improves_the_other_half(db: Db) {
    let app = TestApp::builder(db)
        .shipped_rules()
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .spawn()
        .await;
    let token = moderator(&app).await;
    let lines = sample();
    let (train, test) = lines.split_at(lines.len() / 2);
    // The test half is judged before and after learning; each pass by readers of its own.
    let before = blocked(&app, test, 1).await;
    for (i, line) in train.iter().enumerate() {
        let c = reader_comment(line, 2, i);
        let id = app.submit(c).await["id"].as_str().unwrap().to_string();
        let action = if line["label"] == "spam" {
            "reject"
        } else {
            "approve"
        };
        assert_eq!(
            decide(&app, &token, &id, action).await.status().as_u16(),
            200
        );
    }
    let s = state(&app);
    assert_eq!((s.ham_docs + s.spam_docs) as usize, train.len());
    let after = blocked(&app, test, 3).await;
    let spam_total = test.iter().filter(|l| l["label"] == "spam").count();
    eprintln!(
        "spam blocked {} -> {} of {spam_total}; ham blocked {} -> {}",
        before.0, after.0, before.1, after.1
    );
    assert!(
        after.0 > before.0,
        "spam caught more: {before:?} -> {after:?}"
    );
    assert!(after.1 <= before.1, "ham not hurt: {before:?} -> {after:?}");
}

fn gatehouse(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .env_remove("GATEHOUSE_RULES")
        .env_remove("GATEHOUSE_DATABASE_URL")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn learn_reports_malformed_lines_by_number_uses_the_rest_and_can_reset() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    assert!(gatehouse(&["migrate", "--database-url", &url])
        .status
        .success());
    let empty = gatehouse(&["learn", "--show", "--database-url", &url]);
    assert!(empty.status.success());
    assert!(
        text(&empty.stdout).contains("the learned model is empty"),
        "{}",
        text(&empty.stdout)
    );

    let file = dir.path().join("decided.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"body": "free crypto giveaway", "label": "spam"}"#,
            r#"{"body": "not json"#,
            r#"{"body": "a fine point about the bypass", "author_name": "Ann", "label": "ham"}"#,
            r#"{"body": "what is this", "label": "maybe"}"#,
            "",
            r#"{"id": 7, "body": "you absolute clown", "label": "offensive", "note": "corpus line"}"#,
            r#"{"body": "free crypto giveaway", "label": "spam"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let learned = gatehouse(&[
        "learn",
        "--input",
        file.to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    let (out, err) = (text(&learned.stdout), text(&learned.stderr));
    assert!(!learned.status.success(), "malformed lines fail the run");
    assert!(err.contains("line 2: malformed"), "{err}");
    assert!(
        err.contains("line 4: malformed") && err.contains("\"maybe\""),
        "{err}"
    );
    assert!(
        !err.contains("line 5"),
        "a blank line is not malformed: {err}"
    );
    assert!(out.contains("learned 3 comments"), "{out}");
    assert!(
        out.contains("1 already known"),
        "the repeated line counts once: {out}"
    );
    assert!(
        out.contains("1 approved (ham) and 2 rejected (spam)"),
        "{out}"
    );

    // Learning the same file again changes nothing.
    let again = gatehouse(&[
        "learn",
        "--input",
        file.to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    assert!(
        text(&again.stdout).contains("learned 0 comments"),
        "{}",
        text(&again.stdout)
    );

    let reset = gatehouse(&["learn", "--reset", "--database-url", &url]);
    assert!(reset.status.success());
    assert!(
        text(&reset.stdout).contains("the learned model is empty"),
        "{}",
        text(&reset.stdout)
    );
}

#[test]
fn rules_eval_uses_the_model_in_a_database_and_says_when_it_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, learning_rules()).unwrap();
    assert!(gatehouse(&["migrate", "--database-url", &url])
        .status
        .success());
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        r#"{"body": "claim your free crypto giveaway", "label": "spam"}"#,
    )
    .unwrap();
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "rules",
            "eval",
            rules.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        gatehouse(&args)
    };
    let empty = eval(&["--learned-from", &url]);
    assert!(
        text(&empty.stderr).contains("is empty"),
        "{}",
        text(&empty.stderr)
    );
    assert!(text(&empty.stdout).contains(r#""status":"published""#));

    let train = dir.path().join("train.jsonl");
    std::fs::write(
        &train,
        [
            r#"{"body": "free crypto giveaway now", "label": "spam"}"#,
            r#"{"body": "crypto giveaway, claim it free", "label": "spam"}"#,
            r#"{"body": "the council vote was close", "label": "ham"}"#,
            r#"{"body": "thanks for a clear report", "label": "ham"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    assert!(gatehouse(&[
        "learn",
        "-i",
        train.to_str().unwrap(),
        "--database-url",
        &url
    ])
    .status
    .success());
    let learned = eval(&["--learned-from", &url]);
    let out = text(&learned.stdout);
    assert!(out.contains(r#""status":"pending""#), "{out}");
    assert!(
        out.contains("learned.moderators") && out.contains("learned_probability"),
        "{out}"
    );
    let without = eval(&[]);
    assert!(text(&without.stdout).contains(r#""status":"published""#));
}
