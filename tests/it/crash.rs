//! Crash safety: the real binary, killed with SIGKILL at random moments while many clients post
//! comments, restarted on the same database again and again. Every comment answered 201 must
//! be stored exactly once (by id and by the unique marker in its body), and SQLite's
//! `PRAGMA integrity_check` must say `ok` after every crash.
//!
//! `GATEHOUSE_CRASH_CYCLES` sets the number of kill/restart cycles (default 20) and
//! `GATEHOUSE_CRASH_SEED` replays the random delays of an earlier run (it prints its seed).

use crate::backend_tests;
use crate::helpers::Db;
use crate::serve_process::{marked_body, stored_markers, ServeSetup};
use diesel::RunQueryDsl;
use gatehouse::storage::DatabaseUrl;
use proptest::prelude::RngExt;
use proptest::test_runner::{RngAlgorithm, TestRng};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

backend_tests!(every_comment_answered_201_survives_sigkill_exactly_once);

/// Concurrent clients, each on its own keep-alive connection.
const CLIENTS: usize = 16;
/// Longest wait between the first 201 of a cycle and the kill.
const MAX_KILL_DELAY_MS: u64 = 250;
/// How long a restarted server may take to accept its first comment on a loaded machine.
const PROGRESS_DEADLINE: Duration = Duration::from_secs(120);

fn cycles() -> usize {
    std::env::var("GATEHOUSE_CRASH_CYCLES")
        .ok()
        .map(|v| v.parse().expect("GATEHOUSE_CRASH_CYCLES is a number"))
        .unwrap_or(20)
}

fn random_delays() -> TestRng {
    let seed: u64 = match std::env::var("GATEHOUSE_CRASH_SEED") {
        Ok(seed) => seed.parse().expect("GATEHOUSE_CRASH_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    };
    eprintln!("crash test: GATEHOUSE_CRASH_SEED={seed}");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// A comment the server answered 201: its id and the marker its body carries.
#[derive(Debug)]
struct Acknowledged {
    id: String,
    marker: String,
}

/// What the clients saw during one cycle.
#[derive(Default)]
struct Outcomes {
    acknowledged: Vec<Acknowledged>,
    /// Requests that got no answer: the kill came first, so either outcome is allowed.
    unanswered: usize,
    /// Answers other than 201 (never expected, reported to help diagnose).
    other: HashMap<u16, usize>,
}

/// Posts comments with unique markers until the server stops answering.
async fn client(server_port: u16, prefix: String, outcomes: Rc<RefCell<Outcomes>>) {
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{server_port}/api/v1/articles/crash/comments");
    for sequence in 0.. {
        let marker = format!("{prefix}-{sequence}");
        let comment = serde_json::json!({
            "author_name": format!("Reader {prefix}"),
            "body": marked_body(&marker),
        });
        let answer = match http.post(&url).json(&comment).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                response
                    .json::<serde_json::Value>()
                    .await
                    .map(|b| (status, b))
            }
            Err(err) => Err(err),
        };
        let mut outcomes = outcomes.borrow_mut();
        match answer {
            Ok((201, body)) => outcomes.acknowledged.push(Acknowledged {
                id: body["id"].as_str().expect("201 carries the id").to_string(),
                marker,
            }),
            Ok((status, _)) => *outcomes.other.entry(status).or_default() += 1,
            // The server died with this request in flight (or before it was sent).
            Err(_) => {
                outcomes.unanswered += 1;
                return;
            }
        }
    }
}

/// Runs the clients against a fresh server until it has accepted at least one comment, waits a
/// random moment, and kills it with SIGKILL.
async fn crash_one_cycle(setup: &ServeSetup, cycle: usize, rng: &mut TestRng) -> Outcomes {
    let mut server = setup.start().await;
    let outcomes = Rc::new(RefCell::new(Outcomes::default()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let prefix = format!("c{cycle}-k{n}");
            actix_web::rt::spawn(client(server.port, prefix, outcomes.clone()))
        })
        .collect();
    let deadline = Instant::now() + PROGRESS_DEADLINE;
    while outcomes.borrow().acknowledged.is_empty() {
        assert!(
            Instant::now() < deadline,
            "cycle {cycle}: no comment was accepted within {PROGRESS_DEADLINE:?} of the restart"
        );
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    // Recovery after the last kill is quiet: no "database is locked" from the pool's
    // connections opening while another one recovers the WAL.
    let errors = server.logged_errors();
    assert!(errors.is_empty(), "cycle {cycle}: {errors:?}");
    let delay = rng.random_range(0..=MAX_KILL_DELAY_MS);
    actix_web::rt::time::sleep(Duration::from_millis(delay)).await;
    server.kill();
    for client in clients {
        client.await.expect("client task");
    }
    Rc::try_unwrap(outcomes)
        .ok()
        .expect("clients are done")
        .into_inner()
}

#[derive(diesel::QueryableByName)]
struct IntegrityCheck {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

/// Opens the database as the next start would (recovering SQLite's WAL) and checks its
/// structure.
fn assert_integrity(database_url: &str, cycle: usize) {
    let url = DatabaseUrl::parse(database_url).unwrap();
    if let DatabaseUrl::Sqlite(_) = url {
        let mut conn = url.establish().expect("open the crashed database");
        let rows: Vec<IntegrityCheck> = diesel::sql_query("PRAGMA integrity_check")
            .load(&mut conn)
            .expect("integrity check");
        let report: Vec<&str> = rows.iter().map(|r| r.integrity_check.as_str()).collect();
        assert_eq!(report, ["ok"], "after crash {cycle}");
    }
}

/// Every acknowledged comment is stored once, under its id, with its marker; no marker is
/// stored twice.
fn assert_stored_exactly_once(database_url: &str, acknowledged: &[Acknowledged]) -> usize {
    let stored = stored_markers(database_url);
    let mut by_id: HashMap<&str, &str> = HashMap::new();
    let mut copies: HashMap<&str, usize> = HashMap::new();
    for (id, marker) in &stored {
        by_id.insert(id, marker);
        *copies.entry(marker).or_default() += 1;
    }
    let lost: Vec<&Acknowledged> = acknowledged
        .iter()
        .filter(|a| by_id.get(a.id.as_str()) != Some(&a.marker.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} comments answered 201 are not stored under their id and marker, e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        &lost[..lost.len().min(5)]
    );
    let duplicated: Vec<(&&str, &usize)> = copies.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicated.is_empty(),
        "markers stored more than once: {duplicated:?}"
    );
    stored.len()
}

async fn every_comment_answered_201_survives_sigkill_exactly_once(db: Db) {
    let setup = ServeSetup::new(db);
    let mut rng = random_delays();
    let mut acknowledged = Vec::new();
    let mut unanswered = 0;
    let mut other: HashMap<u16, usize> = HashMap::new();
    let cycles = cycles();
    for cycle in 0..cycles {
        let outcomes = crash_one_cycle(&setup, cycle, &mut rng).await;
        assert_integrity(&setup.database_url, cycle);
        acknowledged.extend(outcomes.acknowledged);
        unanswered += outcomes.unanswered;
        for (status, n) in outcomes.other {
            *other.entry(status).or_default() += n;
        }
    }
    let stored = assert_stored_exactly_once(&setup.database_url, &acknowledged);
    eprintln!(
        "crash test ({db:?}): {cycles} SIGKILLs; {} comments answered 201, {unanswered} \
         unanswered (in flight at a kill), other answers {other:?}; {stored} rows stored",
        acknowledged.len()
    );
}
