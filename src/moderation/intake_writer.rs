//! The intake writer's side of group commit: stores judged comments in batches, and first
//! brings each one's history up to date with the comments written after its history was read
//! (earlier in the same batch, or in batches committed while it was being judged), so the
//! duplicate and first-comment rules see a comment posted a moment earlier.

use super::judge::{secs_between, Judged, SubmittedComment};
use crate::rules::{AuthorHistory, CommentStatus};
use crate::storage::group_commit::BatchWriter;
use crate::storage::{comments, rule_hits, DbConnection, StorageError};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use time::PrimitiveDateTime;

/// Writes kept in memory for the history check, at most. A comment judged longer ago than
/// the oldest kept write is brought up to date from the database instead.
const RECENT_WRITES: usize = 50_000;

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
}

impl IntakeWriter {
    pub(crate) fn new(committed: Arc<AtomicU64>) -> Self {
        IntakeWriter {
            next_seq: committed.load(Ordering::Acquire) + 1,
            committed,
            recent: VecDeque::new(),
            evicted_through: 0,
            pending: Vec::new(),
        }
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
    )?;
    Ok(AuthorHistory {
        prior_published: facts.prior_published,
        same_body_by_author_secs_ago: secs_between(facts.last_same_body_by_author, row.created_at),
        same_body_by_ip_secs_ago: secs_between(facts.last_same_body_by_ip, row.created_at),
    })
}

impl BatchWriter for IntakeWriter {
    type Item = Judged;
    type Output = SubmittedComment;

    fn write_batch(
        &mut self,
        conn: &mut DbConnection,
        items: &mut [Judged],
    ) -> Result<Vec<SubmittedComment>, StorageError> {
        for judged in items.iter_mut() {
            if let Some(history) = self.updated_history(conn, judged)? {
                judged.rejudge(history)?;
            }
            self.pending.push(RecentWrite::of(self.next_seq, judged));
            self.next_seq += 1;
        }
        // Every row at once: on PostgreSQL one statement per table instead of a round trip
        // per comment.
        let rows: Vec<&comments::NewCommentRow> = items.iter().map(|j| &j.row).collect();
        comments::insert_many(conn, &rows)?;
        let hits: Vec<(String, String)> = items
            .iter()
            .flat_map(|j| {
                j.rule_ids()
                    .into_iter()
                    .map(|rule| (rule, j.row.id.clone()))
            })
            .collect();
        rule_hits::insert_many(conn, &hits)?;
        Ok(items.iter().map(Judged::submitted).collect())
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
