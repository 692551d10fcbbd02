//! Bans on authors (by author key) and addresses (by network), with optional expiry.

use super::schema::bans;
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bans)]
pub struct BanRow {
    pub id: String,
    pub kind: String,
    pub value: String,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: Option<PrimitiveDateTime>,
    pub lifted_at: Option<PrimitiveDateTime>,
    pub lifted_by: Option<String>,
}

pub fn insert(conn: &mut DbConnection, ban: &BanRow) -> Result<(), StorageError> {
    diesel::insert_into(bans::table).values(ban).execute(conn)?;
    Ok(())
}

/// Bans in force at `now`, optionally of one kind.
pub fn active(
    conn: &mut DbConnection,
    kind: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<Vec<BanRow>, StorageError> {
    let mut query = bans::table
        .filter(bans::lifted_at.is_null())
        .filter(bans::expires_at.is_null().or(bans::expires_at.gt(now)))
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(bans::kind.eq(kind.to_string()));
    }
    Ok(query
        .order(bans::id.asc())
        .select(BanRow::as_select())
        .load(conn)?)
}

/// The networks of the address bans in force at `now`, in one cacheable statement.
pub fn address_bans(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
) -> Result<Vec<String>, StorageError> {
    let statement = || {
        bans::table
            .filter(bans::lifted_at.is_null())
            .filter(bans::expires_at.is_null().or(bans::expires_at.gt(now)))
            .filter(bans::kind.eq("ip"))
            .select(bans::value)
    };
    Ok(on_backend!(conn, |c| statement().load(c)?))
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<BanRow>, StorageError> {
    Ok(bans::table
        .filter(bans::id.eq(id))
        .select(BanRow::as_select())
        .first(conn)
        .optional()?)
}

/// Lifts a ban still in force; `false` if it was already lifted or never existed.
pub fn lift(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    now: PrimitiveDateTime,
) -> Result<bool, StorageError> {
    let changed = diesel::update(
        bans::table
            .filter(bans::id.eq(id))
            .filter(bans::lifted_at.is_null()),
    )
    .set((bans::lifted_at.eq(now), bans::lifted_by.eq(by)))
    .execute(conn)?;
    Ok(changed == 1)
}
