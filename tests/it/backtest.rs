//! Backtests compare a candidate with the live rules, replayed the same way: comments held as
//! duplicates or rejected for a ban are not changes, and the ids of real changes can be fed to
//! a bulk decision. Over the API and with the `gatehouse rules backtest` command.

use crate::backend_tests;
use crate::helpers::{Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::Path;

backend_tests!(
    api_backtest_of_the_live_rules_reports_no_change_for_duplicates_and_bans,
    api_backtest_ids_feed_a_bulk_reject,
    cli_backtest_compares_the_candidate_with_the_live_file,
);

/// The README's spam-wave rule, live (not shadow) so that it changes decisions.
const RETURNS_RULE: &str = r#"
[[rule]]
id = "spam.returns_guaranteed"
description = "Guaranteed investment returns"
kind = "regex"
action = "score"
weight = 6.0
patterns = ['\d+\s*%\s*(weekly|daily|monthly)\s+returns?', 'returns?\s+guaranteed']
"#;

const WAVE: &str = "Join my WhatsApp group, 40% weekly returns guaranteed";

async fn post(app: &TestApp, author: &str, email: &str, body: &str) -> Value {
    let response = app
        .post_comment(
            "a1",
            json!({"author_name": author, "author_email": email, "body": body}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap()
}

/// A clean comment, the same text twice (the second held by the duplicate rule), and a banned
/// author's comment (rejected): three statuses the rules alone do not explain.
async fn site_with_duplicate_and_ban(db: Db) -> (TestApp, String) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("admin", Role::Admin).await;
    assert_eq!(
        post(&app, "Ann", "ann@example.org", "A clear explainer.").await["status"],
        "published"
    );
    let repeated = "Same words again, for the record.";
    assert_eq!(
        post(&app, "Bo", "bo@example.org", repeated).await["status"],
        "published"
    );
    assert_eq!(
        post(&app, "Bo", "bo@example.org", repeated).await["status"],
        "pending"
    );
    let ban = app
        .authed(Method::POST, "/api/v1/moderation/bans", &token)
        .json(&json!({"kind": "author", "value": "troll@example.org"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ban.status().as_u16(), 201);
    assert_eq!(
        post(
            &app,
            "Troll",
            "troll@example.org",
            "Nothing wrong with these words."
        )
        .await["status"],
        "rejected"
    );
    (app, token)
}

async fn backtest(app: &TestApp, token: &str, request: Value) -> Value {
    let response = app
        .authed(Method::POST, "/api/v1/admin/rules/backtest", token)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn api_backtest_of_the_live_rules_reports_no_change_for_duplicates_and_bans(db: Db) {
    let (app, token) = site_with_duplicate_and_ban(db).await;
    let live_source = format!("{TEST_RULES}\n{GENEROUS_LIMITS}");
    for request in [json!({}), json!({"source": live_source})] {
        let report = backtest(&app, &token, request).await;
        assert_eq!(report["evaluated"], 4, "{report}");
        assert_eq!(report["unchanged"], 4, "{report}");
        assert_eq!(report["changes"], json!([]), "{report}");
        assert_eq!(report["live_version"], report["candidate_version"]);
    }
}

async fn api_backtest_ids_feed_a_bulk_reject(db: Db) {
    let (app, token) = site_with_duplicate_and_ban(db).await;
    let wave = post(&app, "Cy", "cy@example.org", WAVE).await;
    assert_eq!(wave["status"], "published");
    let candidate = format!("{TEST_RULES}\n{GENEROUS_LIMITS}\n{RETURNS_RULE}");
    let report = backtest(&app, &token, json!({"source": candidate})).await;
    assert_eq!(report["evaluated"], 5, "{report}");
    assert_eq!(report["unchanged"], 4, "{report}");
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{report}");
    assert_eq!(changes[0]["from"], "published");
    assert_eq!(changes[0]["to"], "pending");
    assert_eq!(changes[0]["ids"], json!([wave["id"]]));
    assert_eq!(changes[0]["examples"][0]["stored_status"], "published");

    let bulk = app
        .authed(Method::POST, "/api/v1/moderation/bulk", &token)
        .json(&json!({"action": "reject", "ids": changes[0]["ids"], "reason": "spam wave"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bulk.status().as_u16(), 200);
    let bulk: Value = bulk.json().await.unwrap();
    assert_eq!(bulk["changed_ids"], json!([wave["id"]]));
    let listed: Value = app.list("a1", "").await.json().await.unwrap();
    let bodies: Vec<&str> = listed["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(!bodies.contains(&WAVE), "{bodies:?}");
}

fn run_backtest(app: &TestApp, live: &Path, candidate: &Path, json: bool) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command
        .env_remove("GATEHOUSE_RULES")
        .env_remove("GATEHOUSE_DATABASE_URL")
        .args(["rules", "backtest", "--database-url", &app.database_url])
        .arg("--live")
        .arg(live)
        .arg(candidate);
    if json {
        command.arg("--json");
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

async fn cli_backtest_compares_the_candidate_with_the_live_file(db: Db) {
    let (app, _token) = site_with_duplicate_and_ban(db).await;
    let live = app.rules_path.clone();
    let report: Value = serde_json::from_str(&run_backtest(&app, &live, &live, true)).unwrap();
    assert_eq!(report["evaluated"], 4, "{report}");
    assert_eq!(report["unchanged"], 4, "{report}");
    assert_eq!(report["changes"], json!([]), "{report}");

    let wave = post(&app, "Cy", "cy@example.org", WAVE).await;
    let dir = tempfile::tempdir().unwrap();
    let candidate = dir.path().join("candidate.toml");
    let source = std::fs::read_to_string(&live).unwrap();
    std::fs::write(&candidate, format!("{source}\n{RETURNS_RULE}")).unwrap();
    let report: Value = serde_json::from_str(&run_backtest(&app, &live, &candidate, true)).unwrap();
    assert_eq!(report["unchanged"], 4, "{report}");
    assert_eq!(report["changes"][0]["ids"], json!([wave["id"]]), "{report}");

    let text = run_backtest(&app, &live, &candidate, false);
    assert!(text.contains("published -> pending: 1"), "{text}");
    assert!(
        text.contains(&format!("{} (published now)", wave["id"].as_str().unwrap())),
        "{text}"
    );
    assert!(!text.contains("Published"), "{text}");
}
