//! Signing in and out.

use super::access::Moderator;
use super::client::ClientIp;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
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
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "Invalid username or password (the same for both)", body = ErrorBody),
        (status = 429, description = "Too many failed logins; see Retry-After", body = ErrorBody),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let throttle_key = request.username.trim().to_lowercase();
    let address = ip_key(ip);
    state
        .login_throttle
        .check(&throttle_key, address, Instant::now())?;
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
    let now = timestamps::now();
    let (Some(user), true) = (account, matches) else {
        state
            .login_throttle
            .record_failure(&throttle_key, address, Instant::now());
        web::block(move || sessions::record_failed_login(&pool, &throttle_key, now)).await??;
        return Err(AuthError::InvalidCredentials.into());
    };
    state.login_throttle.record_success(&throttle_key);
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
