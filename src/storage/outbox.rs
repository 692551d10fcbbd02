//! The webhook outbox: events written in the transaction of what they report, fanned out into
//! one delivery per subscribed endpoint, claimed by a dispatcher (a lease, so instances sharing
//! the database never send one delivery twice at once), and the log of attempts.

use super::schema::{comments, webhook_outbox};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// An event not yet fanned out.
pub const NEW: &str = "new";
/// A delivery still to be made (or retried).
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
/// Given up on: still failing when a day old.
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_outbox)]
pub struct OutboxRow {
    pub id: String,
    pub event_type: String,
    pub endpoint: Option<String>,
    pub payload: String,
    pub created_at: PrimitiveDateTime,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: PrimitiveDateTime,
    pub locked_until: Option<PrimitiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<PrimitiveDateTime>,
}

impl OutboxRow {
    /// An event (`endpoint: None`) or a delivery to `endpoint`, due now.
    pub fn new(
        event_type: &str,
        endpoint: Option<&str>,
        payload: String,
        now: PrimitiveDateTime,
    ) -> OutboxRow {
        OutboxRow {
            id: uuid::Uuid::now_v7().to_string(),
            event_type: event_type.to_string(),
            endpoint: endpoint.map(str::to_string),
            payload,
            created_at: now,
            state: if endpoint.is_some() { PENDING } else { NEW }.to_string(),
            attempts: 0,
            next_attempt_at: now,
            locked_until: None,
            last_status: None,
            last_error: None,
            delivered_at: None,
        }
    }
}

/// Writes events or deliveries (inside the caller's transaction).
pub fn insert(conn: &mut DbConnection, rows: &[OutboxRow]) -> Result<(), StorageError> {
    for row in rows {
        diesel::insert_into(webhook_outbox::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Events waiting to be fanned out, oldest first.
pub fn new_events(conn: &mut DbConnection, limit: i64) -> Result<Vec<OutboxRow>, StorageError> {
    Ok(webhook_outbox::table
        .filter(webhook_outbox::state.eq(NEW))
        .order(webhook_outbox::id.asc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Removes a fanned-out event; `false` when another dispatcher took it first.
pub fn take_event(conn: &mut DbConnection, id: &str) -> Result<bool, StorageError> {
    let deleted = diesel::delete(
        webhook_outbox::table
            .filter(webhook_outbox::id.eq(id))
            .filter(webhook_outbox::state.eq(NEW)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Not held by a dispatcher at `now` (never claimed, or its lease ran out).
fn free(
    now: PrimitiveDateTime,
) -> diesel::dsl::Or<
    diesel::dsl::IsNull<webhook_outbox::locked_until>,
    diesel::dsl::Lt<webhook_outbox::locked_until, PrimitiveDateTime>,
> {
    webhook_outbox::locked_until
        .is_null()
        .or(webhook_outbox::locked_until.lt(now))
}

/// Whether any delivery is due and free (a read, before taking the write lock to claim).
pub fn any_due(conn: &mut DbConnection, now: PrimitiveDateTime) -> Result<bool, StorageError> {
    Ok(webhook_outbox::table
        .filter(webhook_outbox::state.eq(PENDING))
        .filter(webhook_outbox::next_attempt_at.le(now))
        .filter(free(now))
        .select(webhook_outbox::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Claims up to `limit` due deliveries until `lease_until`: each row is taken only if no other
/// dispatcher holds it (compare-and-set), so the returned rows are this caller's alone.
pub fn claim_due(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
    lease_until: PrimitiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, StorageError> {
    let due: Vec<OutboxRow> = webhook_outbox::table
        .filter(webhook_outbox::state.eq(PENDING))
        .filter(webhook_outbox::next_attempt_at.le(now))
        .filter(free(now))
        .order(webhook_outbox::next_attempt_at.asc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?;
    let mut claimed = Vec::with_capacity(due.len());
    for row in due {
        let taken = diesel::update(
            webhook_outbox::table
                .filter(webhook_outbox::id.eq(&row.id))
                .filter(webhook_outbox::state.eq(PENDING))
                .filter(free(now)),
        )
        .set(webhook_outbox::locked_until.eq(Some(lease_until)))
        .execute(conn)?;
        if taken == 1 {
            claimed.push(row);
        }
    }
    Ok(claimed)
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The receiver's HTTP status, if it answered.
    pub status: Option<i32>,
    /// Why it failed (`None`: delivered).
    pub error: Option<String>,
    /// When to try again; `None` after a success or when giving up.
    pub retry_at: Option<PrimitiveDateTime>,
}

/// Records an attempt on a claimed delivery and releases it.
pub fn record_attempt(
    conn: &mut DbConnection,
    id: &str,
    attempt: &Attempt,
    now: PrimitiveDateTime,
) -> Result<(), StorageError> {
    let state = match (&attempt.error, attempt.retry_at) {
        (None, _) => DELIVERED,
        (Some(_), Some(_)) => PENDING,
        (Some(_), None) => FAILED,
    };
    diesel::update(webhook_outbox::table.filter(webhook_outbox::id.eq(id)))
        .set((
            webhook_outbox::state.eq(state),
            webhook_outbox::attempts.eq(webhook_outbox::attempts + 1),
            webhook_outbox::last_status.eq(attempt.status),
            webhook_outbox::last_error.eq(attempt.error.as_deref()),
            webhook_outbox::next_attempt_at.eq(attempt.retry_at.unwrap_or(now)),
            webhook_outbox::locked_until.eq(None::<PrimitiveDateTime>),
            webhook_outbox::delivered_at.eq((state == DELIVERED).then_some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest deliveries first, optionally of one state, before the id `before` (a cursor).
pub fn deliveries(
    conn: &mut DbConnection,
    state: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxRow>, StorageError> {
    let mut query = webhook_outbox::table
        .filter(webhook_outbox::endpoint.is_not_null())
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(webhook_outbox::state.eq(state.to_string()));
    }
    if let Some(before) = before {
        query = query.filter(webhook_outbox::id.lt(before.to_string()));
    }
    Ok(query
        .order(webhook_outbox::id.desc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Deliveries still to be made (for the metrics).
pub fn backlog(conn: &mut DbConnection) -> Result<i64, StorageError> {
    Ok(webhook_outbox::table
        .filter(webhook_outbox::state.eq_any([NEW, PENDING]))
        .count()
        .get_result(conn)?)
}

/// Forgets finished deliveries created before `before`.
pub fn purge(conn: &mut DbConnection, before: PrimitiveDateTime) -> Result<usize, StorageError> {
    Ok(diesel::delete(
        webhook_outbox::table
            .filter(webhook_outbox::state.eq_any([DELIVERED, FAILED]))
            .filter(webhook_outbox::created_at.lt(before)),
    )
    .execute(conn)?)
}

/// The reader's email and address of a comment, for an endpoint that opted in to them.
pub fn comment_contact(
    conn: &mut DbConnection,
    comment_id: &str,
) -> Result<Option<(Option<String>, String)>, StorageError> {
    Ok(comments::table
        .filter(comments::id.eq(comment_id))
        .select((comments::author_email, comments::client_ip))
        .first(conn)
        .optional()?)
}

/// The article and status of a comment, for an event about it.
pub fn comment_article(
    conn: &mut DbConnection,
    comment_id: &str,
) -> Result<Option<(String, String)>, StorageError> {
    Ok(comments::table
        .filter(comments::id.eq(comment_id))
        .select((comments::article_id, comments::status))
        .first(conn)
        .optional()?)
}
