//! Group commit: one thread owns a write connection and writes whatever is waiting (up to a cap)
//! in one transaction with one durable commit, then answers every item. Callers hand items over
//! through a bounded queue and wait for their own answer; a full queue is refused at once rather
//! than queueing without bound.
//!
//! If a batch fails, its items are retried one by one, each in its own transaction, so one bad
//! item fails alone and nothing is ever answered as written unless its commit returned.

use super::{write_transaction, DbConnection, StorageError};
use std::ops::DerefMut;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// What the writer thread does with a batch; implemented by the domain that owns the items.
pub trait BatchWriter: Send + 'static {
    type Item: Send + 'static;
    type Output: Send + 'static;

    /// Writes `items` (in order) inside the open transaction; one output per item.
    fn write_batch(
        &mut self,
        conn: &mut DbConnection,
        items: &mut [Self::Item],
    ) -> Result<Vec<Self::Output>, StorageError>;

    /// The transaction of the last `write_batch` committed (`true`) or rolled back.
    fn finish(&mut self, committed: bool);

    /// The span the writer's lines about `item` are logged in (the request's, for a comment).
    fn span(_item: &Self::Item) -> tracing::Span {
        tracing::Span::none()
    }
}

/// How the writer batches.
#[derive(Debug, Clone, Copy)]
pub struct GroupCommitConfig {
    /// Items waiting at most; more are refused (`Refused::Full`).
    pub queue_capacity: usize,
    /// Items written in one transaction at most.
    pub max_batch: usize,
    /// Names the writer's series in the metrics (batch sizes, queue wait, commit time), e.g.
    /// `intake`; `None` records none.
    pub metrics: Option<MetricNames>,
}

/// The series one writer records into.
#[derive(Debug, Clone, Copy)]
pub struct MetricNames {
    pub batch_size: &'static str,
    pub wait_seconds: &'static str,
    pub commit_seconds: &'static str,
}

/// Why the writer did not take an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Its queue is full: retry shortly.
    Full,
    /// Its thread has stopped.
    Stopped,
}

/// Where an item's answer goes.
pub type Reply<O> = oneshot::Sender<Result<O, StorageError>>;
/// An item, who waits for it, and when it was queued.
type Queued<I, O> = (I, Reply<O>, Instant);

/// Figures about the batches written so far.
#[derive(Debug, Default)]
pub struct GroupCommitStats {
    pub batches: std::sync::atomic::AtomicU64,
    pub items: std::sync::atomic::AtomicU64,
}

/// The callers' side of a writer thread. Dropping every handle lets the thread write what is
/// still queued and stop.
pub struct GroupCommit<I, O> {
    sender: SyncSender<Queued<I, O>>,
    stats: Arc<GroupCommitStats>,
}

impl<I, O> Clone for GroupCommit<I, O> {
    fn clone(&self) -> Self {
        GroupCommit {
            sender: self.sender.clone(),
            stats: self.stats.clone(),
        }
    }
}

impl<I: Send + 'static, O: Send + 'static> GroupCommit<I, O> {
    /// Starts the writer thread; it opens its connection with `connect`, and again after a
    /// batch failed for a reason that may have broken the connection.
    pub fn spawn<W, C>(
        name: &str,
        connect: impl FnMut() -> Result<C, StorageError> + Send + 'static,
        writer: W,
        config: GroupCommitConfig,
    ) -> std::io::Result<Self>
    where
        W: BatchWriter<Item = I, Output = O>,
        C: DerefMut<Target = DbConnection> + Send + 'static,
    {
        let (sender, receiver) = mpsc::sync_channel(config.queue_capacity.max(1));
        let stats = Arc::new(GroupCommitStats::default());
        let thread_stats = stats.clone();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                run(
                    connect,
                    writer,
                    receiver,
                    config.max_batch.max(1),
                    config.metrics,
                    &thread_stats,
                )
            })?;
        Ok(GroupCommit { sender, stats })
    }

    /// Queues `item`, to be answered on `reply` once its batch committed (or failed); the
    /// caller may have handed `reply` on to whoever produced the item. A refusal gives `reply`
    /// back, unanswered, with the reason.
    pub fn submit_with(&self, item: I, reply: Reply<O>) -> Result<(), (Reply<O>, Refused)> {
        match self.sender.try_send((item, reply, Instant::now())) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full((_, reply, _))) => Err((reply, Refused::Full)),
            Err(TrySendError::Disconnected((_, reply, _))) => Err((reply, Refused::Stopped)),
        }
    }

    pub fn stats(&self) -> &GroupCommitStats {
        &self.stats
    }
}

/// The connection the writer holds, opened when first needed.
struct Connection<C, F> {
    current: Option<C>,
    connect: F,
}

impl<C, F> Connection<C, F>
where
    C: DerefMut<Target = DbConnection>,
    F: FnMut() -> Result<C, StorageError>,
{
    fn get(&mut self) -> Result<&mut DbConnection, StorageError> {
        if self.current.is_none() {
            self.current = Some((self.connect)()?);
        }
        match self.current.as_mut() {
            Some(conn) => Ok(&mut **conn),
            None => Err(StorageError::WriterStopped),
        }
    }

    /// After a transient failure the connection may be broken: open a new one next time.
    fn after(&mut self, result: &Result<impl Sized, StorageError>) {
        if matches!(result, Err(err) if err.is_transient()) {
            self.current = None;
        }
    }
}

fn run<W, C, F>(
    connect: F,
    mut writer: W,
    receiver: Receiver<Queued<W::Item, W::Output>>,
    max_batch: usize,
    metrics: Option<MetricNames>,
    stats: &GroupCommitStats,
) where
    W: BatchWriter,
    C: DerefMut<Target = DbConnection>,
    F: FnMut() -> Result<C, StorageError>,
{
    use std::sync::atomic::Ordering;
    let mut conn = Connection {
        current: None,
        connect,
    };
    // Ends when every sender is gone and the queue is drained.
    while let Ok(first) = receiver.recv() {
        let mut items = Vec::with_capacity(max_batch.min(64));
        let mut replies = Vec::with_capacity(max_batch.min(64));
        let mut queued_at = Vec::with_capacity(max_batch.min(64));
        let (item, reply, at) = first;
        items.push(item);
        replies.push(reply);
        queued_at.push(at);
        while items.len() < max_batch {
            match receiver.try_recv() {
                Ok((item, reply, at)) => {
                    items.push(item);
                    replies.push(reply);
                    queued_at.push(at);
                }
                Err(_) => break,
            }
        }
        let started = Instant::now();
        if let Some(names) = &metrics {
            let wait = metrics::histogram!(names.wait_seconds);
            for at in &queued_at {
                wait.record(started.saturating_duration_since(*at).as_secs_f64());
            }
            metrics::histogram!(names.batch_size).record(items.len() as f64);
        }
        let count = items.len() as u64;
        let result = write_batch(&mut conn, &mut writer, &mut items);
        conn.after(&result);
        match result {
            Ok(outputs) => {
                for (reply, output) in replies.into_iter().zip(outputs) {
                    let _ = reply.send(Ok(output));
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, items = items.len(), "batch failed; writing its items one by one");
                for (item, reply) in items.into_iter().zip(replies) {
                    let span = W::span(&item);
                    let mut single = [item];
                    let outcome = write_batch(&mut conn, &mut writer, &mut single)
                        .and_then(|mut out| out.pop().ok_or(StorageError::WriterStopped));
                    conn.after(&outcome);
                    if let Err(err) = &outcome {
                        span.in_scope(|| tracing::warn!(error = %err, "could not store this item"));
                    }
                    let _ = reply.send(outcome);
                }
            }
        }
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.items.fetch_add(count, Ordering::Relaxed);
        let elapsed = started.elapsed();
        if let Some(names) = &metrics {
            metrics::histogram!(names.commit_seconds).record(elapsed.as_secs_f64());
        }
        if elapsed > SLOW_BATCH {
            tracing::warn!(
                elapsed_ms = elapsed.as_millis() as u64,
                items = count,
                "slow batch"
            );
        }
    }
}

/// A batch taking longer than this is logged: the disk or the database is struggling.
const SLOW_BATCH: Duration = Duration::from_millis(500);

/// One transaction for `items`; the writer learns whether it committed.
fn write_batch<W, C, F>(
    conn: &mut Connection<C, F>,
    writer: &mut W,
    items: &mut [W::Item],
) -> Result<Vec<W::Output>, StorageError>
where
    W: BatchWriter,
    C: DerefMut<Target = DbConnection>,
    F: FnMut() -> Result<C, StorageError>,
{
    let conn = match conn.get() {
        Ok(conn) => conn,
        Err(err) => {
            writer.finish(false);
            return Err(err);
        }
    };
    let result = write_transaction(conn, |conn| {
        let outputs = writer.write_batch(conn, items)?;
        if outputs.len() != items.len() {
            return Err(StorageError::WriterStopped);
        }
        Ok(outputs)
    });
    writer.finish(result.is_ok());
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc as std_mpsc;
    use std::sync::Mutex;

    /// Holds each batch until the test lets it go; an item of 0 stops the thread.
    struct HeldWriter {
        started: std_mpsc::Sender<()>,
        release: Arc<Mutex<std_mpsc::Receiver<()>>>,
    }

    impl BatchWriter for HeldWriter {
        type Item = u32;
        type Output = u32;

        fn write_batch(
            &mut self,
            _conn: &mut DbConnection,
            items: &mut [u32],
        ) -> Result<Vec<u32>, StorageError> {
            assert!(!items.contains(&0), "told to stop");
            self.started.send(()).unwrap();
            self.release.lock().unwrap().recv().unwrap();
            Ok(items.to_vec())
        }

        fn finish(&mut self, _committed: bool) {}
    }

    fn queue(
        commit: &GroupCommit<u32, u32>,
        item: u32,
    ) -> oneshot::Receiver<Result<u32, StorageError>> {
        let (reply, answer) = oneshot::channel();
        assert!(commit.submit_with(item, reply).is_ok(), "{item} queued");
        answer
    }

    #[test]
    fn a_refused_item_gives_its_reply_back_saying_whether_the_queue_is_full_or_the_writer_stopped()
    {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("g.db");
        let url = super::super::DatabaseUrl::Sqlite(file.to_str().unwrap().to_string());
        let pool = super::super::connect_pool(&url, 1).unwrap();
        let (started, has_started) = std_mpsc::channel();
        let (release, released) = std_mpsc::channel();
        let writer = HeldWriter {
            started,
            release: Arc::new(Mutex::new(released)),
        };
        let config = GroupCommitConfig {
            queue_capacity: 1,
            max_batch: 1,
            metrics: None,
        };
        let commit = GroupCommit::spawn(
            "test-writer",
            move || pool.get().map_err(StorageError::from),
            writer,
            config,
        )
        .map_err(|e| e.to_string())
        .unwrap();
        let first = queue(&commit, 1);
        has_started.recv().unwrap();
        let second = queue(&commit, 2);
        let (reply, mut answer) = oneshot::channel();
        let (reply, refused) = commit.submit_with(3, reply).unwrap_err();
        assert_eq!(refused, Refused::Full);
        reply.send(Ok(30)).unwrap();
        assert_eq!(
            answer.try_recv().unwrap().unwrap(),
            30,
            "the reply came back usable"
        );

        release.send(()).unwrap();
        assert_eq!(first.blocking_recv().unwrap().unwrap(), 1);
        has_started.recv().unwrap();
        release.send(()).unwrap();
        assert_eq!(second.blocking_recv().unwrap().unwrap(), 2);
        let stopping = queue(&commit, 0);
        assert!(stopping.blocking_recv().is_err(), "the writer thread ended");
        // The queue goes away as the thread finishes unwinding, a moment after the reply.
        let stopped = (0..500).any(|_| {
            let (reply, _answer) = oneshot::channel();
            let refused = matches!(commit.submit_with(4, reply), Err((_, Refused::Stopped)));
            if !refused {
                std::thread::sleep(Duration::from_millis(10));
            }
            refused
        });
        assert!(stopped, "a stopped writer's refusal says so");
    }
}
