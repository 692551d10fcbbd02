//! Moderators' decisions on one comment: approve or reject, naming the status they expect to
//! change (a compare-and-set), with a reason for the audit log.

use super::access::Moderator;
use super::error::{ApiError, ErrorBody};
use super::json::OptionalJsonBody;
use super::AppState;
use crate::moderation::decide::{self, Decision, Expected, ModeratorAction};
use crate::rules::CommentStatus;
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const MAX_REASON_CHARS: usize = 1_000;

pub(super) fn parse_reason(reason: Option<String>) -> Result<Option<String>, ApiError> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(ApiError::validation(
            Some("reason".into()),
            format!("reason must be at most {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(reason)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Why; kept in the audit log.
    pub reason: Option<String>,
    /// The status the moderator saw (`published`, `pending` or `rejected`): the decision is
    /// made only if the comment still has it (409 `status_changed` otherwise, saying who
    /// changed it and when). Needed to change an earlier decision; without it only an
    /// undecided comment is decided (409 `already_decided` otherwise).
    #[schema(example = "pending")]
    pub expected_status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionResponse {
    pub id: String,
    pub status: &'static str,
    /// The status this decision changed (null when it changed nothing).
    pub previous_status: Option<String>,
    pub decided_by: String,
    pub decided_at: String,
    /// False when the comment already had this status (a harmless repeat).
    pub changed: bool,
}

/// `expected_status` as the domain takes it.
pub(super) fn parse_expected(expected: Option<&str>) -> Result<Expected, ApiError> {
    match expected {
        None => Ok(Expected::Undecided),
        Some(text) => CommentStatus::parse(text)
            .map(Expected::Status)
            .ok_or_else(|| {
                ApiError::validation(
                    Some("expected_status".into()),
                    "expected_status must be published, pending or rejected",
                )
            }),
    }
}

async fn decide_one(
    state: web::Data<AppState>,
    moderator: String,
    id: String,
    action: ModeratorAction,
    body: Option<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    super::request_span::record_comment_id(&id);
    let body = body.unwrap_or_default();
    let expected = parse_expected(body.expected_status.as_deref())?;
    let reason = parse_reason(body.reason)?;
    let (pool, live) = (state.pool.clone(), state.learning.clone());
    let outcome = web::block(move || {
        let decision = Decision {
            action,
            expected,
            moderator: &moderator,
            reason: reason.as_deref(),
            now: timestamps::now(),
        };
        decide::decide(&pool, &live, &id, &decision)
    })
    .await??;
    Ok(HttpResponse::Ok().json(DecisionResponse {
        id: outcome.comment_id,
        status: outcome.status.as_str(),
        previous_status: outcome.previous_status,
        decided_by: outcome.decided_by,
        decided_at: timestamps::rfc3339(outcome.decided_at),
        changed: outcome.changed,
    }))
}

/// Approve a comment: it is published at once.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/{id}/approve",
    tag = "moderation",
    params(("id" = String, Path, description = "Comment id")),
    request_body(content = DecisionRequest, description = "Optional"),
    responses(
        (status = 200, description = "Approved (or already approved)", body = DecisionResponse),
        (status = 400, description = "Invalid reason or expected_status", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
        (status = 409, description = "Not in the expected status (`status_changed`) or, without one, already rejected (`already_decided`); says who and when", body = ErrorBody),
    )
)]
pub async fn approve(
    state: web::Data<AppState>,
    Moderator(principal): Moderator,
    id: web::Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    decide_one(
        state,
        principal.username,
        id.into_inner(),
        ModeratorAction::Approve,
        body,
    )
    .await
}

/// Reject a comment: it is hidden, and kept for review.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/{id}/reject",
    tag = "moderation",
    params(("id" = String, Path, description = "Comment id")),
    request_body(content = DecisionRequest, description = "Optional"),
    responses(
        (status = 200, description = "Rejected (or already rejected)", body = DecisionResponse),
        (status = 400, description = "Invalid reason or expected_status", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
        (status = 409, description = "Not in the expected status (`status_changed`) or, without one, already approved (`already_decided`); says who and when", body = ErrorBody),
    )
)]
pub async fn reject(
    state: web::Data<AppState>,
    Moderator(principal): Moderator,
    id: web::Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    decide_one(
        state,
        principal.username,
        id.into_inner(),
        ModeratorAction::Reject,
        body,
    )
    .await
}
