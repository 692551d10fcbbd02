//! The server under abuse, as an attacker would try it: NUL characters in every text input,
//! stalled bodies and piles of connections, overlong URLs, HEAD and undeclared methods, and
//! the login throttle from both sides (the guesser held back, the moderator let in).

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp, TEST_PASSWORD};
use crate::raw_http::raw_exchange;
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

backend_tests!(
    nul_characters_are_refused_naming_the_field_in_every_text_input,
    a_login_name_with_a_nul_is_refused_and_audited_like_any_failure,
    head_answers_every_get_route_without_a_body,
    undeclared_methods_get_405_with_allow,
    a_stalled_body_gets_408_in_json_and_the_connection_closes,
    connections_past_the_per_address_bound_are_refused_and_closed,
    an_overlong_url_gets_414_in_json,
    concurrent_wrong_passwords_are_counted_before_hashing,
    a_moderator_signs_in_from_another_address_while_one_guesses,
    dot_segments_and_invisible_bodies_are_refused,
);

async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    let got = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(got, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    body
}

async fn nul_characters_are_refused_naming_the_field_in_every_text_input(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("chief", Role::Admin).await;
    let comment = app
        .submit(crate::helpers::Comment::new("A fine comment"))
        .await;
    let id = comment["id"].as_str().unwrap().to_string();
    let queries = [
        ("/api/v1/moderation/queue?author=a%00b", "author"),
        ("/api/v1/moderation/queue?article_id=%00", "article_id"),
        ("/api/v1/moderation/queue?rule=x%00", "rule"),
        ("/api/v1/moderation/log?actor=%00", "actor"),
        ("/api/v1/moderation/log?action=a%00", "action"),
        ("/api/v1/moderation/log?target_id=%00x", "target_id"),
        ("/api/v1/articles/a1/comments?cursor=%00", "cursor"),
    ];
    for (path, field) in queries {
        let response = app.authed(Method::GET, path, &token).send().await.unwrap();
        let body = expect_error(response, 400, "validation_failed").await;
        assert_eq!(body["error"]["field"], field, "{path}");
    }
    let bodies = [
        (
            Method::POST,
            format!("/api/v1/moderation/comments/{id}/reject"),
            json!({"reason": "spam\u{0}"}),
            "reason",
        ),
        (
            Method::POST,
            "/api/v1/moderation/bulk".into(),
            json!({"action": "reject", "filter": {"author": "x\u{0}"}}),
            "filter.author",
        ),
        (
            Method::POST,
            "/api/v1/moderation/bulk".into(),
            json!({"action": "reject", "ids": [id.clone(), "\u{0}"]}),
            "ids[1]",
        ),
        (
            Method::POST,
            "/api/v1/moderation/bans".into(),
            json!({"kind": "ip", "value": "203.0.113.1\u{0}"}),
            "value",
        ),
        (
            Method::POST,
            "/api/v1/admin/users".into(),
            json!({"username": "n\u{0}ul", "password": TEST_PASSWORD, "role": "moderator"}),
            "username",
        ),
        (
            Method::POST,
            "/api/v1/articles/a1/comments".into(),
            json!({"author_name": "Ann", "body": "hi\u{0}"}),
            "body",
        ),
        (
            Method::POST,
            format!("/api/v1/comments/{id}/flags"),
            json!({"reason": "spam", "note": "\u{0}"}),
            "note",
        ),
    ];
    for (method, path, body, field) in bodies {
        let response = app
            .authed(method, &path, &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let answer = expect_error(response, 400, "validation_failed").await;
        assert_eq!(answer["error"]["field"], field, "{path} {body}");
    }
    let response = app
        .authed(Method::DELETE, "/api/v1/moderation/bans/%00", &token)
        .send()
        .await
        .unwrap();
    let body = expect_error(response, 400, "validation_failed").await;
    assert_eq!(body["error"]["field"], "id");
    // Nothing was decided, and the server is fine.
    let queue = app.get_json(&token, "/api/v1/moderation/log").await;
    assert!(queue["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"] != "comment_rejected"));
}

async fn a_login_name_with_a_nul_is_refused_and_audited_like_any_failure(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("chief", Role::Admin).await;
    let response = app.login("chi\u{0}ef", TEST_PASSWORD).await;
    let body = expect_error(response, 400, "validation_failed").await;
    assert_eq!(body["error"]["field"], "username");
    let log = app
        .get_json(&token, "/api/v1/moderation/log?action=login_failed")
        .await;
    let actors: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["chi\u{FFFD}ef"]);
}

async fn head_answers_every_get_route_without_a_body(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("chief", Role::Admin).await;
    for route in gatehouse::http::route_table() {
        if route.method != actix_web::http::Method::GET {
            continue;
        }
        let path = route.path.replace("{article_id}", "a1");
        let get = app.authed(Method::GET, &path, &token).send().await.unwrap();
        let head = app
            .authed(Method::HEAD, &path, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "{path}"
        );
        assert!(head.bytes().await.unwrap().is_empty(), "{path}");
    }
    // Access is the GET's: HEAD without a token is 401 on a moderator route.
    let anonymous = app
        .client
        .head(app.url("/api/v1/moderation/queue"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    for page in ["/", "/console"] {
        let head = app.client.head(app.url(page)).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200, "{page}");
    }
}

async fn undeclared_methods_get_405_with_allow(db: Db) {
    let app = TestApp::spawn(db).await;
    let cases = [
        ("/api/v1/articles/a1/comments", "GET, HEAD, POST"),
        ("/healthz", "GET, HEAD"),
        ("/api/v1/moderation/bans", "GET, HEAD, POST"),
        ("/api/v1/admin/rules", "GET, HEAD, PUT"),
    ];
    for (path, allow) in cases {
        let response = app
            .client
            .request(Method::from_bytes(b"PROPFIND").unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        let mut allowed: Vec<String> = response.headers()["allow"]
            .to_str()
            .unwrap()
            .split(", ")
            .map(String::from)
            .collect();
        allowed.sort();
        assert_eq!(allowed.join(", "), allow, "{path}");
        expect_error(response, 405, "method_not_allowed").await;
    }
}

/// Reads a response head (through the blank line) from `stream`, byte by byte so nothing
/// after it is consumed.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

async fn a_stalled_body_gets_408_in_json_and_the_connection_closes(db: Db) {
    let app = TestApp::builder(db)
        .configure(|c| c.body_timeout_secs = 1)
        .spawn()
        .await;
    // Headers promise 100 bytes; one arrives, then silence.
    let request = b"POST /api/v1/articles/a1/comments HTTP/1.1\r\nHost: x\r\n\
        Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        .to_vec();
    let answer = raw_exchange(app.port(), request).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    // read_to_end returned: the server closed the connection.
    assert_eq!(app.stored_count(), 0);
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

async fn connections_past_the_per_address_bound_are_refused_and_closed(db: Db) {
    let app = TestApp::builder(db)
        .configure(|c| {
            c.max_connections_per_address = 3;
            // The held bodies must outlast the test, not time out into a 408.
            c.body_timeout_secs = 600;
        })
        .spawn()
        .await;
    let port = app.port();
    // Three connections are held open, each counted before the next is opened: the server
    // counts a connection on the worker that takes it, and two workers can count connections
    // opened together in either order, so each first gets an answer (the server counted it),
    // then sends a request head whose body never comes, which keeps it busy, not idle.
    let mut held = Vec::new();
    for _ in 0..3 {
        let stream = actix_web::rt::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            stream
                .write_all(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let head = read_head(&mut stream);
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            stream
                .write_all(
                    b"POST /api/v1/articles/a1/comments HTTP/1.1\r\nHost: x\r\n\
                      Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
                )
                .unwrap();
            stream
        })
        .await
        .unwrap();
        held.push(stream);
    }
    // The fourth is answered at once with 429 and closed.
    let answer = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("\"rate_limited\""), "{answer}");
    assert!(answer.to_lowercase().contains("retry-after"), "{answer}");
    // The held connections end their bodies early; the server answers and closes each one.
    for mut stream in held {
        actix_web::rt::task::spawn_blocking(move || {
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
        })
        .await
        .unwrap();
    }
    // Once they are closed, the address may connect again. The server lets go of a
    // connection's count just after sending its close, so a connection opened in that instant
    // may still be refused: the client then waits as told by Retry-After, as a client should.
    let mut answer = String::new();
    for _ in 0..5 {
        answer = raw_exchange(
            port,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        )
        .await;
        if !answer.starts_with("HTTP/1.1 429") {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Serving raised the soft limit on open files to the hard limit.
    let mut limit = (0u64, 0u64);
    let output = std::process::Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .unwrap();
    limit.1 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(u64::MAX);
    limit.0 = gatehouse::app::open_files_limit().unwrap();
    assert!(limit.0 >= limit.1.min(1 << 20), "{limit:?}");
}

async fn an_overlong_url_gets_414_in_json(db: Db) {
    let app = TestApp::spawn(db).await;
    let long = "a".repeat(9000);
    let response = app
        .client
        .get(app.url(&format!("/api/v1/articles/a1/comments?cursor={long}")))
        .send()
        .await
        .unwrap();
    expect_error(response, 414, "uri_too_long").await;
}

async fn concurrent_wrong_passwords_are_counted_before_hashing(db: Db) {
    let app = TestApp::spawn(db).await;
    app.create_user("jane", Role::Moderator);
    let attempts = (0..60).map(|_| app.login("jane", "wrong password, again"));
    let answers = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        checked <= 6,
        "{checked} passwords were checked: {statuses:?}"
    );
    for answer in answers.into_iter().filter(|a| a.status().as_u16() == 429) {
        let retry: u64 = answer.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry <= 60, "never an hour-long wait: {retry}");
    }
}

async fn a_moderator_signs_in_from_another_address_while_one_guesses(db: Db) {
    let app = TestApp::builder(db)
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .spawn()
        .await;
    app.create_user("jane", Role::Moderator);
    let login_from = |address: &'static str, password: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"username": "jane", "password": password}))
            .send()
    };
    let mut refused = 0;
    for _ in 0..10 {
        if login_from("198.51.100.66", "a guess, wrong")
            .await
            .unwrap()
            .status()
            == 429
        {
            refused += 1;
        }
    }
    assert!(refused > 0, "the guessing address is held back");
    let correct_from_guesser = login_from("198.51.100.66", TEST_PASSWORD).await.unwrap();
    assert_eq!(correct_from_guesser.status().as_u16(), 429);
    for _ in 0..3 {
        let moderator = login_from("203.0.113.5", TEST_PASSWORD).await.unwrap();
        assert_eq!(moderator.status().as_u16(), 200, "the moderator gets in");
    }
}

async fn dot_segments_and_invisible_bodies_are_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let comment = json!({"author_name": "Ann", "body": "hello"}).to_string();
    for id in [".", ".."] {
        let request = format!(
            "POST /api/v1/articles/{id}/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{comment}",
            comment.len()
        );
        let answer = raw_exchange(app.port(), request.into_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{id}: {answer}");
        assert!(answer.contains("\"article_id\""), "{id}: {answer}");
    }
    let invisible = json!({"author_name": "Ann", "body": "\u{200B}\u{200D}\u{FEFF} \u{2060}"});
    let body = expect_error(app.post_comment("a1", invisible).await, 422, "empty_body").await;
    assert_eq!(body["error"]["field"], "body");
    let only_controls = json!({"author_name": "\u{202E}\u{2066}", "body": "hello"});
    let body = expect_error(
        app.post_comment("a1", only_controls).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "author_name");
    assert_eq!(app.stored_count(), 0);
    let spoofed = app
        .submit(Comment::new("hello").by("Ann\u{202E}nimda"))
        .await;
    let id = spoofed["id"].as_str().unwrap();
    let page = app.list("a1", "").await.json::<Value>().await.unwrap();
    let listed = page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .expect("the comment is listed");
    assert_eq!(listed["author_name"], "Annnimda", "the override is dropped");
}

#[actix_web::test]
async fn client_mistakes_never_write_error_lines_to_the_log() {
    let setup = crate::serve_process::ServeSetup::new(Db::Sqlite);
    let server = setup.start().await;
    let huge_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(70_000)
    );
    let requests: Vec<Vec<u8>> = vec![
        b"HELLO THERE\r\n\r\n".to_vec(),
        b"GET /healthz HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /api/v1/moderation/queue HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /api/v1/moderation/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nConnection: close\r\n\r\n".to_vec(),
        b"POST /api/v1/articles/a1/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n".to_vec(),
        b"POST /api/v1/articles/a1/comments HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}".to_vec(),
        huge_header.into_bytes(),
        b"GET /api/v1/articles/a1/comments?limit=%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
    ];
    for request in requests {
        raw_exchange(server.port, request).await;
    }
    // The server is still well, and a request after the mistakes flushed the log.
    let health = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.logged_errors(), Vec::<String>::new());
}
