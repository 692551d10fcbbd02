//! Rate limits over HTTP: 429 with Retry-After, per client IP and per author, and refused
//! comments are not stored.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp, TEST_RULES};
use serde_json::{json, Value};

backend_tests!(
    per_ip_limit_answers_429_with_retry_after,
    per_author_limit_holds_across_addresses,
    refused_flags_and_comments_name_what_was_refused,
);

fn limits(per_ip: &str, per_author: &str) -> String {
    format!(
        "{TEST_RULES}\n[rate_limits]\nper_ip = {per_ip}\nper_author = {per_author}\n\
         per_article = {{ burst = 1000, rate = 1000, per = \"second\" }}\n\
         global = {{ burst = 1000, rate = 1000, per = \"second\" }}\n"
    )
}

async fn per_ip_limit_answers_429_with_retry_after(db: Db) {
    let rules = limits(
        r#"{ burst = 3, rate = 2, per = "minute" }"#,
        r#"{ burst = 1000, rate = 1000, per = "second" }"#,
    );
    let app = TestApp::builder(db).rules(rules).spawn().await;
    for i in 0..3 {
        app.submit(Comment::new(&format!("comment {i}")).by(&format!("reader {i}")))
            .await;
    }
    let refused = app
        .post_comment("a1", json!({"author_name": "reader 9", "body": "one more"}))
        .await;
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=30).contains(&retry_after),
        "replenishes one every 30 s, got {retry_after}"
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("too many comments"),
        "{body}"
    );
    assert_eq!(app.stored_count(), 3);
}

async fn per_author_limit_holds_across_addresses(db: Db) {
    let rules = limits(
        r#"{ burst = 1000, rate = 1000, per = "second" }"#,
        r#"{ burst = 2, rate = 1, per = "hour" }"#,
    );
    let app = TestApp::builder(db)
        .rules(rules)
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .spawn()
        .await;
    let send = |ip: &'static str, email: &'static str, body: &'static str| {
        app.client
            .post(app.url("/api/v1/articles/a1/comments"))
            .header("x-forwarded-for", ip)
            .json(&json!({"author_name": "Same Person", "author_email": email, "body": body}))
            .send()
    };
    assert_eq!(
        send("198.51.100.1", "sam@example.org", "one")
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
    assert_eq!(
        send("198.51.100.2", "SAM+x@example.org", "two")
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
    let refused = send("198.51.100.3", "sam@example.org", "three")
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 3000, "{retry_after}");
    assert_eq!(
        send("198.51.100.3", "other@example.org", "four")
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
}

async fn refused_flags_and_comments_name_what_was_refused(db: Db) {
    let generous = r#"{ burst = 1000, rate = 1000, per = "second" }"#;
    let rules = format!(
        "{}flags = {{ burst = 1, rate = 1, per = \"hour\" }}\n",
        limits(generous, generous)
    );
    let app = TestApp::builder(db).rules(rules).spawn().await;
    let posted = app
        .post_comment(
            "a1",
            json!({"author_name": "Ann", "body": "A fine comment"}),
        )
        .await;
    let id = posted.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let flag = |reason: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/comments/{id}/flags")))
            .json(&json!({ "reason": reason }))
            .send()
    };
    assert_eq!(flag("spam").await.unwrap().status().as_u16(), 202);
    let refused = flag("abuse").await.unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("too many flags"), "{message}");
}
