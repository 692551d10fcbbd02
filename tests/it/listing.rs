//! Reading an article's thread: published only, thread order, cursor pages, nothing private.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use serde_json::{json, Value};

backend_tests!(
    lists_only_published_comments_without_private_fields,
    lists_replies_under_their_parent_in_thread_order,
    cursor_pages_cover_the_thread_without_gaps_or_repeats,
    invalid_limit_or_cursor_is_400,
    unknown_article_lists_no_comments,
);

async fn list_json(app: &TestApp, article: &str, query: &str) -> Value {
    let response = app.list(article, query).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

fn bodies(page: &Value) -> Vec<String> {
    page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_string())
        .collect()
}

async fn lists_only_published_comments_without_private_fields(db: Db) {
    let app = TestApp::spawn(db).await;
    for body in ["Visible comment", "Buy viagra", "Phone me: 555 123 4567"] {
        app.submit(Comment::new(body).email("r@example.org")).await;
    }
    let page = list_json(&app, "a1", "").await;
    assert_eq!(bodies(&page), ["Visible comment"]);
    assert_eq!(page["next_cursor"], Value::Null);
    let comment = page["comments"][0].as_object().unwrap();
    let mut keys: Vec<&str> = comment.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "author_name",
            "body",
            "created_at",
            "depth",
            "edited_at",
            "id",
            "parent_id",
            "removed"
        ]
    );
    assert!(!page.to_string().contains("r@example.org"));
    assert!(!page.to_string().contains("127.0.0.1"));
}

async fn lists_replies_under_their_parent_in_thread_order(db: Db) {
    let app = TestApp::spawn(db).await;
    let first = app.submit(Comment::new("first")).await;
    let second = app.submit(Comment::new("second")).await;
    let reply_to_first = app
        .submit(Comment::new("reply to first").reply_to(&first["id"]))
        .await;
    app.submit(Comment::new("reply to second").reply_to(&second["id"]))
        .await;
    app.submit(Comment::new("nested reply").reply_to(&reply_to_first["id"]))
        .await;
    app.submit(Comment::new("later reply to first").reply_to(&first["id"]))
        .await;
    let page = list_json(&app, "a1", "").await;
    assert_eq!(
        bodies(&page),
        [
            "first",
            "reply to first",
            "nested reply",
            "later reply to first",
            "second",
            "reply to second"
        ]
    );
    let depths: Vec<i64> = page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["depth"].as_i64().unwrap())
        .collect();
    assert_eq!(depths, [0, 1, 2, 1, 0, 1]);
    assert_eq!(page["comments"][1]["parent_id"], first["id"]);
}

async fn cursor_pages_cover_the_thread_without_gaps_or_repeats(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut expected = Vec::new();
    for i in 0..4 {
        let top = app.submit(Comment::new(&format!("top {i}"))).await;
        expected.push(format!("top {i}"));
        for j in 0..2 {
            app.submit(Comment::new(&format!("reply {i}.{j}")).reply_to(&top["id"]))
                .await;
            expected.push(format!("reply {i}.{j}"));
        }
    }
    app.submit(Comment::new("other article").on("other")).await;
    let mut seen = Vec::new();
    let mut query = "?limit=5".to_string();
    let mut pages = 0;
    loop {
        let page = list_json(&app, "a1", &query).await;
        pages += 1;
        seen.extend(bodies(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=5&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);
}

async fn invalid_limit_or_cursor_is_400(db: Db) {
    let app = TestApp::spawn(db).await;
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=%%%", "cursor"),
        ("?cursor=bm90LWEtcGF0aA", "cursor"),
    ] {
        let response = app.list("a1", query).await;
        assert_eq!(response.status().as_u16(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "validation_failed", "{query}");
        if query != "?cursor=%%%" {
            assert_eq!(body["error"]["field"], field, "{query}");
        }
    }
}

async fn unknown_article_lists_no_comments(db: Db) {
    let app = TestApp::spawn(db).await;
    let page = list_json(&app, "never-commented", "").await;
    assert_eq!(page, json!({"comments": [], "next_cursor": null}));
}
