//! The moderation queue and decisions: what moderators see, approving and rejecting (alone, in
//! bulk, and racing each other), and the audit trail they leave.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    queue_shows_held_comments_with_their_explanation_and_history,
    the_authors_record_follows_decisions_and_changes_of_mind,
    queue_filters_by_rule_article_and_author,
    queue_pages_stay_stable_while_comments_arrive,
    approving_publishes_at_once_and_is_audited,
    conflicting_decision_is_409_naming_who_and_when,
    repeating_the_same_decision_is_harmless,
    fifty_concurrent_decisions_have_one_winner_and_one_audit_row,
    bulk_decides_by_ids_and_by_filter,
);

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) async fn decide(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
) -> reqwest::Response {
    app.authed(
        Method::POST,
        &format!("/api/v1/moderation/comments/{id}/{action}"),
        token,
    )
    .json(&json!({"reason": "test"}))
    .send()
    .await
    .unwrap()
}

async fn queue_shows_held_comments_with_their_explanation_and_history(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let bob = |body| Comment::new(body).by("Bob").email("bob@example.org");
    app.submit(bob("First, a fine comment.")).await;
    app.submit(bob("Second, buy viagra")).await;
    let held = app.submit(bob("Call me on 0123 456 7890")).await;
    assert_eq!(held["status"], "pending");
    let page = app.get_json(&token, "/api/v1/moderation/queue").await;
    assert_eq!(ids(&page), [held["id"].as_str().unwrap()]);
    let item = &page["items"][0];
    assert_eq!(item["author_email"], "bob@example.org");
    assert_eq!(item["client_ip"], "127.0.0.1");
    assert_eq!(item["status"], "pending");
    assert_eq!(item["matches"][0]["rule_id"], "privacy.phone");
    let hit = &item["matches"][0]["hits"][0];
    let body = item["body"].as_str().unwrap();
    assert_eq!(
        &body[hit["start"].as_u64().unwrap() as usize..hit["end"].as_u64().unwrap() as usize],
        "0123 456 7890"
    );
    assert_eq!(item["rules_version"].as_str().unwrap().len(), 64);
    assert_eq!(item["author_history"]["published"], 1);
    assert_eq!(item["author_history"]["rejected"], 1);
    assert_eq!(item["author_history"]["pending"], 1);
    assert!(item["author_history"]["first_seen"].is_string());
    assert_eq!(item["flags"]["count"], 0);
    let rejected = app
        .get_json(&token, "/api/v1/moderation/queue?status=rejected")
        .await;
    assert_eq!(rejected["items"][0]["body"], "Second, buy viagra");
}

async fn the_authors_record_follows_decisions_and_changes_of_mind(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let bob = |body| Comment::new(body).by("Bob").email("bob@example.org");
    let first = app.submit(bob("Call me on 0123 456 7890")).await;
    let second = app.submit(bob("Or text me on 0123 456 7891")).await;
    assert_eq!(second["status"], "pending");
    let (first, second) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );
    let record = |page: &Value| {
        let history = &page["items"][0]["author_history"];
        (
            history["published"].as_i64().unwrap(),
            history["pending"].as_i64().unwrap(),
            history["rejected"].as_i64().unwrap(),
        )
    };
    let queue = |status: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            app.get_json(token, &format!("/api/v1/moderation/queue?status={status}"))
                .await
        }
    };
    assert_eq!(record(&queue("pending").await), (0, 2, 0));
    assert_eq!(decide(&app, &token, first, "approve").await.status(), 200);
    assert_eq!(record(&queue("pending").await), (1, 1, 0));
    assert_eq!(decide(&app, &token, second, "reject").await.status(), 200);
    assert_eq!(record(&queue("rejected").await), (1, 0, 1));
    let changed = app
        .authed(
            Method::POST,
            &format!("/api/v1/moderation/comments/{second}/approve"),
            &token,
        )
        .json(&json!({"expected_status": "rejected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(record(&queue("published").await), (2, 0, 0));
}

async fn queue_filters_by_rule_article_and_author(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let phone = app
        .submit(Comment::new("Ring 0123 456 7890").by("Ann"))
        .await;
    let other_article = app
        .submit(Comment::new("Ring 0987 654 3210").by("Ann").on("a2"))
        .await;
    let money = app
        .submit(
            Comment::new("Easy money https://a.x/1 https://b.x/2 https://c.x/3")
                .by("Cy")
                .email("cy@example.org"),
        )
        .await;
    let by_rule = app
        .get_json(&token, "/api/v1/moderation/queue?rule=links.many")
        .await;
    assert_eq!(ids(&by_rule), [money["id"].as_str().unwrap()]);
    let by_article = app
        .get_json(&token, "/api/v1/moderation/queue?article_id=a2")
        .await;
    assert_eq!(ids(&by_article), [other_article["id"].as_str().unwrap()]);
    let by_author = app
        .get_json(&token, "/api/v1/moderation/queue?author=CY%40example.org")
        .await;
    assert_eq!(ids(&by_author), [money["id"].as_str().unwrap()]);
    let by_name = app
        .get_json(&token, "/api/v1/moderation/queue?author=ann&article_id=a1")
        .await;
    assert_eq!(ids(&by_name), [phone["id"].as_str().unwrap()]);
    let bad = app
        .authed(
            Method::GET,
            "/api/v1/moderation/queue?status=everything",
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

async fn queue_pages_stay_stable_while_comments_arrive(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let mut expected = Vec::new();
    for i in 0..5 {
        let c = app
            .submit(Comment::new(&format!("Phone {i}: 0123 456 78{i}0")).by(&format!("r{i}")))
            .await;
        expected.push(c["id"].as_str().unwrap().to_string());
    }
    let first = app
        .get_json(&token, "/api/v1/moderation/queue?limit=2")
        .await;
    // New comments arrive between pages: they join the end, nothing shifts or repeats.
    for i in 5..7 {
        let c = app
            .submit(Comment::new(&format!("Phone {i}: 0123 456 78{i}0")).by(&format!("r{i}")))
            .await;
        expected.push(c["id"].as_str().unwrap().to_string());
    }
    let mut seen = ids(&first);
    let mut cursor = first["next_cursor"].as_str().map(str::to_string);
    while let Some(c) = cursor {
        let page = app
            .get_json(
                &token,
                &format!("/api/v1/moderation/queue?limit=2&cursor={c}"),
            )
            .await;
        seen.extend(ids(&page));
        cursor = page["next_cursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen, expected, "oldest first, every comment exactly once");
}

async fn approving_publishes_at_once_and_is_audited(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let held = app
        .submit(Comment::new("My number is 0123 456 7890").by("Ann"))
        .await;
    let id = held["id"].as_str().unwrap();
    let before: Value = app.list("a1", "").await.json().await.unwrap();
    assert_eq!(before["comments"].as_array().unwrap().len(), 0);
    let response = decide(&app, &token, id, "approve").await;
    assert_eq!(response.status().as_u16(), 200);
    let decision: Value = response.json().await.unwrap();
    assert_eq!(decision["status"], "published");
    assert_eq!(decision["decided_by"], "mod");
    assert_eq!(decision["changed"], true);
    let after: Value = app.list("a1", "").await.json().await.unwrap();
    assert_eq!(after["comments"][0]["id"], id);
    let log = app
        .get_json(&token, &format!("/api/v1/moderation/log?target_id={id}"))
        .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "approve");
    assert_eq!(entry["actor"], "mod");
    assert_eq!(entry["before"]["status"], "pending");
    assert_eq!(entry["after"]["status"], "published");
    assert_eq!(entry["reason"], "test");
    let unknown = decide(
        &app,
        &token,
        "01890000-0000-7000-8000-000000000000",
        "approve",
    )
    .await;
    assert_eq!(unknown.status().as_u16(), 404);
}

async fn conflicting_decision_is_409_naming_who_and_when(db: Db) {
    let app = TestApp::spawn(db).await;
    let first = app.token_for("alice", Role::Moderator).await;
    let second = app.token_for("bruno", Role::Moderator).await;
    let held = app
        .submit(Comment::new("Text me 0123 456 7890").by("Ann"))
        .await;
    let id = held["id"].as_str().unwrap();
    assert_eq!(
        decide(&app, &first, id, "reject").await.status().as_u16(),
        200
    );
    let conflict = decide(&app, &second, id, "approve").await;
    assert_eq!(conflict.status().as_u16(), 409);
    let body: Value = conflict.json().await.unwrap();
    assert_eq!(body["error"]["code"], "already_decided");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("alice") && message.contains("rejected") && message.contains("20"),
        "{message}"
    );
}

async fn repeating_the_same_decision_is_harmless(db: Db) {
    let app = TestApp::spawn(db).await;
    let first = app.token_for("alice", Role::Moderator).await;
    let second = app.token_for("bruno", Role::Moderator).await;
    let held = app
        .submit(Comment::new("Text me 0123 456 7890").by("Ann"))
        .await;
    let id = held["id"].as_str().unwrap();
    decide(&app, &first, id, "approve").await;
    let again = decide(&app, &second, id, "approve").await;
    assert_eq!(again.status().as_u16(), 200);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["changed"], false);
    assert_eq!(body["decided_by"], "alice");
    let log = app
        .get_json(&first, &format!("/api/v1/moderation/log?target_id={id}"))
        .await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);
}

async fn fifty_concurrent_decisions_have_one_winner_and_one_audit_row(db: Db) {
    let app = TestApp::spawn(db).await;
    let approver = app.token_for("alice", Role::Moderator).await;
    let rejecter = app.token_for("bruno", Role::Moderator).await;
    for round in 0..3 {
        let held = app
            .submit(Comment::new(&format!("Round {round}: text me 0123 456 7890")).by("Ann"))
            .await;
        let id = held["id"].as_str().unwrap().to_string();
        let requests = (0..50).map(|i| {
            let (token, action) = if i % 2 == 0 {
                (&approver, "approve")
            } else {
                (&rejecter, "reject")
            };
            decide(&app, token, &id, action)
        });
        let responses = futures_util::future::join_all(requests).await;
        assert_eq!(
            count_changed(responses).await,
            1,
            "exactly one request changed the comment"
        );
        let log = app
            .get_json(&approver, &format!("/api/v1/moderation/log?target_id={id}"))
            .await;
        assert_eq!(
            log["entries"].as_array().unwrap().len(),
            1,
            "exactly one audit row"
        );
    }
}

/// How many of racing decisions changed the comment; each must be 200 or 409.
pub(crate) async fn count_changed(responses: Vec<reqwest::Response>) -> usize {
    let mut changed = 0;
    for response in responses {
        let status = response.status().as_u16();
        assert!(status == 200 || status == 409, "{status}");
        if status == 200 {
            let body: Value = response.json().await.unwrap();
            changed += usize::from(body["changed"] == true);
        }
    }
    changed
}

async fn bulk_decides_by_ids_and_by_filter(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let mut phones = Vec::new();
    for i in 0..4 {
        let c = app
            .submit(Comment::new(&format!("Number {i}: 0123 456 78{i}0")).by(&format!("p{i}")))
            .await;
        phones.push(c["id"].as_str().unwrap().to_string());
    }
    let money = app
        .submit(Comment::new("Easy money https://a.x/1 https://b.x/2 https://c.x/3").by("m"))
        .await;
    let bulk = |body: Value| {
        app.authed(Method::POST, "/api/v1/moderation/bulk", &token)
            .json(&body)
            .send()
    };

    let by_ids: Value = bulk(json!({"action": "approve", "ids": [phones[0], phones[1], "01890000-0000-7000-8000-000000000000"]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_ids["changed"], 2);
    assert_eq!(by_ids["skipped"], 1);

    let before = gatehouse::timestamps::rfc3339(gatehouse::timestamps::now());
    let by_filter = bulk(json!({"action": "reject", "filter": {"status": "pending", "rule": "privacy.phone", "before": before}, "reason": "phone spam wave"}))
        .await
        .unwrap();
    assert_eq!(by_filter.status().as_u16(), 200);
    let by_filter: Value = by_filter.json().await.unwrap();
    assert_eq!(by_filter["changed"], 2);
    let mut changed: Vec<String> = by_filter["changed_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    changed.sort();
    assert_eq!(changed, [phones[2].clone(), phones[3].clone()]);
    let still_pending = app.get_json(&token, "/api/v1/moderation/queue").await;
    assert_eq!(ids(&still_pending), [money["id"].as_str().unwrap()]);

    let log = app
        .get_json(&token, "/api/v1/moderation/log?action=bulk_reject")
        .await;
    assert_eq!(log["entries"][0]["details"]["changed"], 2);
    assert_eq!(log["entries"][0]["reason"], "phone spam wave");
    let per_comment = app
        .get_json(
            &token,
            &format!("/api/v1/moderation/log?target_id={}", phones[3]),
        )
        .await;
    assert_eq!(per_comment["entries"][0]["action"], "reject");

    let neither = bulk(json!({"action": "reject"})).await.unwrap();
    assert_eq!(neither.status().as_u16(), 400);
    let bad_action = bulk(json!({"action": "delete", "ids": [phones[0]]}))
        .await
        .unwrap();
    assert_eq!(bad_action.status().as_u16(), 400);
}
