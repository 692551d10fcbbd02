//! Moderator and admin accounts, and their sessions (bearer tokens stored as SHA-256).

use super::schema::{sessions, users};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: PrimitiveDateTime,
    pub last_used_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub revoked_at: Option<PrimitiveDateTime>,
}

/// Inserts a user; `StorageError::Duplicate` when the username is taken.
pub fn insert_user(conn: &mut DbConnection, user: &UserRow) -> Result<(), StorageError> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

pub fn find_user_by_name(
    conn: &mut DbConnection,
    username: &str,
) -> Result<Option<UserRow>, StorageError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_user(conn: &mut DbConnection, id: &str) -> Result<Option<UserRow>, StorageError> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_users(conn: &mut DbConnection) -> Result<Vec<UserRow>, StorageError> {
    Ok(users::table
        .order(users::username.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn update_password(
    conn: &mut DbConnection,
    id: &str,
    password_hash: &str,
    now: PrimitiveDateTime,
) -> Result<bool, StorageError> {
    let changed = diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

pub fn update_role_and_disabled(
    conn: &mut DbConnection,
    id: &str,
    role: &str,
    disabled: bool,
    now: PrimitiveDateTime,
) -> Result<bool, StorageError> {
    let changed = diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::role.eq(role),
            users::disabled.eq(disabled),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Active (not disabled) admins, counted inside the caller's write transaction. On PostgreSQL
/// the admin rows are locked first, so two requests demoting two different admins at once
/// cannot each count the other and leave none (SQLite's writers are already serialized).
pub fn count_active_admins_locked(conn: &mut DbConnection) -> Result<i64, StorageError> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT id FROM users WHERE role = 'admin' FOR UPDATE").execute(pg)?;
    }
    Ok(users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled.eq(false))
        .count()
        .get_result(conn)?)
}

pub fn insert_session(conn: &mut DbConnection, session: &SessionRow) -> Result<(), StorageError> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

/// The session and its user for a token hash, whatever their state; the caller judges expiry.
pub fn find_session(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(SessionRow, UserRow)>, StorageError> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?)
}

pub fn touch_session(
    conn: &mut DbConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> Result<(), StorageError> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_session(
    conn: &mut DbConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> Result<bool, StorageError> {
    let changed = diesel::update(
        sessions::table
            .filter(sessions::token_hash.eq(token_hash))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Revokes every live session of a user (disabled account, changed password).
pub fn revoke_user_sessions(
    conn: &mut DbConnection,
    user_id: &str,
    now: PrimitiveDateTime,
) -> Result<usize, StorageError> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}
