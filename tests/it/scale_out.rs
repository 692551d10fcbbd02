//! Two instances, one PostgreSQL database, one Redis: a client spread over both is held to one
//! quota, concurrent decisions through both have one winner, and what one instance stores the
//! other lists and moderates.

use crate::helpers::{Comment, Db, TestApp, TEST_RULES};
use crate::postgres_support::postgres_admin_url;
use crate::queue_and_decisions::{count_changed, decide};
use crate::redis_support::TestRedis;
use gatehouse::auth::Role;
use serde_json::{json, Value};
use std::time::Instant;

const BURST: usize = 5;
const RATE_PER_MINUTE: f64 = 30.0;

fn rules() -> String {
    format!(
        "{TEST_RULES}\n[rate_limits]\nper_ip = {{ burst = {BURST}, rate = {RATE_PER_MINUTE}, per = \"minute\" }}\n\
         per_author = {{ burst = 1000, rate = 1000, per = \"second\" }}\n\
         per_article = {{ burst = 1000, rate = 1000, per = \"second\" }}\n\
         global = {{ burst = 1000, rate = 1000, per = \"second\" }}\n"
    )
}

/// Two apps on one fresh PostgreSQL database and one Redis prefix.
async fn two_instances(redis: &TestRedis) -> (TestApp, TestApp) {
    let first = TestApp::builder(Db::Postgres)
        .rules(rules())
        .redis(&redis.url, &redis.prefix)
        .spawn()
        .await;
    let second = TestApp::builder(Db::Postgres)
        .rules(rules())
        .redis(&redis.url, &redis.prefix)
        .database_url(&first.database_url)
        .spawn()
        .await;
    assert_eq!(first.database_url, second.database_url);
    (first, second)
}

/// The Redis to share, when both services are there (see `services` for when they must be).
fn services() -> Option<TestRedis> {
    postgres_admin_url()?;
    TestRedis::connect()
}

#[actix_web::test]
async fn scale_out_one_client_over_two_instances_gets_one_quota() {
    let Some(redis) = services() else {
        return;
    };
    let (first, second) = two_instances(&redis).await;
    let started = Instant::now();
    let mut accepted = 0;
    for i in 0..(4 * BURST) {
        let app = if i % 2 == 0 { &first } else { &second };
        let response = app
            .post_comment(
                &format!("article-{i}"),
                json!({"author_name": format!("reader {i}"), "body": format!("comment {i}")}),
            )
            .await;
        match response.status().as_u16() {
            201 => accepted += 1,
            429 => assert!(response.headers().contains_key("retry-after")),
            other => panic!("unexpected status {other}"),
        }
    }
    let elapsed_minutes = started.elapsed().as_secs_f64() / 60.0;
    let allowed = BURST as f64 + RATE_PER_MINUTE * elapsed_minutes + 1.0;
    assert!(accepted >= BURST, "the burst passes: {accepted}");
    assert!(
        (accepted as f64) <= allowed,
        "{accepted} accepted, at most {allowed:.1} allowed"
    );
    assert!(accepted < 2 * BURST, "not a quota per instance: {accepted}");
    assert_eq!(first.stored_count(), accepted as i64);
}

#[actix_web::test]
async fn scale_out_fifty_decisions_through_two_instances_have_one_winner() {
    let Some(redis) = services() else {
        return;
    };
    let (first, second) = two_instances(&redis).await;
    // Sessions live in the database: a token from one instance works on the other.
    let approver = first.token_for("alice", Role::Moderator).await;
    let rejecter = second.token_for("bruno", Role::Moderator).await;
    let held = first
        .submit(Comment::new("text me 0123 456 7890").by("Ann"))
        .await;
    assert_eq!(held["status"], "pending");
    let id = held["id"].as_str().unwrap().to_string();
    let requests = (0..50).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        let (token, action) = if i % 4 < 2 {
            (&approver, "approve")
        } else {
            (&rejecter, "reject")
        };
        decide(app, token, &id, action)
    });
    let responses = futures_util::future::join_all(requests).await;
    assert_eq!(
        count_changed(responses).await,
        1,
        "exactly one request changed the comment"
    );
    for app in [&first, &second] {
        let log = app
            .get_json(&approver, &format!("/api/v1/moderation/log?target_id={id}"))
            .await;
        assert_eq!(log["entries"].as_array().unwrap().len(), 1, "one audit row");
    }
}

#[actix_web::test]
async fn scale_out_comment_stored_by_one_is_listed_and_moderated_by_the_other() {
    let Some(redis) = services() else {
        return;
    };
    let (first, second) = two_instances(&redis).await;
    let published = first
        .submit(Comment::new("A fine comment.").by("Ann"))
        .await;
    assert_eq!(published["status"], "published");
    let held = first
        .submit(Comment::new("call 0123 456 7890").by("Bob"))
        .await;
    assert_eq!(held["status"], "pending");
    let thread: Value = second.list("a1", "").await.json().await.unwrap();
    let listed: Vec<&str> = thread["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [published["id"].as_str().unwrap()]);
    let token = second.token_for("mod", Role::Moderator).await;
    let queue = second.get_json(&token, "/api/v1/moderation/queue").await;
    assert!(queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|item| item["id"] == held["id"]));
    let held_id = held["id"].as_str().unwrap();
    assert_eq!(
        decide(&second, &token, held_id, "approve")
            .await
            .status()
            .as_u16(),
        200
    );
    let thread: Value = first.list("a1", "").await.json().await.unwrap();
    assert_eq!(thread["comments"].as_array().unwrap().len(), 2);
    assert_eq!(
        decide(&first, &token, held_id, "reject")
            .await
            .status()
            .as_u16(),
        409,
        "the other instance sees the decision"
    );
}
