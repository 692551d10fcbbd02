//! Readers' edits obey the article's state as new comments do: none on a closed article
//! (closed by a moderator or by its closing time), held on a premoderated one, and none stored
//! after a close returned, even while edits race it; a delete stays allowed on a closed article.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use crate::reader_edits::{delete, patch};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    an_edit_on_a_closed_article_is_409_and_changes_nothing,
    an_edit_after_the_articles_closing_time_is_409,
    a_reader_may_delete_their_comment_on_a_closed_article,
    an_edit_on_a_premoderated_article_is_held_with_the_premoderation_match,
    closing_while_readers_edit_stores_exactly_the_edits_answered_200,
);

async fn set_article(app: &TestApp, token: &str, article: &str, settings: Value) {
    let response = app
        .authed(
            Method::PUT,
            &format!("/api/v1/moderation/articles/{article}"),
            token,
        )
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

fn close(reason: &str) -> Value {
    json!({"state": "closed", "reason": reason})
}

/// The stored text of a comment and how many earlier texts it keeps.
fn stored_text(app: &TestApp, id: &str) -> (String, i64) {
    use diesel::prelude::*;
    use gatehouse::storage::schema::{comment_revisions, comments};
    let mut conn = app.pool().get().unwrap();
    let body = comments::table
        .find(id)
        .select(comments::body)
        .first(&mut conn)
        .unwrap();
    let revisions = comment_revisions::table
        .filter(comment_revisions::comment_id.eq(id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    (body, revisions)
}

fn field(value: &Value, name: &str) -> String {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} in {value}"))
        .to_string()
}

async fn assert_refused_as_closed(response: reqwest::Response) {
    assert_eq!(response.status().as_u16(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "article_closed", "{body}");
}

async fn an_edit_on_a_closed_article_is_409_and_changes_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let posted = app.submit(Comment::new("The first version.")).await;
    let (id, edit_token) = (field(&posted, "id"), field(&posted, "edit_token"));
    set_article(&app, &token, "a1", close("court order")).await;

    let refused = patch(&app, &id, Some(&edit_token), "A second version.").await;
    assert_refused_as_closed(refused).await;
    assert_eq!(
        stored_text(&app, &id),
        ("The first version.".to_string(), 0)
    );
    let (status, _) = app.stored_verdict(&id);
    assert_eq!(status, "published");

    // Reopened, the same token edits again (the window is still open).
    set_article(
        &app,
        &token,
        "a1",
        json!({"state": "open", "reason": "order lifted"}),
    )
    .await;
    let edited = patch(&app, &id, Some(&edit_token), "A second version.").await;
    assert_eq!(edited.status().as_u16(), 200);
    assert_eq!(stored_text(&app, &id), ("A second version.".to_string(), 1));
}

async fn an_edit_after_the_articles_closing_time_is_409(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let posted = app.submit(Comment::new("Before the deadline.")).await;
    set_article(
        &app,
        &token,
        "a1",
        json!({"state": "open", "closes_at": "2020-01-01T00:00:00Z", "reason": "time is up"}),
    )
    .await;
    let id = field(&posted, "id");
    let refused = patch(&app, &id, Some(&field(&posted, "edit_token")), "After it.").await;
    assert_refused_as_closed(refused).await;
    assert_eq!(stored_text(&app, &id).0, "Before the deadline.");
}

async fn a_reader_may_delete_their_comment_on_a_closed_article(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let posted = app.submit(Comment::new("Words I regret.")).await;
    set_article(&app, &token, "a1", close("election day")).await;
    let id = field(&posted, "id");
    let deleted = delete(&app, &id, Some(&field(&posted, "edit_token"))).await;
    assert_eq!(deleted.status().as_u16(), 204);
    let page: Value = app.list("a1", "").await.json().await.unwrap();
    assert_eq!(page["comments"], json!([]), "gone from the public thread");
    assert_eq!(stored_text(&app, &id), ("Words I regret.".to_string(), 1));
}

async fn an_edit_on_a_premoderated_article_is_held_with_the_premoderation_match(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let posted = app.submit(Comment::new("Published before.")).await;
    assert_eq!(posted["status"], "published");
    set_article(
        &app,
        &token,
        "a1",
        json!({"state": "premoderated", "reason": "a tragedy"}),
    )
    .await;
    let id = field(&posted, "id");
    let edited = patch(
        &app,
        &id,
        Some(&field(&posted, "edit_token")),
        "A polite edit.",
    )
    .await;
    assert_eq!(edited.status().as_u16(), 200);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(edited["status"], "pending");
    let (status, matched) = app.stored_matches(&id);
    assert_eq!(status, "pending");
    assert_eq!(matched, ["article.premoderated"]);
    let queue = app
        .get_json(&token, "/api/v1/moderation/queue?article_id=a1")
        .await;
    assert_eq!(queue["items"][0]["id"], id.as_str());
    assert_eq!(queue["items"][0]["body"], "A polite edit.");
}

async fn closing_while_readers_edit_stores_exactly_the_edits_answered_200(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let mut posted = Vec::new();
    for n in 0..20 {
        let comment = Comment::new(&format!("Original remark {n}."))
            .on("live-blog")
            .by(&format!("Reader {n}"));
        let answer = app.submit(comment).await;
        posted.push((field(&answer, "id"), field(&answer, "edit_token")));
    }
    let edits = posted.iter().enumerate().map(|(n, (id, edit_token))| {
        let app = &app;
        async move { patch(app, id, Some(edit_token), &format!("Edited remark {n}.")).await }
    });
    let closing = set_article(&app, &token, "live-blog", close("the live blog ended"));
    let (answers, ()) =
        futures_util::future::join(futures_util::future::join_all(edits), closing).await;
    for (n, (answer, (id, _))) in answers.into_iter().zip(&posted).enumerate() {
        let (body, revisions) = stored_text(&app, id);
        match answer.status().as_u16() {
            200 => assert_eq!((body, revisions), (format!("Edited remark {n}."), 1)),
            409 => {
                assert_refused_as_closed(answer).await;
                assert_eq!((body, revisions), (format!("Original remark {n}."), 0));
            }
            other => panic!("unexpected {other}"),
        }
    }
    // Once the close returned, no edit gets in.
    let (id, edit_token) = &posted[0];
    assert_refused_as_closed(patch(&app, id, Some(edit_token), "Too late.").await).await;
}
