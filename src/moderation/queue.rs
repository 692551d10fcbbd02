//! The moderators' view: queue pages with the verdict, the author's record and reader flags
//! beside each comment; and the audit log, newest first.

use super::identity::author_key;
use super::ModerationError;
use crate::rules::RuleMatch;
use crate::storage::audit::{self, AuditFilter, AuditRow};
use crate::storage::queue::{self, AuthorRecord, FlagSummary, QueueFilter, QueueKind, QueueRow};
use crate::storage::{Pool, StorageError};

pub const DEFAULT_QUEUE_PAGE: i64 = 50;
pub const MAX_QUEUE_PAGE: i64 = 200;

pub fn parse_kind(text: Option<&str>) -> Result<QueueKind, ModerationError> {
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
pub fn author_filter(author: &str) -> String {
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

/// One comment as a moderator sees it.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub comment: QueueRow,
    pub matches: Vec<RuleMatch>,
    pub author: AuthorRecord,
    pub flags: FlagSummary,
}

#[derive(Debug, Clone)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next_cursor: Option<String>,
}

pub fn queue_page(
    pool: &Pool,
    kind: QueueKind,
    filter: &QueueFilter,
    limit: i64,
) -> Result<QueuePage, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let mut rows = queue::list(&mut conn, kind, filter, limit + 1)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let mut keys: Vec<String> = rows.iter().map(|r| r.author_key.clone()).collect();
    keys.sort();
    keys.dedup();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let records = queue::author_records(&mut conn, &keys)?;
    let mut flags = queue::flag_summaries(&mut conn, &ids)?;
    let next_cursor = has_more
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    let items = rows
        .into_iter()
        .map(|comment| {
            // A verdict we cannot read is shown as no matches rather than hiding the comment.
            let matches = serde_json::from_str::<crate::rules::Verdict>(&comment.verdict)
                .map(|v| v.matches)
                .unwrap_or_default();
            QueueItem {
                author: records
                    .get(&comment.author_key)
                    .cloned()
                    .unwrap_or_default(),
                flags: flags.remove(&comment.id).unwrap_or_default(),
                matches,
                comment,
            }
        })
        .collect();
    Ok(QueuePage { items, next_cursor })
}

#[derive(Debug, Clone)]
pub struct LogPage {
    pub entries: Vec<AuditRow>,
    pub next_cursor: Option<String>,
}

pub fn log_page(pool: &Pool, filter: &AuditFilter, limit: i64) -> Result<LogPage, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let mut entries = audit::list(&mut conn, filter, limit + 1)?;
    let has_more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let next_cursor = has_more
        .then(|| entries.last().map(|e| e.id.clone()))
        .flatten();
    Ok(LogPage {
        entries,
        next_cursor,
    })
}
