//! Admins tuning rules over the API: read with hit counts, replace safely, trace, backtest, and
//! hot reload from disk or SIGHUP without dropping a request.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

backend_tests!(
    get_rules_shows_source_version_and_hit_counts,
    replacing_rules_needs_the_current_version_and_valid_content,
    replaced_rules_judge_the_next_comment_and_are_audited,
    rules_test_traces_a_comment_against_live_rules_or_a_candidate,
    backtest_counts_changes_and_agreement_with_moderators,
    file_changes_reload_and_a_broken_file_keeps_the_old_rules,
    sighup_reloads_the_rules,
    reloads_under_load_drop_no_request_and_judge_each_comment_by_one_version,
    reloaded_rate_limits_apply_at_once,
);

const SHADOW_RULE: &str = r#"
[[rule]]
id = "shadow.weather"
description = "Trying out: weather talk"
kind = "words"
action = "reject"
weight = 10.0
mode = "shadow"
words = ["weather"]
"#;

const CAT_RULE: &str = r#"
[[rule]]
id = "test.cats"
description = "No cats"
kind = "words"
action = "hold"
weight = 0.0
words = ["cat"]
"#;

fn rules_with(extra: &str) -> String {
    format!("{TEST_RULES}\n{GENEROUS_LIMITS}\n{extra}")
}

async fn admin_app(db: Db, extra: &str, no_watch: bool) -> (TestApp, String) {
    let app = TestApp::builder(db)
        .rules(rules_with(extra))
        .configure(|c| c.no_watch_rules = no_watch)
        .spawn()
        .await;
    let token = app.token_for("admin", Role::Admin).await;
    (app, token)
}

async fn get_rules(app: &TestApp, token: &str) -> Value {
    let response = app
        .authed(Method::GET, "/api/v1/admin/rules", token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn put_rules(
    app: &TestApp,
    token: &str,
    version: Option<&str>,
    source: &str,
) -> reqwest::Response {
    let mut request = app
        .authed(Method::PUT, "/api/v1/admin/rules", token)
        .json(&json!({"source": source}));
    if let Some(version) = version {
        request = request.header("if-match", format!("\"{version}\""));
    }
    request.send().await.unwrap()
}

/// Polls until the live version differs from `old` (reloads happen on another thread).
async fn wait_for_new_version(app: &TestApp, token: &str, old: &str) -> Value {
    for _ in 0..100 {
        let rules = get_rules(app, token).await;
        if rules["version"] != old {
            return rules;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the rules were not reloaded");
}

async fn get_rules_shows_source_version_and_hit_counts(db: Db) {
    let (app, token) = admin_app(db, SHADOW_RULE, false).await;
    app.submit(Comment::new("Buy viagra")).await;
    let shadowed = app.submit(Comment::new("Lovely weather today")).await;
    assert_eq!(
        shadowed["status"], "published",
        "a shadow rule never decides"
    );
    let rules = get_rules(&app, &token).await;
    assert_eq!(rules["source"], rules_with(SHADOW_RULE));
    assert_eq!(rules["version"].as_str().unwrap().len(), 64);
    assert!(rules["loaded_at"].is_string());
    assert_eq!(rules["last_reload_error"], Value::Null);
    let rule = |id: &str| {
        rules["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(rule("spam.pills")["live_hits"], 1);
    assert_eq!(rule("shadow.weather")["shadow_hits"], 1);
    assert_eq!(rule("shadow.weather")["live_hits"], 0);
    assert_eq!(rule("links.many")["live_hits"], 0);
}

async fn replacing_rules_needs_the_current_version_and_valid_content(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let before = get_rules(&app, &token).await;
    let version = before["version"].as_str().unwrap();
    let on_disk = std::fs::read_to_string(&app.rules_path).unwrap();
    let candidate = rules_with(CAT_RULE);

    let missing = put_rules(&app, &token, None, &candidate).await;
    assert_eq!(missing.status().as_u16(), 428);
    let stale = put_rules(&app, &token, Some(&"0".repeat(64)), &candidate).await;
    assert_eq!(stale.status().as_u16(), 412);
    let broken = put_rules(&app, &token, Some(version), &rules_with("[[rule]]\nid = \"bad\"\nkind = \"regex\"\naction = \"hold\"\ndescription = \"x\"\npatterns = ['(']\n")).await;
    assert_eq!(broken.status().as_u16(), 422);
    let body: Value = broken.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_rules");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("bad"),
        "{body}"
    );
    let failing_example = put_rules(
        &app,
        &token,
        Some(version),
        &rules_with("[[example]]\nbody = \"buy viagra\"\nexpected = \"published\"\n"),
    )
    .await;
    assert_eq!(
        failing_example.status().as_u16(),
        422,
        "a file whose examples fail is refused"
    );

    let after = get_rules(&app, &token).await;
    assert_eq!(after["version"], before["version"], "nothing changed");
    assert_eq!(std::fs::read_to_string(&app.rules_path).unwrap(), on_disk);
}

async fn replaced_rules_judge_the_next_comment_and_are_audited(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    assert_eq!(
        app.submit(Comment::new("My cat agrees")).await["status"],
        "published"
    );
    let before = get_rules(&app, &token).await;
    let old_version = before["version"].as_str().unwrap().to_string();
    let candidate = rules_with(CAT_RULE);
    let response = put_rules(&app, &token, Some(&old_version), &candidate).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    let new_version = body["version"].as_str().unwrap().to_string();
    assert_ne!(new_version, old_version);
    assert_eq!(body["summary"]["added"], json!(["test.cats"]));
    assert_eq!(
        std::fs::read_to_string(&app.rules_path).unwrap(),
        candidate,
        "written to disk"
    );

    let held = app.submit(Comment::new("My cat disagrees")).await;
    assert_eq!(held["status"], "pending");
    let (_, verdict) = app.stored_verdict(held["id"].as_str().unwrap());
    assert_eq!(verdict["rules_version"], new_version.as_str());

    let log: Value = app
        .get_json(&token, "/api/v1/moderation/log?action=rules_changed")
        .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["actor"], "admin");
    assert_eq!(entry["before"]["version"], old_version.as_str());
    assert_eq!(entry["after"]["version"], new_version.as_str());
    assert_eq!(entry["details"]["added"], json!(["test.cats"]));
    // The watcher sees the file it just wrote: no second swap, no second audit row.
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    let log: Value = app
        .get_json(&token, "/api/v1/moderation/log?action=rules_changed")
        .await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);
}

async fn rules_test_traces_a_comment_against_live_rules_or_a_candidate(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let trace = |body: Value| {
        app.authed(Method::POST, "/api/v1/admin/rules/test", &token)
            .json(&body)
            .send()
    };
    let live: Value = trace(json!({"comment": {"body": "Cheap V1AGRA"}}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(live["status"], "rejected");
    assert_eq!(live["normalized_body"], "cheap viagra");
    assert_eq!(live["verdict"]["matches"][0]["rule_id"], "spam.pills");
    assert_eq!(live["verdict"]["hold_threshold"], 5.0);
    let candidate: Value =
        trace(json!({"comment": {"body": "a cat"}, "source": rules_with(CAT_RULE)}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(candidate["status"], "pending");
    let invalid = trace(json!({"comment": {"body": "x"}, "source": "not toml ["}))
        .await
        .unwrap();
    assert_eq!(invalid.status().as_u16(), 422);
    // Trying a candidate changes nothing.
    assert_eq!(
        app.submit(Comment::new("another cat")).await["status"],
        "published"
    );
}

async fn backtest_counts_changes_and_agreement_with_moderators(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let approved = app
        .submit(Comment::new("Call my cat on 0123 456 7890"))
        .await;
    let rejected = app
        .submit(Comment::new("My cat's number: 0987 654 3210"))
        .await;
    app.submit(Comment::new("A cat photo")).await;
    app.submit(Comment::new("No animals here")).await;
    let decide = |id: &str, action: &str| {
        app.authed(
            Method::POST,
            &format!("/api/v1/moderation/comments/{id}/{action}"),
            &token,
        )
        .send()
    };
    assert_eq!(
        decide(approved["id"].as_str().unwrap(), "approve")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        decide(rejected["id"].as_str().unwrap(), "reject")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let report: Value = app
        .authed(Method::POST, "/api/v1/admin/rules/backtest", &token)
        .json(&json!({"source": rules_with(CAT_RULE)}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["evaluated"], 4);
    assert_eq!(report["unchanged"], 3, "{report}");
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["from"], "published");
    assert_eq!(changes[0]["to"], "pending");
    assert_eq!(changes[0]["examples"][0]["excerpt"], "A cat photo");
    assert_eq!(report["moderator_decided"], 2);
    let cats = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "test.cats")
        .unwrap();
    assert_eq!(cats["matched"], 2);
    assert_eq!(cats["moderator_approved"], 1);
    assert_eq!(cats["moderator_rejected"], 1);
}

async fn file_changes_reload_and_a_broken_file_keeps_the_old_rules(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let first = get_rules(&app, &token).await;
    std::fs::write(&app.rules_path, rules_with(CAT_RULE)).unwrap();
    let reloaded = wait_for_new_version(&app, &token, first["version"].as_str().unwrap()).await;
    assert_eq!(
        app.submit(Comment::new("a cat again")).await["status"],
        "pending"
    );
    let log: Value = app
        .get_json(&token, "/api/v1/moderation/log?action=rules_changed")
        .await;
    assert_eq!(log["entries"][0]["actor"], "file on disk");

    std::fs::write(&app.rules_path, "this is [ not valid").unwrap();
    let mut error = Value::Null;
    for _ in 0..100 {
        error = get_rules(&app, &token).await["last_reload_error"].clone();
        if !error.is_null() {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("moderation_rules.toml"),
        "{error}"
    );
    let still = get_rules(&app, &token).await;
    assert_eq!(
        still["version"], reloaded["version"],
        "the old rules stay in force"
    );
    assert_eq!(
        app.submit(Comment::new("a cat once more")).await["status"],
        "pending"
    );
    let health: Value = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "degraded");
    assert!(health["rules_reload_error"].is_string(), "{health}");
}

async fn sighup_reloads_the_rules(db: Db) {
    let (app, token) = admin_app(db, "", true).await;
    let first = get_rules(&app, &token).await;
    std::fs::write(&app.rules_path, rules_with(CAT_RULE)).unwrap();
    signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap();
    let reloaded = wait_for_new_version(&app, &token, first["version"].as_str().unwrap()).await;
    assert!(reloaded["source"].as_str().unwrap().contains("test.cats"));
}

async fn reloads_under_load_drop_no_request_and_judge_each_comment_by_one_version(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let original = get_rules(&app, &token).await["version"]
        .as_str()
        .unwrap()
        .to_string();
    let plain = rules_with("");
    let with_cats = rules_with(CAT_RULE);
    let mut versions = std::collections::HashMap::new();
    let load = async {
        let mut ids = Vec::new();
        for round in 0..20 {
            let requests = (0..10).map(|i| {
                app.post_comment("a1", json!({"author_name": format!("r{round}.{i}"), "body": format!("My cat, round {round} #{i}")}))
            });
            for response in futures_util::future::join_all(requests).await {
                assert_eq!(
                    response.status().as_u16(),
                    201,
                    "no request fails during reloads"
                );
                let body: Value = response.json().await.unwrap();
                ids.push((
                    body["id"].as_str().unwrap().to_string(),
                    body["status"].as_str().unwrap().to_string(),
                ));
            }
        }
        ids
    };
    let swaps = async {
        for i in 0..10 {
            let current = get_rules(&app, &token).await;
            let source = if i % 2 == 0 { &with_cats } else { &plain };
            let response = put_rules(
                &app,
                &token,
                Some(current["version"].as_str().unwrap()),
                source,
            )
            .await;
            assert_eq!(response.status().as_u16(), 200);
            let body: Value = response.json().await.unwrap();
            versions.insert(body["version"].as_str().unwrap().to_string(), i % 2 == 0);
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let (ids, ()) = futures_util::future::join(load, swaps).await;
    let mut seen_versions = std::collections::HashSet::new();
    for (id, status) in ids {
        let (_, verdict) = app.stored_verdict(&id);
        let version = verdict["rules_version"].as_str().unwrap().to_string();
        let has_cat_rule = verdict["matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["rule_id"] == "test.cats");
        // Each comment's verdict is exactly what its recorded version decides.
        let cats_version = match versions.get(&version) {
            Some(cats) => *cats,
            None => {
                assert_eq!(version, original, "an unknown rules version judged {id}");
                false
            }
        };
        assert_eq!(
            has_cat_rule, cats_version,
            "comment {id} judged by {version}"
        );
        assert_eq!(status == "pending", cats_version);
        seen_versions.insert(version);
    }
    assert!(seen_versions.len() >= 2, "load overlapped the reloads");
}

#[actix_web::test]
async fn backtest_command_replays_stored_comments_from_the_database() {
    let app = TestApp::spawn(Db::Sqlite).await;
    app.submit(Comment::new("A cat photo")).await;
    app.submit(Comment::new("No animals here")).await;
    let dir = tempfile::tempdir().unwrap();
    let candidate = dir.path().join("candidate.toml");
    std::fs::write(&candidate, rules_with(CAT_RULE)).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "rules",
            "backtest",
            "--json",
            "--database-url",
            &app.database_url,
        ])
        .arg(&candidate)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["evaluated"], 2);
    assert_eq!(report["changes"][0]["from"], "published");
    assert_eq!(report["changes"][0]["to"], "pending");
    assert_eq!(report["changes"][0]["count"], 1);
    let text = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "rules",
            "backtest",
            "--limit",
            "1",
            "--database-url",
            &app.database_url,
        ])
        .arg(&candidate)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("replayed 1 comments"), "{stdout}");
}

async fn reloaded_rate_limits_apply_at_once(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    for i in 0..3 {
        assert_eq!(
            app.submit(Comment::new(&format!("before {i}"))).await["status"],
            "published"
        );
    }
    let tight = format!(
        "{TEST_RULES}\n{}",
        GENEROUS_LIMITS.replacen(
            "per_ip      = { burst = 100000, rate = 100000, per = \"second\" }",
            "per_ip      = { burst = 2, rate = 1, per = \"hour\" }",
            1
        )
    );
    assert_ne!(tight, rules_with(""), "the quota line was replaced");
    let version = get_rules(&app, &token).await["version"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        put_rules(&app, &token, Some(&version), &tight)
            .await
            .status()
            .as_u16(),
        200
    );
    for i in 0..2 {
        assert_eq!(
            app.submit(Comment::new(&format!("after {i}"))).await["status"],
            "published"
        );
    }
    let refused = app
        .post_comment(
            "a1",
            json!({"author_name": "Reader", "body": "one too many"}),
        )
        .await;
    assert_eq!(refused.status().as_u16(), 429);
}
