//! Retrying a submission safely with `Idempotency-Key`: the first answer again, never a second
//! comment; a key reused for another comment refused; concurrent retries stored once.

use crate::backend_tests;
use crate::helpers::{Db, TestApp, TEST_RULES};
use serde_json::{json, Value};

backend_tests!(
    a_retry_with_the_same_key_gets_the_first_answer_and_stores_nothing,
    a_key_reused_for_another_comment_is_refused,
    concurrent_requests_with_one_key_store_one_comment,
    keys_belong_to_their_article_and_expire_after_a_day,
    a_malformed_key_is_refused_naming_the_header,
);

async fn post(app: &TestApp, article: &str, key: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/articles/{article}/comments")))
        .header("idempotency-key", key)
        .json(&json!({"author_name": "Ann Reader", "body": body}))
        .send()
        .await
        .unwrap()
}

async fn a_retry_with_the_same_key_gets_the_first_answer_and_stores_nothing(db: Db) {
    // One comment per address at most: the retry must not count against it.
    let rules = format!(
        "{TEST_RULES}\n[rate_limits]\nper_ip = {{ burst = 1, rate = 1, per = \"hour\" }}\n\
         per_author = {{ burst = 100, rate = 100, per = \"second\" }}\n\
         per_article = {{ burst = 100, rate = 100, per = \"second\" }}\n\
         global = {{ burst = 100, rate = 100, per = \"second\" }}\n"
    );
    let app = TestApp::builder(db).rules(rules).spawn().await;
    let first = post(&app, "a1", "key-1", "A thoughtful comment.").await;
    assert_eq!(first.status().as_u16(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();

    let retry = post(&app, "a1", "key-1", "A thoughtful comment.").await;
    assert_eq!(retry.status().as_u16(), 201, "a retry is not rate limited");
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    // The edit token is shown once: the replay store keeps no secret to show again.
    assert!(first["edit_token"].is_string());
    let mut first = first;
    first["edit_token"] = Value::Null;
    first["editable_until"] = Value::Null;
    assert_eq!(retry, first, "the same answer, id and time included");
    assert_eq!(app.stored_count(), 1);

    let other = post(&app, "a1", "key-2", "Another comment.").await;
    assert_eq!(other.status().as_u16(), 429, "a new comment still counts");
}

async fn a_key_reused_for_another_comment_is_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    assert_eq!(post(&app, "a1", "k", "First words.").await.status(), 201);
    let reused = post(&app, "a1", "k", "Different words.").await;
    assert_eq!(reused.status().as_u16(), 422);
    let body: Value = reused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    assert_eq!(body["error"]["field"], "Idempotency-Key");
    assert_eq!(app.stored_count(), 1);
}

async fn concurrent_requests_with_one_key_store_one_comment(db: Db) {
    let app = TestApp::spawn(db).await;
    let attempts = (0..10).map(|_| post(&app, "a1", "double-click", "Posted twice by accident."));
    let answers = futures_util::future::join_all(attempts).await;
    let mut ids = Vec::new();
    for answer in answers {
        assert_eq!(answer.status().as_u16(), 201);
        let body: Value = answer.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.stored_count(), 1);
}

async fn keys_belong_to_their_article_and_expire_after_a_day(db: Db) {
    let app = TestApp::spawn(db).await;
    assert_eq!(post(&app, "a1", "k", "Same words.").await.status(), 201);
    let elsewhere: Value = post(&app, "a2", "k", "Same words.")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(elsewhere["article_id"], "a2");
    assert_eq!(app.stored_count(), 2);

    app.sql("UPDATE idempotency_keys SET created_at = '2001-01-01 00:00:00'");
    let after_a_day = post(&app, "a1", "k", "Same words.").await;
    assert_eq!(after_a_day.status().as_u16(), 201);
    assert!(after_a_day.headers().get("idempotent-replayed").is_none());
    assert_eq!(
        app.stored_count(),
        3,
        "an expired key names a new submission"
    );
}

async fn a_malformed_key_is_refused_naming_the_header(db: Db) {
    let app = TestApp::spawn(db).await;
    let long = "k".repeat(256);
    let answer = post(&app, "a1", &long, "Words.").await;
    assert_eq!(answer.status().as_u16(), 400);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error"]["field"], "Idempotency-Key");
    assert_eq!(app.stored_count(), 0);
}
