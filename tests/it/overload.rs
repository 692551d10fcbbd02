//! Overload and an unwritable database: while the intake writer cannot write, submissions past
//! its queue are answered 503 at once (never 201 for something not stored), and everything
//! answered 201 is stored once the database writes again.

use crate::backend_tests;
use crate::helpers::{Comment, Db, TestApp};
use diesel::connection::SimpleConnection;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

backend_tests!(a_burst_past_the_writer_queue_is_answered_503_and_nothing_answered_201_is_lost,);

/// Holds the database's write lock from outside the app, as another process (or a stuck
/// disk) would: SQLite's file lock, or a PostgreSQL table lock that blocks inserts.
fn block_writes(app: &TestApp, db: Db) -> gatehouse::storage::DbConnection {
    let mut conn = gatehouse::storage::DatabaseUrl::parse(&app.database_url)
        .unwrap()
        .establish()
        .expect("connect");
    let lock = match db {
        Db::Sqlite => "BEGIN IMMEDIATE",
        Db::Postgres => "BEGIN; LOCK TABLE comments IN SHARE ROW EXCLUSIVE MODE",
    };
    conn.batch_execute(lock).expect("take the write lock");
    conn
}

async fn a_burst_past_the_writer_queue_is_answered_503_and_nothing_answered_201_is_lost(db: Db) {
    let app = Arc::new(
        TestApp::builder(db)
            .configure(|c| {
                c.intake_queue = 4;
                c.intake_batch = 1;
            })
            .spawn()
            .await,
    );
    app.submit(Comment::new("Before the burst.")).await;
    let mut blocker = block_writes(&app, db);

    const BURST: usize = 30;
    let refused = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..BURST)
        .map(|i| {
            let (app, refused) = (app.clone(), refused.clone());
            actix_web::rt::spawn(async move {
                let response = app
                    .post_comment(
                        "a1",
                        serde_json::json!({"author_name": format!("Reader {i}"), "body": format!("Burst comment number {i}.")}),
                    )
                    .await;
                let status = response.status().as_u16();
                if status == 503 {
                    refused.fetch_add(1, Ordering::SeqCst);
                    assert!(response.headers().contains_key("retry-after"));
                }
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    // The writer holds one comment and its queue four: the rest must be refused while the
    // database cannot write.
    let deadline = Instant::now() + Duration::from_secs(20);
    while refused.load(Ordering::SeqCst) < BURST - 5 {
        assert!(Instant::now() < deadline, "the burst was not refused");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    blocker.batch_execute("ROLLBACK").expect("release the lock");

    let mut accepted = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            201 => accepted += 1,
            503 => assert_eq!(body["error"]["code"], "service_unavailable", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(accepted + refused.load(Ordering::SeqCst), BURST);
    assert!((1..=5).contains(&accepted), "{accepted} accepted");
    assert_eq!(
        app.stored_count(),
        1 + accepted as i64,
        "every 201 is stored, no 503 is"
    );
    // And the writer works again.
    assert_eq!(
        app.submit(Comment::new("After the burst.")).await["status"],
        "published"
    );
}

/// A PostgreSQL database that turns read-only (a replica promoted the wrong way, a full disk
/// making the server refuse writes) and back: submissions get 503 meanwhile, never 201, and
/// the writer reconnects by itself once writes work again.
#[actix_web::test]
async fn a_database_that_cannot_write_answers_503_and_recovers_by_itself() {
    let Some(admin_url) = crate::postgres_support::postgres_admin_url() else {
        return;
    };
    let app = TestApp::spawn(Db::Postgres).await;
    app.submit(Comment::new("While it writes.")).await;
    let database: String = app
        .database_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let set_read_only = |on: bool| {
        use diesel::Connection;
        let mut admin = diesel::PgConnection::establish(&admin_url).expect("connect as admin");
        admin
            .batch_execute(&format!(
                "ALTER DATABASE \"{database}\" SET default_transaction_read_only = {on}; \
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}';"
            ))
            .expect("switch the database");
    };
    set_read_only(true);
    let mut refused = 0;
    for i in 0..5 {
        let response = app
            .post_comment(
                "a1",
                serde_json::json!({"author_name": "Ann", "body": format!("While it cannot write {i}.")}),
            )
            .await;
        let status = response.status().as_u16();
        assert_ne!(status, 201, "nothing can be stored now");
        if status == 503 {
            refused += 1;
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "service_unavailable", "{body}");
        }
    }
    assert_eq!(refused, 5);
    assert_eq!(app.stored_count(), 1);

    set_read_only(false);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = app
            .post_comment(
                "a1",
                serde_json::json!({"author_name": "Ann", "body": "Writes work again."}),
            )
            .await;
        if response.status().as_u16() == 201 {
            break;
        }
        assert!(Instant::now() < deadline, "the writer never recovered");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.stored_count(), 2);
}

/// A PostgreSQL session ended under a connection someone kept (a restart,
/// `pg_terminate_backend`; the intake's judges keep theirs while comments wait): its next
/// query is a transient failure, answered 503 and retried on a fresh connection, not a
/// broken query answered 500.
#[test]
fn a_postgres_session_ended_under_a_kept_connection_is_a_transient_failure() {
    use diesel::{Connection, RunQueryDsl};
    let Some(admin_url) = crate::postgres_support::postgres_admin_url() else {
        return;
    };
    let mut kept = diesel::PgConnection::establish(&admin_url).expect("connect");
    let pid: i32 = diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
        "pg_backend_pid()",
    ))
    .get_result(&mut kept)
    .expect("own backend pid");
    let mut admin = diesel::PgConnection::establish(&admin_url).expect("connect as admin");
    admin
        .batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
        .expect("terminate the kept session");
    let err = diesel::sql_query("SELECT 1")
        .execute(&mut kept)
        .expect_err("the session is gone");
    let err = gatehouse::storage::StorageError::from(err);
    assert!(err.is_transient(), "{err:?}");
}
