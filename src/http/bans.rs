//! Moderators' ban routes: create, list active, lift.

use super::access::Moderator;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::AppState;
use crate::moderation::bans::{self, Ban, BanKind};
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanRequest {
    /// `author` (value: an email or a display name) or `ip` (value: an address or CIDR network).
    pub kind: String,
    pub value: String,
    pub reason: Option<String>,
    /// RFC 3339; omit for a ban until lifted.
    pub expires_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BanView {
    pub id: String,
    pub kind: String,
    /// Normalized: `email:…`/`name:…` for authors, a network for addresses.
    pub value: String,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub lifted_at: Option<String>,
    pub lifted_by: Option<String>,
}

impl From<Ban> for BanView {
    fn from(row: Ban) -> Self {
        BanView {
            id: row.id,
            kind: row.kind.as_str().to_string(),
            value: row.value,
            reason: row.reason,
            created_by: row.created_by,
            created_at: timestamps::rfc3339(row.created_at),
            expires_at: row.expires_at.map(timestamps::rfc3339),
            lifted_at: row.lifted_at.map(timestamps::rfc3339),
            lifted_by: row.lifted_by,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BanList {
    pub bans: Vec<BanView>,
}

/// Ban an author or an address.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/bans",
    tag = "moderation",
    request_body = BanRequest,
    responses(
        (status = 201, description = "Ban in force", body = BanView),
        (status = 400, description = "Invalid kind, value or expiry", body = ErrorBody),
    )
)]
pub async fn create(
    state: web::Data<AppState>,
    Moderator(principal): Moderator,
    JsonBody(request): JsonBody<BanRequest>,
) -> Result<HttpResponse, ApiError> {
    let kind = BanKind::parse(&request.kind)?;
    let expires_at = request
        .expires_at
        .as_deref()
        .map(|t| {
            timestamps::parse_rfc3339(t).ok_or_else(|| {
                ApiError::validation(
                    Some("expires_at".into()),
                    "expires_at must be an RFC 3339 time",
                )
            })
        })
        .transpose()?;
    let pool = state.pool.clone();
    let ban = web::block(move || {
        bans::create(
            &pool,
            kind,
            &request.value,
            request.reason.as_deref(),
            expires_at,
            &principal.username,
            timestamps::now(),
        )
    })
    .await??;
    Ok(HttpResponse::Created().json(BanView::from(ban)))
}

/// Bans in force now.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/bans",
    tag = "moderation",
    responses((status = 200, description = "Active bans", body = BanList))
)]
pub async fn list(
    state: web::Data<AppState>,
    _moderator: Moderator,
) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let bans = web::block(move || bans::list_active(&pool, timestamps::now())).await??;
    Ok(HttpResponse::Ok().json(BanList {
        bans: bans.into_iter().map(BanView::from).collect(),
    }))
}

/// Lift a ban.
#[utoipa::path(
    delete,
    path = "/api/v1/moderation/bans/{id}",
    tag = "moderation",
    params(("id" = String, Path, description = "Ban id")),
    responses(
        (status = 200, description = "Lifted (or already lifted)", body = BanView),
        (status = 404, description = "No such ban", body = ErrorBody),
    )
)]
pub async fn lift(
    state: web::Data<AppState>,
    Moderator(principal): Moderator,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let id = id.into_inner();
    let ban = web::block(move || bans::lift(&pool, &id, &principal.username, timestamps::now()))
        .await??;
    Ok(HttpResponse::Ok().json(BanView::from(ban)))
}
