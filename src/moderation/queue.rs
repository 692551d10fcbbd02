//! The moderators' view: which comments a queue read or bulk action selects, and queue pages
//! with the verdict, the author's record and reader flags beside each comment.

use super::identity::author_key;
use super::{Database, ModerationError};
use crate::storage::queue::{self, QueueFilter, QueueKind, QueueRow};
use crate::storage::reader_edits::{self, RevisionRow};
use crate::storage::StorageError;
use time::PrimitiveDateTime;

pub use super::stored_matches::StoredMatches;
pub use crate::storage::queue::{AuthorRecord, FlagSummary};

pub const DEFAULT_QUEUE_PAGE: i64 = 50;
pub const MAX_QUEUE_PAGE: i64 = 200;

fn parse_kind(text: Option<&str>) -> Result<QueueKind, ModerationError> {
    match text.unwrap_or("pending") {
        "pending" => Ok(QueueKind::Pending),
        "flagged" => Ok(QueueKind::Flagged),
        "rejected" => Ok(QueueKind::Rejected),
        "published" => Ok(QueueKind::Published),
        _ => Err(ModerationError::invalid(
            "status",
            "status must be one of pending, flagged, rejected, published",
        )),
    }
}

/// `author` may be an email (has '@') or a display name, matched as submissions are keyed.
fn author_filter(author: &str) -> String {
    if author.contains('@') {
        author_key("", Some(author))
    } else {
        author_key(author, None)
    }
}

/// Cursors are comment or log ids; anything else was not issued by us.
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<String>, ModerationError> {
    cursor
        .map(|c| {
            uuid::Uuid::try_parse(c)
                .map(|u| u.to_string())
                .map_err(|_| {
                    ModerationError::invalid("cursor", "cursor is not one this server issued")
                })
        })
        .transpose()
}

pub fn page_size(limit: Option<i64>) -> Result<i64, ModerationError> {
    let limit = limit.unwrap_or(DEFAULT_QUEUE_PAGE);
    if !(1..=MAX_QUEUE_PAGE).contains(&limit) {
        return Err(ModerationError::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_QUEUE_PAGE}"),
        ));
    }
    Ok(limit)
}

/// Which comments a moderator selects: one queue, narrowed by article, rule, author and age.
#[derive(Debug, Clone)]
pub struct QueueSelection {
    queue: QueueKind,
    filter: QueueFilter,
}

impl QueueSelection {
    /// `status` names the queue (`pending` when absent); `author` is an email or a display
    /// name, matched as submissions are keyed.
    pub fn new(
        status: Option<&str>,
        article_id: Option<String>,
        rule_id: Option<String>,
        author: Option<&str>,
        created_before: Option<PrimitiveDateTime>,
    ) -> Result<Self, ModerationError> {
        Ok(QueueSelection {
            queue: parse_kind(status)?,
            filter: QueueFilter {
                article_id,
                rule_id,
                author_key: author.map(author_filter),
                created_before,
                after_id: None,
            },
        })
    }

    /// Continues after the page that ended with `cursor` (a comment id we issued).
    pub fn after(mut self, cursor: Option<&str>) -> Result<Self, ModerationError> {
        self.filter.after_id = parse_cursor(cursor)?;
        Ok(self)
    }

    /// The selection as the audit log records it.
    pub fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "queue": format!("{:?}", self.queue).to_lowercase(),
            "article_id": self.filter.article_id,
            "rule": self.filter.rule_id,
            "author": self.filter.author_key,
            "before": self.filter.created_before.map(crate::timestamps::rfc3339),
        })
    }

    /// Up to `limit` ids of comments in the selection that no moderator decided yet.
    pub(crate) fn undecided_ids(
        &self,
        conn: &mut crate::storage::DbConnection,
        limit: i64,
    ) -> Result<Vec<String>, StorageError> {
        queue::undecided_ids(conn, self.queue, &self.filter, limit)
    }

    /// Up to `limit` ids of comments in the selection, decided or not (for a change of mind).
    pub(crate) fn ids(
        &self,
        conn: &mut crate::storage::DbConnection,
        limit: i64,
    ) -> Result<Vec<String>, StorageError> {
        queue::ids(conn, self.queue, &self.filter, limit)
    }
}

/// One comment as a moderator sees it.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub comment: QueueRow,
    pub matches: StoredMatches,
    pub author: AuthorRecord,
    pub flags: FlagSummary,
    /// What its reader's edits and delete replaced, oldest first.
    pub revisions: Vec<RevisionRow>,
}

#[derive(Debug, Clone)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next_cursor: Option<String>,
}

pub fn queue_page(
    pool: &Database,
    selection: &QueueSelection,
    limit: i64,
) -> Result<QueuePage, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let mut rows = queue::list(&mut conn, selection.queue, &selection.filter, limit + 1)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let mut keys: Vec<String> = rows.iter().map(|r| r.author_key.clone()).collect();
    keys.sort();
    keys.dedup();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let records = queue::author_records(&mut conn, &keys)?;
    let mut flags = queue::flag_summaries(&mut conn, &ids)?;
    let mut revisions: std::collections::HashMap<String, Vec<RevisionRow>> =
        std::collections::HashMap::new();
    for revision in reader_edits::revisions_of(&mut conn, &ids)? {
        revisions
            .entry(revision.comment_id.clone())
            .or_default()
            .push(revision);
    }
    let next_cursor = has_more
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    let items = rows
        .into_iter()
        .map(|comment| {
            let matches = StoredMatches::of_verdict(&comment.verdict);
            QueueItem {
                author: records
                    .get(&comment.author_key)
                    .cloned()
                    .unwrap_or_default(),
                flags: flags.remove(&comment.id).unwrap_or_default(),
                revisions: revisions.remove(&comment.id).unwrap_or_default(),
                matches,
                comment,
            }
        })
        .collect();
    Ok(QueuePage { items, next_cursor })
}
