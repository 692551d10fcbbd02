//! `gatehouse migrate-data`: a SQLite database filled through the API, copied by the real
//! binary into a new PostgreSQL database, serves the same thread, queue, log, bans and logins
//! there, with the learned model and idempotency keys; a non-empty target is refused; a missing SQLite source is refused while a missing
//! SQLite target is created. And `gatehouse migrate` on PostgreSQL.

use crate::helpers::{Comment, Db, TestApp, TEST_PASSWORD};
use crate::postgres_support::{postgres_admin_url, TestDatabase};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};
use std::process::{Command, Output};

fn gatehouse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .env_remove("GATEHOUSE_DATABASE_URL")
        .output()
        .expect("run gatehouse")
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let response = app
        .authed(Method::POST, path, token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// One submission with an `Idempotency-Key`, sent before the move and retried after it.
async fn post_with_key(app: &TestApp) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/articles/a2/comments"))
        .header("idempotency-key", "retry-after-the-move")
        .json(&json!({"author_name": "Eve", "body": "Sent once, retried after the move."}))
        .send()
        .await
        .unwrap()
}

/// What a reader and a moderator can see of the site.
async fn snapshot(app: &TestApp, token: &str) -> Vec<Value> {
    let thread: Value = app.list("a1", "").await.json().await.unwrap();
    vec![
        thread,
        app.get_json(token, "/api/v1/moderation/queue").await,
        app.get_json(token, "/api/v1/moderation/log").await,
        app.get_json(token, "/api/v1/moderation/bans").await,
        app.get_json(token, "/api/v1/admin/users").await,
        app.get_json(token, "/api/v1/moderation/articles").await,
    ]
}

#[actix_web::test]
async fn migrate_data_copies_a_sqlite_site_to_postgres() {
    if postgres_admin_url().is_none() {
        return;
    }
    let sqlite = TestApp::spawn(Db::Sqlite).await;
    let admin = sqlite.token_for("admin", Role::Admin).await;
    let moderator = sqlite.token_for("mod", Role::Moderator).await;
    let top = sqlite
        .submit(Comment::new("A fine article.").by("Ann"))
        .await;
    sqlite
        .submit(Comment::new("I agree.").by("Bob").reply_to(&top["id"]))
        .await;
    for n in 0..3 {
        let held = sqlite
            .submit(Comment::new(&format!("ring 0123 456 78{n}0")).by(&format!("Caller {n}")))
            .await;
        assert_eq!(held["status"], "pending");
        if n < 2 {
            let action = if n == 0 { "approve" } else { "reject" };
            let path = format!(
                "/api/v1/moderation/comments/{}/{action}",
                held["id"].as_str().unwrap()
            );
            post(
                &sqlite,
                &moderator,
                &path,
                json!({"reason": "migration test"}),
            )
            .await;
        }
    }
    let flagged = sqlite
        .client
        .post(sqlite.url(&format!(
            "/api/v1/comments/{}/flags",
            top["id"].as_str().unwrap()
        )))
        .json(&json!({"reason": "spam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(flagged.status().as_u16(), 202);
    post(
        &sqlite,
        &moderator,
        "/api/v1/moderation/bans",
        json!({"kind": "author", "value": "troll@example.org", "reason": "abuse"}),
    )
    .await;
    let keyed = post_with_key(&sqlite).await;
    assert_eq!(keyed.status().as_u16(), 201);
    let keyed: Value = keyed.json().await.unwrap();
    let closed = sqlite
        .authed(Method::PUT, "/api/v1/moderation/articles/a2", &moderator)
        .json(&json!({"state": "closed", "reason": "migration test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status().as_u16(), 200);
    let before = snapshot(&sqlite, &admin).await;
    assert_eq!(before[0]["comments"].as_array().unwrap().len(), 3);
    let a2 = before[5]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["article_id"] == "a2")
        .cloned();
    assert_eq!(a2.unwrap_or_default()["state"], "closed", "{}", before[5]);
    assert!(!before[2]["entries"].as_array().unwrap().is_empty());

    let target = TestDatabase::create();
    let copied = gatehouse(&[
        "migrate-data",
        "--from",
        &sqlite.database_url,
        "--to",
        &target.url,
        "--batch-size",
        "2",
    ]);
    let stdout = String::from_utf8_lossy(&copied.stdout);
    assert!(
        copied.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    assert!(stdout.contains("comments"), "{stdout}");
    assert!(
        stdout.contains("every table's row count matches"),
        "{stdout}"
    );

    // The learned model came along: the same decisions, tokens and totals.
    let model = |url: &str| {
        let shown = gatehouse(&["learn", "--show", "--database-url", url]);
        assert!(shown.status.success(), "{shown:?}");
        String::from_utf8_lossy(&shown.stdout).into_owned()
    };
    let model_before = model(&sqlite.database_url);
    assert!(
        model_before.contains("1 approved (ham) and 1 rejected (spam)"),
        "{model_before}"
    );
    assert_eq!(model(&target.url), model_before);

    let postgres = TestApp::builder(Db::Postgres)
        .database_url(&target.url)
        .spawn()
        .await;
    // The sessions came along: the same token works, and so does signing in afresh.
    assert_eq!(snapshot(&postgres, &admin).await, before);
    let login = postgres.login("mod", TEST_PASSWORD).await;
    assert_eq!(login.status().as_u16(), 200);
    let token: Value = login.json().await.unwrap();
    let queue = postgres
        .get_json(token["token"].as_str().unwrap(), "/api/v1/moderation/queue")
        .await;
    assert_eq!(queue, before[1]);
    // A retry of a submission sent before the move still gets its first answer.
    let replay = post_with_key(&postgres).await;
    assert_eq!(replay.status().as_u16(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    // The first answer again, without its edit token: the replay store keeps no secret.
    let mut first_answer = keyed.clone();
    first_answer["edit_token"] = Value::Null;
    first_answer["editable_until"] = Value::Null;
    assert_eq!(replay.json::<Value>().await.unwrap(), first_answer);
    // The copy is a working site: new comments thread under copied ones.
    postgres
        .submit(Comment::new("Late reply.").by("Dan").reply_to(&top["id"]))
        .await;

    // A target with rows is refused, and left as it was.
    let again = gatehouse(&[
        "migrate-data",
        "--from",
        &sqlite.database_url,
        "--to",
        &target.url,
    ]);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(postgres.stored_count(), 7);
    drop(postgres);
}

#[test]
fn migrate_creates_the_schema_on_a_new_postgres_database() {
    if postgres_admin_url().is_none() {
        return;
    }
    let database = TestDatabase::create();
    for _ in 0..2 {
        let output = gatehouse(&["migrate", "--database-url", &database.url]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut conn = gatehouse::storage::DatabaseUrl::parse(&database.url)
        .unwrap()
        .establish()
        .unwrap();
    let counts = gatehouse::storage::transfer::count_rows(&mut conn).unwrap();
    assert_eq!(counts.len(), gatehouse::storage::transfer::TABLES.len());
    assert!(counts.iter().all(|(_, n)| *n == 0));
}

#[actix_web::test]
async fn migrate_data_creates_a_new_sqlite_target_but_never_a_source() {
    let site = TestApp::spawn(Db::Sqlite).await;
    for body in ["First.", "Second."] {
        let posted = site
            .post_comment("a1", json!({"author_name": "Ann", "body": body}))
            .await;
        assert_eq!(posted.status().as_u16(), 201);
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let copy_url = format!("sqlite://{}", copy.display());
    let copied = gatehouse(&[
        "migrate-data",
        "--from",
        &site.database_url,
        "--to",
        &copy_url,
    ]);
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    let copied_site = TestApp::builder(Db::Sqlite)
        .database_url(&copy_url)
        .spawn()
        .await;
    assert_eq!(copied_site.stored_count(), 2);

    // Copying back from a mistyped path is refused, not reported as 0 rows copied.
    let typo = dir.path().join("cpy.db");
    let refused = gatehouse(&[
        "migrate-data",
        "--from",
        &format!("sqlite://{}", typo.display()),
        "--to",
        &format!("sqlite://{}", dir.path().join("other.db").display()),
    ]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&typo.display().to_string()), "{stderr}");
    assert!(!typo.exists() && !dir.path().join("other.db").exists());
}
