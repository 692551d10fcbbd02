//! Reader flags: at most one per reader and comment; the flag that reaches the site's threshold
//! sends a published comment back to the moderators (a compare-and-set, like decisions).

use super::schema::{comments, flags};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

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

/// Records a flag on a published comment (at most one per client); at `threshold` flags the
/// comment is marked flagged and re-opened for a decision. `None` if it is not published.
pub fn add(
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
