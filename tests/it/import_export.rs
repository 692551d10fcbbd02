//! Moving a site's comments in and out with the real binary (`gatehouse import`, `gatehouse
//! export`) on both backends: Disqus and WordPress exports become threads, a second run adds
//! nothing, a dry run writes nothing, `--judge` only holds; export, import into a fresh
//! database and export again lose nothing (readers' edits and deletes, changed decisions and
//! articles' settings included, edit grants never); one article's export over HTTP for
//! moderators; and page URLs resolved to article ids over HTTP.

use crate::backend_tests;
use crate::helpers::{repo_path, Comment, Db, TestApp, GENEROUS_LIMITS, TEST_RULES};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};

backend_tests!(
    a_disqus_export_becomes_threads_and_a_second_run_adds_nothing,
    a_wordpress_export_keyed_by_query_parameter_is_judged_only_to_hold,
    a_dry_run_reports_what_it_would_import_and_writes_nothing,
    export_then_import_into_a_fresh_database_then_export_again_loses_nothing,
    one_article_is_exported_over_http_to_moderators_only,
    a_page_url_resolves_to_the_article_id_of_its_thread,
);

fn gatehouse(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .env_remove("GATEHOUSE_DATABASE_URL")
        .env_remove("GATEHOUSE_RULES")
        .output()
        .expect("run gatehouse");
    assert!(
        output.status.success(),
        "gatehouse {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn fixture(name: &str) -> String {
    repo_path(&format!("tests/fixtures/import/{name}"))
        .display()
        .to_string()
}

/// A policy file with the test rules and, if given, a `[moderation]` table.
fn policy_file(dir: &Path, moderation: &str) -> String {
    let path = dir.join("policy.toml");
    std::fs::write(
        &path,
        format!("{TEST_RULES}\n{GENEROUS_LIMITS}\n{moderation}"),
    )
    .unwrap();
    path.display().to_string()
}

fn import(app: &TestApp, format: &str, file: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "import",
        "--format",
        format,
        "--json",
        "--database-url",
        &app.database_url,
    ];
    args.extend_from_slice(extra);
    args.push(file);
    let output = gatehouse(&args);
    serde_json::from_slice(&output.stdout).expect("the report is JSON")
}

fn export(app: &TestApp, to: &Path) -> String {
    gatehouse(&[
        "export",
        "--format",
        "jsonl",
        "--database-url",
        &app.database_url,
        "--output",
        &to.display().to_string(),
    ]);
    std::fs::read_to_string(to).unwrap()
}

async fn thread(app: &TestApp, article: &str) -> Vec<Value> {
    let page: Value = app.list(article, "?limit=100").await.json().await.unwrap();
    page["comments"].as_array().unwrap().clone()
}

async fn a_disqus_export_becomes_threads_and_a_second_run_adds_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let dir = tempfile::tempdir().unwrap();
    let rules = policy_file(dir.path(), "");
    let report = import(&app, "disqus", &fixture("disqus.xml"), &["--rules", &rules]);
    assert_eq!(report["imported"], 6, "{report:#}");
    assert_eq!(report["malformed"], 2);
    assert_eq!(report["duplicates"], 1);
    assert_eq!(report["missing_parent"], 1);
    let problems = report["problems"].to_string();
    assert!(problems.contains("record 7 at byte"), "{problems}");
    assert!(problems.contains("createdAt"), "{problems}");
    assert_eq!(
        report["by_article"]["harbourtimes.example:news:2026:budget"],
        json!({"published": 2, "pending": 0, "rejected": 2})
    );

    // The reply came before its parent in the file and still hangs under it.
    let budget = thread(&app, "harbourtimes.example:news:2026:budget").await;
    assert_eq!(budget.len(), 2, "{budget:#?}");
    assert_eq!(budget[0]["author_name"], "Ann Okafor");
    assert_eq!(budget[1]["parent_id"], budget[0]["id"]);
    assert_eq!(budget[1]["depth"], 1);
    assert_eq!(budget[0]["created_at"], "2026-03-02T09:40:00Z");
    // The reply whose parent is missing is a top-level comment; the unapproved one waits.
    let regatta = thread(&app, "harbourtimes.example:sport:regatta").await;
    assert_eq!(regatta.len(), 1);
    assert_eq!(regatta[0]["parent_id"], Value::Null);
    let token = app.token_for("mod", Role::Moderator).await;
    let queue = app
        .get_json(&token, "/api/v1/moderation/queue?status=pending")
        .await;
    assert_eq!(queue["items"][0]["author_name"], "Dee", "{queue:#}");

    let stored = app.stored_count();
    let again = import(&app, "disqus", &fixture("disqus.xml"), &["--rules", &rules]);
    assert_eq!(again["imported"], 0, "{again:#}");
    assert_eq!(again["already_imported"], 7);
    assert_eq!(app.stored_count(), stored);
}

async fn a_wordpress_export_keyed_by_query_parameter_is_judged_only_to_hold(db: Db) {
    let app = TestApp::spawn(db).await;
    let dir = tempfile::tempdir().unwrap();
    let rules = policy_file(
        dir.path(),
        "[moderation]\narticle_urls = { keep_query = [\"p\"] }\n",
    );
    let report = import(
        &app,
        "wordpress",
        &fixture("wordpress.xml"),
        &["--rules", &rules, "--judge"],
    );
    assert_eq!(report["imported"], 6, "{report:#}");
    assert_eq!(report["skipped"], 1);
    assert_eq!(report["malformed"], 1);
    // "Earn money from home" is published in WordPress; the test rules would reject it
    // outright, the import only holds it.
    assert_eq!(report["held_by_rules"], 1);
    let garlic = thread(&app, "valleygardener.example~3Fp~3D42").await;
    let bodies: Vec<&str> = garlic.iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        [
            "How deep should the cloves go?\nMine rotted last year.",
            "About 5 cm, in well-drained soil."
        ]
    );
    assert_eq!(garlic[1]["parent_id"], garlic[0]["id"]);
    // Each imported body, judged here, is stored with the fingerprint the duplicate rule
    // compares new comments with.
    for body in bodies {
        let fingerprint = gatehouse::rules::body_fingerprint(body);
        let touched = app.sql(&format!(
            "UPDATE comments SET score = score WHERE body_fingerprint = '{fingerprint}'"
        ));
        assert_eq!(touched, 1, "{body:?}");
    }
    let token = app.token_for("mod", Role::Moderator).await;
    let held = app
        .get_json(&token, "/api/v1/moderation/queue?status=pending")
        .await;
    let held_bodies = held["items"].to_string();
    assert!(held_bodies.contains("viagra"), "{held:#}");
    assert!(held_bodies.contains("First frost came early"), "{held:#}");
}

async fn a_dry_run_reports_what_it_would_import_and_writes_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let dir = tempfile::tempdir().unwrap();
    let rules = policy_file(dir.path(), "");
    let report = import(
        &app,
        "disqus",
        &fixture("disqus.xml"),
        &["--rules", &rules, "--dry-run"],
    );
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["imported"], 6, "{report:#}");
    assert_eq!(report["duplicates"], 1);
    assert_eq!(report["missing_parent"], 1);
    assert_eq!(app.stored_count(), 0);
    let token = app.token_for("mod", Role::Moderator).await;
    let log = app
        .get_json(&token, "/api/v1/moderation/log?action=comments.import")
        .await;
    assert_eq!(log["entries"], json!([]));
}

async fn export_then_import_into_a_fresh_database_then_export_again_loses_nothing(db: Db) {
    let site = TestApp::builder(db)
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .spawn()
        .await;
    let token = site.token_for("mod", Role::Moderator).await;
    let top = site
        .submit(Comment::new("A fine article.").by("Ann").email("ann@x.org"))
        .await;
    site.submit(Comment::new("I agree.").by("Bob").reply_to(&top["id"]))
        .await;
    let held = site.submit(Comment::new("Buy viagra now").by("Spam")).await;
    let pending = site
        .submit(Comment::new("Earn money from home today").by("Maybe"))
        .await;
    let path = format!(
        "/api/v1/moderation/comments/{}/approve",
        pending["id"].as_str().unwrap()
    );
    let decided = site
        .authed(Method::POST, &path, &token)
        .json(&json!({"reason": "fine in context"}))
        .send()
        .await
        .unwrap();
    assert!(decided.status().is_success());
    let flagged = site
        .client
        .post(site.url(&format!(
            "/api/v1/comments/{}/flags",
            top["id"].as_str().unwrap()
        )))
        .json(&json!({"reason": "off_topic", "note": "hm"}))
        .send()
        .await
        .unwrap();
    assert_eq!(flagged.status().as_u16(), 202);
    // A change of mind: the approved comment rejected after all.
    let path = path.replace("/approve", "/reject");
    let redecided = site
        .authed(Method::POST, &path, &token)
        .json(&json!({"reason": "a reader complained", "expected_status": "published"}))
        .send()
        .await
        .unwrap();
    assert_eq!(redecided.status().as_u16(), 200);
    // A reader's edit (its earlier text kept) and a reader's delete, on another article.
    let edited = site
        .submit(Comment::new("Frist version.").by("Cy").on("a2"))
        .await;
    let edit_token = edited["edit_token"].as_str().unwrap();
    let id = edited["id"].as_str().unwrap();
    let answer = crate::reader_edits::patch(&site, id, Some(edit_token), "First version.").await;
    assert_eq!(answer.status().as_u16(), 200);
    let deleted = site
        .submit(Comment::new("Words taken back.").by("Di").on("a2"))
        .await;
    let answer = crate::reader_edits::delete(
        &site,
        deleted["id"].as_str().unwrap(),
        Some(deleted["edit_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(answer.status().as_u16(), 204);
    // One article closed, one premoderated with a closing time and no comments yet.
    for (article, settings) in [
        (
            "a1",
            json!({"state": "closed", "reason": "the story is old"}),
        ),
        (
            "quiet",
            json!({"state": "premoderated", "closes_at": "2999-01-01T00:00:00Z", "reason": "court case"}),
        ),
    ] {
        let set = site
            .authed(
                Method::PUT,
                &format!("/api/v1/moderation/articles/{article}"),
                &token,
            )
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert_eq!(set.status().as_u16(), 200);
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = policy_file(dir.path(), "");
    import(
        &site,
        "disqus",
        &fixture("disqus.xml"),
        &["--rules", &rules],
    );
    assert_eq!(held["status"], "rejected");

    let first = export(&site, &dir.path().join("first.jsonl"));
    assert_eq!(first.lines().count(), 14, "{first}");
    let records: Vec<Value> = first
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        (
            &records[0]["format"],
            &records[0]["article_id"],
            &records[0]["state"]
        ),
        (&json!("gatehouse.article"), &json!("a1"), &json!("closed"))
    );
    assert_eq!(records[1]["state"], "premoderated");
    assert_eq!(records[1]["closes_at"], "2999-01-01T00:00:00Z");
    assert_eq!(records[1]["updated_by"], "mod");
    let record = |id: &Value| {
        records
            .iter()
            .find(|r| r["id"] == *id)
            .unwrap_or_else(|| panic!("{id} in {first}"))
    };
    let was_edited = record(&edited["id"]);
    assert!(was_edited["edited_at"].is_string());
    assert_eq!(was_edited["body"], "First version.");
    assert_eq!(was_edited["revisions"][0]["kind"], "edit");
    assert_eq!(was_edited["revisions"][0]["body"], "Frist version.");
    assert_eq!(was_edited["version"], 1);
    let was_deleted = record(&deleted["id"]);
    assert!(was_deleted["deleted_at"].is_string());
    assert_eq!(
        was_deleted["version"], 2,
        "a version-1 reader must not drop it"
    );
    assert_eq!(was_deleted["revisions"][0]["kind"], "delete");
    let changed_mind = record(&pending["id"]);
    assert_eq!(changed_mind["status"], "rejected");
    assert_eq!(changed_mind["status_changed_by"], "mod");
    assert_eq!(changed_mind["revision"], 2);
    assert_eq!(changed_mind["decisions"].as_array().unwrap().len(), 2);
    assert!(first.contains("\"imported_from\":{\"source\":\"disqus\",\"id\":\"9002\"}"));
    assert!(first.contains("fine in context"));
    assert!(first.contains("\"client_key\""));
    assert!(
        !first.contains("token_hash") && !first.contains(edit_token),
        "edit grants are never exported"
    );

    let fresh = TestApp::spawn(db).await;
    let report = import(
        &fresh,
        "jsonl",
        &dir.path().join("first.jsonl").display().to_string(),
        &["--rules", &rules],
    );
    assert_eq!(report["imported"], 12, "{report:#}");
    assert_eq!(report["articles"], 2, "{report:#}");
    assert_eq!(report["malformed"], 0);
    let second = export(&fresh, &dir.path().join("second.jsonl"));
    assert_eq!(first, second);
    // The imported state is in force: a1 is closed, its thread readable; the deleted comment
    // stays out of the public thread; nobody can edit with the old token.
    fresh
        .submit_expecting(409, Comment::new("Too late.").on("a1"))
        .await;
    let a2 = thread(&fresh, "a2").await;
    assert_eq!(a2.len(), 1, "{a2:#?}");
    assert_eq!(a2[0]["body"], "First version.");
    assert!(a2[0]["edited_at"].is_string());
    let answer = crate::reader_edits::patch(&fresh, id, Some(edit_token), "Again.").await;
    assert_eq!(answer.status().as_u16(), 403);
    // Read back twice, still nothing new; and the Disqus ids came along.
    let again = import(
        &fresh,
        "jsonl",
        &dir.path().join("second.jsonl").display().to_string(),
        &["--rules", &rules],
    );
    assert_eq!(again["imported"], 0);
    assert_eq!(again["articles"], 0);
    assert_eq!(again["articles_already_set"], 2);
    let disqus_again = import(
        &fresh,
        "disqus",
        &fixture("disqus.xml"),
        &["--rules", &rules],
    );
    assert_eq!(disqus_again["imported"], 0, "{disqus_again:#}");
}

async fn one_article_is_exported_over_http_to_moderators_only(db: Db) {
    let app = TestApp::spawn(db).await;
    let top = app.submit(Comment::new("First.").by("Ann")).await;
    app.submit(Comment::new("Second.").by("Bob").reply_to(&top["id"]))
        .await;
    app.submit(Comment::new("Elsewhere.").on("a2")).await;
    let path = "/api/v1/moderation/articles/a1/export";
    let anonymous = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let token = app.token_for("mod", Role::Moderator).await;
    let response = app.authed(Method::GET, path, &token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let body = response.text().await.unwrap();
    let records: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["format"], "gatehouse.comment");
    assert_eq!(records[0]["version"], 1);
    assert_eq!(records[1]["parent_id"], records[0]["id"]);
    assert!(records[0]["verdict"]["rules_version"].is_string());
    // Once a moderator set the article, its settings come first.
    let closed = app
        .authed(Method::PUT, "/api/v1/moderation/articles/a1", &token)
        .json(&json!({"state": "closed", "reason": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status().as_u16(), 200);
    let body = app
        .authed(Method::GET, path, &token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let first: Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
    assert_eq!(first["format"], "gatehouse.article");
    assert_eq!(first["state"], "closed");
    assert_eq!(body.lines().count(), 3);
    let bad = app
        .authed(
            Method::GET,
            "/api/v1/moderation/articles/a%20b/export",
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let none = app
        .authed(
            Method::GET,
            "/api/v1/moderation/articles/nothing-here/export",
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(none.text().await.unwrap(), "");
}

async fn a_page_url_resolves_to_the_article_id_of_its_thread(db: Db) {
    let app = TestApp::builder(db)
        .rules(format!(
            "{TEST_RULES}\n{GENEROUS_LIMITS}\n[moderation]\narticle_urls = {{ keep_query = [\"p\"] }}\n"
        ))
        .spawn()
        .await;
    let resolve = |url: &str| {
        app.client
            .get(app.url("/api/v1/articles/resolve"))
            .query(&[("url", url)])
            .send()
    };
    let answer = resolve("https://WWW.Example.com:443/news/budget/?utm_source=x&p=7#comments")
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.headers()["cache-control"], "public, max-age=300");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(
        body,
        json!({"article_id": "example.com:news:budget~3Fp~3D7", "url_key": "example.com/news/budget?p=7"})
    );
    // The id works as any other.
    let id = body["article_id"].as_str().unwrap();
    let posted = app.submit(Comment::new("By URL.").on(id)).await;
    assert_eq!(posted["article_id"], id);
    for bad in [
        "budget-2026",
        "javascript:alert(1)",
        "ftp://example.com/a",
        "",
    ] {
        let refused = resolve(bad).await.unwrap();
        assert_eq!(refused.status().as_u16(), 400, "{bad}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["error"]["field"], "url", "{bad}");
        assert_eq!(error["error"]["code"], "validation_failed");
    }
    let long = format!("https://example.com/{}", "a".repeat(3000));
    assert_eq!(resolve(&long).await.unwrap().status().as_u16(), 400);
}
