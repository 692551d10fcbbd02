//! Intake: a new comment is judged by one of the intake's judging threads (reads on a pooled
//! connection the thread keeps while comments are waiting, rules evaluated in parallel), then
//! handed by that thread to the one intake writer, which stores it with everything
//! else waiting in one durable commit. `submit` returns only once the comment is committed.

use super::idempotency::{self, Idempotency};
use super::intake_writer::{IntakeWriter, Outcome};
use super::judge::{judge, Judged, Submission, SubmittedComment};
use super::learning::LiveModel;
use super::{Database, ModerationError, ModerationSettings, NewComment};
use crate::rules::RuleSet;
use crate::storage::group_commit::{GroupCommit, GroupCommitConfig, Refused};
use crate::storage::workers::{AfterJob, ConnectionWorkers};
use crate::storage::{DbConnection, StorageError};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use time::PrimitiveDateTime;

/// The intake of new comments for one database.
pub struct Intake {
    pool: Database,
    /// The threads that judge submissions (reads and rules), each keeping a read connection
    /// while submissions are waiting.
    judges: ConnectionWorkers,
    writer: GroupCommit<Judged, Outcome>,
    /// Comments the writer has committed; read before a judgement's history.
    committed: Arc<AtomicU64>,
    /// The learned rule's model: each judgement takes the snapshot of the moment.
    learning: Arc<LiveModel>,
}

impl Intake {
    /// Starts the writer, which keeps a connection of its own from `pool`, and the judges.
    pub fn start(
        pool: Database,
        learning: Arc<LiveModel>,
        config: GroupCommitConfig,
    ) -> Result<Intake, StorageError> {
        let committed = Arc::new(AtomicU64::new(0));
        let writer_pool = pool.clone();
        let writer = GroupCommit::spawn(
            "intake-writer",
            move || writer_pool.get().map_err(StorageError::from),
            IntakeWriter::new(committed.clone()),
            config,
        )
        .map_err(|e| StorageError::Unwritable(format!("cannot start the writer: {e}")))?;
        let judges = ConnectionWorkers::spawn(
            "intake-judge",
            pool.clone(),
            judging_threads(pool.max_size()),
            config.queue_capacity,
        )
        .map_err(|e| StorageError::Unwritable(format!("cannot start the judges: {e}")))?;
        Ok(Intake {
            pool,
            judges,
            writer,
            committed,
            learning,
        })
    }

    /// The answer already given to `idempotency`'s key, if any (a retry), read before the
    /// retry spends a rate-limit unit or a judgement.
    pub async fn earlier_answer(
        &self,
        idempotency: &Idempotency,
        now: PrimitiveDateTime,
    ) -> Result<Option<SubmittedComment>, ModerationError> {
        let (pool, key) = (self.pool.clone(), idempotency.clone());
        tokio::task::spawn_blocking(move || idempotency::lookup(&pool, &key, now))
            .await
            .map_err(|e| StorageError::Unwritable(format!("reading failed: {e}")))?
    }

    /// Judges `comment` with `rules` and stores it. Returns once the comment is durable;
    /// `Overloaded` when the judges' or the writer's queue is full. With an idempotency key, a
    /// key already answered (by a submission stored meanwhile) gets that answer instead.
    pub async fn submit(
        &self,
        rules: Arc<RuleSet>,
        settings: ModerationSettings,
        comment: NewComment,
        client_ip: IpAddr,
        now: PrimitiveDateTime,
        idempotency: Option<Idempotency>,
    ) -> Result<SubmittedComment, ModerationError> {
        let submission = Submission {
            rules,
            model: self.learning.snapshot(),
            settings,
            comment,
            client_ip,
            created_at: now,
            seen_writes: self.committed.load(Ordering::Acquire),
            idempotency,
        };
        let span = tracing::Span::current();
        let writer = self.writer.clone();
        // One answer for the whole way: the judge sends a refusal itself, or hands the judged
        // comment and this reply on to the writer, which answers after the commit.
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = move |conn: Result<&mut DbConnection, StorageError>| {
            span.in_scope(|| judge_and_hand_on(conn, submission, &writer, reply))
        };
        self.judges
            .submit(Box::new(job))
            .map_err(|_| ModerationError::Overloaded)?;
        let stored = answer.await.map_err(|_| StorageError::WriterStopped)???;
        if stored.verdict.is_some() {
            metrics::counter!(crate::telemetry::metrics::SUBMISSIONS, "status" => stored.status.as_str())
                .increment(1);
        }
        match &stored.verdict {
            Some(verdict) => tracing::info!(
                comment_id = %stored.id,
                article_id = %stored.article_id,
                status = stored.status.as_str(),
                score = verdict.score,
                rules_version = %verdict.rules_version,
                "comment judged and stored"
            ),
            None => tracing::info!(
                comment_id = %stored.id,
                "retried submission answered as before"
            ),
        }
        Ok(stored)
    }
}

type Reply = tokio::sync::oneshot::Sender<Result<Outcome, StorageError>>;

/// On a judging thread: judges the submission and hands it, with `reply`, to the writer, or
/// answers `reply` with the refusal. A request that is gone (the client left) is neither
/// judged nor stored, as when its future was dropped.
fn judge_and_hand_on(
    conn: Result<&mut DbConnection, StorageError>,
    submission: Submission,
    writer: &GroupCommit<Judged, Outcome>,
    reply: Reply,
) -> AfterJob {
    if reply.is_closed() {
        return AfterJob::Keep;
    }
    let judged = match conn.map_err(ModerationError::from) {
        Ok(conn) => judge(conn, submission),
        Err(refusal) => Err(refusal),
    };
    match judged {
        Ok(judged) if !reply.is_closed() => {
            if let Err((reply, refused)) = writer.submit_with(judged, reply) {
                let refusal = match refused {
                    Refused::Full => ModerationError::Overloaded,
                    Refused::Stopped => {
                        tracing::error!("the intake writer has stopped");
                        StorageError::WriterStopped.into()
                    }
                };
                let _ = reply.send(Ok(Err(refusal)));
            }
            AfterJob::Keep
        }
        Ok(_) => AfterJob::Keep,
        Err(refusal) => {
            // Any storage error may mean a broken connection: the pool checks it on return.
            let after = match &refusal {
                ModerationError::Storage(_) => AfterJob::Reconnect,
                _ => AfterJob::Keep,
            };
            let _ = reply.send(Ok(Err(refusal)));
            after
        }
    }
}

/// Judging threads: twice the cores, so a judge waiting on a read (a PostgreSQL round trip)
/// leaves a core to another, but never so many that, all holding a connection while
/// submissions wait, they leave none of the pool's `pool_size` to the writer, the WAL
/// checkpointer and the other requests.
fn judging_threads(pool_size: u32) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 2)
        .min((pool_size as usize).saturating_sub(3))
        .max(1)
}
