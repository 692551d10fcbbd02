//! Rules swapped while the server runs: a changed file (a broken one keeps the old rules),
//! SIGHUP, many swaps under load, and rate limits that apply at once.

use super::{
    admin_app, eventually, get_rules, put_rules, rules_changes, rules_with, wait_for_new_version,
    CAT_RULE,
};
use crate::backend_tests;
use crate::helpers::{Comment, Db, GENEROUS_LIMITS, TEST_RULES};
use crate::serve_process::ServeProcess;
use gatehouse::policy::PolicyHandle;
use serde_json::Value;
use std::sync::Arc;

backend_tests!(
    file_changes_reload_and_a_broken_file_keeps_the_old_rules,
    sighup_reloads_the_rules,
    reloads_under_load_drop_no_request_and_judge_each_comment_by_one_version,
    reloaded_rate_limits_apply_at_once,
    reloading_the_file_an_edit_wrote_changes_nothing,
);

async fn file_changes_reload_and_a_broken_file_keeps_the_old_rules(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let first = get_rules(&app, &token).await;
    std::fs::write(&app.rules_path, rules_with(CAT_RULE)).unwrap();
    let reloaded = wait_for_new_version(&app, &token, first["version"].as_str().unwrap()).await;
    assert_eq!(
        app.submit(Comment::new("a cat again")).await["status"],
        "pending"
    );
    assert_eq!(
        rules_changes(&app, &token).await[0]["actor"],
        "file on disk"
    );

    std::fs::write(&app.rules_path, "this is [ not valid").unwrap();
    let error = eventually("the broken file to be reported", || async {
        let error = get_rules(&app, &token).await["last_reload_error"].clone();
        (!error.is_null()).then_some(error)
    })
    .await;
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
    // Rules version -> whether it has the cat rule.
    let mut versions = std::collections::HashMap::new();
    let mut ids = Vec::new();
    for round in 0..20 {
        let requests = futures_util::future::join_all((0..10).map(|i| {
            app.submit(
                Comment::new(&format!("My cat, round {round} #{i}")).by(&format!("r{round}.{i}")),
            )
        }));
        // Every other round, a swap runs while the round's requests are in flight.
        let swap = async {
            if round % 2 == 1 {
                return;
            }
            let cats = round % 4 == 0;
            let current = get_rules(&app, &token).await;
            let source = if cats { &with_cats } else { &plain };
            let response = put_rules(
                &app,
                &token,
                Some(current["version"].as_str().unwrap()),
                source,
            )
            .await;
            assert_eq!(response.status().as_u16(), 200);
            let body: Value = response.json().await.unwrap();
            versions.insert(body["version"].as_str().unwrap().to_string(), cats);
        };
        let (accepted, ()) = futures_util::future::join(requests, swap).await;
        ids.extend(accepted.into_iter().map(|body| {
            (
                body["id"].as_str().unwrap().to_string(),
                body["status"].as_str().unwrap().to_string(),
            )
        }));
    }
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
    app.submit_expecting(429, Comment::new("one too many"))
        .await;
}

/// The watcher always sees the file an edit has just written: reading it back must be no
/// change (no swap, no audit row). Checked on the rules handle itself, where the reload
/// happens when the test says, not when the watcher's settling delay ends.
async fn reloading_the_file_an_edit_wrote_changes_nothing(db: Db) {
    let (app, token) = admin_app(db, "", true).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moderation_rules.toml");
    std::fs::write(&path, rules_with("")).unwrap();
    let rules = PolicyHandle::load(&path).unwrap();
    let pool = app.pool();
    let old_version = rules.current().version().to_string();
    rules
        .replace(&pool, &rules_with(CAT_RULE), &old_version, "admin")
        .unwrap();
    let edited = rules.current();

    assert_eq!(rules.reload_from_disk(&pool).unwrap(), None);
    assert!(
        Arc::ptr_eq(&rules.current(), &edited),
        "the rules were swapped"
    );
    let changes = rules_changes(&app, &token).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["actor"], "admin");
}

/// The live rules version a server reports in `/healthz`.
async fn rules_version(server: &ServeProcess) -> String {
    let health: Value = reqwest::get(server.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    health["rules_version"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn editing_a_rules_file_named_by_a_relative_path_reloads_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moderation_rules.toml");
    std::fs::write(&path, rules_with("")).unwrap();
    let server = ServeProcess::start(dir.path(), "sqlite://gatehouse.db").await;
    let first = rules_version(&server).await;
    std::fs::write(&path, rules_with(CAT_RULE)).unwrap();
    let reloaded = eventually("the edited file to be reloaded", || async {
        let version = rules_version(&server).await;
        (version != first).then_some(version)
    })
    .await;
    assert_eq!(reloaded.len(), 64);
}
