//! State changes on comments that must not race: a moderator's decision (compare-and-set on
//! "not yet decided") and reader flags crossing the threshold.

use super::schema::{comment_rule_hits, comments, flags};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// What a decision found and did.
#[derive(Debug, Clone, PartialEq)]
pub enum DecideOutcome {
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
) -> Result<DecideOutcome, StorageError> {
    let Some(before) = state(conn, id)? else {
        return Ok(DecideOutcome::NotFound);
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
        return Ok(DecideOutcome::Changed {
            previous_status: before.status,
            was_flagged: before.flagged_at.is_some(),
        });
    }
    // Lost the race (or decided long ago): report the decision that stands.
    let current =
        state(conn, id)?.ok_or_else(|| StorageError::Corrupt(format!("comment {id} vanished")))?;
    match (current.decided_by, current.decided_at) {
        (Some(by), Some(at)) => Ok(DecideOutcome::AlreadyDecided {
            status: current.status,
            by,
            at,
        }),
        _ => Err(StorageError::Corrupt(format!(
            "comment {id} neither decided nor updatable"
        ))),
    }
}

/// Records which rules matched a comment (for the queue's rule filter).
pub fn insert_rule_hits(
    conn: &mut DbConnection,
    comment_id: &str,
    rule_ids: &[String],
) -> Result<(), StorageError> {
    for rule in rule_ids {
        diesel::insert_into(comment_rule_hits::table)
            .values((
                comment_rule_hits::rule_id.eq(rule.as_str()),
                comment_rule_hits::comment_id.eq(comment_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = flags)]
pub struct NewFlagRow {
    pub id: String,
    pub comment_id: String,
    pub client_key: String,
    pub reason: String,
    pub note: Option<String>,
    pub created_at: PrimitiveDateTime,
}

/// What flagging did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagOutcome {
    /// This client had already flagged the comment: nothing changed.
    Duplicate,
    Recorded {
        flag_count: i32,
        crossed_threshold: bool,
    },
}

/// Records a flag on a published comment (at most one per client); at `threshold` flags the comment is marked flagged
/// and re-opened for a decision. Returns `None` if the comment is not published.
pub fn add_flag(
    conn: &mut DbConnection,
    flag: &NewFlagRow,
    threshold: i32,
    now: PrimitiveDateTime,
) -> Result<Option<FlagOutcome>, StorageError> {
    let status: Option<String> = comments::table
        .filter(comments::id.eq(&flag.comment_id))
        .select(comments::status)
        .first(conn)
        .optional()?;
    if status.as_deref() != Some("published") {
        return Ok(None);
    }
    let already: i64 = flags::table
        .filter(flags::comment_id.eq(&flag.comment_id))
        .filter(flags::client_key.eq(&flag.client_key))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Ok(Some(FlagOutcome::Duplicate));
    }
    // A concurrent twin that slipped past the check fails here with `StorageError::Duplicate`.
    diesel::insert_into(flags::table)
        .values(flag)
        .execute(conn)?;
    diesel::update(comments::table.filter(comments::id.eq(&flag.comment_id)))
        .set(comments::flag_count.eq(comments::flag_count + 1))
        .execute(conn)?;
    // Crossing is a compare-and-set too: only the flag that reaches the threshold re-opens it.
    let crossed = diesel::update(
        comments::table
            .filter(comments::id.eq(&flag.comment_id))
            .filter(comments::flagged_at.is_null())
            .filter(comments::status.eq("published"))
            .filter(comments::flag_count.ge(threshold)),
    )
    .set((
        comments::flagged_at.eq(now),
        comments::decided_at.eq(None::<PrimitiveDateTime>),
        comments::decided_by.eq(None::<String>),
        comments::decision_reason.eq(None::<String>),
    ))
    .execute(conn)?;
    let flag_count = comments::table
        .filter(comments::id.eq(&flag.comment_id))
        .select(comments::flag_count)
        .first(conn)?;
    Ok(Some(FlagOutcome::Recorded {
        flag_count,
        crossed_threshold: crossed == 1,
    }))
}
