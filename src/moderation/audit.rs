//! The audit log as moderators read it: newest first, filtered, with the before/after states
//! and details as JSON.

use super::queue::parse_cursor;
use super::{Database, ModerationError};
use crate::storage::audit::{self, AuditFilter, AuditRow};
use crate::storage::StorageError;
use time::PrimitiveDateTime;

/// What to read of the log; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<PrimitiveDateTime>,
    pub until: Option<PrimitiveDateTime>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One accountable action.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: String,
    pub at: PrimitiveDateTime,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
    pub details: Option<serde_json::Value>,
}

/// Stored JSON, or the text itself should a row ever hold something else.
fn json_field(text: Option<String>) -> Option<serde_json::Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        AuditEntry {
            id: row.id,
            at: row.at,
            actor: row.actor,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            before: json_field(row.before_state),
            after: json_field(row.after_state),
            reason: row.reason,
            details: json_field(row.details),
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogPage {
    pub entries: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

pub fn log_page(
    pool: &Database,
    query: AuditQuery,
    limit: i64,
) -> Result<LogPage, ModerationError> {
    let filter = AuditFilter {
        actor: query.actor,
        action: query.action,
        target_id: query.target_id,
        since: query.since,
        until: query.until,
        before_id: parse_cursor(query.cursor.as_deref())?,
    };
    let mut conn = pool.get().map_err(StorageError::from)?;
    let mut entries = audit::list(&mut conn, &filter, limit + 1)?;
    let has_more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let next_cursor = has_more
        .then(|| entries.last().map(|e| e.id.clone()))
        .flatten();
    Ok(LogPage {
        entries: entries.into_iter().map(AuditEntry::from).collect(),
        next_cursor,
    })
}
