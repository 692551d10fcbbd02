//! Per-article settings: moderators close, reopen or premoderate one article (audited), a
//! closing time or the site's default closes it by itself, and readers' widgets read whether
//! commenting is open.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    closing_an_article_refuses_new_comments_and_replies_with_409_and_stores_nothing,
    reopening_a_closed_article_accepts_comments_again,
    a_premoderated_article_holds_a_clean_comment_and_tells_moderators_why,
    a_closing_time_in_the_past_closes_the_article,
    the_site_default_closes_articles_days_after_their_first_comment,
    every_change_of_an_article_is_in_the_audit_log_from_one_state_to_another,
    article_settings_are_for_moderators_only,
    bad_article_settings_are_refused_with_a_clear_400,
    the_public_article_route_says_whether_commenting_is_open_and_is_cacheable,
    the_article_list_shows_states_and_counts_by_status_most_recent_activity_first,
    a_retried_submission_gets_its_first_answer_after_the_article_closes,
    closing_while_comments_arrive_stores_exactly_the_accepted_ones,
);

async fn set_article(app: &TestApp, token: &str, article: &str, body: Value) -> reqwest::Response {
    app.authed(
        Method::PUT,
        &format!("/api/v1/moderation/articles/{article}"),
        token,
    )
    .json(&body)
    .send()
    .await
    .expect("request")
}

/// Sets `article` to `state` (no closing time), which must succeed; the answer.
async fn set_state(app: &TestApp, token: &str, article: &str, state: &str) -> Value {
    let response = set_article(
        app,
        token,
        article,
        json!({"state": state, "reason": format!("testing {state}")}),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn public_article(app: &TestApp, article: &str) -> Value {
    let response = reqwest::get(app.url(&format!("/api/v1/articles/{article}")))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn closing_an_article_refuses_new_comments_and_replies_with_409_and_stores_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let parent = app
        .submit(Comment::new("Before the close.").on("court-case"))
        .await;
    set_state(&app, &token, "court-case", "closed").await;

    let refused = app
        .submit_expecting(
            409,
            Comment::new("After the close.").on("court-case").by("Ann"),
        )
        .await;
    assert_eq!(refused["error"]["code"], "article_closed");
    let reply = app
        .submit_expecting(
            409,
            Comment::new("A reply after the close.")
                .on("court-case")
                .by("Ben")
                .reply_to(&parent["id"]),
        )
        .await;
    assert_eq!(reply["error"]["code"], "article_closed");
    assert_eq!(app.stored_count(), 1, "nothing stored after the close");

    // The thread stays readable, and other articles are untouched.
    let listed: Value = app.list("court-case", "").await.json().await.unwrap();
    assert_eq!(listed["comments"].as_array().unwrap().len(), 1);
    app.submit(Comment::new("Elsewhere.").on("weather")).await;
}

async fn reopening_a_closed_article_accepts_comments_again(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    set_state(&app, &token, "a1", "closed").await;
    app.submit_expecting(409, Comment::new("Refused.")).await;
    let reopened = set_state(&app, &token, "a1", "open").await;
    assert_eq!(reopened["effective_state"], "open");
    let stored = app.submit(Comment::new("Welcome back.")).await;
    assert_eq!(stored["status"], "published");
}

async fn a_premoderated_article_holds_a_clean_comment_and_tells_moderators_why(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    set_state(&app, &token, "election", "premoderated").await;
    let held = app
        .submit(Comment::new("A perfectly polite remark.").on("election"))
        .await;
    assert_eq!(held["status"], "pending");
    let spam = app
        .submit(Comment::new("Buy viagra").on("election").by("Spammer"))
        .await;
    assert_eq!(spam["status"], "rejected", "a rejection stays a rejection");

    let (status, matched) = app.stored_matches(held["id"].as_str().unwrap());
    assert_eq!(status, "pending");
    assert_eq!(matched, ["article.premoderated"]);
    let queue = app
        .get_json(&token, "/api/v1/moderation/queue?article_id=election")
        .await;
    let item = &queue["items"][0];
    assert_eq!(item["id"], held["id"]);
    assert_eq!(item["matches"][0]["kind"], "article");
    assert!(item["matches"][0]["description"]
        .as_str()
        .unwrap()
        .contains("premoderated"));

    let public = public_article(&app, "election").await;
    assert_eq!(public["state"], "premoderated");
    assert_eq!(public["commenting_open"], true);
}

async fn a_closing_time_in_the_past_closes_the_article(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let future = set_article(
        &app,
        &token,
        "a1",
        json!({"state": "open", "closes_at": "2999-01-01T00:00:00Z", "reason": "a week of comments"}),
    )
    .await;
    assert_eq!(future.status().as_u16(), 200);
    app.submit(Comment::new("Still open.")).await;

    let past = set_article(
        &app,
        &token,
        "a1",
        json!({"state": "premoderated", "closes_at": "2020-01-01T00:00:00Z", "reason": "time is up"}),
    )
    .await;
    let past: Value = past.json().await.unwrap();
    assert_eq!(past["state"], "premoderated");
    assert_eq!(past["effective_state"], "closed");
    assert_eq!(past["closes_at"], "2020-01-01T00:00:00Z");
    let refused = app
        .submit_expecting(409, Comment::new("Too late.").by("Ann"))
        .await;
    assert_eq!(refused["error"]["code"], "article_closed");
    let public = public_article(&app, "a1").await;
    assert_eq!(public["commenting_open"], false);
    assert_eq!(public["state"], "closed");
}

async fn the_site_default_closes_articles_days_after_their_first_comment(db: Db) {
    let rules =
        format!("{TEST_RULES}\n{GENEROUS_LIMITS}\n[moderation]\nauto_close_after_days = 2\n");
    let app = TestApp::builder(db).rules(rules).spawn().await;
    let token = app.token_for("mod", Role::Moderator).await;
    let old = app.submit(Comment::new("Long ago.").on("old-news")).await;
    app.submit(Comment::new("Yesterday's news is fresh.").on("fresh-news"))
        .await;
    // The first comment on old-news was long before the two days ran out.
    app.sql(&format!(
        "UPDATE comments SET created_at = '2020-01-01 00:00:00' WHERE id = '{}'",
        old["id"].as_str().unwrap()
    ));

    let refused = app
        .submit_expecting(
            409,
            Comment::new("Anyone still here?").on("old-news").by("Ann"),
        )
        .await;
    assert_eq!(refused["error"]["code"], "article_closed");
    app.submit(Comment::new("Still talking.").on("fresh-news").by("Ann"))
        .await;
    let public = public_article(&app, "old-news").await;
    assert_eq!(public["commenting_open"], false);
    let fresh = public_article(&app, "fresh-news").await;
    assert_eq!(fresh["commenting_open"], true);
    assert!(fresh["closes_at"].is_string(), "{fresh}");

    // A moderator who reopens an article decides its closing time: none here.
    let reopened = set_state(&app, &token, "old-news", "open").await;
    assert_eq!(reopened["closes_at"], Value::Null);
    assert_eq!(reopened["closes_by_default"], false);
    app.submit(
        Comment::new("Reopened by the desk.")
            .on("old-news")
            .by("Ben"),
    )
    .await;
}

async fn every_change_of_an_article_is_in_the_audit_log_from_one_state_to_another(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    set_state(&app, &token, "a1", "premoderated").await;
    set_state(&app, &token, "a1", "closed").await;
    let log = app
        .get_json(&token, "/api/v1/moderation/log?target_id=a1")
        .await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{log}");
    let newest = &entries[0];
    assert_eq!(newest["action"], "article_changed");
    assert_eq!(newest["target_type"], "article");
    assert_eq!(newest["actor"], "mod");
    assert_eq!(newest["reason"], "testing closed");
    assert_eq!(newest["before"]["state"], "premoderated");
    assert_eq!(newest["after"]["state"], "closed");
    assert_eq!(entries[1]["before"]["state"], "open");
    assert_eq!(entries[1]["after"]["state"], "premoderated");
}

async fn article_settings_are_for_moderators_only(db: Db) {
    let app = TestApp::spawn(db).await;
    let client = reqwest::Client::new();
    for (method, path) in [
        (Method::GET, "/api/v1/moderation/articles"),
        (Method::GET, "/api/v1/moderation/articles/a1"),
        (Method::PUT, "/api/v1/moderation/articles/a1"),
    ] {
        let response = client
            .request(method.clone(), app.url(path))
            .json(&json!({"state": "closed", "reason": "no session"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "{method} {path}");
    }
    let public = public_article(&app, "a1").await;
    assert_eq!(public["commenting_open"], true, "nothing was changed");
    let admin = app.token_for("boss", Role::Admin).await;
    set_state(&app, &admin, "a1", "closed").await;
}

async fn bad_article_settings_are_refused_with_a_clear_400(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let long_id = "a".repeat(129);
    for (article, body, field) in [
        ("a1", json!({"state": "frozen", "reason": "x"}), "state"),
        (
            "a1",
            json!({"state": "closed", "closes_at": "next tuesday", "reason": "x"}),
            "closes_at",
        ),
        ("a1", json!({"state": "closed", "reason": "   "}), "reason"),
        (
            "a1",
            json!({"state": "closed", "reason": "x".repeat(501)}),
            "reason",
        ),
        (
            "a1",
            json!({"state": "closed", "reason": "nul\u{0}here"}),
            "reason",
        ),
        (
            long_id.as_str(),
            json!({"state": "closed", "reason": "x"}),
            "article_id",
        ),
    ] {
        let response = set_article(&app, &token, article, body.clone()).await;
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "validation_failed", "{error}");
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    let missing_reason = set_article(&app, &token, "a1", json!({"state": "closed"})).await;
    assert_eq!(missing_reason.status().as_u16(), 400);
    for query in [
        "?state=frozen",
        "?sort=loudest",
        "?limit=0",
        "?offset=-1",
        "?limit=x",
    ] {
        let response = app
            .authed(
                Method::GET,
                &format!("/api/v1/moderation/articles{query}"),
                &token,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{query}");
    }
    let article = app.get_json(&token, "/api/v1/moderation/articles/a1").await;
    assert_eq!(article["state"], "open", "nothing was changed");
    let bad_id = reqwest::get(app.url(&format!("/api/v1/articles/{long_id}")))
        .await
        .unwrap();
    assert_eq!(bad_id.status().as_u16(), 400);
}

async fn the_public_article_route_says_whether_commenting_is_open_and_is_cacheable(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    app.submit(Comment::new("Published.")).await;
    app.submit(Comment::new("Buy viagra").by("Spammer")).await;
    let first = reqwest::get(app.url("/api/v1/articles/a1")).await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    let cache = first.headers()["cache-control"].to_str().unwrap();
    assert!(cache.starts_with("public, max-age="), "{cache}");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = first.json().await.unwrap();
    assert_eq!(
        body,
        json!({"article_id": "a1", "commenting_open": true, "state": "open",
               "closes_at": null, "published_count": 1})
    );
    let client = reqwest::Client::new();
    let again = client
        .get(app.url("/api/v1/articles/a1"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);

    set_state(&app, &token, "a1", "closed").await;
    let changed = client
        .get(app.url("/api/v1/articles/a1"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200);
    let closed: Value = changed.json().await.unwrap();
    assert_eq!(closed["commenting_open"], false);
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["published_count"], 1, "the thread stays readable");
}

async fn the_article_list_shows_states_and_counts_by_status_most_recent_activity_first(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    app.submit(Comment::new("Old thread.").on("older")).await;
    app.submit(Comment::new("Fine words.").on("busy")).await;
    app.submit(Comment::new("Call me on 555 123 4567").on("busy").by("Ann"))
        .await;
    app.submit(Comment::new("Buy viagra").on("busy").by("Spammer"))
        .await;
    set_state(&app, &token, "quiet", "premoderated").await;

    let list = app.get_json(&token, "/api/v1/moderation/articles").await;
    let ids: Vec<&str> = list["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["article_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["busy", "older", "quiet"],
        "latest comment first; none last"
    );
    let busy = &list["articles"][0];
    assert_eq!(busy["state"], "open");
    assert_eq!(
        busy["counts"],
        json!({"pending": 1, "published": 1, "rejected": 1})
    );
    assert!(busy["last_comment_at"].is_string());
    assert_eq!(list["articles"][2]["state"], "premoderated");
    assert_eq!(list["next_offset"], Value::Null);

    let first_page = app
        .get_json(
            &token,
            "/api/v1/moderation/articles?sort=article_id&limit=2",
        )
        .await;
    assert_eq!(first_page["articles"][0]["article_id"], "busy");
    assert_eq!(first_page["next_offset"], 2);
    let second = app
        .get_json(
            &token,
            "/api/v1/moderation/articles?sort=article_id&limit=2&offset=2",
        )
        .await;
    assert_eq!(second["articles"][0]["article_id"], "quiet");
    let premoderated = app
        .get_json(&token, "/api/v1/moderation/articles?state=premoderated")
        .await;
    assert_eq!(premoderated["articles"].as_array().unwrap().len(), 1);
    let by_pending = app
        .get_json(&token, "/api/v1/moderation/articles?sort=pending")
        .await;
    assert_eq!(by_pending["articles"][0]["article_id"], "busy");
    let one = app
        .get_json(&token, "/api/v1/moderation/articles/busy")
        .await;
    assert_eq!(one["counts"], busy["counts"]);
}

async fn a_retried_submission_gets_its_first_answer_after_the_article_closes(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let send = || {
        reqwest::Client::new()
            .post(app.url("/api/v1/articles/a1/comments"))
            .header("idempotency-key", "retry-1")
            .json(&json!({"author_name": "Ann", "body": "Sent twice over a bad line."}))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    set_state(&app, &token, "a1", "closed").await;
    let retry = send().await.unwrap();
    assert_eq!(retry.status().as_u16(), 201, "the first answer, not a 409");
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["id"], first["id"]);
    assert_eq!(app.stored_count(), 1);
}

async fn closing_while_comments_arrive_stores_exactly_the_accepted_ones(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("mod", Role::Moderator).await;
    let submissions = (0..40).map(|n| {
        app.post_comment(
            "live-blog",
            json!({"author_name": format!("Reader {n}"), "body": format!("Update number {n} is here.")}),
        )
    });
    let close = set_article(
        &app,
        &token,
        "live-blog",
        json!({"state": "closed", "reason": "the live blog ended"}),
    );
    let (answers, closed) =
        futures_util::future::join(futures_util::future::join_all(submissions), close).await;
    assert_eq!(closed.status().as_u16(), 200);
    let mut accepted = 0;
    for answer in answers {
        match answer.status().as_u16() {
            201 => accepted += 1,
            409 => {
                let body: Value = answer.json().await.unwrap();
                assert_eq!(body["error"]["code"], "article_closed");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        app.stored_count(),
        accepted,
        "every 201 stored, every 409 nothing"
    );
    app.submit_expecting(409, Comment::new("After the end.").on("live-blog"))
        .await;
    assert_eq!(app.stored_count(), accepted);
}
