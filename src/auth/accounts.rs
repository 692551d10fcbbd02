//! Account management shared by the CLI and the admin API: create, change password, change
//! role or disable, list. Every change is audited; disabling or a new password ends sessions.

use super::{AuthError, Role};
use crate::storage::audit::{self, AuditRow};
use crate::storage::users::{self, UserRow};
use crate::storage::{self, Pool, StorageError};
use serde_json::json;
use time::PrimitiveDateTime;

/// An account as it may be shown (never the hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: PrimitiveDateTime,
}

impl TryFrom<UserRow> for UserSummary {
    type Error = AuthError;

    fn try_from(row: UserRow) -> Result<Self, AuthError> {
        let role = Role::parse(&row.role).ok_or_else(|| {
            StorageError::Corrupt(format!("user {} has role {:?}", row.username, row.role))
        })?;
        Ok(UserSummary {
            id: row.id,
            username: row.username,
            role,
            disabled: row.disabled,
            created_at: row.created_at,
        })
    }
}

/// Usernames are case-insensitive: stored lowercase, 3-64 of `a-z 0-9 . _ -`.
pub fn normalize_username(raw: &str) -> Result<String, AuthError> {
    let name = raw.trim().to_lowercase();
    let valid_char =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
    if !(3..=64).contains(&name.len()) || !name.chars().all(valid_char) {
        return Err(AuthError::InvalidUsername(
            "usernames are 3-64 characters of letters, digits, '.', '_' and '-'".into(),
        ));
    }
    Ok(name)
}

fn audit_json(user: &UserSummary) -> serde_json::Value {
    json!({"username": user.username, "role": user.role.as_str(), "disabled": user.disabled})
}

fn find(conn: &mut storage::DbConnection, username: &str) -> Result<UserSummary, AuthError> {
    users::find_user_by_name(conn, username)?
        .ok_or_else(|| AuthError::UnknownUser(username.to_string()))?
        .try_into()
}

/// Creates an account from an already computed hash (hashing is slow; callers choose where).
pub fn create(
    pool: &Pool,
    username: &str,
    password_hash: String,
    role: Role,
    actor: &str,
    now: PrimitiveDateTime,
) -> Result<UserSummary, AuthError> {
    let username = normalize_username(username)?;
    let row = UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        username: username.clone(),
        password_hash,
        role: role.as_str().to_string(),
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    let mut conn = pool.get().map_err(StorageError::from)?;
    let result = storage::write_transaction(&mut conn, |conn| {
        if users::find_user_by_name(conn, &username)?.is_some() {
            return Err(AuthError::UsernameTaken(username.clone()));
        }
        users::insert_user(conn, &row)?;
        let summary = UserSummary::try_from(row.clone())?;
        audit::append(
            conn,
            &[
                AuditRow::new(actor, "user_created", "user", Some(&row.id), now)
                    .change(None, Some(audit_json(&summary))),
            ],
        )?;
        Ok(summary)
    });
    match result {
        Err(AuthError::Storage(StorageError::Duplicate(_))) => {
            Err(AuthError::UsernameTaken(username))
        }
        other => other,
    }
}

/// Replaces a password and ends the account's sessions.
pub fn set_password(
    pool: &Pool,
    username: &str,
    password_hash: &str,
    actor: &str,
    now: PrimitiveDateTime,
) -> Result<UserSummary, AuthError> {
    let username = normalize_username(username)?;
    let mut conn = pool.get().map_err(StorageError::from)?;
    storage::write_transaction(&mut conn, |conn| {
        let user = find(conn, &username)?;
        users::update_password(conn, &user.id, password_hash, now)?;
        let revoked = users::revoke_user_sessions(conn, &user.id, now)?;
        audit::append(
            conn,
            &[
                AuditRow::new(actor, "user_password_changed", "user", Some(&user.id), now)
                    .details(json!({"username": user.username, "sessions_revoked": revoked})),
            ],
        )?;
        Ok(user)
    })
}

/// Changes role and/or the disabled flag; disabling ends the account's sessions. Refused when
/// it would leave no active admin (nobody could manage accounts or rules any more).
pub fn update(
    pool: &Pool,
    username: &str,
    role: Option<Role>,
    disabled: Option<bool>,
    actor: &str,
    now: PrimitiveDateTime,
) -> Result<UserSummary, AuthError> {
    let username = normalize_username(username)?;
    let mut conn = pool.get().map_err(StorageError::from)?;
    storage::write_transaction(&mut conn, |conn| {
        let before = find(conn, &username)?;
        let after = UserSummary {
            role: role.unwrap_or(before.role),
            disabled: disabled.unwrap_or(before.disabled),
            ..before.clone()
        };
        if after == before {
            return Ok(after);
        }
        let was_active_admin = before.role == Role::Admin && !before.disabled;
        let is_active_admin = after.role == Role::Admin && !after.disabled;
        if was_active_admin && !is_active_admin && users::count_active_admins_locked(conn)? <= 1 {
            return Err(AuthError::LastAdmin(username.clone()));
        }
        users::update_role_and_disabled(
            conn,
            &before.id,
            after.role.as_str(),
            after.disabled,
            now,
        )?;
        let revoked = if after.disabled {
            users::revoke_user_sessions(conn, &before.id, now)?
        } else {
            0
        };
        let action = match (before.disabled, after.disabled) {
            (false, true) => "user_disabled",
            (true, false) => "user_enabled",
            _ => "user_role_changed",
        };
        audit::append(
            conn,
            &[AuditRow::new(actor, action, "user", Some(&before.id), now)
                .change(Some(audit_json(&before)), Some(audit_json(&after)))
                .details(json!({"sessions_revoked": revoked}))],
        )?;
        Ok(after)
    })
}

pub fn list(pool: &Pool) -> Result<Vec<UserSummary>, AuthError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    users::list_users(&mut conn)?
        .into_iter()
        .map(UserSummary::try_from)
        .collect()
}
