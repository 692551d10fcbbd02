//! `/healthz`: is the database reachable, which rules are live, where rate limits are kept.

use super::error::ErrorBody;
use super::AppState;
use crate::moderation;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok`, or `degraded` when the database is unreachable or a rules reload was refused.
    pub status: &'static str,
    /// `ok` or `unavailable`.
    pub database: &'static str,
    /// sha256 of the live rules file and its lists.
    pub rules_version: String,
    /// Why the last reload of the rules file was refused (the previous rules stay in force).
    pub rules_reload_error: Option<String>,
    /// `local` (this instance alone), `redis` (shared by all instances) or
    /// `local (redis unavailable)`: Redis is configured but not answering, so each instance
    /// limits on its own until it is back. Requests keep working either way.
    pub rate_limits: &'static str,
}

/// Liveness and readiness.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Healthy", body = HealthResponse),
        (status = 503, description = "The database is unreachable", body = HealthResponse),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
    )
)]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let database_ok = database_answers(&state, "health check").await;
    let reload_error = state.policy.last_error().map(|e| e.message);
    let body = HealthResponse {
        status: if database_ok.is_ok() && reload_error.is_none() {
            "ok"
        } else {
            "degraded"
        },
        database: if database_ok.is_ok() {
            "ok"
        } else {
            "unavailable"
        },
        rules_version: state.policy.current().version().to_string(),
        rules_reload_error: reload_error,
        rate_limits: state.limits.status().await,
    };
    // Old rules still judge comments correctly: only a lost database makes us unavailable.
    if database_ok.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// What `/readyz` found.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyResponse {
    /// `ready`, or `not_ready` when a check below failed.
    pub status: &'static str,
    /// `ok` or `unavailable`.
    pub database: &'static str,
    /// `ok`, `unavailable`, or `not_configured` (rate limits are this instance's own).
    pub redis: &'static str,
    /// `ok` once a rules file is loaded (always, once serving), with its version.
    pub rules: &'static str,
    pub rules_version: String,
}

/// Readiness: send traffic here? The database answers, Redis answers when configured, and
/// rules are loaded. `/healthz` stays the liveness check.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready for traffic", body = ReadyResponse),
        (status = 503, description = "The database, or the configured Redis, is unreachable", body = ReadyResponse),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database_ok = database_answers(&state, "readiness").await;
    let redis = match state.limits.status().await {
        "redis" => "ok",
        "local" => "not_configured",
        _ => "unavailable",
    };
    let ready = database_ok.is_ok() && redis != "unavailable";
    let body = ReadyResponse {
        status: if ready { "ready" } else { "not_ready" },
        database: if database_ok.is_ok() {
            "ok"
        } else {
            "unavailable"
        },
        redis,
        rules: "ok",
        rules_version: state.policy.current().version().to_string(),
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Whether the database answers a trivial query; a failure is logged under `probe`'s name.
async fn database_answers(state: &AppState, probe: &str) -> Result<(), String> {
    let pool = state.pool.clone();
    let answer = web::block(move || moderation::check_database(&pool).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    if let Err(err) = &answer {
        tracing::warn!(error = %err, "{probe}: database unavailable");
    }
    answer
}
