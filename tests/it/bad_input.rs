//! Hostile and broken requests: each gets a precise JSON 4xx, nothing is stored, nothing panics.

use crate::backend_tests;
use crate::helpers::{Db, TestApp};
use serde_json::{json, Value};

backend_tests!(
    malformed_json_is_400_malformed_json,
    wrong_types_name_the_field,
    unknown_and_missing_fields_are_400,
    invalid_utf8_is_400,
    control_characters_are_400,
    oversized_body_is_413,
    deeply_nested_json_is_400,
    non_json_content_type_is_415,
    empty_body_after_trimming_is_422,
    invalid_email_and_parent_id_are_400,
    hostile_article_ids_are_400,
    unknown_routes_and_methods_get_json_errors,
);

const PATH: &str = "/api/v1/articles/a1/comments";

async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    body
}

async fn malformed_json_is_400_malformed_json(db: Db) {
    let app = TestApp::spawn(db).await;
    for raw in [
        "{",
        "{\"author_name\": \"a\",}",
        "{\"author_name\": \"a\"",
        "",
        "nul",
        "{\"author_name\":\"a\",\"body\":\"b\"} {}",
    ] {
        let response = app
            .post_raw(PATH, "application/json", raw.to_string())
            .await;
        expect_error(response, 400, "malformed_json").await;
    }
    assert_eq!(app.stored_count(), 0);
}

async fn wrong_types_name_the_field(db: Db) {
    let app = TestApp::spawn(db).await;
    let cases = [
        (json!({"author_name": 5, "body": "x"}), "author_name"),
        (json!({"author_name": "a", "body": ["x"]}), "body"),
        (
            json!({"author_name": "a", "body": "x", "author_email": true}),
            "author_email",
        ),
        (
            json!({"author_name": "a", "body": "x", "parent_id": 7}),
            "parent_id",
        ),
    ];
    for (body, field) in cases {
        let body = expect_error(app.post_comment("a1", body).await, 400, "validation_failed").await;
        assert_eq!(body["error"]["field"], field);
    }
    let top_level = app
        .post_raw(PATH, "application/json", "\"just a string\"")
        .await;
    expect_error(top_level, 400, "validation_failed").await;
    assert_eq!(app.stored_count(), 0);
}

async fn unknown_and_missing_fields_are_400(db: Db) {
    let app = TestApp::spawn(db).await;
    let unknown = json!({"author_name": "a", "body": "x", "status": "published"});
    let body = expect_error(
        app.post_comment("a1", unknown).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "status");
    let missing = json!({"author_name": "a"});
    let body = expect_error(
        app.post_comment("a1", missing).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "body");
    assert_eq!(app.stored_count(), 0);
}

async fn invalid_utf8_is_400(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut raw = b"{\"author_name\": \"a\", \"body\": \"".to_vec();
    raw.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    raw.extend_from_slice(b"\"}");
    expect_error(
        app.post_raw(PATH, "application/json", raw).await,
        400,
        "malformed_json",
    )
    .await;
    assert_eq!(app.stored_count(), 0);
}

async fn control_characters_are_400(db: Db) {
    let app = TestApp::spawn(db).await;
    for (comment, field) in [
        (
            json!({"author_name": "a", "body": "nul \u{0000} inside"}),
            "body",
        ),
        (
            json!({"author_name": "a", "body": "escape \u{001b}[31m red"}),
            "body",
        ),
        (
            json!({"author_name": "a\u{0007}b", "body": "fine"}),
            "author_name",
        ),
        (
            json!({"author_name": "a\nb", "body": "fine"}),
            "author_name",
        ),
    ] {
        let body = expect_error(
            app.post_comment("a1", comment).await,
            400,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["field"], field);
    }
    assert_eq!(app.stored_count(), 0);
}

async fn oversized_body_is_413(db: Db) {
    let app = TestApp::spawn(db).await;
    let huge = json!({"author_name": "a", "body": "x".repeat(200_000)});
    expect_error(app.post_comment("a1", huge).await, 413, "payload_too_large").await;
    // Under the byte limit but over the character limit for a comment.
    let long = json!({"author_name": "a", "body": "word ".repeat(2_001)});
    let body = expect_error(app.post_comment("a1", long).await, 400, "validation_failed").await;
    assert_eq!(body["error"]["field"], "body");
    assert_eq!(app.stored_count(), 0);
}

async fn deeply_nested_json_is_400(db: Db) {
    let app = TestApp::spawn(db).await;
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let response = app.post_raw(PATH, "application/json", deep).await;
    assert_eq!(response.status().as_u16(), 400);
    let nested_field = format!(
        "{{\"author_name\": \"a\", \"body\": {}\"x\"{}}}",
        "{\"a\":".repeat(5000),
        "}".repeat(5000)
    );
    let response = app.post_raw(PATH, "application/json", nested_field).await;
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(app.stored_count(), 0);
}

async fn non_json_content_type_is_415(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = r#"{"author_name": "a", "body": "x"}"#;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        expect_error(
            app.post_raw(PATH, content_type, body).await,
            415,
            "unsupported_media_type",
        )
        .await;
    }
    let no_type = app
        .client
        .post(app.url(PATH))
        .body(body)
        .send()
        .await
        .unwrap();
    expect_error(no_type, 415, "unsupported_media_type").await;
    let ok = app
        .post_raw(PATH, "application/json; charset=utf-8", body)
        .await;
    assert_eq!(ok.status().as_u16(), 201);
    assert_eq!(app.stored_count(), 1);
}

async fn empty_body_after_trimming_is_422(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = json!({"author_name": "a", "body": " \n\t \u{3000} "});
    let body = expect_error(app.post_comment("a1", body).await, 422, "empty_body").await;
    assert_eq!(body["error"]["field"], "body");
    assert_eq!(app.stored_count(), 0);
}

async fn invalid_email_and_parent_id_are_400(db: Db) {
    let app = TestApp::spawn(db).await;
    for (comment, field) in [
        (
            json!({"author_name": "a", "body": "x", "author_email": "no-at-sign"}),
            "author_email",
        ),
        (
            json!({"author_name": "a", "body": "x", "author_email": "a@@b.c"}),
            "author_email",
        ),
        (
            json!({"author_name": "a", "body": "x", "parent_id": "1; DROP TABLE comments"}),
            "parent_id",
        ),
        (json!({"author_name": "  ", "body": "x"}), "author_name"),
        (
            json!({"author_name": "a".repeat(81), "body": "x"}),
            "author_name",
        ),
    ] {
        let body = expect_error(
            app.post_comment("a1", comment).await,
            400,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["field"], field);
    }
    assert_eq!(app.stored_count(), 0);
}

async fn hostile_article_ids_are_400(db: Db) {
    let app = TestApp::spawn(db).await;
    let long = "a".repeat(129);
    let comment = json!({"author_name": "a", "body": "x"});
    for id in [
        "..%2F..%2Fetc",
        "%00",
        "%E2%80%AE",
        "a%20b",
        "%3Cscript%3E",
        long.as_str(),
        "%27%20OR%201%3D1",
    ] {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/articles/{id}/comments")))
            .json(&comment)
            .send()
            .await
            .unwrap();
        let body = expect_error(response, 400, "validation_failed").await;
        assert_eq!(body["error"]["field"], "article_id", "{id}");
        let listing = app.list(id, "").await;
        expect_error(listing, 400, "validation_failed").await;
    }
    // Not even UTF-8 once percent-decoded.
    let response = app
        .client
        .post(app.url("/api/v1/articles/%FF%FE/comments"))
        .json(&comment)
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "validation_failed").await;
    assert_eq!(app.stored_count(), 0);
}

async fn unknown_routes_and_methods_get_json_errors(db: Db) {
    let app = TestApp::spawn(db).await;
    let response = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    expect_error(response, 404, "not_found").await;
    let response = app.client.delete(app.url(PATH)).send().await.unwrap();
    expect_error(response, 405, "method_not_allowed").await;
    let response = app.client.post(app.url("/healthz")).send().await.unwrap();
    expect_error(response, 405, "method_not_allowed").await;
}
