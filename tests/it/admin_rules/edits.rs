//! Reading and editing the live rules over the API: source, version and hit counts; a
//! replacement only over the current version and only when valid; traces of one comment.

use super::{
    admin_app, get_rules, put_rules, rules_changes, rules_with, wait_for_new_version, CAT_RULE,
};
use crate::backend_tests;
use crate::helpers::{Comment, Db};
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    get_rules_shows_source_version_and_hit_counts,
    replacing_rules_needs_the_current_version_and_valid_content,
    replaced_rules_judge_the_next_comment_and_are_audited,
    rules_test_traces_a_comment_against_live_rules_or_a_candidate,
    the_short_version_rules_check_prints_is_a_valid_if_match,
    the_rules_api_cannot_read_files_outside_the_rules_folder,
    a_rules_file_larger_than_a_comment_body_may_be_sent_by_an_admin,
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

    // `If-Match: *` is "whatever version is current" (RFC 9110).
    let any = app
        .authed(Method::PUT, "/api/v1/admin/rules", &token)
        .header("if-match", "*")
        .json(&json!({"source": candidate}))
        .send()
        .await
        .unwrap();
    assert_eq!(any.status().as_u16(), 200);
    assert_ne!(get_rules(&app, &token).await["version"], before["version"]);
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

    let changes = rules_changes(&app, &token).await;
    let entry = &changes[0];
    assert_eq!(entry["actor"], "admin");
    assert_eq!(entry["before"]["version"], old_version.as_str());
    assert_eq!(entry["after"]["version"], new_version.as_str());
    assert_eq!(entry["details"]["added"], json!(["test.cats"]));

    // The watcher also sees the file the edit wrote, which must not count as a change: a
    // later change on disk is audited as coming straight after the edit. (Writes within the
    // watcher's settling delay are read once; reload.rs checks reading the edit back alone.)
    std::fs::write(
        &app.rules_path,
        rules_with(&format!("{CAT_RULE}{SHADOW_RULE}")),
    )
    .unwrap();
    let reloaded = wait_for_new_version(&app, &token, &new_version).await;
    let changes = rules_changes(&app, &token).await;
    let actors: Vec<&str> = changes
        .iter()
        .map(|c| c["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["file on disk", "admin"], "{changes:?}");
    assert_eq!(changes[0]["before"]["version"], new_version.as_str());
    assert_eq!(changes[0]["after"]["version"], reloaded["version"]);
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

async fn the_short_version_rules_check_prints_is_a_valid_if_match(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let version = get_rules(&app, &token).await["version"]
        .as_str()
        .unwrap()
        .to_string();
    let too_short = put_rules(&app, &token, Some(&version[..8]), &rules_with(CAT_RULE)).await;
    assert_eq!(
        too_short.status().as_u16(),
        412,
        "8 characters could name another version"
    );
    let short = put_rules(&app, &token, Some(&version[..12]), &rules_with(CAT_RULE)).await;
    assert_eq!(short.status().as_u16(), 200);
    let stale = put_rules(&app, &token, Some(&version[..12]), &rules_with("")).await;
    assert_eq!(
        stale.status().as_u16(),
        412,
        "the short form of a replaced version is stale"
    );
}

async fn the_rules_api_cannot_read_files_outside_the_rules_folder(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let version = get_rules(&app, &token).await["version"]
        .as_str()
        .unwrap()
        .to_string();
    for name in [
        "/etc/passwd",
        "../../../../etc/hostname",
        "/proc/self/environ",
        "/dev/zero",
    ] {
        let rule = format!(
            "[[rule]]\nid = \"leak\"\ndescription = \"x\"\nkind = \"words\"\naction = \"hold\"\nfiles = [\"{name}\"]\n"
        );
        let answer = put_rules(&app, &token, Some(&version), &rules_with(&rule)).await;
        assert_eq!(answer.status().as_u16(), 422, "{name}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_rules", "{name}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("no such file in"), "{name}: {message}");
        assert!(!message.contains("root:"), "{name}: {message}");
        let checked = app
            .authed(Method::POST, "/api/v1/admin/rules/check", &token)
            .json(&json!({"source": rules_with(&rule)}))
            .send()
            .await
            .unwrap();
        let checked: Value = checked.json().await.unwrap();
        assert_eq!(checked["valid"], false, "{name}: {checked}");
    }
    assert_eq!(get_rules(&app, &token).await["version"], version.as_str());
}

async fn a_rules_file_larger_than_a_comment_body_may_be_sent_by_an_admin(db: Db) {
    let (app, token) = admin_app(db, "", false).await;
    let version = get_rules(&app, &token).await["version"]
        .as_str()
        .unwrap()
        .to_string();
    // 20,000 entries: about 300 KB, well past the 64 KiB a comment body may have.
    let words: Vec<String> = (0..20_000).map(|i| format!("\"zqxword{i}\"")).collect();
    let big_rule = format!(
        "[[rule]]\nid = \"site.list\"\ndescription = \"A site's own list\"\n\
         kind = \"words\"\naction = \"hold\"\nwords = [{}]\n",
        words.join(", ")
    );
    let candidate = rules_with(&big_rule);
    assert!(candidate.len() > 256 * 1024);
    let response = put_rules(&app, &token, Some(&version), &candidate).await;
    assert_eq!(response.status().as_u16(), 200);
    let held = app.submit(Comment::new("Is zqxword19999 a word?")).await;
    assert_eq!(held["status"], "pending");

    let comment = app
        .post_comment(
            "a1",
            json!({"author_name": "Jane", "body": "x".repeat(300 * 1024)}),
        )
        .await;
    assert_eq!(comment.status().as_u16(), 413);
}
