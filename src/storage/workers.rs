//! A fixed set of threads that run jobs needing a database connection (the intake's judging).
//! A thread takes a pooled connection when a job arrives and keeps it while more jobs are
//! waiting, so a busy intake neither wakes a fresh thread of a general pool nor checks a
//! connection out and back in for every comment; the queue is bounded and a full one refuses
//! at once.

use super::{DbConnection, Pool, StorageError};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::panic::AssertUnwindSafe;

/// What a job says about the connection it was given once it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterJob {
    /// Keep it for the next job.
    Keep,
    /// The job failed in a way that may have broken the connection: give it back to the
    /// pool (which drops a broken one) and take one from the pool for the next job.
    Reconnect,
}

/// A job: given a connection (or the reason none could be had), it does its work and sends
/// its own answer.
pub type Job = Box<dyn FnOnce(Result<&mut DbConnection, StorageError>) -> AfterJob + Send>;

/// Every worker is busy and the queue is full: the caller should answer "retry shortly".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the job queue is full")]
pub struct WorkersBusy;

/// The callers' side of the worker threads. Dropping it lets the threads finish the jobs
/// still queued and stop.
pub struct ConnectionWorkers {
    sender: Sender<Job>,
}

impl ConnectionWorkers {
    /// Starts `threads` threads named `{name}-{i}`, taking connections from `pool`, with room
    /// for `queue_capacity` jobs waiting.
    pub fn spawn(
        name: &str,
        pool: Pool,
        threads: usize,
        queue_capacity: usize,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = crossbeam_channel::bounded::<Job>(queue_capacity.max(1));
        for i in 0..threads.max(1) {
            let receiver = receiver.clone();
            let pool = pool.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || work(&pool, &receiver))?;
        }
        Ok(ConnectionWorkers { sender })
    }

    /// Queues `job`; refused at once when the queue is full.
    pub fn submit(&self, job: Job) -> Result<(), WorkersBusy> {
        self.sender.try_send(job).map_err(|_| WorkersBusy)
    }
}

/// One worker: runs jobs until every sender is gone and the queue is empty.
fn work(pool: &Pool, receiver: &Receiver<Job>) {
    let mut held = None;
    loop {
        let job = match receiver.try_recv() {
            Ok(job) => job,
            Err(TryRecvError::Disconnected) => return,
            Err(TryRecvError::Empty) => {
                // Idle: give the connection back while waiting.
                held = None;
                match receiver.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            }
        };
        if held.is_none() {
            match pool.get() {
                Ok(conn) => held = Some(conn),
                Err(err) => {
                    // No connection within the pool's timeout: every job waiting now would
                    // wait as long in turn, so they all get the refusal at once.
                    let reason = err.to_string();
                    run(job, Err(StorageError::from(err)));
                    while let Ok(job) = receiver.try_recv() {
                        run(job, Err(StorageError::NoConnection(reason.clone())));
                    }
                    continue;
                }
            }
        }
        if let Some(conn) = held.as_mut() {
            if run(job, Ok(&mut **conn)) == AfterJob::Reconnect {
                held = None;
            }
        }
    }
}

/// Runs one job; a job that panics drops its answer (its caller sees the worker gone) and
/// leaves the worker running, with a fresh connection next time.
fn run(job: Job, conn: Result<&mut DbConnection, StorageError>) -> AfterJob {
    std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|m| m.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(panic = %message, "a worker's job panicked; its caller gets no answer");
        AfterJob::Reconnect
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("w.db");
        let url = crate::storage::DatabaseUrl::Sqlite(file.to_str().unwrap().to_string());
        let pool =
            crate::storage::open(&url, 2, crate::storage::OpenMode::CreateIfMissing).unwrap();
        (dir, pool)
    }

    #[test]
    fn every_queued_job_runs_with_a_connection_even_after_the_callers_side_is_dropped() {
        let (_dir, pool) = pool();
        let workers = ConnectionWorkers::spawn("test-worker", pool, 2, 100).unwrap();
        let (done, results) = mpsc::channel();
        for i in 0..50 {
            let done = done.clone();
            workers
                .submit(Box::new(move |conn| {
                    use diesel::RunQueryDsl;
                    let ok = conn
                        .and_then(|c| {
                            diesel::sql_query("SELECT 1")
                                .execute(c)
                                .map_err(StorageError::from)
                        })
                        .is_ok();
                    done.send((i, ok)).unwrap();
                    AfterJob::Keep
                }))
                .unwrap();
        }
        drop(workers);
        drop(done);
        let mut seen: Vec<(i32, bool)> = results.iter().collect();
        seen.sort();
        assert_eq!(seen, (0..50).map(|i| (i, true)).collect::<Vec<_>>());
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_a_panicking_job_leaves_the_worker_running() {
        let (_dir, pool) = pool();
        let workers = ConnectionWorkers::spawn("test-worker", pool, 1, 1).unwrap();
        let (release, wait) = mpsc::channel::<()>();
        let (started, has_started) = mpsc::channel::<()>();
        workers
            .submit(Box::new(move |_| {
                started.send(()).unwrap();
                wait.recv().unwrap();
                panic!("a job that panics");
            }))
            .unwrap();
        has_started.recv().unwrap();
        let (done, result) = mpsc::channel();
        let queued = done.clone();
        workers
            .submit(Box::new(move |conn| {
                queued.send(conn.is_ok()).unwrap();
                AfterJob::Keep
            }))
            .unwrap();
        assert_eq!(
            workers.submit(Box::new(|_| AfterJob::Keep)),
            Err(WorkersBusy)
        );
        release.send(()).unwrap();
        assert!(
            result.recv().unwrap(),
            "the job after the panic got a connection"
        );
        drop(done);
    }

    #[test]
    fn when_no_connection_can_be_had_every_waiting_job_is_refused_with_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("w.db");
        let url = crate::storage::DatabaseUrl::Sqlite(file.to_str().unwrap().to_string());
        let pool = crate::storage::connection::pool_with_timeout(
            &url,
            1,
            std::time::Duration::from_millis(200),
        );
        let only_connection = pool.get().unwrap();
        let workers = ConnectionWorkers::spawn("test-worker", pool, 1, 10).unwrap();
        let (done, results) = mpsc::channel();
        for i in 0..3 {
            let done = done.clone();
            workers
                .submit(Box::new(move |conn| {
                    let kind = match conn {
                        Ok(_) => "connection",
                        Err(StorageError::Pool(_)) => "timed out itself",
                        Err(StorageError::NoConnection(_)) => "refused with the first",
                        Err(_) => "other",
                    };
                    done.send((i, kind)).unwrap();
                    AfterJob::Keep
                }))
                .unwrap();
        }
        drop(done);
        let seen: Vec<(i32, &str)> = results.iter().take(3).collect();
        assert_eq!(
            seen,
            vec![
                (0, "timed out itself"),
                (1, "refused with the first"),
                (2, "refused with the first")
            ]
        );
        drop(only_connection);
    }
}
