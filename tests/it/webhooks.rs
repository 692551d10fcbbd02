//! Webhooks end to end: a real HTTP receiver on port 0 checks each delivery's Standard Webhooks
//! signature; failures are retried with the same webhook-id; the outbox outlives a restart; the
//! delivery log and the test send go through the API.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use crate::queue_and_decisions::decide;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use gatehouse::auth::Role;
use gatehouse::config::WebhookEndpoint;
use gatehouse::webhooks::signing::Secret;
use gatehouse::webhooks::WebhookFormat;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

backend_tests!(
    held_flagged_and_decided_comments_and_rule_changes_are_delivered_signed,
    failed_deliveries_are_retried_with_the_same_id_until_they_succeed,
    the_outbox_survives_a_restart_and_is_delivered_by_the_next_server,
    admins_send_a_test_event_and_moderators_read_the_delivery_log,
);

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    body: Value,
}

/// A webhook receiver on a free port that checks signatures and answers 500 to its first
/// `fail_first` requests.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    async fn start(fail_first: usize) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let state = (got.clone(), seen);
        let server = HttpServer::new(move || {
            let (got, seen) = state.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (got, seen) = (got.clone(), seen.clone());
                async move {
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
                    let timestamp: i64 = timestamp.parse().expect("a unix timestamp");
                    let secret = Secret::parse(SECRET).unwrap();
                    assert!(
                        secret.verify(&id, timestamp, &body, &header("webhook-signature")),
                        "the signature verifies"
                    );
                    let now = time::OffsetDateTime::now_utc().unix_timestamp();
                    assert!((now - timestamp).abs() < 300, "a current timestamp");
                    got.lock().unwrap().push(Received {
                        id,
                        body: serde_json::from_slice(&body).expect("a JSON body"),
                    });
                    if seen.fetch_add(1, Ordering::SeqCst) < fail_first {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::NoContent().finish()
                    }
                }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind the receiver");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            got,
            handle,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until a request satisfies `wanted`; every request so far.
    async fn wait_for(&self, what: &str, wanted: impl Fn(&Received) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.received();
            if got.iter().any(&wanted) {
                return got;
            }
            assert!(Instant::now() < deadline, "no {what} arrived: {got:#?}");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn endpoint(name: &str, url: &str, events: &[&str]) -> WebhookEndpoint {
    WebhookEndpoint {
        name: name.into(),
        url: url.into(),
        secret: SECRET.into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        format: WebhookFormat::Standard,
        include_personal_data: false,
    }
}

const ALL: [&str; 4] = [
    "comment.held",
    "comment.flagged",
    "comment.decided",
    "rules.changed",
];

fn of_type<'a>(got: &'a [Received], event: &str) -> Vec<&'a Received> {
    got.iter().filter(|r| r.body["type"] == event).collect()
}

async fn held_flagged_and_decided_comments_and_rule_changes_are_delivered_signed(db: Db) {
    let receiver = Receiver::start(0).await;
    let app = TestApp::builder(db)
        .configure(|c| {
            c.webhooks = vec![endpoint("newsroom", &receiver.url, &ALL)];
            c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        })
        .spawn()
        .await;
    let published = app
        .submit(Comment::new("A fair point about the budget."))
        .await;
    let held = app
        .submit(Comment::new("Call me on +44 20 7946 0958 about it").email("ann@example.org"))
        .await;
    let held_id = held["id"].as_str().unwrap();
    let got = receiver
        .wait_for("comment.held", |r| r.body["type"] == "comment.held")
        .await;
    let event = &of_type(&got, "comment.held")[0].body;
    assert_eq!(event["data"]["comment_id"], held_id);
    assert_eq!(event["data"]["article_id"], "a1");
    assert_eq!(event["data"]["status"], "pending");
    assert_eq!(event["data"]["matched_rules"], json!(["privacy.phone"]));
    assert!(event["timestamp"].is_string());
    let text = event.to_string();
    assert!(
        !text.contains("ann@example.org") && !text.contains("127.0.0.1"),
        "{text}"
    );
    // Only held comments are events: the published one is not.
    assert_eq!(of_type(&got, "comment.held").len(), 1);

    let token = app.token_for("mia", Role::Moderator).await;
    assert_eq!(
        decide(&app, &token, held_id, "reject")
            .await
            .status()
            .as_u16(),
        200
    );
    let got = receiver
        .wait_for("comment.decided", |r| r.body["type"] == "comment.decided")
        .await;
    let decided = &of_type(&got, "comment.decided")[0].body["data"];
    assert_eq!(decided["comment_id"], held_id);
    assert_eq!(decided["status"], "rejected");
    assert_eq!(decided["previous_status"], "pending");
    assert_eq!(decided["decided_by"], "mia");
    assert_eq!(decided["article_id"], "a1");

    // Readers flag the published comment past the site's threshold (3 by default).
    let published_id = published["id"].as_str().unwrap();
    for reader in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/comments/{published_id}/flags")))
            .header("x-forwarded-for", reader)
            .json(&json!({"reason": "spam"}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }
    let _ = receiver
        .wait_for("comment.flagged", |r| {
            r.body["type"] == "comment.flagged" && r.body["data"]["comment_id"] == published_id
        })
        .await;

    // A rules edit on disk, picked up by a reload.
    let source = std::fs::read_to_string(&app.rules_path).unwrap();
    std::fs::write(
        &app.rules_path,
        source.replacen("weight = 3.0", "weight = 4.0", 1),
    )
    .unwrap();
    let got = receiver
        .wait_for("rules.changed", |r| r.body["type"] == "rules.changed")
        .await;
    let changed = &of_type(&got, "rules.changed")[0].body["data"];
    assert_ne!(changed["old_version"], changed["new_version"]);
    assert_eq!(changed["changed"], json!(["spam.easy_money"]));
}

async fn failed_deliveries_are_retried_with_the_same_id_until_they_succeed(db: Db) {
    let receiver = Receiver::start(2).await;
    let app = TestApp::builder(db)
        .configure(|c| {
            c.webhooks = vec![endpoint("flaky", &receiver.url, &["comment.held"])];
            c.webhook_first_retry_ms = 50;
        })
        .spawn()
        .await;
    app.submit(Comment::new("Call me on +44 20 7946 0958 about it"))
        .await;
    let token = app.token_for("mia", Role::Moderator).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let delivery = loop {
        let log = app
            .get_json(&token, "/api/v1/moderation/webhooks/deliveries")
            .await;
        let delivery = log["deliveries"][0].clone();
        if delivery["state"] == "delivered" {
            break delivery;
        }
        assert!(Instant::now() < deadline, "not delivered: {log}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["last_status"], 204);
    assert_eq!(delivery["endpoint"], "flaky");
    assert_eq!(delivery["event_type"], "comment.held");
    let got = receiver.received();
    assert_eq!(got.len(), 3, "two failures, then the success");
    assert!(
        got.iter().all(|r| r.id == got[0].id),
        "one webhook-id for every attempt"
    );
    assert_eq!(delivery["id"], got[0].id.as_str());
}

async fn the_outbox_survives_a_restart_and_is_delivered_by_the_next_server(db: Db) {
    // The first server's endpoint refuses everything; its retries are a second apart.
    let refusing = Receiver::start(usize::MAX).await;
    let first = TestApp::builder(db)
        .configure(|c| {
            c.webhooks = vec![endpoint("newsroom", &refusing.url, &["comment.held"])];
            c.webhook_first_retry_ms = 1_000;
        })
        .spawn()
        .await;
    let held = first
        .submit(Comment::new("Call me on +44 20 7946 0958 about it"))
        .await;
    refusing.wait_for("a first attempt", |_| true).await;
    first.stop().await;

    // The same endpoint, now answering, on a server started on the same database.
    let receiver = Receiver::start(0).await;
    let second = TestApp::builder(db)
        .database_url(&first.database_url)
        .configure(|c| {
            c.webhooks = vec![endpoint("newsroom", &receiver.url, &["comment.held"])];
            c.webhook_first_retry_ms = 1_000;
        })
        .spawn()
        .await;
    let got = receiver
        .wait_for("the held comment", |r| r.body["type"] == "comment.held")
        .await;
    assert_eq!(got[0].body["data"]["comment_id"], held["id"]);
    assert_eq!(got[0].id, refusing.received()[0].id, "the same delivery");
    drop(second);
}

async fn admins_send_a_test_event_and_moderators_read_the_delivery_log(db: Db) {
    let receiver = Receiver::start(0).await;
    let app = TestApp::builder(db)
        .configure(|c| {
            let mut slack = endpoint("chat", &receiver.url, &["comment.held"]);
            slack.format = WebhookFormat::Slack;
            c.webhooks = vec![
                endpoint("newsroom", &receiver.url, &["rules.changed"]),
                slack,
            ];
        })
        .spawn()
        .await;
    let admin = app.token_for("ada", Role::Admin).await;
    let moderator = app.token_for("mia", Role::Moderator).await;
    let forbidden = app
        .authed(
            reqwest::Method::POST,
            "/api/v1/admin/webhooks/test",
            &moderator,
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status().as_u16(), 403);
    let unknown = app
        .authed(reqwest::Method::POST, "/api/v1/admin/webhooks/test", &admin)
        .json(&json!({"endpoint": "nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 400);
    let queued = app
        .authed(reqwest::Method::POST, "/api/v1/admin/webhooks/test", &admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status().as_u16(), 202);
    let queued: Value = queued.json().await.unwrap();
    assert_eq!(queued["deliveries"].as_array().unwrap().len(), 2);
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.received().len() < 2 {
        assert!(Instant::now() < deadline, "{:#?}", receiver.received());
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let got = receiver.received();
    assert!(got.iter().any(|r| r.body["type"] == "webhook.test"));
    assert!(got.iter().any(|r| r.body["text"]
        .as_str()
        .is_some_and(|t| t.contains("test event"))));

    let log = app
        .get_json(&moderator, "/api/v1/moderation/webhooks/deliveries?limit=1")
        .await;
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 1);
    let cursor = log["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_string();
    let rest = app
        .get_json(
            &moderator,
            &format!("/api/v1/moderation/webhooks/deliveries?cursor={cursor}"),
        )
        .await;
    assert_eq!(rest["deliveries"].as_array().unwrap().len(), 1);
    for query in ["state=lost", "cursor=null"] {
        let bad = app
            .authed(
                reqwest::Method::GET,
                &format!("/api/v1/moderation/webhooks/deliveries?{query}"),
                &moderator,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 400, "{query}");
    }
    let anonymous = app
        .client
        .get(app.url("/api/v1/moderation/webhooks/deliveries"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}
