//! SQLite WAL checkpoints off the write path. Left to SQLite, the connection whose commit
//! pushes the WAL past its threshold copies it back into the database inside that commit: the
//! intake writer, mid-batch, holding up every comment waiting on it. Instead, connections never
//! checkpoint on commit (`wal_autocheckpoint = 0`, see `connection.rs`) and one thread checkpoints
//! passively (never blocking readers or the writer) at a steady pace.
//!
//! Passive checkpoints alone never let the WAL start over while readers and the writer are
//! always busy: every reader holds a mark in a WAL that always has frames not yet copied back,
//! so the file grew by ~90 MB a second under a steady load (every write a new block the kernel
//! had to allocate and zero) until the disk was full. So once the WAL passes
//! `RESTART_AFTER_FRAMES`, a passive checkpoint is followed by a `RESTART` one: it copies the few
//! frames written since and waits for the readers still in the WAL to finish, so the next commit
//! writes from the start of the file again, over blocks it already has. (The file keeps its size:
//! trimming it, `journal_size_limit`, truncated 1 GiB inside the writer's next commit and held
//! every comment for a quarter of a second.) A `RESTART` needs the write lock, which the intake
//! writer takes again the moment a batch ends (SQLite's busy handler kept the checkpoint waiting
//! for up to 2.5 s), so it queues with this process's writers (`holding_writers_back`) and runs
//! between two batches, in ~30 ms.

use super::connection::holding_writers_back;
use super::DbConnection;
use super::{Backend, Pool};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is checkpointed.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// The checkpointing thread; stops when dropped.
pub struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing `pool`'s database; `None` for PostgreSQL, which has no WAL of ours
    /// to tend.
    pub fn start(pool: Pool, backend: Backend) -> Option<Checkpointer> {
        if backend != Backend::Sqlite {
            return None;
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                // Runs until told to stop, or until the owner is gone.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
                    checkpoint(&pool);
                }
            })
            .map_err(|e| tracing::warn!(error = %e, "cannot start the WAL checkpointer"))
            .ok()?;
        Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A WAL this long (in 4 KiB pages, ~1 GiB) is started over after its checkpoint. A restart
/// holds the writer for ~30 ms (the last frames copied, two fsyncs, the readers finishing), so
/// it should be rare: under a load that saturates this machine the WAL grows ~90 MB a second,
/// so this is one pause every ~10 s, and none at all at ordinary rates, where the WAL starts
/// over by itself whenever the writer finds it fully copied back.
pub const RESTART_AFTER_FRAMES: i32 = 262_144;

/// What `PRAGMA wal_checkpoint` reports.
#[derive(Debug, QueryableByName)]
struct WalCheckpoint {
    /// 1 when the checkpoint could not finish (a `RESTART` waiting in vain for a reader).
    #[diesel(sql_type = Integer)]
    busy: i32,
    /// Frames in the WAL.
    #[diesel(sql_type = Integer)]
    log: i32,
}

fn checkpoint(pool: &Pool) {
    checkpoint_past(pool, RESTART_AFTER_FRAMES)
}

/// A passive checkpoint, and a restart when the WAL holds `restart_after` frames or more.
fn checkpoint_past(pool: &Pool, restart_after: i32) {
    let result = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
        let DbConnection::Sqlite(conn) = &mut *conn else {
            return Ok(());
        };
        let passive = wal_checkpoint(conn, "PASSIVE")?;
        if passive.log >= restart_after {
            let started = std::time::Instant::now();
            let restart = holding_writers_back(|| wal_checkpoint(conn, "RESTART"))?;
            tracing::debug!(
                frames = passive.log,
                elapsed_ms = started.elapsed().as_millis() as u64,
                finished = restart.busy == 0,
                "WAL started over"
            );
        }
        Ok(())
    });
    if let Err(err) = result {
        tracing::debug!(error = %err, "WAL checkpoint skipped");
    }
}

fn wal_checkpoint(
    conn: &mut diesel::SqliteConnection,
    mode: &'static str,
) -> Result<WalCheckpoint, String> {
    diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})"))
        .get_result::<WalCheckpoint>(conn)
        .map_err(|e| e.to_string())
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::connection::{connect_pool, write_transaction, DatabaseUrl};
    use diesel::connection::SimpleConnection;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// What the server does under a steady load: one writer committing back to back, readers
    /// reading all the time, checkpoints every few milliseconds.
    fn wal_size_after_a_steady_load(restart_after: i32) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("steady.db");
        let url = DatabaseUrl::Sqlite(file.to_str().unwrap().to_string());
        let pool = connect_pool(&url, 4).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (x BLOB)")
            .unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let (pool, done) = (pool.clone(), done.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                while !done.load(Ordering::Relaxed) {
                    conn.batch_execute("SELECT count(*) FROM t").unwrap();
                }
            })
        };
        let checkpointer = {
            let (pool, done) = (pool.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    checkpoint_past(&pool, restart_after);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            })
        };
        let mut conn = pool.get().unwrap();
        for _ in 0..400 {
            write_transaction(&mut conn, |conn| {
                conn.batch_execute("INSERT INTO t VALUES (randomblob(16000))")
            })
            .unwrap();
        }
        done.store(true, Ordering::Relaxed);
        reader.join().unwrap();
        checkpointer.join().unwrap();
        let wal = dir.path().join("steady.db-wal");
        std::fs::metadata(wal).unwrap().len()
    }

    #[test]
    fn a_wal_past_its_limit_starts_over_while_readers_and_the_writer_stay_busy() {
        // 400 commits of ~5 pages each: ~8 MB of WAL if it never started over.
        let restarted = wal_size_after_a_steady_load(128);
        assert!(
            restarted < 3 * 1024 * 1024,
            "the WAL grew to {restarted} bytes"
        );
    }
}
