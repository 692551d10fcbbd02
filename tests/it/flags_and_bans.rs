//! Readers' flags sending comments back to the queue, and bans on authors and addresses.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    three_readers_flagging_sends_a_comment_back_to_the_queue,
    one_flag_per_reader_and_only_on_published_comments,
    banned_author_is_rejected_without_being_told_why,
    address_bans_cover_networks_and_can_be_lifted,
    expired_ban_no_longer_applies,
    a_ban_bars_an_edit_of_a_comment_posted_before_it,
    site_policy_can_hide_flagged_comments_and_hold_banned_authors,
    audit_entries_write_times_as_rfc3339,
);

async fn proxied_app(db: Db) -> TestApp {
    TestApp::builder(db)
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .spawn()
        .await
}

async fn flag_from(app: &TestApp, ip: &str, id: &str, reason: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/comments/{id}/flags")))
        .header("x-forwarded-for", ip)
        .json(&json!({"reason": reason, "note": "please look"}))
        .send()
        .await
        .unwrap()
}

async fn three_readers_flagging_sends_a_comment_back_to_the_queue(db: Db) {
    let app = proxied_app(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let comment = app
        .submit(
            Comment::new("A perfectly ordinary opinion.")
                .by("Ann")
                .sent_from("198.51.100.1"),
        )
        .await;
    let id = comment["id"].as_str().unwrap();
    for (ip, reason) in [("203.0.113.1", "abuse"), ("203.0.113.2", "spam")] {
        assert_eq!(flag_from(&app, ip, id, reason).await.status().as_u16(), 202);
    }
    let queue: Value = app
        .get_json(&token, "/api/v1/moderation/queue?status=flagged")
        .await;
    assert_eq!(
        queue["items"].as_array().unwrap().len(),
        0,
        "two flags stay under the threshold"
    );
    assert_eq!(
        flag_from(&app, "203.0.113.3", id, "abuse")
            .await
            .status()
            .as_u16(),
        202
    );
    let queue: Value = app
        .get_json(&token, "/api/v1/moderation/queue?status=flagged")
        .await;
    let item = &queue["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["flagged"], true);
    assert_eq!(item["flags"]["count"], 3);
    assert_eq!(item["flags"]["reasons"]["abuse"], 2);
    assert_eq!(item["flags"]["reasons"]["spam"], 1);
    assert_eq!(item["flags"]["notes"].as_array().unwrap().len(), 3);
    let log: Value = app
        .get_json(&token, &format!("/api/v1/moderation/log?target_id={id}"))
        .await;
    assert_eq!(log["entries"][0]["action"], "flag_threshold_crossed");
    assert_eq!(log["entries"][0]["actor"], "readers");

    // Rejecting a flagged comment takes it down and out of the flagged queue.
    let reject = app
        .authed(
            Method::POST,
            &format!("/api/v1/moderation/comments/{id}/reject"),
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reject.status().as_u16(), 200);
    let list: Value = app.list("a1", "").await.json().await.unwrap();
    assert_eq!(list["comments"].as_array().unwrap().len(), 0);
    let queue: Value = app
        .get_json(&token, "/api/v1/moderation/queue?status=flagged")
        .await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);
}

async fn one_flag_per_reader_and_only_on_published_comments(db: Db) {
    let app = proxied_app(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let comment = app
        .submit(
            Comment::new("Nothing wrong here.")
                .by("Ann")
                .sent_from("198.51.100.1"),
        )
        .await;
    let id = comment["id"].as_str().unwrap();
    for _ in 0..5 {
        assert_eq!(
            flag_from(&app, "203.0.113.9", id, "spam")
                .await
                .status()
                .as_u16(),
            202
        );
    }
    let published: Value = app
        .get_json(&token, "/api/v1/moderation/queue?status=published")
        .await;
    assert_eq!(
        published["items"][0]["flags"]["count"], 1,
        "repeats from one reader count once"
    );

    let held = app
        .submit(
            Comment::new("Call 0123 456 7890")
                .by("Bo")
                .sent_from("198.51.100.2"),
        )
        .await;
    let not_visible = flag_from(&app, "203.0.113.9", held["id"].as_str().unwrap(), "spam").await;
    assert_eq!(not_visible.status().as_u16(), 404);
    let unknown = flag_from(
        &app,
        "203.0.113.9",
        "01890000-0000-7000-8000-000000000000",
        "spam",
    )
    .await;
    assert_eq!(unknown.status().as_u16(), 404);
    let bad_reason = flag_from(&app, "203.0.113.9", id, "boring").await;
    assert_eq!(bad_reason.status().as_u16(), 400);
    let body: Value = bad_reason.json().await.unwrap();
    assert_eq!(body["error"]["field"], "reason");
}

async fn ban(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app
        .authed(Method::POST, "/api/v1/moderation/bans", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap()
}

async fn banned_author_is_rejected_without_being_told_why(db: Db) {
    let app = proxied_app(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let before = app
        .submit(
            Comment::new("A clean comment.")
                .by("Troll")
                .email("troll@example.org")
                .sent_from("198.51.100.1"),
        )
        .await;
    assert_eq!(before["status"], "published");
    let created = ban(
        &app,
        &token,
        json!({"kind": "author", "value": "Troll+alt@Example.org", "reason": "repeated abuse"}),
    )
    .await;
    assert_eq!(created["value"], "email:troll@example.org");
    let after = app
        .submit(
            Comment::new("Another clean comment.")
                .by("New Name")
                .email("troll@example.org")
                .sent_from("198.51.100.7"),
        )
        .await;
    assert_eq!(after["status"], "rejected");
    // The same answer any rejected comment gets: nothing mentions a ban.
    let ordinary = app
        .submit(Comment::new("buy viagra").by("P").sent_from("198.51.100.8"))
        .await;
    assert_eq!(after["message"], ordinary["message"]);
    assert!(!after.to_string().to_lowercase().contains("ban"));
    let rejected: Value = app
        .get_json(
            &token,
            "/api/v1/moderation/queue?status=rejected&author=troll%40example.org",
        )
        .await;
    assert_eq!(rejected["items"][0]["matches"][0]["rule_id"], "ban.author");
    let log: Value = app
        .get_json(&token, "/api/v1/moderation/log?action=ban_created")
        .await;
    assert_eq!(log["entries"][0]["reason"], "repeated abuse");
}

async fn address_bans_cover_networks_and_can_be_lifted(db: Db) {
    let app = proxied_app(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let created = ban(
        &app,
        &token,
        json!({"kind": "ip", "value": "203.0.113.0/24"}),
    )
    .await;
    let inside = app
        .submit(
            Comment::new("Hello from inside")
                .by("A")
                .sent_from("203.0.113.77"),
        )
        .await;
    assert_eq!(inside["status"], "rejected");
    let outside = app
        .submit(
            Comment::new("Hello from outside")
                .by("B")
                .sent_from("198.51.100.77"),
        )
        .await;
    assert_eq!(outside["status"], "published");
    let listed: Value = app.get_json(&token, "/api/v1/moderation/bans").await;
    assert_eq!(listed["bans"].as_array().unwrap().len(), 1);
    let id = created["id"].as_str().unwrap();
    let lifted = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/moderation/bans/{id}"),
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(lifted.status().as_u16(), 200);
    let lifted: Value = lifted.json().await.unwrap();
    assert_eq!(lifted["lifted_by"], "mod");
    let again = app
        .submit(
            Comment::new("Hello again from inside")
                .by("A")
                .sent_from("203.0.113.77"),
        )
        .await;
    assert_eq!(again["status"], "published");
    let listed: Value = app.get_json(&token, "/api/v1/moderation/bans").await;
    assert_eq!(listed["bans"].as_array().unwrap().len(), 0);
    let bad = app
        .authed(Method::POST, "/api/v1/moderation/bans", &token)
        .json(&json!({"kind": "ip", "value": "not-an-ip"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

async fn a_ban_bars_an_edit_of_a_comment_posted_before_it(db: Db) {
    let app = proxied_app(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let by_address = app
        .submit(
            Comment::new("Posted before the address ban.")
                .by("A")
                .sent_from("203.0.113.77"),
        )
        .await;
    let by_author = app
        .submit(
            Comment::new("Posted before the author ban.")
                .by("Troll")
                .sent_from("198.51.100.7"),
        )
        .await;
    let untouched = app
        .submit(
            Comment::new("Posted by nobody banned.")
                .by("C")
                .sent_from("198.51.100.9"),
        )
        .await;
    ban(
        &app,
        &token,
        json!({"kind": "ip", "value": "203.0.113.0/24"}),
    )
    .await;
    ban(&app, &token, json!({"kind": "author", "value": "Troll"})).await;
    for (posted, expected) in [
        (&by_address, "rejected"),
        (&by_author, "rejected"),
        (&untouched, "published"),
    ] {
        let id = posted["id"].as_str().unwrap();
        let edit_token = posted["edit_token"].as_str().unwrap();
        let response =
            crate::reader_edits::patch(&app, id, Some(edit_token), "Edited after the bans.").await;
        assert_eq!(response.status().as_u16(), 200);
        let edited: Value = response.json().await.unwrap();
        assert_eq!(edited["status"], expected, "{posted}");
    }
}

async fn expired_ban_no_longer_applies(db: Db) {
    let app = proxied_app(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let soon =
        gatehouse::timestamps::rfc3339(gatehouse::timestamps::now() + time::Duration::hours(1));
    ban(
        &app,
        &token,
        json!({"kind": "author", "value": "Temp", "expires_at": soon}),
    )
    .await;
    let during = app
        .submit(
            Comment::new("During the ban")
                .by("temp")
                .sent_from("198.51.100.1"),
        )
        .await;
    assert_eq!(during["status"], "rejected");
    app.sql("UPDATE bans SET expires_at = '2001-01-01 00:00:00'");
    let after = app
        .submit(
            Comment::new("After the ban")
                .by("temp")
                .sent_from("198.51.100.1"),
        )
        .await;
    assert_eq!(after["status"], "published");
    let past = app
        .authed(Method::POST, "/api/v1/moderation/bans", &token)
        .json(&json!({"kind": "author", "value": "x", "expires_at": "2001-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(past.status().as_u16(), 400);
}

async fn site_policy_can_hide_flagged_comments_and_hold_banned_authors(db: Db) {
    let policy =
        "[moderation]\nflag_threshold = 1\nflagged_stay_visible = false\nban_action = \"hold\"\n";
    let app = TestApp::builder(db)
        .rules(format!("{TEST_RULES}\n{GENEROUS_LIMITS}\n{policy}"))
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .spawn()
        .await;
    let token = app.token_for("mod", Role::Moderator).await;
    let comment = app
        .submit(
            Comment::new("Visible until flagged.")
                .by("Ann")
                .sent_from("198.51.100.1"),
        )
        .await;
    let id = comment["id"].as_str().unwrap();
    assert_eq!(
        flag_from(&app, "203.0.113.1", id, "abuse")
            .await
            .status()
            .as_u16(),
        202
    );
    let list: Value = app.list("a1", "").await.json().await.unwrap();
    assert_eq!(
        list["comments"].as_array().unwrap().len(),
        0,
        "hidden while under review"
    );
    let approve = app
        .authed(
            Method::POST,
            &format!("/api/v1/moderation/comments/{id}/approve"),
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status().as_u16(), 200);
    let list: Value = app.list("a1", "").await.json().await.unwrap();
    assert_eq!(list["comments"][0]["id"], id, "visible again once approved");

    ban(
        &app,
        &token,
        json!({"kind": "author", "value": "Held Person"}),
    )
    .await;
    let held = app
        .submit(
            Comment::new("A clean comment")
                .by("held person")
                .sent_from("198.51.100.2"),
        )
        .await;
    assert_eq!(held["status"], "pending");
}

async fn audit_entries_write_times_as_rfc3339(db: Db) {
    let app = proxied_app(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let created = ban(
        &app,
        &token,
        json!({"kind": "ip", "value": "203.0.113.0/24", "expires_at": "2031-12-31T00:00:00Z"}),
    )
    .await;
    assert_eq!(created["expires_at"], "2031-12-31T00:00:00Z");
    let id = created["id"].as_str().unwrap();
    let log = app
        .get_json(&token, &format!("/api/v1/moderation/log?target_id={id}"))
        .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "ban_created");
    assert_eq!(entry["after"]["expires_at"], "2031-12-31T00:00:00Z");
}
