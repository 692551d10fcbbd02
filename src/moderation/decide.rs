//! Moderators' decisions: approve or reject one comment (compare-and-set, one audit row), or
//! many at once by ids or by filter.

use super::learning::{label_comments, LiveModel};
use super::queue::QueueSelection;
use super::ModerationError;
use crate::rules::CommentStatus;
use crate::storage::audit::{self, AuditRow};
use crate::storage::decisions::{self, StatusChange};
use crate::storage::learned::Label;
use crate::storage::{self, outbox, DbConnection, Pool, StorageError};
use crate::webhooks::event;
use serde_json::json;
use time::PrimitiveDateTime;

/// Most comments one bulk request may change; a bigger filter is worked through in batches.
pub const MAX_BULK: usize = 5_000;

/// What a moderator does to one comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeratorAction {
    Approve,
    Reject,
}

impl ModeratorAction {
    pub fn status(self) -> CommentStatus {
        match self {
            ModeratorAction::Approve => CommentStatus::Published,
            ModeratorAction::Reject => CommentStatus::Rejected,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ModeratorAction::Approve => "approve",
            ModeratorAction::Reject => "reject",
        }
    }

    /// What the decision teaches the learned rule.
    pub fn label(self) -> Label {
        match self {
            ModeratorAction::Approve => Label::Ham,
            ModeratorAction::Reject => Label::Spam,
        }
    }

    /// Whether a decision's outcome stands for this action: it changed the comment, or found
    /// it already decided the same way (a confirmation, a label all the same).
    fn stands(self, outcome: &StatusChange) -> bool {
        match outcome {
            StatusChange::Changed { .. } => true,
            StatusChange::AlreadyDecided { status, .. } => status == self.status().as_str(),
            StatusChange::NotFound => false,
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
    action: ModeratorAction,
    moderator: &str,
    reason: Option<&str>,
    now: PrimitiveDateTime,
    bulk_id: Option<&str>,
) -> Result<StatusChange, StorageError> {
    let status = action.status().as_str();
    let outcome = decisions::decide(conn, comment_id, status, moderator, reason, now)?;
    if let StatusChange::Changed {
        previous_status,
        was_flagged,
    } = &outcome
    {
        let mut row = AuditRow::new(moderator, action.as_str(), "comment", Some(comment_id), now)
            .change(
                Some(json!({"status": previous_status, "flagged": was_flagged})),
                Some(json!({"status": status})),
            )
            .reason(reason);
        if let Some(bulk_id) = bulk_id {
            row = row.details(json!({"bulk_id": bulk_id}));
        }
        audit::append(conn, &[row])?;
        let article_id = outbox::comment_article(conn, comment_id)?.map(|(article, _)| article);
        let data = json!({
            "comment_id": comment_id,
            "article_id": article_id,
            "status": status,
            "previous_status": previous_status,
            "was_flagged": was_flagged,
            "decided_by": moderator,
            "reason": reason,
            "bulk_id": bulk_id,
        });
        outbox::insert(
            conn,
            &[outbox::OutboxRow::new(
                event::COMMENT_DECIDED,
                None,
                data.to_string(),
                now,
            )],
        )?;
    }
    Ok(outcome)
}

/// Decides one comment and, in the same transaction, teaches the learned rule its label; the
/// live model is brought up to date once it commits.
pub fn decide(
    pool: &Pool,
    live: &LiveModel,
    comment_id: &str,
    action: ModeratorAction,
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
        let outcome = decide_in(conn, comment_id, action, moderator, reason, now, None)?;
        if action.stands(&outcome) {
            label_comments(conn, &[(comment_id.to_string(), action.label())], now)?;
        }
        Ok::<_, StorageError>(outcome)
    })?;
    if matches!(outcome, StatusChange::Changed { .. }) {
        metrics::counter!(crate::telemetry::metrics::DECISIONS, "action" => action.as_str())
            .increment(1);
    }
    if action.stands(&outcome) {
        live.refresh_after_commit(&mut conn);
    }
    match outcome {
        StatusChange::NotFound => Err(not_found()),
        StatusChange::Changed { .. } => Ok(DecisionOutcome {
            comment_id: comment_id.to_string(),
            status: action.status(),
            decided_by: moderator.to_string(),
            decided_at: now,
            changed: true,
        }),
        StatusChange::AlreadyDecided { status, by, at } if status == action.status().as_str() => {
            Ok(DecisionOutcome {
                comment_id: comment_id.to_string(),
                status: action.status(),
                decided_by: by,
                decided_at: at,
                changed: false,
            })
        }
        StatusChange::AlreadyDecided { status, by, at } => Err(ModerationError::AlreadyDecided {
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
    Filter(QueueSelection),
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
    live: &LiveModel,
    target: &BulkTarget,
    action: ModeratorAction,
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
    let outcome = storage::write_transaction(&mut conn, |conn| {
        let ids = match target {
            BulkTarget::Ids(ids) => ids.clone(),
            BulkTarget::Filter(selection) => selection.undecided_ids(conn, MAX_BULK as i64)?,
        };
        let mut changed = Vec::new();
        let mut labels = Vec::new();
        for id in &ids {
            let outcome = decide_in(conn, id, action, moderator, reason, now, Some(&bulk_id))?;
            if action.stands(&outcome) {
                labels.push((id.clone(), action.label()));
            }
            if matches!(outcome, StatusChange::Changed { .. }) {
                changed.push(id.clone());
            }
        }
        label_comments(conn, &labels, now)?;
        let target_json = match target {
            BulkTarget::Ids(ids) => json!({"ids": ids.len()}),
            BulkTarget::Filter(selection) => selection.describe(),
        };
        audit::append(
            conn,
            &[AuditRow::new(
                moderator,
                &format!("bulk_{}", action.as_str()),
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
    })?;
    live.refresh_after_commit(&mut conn);
    metrics::counter!(crate::telemetry::metrics::DECISIONS, "action" => action.as_str())
        .increment(outcome.changed.len() as u64);
    Ok(outcome)
}
