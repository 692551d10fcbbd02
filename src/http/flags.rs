//! Readers flag a published comment.

use super::client::ClientIp;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::AppState;
use crate::moderation::flags::{self, FlagReason};
use crate::ratelimit::ip_key;
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagRequest {
    /// `spam`, `abuse`, `off_topic` or `other`.
    pub reason: String,
    /// Up to 500 characters for the moderators.
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FlagResponse {
    pub message: &'static str,
}

/// Flag a published comment for the moderators.
#[utoipa::path(
    post,
    path = "/api/v1/comments/{id}/flags",
    tag = "comments",
    params(("id" = String, Path, description = "Comment id")),
    request_body = FlagRequest,
    responses(
        (status = 202, description = "Flag recorded (one per reader; repeats change nothing)", body = FlagResponse),
        (status = 400, description = "Invalid reason or note", body = ErrorBody),
        (status = 404, description = "No such published comment", body = ErrorBody),
        (status = 429, description = "Too many flags; see Retry-After", body = ErrorBody),
    )
)]
pub async fn flag(
    state: web::Data<AppState>,
    ClientIp(ip): ClientIp,
    id: web::Path<String>,
    JsonBody(request): JsonBody<FlagRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = FlagReason::parse(&request.reason)?;
    let note = flags::parse_note(request.note.as_deref())?;
    let policy = state.policy.current();
    state.limits.check_flag(&policy.quotas, ip).await?;
    let pool = state.pool.clone();
    let threshold = i32::try_from(policy.moderation.flag_threshold).unwrap_or(i32::MAX);
    let client_key = ip_key(ip).to_string();
    let id = id.into_inner();
    web::block(move || {
        flags::flag(
            &pool,
            &id,
            &client_key,
            reason,
            note,
            threshold,
            timestamps::now(),
        )
    })
    .await??;
    // The same answer for a first flag and a repeat: nothing to probe.
    Ok(HttpResponse::Accepted().json(FlagResponse {
        message: "Thank you. A moderator will review this comment.",
    }))
}
