//! `gatehouse backup`: a copy of the SQLite database made while comments keep arriving holds
//! every comment answered before it began, passes SQLite's integrity check, and serves again
//! once restored in place of a lost database.

use crate::helpers::{Comment, Db, TestApp};
use diesel::RunQueryDsl;
use serde_json::json;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

fn gatehouse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .output()
        .expect("run gatehouse")
}

#[actix_web::test]
async fn a_backup_under_load_restores_every_comment_answered_before_it() {
    let app = Arc::new(TestApp::spawn(Db::Sqlite).await);
    let accepted = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (app, accepted, stop) = (app.clone(), accepted.clone(), stop.clone());
        actix_web::rt::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let body = app
                    .submit(Comment::new(&format!(
                        "Comment number {n} during the backup."
                    )))
                    .await;
                accepted
                    .lock()
                    .unwrap()
                    .push(body["id"].as_str().unwrap().to_string());
            }
        })
    };
    while accepted.lock().unwrap().len() < 50 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before: Vec<String> = accepted.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    let backup_arg = backup.display().to_string();
    let database_url = app.database_url.clone();
    let output = actix_web::rt::task::spawn_blocking(move || {
        gatehouse(&[
            "backup",
            "--database-url",
            &database_url,
            "--to",
            &backup_arg,
        ])
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let during = accepted.lock().unwrap().len();
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(
        during > before.len(),
        "comments kept arriving during the backup"
    );

    // The server's disk is lost: restore the backup as a new database file and serve it.
    let restored_path = dir.path().join("gatehouse.db");
    std::fs::copy(&backup, &restored_path).unwrap();
    let restored_url = format!("sqlite://{}", restored_path.display());
    let mut conn = gatehouse::storage::DatabaseUrl::parse(&restored_url)
        .unwrap()
        .establish()
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(check[0].integrity_check, "ok");
    let restored = TestApp::builder(Db::Sqlite)
        .database_url(&restored_url)
        .spawn()
        .await;
    for id in &before {
        let (status, _) = restored.stored_verdict(id);
        assert!(
            !status.is_empty(),
            "comment {id} answered before the backup is restored"
        );
    }
    assert!(restored.stored_count() >= before.len() as i64);
    let after = restored
        .post_comment(
            "a1",
            json!({"author_name": "Ann", "body": "Back in business."}),
        )
        .await;
    assert_eq!(after.status().as_u16(), 201);
}

#[test]
fn a_backup_never_overwrites_a_file_and_postgres_is_sent_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("g.db");
    let url = format!("sqlite://{}", database.display());
    assert!(gatehouse(&["migrate", "--database-url", &url])
        .status
        .success());
    let existing = dir.path().join("taken.db");
    std::fs::write(&existing, "precious").unwrap();
    let refused = gatehouse(&[
        "backup",
        "--database-url",
        &url,
        "--to",
        &existing.display().to_string(),
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("never overwrites"));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "precious");

    let Some(admin) = crate::postgres_support::postgres_admin_url() else {
        return;
    };
    let pg = gatehouse(&[
        "backup",
        "--database-url",
        &admin,
        "--to",
        &dir.path().join("pg.db").display().to_string(),
    ]);
    assert!(!pg.status.success());
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));
}
