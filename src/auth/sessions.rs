//! Sessions: logging in (constant-shape failures), checking a bearer token on each request
//! (idle timeout and absolute expiry), and logging out.

use super::{password, token, AuthError, Principal, Role};
use crate::storage::audit::{self, AuditRow};
use crate::storage::users::{self, SessionRow, UserRow};
use crate::storage::{self, Pool, StorageError};
use serde_json::json;
use std::time::Duration;
use time::PrimitiveDateTime;

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after login, however busy.
    pub max_lifetime: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_timeout: Duration::from_secs(2 * 3600),
            max_lifetime: Duration::from_secs(12 * 3600),
        }
    }
}

/// Last-use times are written at most this often, so reads do not turn into writes.
const TOUCH_EVERY: time::Duration = time::Duration::seconds(60);

/// A new session: the token is shown to the client once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub token: String,
    pub expires_at: PrimitiveDateTime,
    pub role: Role,
    pub username: String,
}

fn span(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// The account a login names, if any (disabled ones included: they fail after the hash check,
/// so timing does not reveal them).
pub fn find_login_account(pool: &Pool, username: &str) -> Result<Option<UserRow>, AuthError> {
    let Ok(username) = super::accounts::normalize_username(username) else {
        return Ok(None);
    };
    let mut conn = pool.get().map_err(StorageError::from)?;
    Ok(users::find_user_by_name(&mut conn, &username)?)
}

/// Checks a password against the account, or against a dummy hash when there is none, so both
/// cases cost one argon2 verification. CPU-heavy: run on the hashing pool.
pub fn password_matches(account: Option<&UserRow>, password: &str) -> bool {
    match account {
        Some(user) => password::verify(&user.password_hash, password) && !user.disabled,
        None => {
            let _ = password::verify(password::dummy_hash(), password);
            false
        }
    }
}

/// Opens a session for an account whose password matched.
pub fn open(
    pool: &Pool,
    user: &UserRow,
    policy: SessionPolicy,
    now: PrimitiveDateTime,
) -> Result<IssuedSession, AuthError> {
    let role = Role::parse(&user.role)
        .ok_or_else(|| StorageError::Corrupt(format!("role {:?}", user.role)))?;
    let token = token::generate().map_err(|e| AuthError::Hashing(e.to_string()))?;
    let expires_at = now + span(policy.max_lifetime);
    let row = SessionRow {
        token_hash: token::hash(&token),
        user_id: user.id.clone(),
        created_at: now,
        last_used_at: now,
        expires_at,
        revoked_at: None,
    };
    let mut conn = pool.get().map_err(StorageError::from)?;
    storage::write_transaction(&mut conn, |conn| {
        users::insert_session(conn, &row)?;
        audit::append(
            conn,
            &[AuditRow::new(
                &user.username,
                "login",
                "user",
                Some(&user.id),
                now,
            )],
        )
    })?;
    Ok(IssuedSession {
        token,
        expires_at,
        role,
        username: user.username.clone(),
    })
}

/// Audits a failed login attempt (the throttle bounds how many there can be).
pub fn record_failed_login(
    pool: &Pool,
    username: &str,
    now: PrimitiveDateTime,
) -> Result<(), AuthError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let attempted: String = username.chars().take(64).collect();
    audit::append(
        &mut conn,
        &[AuditRow::new(&attempted, "login_failed", "user", None, now)],
    )?;
    Ok(())
}

/// The principal behind a bearer token, if the session is alive.
pub fn authenticate(
    pool: &Pool,
    bearer: &str,
    policy: SessionPolicy,
    now: PrimitiveDateTime,
) -> Result<Principal, AuthError> {
    if !token::is_well_formed(bearer) {
        return Err(AuthError::Unauthenticated);
    }
    let token_hash = token::hash(bearer);
    let mut conn = pool.get().map_err(StorageError::from)?;
    let (session, user) =
        users::find_session(&mut conn, &token_hash)?.ok_or(AuthError::Unauthenticated)?;
    let idle_expired = now - session.last_used_at >= span(policy.idle_timeout);
    if session.revoked_at.is_some() || user.disabled || now >= session.expires_at || idle_expired {
        return Err(AuthError::Unauthenticated);
    }
    if now - session.last_used_at >= TOUCH_EVERY {
        users::touch_session(&mut conn, &token_hash, now)?;
    }
    let role = Role::parse(&user.role).ok_or(AuthError::Unauthenticated)?;
    Ok(Principal {
        user_id: user.id,
        username: user.username,
        role,
        token_hash,
    })
}

/// Ends the session behind a request.
pub fn logout(pool: &Pool, principal: &Principal, now: PrimitiveDateTime) -> Result<(), AuthError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    storage::write_transaction(&mut conn, |conn| {
        users::revoke_session(conn, &principal.token_hash, now)?;
        audit::append(
            conn,
            &[AuditRow::new(
                &principal.username,
                "logout",
                "user",
                Some(&principal.user_id),
                now,
            )
            .details(json!({"session": &principal.token_hash[..12]}))],
        )
    })?;
    Ok(())
}
