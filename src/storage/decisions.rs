//! A moderator's decision on a comment: a compare-and-set on "not yet decided", so of
//! concurrent decisions exactly one changes the row.

use super::schema::comments;
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// What a decision found and did.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusChange {
    /// This call decided; `previous_status` is what the comment was before.
    Changed {
        previous_status: String,
        was_flagged: bool,
    },
    /// Someone decided first.
    AlreadyDecided {
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
}

fn state(conn: &mut DbConnection, id: &str) -> Result<Option<DecisionState>, StorageError> {
    Ok(comments::table
        .filter(comments::id.eq(id))
        .select(DecisionState::as_select())
        .first(conn)
        .optional()?)
}

/// Sets the status if no moderator has decided this comment yet. The `WHERE decided_at IS NULL`
/// makes it a compare-and-set: of concurrent calls exactly one changes the row.
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    new_status: &str,
    moderator: &str,
    reason: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<StatusChange, StorageError> {
    let Some(before) = state(conn, id)? else {
        return Ok(StatusChange::NotFound);
    };
    let changed = diesel::update(
        comments::table
            .filter(comments::id.eq(id))
            .filter(comments::decided_at.is_null()),
    )
    .set((
        comments::status.eq(new_status),
        comments::decided_by.eq(moderator),
        comments::decided_at.eq(now),
        comments::decision_reason.eq(reason),
        comments::flagged_at.eq(None::<PrimitiveDateTime>),
        // Flags so far have been answered; it takes a fresh threshold of readers to re-open.
        comments::flag_count.eq(0),
    ))
    .execute(conn)?;
    if changed == 1 {
        return Ok(StatusChange::Changed {
            previous_status: before.status,
            was_flagged: before.flagged_at.is_some(),
        });
    }
    // Lost the race (or decided long ago): report the decision that stands.
    let current =
        state(conn, id)?.ok_or_else(|| StorageError::Corrupt(format!("comment {id} vanished")))?;
    match (current.decided_by, current.decided_at) {
        (Some(by), Some(at)) => Ok(StatusChange::AlreadyDecided {
            status: current.status,
            by,
            at,
        }),
        _ => Err(StorageError::Corrupt(format!(
            "comment {id} neither decided nor updatable"
        ))),
    }
}
