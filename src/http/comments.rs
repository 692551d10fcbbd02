//! Public comment routes: submit a comment for an article, list an article's published thread.

use super::client::ClientIp;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::AppState;
use crate::moderation::{self, ArticleId, NewComment};
use crate::rules::CommentStatus;
use crate::timestamps;
use actix_web::{web, HttpResponse};
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
}

/// A published comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCommentResponse {
    pub id: String,
    pub parent_id: Option<String>,
    /// 0 for a top-level comment, parent's depth + 1 for a reply.
    pub depth: i32,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
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
fn reader_message(status: CommentStatus) -> &'static str {
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
    params(("article_id" = String, Path, description = "The site's article id: 1-128 of A-Z a-z 0-9 - _ . : ~")),
    request_body = SubmitCommentRequest,
    responses(
        (status = 201, description = "Stored durably; `status` says whether it is visible", body = SubmitCommentResponse),
        (status = 400, description = "Malformed JSON or an invalid field", body = ErrorBody),
        (status = 404, description = "parent_id names no comment", body = ErrorBody),
        (status = 413, description = "Body over the size limit", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Empty after trimming, or a parent on another article / not published", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn submit(
    state: web::Data<AppState>,
    article_id: web::Path<String>,
    ClientIp(ip): ClientIp,
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
        .submit(rules, live.moderation, comment, ip, timestamps::now())
        .await?;
    super::request_span::record_comment_id(&stored.id);
    live.counters.record(&stored.verdict);
    Ok(HttpResponse::Created().json(SubmitCommentResponse {
        id: stored.id,
        article_id: stored.article_id,
        parent_id: stored.parent_id,
        status: stored.status.as_str(),
        message: reader_message(stored.status),
        created_at: timestamps::rfc3339(stored.created_at),
    }))
}

/// List an article's published comments in thread order.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{article_id}/comments",
    tag = "comments",
    params(("article_id" = String, Path, description = "The site's article id"), ListQuery),
    responses(
        (status = 200, description = "A page of published comments", body = CommentListResponse),
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
                author_name: c.author_name,
                body: c.body,
                created_at: timestamps::rfc3339(c.created_at),
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}
