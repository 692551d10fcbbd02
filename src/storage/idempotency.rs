//! Idempotency keys of submissions: the first answer to each key, kept a day.

use super::schema::{comments, idempotency_keys};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// The first answer to one key.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub key_hash: String,
    pub request_hash: String,
    pub comment_id: String,
    pub status: String,
    pub created_at: PrimitiveDateTime,
}

/// The stored answer to `key_hash`, if it was given since `since`, with its comment's
/// article and parent (which a replay repeats).
pub fn find(
    conn: &mut DbConnection,
    key_hash: &str,
    since: PrimitiveDateTime,
) -> Result<Option<(IdempotencyRow, String, Option<String>)>, StorageError> {
    Ok(idempotency_keys::table
        .inner_join(comments::table)
        .filter(idempotency_keys::key_hash.eq(key_hash))
        .filter(idempotency_keys::created_at.ge(since))
        .select((
            IdempotencyRow::as_select(),
            comments::article_id,
            comments::parent_id,
        ))
        .first(conn)
        .optional()?)
}

/// Records the first answer to a key (replacing an expired one of the same key).
pub fn insert(conn: &mut DbConnection, row: &IdempotencyRow) -> Result<(), StorageError> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::key_hash.eq(&row.key_hash)))
        .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Forgets answers given before `before`.
pub fn purge(conn: &mut DbConnection, before: PrimitiveDateTime) -> Result<usize, StorageError> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(conn)?,
    )
}
