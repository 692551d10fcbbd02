//! `POST /api/v1/admin/rules/check` and `GET /api/v1/moderation/rules`: what the console's
//! editor and queue read about rules.

use crate::backend_tests;
use crate::helpers::{Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    rules_check_reports_an_error_at_its_line_and_column_and_changes_nothing,
    rules_check_lists_warnings_and_notes_for_a_valid_candidate,
    rules_check_is_for_admins_only,
    moderators_read_the_live_rules_and_thresholds,
);

async fn check(app: &TestApp, token: &str, source: &str) -> Value {
    let response = app
        .authed(Method::POST, "/api/v1/admin/rules/check", token)
        .json(&json!({"source": source}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn rules_check_reports_an_error_at_its_line_and_column_and_changes_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("ada", Role::Admin).await;
    let before = std::fs::read_to_string(&app.rules_path).unwrap();
    let source = format!(
        "{TEST_RULES}\n{GENEROUS_LIMITS}\n[[rule]]\nid = \"spam.bad\"\ndescription = \"Broken\"\nkind = \"regex\"\naction = \"hold\"\npatterns = ['(unclosed']\n"
    );
    let line = source.lines().count();

    let report = check(&app, &token, &source).await;

    assert_eq!(report["valid"], false);
    assert_eq!(report["version"], Value::Null);
    let error = &report["errors"][0];
    assert_eq!(error["line"], line, "{report}");
    assert_eq!(error["column"], 13, "{report}");
    assert_eq!(error["rule_id"], "spam.bad");
    assert_eq!(error["severity"], "error");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("unclosed group"),
        "{report}"
    );
    assert_eq!(std::fs::read_to_string(&app.rules_path).unwrap(), before);
}

async fn rules_check_lists_warnings_and_notes_for_a_valid_candidate(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("ada", Role::Admin).await;
    let extra = "\n[[rule]]\nid = \"words.common\"\ndescription = \"Too broad\"\nkind = \"words\"\naction = \"score\"\nweight = 1.0\nwords = [\"the\"]\n\n[[rule]]\nid = \"off.for.now\"\ndescription = \"Disabled\"\nkind = \"words\"\naction = \"score\"\nweight = 1.0\nenabled = false\nwords = [\"zebra\"]\n";
    let source = format!("{TEST_RULES}\n{GENEROUS_LIMITS}{extra}");
    let rule_line = |id: &str| {
        source
            .lines()
            .position(|l| l == format!("id = \"{id}\""))
            .unwrap()
    };

    let report = check(&app, &token, &source).await;

    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["version"].as_str().unwrap().len(), 64);
    assert_eq!(report["rule_count"], 7);
    let over_broad = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "over_broad")
        .expect("an over-broad warning");
    assert_eq!(over_broad["rule_id"], "words.common");
    // A finding names the rule's `[[rule]]` line, just above its id.
    assert_eq!(over_broad["line"], rule_line("words.common"));
    let disabled = &report["notes"][0];
    assert_eq!(disabled["code"], "disabled");
    assert_eq!(disabled["line"], rule_line("off.for.now"));
}

async fn rules_check_is_for_admins_only(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mia", Role::Moderator).await;
    let response = app
        .authed(Method::POST, "/api/v1/admin/rules/check", &token)
        .json(&json!({"source": TEST_RULES}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

async fn moderators_read_the_live_rules_and_thresholds(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mia", Role::Moderator).await;
    let rules = app.get_json(&token, "/api/v1/moderation/rules").await;
    assert_eq!(rules["hold_threshold"], 5.0);
    assert_eq!(rules["reject_threshold"], 10.0);
    let easy_money = rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "spam.easy_money")
        .expect("the rule is listed");
    assert_eq!(
        easy_money,
        &json!({"id": "spam.easy_money", "description": "Easy money", "action": "score",
                "weight": 3.0, "mode": "live", "enabled": true})
    );
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    let health: Value = health.json().await.unwrap();
    assert_eq!(rules["version"], health["rules_version"]);
    assert!(
        app.client
            .get(app.url("/api/v1/moderation/rules"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
            == 401
    );
}
