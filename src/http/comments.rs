//! Public comment routes: submit a comment for an article, list an article's published thread.

use super::client::ClientIp;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::AppState;
use crate::moderation::idempotency::Idempotency;
use crate::moderation::{self, ArticleId, NewComment, SubmittedComment};
use crate::rules::CommentStatus;
use crate::timestamps;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A reader's comment as the widget sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitCommentRequest {
    /// Display name, 1-80 characters.
    #[schema(example = "Ann Reader")]
    pub author_name: String,
    /// Optional; never shown publicly.
    #[schema(example = "ann@example.org")]
    pub author_email: Option<String>,
    /// The comment, up to 10,000 characters.
    #[schema(example = "Thanks for the thorough reporting.")]
    pub body: String,
    /// The comment this replies to, on the same article.
    pub parent_id: Option<String>,
}

/// What became of a submitted comment. Never says which rule decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmitCommentResponse {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    /// `published`, `pending` (awaiting moderation) or `rejected`.
    #[schema(example = "published")]
    pub status: &'static str,
    /// Text the widget can show the reader.
    #[schema(example = "Your comment has been published.")]
    pub message: &'static str,
    /// RFC 3339.
    pub created_at: String,
    /// Lets this reader edit or delete the comment until `editable_until` (send it as the
    /// `Edit-Token` header). Shown once: a replayed answer (same Idempotency-Key) and a site
    /// with edits off carry null.
    pub edit_token: Option<String>,
    /// RFC 3339; null with `edit_token`.
    pub editable_until: Option<String>,
}

/// A published comment, or the placeholder of a removed one that has published replies.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCommentResponse {
    pub id: String,
    pub parent_id: Option<String>,
    /// 0 for a top-level comment, parent's depth + 1 for a reply.
    pub depth: i32,
    /// True for a placeholder ("This comment was removed"): author and body are null, its
    /// replies follow it.
    pub removed: bool,
    pub author_name: Option<String>,
    pub body: Option<String>,
    pub created_at: String,
    /// RFC 3339: when its author last edited it; null if never.
    pub edited_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentListResponse {
    /// In thread order: each comment is followed by its replies.
    pub comments: Vec<PublicCommentResponse>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Page size, 1-200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Text a widget can show the reader. It never says which rule fired: that would teach
/// spammers what to change.
pub(super) fn reader_message(status: CommentStatus) -> &'static str {
    match status {
        CommentStatus::Published => "Your comment has been published.",
        CommentStatus::Pending => "Your comment is awaiting moderation.",
        CommentStatus::Rejected => {
            "Your comment was not published because it breaks the comment rules."
        }
    }
}

/// Submit a reader's comment for an article.
#[utoipa::path(
    post,
    path = "/api/v1/articles/{article_id}/comments",
    tag = "comments",
    params(
        ("article_id" = String, Path, description = "The site's article id: 1-128 of A-Z a-z 0-9 - _ . : ~"),
        ("Idempotency-Key" = Option<String>, Header, description = "Names this submission (1-255 visible ASCII characters, e.g. a UUID): a retry with the same key and request within 24 hours gets the first answer again instead of storing the comment twice"),
    ),
    request_body = SubmitCommentRequest,
    responses(
        (status = 201, description = "Stored durably; `status` says whether it is visible", body = SubmitCommentResponse,
            headers(("Idempotent-Replayed" = bool, description = "Present (true) when this is the first answer to the same Idempotency-Key, repeated"))),
        (status = 400, description = "Malformed JSON or an invalid field", body = ErrorBody),
        (status = 404, description = "parent_id names no comment", body = ErrorBody),
        (status = 409, description = "The article's comments are closed (`article_closed`); nothing stored", body = ErrorBody),
        (status = 413, description = "Body over the size limit", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Empty after trimming, a parent on another article / not published, or an Idempotency-Key already used for another comment", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable or too many comments waiting to be stored; see Retry-After", body = ErrorBody),
    )
)]
pub async fn submit(
    state: web::Data<AppState>,
    article_id: web::Path<String>,
    ClientIp(ip): ClientIp,
    http_request: HttpRequest,
    JsonBody(request): JsonBody<SubmitCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let article_id = ArticleId::parse(&article_id)?;
    let comment = NewComment::parse(
        article_id,
        &request.author_name,
        request.author_email.as_deref(),
        &request.body,
        request.parent_id.as_deref(),
    )?;
    let now = timestamps::now();
    let idempotency = idempotency_key(&http_request)?
        .map(|key| Idempotency::new(&key, &comment))
        .transpose()?;
    // A retry is answered as before, without spending a rate-limit unit.
    if let Some(key) = &idempotency {
        if let Some(earlier) = state.intake.earlier_answer(key, now).await? {
            return Ok(created(earlier));
        }
    }
    let live = state.policy.current();
    let rules = live.rules.clone();
    // Quotas, policy and rules from the same loaded file: one version judges the request.
    state
        .limits
        .check_comment(
            &live.quotas,
            ip,
            &comment.author_key,
            comment.article_id.as_str(),
        )
        .await?;
    let stored = state
        .intake
        .submit(
            rules,
            live.moderation.clone(),
            comment,
            ip,
            now,
            idempotency,
        )
        .await?;
    if let Some(verdict) = &stored.verdict {
        live.counters.record(verdict);
    }
    Ok(created(stored))
}

/// The `Idempotency-Key` header, if the client sent one.
fn idempotency_key(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .map(|value| {
            value.to_str().map(str::to_string).map_err(|_| {
                ApiError::validation(
                    Some("Idempotency-Key".into()),
                    "Idempotency-Key must be visible ASCII characters",
                )
            })
        })
        .transpose()
}

/// The 201 for a stored (or, on a retry, earlier stored) comment.
fn created(stored: SubmittedComment) -> HttpResponse {
    super::request_span::record_comment_id(&stored.id);
    let mut response = HttpResponse::Created();
    if stored.replayed {
        response.insert_header((IDEMPOTENT_REPLAYED, "true"));
    }
    response.json(SubmitCommentResponse {
        id: stored.id,
        article_id: stored.article_id,
        parent_id: stored.parent_id,
        status: stored.status.as_str(),
        message: reader_message(stored.status),
        created_at: timestamps::rfc3339(stored.created_at),
        edit_token: stored.edit_token,
        editable_until: stored.editable_until.map(timestamps::rfc3339),
    })
}

/// The request header naming one submission, so a retry is answered without storing twice.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The response header of an answer repeated for a retry.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// List an article's published comments in thread order.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{article_id}/comments",
    tag = "comments",
    params(("article_id" = String, Path, description = "The site's article id"), ListQuery),
    responses(
        (status = 200, description = "A page of published comments, with placeholders where removed comments have published replies", body = CommentListResponse),
        (status = 400, description = "Invalid article id, limit or cursor", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    article_id: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let article_id = ArticleId::parse(&article_id)?;
    let limit = query
        .limit
        .as_deref()
        .map(|l| {
            l.parse::<i64>().map_err(|_| {
                ApiError::validation(Some("limit".into()), "limit must be a whole number")
            })
        })
        .transpose()?;
    let cursor = query.cursor.clone();
    let include_flagged = state.policy.current().moderation.flagged_stay_visible;
    let pool = state.pool.clone();
    let page = web::block(move || {
        moderation::list_published(
            &pool,
            &article_id,
            cursor.as_deref(),
            limit,
            include_flagged,
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(CommentListResponse {
        comments: page
            .comments
            .into_iter()
            .map(|c| PublicCommentResponse {
                id: c.id,
                parent_id: c.parent_id,
                depth: c.depth,
                removed: c.shown.is_none(),
                author_name: c.shown.as_ref().map(|s| s.author_name.clone()),
                body: c.shown.as_ref().map(|s| s.body.clone()),
                created_at: timestamps::rfc3339(c.created_at),
                edited_at: c.shown.and_then(|s| s.edited_at).map(timestamps::rfc3339),
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}
