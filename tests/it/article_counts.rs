//! Comment counts for many articles at once: what index pages show as "12 comments".

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use serde_json::{json, Value};

backend_tests!(
    counts_published_comments_of_each_requested_article,
    an_unchanged_count_answers_304_to_its_etag,
    counts_refuse_missing_invalid_or_too_many_ids,
);

async fn counts(app: &TestApp, query: &str) -> reqwest::Response {
    reqwest::get(app.url(&format!("/api/v1/articles/counts{query}")))
        .await
        .unwrap()
}

async fn counts_published_comments_of_each_requested_article(db: Db) {
    let app = TestApp::spawn(db).await;
    for (article, body) in [
        ("budget-2026", "A fair summary of the vote."),
        ("budget-2026", "The library cuts worry me."),
        ("budget-2026", "Buy viagra"),
        ("election", "Turnout looked high in my ward."),
    ] {
        app.submit(Comment::new(body).on(article)).await;
    }
    let response = counts(&app, "?ids=budget-2026,election,quiet-article").await;
    assert_eq!(response.status().as_u16(), 200);
    let cache = response.headers()["cache-control"].to_str().unwrap();
    assert!(cache.starts_with("public, max-age="), "{cache}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"counts": {"budget-2026": 2, "election": 1, "quiet-article": 0}}),
        "held and rejected comments are not counted"
    );
}

async fn an_unchanged_count_answers_304_to_its_etag(db: Db) {
    let app = TestApp::spawn(db).await;
    app.submit(Comment::new("First!").on("a1")).await;
    let first = counts(&app, "?ids=a1").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let again = client
        .get(app.url("/api/v1/articles/counts?ids=a1"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    app.submit(Comment::new("Second, and on topic.").on("a1").by("Ben"))
        .await;
    let changed = client
        .get(app.url("/api/v1/articles/counts?ids=a1"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200);
    assert_eq!(changed.json::<Value>().await.unwrap()["counts"]["a1"], 2);
}

async fn counts_refuse_missing_invalid_or_too_many_ids(db: Db) {
    let app = TestApp::spawn(db).await;
    let too_many: Vec<String> = (0..101).map(|i| format!("a{i}")).collect();
    for query in [
        String::new(),
        "?ids=".to_string(),
        "?ids=a1,bad%20id".to_string(),
        "?ids=..".to_string(),
        format!("?ids={}", too_many.join(",")),
    ] {
        let response = counts(&app, &query).await;
        assert_eq!(response.status().as_u16(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["field"], "ids", "{query}: {body}");
    }
}
