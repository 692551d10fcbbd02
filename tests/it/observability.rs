//! What an operator sees: /metrics after real traffic (and who may read it), /readyz, and
//! request ids that follow a comment through the log, JSON lines included.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp, TEST_RULES};
use crate::queue_and_decisions::decide;
use crate::serve_process::ServeSetup;
use gatehouse::auth::Role;
use std::io::BufRead;
use std::time::{Duration, Instant};

backend_tests!(
    metrics_count_submissions_rules_limits_requests_decisions_and_the_queue,
    metrics_are_refused_through_a_proxy_and_need_the_token_when_one_is_set,
    metrics_on_their_own_listener_are_served_only_there,
    metrics_count_rules_reloads_and_refused_ones,
    readyz_reports_the_database_redis_and_rules,
);

/// The test rules with at most three comments an hour per article.
fn rules_with_an_article_quota() -> String {
    format!(
        r#"{TEST_RULES}
[rate_limits]
per_ip      = {{ burst = 100000, rate = 100000, per = "second" }}
per_author  = {{ burst = 100000, rate = 100000, per = "second" }}
per_article = {{ burst = 3, rate = 1, per = "hour" }}
global      = {{ burst = 100000, rate = 100000, per = "second" }}
"#
    )
}

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

/// The value of the series `name{labels}` (labels as Prometheus prints them), 0 if absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            let rest = line.strip_prefix(series)?;
            rest.strip_prefix(' ')?.trim().parse::<f64>().ok()
        })
        .unwrap_or(0.0)
}

async fn metrics_count_submissions_rules_limits_requests_decisions_and_the_queue(db: Db) {
    let app = TestApp::builder(db)
        .rules(rules_with_an_article_quota())
        .spawn()
        .await;
    // The recorder is the process's: nextest runs each test in a process of its own, so every
    // series starts at zero here. (The queue gauges are read at the first scrape, cached 2 s.)
    app.submit(Comment::new("A fair point about the budget."))
        .await;
    let held = app
        .submit(Comment::new("Call me on +44 20 7946 0958 about it"))
        .await;
    assert_eq!(held["status"], "pending");
    app.submit(Comment::new("cheap viagra here")).await;
    app.submit_expecting(429, Comment::new("A fourth comment on the article"))
        .await;
    let after = scrape(&app).await;

    let moved = |series: &str| value(&after, series);
    for status in ["published", "pending", "rejected"] {
        assert_eq!(
            moved(&format!(
                "gatehouse_submissions_total{{status=\"{status}\"}}"
            )),
            1.0,
            "{status} in\n{after}"
        );
    }
    assert_eq!(
        moved("gatehouse_rule_hits_total{rule=\"spam.pills\",mode=\"live\"}"),
        1.0
    );
    assert_eq!(
        moved("gatehouse_rate_limited_total{action=\"comment\",scope=\"article\"}"),
        1.0
    );
    let route = "route=\"/api/v1/articles/{article_id}/comments\"";
    assert_eq!(
        moved(&format!(
            "gatehouse_http_requests_total{{{route},method=\"POST\",status=\"201\"}}"
        )),
        3.0,
        "{after}"
    );
    assert!(
        value(
            &after,
            &format!("gatehouse_http_request_duration_seconds_count{{{route},method=\"POST\"}}")
        ) >= 4.0
    );
    assert!(after.contains("gatehouse_http_request_duration_seconds_bucket{"));
    assert_eq!(
        value(&after, "gatehouse_queue_depth{status=\"pending\"}"),
        1.0
    );
    assert!(value(&after, "gatehouse_intake_batch_size_count") >= 3.0);
    assert!(value(&after, "gatehouse_intake_wait_seconds_count") >= 3.0);
    assert!(value(&after, "gatehouse_db_pool_max_connections") >= 1.0);

    let token = app.token_for("mia", Role::Moderator).await;
    let id = held["id"].as_str().unwrap();
    assert_eq!(
        decide(&app, &token, id, "approve").await.status().as_u16(),
        200
    );
    let decided = scrape(&app).await;
    assert_eq!(
        value(&decided, "gatehouse_decisions_total{action=\"approve\"}")
            - value(&after, "gatehouse_decisions_total{action=\"approve\"}"),
        1.0
    );
}

async fn metrics_are_refused_through_a_proxy_and_need_the_token_when_one_is_set(db: Db) {
    let app = TestApp::spawn(db).await;
    // A proxy on this host would make every reader look local: forwarded requests are not.
    let forwarded = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status().as_u16(), 403);
    let body: serde_json::Value = forwarded.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    drop(app);

    let app = TestApp::builder(db)
        .configure(|c| c.metrics_token = Some("s3cret-scrape-token".into()))
        .spawn()
        .await;
    let without = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(without.status().as_u16(), 401);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let with = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("s3cret-scrape-token")
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(with.status().as_u16(), 200);
}

async fn metrics_on_their_own_listener_are_served_only_there(db: Db) {
    let app = TestApp::builder(db)
        .configure(|c| c.metrics_bind = Some("127.0.0.1:0".into()))
        .spawn()
        .await;
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    let main = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(main.status().as_u16(), 404);
    let own = app
        .client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
    assert!(own
        .text()
        .await
        .unwrap()
        .contains("gatehouse_http_requests_total"));
    let api = app
        .client
        .get(format!("{metrics}/api/v1/articles/a1/comments"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 404);
    let ready = app
        .client
        .get(format!("{metrics}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 200);
}

async fn health(app: &TestApp) -> serde_json::Value {
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    response.json().await.unwrap()
}

/// Polls `/healthz` until `done` holds for its body.
async fn wait_for_health(app: &TestApp, what: &str, done: impl Fn(&serde_json::Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let health = health(app).await;
        if done(&health) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {health}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn metrics_count_rules_reloads_and_refused_ones(db: Db) {
    let app = TestApp::spawn(db).await;
    let source = std::fs::read_to_string(&app.rules_path).unwrap();
    let first_version = health(&app).await["rules_version"].clone();
    std::fs::write(
        &app.rules_path,
        source.replacen("weight = 3.0", "weight = 4.0", 1),
    )
    .unwrap();
    wait_for_health(&app, "the edit is picked up", |h| {
        h["rules_version"] != first_version
    })
    .await;
    std::fs::write(
        &app.rules_path,
        source.replace("[thresholds]", "[thresholds\n"),
    )
    .unwrap();
    wait_for_health(&app, "the broken file is refused", |h| {
        h["rules_reload_error"].is_string()
    })
    .await;
    let text = scrape(&app).await;
    assert_eq!(
        value(&text, "gatehouse_rules_reloads_total{source=\"file\"}"),
        1.0,
        "{text}"
    );
    assert!(
        value(
            &text,
            "gatehouse_rules_reload_failures_total{source=\"file\"}"
        ) >= 1.0
    );
}

async fn readyz_reports_the_database_redis_and_rules(db: Db) {
    let app = TestApp::spawn(db).await;
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["redis"], "not_configured");
    assert_eq!(body["rules"], "ok");
    assert_eq!(body["rules_version"].as_str().unwrap().len(), 64);
    drop(app);

    // Redis named but not answering (nothing listens on port 1): not ready for traffic.
    let app = TestApp::builder(db)
        .redis("redis://127.0.0.1:1", "gatehouse-test-unreachable:")
        .spawn()
        .await;
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["redis"], "unavailable");
    assert_eq!(body["database"], "ok");
}

#[actix_web::test]
async fn a_clients_own_request_id_is_not_believed_without_a_trusted_proxy() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "chosen-by-the-client")
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "chosen-by-the-client");
    assert_eq!(id.len(), 32);
}

/// `gatehouse serve --config FILE` whose file asks for JSON logs and trusts the loopback as a
/// proxy: a comment sent with the proxy's X-Request-Id is followed through every line by
/// that id, the intake writer's included, and no line holds the reader's email or address.
#[actix_web::test]
async fn json_logs_parse_and_carry_the_proxys_request_id_from_request_to_stored_verdict() {
    let setup = ServeSetup::new(Db::Sqlite);
    let config = setup.folder.path().join("gatehouse.toml");
    std::fs::write(
        &config,
        format!(
            "bind = \"127.0.0.1:0\"\ndatabase_url = \"{}\"\nrules = \"moderation_rules.toml\"\n\
             trusted_proxies = [\"127.0.0.1/32\"]\nlog_format = \"json\"\nworkers = 2\n",
            setup.database_url
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["serve", "--config", "gatehouse.toml"])
        .current_dir(setup.folder.path())
        .env(
            "RUST_LOG",
            "info,gatehouse::moderation::intake_writer=debug",
        )
        .env_remove("GATEHOUSE_BIND")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start gatehouse serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines: Vec<String> = Vec::new();
    let next_line = |lines: &mut Vec<String>| {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the server keeps logging");
        lines.push(line.clone());
        line
    };
    let port = loop {
        let line = next_line(&mut lines);
        let parsed: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        if parsed["fields"]["message"] == "listening" {
            break parsed["fields"]["port"].as_u64().unwrap();
        }
    };
    let response = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{port}/api/v1/articles/a1/comments"
        ))
        .header("x-request-id", "edge-7f3a-42")
        .header("x-forwarded-for", "198.51.100.23")
        .json(&serde_json::json!({
            "author_name": "Ann Reader",
            "author_email": "ann@example.org",
            "body": "Call me on +44 20 7946 0958 about the crossing",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.headers()["x-request-id"], "edge-7f3a-42");
    let stored: serde_json::Value = response.json().await.unwrap();
    let comment_id = stored["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    // The request's closing line comes last.
    loop {
        let line = next_line(&mut lines);
        if line.contains("edge-7f3a-42") && line.contains("\"status\":201") {
            break;
        }
        assert!(Instant::now() < deadline, "no closing line for the request");
    }
    let _ = child.kill();
    let _ = child.wait();

    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let of_request: Vec<&serde_json::Value> = parsed
        .iter()
        .filter(|p| p["span"]["request_id"] == "edge-7f3a-42")
        .collect();
    let message = |p: &serde_json::Value| p["fields"]["message"].as_str().unwrap_or("").to_string();
    let stored_line = of_request
        .iter()
        .find(|p| message(p) == "comment judged and stored")
        .unwrap_or_else(|| panic!("the verdict line carries the request id: {lines:#?}"));
    assert_eq!(stored_line["fields"]["comment_id"], comment_id.as_str());
    assert_eq!(stored_line["fields"]["status"], "pending");
    let writer_line = of_request
        .iter()
        .find(|p| message(p) == "in the intake batch")
        .unwrap_or_else(|| panic!("the intake writer's line carries the request id: {lines:#?}"));
    assert_eq!(
        writer_line["threadName"]
            .as_str()
            .unwrap_or("intake-writer"),
        "intake-writer"
    );
    for line in &lines {
        assert!(!line.contains("ann@example.org"), "email logged: {line}");
        assert!(!line.contains("198.51.100.23"), "address logged: {line}");
        assert!(!line.contains("crossing"), "body logged: {line}");
    }
}
