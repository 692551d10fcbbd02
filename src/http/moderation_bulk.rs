//! Moderators' bulk decisions: approve or reject many comments, by ids or by a queue filter,
//! with what happened to each one and why.

use super::access::Moderator;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::moderation_decisions::{parse_expected, parse_reason};
use super::query_params::parse_time;
use super::AppState;
use crate::moderation::decide::{self, BulkItemOutcome, BulkTarget, Decision, ModeratorAction};
use crate::moderation::queue::QueueSelection;
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkFilter {
    /// Queue to act on: pending (default), flagged, rejected, published.
    pub status: Option<String>,
    pub article_id: Option<String>,
    pub rule: Option<String>,
    pub author: Option<String>,
    /// Only comments created before this time (RFC 3339).
    pub before: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// `approve` or `reject`.
    pub action: String,
    /// Comment ids; or give `filter`.
    pub ids: Option<Vec<String>>,
    pub filter: Option<BulkFilter>,
    pub reason: Option<String>,
    /// As for one decision: decide only comments in this status (and, with a filter, decided
    /// ones too). Without it only undecided comments are decided.
    pub expected_status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkResponse {
    pub bulk_id: String,
    /// How many comments this request decided.
    pub changed: usize,
    /// Named or matched but not changed (see `results`).
    pub skipped: usize,
    pub changed_ids: Vec<String>,
    /// Every comment named or matched, in order, with what happened to it and why.
    pub results: Vec<BulkResult>,
}

/// What a bulk request did to one comment.
#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    pub id: String,
    /// `changed`, `unchanged` (already in that status), `skipped` (not in the expected status,
    /// or already decided) or `not_found`.
    pub outcome: &'static str,
    /// With `changed`: the status before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// With `skipped`: its status, who set it and when (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
}

impl BulkResult {
    fn new(id: String, outcome: BulkItemOutcome) -> Self {
        let mut result = BulkResult {
            id,
            outcome: "",
            from: None,
            current_status: None,
            changed_by: None,
            changed_at: None,
        };
        match outcome {
            BulkItemOutcome::Changed { from } => {
                result.outcome = "changed";
                result.from = Some(from);
            }
            BulkItemOutcome::Unchanged => result.outcome = "unchanged",
            BulkItemOutcome::Skipped(conflict) => {
                result.outcome = "skipped";
                result.current_status = Some(conflict.status);
                result.changed_by = Some(conflict.changed_by);
                result.changed_at = Some(timestamps::rfc3339(conflict.changed_at));
            }
            BulkItemOutcome::NotFound => result.outcome = "not_found",
        }
        result
    }
}

/// Approve or reject many comments: by ids, or everything matching a filter.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/bulk",
    tag = "moderation",
    request_body = BulkRequest,
    responses(
        (status = 200, description = "What changed", body = BulkResponse),
        (status = 400, description = "Invalid request", body = ErrorBody),
    )
)]
pub async fn bulk(
    state: web::Data<AppState>,
    Moderator(principal): Moderator,
    JsonBody(request): JsonBody<BulkRequest>,
) -> Result<HttpResponse, ApiError> {
    let action = match request.action.as_str() {
        "approve" => ModeratorAction::Approve,
        "reject" => ModeratorAction::Reject,
        _ => {
            return Err(ApiError::validation(
                Some("action".into()),
                "action must be approve or reject",
            ))
        }
    };
    let target = match (request.ids, request.filter) {
        (Some(ids), None) => BulkTarget::Ids(ids),
        (None, Some(filter)) => BulkTarget::Filter(QueueSelection::new(
            filter.status.as_deref(),
            filter.article_id,
            filter.rule,
            filter.author.as_deref(),
            parse_time("before", filter.before.as_deref())?,
        )?),
        _ => return Err(ApiError::validation(None, "give either ids or filter")),
    };
    let reason = parse_reason(request.reason)?;
    let expected = parse_expected(request.expected_status.as_deref())?;
    let (pool, live) = (state.pool.clone(), state.learning.clone());
    let moderator = principal.username;
    let outcome = web::block(move || {
        let decision = Decision {
            action,
            expected,
            moderator: &moderator,
            reason: reason.as_deref(),
            now: timestamps::now(),
        };
        decide::bulk(&pool, &live, &target, &decision)
    })
    .await??;
    Ok(HttpResponse::Ok().json(BulkResponse {
        bulk_id: outcome.bulk_id,
        changed: outcome.changed.len(),
        skipped: outcome.skipped,
        changed_ids: outcome.changed,
        results: outcome
            .results
            .into_iter()
            .map(|(id, o)| BulkResult::new(id, o))
            .collect(),
    }))
}
