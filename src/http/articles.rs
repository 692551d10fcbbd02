//! `GET /api/v1/articles/{article_id}`: whether readers may comment on an article now (the
//! widget hides its form when not), its closing time and how many comments it shows;
//! cacheable like the counts.

use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::moderation::{articles, ArticleId};
use crate::timestamps;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

/// How long a browser or proxy may reuse an answer: a moderator's close reaches a reader's
/// form within this, and a submission meanwhile is answered `409 article_closed`.
const MAX_AGE_SECONDS: u32 = 30;

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicArticleResponse {
    pub article_id: String,
    /// Whether a new comment would be accepted now (`state` is not `closed`).
    pub commenting_open: bool,
    /// `open`; `premoderated` (new comments wait for a moderator before they show); or
    /// `closed` (by a moderator, or its closing time passed).
    #[schema(example = "open")]
    pub state: &'static str,
    /// RFC 3339: when comments close by themselves; null if they do not.
    pub closes_at: Option<String>,
    /// Comments the public thread shows.
    pub published_count: i64,
}

/// Whether commenting on an article is open.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{article_id}",
    tag = "comments",
    params(("article_id" = String, Path, description = "The site's article id: 1-128 of A-Z a-z 0-9 - _ . : ~ (`counts` is the counts route)")),
    responses(
        (status = 200, description = "The article's commenting state (any valid id: an article nobody commented on is open with 0 comments); `Cache-Control: public, max-age=30` and an `ETag`", body = PublicArticleResponse),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        (status = 400, description = "Not an article id (`field`: `article_id`)", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn article(
    state: web::Data<AppState>,
    request: HttpRequest,
    article_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let article_id = ArticleId::parse(&article_id)?;
    let (auto_close_after, flagged_stay_visible) = {
        let policy = state.policy.current();
        (
            policy.moderation.auto_close_after(),
            policy.moderation.flagged_stay_visible,
        )
    };
    let pool = state.pool.clone();
    let now = timestamps::now();
    let article = web::block(move || {
        articles::public_article(
            &pool,
            &article_id,
            auto_close_after,
            flagged_stay_visible,
            now,
        )
    })
    .await??;
    let body = serde_json::to_vec(&PublicArticleResponse {
        commenting_open: article.state != articles::ArticleState::Closed,
        state: article.state.as_str(),
        closes_at: article.closes_at.map(timestamps::rfc3339),
        published_count: article.published_count,
        article_id: article.article_id,
    })
    .map_err(|e| ApiError::internal(&e))?;
    Ok(super::assets::cacheable_json(
        &request,
        body,
        MAX_AGE_SECONDS,
    ))
}
