//! Admins tuning rules: reading and editing them over the API, tracing and backtesting
//! candidates, and hot reload from disk or SIGHUP without dropping a request.

mod backtest;
mod edits;
mod reload;

use crate::helpers::{Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

pub const CAT_RULE: &str = r#"
[[rule]]
id = "test.cats"
description = "No cats"
kind = "words"
action = "hold"
weight = 0.0
words = ["cat"]
"#;

pub fn rules_with(extra: &str) -> String {
    format!("{TEST_RULES}\n{GENEROUS_LIMITS}\n{extra}")
}

pub async fn admin_app(db: Db, extra: &str, no_watch: bool) -> (TestApp, String) {
    let app = TestApp::builder(db)
        .rules(rules_with(extra))
        .configure(|c| c.no_watch_rules = no_watch)
        .spawn()
        .await;
    let token = app.token_for("admin", Role::Admin).await;
    (app, token)
}

/// The live rules as GET /api/v1/admin/rules shows them.
pub async fn get_rules(app: &TestApp, token: &str) -> Value {
    app.get_json(token, "/api/v1/admin/rules").await
}

pub async fn put_rules(
    app: &TestApp,
    token: &str,
    version: Option<&str>,
    source: &str,
) -> reqwest::Response {
    let mut request = app
        .authed(Method::PUT, "/api/v1/admin/rules", token)
        .json(&json!({"source": source}));
    if let Some(version) = version {
        request = request.header("if-match", format!("\"{version}\""));
    }
    request.send().await.unwrap()
}

/// Polls until the live version differs from `old` (reloads happen on another thread).
pub async fn wait_for_new_version(app: &TestApp, token: &str, old: &str) -> Value {
    for _ in 0..100 {
        let rules = get_rules(app, token).await;
        if rules["version"] != old {
            return rules;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the rules were not reloaded");
}
