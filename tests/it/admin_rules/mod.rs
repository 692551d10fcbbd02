//! Admins tuning rules: reading and editing them over the API, tracing and backtesting
//! candidates, and hot reload from disk or SIGHUP without dropping a request.

mod backtest;
mod edits;
mod reload;

use crate::helpers::{Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, Instant};

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

/// The audit log's rules changes, newest first.
pub async fn rules_changes(app: &TestApp, token: &str) -> Vec<Value> {
    let log = app
        .get_json(token, "/api/v1/moderation/log?action=rules_changed")
        .await;
    log["entries"].as_array().expect("entries").clone()
}

/// Polls `check` until it gives a value, for at most ten seconds: reloads from disk happen
/// on another thread, once the watcher has let a burst of writes settle.
pub async fn eventually<T, F>(what: &str, mut check: impl FnMut() -> F) -> T
where
    F: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "waited ten seconds for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The live rules once their version is no longer `old`.
pub async fn wait_for_new_version(app: &TestApp, token: &str, old: &str) -> Value {
    eventually("the rules to be reloaded", || async move {
        let rules = get_rules(app, token).await;
        (rules["version"] != old).then_some(rules)
    })
    .await
}
