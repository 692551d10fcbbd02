//! Signing in and out.

use super::access::Moderator;
use super::client::ClientIp;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBodyAllowingNul;
use super::AppState;
use crate::auth::sessions::{self, password_matches};
use crate::auth::AuthError;
use crate::ratelimit::ip_key;
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use std::time::Instant;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is stored.
    pub token: String,
    /// Absolute expiry (RFC 3339); an idle session ends sooner.
    pub expires_at: String,
    /// `moderator` or `admin`.
    pub role: &'static str,
}

/// Sign in as a moderator or admin.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 400, description = "Malformed request, or a NUL character in a field (audited as a failed login)", body = ErrorBody),
        (status = 401, description = "Invalid username or password (the same for both)", body = ErrorBody),
        (status = 429, description = "Too many failed logins; see Retry-After", body = ErrorBody),
        (status = 503, description = "Too many sign-ins being checked at once; see Retry-After", body = ErrorBody),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    ClientIp(ip): ClientIp,
    JsonBodyAllowingNul(request): JsonBodyAllowingNul<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let throttle_key = request.username.trim().to_lowercase();
    let address = ip_key(ip);
    // Counted as a failure before anything else, refunded below if the password is right.
    let attempt = state
        .login_throttle
        .begin(&throttle_key, address, Instant::now())?;
    let now = timestamps::now();
    let nul_field = [
        ("username", &request.username),
        ("password", &request.password),
    ]
    .into_iter()
    .find(|(_, value)| value.contains('\0'));
    if let Some((field, _)) = nul_field {
        // A failure like any other, audited under the name as sent (NUL shown as U+FFFD:
        // PostgreSQL text cannot hold it); no account can match it, so nothing is hashed.
        let pool = state.pool.clone();
        let shown = throttle_key.replace('\0', "\u{FFFD}");
        web::block(move || sessions::record_failed_login(&pool, &shown, now)).await??;
        return Err(ApiError::validation(
            Some(field.into()),
            format!("{field} must not contain NUL characters"),
        ));
    }
    let pool = state.pool.clone();
    let username = request.username.clone();
    let account = web::block(move || sessions::find_login_account(&pool, &username)).await??;
    let checked_account = account.clone();
    let password = request.password;
    let matches = state
        .hashing
        .run(move || password_matches(checked_account.as_ref(), &password))
        .await?;
    let pool = state.pool.clone();
    let (Some(user), true) = (account, matches) else {
        web::block(move || sessions::record_failed_login(&pool, &throttle_key, now)).await??;
        return Err(AuthError::InvalidCredentials.into());
    };
    state.login_throttle.succeeded(attempt);
    let policy = state.session_policy;
    let session = web::block(move || sessions::open(&pool, &user, policy, now)).await??;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: session.token,
        expires_at: timestamps::rfc3339(session.expires_at),
        role: session.role.as_str(),
    }))
}

/// End the current session.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out; the token no longer works"),
    )
)]
pub async fn logout(
    state: web::Data<AppState>,
    Moderator(principal): Moderator,
) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    web::block(move || sessions::logout(&pool, &principal, timestamps::now())).await??;
    Ok(HttpResponse::NoContent().finish())
}
