//! The moderators' routes: the queue and decisions, one by one or in bulk.

use super::access::Moderator;
use super::error::{ApiError, ErrorBody};
use super::json::{JsonBody, OptionalJsonBody};
use super::AppState;
use crate::moderation::decide::{
    self, BulkItemOutcome, BulkTarget, Decision, Expected, ModeratorAction,
};
use crate::moderation::queue::{page_size, queue_page, QueueItem, QueueSelection};
use crate::rules::{CommentStatus, RuleMatch};
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const MAX_REASON_CHARS: usize = 1_000;

pub(super) fn parse_limit(raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    raw.map(|l| {
        l.parse::<i64>()
            .map_err(|_| ApiError::validation(Some("limit".into()), "limit must be a whole number"))
    })
    .transpose()
}

pub(super) fn parse_time(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<time::PrimitiveDateTime>, ApiError> {
    raw.map(|t| {
        timestamps::parse_rfc3339(t).ok_or_else(|| {
            ApiError::validation(
                Some(field.into()),
                format!("{field} must be an RFC 3339 time, e.g. 2026-11-27T10:00:00Z"),
            )
        })
    })
    .transpose()
}

fn parse_reason(reason: Option<String>) -> Result<Option<String>, ApiError> {
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

#[derive(Deserialize, IntoParams)]
pub struct QueueQuery {
    /// `pending` (default), `flagged`, `rejected` or `published`.
    pub status: Option<String>,
    pub article_id: Option<String>,
    /// Only comments this rule matched.
    pub rule: Option<String>,
    /// The author's email or display name.
    pub author: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuthorHistory {
    pub published: i64,
    pub pending: i64,
    pub rejected: i64,
    pub first_seen: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FlagsView {
    pub count: i32,
    /// Flags per reason.
    pub reasons: std::collections::BTreeMap<String, i64>,
    pub notes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueItemView {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub status: String,
    pub flagged: bool,
    pub body: String,
    pub author_name: String,
    pub author_email: Option<String>,
    pub client_ip: String,
    pub created_at: String,
    pub score: f64,
    /// Every matched rule with its weight and where it matched (byte spans into `body`).
    #[schema(value_type = Vec<Object>)]
    pub matches: Vec<RuleMatch>,
    pub rules_version: String,
    pub author_history: AuthorHistory,
    pub flags: FlagsView,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    /// When its reader last edited it (RFC 3339); null if never.
    pub edited_at: Option<String>,
    /// When its reader deleted it (RFC 3339): hidden from the public, kept here.
    pub deleted_at: Option<String>,
    /// What it was before each of its reader's edits and its delete, oldest first.
    pub revisions: Vec<RevisionView>,
}

/// A comment's text and verdict before one of its reader's changes.
#[derive(Serialize, ToSchema)]
pub struct RevisionView {
    /// `edit` or `delete`.
    pub kind: String,
    pub body: String,
    pub status: String,
    pub score: f64,
    pub rules_version: String,
    /// When the change replaced it (RFC 3339).
    pub replaced_at: String,
}

impl From<QueueItem> for QueueItemView {
    fn from(item: QueueItem) -> Self {
        let c = item.comment;
        QueueItemView {
            flagged: c.flagged_at.is_some(),
            id: c.id,
            article_id: c.article_id,
            parent_id: c.parent_id,
            status: c.status,
            body: c.body,
            author_name: c.author_name,
            author_email: c.author_email,
            client_ip: c.client_ip,
            created_at: timestamps::rfc3339(c.created_at),
            score: c.score,
            matches: item.matches,
            rules_version: c.rules_version,
            author_history: AuthorHistory {
                published: item.author.published,
                pending: item.author.pending,
                rejected: item.author.rejected,
                first_seen: item.author.first_seen.map(timestamps::rfc3339),
            },
            flags: FlagsView {
                count: c.flag_count,
                reasons: item.flags.by_reason.into_iter().collect(),
                notes: item.flags.notes,
            },
            decided_by: c.decided_by,
            decided_at: c.decided_at.map(timestamps::rfc3339),
            decision_reason: c.decision_reason,
            edited_at: c.edited_at.map(timestamps::rfc3339),
            deleted_at: c.deleted_at.map(timestamps::rfc3339),
            revisions: item
                .revisions
                .into_iter()
                .map(|r| RevisionView {
                    kind: r.kind,
                    body: r.body,
                    status: r.status,
                    score: r.score,
                    rules_version: r.rules_version,
                    replaced_at: timestamps::rfc3339(r.replaced_at),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QueueResponse {
    pub items: Vec<QueueItemView>,
    pub next_cursor: Option<String>,
}

/// The moderation queue, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/queue",
    tag = "moderation",
    params(QueueQuery),
    responses(
        (status = 200, description = "A page of the queue", body = QueueResponse),
        (status = 400, description = "Invalid filter", body = ErrorBody),
    )
)]
pub async fn queue(
    state: web::Data<AppState>,
    _moderator: Moderator,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_size(parse_limit(query.limit.as_deref())?)?;
    let selection = QueueSelection::new(
        query.status.as_deref(),
        query.article_id.clone(),
        query.rule.clone(),
        query.author.as_deref(),
        None,
    )?
    .after(query.cursor.as_deref())?;
    let pool = state.pool.clone();
    let page = web::block(move || queue_page(&pool, &selection, limit)).await??;
    Ok(HttpResponse::Ok().json(QueueResponse {
        items: page.items.into_iter().map(QueueItemView::from).collect(),
        next_cursor: page.next_cursor,
    }))
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
fn parse_expected(expected: Option<&str>) -> Result<Expected, ApiError> {
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
