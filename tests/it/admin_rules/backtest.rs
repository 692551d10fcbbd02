//! Backtesting candidate rules against stored comments, over the API and with the
//! `gatehouse rules backtest` command.

use super::{admin_app, rules_with, CAT_RULE};
use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(backtest_counts_changes_and_agreement_with_moderators);

async fn backtest_counts_changes_and_agreement_with_moderators(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let approved = app
        .submit(Comment::new("Call my cat on 0123 456 7890"))
        .await;
    let rejected = app
        .submit(Comment::new("My cat's number: 0987 654 3210"))
        .await;
    app.submit(Comment::new("A cat photo")).await;
    app.submit(Comment::new("No animals here")).await;
    let decide = |id: &str, action: &str| {
        app.authed(
            Method::POST,
            &format!("/api/v1/moderation/comments/{id}/{action}"),
            &token,
        )
        .send()
    };
    assert_eq!(
        decide(approved["id"].as_str().unwrap(), "approve")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        decide(rejected["id"].as_str().unwrap(), "reject")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let report: Value = app
        .authed(Method::POST, "/api/v1/admin/rules/backtest", &token)
        .json(&json!({"source": rules_with(CAT_RULE)}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["evaluated"], 4);
    assert_eq!(report["unchanged"], 3, "{report}");
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["from"], "published");
    assert_eq!(changes[0]["to"], "pending");
    assert_eq!(changes[0]["examples"][0]["excerpt"], "A cat photo");
    assert_eq!(report["moderator_decided"], 2);
    let cats = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "test.cats")
        .unwrap();
    assert_eq!(cats["matched"], 2);
    assert_eq!(cats["moderator_approved"], 1);
    assert_eq!(cats["moderator_rejected"], 1);
}

#[actix_web::test]
async fn backtest_command_replays_stored_comments_from_the_database() {
    let app = TestApp::spawn(Db::Sqlite).await;
    app.submit(Comment::new("A cat photo")).await;
    app.submit(Comment::new("No animals here")).await;
    let dir = tempfile::tempdir().unwrap();
    let candidate = dir.path().join("candidate.toml");
    std::fs::write(&candidate, rules_with(CAT_RULE)).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "rules",
            "backtest",
            "--json",
            "--database-url",
            &app.database_url,
        ])
        .arg(&candidate)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["evaluated"], 2);
    assert_eq!(report["changes"][0]["from"], "published");
    assert_eq!(report["changes"][0]["to"], "pending");
    assert_eq!(report["changes"][0]["count"], 1);
    let text = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "rules",
            "backtest",
            "--limit",
            "1",
            "--database-url",
            &app.database_url,
        ])
        .arg(&candidate)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("replayed 1 comments"), "{stdout}");
}
