//! Reader flags: one per client per published comment; at the site's threshold the comment goes
//! back to the moderators as flagged.

use super::ModerationError;
use crate::storage::audit::{self, AuditRow};
use crate::storage::flags::{self, FlagOutcome, NewFlagRow};
use crate::storage::{self, outbox, Pool, StorageError};
use serde_json::json;
use time::PrimitiveDateTime;

pub const MAX_FLAG_NOTE_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagReason {
    Spam,
    Abuse,
    OffTopic,
    Other,
}

impl FlagReason {
    pub fn parse(text: &str) -> Result<Self, ModerationError> {
        match text {
            "spam" => Ok(FlagReason::Spam),
            "abuse" => Ok(FlagReason::Abuse),
            "off_topic" => Ok(FlagReason::OffTopic),
            "other" => Ok(FlagReason::Other),
            _ => Err(ModerationError::invalid(
                "reason",
                "reason must be one of spam, abuse, off_topic, other",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FlagReason::Spam => "spam",
            FlagReason::Abuse => "abuse",
            FlagReason::OffTopic => "off_topic",
            FlagReason::Other => "other",
        }
    }
}

/// Trims a note; empty means none.
pub fn parse_note(note: Option<&str>) -> Result<Option<String>, ModerationError> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_FLAG_NOTE_CHARS {
        return Err(ModerationError::invalid(
            "note",
            format!("note must be at most {MAX_FLAG_NOTE_CHARS} characters"),
        ));
    }
    if note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ModerationError::invalid(
            "note",
            "note must not contain control characters",
        ));
    }
    Ok(Some(note.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagReceipt {
    /// This client had flagged the comment before; nothing changed.
    pub duplicate: bool,
}

/// Records a reader's flag. `client_key` identifies the reader (their address key).
pub fn flag(
    pool: &Pool,
    comment_id: &str,
    client_key: &str,
    reason: FlagReason,
    note: Option<String>,
    threshold: i32,
    now: PrimitiveDateTime,
) -> Result<FlagReceipt, ModerationError> {
    let not_found = || ModerationError::NotFound {
        what: "comment",
        field: None,
    };
    if uuid::Uuid::try_parse(comment_id).is_err() {
        return Err(not_found());
    }
    let row = NewFlagRow {
        id: uuid::Uuid::now_v7().to_string(),
        comment_id: comment_id.to_string(),
        client_key: client_key.to_string(),
        reason: reason.as_str().to_string(),
        note,
        created_at: now,
    };
    let mut conn = pool.get().map_err(StorageError::from)?;
    let outcome = storage::write_transaction(&mut conn, |conn| {
        let outcome = flags::add(conn, &row, threshold.max(1), now)?;
        if let Some(FlagOutcome::Recorded {
            flag_count,
            crossed_threshold: true,
        }) = outcome
        {
            audit::append(
                conn,
                &[AuditRow::new("readers", "flag_threshold_crossed", "comment", Some(comment_id), now)
                    .change(Some(json!({"flagged": false})), Some(json!({"flagged": true})))
                    .details(json!({"flags": flag_count, "threshold": threshold, "last_reason": reason.as_str()}))],
            )?;
            let (article_id, status) = outbox::comment_article(conn, comment_id)?.unzip();
            let data = json!({
                "comment_id": comment_id,
                "article_id": article_id,
                "status": status,
                "flags": flag_count,
                "threshold": threshold,
                "last_reason": reason.as_str(),
            });
            outbox::insert(
                conn,
                &[outbox::OutboxRow::new(
                    crate::webhooks::event::COMMENT_FLAGGED,
                    None,
                    data.to_string(),
                    now,
                )],
            )?;
        }
        Ok::<_, StorageError>(outcome)
    });
    match outcome {
        Ok(None) => Err(not_found()),
        Ok(Some(FlagOutcome::Duplicate)) | Err(StorageError::Duplicate(_)) => {
            Ok(FlagReceipt { duplicate: true })
        }
        Ok(Some(FlagOutcome::Recorded { .. })) => Ok(FlagReceipt { duplicate: false }),
        Err(err) => Err(err.into()),
    }
}
