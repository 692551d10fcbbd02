//! Moderators' decisions: approve or reject one comment (compare-and-set on the status the
//! moderator expects, one audit row `from -> to`), or many at once by ids or by filter; a
//! decision may change an earlier one.

use super::learning::{label_comments, LiveModel};
use super::queue::QueueSelection;
use super::reader_edits::READER_ACTOR;
use super::ModerationError;
use super::StatusConflict;
use crate::rules::CommentStatus;
use crate::storage::audit::{self, AuditRow};
use crate::storage::decisions::{self, Expect, StatusChange};
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
    /// it already in the status the action gives (a confirmation, a label all the same).
    fn stands(self, outcome: &StatusChange) -> bool {
        match outcome {
            StatusChange::Changed { .. } => true,
            StatusChange::AlreadyDecided { status, .. }
            | StatusChange::StatusMismatch { status, .. } => status == self.status().as_str(),
            StatusChange::NotFound => false,
        }
    }
}

/// The status a decision expects the comment to have (compare-and-set). Without one, only an
/// undecided comment is decided: the behaviour of clients written before changes of mind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Undecided,
    Status(CommentStatus),
}

impl Expected {
    fn as_storage(self) -> Expect<'static> {
        match self {
            Expected::Undecided => Expect::Undecided,
            Expected::Status(status) => Expect::Status(status.as_str()),
        }
    }
}

/// One moderator's decision: what, on which expectation, by whom, why and when.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub action: ModeratorAction,
    pub expected: Expected,
    pub moderator: &'a str,
    pub reason: Option<&'a str>,
    pub now: PrimitiveDateTime,
}

/// The decision that stands on a comment after a request.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionOutcome {
    pub comment_id: String,
    pub status: CommentStatus,
    /// The status before this request changed it (`None` when it changed nothing).
    pub previous_status: Option<String>,
    pub decided_by: String,
    pub decided_at: PrimitiveDateTime,
    /// False when the comment already had this status: a harmless repeat.
    pub changed: bool,
}

/// One compare-and-set plus its audit row and webhook event, inside the caller's transaction.
fn decide_in(
    conn: &mut DbConnection,
    comment_id: &str,
    decision: &Decision<'_>,
    bulk_id: Option<&str>,
) -> Result<StatusChange, StorageError> {
    let Decision {
        action,
        expected,
        moderator,
        reason,
        now,
    } = *decision;
    let status = action.status().as_str();
    let outcome = decisions::decide(
        conn,
        comment_id,
        status,
        expected.as_storage(),
        moderator,
        reason,
        now,
    )?;
    if let StatusChange::Changed {
        previous_status,
        was_flagged,
    } = &outcome
    {
        let mut details = json!({"from": previous_status, "to": status});
        if let Some(bulk_id) = bulk_id {
            details["bulk_id"] = json!(bulk_id);
        }
        let row = AuditRow::new(moderator, action.as_str(), "comment", Some(comment_id), now)
            .change(
                Some(json!({"status": previous_status, "flagged": was_flagged})),
                Some(json!({"status": status})),
            )
            .reason(reason)
            .details(details);
        audit::append(conn, &[row])?;
        let article_id = outbox::comment_article(conn, comment_id)?.map(|(article, _)| article);
        let data = json!({
            "comment_id": comment_id,
            "article_id": article_id,
            "status": status,
            "previous_status": previous_status,
            "from": previous_status,
            "to": status,
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

/// A decision that did not happen because the comment is not as the moderator expected.
fn conflict(status: String, by: String, at: PrimitiveDateTime) -> StatusConflict {
    StatusConflict {
        status,
        changed_by: by,
        changed_at: at,
    }
}

/// Decides one comment and, in the same transaction, teaches the learned rule its label (the
/// latest decision's: a comment decided twice counts once); the live model is brought up to
/// date once it commits.
pub fn decide(
    pool: &Pool,
    live: &LiveModel,
    comment_id: &str,
    decision: &Decision<'_>,
) -> Result<DecisionOutcome, ModerationError> {
    let Decision {
        action,
        expected,
        moderator,
        now,
        ..
    } = *decision;
    let not_found = || ModerationError::NotFound {
        what: "comment",
        field: None,
    };
    if uuid::Uuid::try_parse(comment_id).is_err() {
        return Err(not_found());
    }
    let mut conn = pool.get().map_err(StorageError::from)?;
    let outcome = storage::write_transaction(&mut conn, |conn| {
        let outcome = decide_in(conn, comment_id, decision, None)?;
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
    let wanted = action.status();
    match outcome {
        StatusChange::NotFound => Err(not_found()),
        StatusChange::Changed {
            previous_status, ..
        } => Ok(DecisionOutcome {
            comment_id: comment_id.to_string(),
            status: wanted,
            previous_status: Some(previous_status),
            decided_by: moderator.to_string(),
            decided_at: now,
            changed: true,
        }),
        StatusChange::AlreadyDecided { status, by, at }
        | StatusChange::StatusMismatch { status, by, at }
            if status == wanted.as_str() =>
        {
            Ok(DecisionOutcome {
                comment_id: comment_id.to_string(),
                status: wanted,
                previous_status: None,
                decided_by: by,
                decided_at: at,
                changed: false,
            })
        }
        StatusChange::AlreadyDecided { status, by, at } => Err(ModerationError::AlreadyDecided {
            message: format!(
                "{}; to change the decision, send expected_status \"{status}\"",
                who_set(&status, &by, at)
            ),
            conflict: conflict(status, by, at),
        }),
        StatusChange::StatusMismatch { status, by, at } => Err(ModerationError::StatusChanged {
            message: format!(
                "{}: it is {status} now, not {}; reload and decide again",
                who_set(&status, &by, at),
                match expected {
                    Expected::Status(s) => s.as_str(),
                    Expected::Undecided => "undecided",
                },
            ),
            conflict: conflict(status, by, at),
        }),
    }
}

/// Says who set a comment's status and when, for a moderator whose decision did not happen.
fn who_set(status: &str, by: &str, at: PrimitiveDateTime) -> String {
    let at = crate::timestamps::rfc3339(at);
    match (by, status) {
        (READER_ACTOR, _) => format!("its reader edited this comment at {at}"),
        ("rules", _) => format!("the rules made this comment {status} at {at}"),
        (_, "published") => format!("{by} already approved this comment at {at}"),
        (_, "rejected") => format!("{by} already rejected this comment at {at}"),
        _ => format!("{by} made this comment {status} at {at}"),
    }
}

/// What a bulk request acts on.
#[derive(Debug, Clone)]
pub enum BulkTarget {
    Ids(Vec<String>),
    Filter(QueueSelection),
}

/// What a bulk request did to one comment it named or matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkItemOutcome {
    /// Decided by this request.
    Changed {
        from: String,
    },
    /// Already in the status the action gives.
    Unchanged,
    /// Not decided: its status is not the expected one (or, without `expected_status`, a
    /// moderator decided it already): what it is, who set it and when.
    Skipped(StatusConflict),
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    pub bulk_id: String,
    /// Comments this request decided.
    pub changed: Vec<String>,
    /// Named or matched but not changed (already so, status changed, or unknown ids).
    pub skipped: usize,
    /// Every comment named or matched, in order, with what happened to it.
    pub results: Vec<(String, BulkItemOutcome)>,
}

fn bulk_item(action: ModeratorAction, outcome: StatusChange) -> BulkItemOutcome {
    match outcome {
        StatusChange::Changed {
            previous_status, ..
        } => BulkItemOutcome::Changed {
            from: previous_status,
        },
        StatusChange::AlreadyDecided { status, .. }
        | StatusChange::StatusMismatch { status, .. }
            if status == action.status().as_str() =>
        {
            BulkItemOutcome::Unchanged
        }
        StatusChange::AlreadyDecided { status, by, at }
        | StatusChange::StatusMismatch { status, by, at } => {
            BulkItemOutcome::Skipped(conflict(status, by, at))
        }
        StatusChange::NotFound => BulkItemOutcome::NotFound,
    }
}

pub fn bulk(
    pool: &Pool,
    live: &LiveModel,
    target: &BulkTarget,
    decision: &Decision<'_>,
) -> Result<BulkOutcome, ModerationError> {
    let Decision {
        action,
        expected,
        moderator,
        reason,
        now,
    } = *decision;
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
        let ids = match (target, expected) {
            (BulkTarget::Ids(ids), _) => ids.clone(),
            (BulkTarget::Filter(selection), Expected::Undecided) => {
                selection.undecided_ids(conn, MAX_BULK as i64)?
            }
            (BulkTarget::Filter(selection), Expected::Status(_)) => {
                selection.ids(conn, MAX_BULK as i64)?
            }
        };
        let mut changed = Vec::new();
        let mut labels = Vec::new();
        let mut results = Vec::with_capacity(ids.len());
        for id in &ids {
            let outcome = if uuid::Uuid::try_parse(id).is_ok() {
                decide_in(conn, id, decision, Some(&bulk_id))?
            } else {
                StatusChange::NotFound
            };
            if action.stands(&outcome) {
                labels.push((id.clone(), action.label()));
            }
            if matches!(outcome, StatusChange::Changed { .. }) {
                changed.push(id.clone());
            }
            results.push((id.clone(), bulk_item(action, outcome)));
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
            results,
        })
    })?;
    live.refresh_after_commit(&mut conn);
    metrics::counter!(crate::telemetry::metrics::DECISIONS, "action" => action.as_str())
        .increment(outcome.changed.len() as u64);
    Ok(outcome)
}
