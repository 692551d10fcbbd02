//! Requests refused before they reach a route (by the HTTP parser itself) still answer in the
//! documented JSON error format: a head that is not HTTP, one with too many or too large
//! headers, one that never finishes. The server keeps serving afterwards.

use crate::backend_tests;
use crate::helpers::{Db, TestApp};
use crate::raw_http::raw_exchange;
use serde_json::Value;

backend_tests!(
    a_request_that_is_not_http_gets_400_malformed_request_in_json,
    a_head_with_too_many_headers_gets_431_in_json,
    a_head_over_the_buffer_gets_431_in_json,
    a_head_that_never_finishes_gets_408_in_json,
);

/// The status line and the JSON body of a raw answer, checking its length header.
fn parse(answer: &str) -> (String, Value) {
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {answer:?}"));
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap_or_else(|| panic!("no content-length in {head}"));
    assert_eq!(length.parse::<usize>().unwrap(), body.len(), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let status = head.lines().next().unwrap_or_default().to_string();
    (status, serde_json::from_str(body).expect("a JSON body"))
}

async fn still_serves(app: &TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

async fn a_request_that_is_not_http_gets_400_malformed_request_in_json(db: Db) {
    let app = TestApp::spawn(db).await;
    let answer = raw_exchange(app.port(), b"HELLO THERE\x01\r\n\r\n".to_vec()).await;
    let (status, body) = parse(&answer);
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    assert_eq!(body["error"]["code"], "malformed_request", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("HTTP"));
    still_serves(&app).await;
}

async fn a_head_with_too_many_headers_gets_431_in_json(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut request = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for n in 0..120 {
        request.push_str(&format!("X-Header-{n}: {n}\r\n"));
    }
    request.push_str("\r\n");
    let answer = raw_exchange(app.port(), request.into_bytes()).await;
    let (status, body) = parse(&answer);
    assert!(status.starts_with("HTTP/1.1 431"), "{status}");
    assert_eq!(body["error"]["code"], "headers_too_large", "{body}");
    still_serves(&app).await;
}

async fn a_head_over_the_buffer_gets_431_in_json(db: Db) {
    let app = TestApp::spawn(db).await;
    let cookie = "c".repeat(200 * 1024);
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n");
    let answer = raw_exchange(app.port(), request.into_bytes()).await;
    let (status, body) = parse(&answer);
    assert!(status.starts_with("HTTP/1.1 431"), "{status}");
    assert_eq!(body["error"]["code"], "headers_too_large", "{body}");
    still_serves(&app).await;
}

async fn a_head_that_never_finishes_gets_408_in_json(db: Db) {
    let app = TestApp::spawn(db).await;
    // Half a head, then silence: the server gives up after its head timeout (5 s).
    let answer = raw_exchange(app.port(), b"GET /healthz HTTP/1.1\r\nHost: x\r\n".to_vec()).await;
    let (status, body) = parse(&answer);
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    assert_eq!(body["error"]["code"], "request_timeout", "{body}");
    still_serves(&app).await;
}
