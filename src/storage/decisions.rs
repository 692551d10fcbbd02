//! A moderator's decision on a comment: a compare-and-set on "not yet decided" or on the
//! status the moderator saw, so of concurrent decisions exactly one changes the row.

use super::schema::comments;
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// What a decision may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect<'a> {
    /// Only a comment no moderator decided yet (a first decision).
    Undecided,
    /// Only a comment whose status is this one now (a first decision or a change of mind).
    Status(&'a str),
}

/// What a decision found and did.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusChange {
    /// This call decided; `previous_status` is what the comment was before.
    Changed {
        previous_status: String,
        was_flagged: bool,
    },
    /// `Expect::Undecided`, and someone decided first.
    AlreadyDecided {
        status: String,
        by: String,
        at: PrimitiveDateTime,
    },
    /// `Expect::Status`, and the comment is in another status: who set it and when.
    StatusMismatch {
        status: String,
        by: String,
        at: PrimitiveDateTime,
    },
    NotFound,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
struct DecisionState {
    status: String,
    decided_by: Option<String>,
    decided_at: Option<PrimitiveDateTime>,
    flagged_at: Option<PrimitiveDateTime>,
    status_changed_by: Option<String>,
    status_changed_at: Option<PrimitiveDateTime>,
    created_at: PrimitiveDateTime,
}

impl DecisionState {
    /// Who set the current status and when: the last decision or edit that changed it, else
    /// the rules when the comment arrived.
    fn set_by(self) -> (String, String, PrimitiveDateTime) {
        let (by, at) = match (self.status_changed_by, self.status_changed_at) {
            (Some(by), Some(at)) => (by, at),
            _ => match (self.decided_by, self.decided_at) {
                (Some(by), Some(at)) => (by, at),
                _ => ("rules".to_string(), self.created_at),
            },
        };
        (self.status, by, at)
    }
}

fn state(conn: &mut DbConnection, id: &str) -> Result<Option<DecisionState>, StorageError> {
    Ok(comments::table
        .filter(comments::id.eq(id))
        .select(DecisionState::as_select())
        .first(conn)
        .optional()?)
}

/// Sets the status if the comment is as `expect` says. The condition sits in the `UPDATE`'s
/// `WHERE`, a compare-and-set: of concurrent calls expecting the same thing exactly one
/// changes the row, and a reader's edit in between makes the decision lose, not overwrite.
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    new_status: &str,
    expect: Expect<'_>,
    moderator: &str,
    reason: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<StatusChange, StorageError> {
    let Some(before) = state(conn, id)? else {
        return Ok(StatusChange::NotFound);
    };
    let set = (
        comments::status.eq(new_status),
        comments::decided_by.eq(moderator),
        comments::decided_at.eq(now),
        comments::decision_reason.eq(reason),
        comments::flagged_at.eq(None::<PrimitiveDateTime>),
        // Flags so far have been answered; it takes a fresh threshold of readers to re-open.
        comments::flag_count.eq(0),
        comments::status_changed_by.eq(moderator),
        comments::status_changed_at.eq(now),
        comments::revision.eq(comments::revision + 1),
    );
    let this = comments::table.filter(comments::id.eq(id));
    let changed = match expect {
        Expect::Undecided => diesel::update(this.filter(comments::decided_at.is_null()))
            .set(set)
            .execute(conn)?,
        Expect::Status(status) => diesel::update(this.filter(comments::status.eq(status)))
            .set(set)
            .execute(conn)?,
    };
    if changed == 1 {
        return Ok(StatusChange::Changed {
            previous_status: before.status,
            was_flagged: before.flagged_at.is_some(),
        });
    }
    // Lost the race (or decided long ago): report what stands.
    let current =
        state(conn, id)?.ok_or_else(|| StorageError::Corrupt(format!("comment {id} vanished")))?;
    match expect {
        Expect::Status(_) => {
            let (status, by, at) = current.set_by();
            Ok(StatusChange::StatusMismatch { status, by, at })
        }
        Expect::Undecided => match (current.decided_by, current.decided_at) {
            (Some(by), Some(at)) => Ok(StatusChange::AlreadyDecided {
                status: current.status,
                by,
                at,
            }),
            _ => Err(StorageError::Corrupt(format!(
                "comment {id} neither decided nor updatable"
            ))),
        },
    }
}
