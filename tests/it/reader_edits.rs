//! Readers edit and delete their own comments with the edit token of the submission, within
//! the edit window: edits are judged again, earlier text is kept for moderators, wrong tokens
//! and closed windows change nothing, and a removed comment with replies stays a placeholder.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    a_submission_returns_an_edit_token_once_and_stores_only_its_hash,
    an_edit_is_judged_again_and_a_clean_comment_edited_into_spam_goes_to_the_queue,
    a_clean_edit_shows_the_new_text_marked_edited,
    a_wrong_or_missing_token_is_403_and_changes_nothing,
    an_edit_after_the_window_is_410_and_changes_nothing,
    a_delete_hides_the_text_and_keeps_the_row_for_moderators,
    an_edit_that_loses_to_a_moderators_decision_changes_nothing,
    a_comment_a_moderator_rejected_cannot_be_edited_back,
    reader_edits_spend_the_comment_rate_limit,
    removed_comments_with_published_replies_stay_as_placeholders,
);

pub(crate) async fn patch(
    app: &TestApp,
    id: &str,
    token: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let mut request = app
        .client
        .patch(app.url(&format!("/api/v1/comments/{id}")))
        .json(&json!({ "body": body }));
    if let Some(token) = token {
        request = request.header("Edit-Token", token);
    }
    request.send().await.unwrap()
}

pub(crate) async fn delete(app: &TestApp, id: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .delete(app.url(&format!("/api/v1/comments/{id}")));
    if let Some(token) = token {
        request = request.header("Edit-Token", token);
    }
    request.send().await.unwrap()
}

fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {value}"))
        .to_string()
}

async fn public_thread(app: &TestApp, article: &str) -> Vec<Value> {
    let response = app.list(article, "").await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    body["comments"].as_array().unwrap().clone()
}

/// The payloads of the webhook events of `event_type` waiting in the outbox.
fn outbox_payloads(app: &TestApp, event_type: &str) -> Vec<Value> {
    use diesel::prelude::*;
    use gatehouse::storage::schema::webhook_outbox;
    let mut conn = app.pool().get().unwrap();
    let payloads: Vec<String> = webhook_outbox::table
        .filter(webhook_outbox::event_type.eq(event_type))
        .select(webhook_outbox::payload)
        .load(&mut conn)
        .unwrap();
    payloads
        .iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect()
}

/// What `GET /api/v1/articles/counts` says of article a1.
async fn counts_of_a1(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/articles/counts?ids=a1"))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

/// A moderator rejects a published comment (a change of mind).
pub(crate) async fn reject_published(app: &TestApp, moderator: &str, id: &str) {
    let rejected = app
        .authed(
            Method::POST,
            &format!("/api/v1/moderation/comments/{id}/reject"),
            moderator,
        )
        .json(&json!({"expected_status": "published"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status().as_u16(), 200);
}

async fn queue_item(app: &TestApp, token: &str, status: &str, id: &str) -> Value {
    let page = app
        .get_json(token, &format!("/api/v1/moderation/queue?status={status}"))
        .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not in the {status} queue: {page}"))
}

async fn a_submission_returns_an_edit_token_once_and_stores_only_its_hash(db: Db) {
    let app = TestApp::spawn(db).await;
    let response = app
        .client
        .post(app.url("/api/v1/articles/a1/comments"))
        .header("Idempotency-Key", "key-1")
        .json(&json!({"author_name": "Ann", "body": "A fine point."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let first: Value = response.json().await.unwrap();
    let token = text(&first, "edit_token");
    assert_eq!(token.len(), 43, "256 bits in base64url");
    let created = gatehouse::timestamps::parse_rfc3339(&text(&first, "created_at")).unwrap();
    let until = gatehouse::timestamps::parse_rfc3339(&text(&first, "editable_until")).unwrap();
    assert_eq!(
        until - created,
        time::Duration::minutes(15),
        "the default window"
    );

    let replay: Value = app
        .client
        .post(app.url("/api/v1/articles/a1/comments"))
        .header("Idempotency-Key", "key-1")
        .json(&json!({"author_name": "Ann", "body": "A fine point."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(replay["id"], first["id"]);
    assert!(
        replay["edit_token"].is_null(),
        "a replay hands out no token: {replay}"
    );

    use diesel::prelude::*;
    use gatehouse::storage::schema::comment_edit_grants;
    let mut conn = app.pool().get().unwrap();
    let stored: Vec<String> = comment_edit_grants::table
        .select(comment_edit_grants::token_hash)
        .load(&mut conn)
        .unwrap();
    assert_eq!(stored, [gatehouse::auth::token::hash(&token)]);
    assert_ne!(stored[0], token);
}

async fn an_edit_is_judged_again_and_a_clean_comment_edited_into_spam_goes_to_the_queue(db: Db) {
    let app = TestApp::spawn(db).await;
    let moderator = app.token_for("mod", Role::Moderator).await;
    let posted = app.submit(Comment::new("Great reporting.")).await;
    assert_eq!(posted["status"], "published");
    let (id, token) = (text(&posted, "id"), text(&posted, "edit_token"));

    let response = patch(&app, &id, Some(&token), "Call me on 0123 456 7890").await;
    assert_eq!(response.status().as_u16(), 200);
    let edited: Value = response.json().await.unwrap();
    assert_eq!(edited["status"], "pending");
    assert_eq!(edited["message"], "Your comment is awaiting moderation.");

    assert!(
        public_thread(&app, "a1").await.is_empty(),
        "held after the edit"
    );
    let (status, verdict) = app.stored_verdict(&id);
    assert_eq!(status, "pending");
    assert_eq!(verdict["matches"][0]["rule_id"], "privacy.phone");
    let item = queue_item(&app, &moderator, "pending", &id).await;
    assert_eq!(item["body"], "Call me on 0123 456 7890");
    assert_eq!(item["matches"][0]["rule_id"], "privacy.phone");
    assert!(item["edited_at"].is_string());
    assert_eq!(item["revisions"][0]["kind"], "edit");
    assert_eq!(item["revisions"][0]["body"], "Great reporting.");
    assert_eq!(item["revisions"][0]["status"], "published");
    let held = outbox_payloads(&app, "comment.held");
    assert_eq!(
        held.len(),
        1,
        "held again: the moderators' webhook hears of it"
    );
    assert_eq!(held[0]["comment_id"], id.as_str());
    assert_eq!(held[0]["edited"], true);

    let log = app
        .get_json(
            &moderator,
            &format!("/api/v1/moderation/log?target_id={id}"),
        )
        .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "reader_edit");
    assert_eq!(entry["actor"], "reader");
    assert_eq!(entry["before"]["status"], "published");
    assert_eq!(entry["after"]["status"], "pending");
}

async fn a_clean_edit_shows_the_new_text_marked_edited(db: Db) {
    let app = TestApp::spawn(db).await;
    let posted = app.submit(Comment::new("Teh budget is late.")).await;
    let (id, token) = (text(&posted, "id"), text(&posted, "edit_token"));
    let thread = public_thread(&app, "a1").await;
    assert!(thread[0]["edited_at"].is_null());

    let response = patch(&app, &id, Some(&token), "The budget is late.").await;
    assert_eq!(response.status().as_u16(), 200);
    let edited: Value = response.json().await.unwrap();
    assert_eq!(edited["status"], "published");
    assert_eq!(edited["editable_until"], posted["editable_until"]);

    let thread = public_thread(&app, "a1").await;
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0]["body"], "The budget is late.");
    assert_eq!(thread[0]["edited_at"], edited["edited_at"]);
    assert_eq!(thread[0]["removed"], false);
}

async fn a_wrong_or_missing_token_is_403_and_changes_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let mine = app.submit(Comment::new("My words.")).await;
    let theirs = app.submit(Comment::new("Their words.").by("Other")).await;
    let id = text(&mine, "id");
    let other_token = text(&theirs, "edit_token");

    for token in [Some(other_token.as_str()), Some("not-a-token"), None] {
        let response = patch(&app, &id, token, "Hijacked.").await;
        assert_eq!(response.status().as_u16(), 403, "{token:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "edit_forbidden");
        assert_eq!(body["error"]["field"], "edit-token");
        assert_eq!(delete(&app, &id, token).await.status().as_u16(), 403);
    }
    let thread = public_thread(&app, "a1").await;
    assert_eq!(thread[0]["body"], "My words.");
    assert!(thread[0]["edited_at"].is_null());
    assert_eq!(thread.len(), 2, "nothing deleted");
    let unknown = patch(
        &app,
        "01890000-0000-7000-8000-000000000000",
        Some(&other_token),
        "x",
    )
    .await;
    assert_eq!(unknown.status().as_u16(), 404);
}

async fn an_edit_after_the_window_is_410_and_changes_nothing(db: Db) {
    let rules = format!("{TEST_RULES}\n{GENEROUS_LIMITS}\n[moderation]\nedit_window = \"1s\"\n");
    let app = TestApp::builder(db).rules(rules).spawn().await;
    let posted = app.submit(Comment::new("Before the window closed.")).await;
    let (id, token) = (text(&posted, "id"), text(&posted, "edit_token"));
    let created = gatehouse::timestamps::parse_rfc3339(&text(&posted, "created_at")).unwrap();
    let until = gatehouse::timestamps::parse_rfc3339(&text(&posted, "editable_until")).unwrap();
    assert_eq!(until - created, time::Duration::seconds(1));

    // Wait only until the window has passed.
    let left = until - gatehouse::timestamps::now() + time::Duration::milliseconds(50);
    if left.is_positive() {
        tokio::time::sleep(left.unsigned_abs()).await;
    }
    let response = patch(&app, &id, Some(&token), "After it closed.").await;
    assert_eq!(response.status().as_u16(), 410);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "edit_window_closed");
    assert_eq!(delete(&app, &id, Some(&token)).await.status().as_u16(), 410);
    let thread = public_thread(&app, "a1").await;
    assert_eq!(thread[0]["body"], "Before the window closed.");
    assert!(thread[0]["edited_at"].is_null());
}

async fn a_delete_hides_the_text_and_keeps_the_row_for_moderators(db: Db) {
    let app = TestApp::spawn(db).await;
    let moderator = app.token_for("mod", Role::Moderator).await;
    let posted = app.submit(Comment::new("Regrettable words.")).await;
    let (id, token) = (text(&posted, "id"), text(&posted, "edit_token"));
    app.submit(Comment::new("Another comment.").by("Other"))
        .await;

    assert_eq!(delete(&app, &id, Some(&token)).await.status().as_u16(), 204);
    assert_eq!(
        delete(&app, &id, Some(&token)).await.status().as_u16(),
        204,
        "a retry"
    );
    let thread = public_thread(&app, "a1").await;
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0]["body"], "Another comment.");
    let counts = counts_of_a1(&app).await;
    assert_eq!(counts["counts"]["a1"], 1, "{counts}");

    let item = queue_item(&app, &moderator, "published", &id).await;
    assert_eq!(item["body"], "Regrettable words.");
    assert!(item["deleted_at"].is_string());
    assert_eq!(item["revisions"][0]["kind"], "delete");
    let log = app
        .get_json(
            &moderator,
            &format!("/api/v1/moderation/log?target_id={id}"),
        )
        .await;
    assert_eq!(
        log["entries"].as_array().unwrap().len(),
        1,
        "one delete audited"
    );
    assert_eq!(log["entries"][0]["action"], "reader_delete");

    let edit = patch(&app, &id, Some(&token), "Back again.").await;
    assert_eq!(edit.status().as_u16(), 410);
}

async fn an_edit_that_loses_to_a_moderators_decision_changes_nothing(db: Db) {
    use gatehouse::storage::reader_edits::{self, EditedText};
    let app = TestApp::spawn(db).await;
    let moderator = app.token_for("mod", Role::Moderator).await;
    let held = app.submit(Comment::new("Call me on 0123 456 7890")).await;
    let id = text(&held, "id");
    let pool = app.pool();
    let mut conn = pool.get().unwrap();
    // The edit has read the comment ...
    let (seen, _) = reader_edits::find_editable(&mut conn, &id)
        .unwrap()
        .unwrap();
    // ... a moderator approves it meanwhile ...
    let decided = crate::queue_and_decisions::decide(&app, &moderator, &id, "approve").await;
    assert_eq!(decided.status().as_u16(), 200);
    // ... and the edit's compare-and-set finds the comment changed.
    let text = EditedText {
        body: "Edited text",
        body_fingerprint: "x",
        status: "published",
        score: 0.0,
        verdict: "{}",
        rules_version: "v",
        edited_at: gatehouse::timestamps::now(),
    };
    assert!(!reader_edits::replace_text(&mut conn, &seen, &text).unwrap());
    let item = queue_item(&app, &moderator, "published", &id).await;
    assert_eq!(item["body"], "Call me on 0123 456 7890");
    assert_eq!(item["decided_by"], "mod");
    assert!(item["edited_at"].is_null());
}

async fn a_comment_a_moderator_rejected_cannot_be_edited_back(db: Db) {
    let app = TestApp::spawn(db).await;
    let moderator = app.token_for("mod", Role::Moderator).await;
    let posted = app.submit(Comment::new("Rude words here.")).await;
    let (id, token) = (text(&posted, "id"), text(&posted, "edit_token"));
    reject_published(&app, &moderator, &id).await;
    let response = patch(&app, &id, Some(&token), "Polite words now.").await;
    assert_eq!(response.status().as_u16(), 403);
    let (status, _) = app.stored_verdict(&id);
    assert_eq!(status, "rejected");
}

async fn reader_edits_spend_the_comment_rate_limit(db: Db) {
    let limits = GENEROUS_LIMITS.replace(
        "per_author  = { burst = 100000, rate = 100000, per = \"second\" }",
        "per_author  = { burst = 1, rate = 1, per = \"hour\" }",
    );
    let app = TestApp::builder(db)
        .rules(format!("{TEST_RULES}\n{limits}"))
        .spawn()
        .await;
    let posted = app.submit(Comment::new("Only one.")).await;
    let (id, token) = (text(&posted, "id"), text(&posted, "edit_token"));
    let response = patch(&app, &id, Some(&token), "Only one, edited.").await;
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(public_thread(&app, "a1").await[0]["body"], "Only one.");
}

async fn removed_comments_with_published_replies_stay_as_placeholders(db: Db) {
    let app = TestApp::spawn(db).await;
    let moderator = app.token_for("mod", Role::Moderator).await;
    let parent = app.submit(Comment::new("The parent.")).await;
    let parent_id = text(&parent, "id");
    let reply = app
        .submit(
            Comment::new("A reply.")
                .by("Replier")
                .reply_to(&parent["id"]),
        )
        .await;
    let own = app
        .submit(Comment::new("Mine, with a reply.").by("Owner"))
        .await;
    app.submit(
        Comment::new("Answer to mine.")
            .by("Replier")
            .reply_to(&own["id"]),
    )
    .await;
    let lonely = app.submit(Comment::new("No replies.").by("Lonely")).await;

    reject_published(&app, &moderator, &parent_id).await;
    let own_token = text(&own, "edit_token");
    assert_eq!(
        delete(&app, &text(&own, "id"), Some(&own_token))
            .await
            .status()
            .as_u16(),
        204
    );
    let lonely_token = text(&lonely, "edit_token");
    assert_eq!(
        delete(&app, &text(&lonely, "id"), Some(&lonely_token))
            .await
            .status()
            .as_u16(),
        204
    );

    let thread = public_thread(&app, "a1").await;
    let shape: Vec<(bool, Value, Value)> = thread
        .iter()
        .map(|c| {
            (
                c["removed"].as_bool().unwrap(),
                c["author_name"].clone(),
                c["body"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (true, Value::Null, Value::Null),
            (false, json!("Replier"), json!("A reply.")),
            (true, Value::Null, Value::Null),
            (false, json!("Replier"), json!("Answer to mine.")),
        ]
    );
    assert_eq!(thread[0]["id"], parent["id"]);
    assert_eq!(thread[1]["id"], reply["id"]);
    assert_eq!(thread[1]["parent_id"], parent["id"]);

    // A page of one reply still carries its placeholder, and the next page does not repeat it.
    let first: Value = app.list("a1", "?limit=1").await.json().await.unwrap();
    assert_eq!(first["comments"].as_array().unwrap().len(), 2);
    assert_eq!(first["comments"][0]["removed"], true);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .list("a1", &format!("?limit=1&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&Value> = second["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&own["id"], &thread[3]["id"]]);

    let counts = counts_of_a1(&app).await;
    assert_eq!(
        counts["counts"]["a1"], 2,
        "only published comments count: {counts}"
    );
}
