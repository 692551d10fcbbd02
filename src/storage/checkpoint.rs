//! SQLite WAL checkpoints off the write path. Left to SQLite, the connection whose commit
//! pushes the WAL past its threshold copies it back into the database inside that commit: the
//! intake writer, mid-batch, holding up every comment waiting on it. Instead, connections never
//! checkpoint on commit (`wal_autocheckpoint = 0`, see `connection.rs`) and one thread checkpoints
//! passively (never blocking readers or the writer) at a steady pace.

use super::{Backend, Pool};
use diesel::connection::SimpleConnection;
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

fn checkpoint(pool: &Pool) {
    let result = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
        conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
            .map_err(|e| e.to_string())
    });
    if let Err(err) = result {
        tracing::debug!(error = %err, "WAL checkpoint skipped");
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
