//! Submitting comments: each outcome, replies, what is stored and what is disclosed.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use serde_json::{json, Value};

backend_tests!(
    publishes_a_clean_comment_at_once,
    rejects_comment_with_banned_word_and_keeps_it_for_review,
    holds_comment_with_a_phone_number,
    holds_comment_whose_scores_reach_the_hold_threshold,
    holds_the_same_body_posted_again,
    public_response_never_reveals_rules_or_scores,
    stored_verdict_explains_the_decision,
    reply_to_unknown_parent_is_404_and_stores_nothing,
    reply_to_comment_on_another_article_is_422,
    reply_to_a_held_comment_is_422,
    identical_comments_sent_at_once_are_not_both_published,
);

async fn publishes_a_clean_comment_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = app
        .submit(
            Comment::new("A careful piece. The council vote on 12 May deserves more coverage.")
                .on("politics-42")
                .by("Ann Reader")
                .email("ann@example.org"),
        )
        .await;
    assert_eq!(body["status"], "published");
    assert_eq!(body["article_id"], "politics-42");
    assert_eq!(body["parent_id"], Value::Null);
    assert_eq!(body["message"], "Your comment has been published.");
    assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());
    let created = body["created_at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok()
    );
    assert_eq!(app.stored_count(), 1);
}

async fn rejects_comment_with_banned_word_and_keeps_it_for_review(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = app
        .submit(Comment::new("Cheap V1AGRA here, best prices").by("Pharma"))
        .await;
    assert_eq!(body["status"], "rejected");
    assert!(body["message"].as_str().unwrap().contains("not published"));
    let (stored_status, _) = app.stored_verdict(body["id"].as_str().unwrap());
    assert_eq!(stored_status, "rejected");
    let list: Value = app.list("a1", "").await.json().await.unwrap();
    assert_eq!(list["comments"].as_array().unwrap().len(), 0);
}

async fn holds_comment_with_a_phone_number(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = app
        .submit(Comment::new("Call me on +44 20 7946 0958 to talk about it").by("Bob"))
        .await;
    assert_eq!(body["status"], "pending");
    assert_eq!(body["message"], "Your comment is awaiting moderation.");
}

async fn holds_comment_whose_scores_reach_the_hold_threshold(db: Db) {
    let app = TestApp::spawn(db).await;
    // One score rule (3) stays under the hold threshold (5)...
    let one = app
        .submit(Comment::new("Easy money, they said.").by("C"))
        .await;
    assert_eq!(one["status"], "published");
    // ...two (3 + 3) reach it.
    let links = "Easy money: https://a.example/1 https://b.example/2 https://c.example/3";
    let two = app.submit(Comment::new(links).by("D")).await;
    assert_eq!(two["status"], "pending");
}

async fn holds_the_same_body_posted_again(db: Db) {
    let app = TestApp::spawn(db).await;
    let comment = Comment::new("I said it before and I will say it again.").by("Echo");
    let first = app.submit(comment.clone()).await;
    assert_eq!(first["status"], "published");
    let second = app.submit(comment.on("a2")).await;
    assert_eq!(second["status"], "pending");
}

async fn public_response_never_reveals_rules_or_scores(db: Db) {
    let app = TestApp::spawn(db).await;
    let body = app.submit(Comment::new("viagra viagra").by("P")).await;
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "article_id",
            "created_at",
            "edit_token",
            "editable_until",
            "id",
            "message",
            "parent_id",
            "status"
        ]
    );
    let text = body.to_string();
    assert!(
        !text.contains("spam.pills") && !text.contains("score"),
        "{text}"
    );
}

async fn stored_verdict_explains_the_decision(db: Db) {
    let app = TestApp::spawn(db).await;
    let raw = "Buy v.i.a.g.r.a now";
    let body = app.submit(Comment::new(raw).by("P")).await;
    let (_, verdict) = app.stored_verdict(body["id"].as_str().unwrap());
    assert_eq!(verdict["decision"], "reject");
    assert_eq!(verdict["rules_version"].as_str().unwrap().len(), 64);
    let matched = &verdict["matches"][0];
    assert_eq!(matched["rule_id"], "spam.pills");
    assert_eq!(matched["weight"], 10.0);
    let hit = &matched["hits"][0];
    let (start, end) = (
        hit["start"].as_u64().unwrap() as usize,
        hit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        &raw[start..end],
        "v.i.a.g.r.a",
        "span points into the raw text"
    );
}

async fn reply_to_unknown_parent_is_404_and_stores_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let body = app
        .submit_expecting(
            404,
            Comment::new("Replying").by("R").reply_to(&json!(unknown)),
        )
        .await;
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(body["error"]["field"], "parent_id");
    assert_eq!(app.stored_count(), 0);
}

async fn reply_to_comment_on_another_article_is_422(db: Db) {
    let app = TestApp::spawn(db).await;
    let parent = app.submit(Comment::new("Top level").by("P")).await;
    let reply = Comment::new("Reply")
        .by("R")
        .on("a2")
        .reply_to(&parent["id"]);
    let body = app.submit_expecting(422, reply).await;
    assert_eq!(body["error"]["code"], "parent_on_other_article");
    assert_eq!(body["error"]["field"], "parent_id");
    assert_eq!(app.stored_count(), 1);
}

async fn reply_to_a_held_comment_is_422(db: Db) {
    let app = TestApp::spawn(db).await;
    let parent = app.submit(Comment::new("Ring 0123 456 7890").by("P")).await;
    assert_eq!(parent["status"], "pending");
    let reply = Comment::new("Reply").by("R").reply_to(&parent["id"]);
    let body = app.submit_expecting(422, reply).await;
    assert_eq!(body["error"]["code"], "parent_not_published");
}

/// Behaviour of the shipped moderation_rules.toml over HTTP.
mod shipped {
    use super::*;
    backend_tests!(
        shipped_rules_publish_a_first_time_readers_clean_comment,
        shipped_rules_do_not_publish_obvious_spam_or_abuse,
    );
}

mod concurrency {
    use super::*;
    backend_tests!(concurrent_submissions_are_all_stored);
}

async fn shipped_rules_publish_a_first_time_readers_clean_comment(db: Db) {
    let app = TestApp::builder(db).shipped_rules().spawn().await;
    let body = app
        .submit(
            Comment::new(
                "I've lived on this street for 30 years and the new crossing is long overdue. \
                 Thank you for covering the council meeting; I hope they fund the school route too.",
            )
            .on("local-news-1")
            .by("Margaret O'Neill")
            .email("m.oneill@example.net"),
        )
        .await;
    assert_eq!(body["status"], "published", "{body}");
}

async fn shipped_rules_do_not_publish_obvious_spam_or_abuse(db: Db) {
    let app = TestApp::builder(db).shipped_rules().spawn().await;
    for (author, text) in [
        ("Crypto King", "Earn $5000 a week working from home!!! Check out my channel and DM me on telegram https://bit.ly/xyz"),
        ("Angry", "You are a fucking idiot and I will kill you"),
    ] {
        let body = app.submit(Comment::new(text).by(author)).await;
        assert_ne!(body["status"], "published", "{text}");
    }
}

async fn concurrent_submissions_are_all_stored(db: Db) {
    let app = TestApp::spawn(db).await;
    let requests = (0..40).map(|i| {
        app.post_comment(
            "busy-article",
            json!({"author_name": format!("reader {i}"), "body": format!("Comment number {i} on a busy story")}),
        )
    });
    let responses = futures_util::future::join_all(requests).await;
    for response in responses {
        assert_eq!(response.status().as_u16(), 201);
    }
    assert_eq!(app.stored_count(), 40);
    let page: Value = app
        .list("busy-article", "?limit=200")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["comments"].as_array().unwrap().len(), 40);
}

/// The duplicate rule must see a comment posted a moment earlier even when both are judged at
/// the same time and stored in one batch.
async fn identical_comments_sent_at_once_are_not_both_published(db: Db) {
    let app = TestApp::spawn(db).await;
    for round in 0..20 {
        let body = format!("Same words twice, round {round}: the bypass is long overdue.");
        let comment = || {
            Comment::new(&body)
                .by("Twice Poster")
                .email("twice@example.org")
        };
        let (first, second) = tokio::join!(app.submit(comment()), app.submit(comment()));
        let statuses = [first["status"].clone(), second["status"].clone()];
        let published = statuses.iter().filter(|s| *s == "published").count();
        assert_eq!(published, 1, "round {round}: {statuses:?}");
        assert!(
            statuses.contains(&json!("pending")),
            "round {round}: {statuses:?}"
        );
    }
    assert_eq!(app.stored_count(), 40);
}

/// SQLite's WAL is copied back into the database by a thread of its own, not inside the intake
/// writer's commits (which never checkpoint): the database file grows while the server runs.
#[actix_web::test]
async fn the_sqlite_wal_is_checkpointed_while_the_server_runs() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let path = app.database_url.trim_start_matches("sqlite://").to_string();
    let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let before = size();
    for i in 0..300 {
        let body = format!(
            "Comment {i}: {}",
            "a longer thought about the council budget. ".repeat(8)
        );
        app.submit(Comment::new(&body).by(&format!("Reader {i}")))
            .await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while size() <= before + 100_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the database file never grew: the WAL is not checkpointed"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
