//! Moderators change their minds: a decision names the status it expects (compare-and-set), a
//! change is audited `from -> to`, a stale expectation is a 409 naming who changed the comment
//! and when, bulk actions say what they did to each comment, and learning keeps one label.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use crate::reader_edits::patch;
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    a_moderator_turns_an_approval_into_a_rejection_audited_from_and_to,
    a_stale_expected_status_is_409_naming_who_changed_it_and_when,
    a_readers_edit_is_named_when_it_changed_the_status_first,
    an_unknown_expected_status_is_400,
    bulk_reports_what_happened_to_each_comment_and_why,
    an_edit_takes_back_the_label_of_the_text_it_replaced,
);

async fn decide(app: &TestApp, token: &str, id: &str, action: &str, body: Value) -> (u16, Value) {
    let response = app
        .authed(
            Method::POST,
            &format!("/api/v1/moderation/comments/{id}/{action}"),
            token,
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Alice's session, and a comment the rules held.
async fn alice_and_a_held_comment(app: &TestApp) -> (String, Value) {
    let alice = app.token_for("alice", Role::Moderator).await;
    let held = app.submit(Comment::new("Text me 0123 456 7890")).await;
    (alice, held)
}

fn labels(app: &TestApp) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use gatehouse::storage::schema::learned_labels;
    let mut conn = app.pool().get().unwrap();
    learned_labels::table
        .select((learned_labels::doc_key, learned_labels::label))
        .load(&mut conn)
        .unwrap()
}

async fn a_moderator_turns_an_approval_into_a_rejection_audited_from_and_to(db: Db) {
    let app = TestApp::spawn(db).await;
    let (alice, held) = alice_and_a_held_comment(&app).await;
    let id = held["id"].as_str().unwrap();
    let (status, _) = decide(&app, &alice, id, "approve", json!({})).await;
    assert_eq!(status, 200);

    // Without expected_status, the first decision stands: what clients did before.
    let (status, body) = decide(&app, &alice, id, "reject", json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "already_decided");
    assert_eq!(body["error"]["current_status"], "published");
    assert_eq!(body["error"]["changed_by"], "alice");

    let (status, body) = decide(
        &app,
        &alice,
        id,
        "reject",
        json!({"expected_status": "published", "reason": "a reader complained"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "rejected");
    assert_eq!(body["previous_status"], "published");
    assert_eq!(body["changed"], true);
    assert!(
        app.list("a1", "").await.json::<Value>().await.unwrap()["comments"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let log = app
        .get_json(&alice, &format!("/api/v1/moderation/log?target_id={id}"))
        .await;
    let change = &log["entries"][0];
    assert_eq!(change["action"], "reject");
    assert_eq!(change["before"]["status"], "published");
    assert_eq!(change["after"]["status"], "rejected");
    assert_eq!(change["details"]["from"], "published");
    assert_eq!(change["details"]["to"], "rejected");
    assert_eq!(change["reason"], "a reader complained");
    assert_eq!(log["entries"].as_array().unwrap().len(), 2);

    // Decided twice, learned once, with the latest label.
    assert_eq!(
        labels(&app),
        [(format!("comment:{id}"), "spam".to_string())]
    );
}

async fn a_stale_expected_status_is_409_naming_who_changed_it_and_when(db: Db) {
    let app = TestApp::spawn(db).await;
    let alice = app.token_for("alice", Role::Moderator).await;
    let bruno = app.token_for("bruno", Role::Moderator).await;
    let held = app.submit(Comment::new("Text me 0123 456 7890")).await;
    let id = held["id"].as_str().unwrap();
    let (_, approved) = decide(
        &app,
        &alice,
        id,
        "approve",
        json!({"expected_status": "pending"}),
    )
    .await;

    let (status, body) = decide(
        &app,
        &bruno,
        id,
        "reject",
        json!({"expected_status": "pending"}),
    )
    .await;
    assert_eq!(status, 409);
    let error = &body["error"];
    assert_eq!(error["code"], "status_changed");
    assert_eq!(error["current_status"], "published");
    assert_eq!(error["changed_by"], "alice");
    assert_eq!(error["changed_at"], approved["decided_at"]);
    assert!(
        error["message"].as_str().unwrap().contains("alice"),
        "{error}"
    );
    let (comment_status, _) = app.stored_verdict(id);
    assert_eq!(comment_status, "published", "nothing changed");

    // Expecting what is there now, bruno's change goes through.
    let (status, _) = decide(
        &app,
        &bruno,
        id,
        "reject",
        json!({"expected_status": "published"}),
    )
    .await;
    assert_eq!(status, 200);
}

async fn a_readers_edit_is_named_when_it_changed_the_status_first(db: Db) {
    let app = TestApp::spawn(db).await;
    let alice = app.token_for("alice", Role::Moderator).await;
    let posted = app.submit(Comment::new("A fine comment.")).await;
    let id = posted["id"].as_str().unwrap();
    let token = posted["edit_token"].as_str().unwrap();
    let edited = patch(&app, id, Some(token), "Now call me on 0123 456 7890").await;
    assert_eq!(edited.status().as_u16(), 200);

    let (status, body) = decide(
        &app,
        &alice,
        id,
        "reject",
        json!({"expected_status": "published"}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["changed_by"], "reader");
    assert_eq!(body["error"]["current_status"], "pending");
}

async fn an_unknown_expected_status_is_400(db: Db) {
    let app = TestApp::spawn(db).await;
    let (alice, held) = alice_and_a_held_comment(&app).await;
    let id = held["id"].as_str().unwrap();
    let (status, body) = decide(
        &app,
        &alice,
        id,
        "approve",
        json!({"expected_status": "gone"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "expected_status");
}

async fn bulk_reports_what_happened_to_each_comment_and_why(db: Db) {
    let app = TestApp::spawn(db).await;
    let alice = app.token_for("alice", Role::Moderator).await;
    let bruno = app.token_for("bruno", Role::Moderator).await;
    let pending = app
        .submit(Comment::new("Text me 0123 456 7890").by("P"))
        .await;
    let approved = app.submit(Comment::new("Ring 0123 456 7891").by("A")).await;
    let rejected = app.submit(Comment::new("Dial 0123 456 7892").by("R")).await;
    let (p, a, r) = (
        pending["id"].as_str().unwrap(),
        approved["id"].as_str().unwrap(),
        rejected["id"].as_str().unwrap(),
    );
    decide(&app, &alice, a, "approve", json!({})).await;
    decide(&app, &alice, r, "reject", json!({})).await;
    let unknown = "01890000-0000-7000-8000-000000000000";

    let bulk = |body: Value| {
        let app = &app;
        let bruno = bruno.clone();
        async move {
            let response = app
                .authed(Method::POST, "/api/v1/moderation/bulk", &bruno)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let answer = bulk(json!({"action": "reject", "ids": [p, a, r, unknown]})).await;
    assert_eq!(answer["changed"], 1);
    assert_eq!(answer["skipped"], 3);
    let results = answer["results"].as_array().unwrap();
    assert_eq!(
        results[0],
        json!({"id": p, "outcome": "changed", "from": "pending"})
    );
    assert_eq!(results[1]["outcome"], "skipped");
    assert_eq!(results[1]["current_status"], "published");
    assert_eq!(results[1]["changed_by"], "alice");
    assert!(results[1]["changed_at"].is_string());
    assert_eq!(results[2], json!({"id": r, "outcome": "unchanged"}));
    assert_eq!(results[3], json!({"id": unknown, "outcome": "not_found"}));

    // Expecting "published", the approved one changes; the others are named with their status.
    let answer =
        bulk(json!({"action": "reject", "ids": [a, p], "expected_status": "published"})).await;
    let results = answer["results"].as_array().unwrap();
    assert_eq!(
        results[0],
        json!({"id": a, "outcome": "changed", "from": "published"})
    );
    assert_eq!(results[1], json!({"id": p, "outcome": "unchanged"}));

    // By filter, with an expected status, decided comments are included.
    let answer = bulk(json!({"action": "approve", "filter": {"status": "rejected"}, "expected_status": "rejected"})).await;
    assert_eq!(answer["changed"], 3);
    let (status, _) = app.stored_verdict(r);
    assert_eq!(status, "published");
}

async fn an_edit_takes_back_the_label_of_the_text_it_replaced(db: Db) {
    use diesel::prelude::*;
    use gatehouse::storage::schema::learned_state;
    let app = TestApp::spawn(db).await;
    let (alice, held) = alice_and_a_held_comment(&app).await;
    let id = held["id"].as_str().unwrap();
    let (status, _) = decide(
        &app,
        &alice,
        id,
        "approve",
        json!({"expected_status": "pending"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(labels(&app), [(format!("comment:{id}"), "ham".to_string())]);

    let token = held["edit_token"].as_str().unwrap();
    let edited = patch(&app, id, Some(token), "A different thought entirely.").await;
    assert_eq!(edited.status().as_u16(), 200);
    assert!(
        labels(&app).is_empty(),
        "the approval was about the words replaced"
    );

    let (status, _) = decide(
        &app,
        &alice,
        id,
        "reject",
        json!({"expected_status": "published"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        labels(&app),
        [(format!("comment:{id}"), "spam".to_string())]
    );
    let mut conn = app.pool().get().unwrap();
    let docs: (i64, i64) = learned_state::table
        .select((learned_state::ham_docs, learned_state::spam_docs))
        .first(&mut conn)
        .unwrap();
    assert_eq!(docs, (0, 1));
}
