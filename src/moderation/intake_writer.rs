//! The intake writer's side of group commit: stores judged comments in batches, and first
//! brings each one's history up to date with the comments written after its history was read
//! (earlier in the same batch, or in batches committed while it was being judged), so the
//! duplicate and first-comment rules see a comment posted a moment earlier.

use super::articles::{Admission, BatchArticles};
use super::idempotency::{Idempotency, KEY_LIFETIME};
use super::judge::{secs_between, Judged, SubmittedComment};
use super::ModerationError;
use crate::rules::{AuthorHistory, CommentStatus};
use crate::storage::group_commit::BatchWriter;
use crate::storage::{
    comments, idempotency, outbox, reader_edits, rule_hits, DbConnection, StorageError,
};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use time::PrimitiveDateTime;

/// Writes kept in memory for the history check, at most. A comment judged longer ago than
/// the oldest kept write is brought up to date from the database instead.
const RECENT_WRITES: usize = 50_000;
/// How often expired idempotency keys are deleted.
const PURGE_KEYS_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// What the history check needs to know of one stored comment.
struct RecentWrite {
    /// Position in the writer's sequence of stored comments.
    seq: u64,
    author_key: String,
    client_ip: String,
    fingerprint: String,
    created_at: PrimitiveDateTime,
    published: bool,
}

impl RecentWrite {
    fn of(seq: u64, judged: &Judged) -> RecentWrite {
        let row = &judged.row;
        RecentWrite {
            seq,
            author_key: row.author_key.clone(),
            client_ip: row.client_ip.clone(),
            fingerprint: row.body_fingerprint.clone(),
            created_at: row.created_at,
            published: row.status == CommentStatus::Published.as_str(),
        }
    }
}

pub(crate) struct IntakeWriter {
    /// Comments committed so far, by sequence number; judges read it before their history.
    committed: Arc<AtomicU64>,
    next_seq: u64,
    recent: VecDeque<RecentWrite>,
    /// The highest sequence number dropped from `recent` (0: none).
    evicted_through: u64,
    /// Written in the open transaction, not committed yet.
    pending: Vec<RecentWrite>,
    /// When expired idempotency keys were last deleted.
    keys_purged_at: std::time::Instant,
}

impl IntakeWriter {
    pub(crate) fn new(committed: Arc<AtomicU64>) -> Self {
        IntakeWriter {
            next_seq: committed.load(Ordering::Acquire) + 1,
            committed,
            recent: VecDeque::new(),
            evicted_through: 0,
            pending: Vec::new(),
            keys_purged_at: std::time::Instant::now(),
        }
    }

    /// Deletes idempotency keys past their lifetime, every few minutes, inside a batch that
    /// writes anyway.
    fn purge_expired_keys(&mut self, conn: &mut DbConnection) -> Result<(), StorageError> {
        if self.keys_purged_at.elapsed() < PURGE_KEYS_EVERY {
            return Ok(());
        }
        self.keys_purged_at = std::time::Instant::now();
        idempotency::purge(conn, crate::timestamps::now() - KEY_LIFETIME)?;
        Ok(())
    }

    /// The committed writes `judged`'s history could not see, if memory still holds them all.
    fn unseen_committed<'a>(&'a self, judged: &Judged) -> Option<Vec<&'a RecentWrite>> {
        (judged.seen_writes >= self.evicted_through).then(|| {
            // `recent` is in sequence order: skip what the judgement saw without looking at it.
            let first_unseen = self.recent.partition_point(|w| w.seq <= judged.seen_writes);
            self.recent.range(first_unseen..).collect()
        })
    }

    /// `judged`'s history with the writes it could not see (committed since it was read, and
    /// earlier in this batch); `None` when nothing changes.
    fn updated_history(
        &self,
        conn: &mut DbConnection,
        judged: &Judged,
    ) -> Result<Option<AuthorHistory>, StorageError> {
        let row = &judged.row;
        let window = judged.duplicate_window();
        let (mut history, unseen) = match self.unseen_committed(judged) {
            Some(unseen) => (judged.history.clone(), unseen),
            // Judged long ago (a stalled request): read the history again, inside this
            // transaction, where every committed write is visible.
            None => (stored_history(conn, judged, window)?, Vec::new()),
        };
        for write in unseen.into_iter().chain(self.pending.iter()) {
            let same_author = write.author_key == row.author_key;
            if same_author && write.published {
                history.prior_published += 1;
            }
            let Some(window) = window else { continue };
            let recent_enough = write.created_at >= row.created_at - window;
            if !(recent_enough && write.fingerprint == row.body_fingerprint) {
                continue;
            }
            let secs = secs_between(Some(write.created_at), row.created_at);
            if same_author {
                history.same_body_by_author_secs_ago =
                    history.same_body_by_author_secs_ago.min(secs).or(secs);
            }
            if write.client_ip == row.client_ip {
                history.same_body_by_ip_secs_ago =
                    history.same_body_by_ip_secs_ago.min(secs).or(secs);
            }
        }
        Ok((history != judged.history).then_some(history))
    }
}

/// The author's history as the database holds it now.
fn stored_history(
    conn: &mut DbConnection,
    judged: &Judged,
    window: Option<time::Duration>,
) -> Result<AuthorHistory, StorageError> {
    let row = &judged.row;
    let facts = comments::author_history(
        conn,
        &row.author_key,
        &row.client_ip,
        &row.body_fingerprint,
        window.map(|w| row.created_at - w),
        row.created_at,
    )?;
    Ok(AuthorHistory {
        prior_published: facts.prior_published,
        same_body_by_author_secs_ago: secs_between(facts.last_same_body_by_author, row.created_at),
        same_body_by_ip_secs_ago: secs_between(facts.last_same_body_by_ip, row.created_at),
    })
}

/// The `comment.held` event of a comment stored as pending: ids, article, status and the
/// live rules that matched (shadow rules decide nothing, so they are left out).
fn held_event(judged: &Judged) -> outbox::OutboxRow {
    let row = &judged.row;
    let matched: Vec<&str> = judged
        .verdict
        .matches
        .iter()
        .filter(|m| !m.shadow)
        .map(|m| m.rule_id.as_str())
        .collect();
    let data = serde_json::json!({
        "comment_id": row.id,
        "article_id": row.article_id,
        "parent_id": row.parent_id,
        "status": row.status,
        "score": judged.verdict.score,
        "matched_rules": matched,
        "rules_version": row.rules_version,
    });
    outbox::OutboxRow::new(
        crate::webhooks::event::COMMENT_HELD,
        None,
        data.to_string(),
        row.created_at,
    )
}

/// The settings of the batch's articles, read (after the intake's settings lock) in the
/// batch's transaction: a moderator's change committed before it is seen, and one committed
/// after it waited for this batch to commit (see `storage::articles::lock_for_change`). The
/// site's default closing delay is the newest submission's.
fn batch_articles(
    conn: &mut DbConnection,
    items: &[Judged],
) -> Result<BatchArticles, StorageError> {
    let mut ids: Vec<&str> = items.iter().map(|j| j.row.article_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let auto_close_after = items.last().and_then(Judged::auto_close_after);
    BatchArticles::read(conn, &ids, auto_close_after)
}

/// What became of one judged comment in its batch.
pub(crate) type Outcome = Result<SubmittedComment, ModerationError>;

impl IntakeWriter {
    /// The answer already given to `judged`'s idempotency key, earlier in this batch or in the
    /// database; `None` when it is the key's first use (or has none).
    fn answered_before(
        conn: &mut DbConnection,
        batch: &[(Idempotency, SubmittedComment)],
        judged: &Judged,
    ) -> Result<Option<Outcome>, StorageError> {
        let Some(key) = &judged.idempotency else {
            return Ok(None);
        };
        if let Some((earlier_key, earlier)) = batch.iter().find(|(k, _)| k.same_key(key)) {
            return Ok(Some(if earlier_key.same_request(key) {
                Ok(SubmittedComment {
                    verdict: None,
                    replayed: true,
                    edit_token: None,
                    editable_until: None,
                    ..earlier.clone()
                })
            } else {
                Err(ModerationError::IdempotencyKeyReused)
            }));
        }
        match key.earlier_answer(conn, judged.row.created_at) {
            Ok(None) => Ok(None),
            Ok(Some(replay)) => Ok(Some(Ok(replay))),
            Err(ModerationError::Storage(err)) => Err(err),
            Err(refusal) => Ok(Some(Err(refusal))),
        }
    }
}

impl BatchWriter for IntakeWriter {
    type Item = Judged;
    type Output = Outcome;

    fn write_batch(
        &mut self,
        conn: &mut DbConnection,
        items: &mut [Judged],
    ) -> Result<Vec<Outcome>, StorageError> {
        let items_len = items.len();
        let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(items.len());
        let mut keyed: Vec<(Idempotency, SubmittedComment)> = Vec::new();
        let articles = batch_articles(conn, items)?;
        for judged in items.iter_mut() {
            // A retry gets the first answer, whatever the article's state is now.
            if let Some(answer) = Self::answered_before(conn, &keyed, judged)? {
                outcomes.push(Some(answer));
                continue;
            }
            let admission = articles.admission(&judged.row.article_id);
            if admission == Admission::Closed {
                outcomes.push(Some(Err(ModerationError::ArticleClosed)));
                continue;
            }
            if let Some(history) = self.updated_history(conn, judged)? {
                let before = judged.row.status.clone();
                judged.rejudge(history)?;
                judged.span.in_scope(|| {
                    tracing::info!(
                        comment_id = %judged.row.id,
                        before = %before,
                        status = %judged.row.status,
                        "judged again with comments stored meanwhile"
                    )
                });
            }
            if admission == Admission::Held {
                judged.hold_for_premoderation()?;
            }
            judged.span.in_scope(|| {
                tracing::debug!(comment_id = %judged.row.id, batch = items_len, "in the intake batch")
            });
            self.pending.push(RecentWrite::of(self.next_seq, judged));
            self.next_seq += 1;
            if let Some(key) = &judged.idempotency {
                keyed.push((key.clone(), judged.submitted()));
            }
            outcomes.push(None);
        }
        // Every new row at once: on PostgreSQL one statement per table instead of a round trip
        // per comment.
        let new: Vec<&Judged> = items
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| outcome.is_none())
            .map(|(judged, _)| judged)
            .collect();
        let rows: Vec<&comments::NewCommentRow> = new.iter().map(|j| &j.row).collect();
        comments::insert_many(conn, &rows)?;
        let hits: Vec<(String, String)> = new
            .iter()
            .flat_map(|j| {
                j.rule_ids()
                    .into_iter()
                    .map(|rule| (rule, j.row.id.clone()))
            })
            .collect();
        rule_hits::insert_many(conn, &hits)?;
        let grants: Vec<&reader_edits::EditGrantRow> = new
            .iter()
            .filter_map(|j| j.edit.as_ref().map(|(_, g)| g))
            .collect();
        reader_edits::insert_grants(conn, &grants)?;
        // In the same transaction: a held comment's webhook event exists exactly when it does.
        let held: Vec<outbox::OutboxRow> = new
            .iter()
            .filter(|j| j.row.status == CommentStatus::Pending.as_str())
            .map(|j| held_event(j))
            .collect();
        outbox::insert(conn, &held)?;
        for (key, stored) in &keyed {
            idempotency::insert(conn, &key.row(stored))?;
        }
        self.purge_expired_keys(conn)?;
        Ok(items
            .iter()
            .zip(outcomes)
            .map(|(judged, outcome)| outcome.unwrap_or_else(|| Ok(judged.submitted())))
            .collect())
    }

    fn span(item: &Judged) -> tracing::Span {
        item.span.clone()
    }

    fn finish(&mut self, committed: bool) {
        if !committed {
            self.pending.clear();
            return;
        }
        if let Some(last) = self.pending.last() {
            let last = last.seq;
            self.recent.extend(self.pending.drain(..));
            while self.recent.len() > RECENT_WRITES {
                if let Some(dropped) = self.recent.pop_front() {
                    self.evicted_through = dropped.seq;
                }
            }
            self.committed.store(last, Ordering::Release);
        }
    }
}
