//! Moderators' decisions: approve or reject one comment (compare-and-set, one audit row), or
//! many at once by ids or by filter.

use super::ModerationError;
use crate::rules::CommentStatus;
use crate::storage::audit::{self, AuditRow};
use crate::storage::decisions::{self, DecideOutcome};
use crate::storage::queue::{self, QueueFilter, QueueKind};
use crate::storage::{self, DbConnection, Pool, StorageError};
use serde_json::json;
use time::PrimitiveDateTime;

/// Most comments one bulk request may change; a bigger filter is worked through in batches.
pub const MAX_BULK: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
}

impl Verdict {
    pub fn status(self) -> CommentStatus {
        match self {
            Verdict::Approve => CommentStatus::Published,
            Verdict::Reject => CommentStatus::Rejected,
        }
    }

    pub fn action(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        }
    }
}

/// The decision that stands on a comment after a request.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionOutcome {
    pub comment_id: String,
    pub status: CommentStatus,
    pub decided_by: String,
    pub decided_at: PrimitiveDateTime,
    /// False when the same decision had already been made: a harmless repeat.
    pub changed: bool,
}

/// One compare-and-set plus its audit row, inside the caller's transaction.
fn decide_in(
    conn: &mut DbConnection,
    comment_id: &str,
    verdict: Verdict,
    moderator: &str,
    reason: Option<&str>,
    now: PrimitiveDateTime,
    bulk_id: Option<&str>,
) -> Result<DecideOutcome, StorageError> {
    let status = verdict.status().as_str();
    let outcome = decisions::decide(conn, comment_id, status, moderator, reason, now)?;
    if let DecideOutcome::Changed {
        previous_status,
        was_flagged,
    } = &outcome
    {
        let mut row = AuditRow::new(
            moderator,
            verdict.action(),
            "comment",
            Some(comment_id),
            now,
        )
        .change(
            Some(json!({"status": previous_status, "flagged": was_flagged})),
            Some(json!({"status": status})),
        )
        .reason(reason);
        if let Some(bulk_id) = bulk_id {
            row = row.details(json!({"bulk_id": bulk_id}));
        }
        audit::append(conn, &[row])?;
    }
    Ok(outcome)
}

pub fn decide(
    pool: &Pool,
    comment_id: &str,
    verdict: Verdict,
    moderator: &str,
    reason: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<DecisionOutcome, ModerationError> {
    let not_found = || ModerationError::NotFound {
        what: "comment",
        field: None,
    };
    if uuid::Uuid::try_parse(comment_id).is_err() {
        return Err(not_found());
    }
    let mut conn = pool.get().map_err(StorageError::from)?;
    let outcome = storage::write_transaction(&mut conn, |conn| {
        decide_in(conn, comment_id, verdict, moderator, reason, now, None)
    })?;
    match outcome {
        DecideOutcome::NotFound => Err(not_found()),
        DecideOutcome::Changed { .. } => Ok(DecisionOutcome {
            comment_id: comment_id.to_string(),
            status: verdict.status(),
            decided_by: moderator.to_string(),
            decided_at: now,
            changed: true,
        }),
        DecideOutcome::AlreadyDecided { status, by, at } if status == verdict.status().as_str() => {
            Ok(DecisionOutcome {
                comment_id: comment_id.to_string(),
                status: verdict.status(),
                decided_by: by,
                decided_at: at,
                changed: false,
            })
        }
        DecideOutcome::AlreadyDecided { status, by, at } => Err(ModerationError::AlreadyDecided {
            message: format!(
                "{by} already {} this comment at {}",
                if status == "published" {
                    "approved"
                } else {
                    "rejected"
                },
                crate::timestamps::rfc3339(at)
            ),
        }),
    }
}

/// What a bulk request acts on.
#[derive(Debug, Clone)]
pub enum BulkTarget {
    Ids(Vec<String>),
    Filter {
        kind: QueueKind,
        filter: QueueFilter,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    pub bulk_id: String,
    /// Comments this request decided.
    pub changed: Vec<String>,
    /// Named or matched but already decided (or, for ids, unknown).
    pub skipped: usize,
}

pub fn bulk(
    pool: &Pool,
    target: &BulkTarget,
    verdict: Verdict,
    moderator: &str,
    reason: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<BulkOutcome, ModerationError> {
    if let BulkTarget::Ids(ids) = target {
        if ids.is_empty() || ids.len() > MAX_BULK {
            return Err(ModerationError::invalid(
                "ids",
                format!("give 1 to {MAX_BULK} comment ids"),
            ));
        }
    }
    let bulk_id = uuid::Uuid::now_v7().to_string();
    let mut conn = pool.get().map_err(StorageError::from)?;
    storage::write_transaction(&mut conn, |conn| {
        let ids = match target {
            BulkTarget::Ids(ids) => ids.clone(),
            BulkTarget::Filter { kind, filter } => {
                queue::undecided_ids(conn, *kind, filter, MAX_BULK as i64)?
            }
        };
        let mut changed = Vec::new();
        for id in &ids {
            let outcome = decide_in(conn, id, verdict, moderator, reason, now, Some(&bulk_id))?;
            if matches!(outcome, DecideOutcome::Changed { .. }) {
                changed.push(id.clone());
            }
        }
        let target_json = match target {
            BulkTarget::Ids(ids) => json!({"ids": ids.len()}),
            BulkTarget::Filter { kind, filter } => json!({
                "queue": format!("{kind:?}").to_lowercase(),
                "article_id": filter.article_id,
                "rule": filter.rule_id,
                "author": filter.author_key,
                "before": filter.created_before.map(|t| t.to_string()),
            }),
        };
        audit::append(
            conn,
            &[AuditRow::new(
                moderator,
                &format!("bulk_{}", verdict.action()),
                "comments",
                Some(&bulk_id),
                now,
            )
            .reason(reason)
            .details(
                json!({"target": target_json, "matched": ids.len(), "changed": changed.len()}),
            )],
        )?;
        Ok::<_, StorageError>(BulkOutcome {
            bulk_id: bulk_id.clone(),
            skipped: ids.len() - changed.len(),
            changed,
        })
    })
    .map_err(ModerationError::from)
}
