//! Browser and network edges: CORS for configured widget origins, client IPs behind trusted
//! proxies only.

use crate::backend_tests;
use crate::helpers::{Db, TestApp};
use serde_json::{json, Value};

backend_tests!(
    configured_origin_gets_cors_headers_and_others_do_not,
    forwarded_headers_count_only_from_trusted_proxies,
    behind_a_proxy_only_the_named_client_ip_header_is_believed,
    refused_preflight_answers_in_json_and_scripts_may_read_retry_after,
    every_response_carries_a_request_id,
);

async fn configured_origin_gets_cors_headers_and_others_do_not(db: Db) {
    let app = TestApp::builder(db)
        .configure(|c| c.cors_origins = vec!["https://news.example.com".into()])
        .spawn()
        .await;
    let url = app.url("/api/v1/articles/a1/comments");
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://news.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://news.example.com"
    );
    let allowed_methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(allowed_methods.contains("POST"), "{allowed_methods}");

    let post = app
        .client
        .post(&url)
        .header("origin", "https://news.example.com")
        .json(&json!({"author_name": "a", "body": "from the widget"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 201);
    assert_eq!(
        post.headers()["access-control-allow-origin"],
        "https://news.example.com"
    );

    let foreign = app
        .client
        .get(&url)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

async fn forwarded_headers_count_only_from_trusted_proxies(db: Db) {
    // Untrusted: X-Forwarded-For is ignored, so every request is 127.0.0.1 and the duplicate
    // rule (same body, same IP) holds the second one.
    let app = TestApp::spawn(db).await;
    let post = |app: &TestApp, ip: &'static str| {
        app.client
            .post(app.url("/api/v1/articles/a1/comments"))
            .header("x-forwarded-for", ip)
            .json(&json!({"author_name": format!("reader from {ip}"), "body": "Same words, different people"}))
            .send()
    };
    let first: serde_json::Value = post(&app, "203.0.113.1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second: serde_json::Value = post(&app, "203.0.113.2")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["status"], "published");
    assert_eq!(second["status"], "pending");

    // Trusted: each forwarded address is its own client.
    let app = TestApp::builder(db)
        .configure(|c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()])
        .spawn()
        .await;
    let first: serde_json::Value = post(&app, "203.0.113.1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second: serde_json::Value = post(&app, "203.0.113.2")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["status"], "published");
    assert_eq!(second["status"], "published");
}

async fn behind_a_proxy_only_the_named_client_ip_header_is_believed(db: Db) {
    // The proxy sets X-Forwarded-For and passes the client's own Forwarded header through: the
    // client must not pick its address (here: escape the duplicate rule, same body same IP).
    let post = |app: &TestApp, forwarded: &'static str, xff: &'static str, n: u32| {
        app.client
            .post(app.url("/api/v1/articles/a1/comments"))
            .header("forwarded", forwarded)
            .header("x-forwarded-for", xff)
            .json(&json!({"author_name": format!("reader {n}"), "body": "Same words, spoofed address"}))
            .send()
    };
    let status = |response: reqwest::Response| async move {
        let body: Value = response.json().await.unwrap();
        body["status"].as_str().unwrap_or_default().to_string()
    };
    let app = TestApp::builder(db)
        .configure(|c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()])
        .spawn()
        .await;
    let first = post(&app, "for=198.51.100.1", "203.0.113.9", 1)
        .await
        .unwrap();
    let second = post(&app, "for=198.51.100.2", "203.0.113.9", 2)
        .await
        .unwrap();
    assert_eq!(status(first).await, "published");
    assert_eq!(status(second).await, "pending", "Forwarded must be ignored");

    // Named `forwarded`: X-Forwarded-For is the one ignored.
    let app = TestApp::builder(db)
        .configure(|c| {
            c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
            c.client_ip_header = gatehouse::ratelimit::ClientIpHeader::Forwarded;
        })
        .spawn()
        .await;
    let first = post(&app, "for=198.51.100.1", "203.0.113.1", 1)
        .await
        .unwrap();
    let second = post(&app, "for=198.51.100.1", "203.0.113.2", 2)
        .await
        .unwrap();
    let third = post(&app, "for=198.51.100.3", "203.0.113.2", 3)
        .await
        .unwrap();
    assert_eq!(status(first).await, "published");
    assert_eq!(
        status(second).await,
        "pending",
        "X-Forwarded-For must be ignored"
    );
    assert_eq!(status(third).await, "published");
}

async fn refused_preflight_answers_in_json_and_scripts_may_read_retry_after(db: Db) {
    let app = TestApp::builder(db)
        .configure(|c| c.cors_origins = vec!["https://news.example.com".into()])
        .spawn()
        .await;
    let url = app.url("/api/v1/articles/a1/comments");
    let refused = app
        .client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://news.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-secret-header")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let body: Value = refused.json().await.expect("a JSON error body");
    assert_eq!(body["error"]["code"], "cors_rejected");

    let post = app
        .client
        .post(&url)
        .header("origin", "https://news.example.com")
        .json(&json!({"author_name": "a", "body": "from the widget"}))
        .send()
        .await
        .unwrap();
    let exposed = post.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed}");
}

async fn every_response_carries_a_request_id(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut ids = Vec::new();
    for path in ["/healthz", "/no/such/route"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(id.len(), 32, "{id}");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
}
