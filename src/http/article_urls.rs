//! Threads keyed by page URL and one article's comments moved out:
//! `GET /api/v1/articles/resolve?url=` answers the article id of a page URL by the site's URL
//! rule (`[moderation.article_urls]`, `article_key`), for the widget's `data-article-url`;
//! `GET /api/v1/moderation/articles/{article_id}/export` is the article's comments as
//! `gatehouse export` writes them (JSON lines).

use super::access::Moderator;
use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::moderation::{export, ArticleId};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest URL resolved (browsers send longer ones rarely; a thread key needs no more).
pub const MAX_URL_LEN: usize = 2_048;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResolveQuery {
    /// The page's absolute http(s) URL.
    #[param(
        example = "https://www.example.com/news/2026/budget/?utm_source=x#comments",
        max_length = 2048
    )]
    pub url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResolveResponse {
    /// The article id that keys this page's thread.
    #[schema(example = "example.com:news:2026:budget")]
    pub article_id: String,
    /// The URL as normalized by the rule, before it is spelled as an id.
    #[schema(example = "example.com/news/2026/budget")]
    pub url_key: String,
}

/// The article id of a page URL (README "Threads keyed by page URL").
#[utoipa::path(
    get,
    path = "/api/v1/articles/resolve",
    tag = "comments",
    params(ResolveQuery),
    responses(
        (status = 200, description = "The page's article id; `Cache-Control: public, max-age=300`", body = ResolveResponse),
        (status = 400, description = "No URL, or not an absolute http(s) URL (`field`: `url`)", body = ErrorBody),
    )
)]
pub async fn resolve(
    state: web::Data<AppState>,
    query: web::Query<ResolveQuery>,
) -> Result<HttpResponse, ApiError> {
    let url = query.url.as_deref().unwrap_or("").trim();
    let invalid = |message: String| ApiError::validation(Some("url".into()), message);
    if url.is_empty() || url.len() > MAX_URL_LEN {
        return Err(invalid(format!(
            "url must be an absolute http(s) URL of 1-{MAX_URL_LEN} characters"
        )));
    }
    let rule = state.policy.current().moderation.article_urls.clone();
    let url_key = rule.normalized(url).map_err(|e| invalid(e.to_string()))?;
    let article_id = rule.article_id(url).map_err(|e| invalid(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(ResolveResponse {
            article_id,
            url_key,
        }))
}

/// One article's settings (if a moderator set it) and comments with their verdicts, decisions,
/// flags and earlier texts, one JSON object per line (docs/EXPORT_FORMAT.md); moderators only: it holds readers' emails and addresses, which
/// moderators already see in the queue.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/articles/{article_id}/export",
    tag = "moderation",
    params(("article_id" = String, Path, description = "The site's article id: 1-128 of A-Z a-z 0-9 - _ . : ~")),
    responses(
        (status = 200, description = "JSON lines: the article's settings record (if a moderator set it), then one comment record a line, parents before replies (empty for an article without comments or settings)", content_type = "application/x-ndjson", body = String),
        (status = 400, description = "Invalid article id (`field`: `article_id`)", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn export_article(
    state: web::Data<AppState>,
    _moderator: Moderator,
    article_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let article = ArticleId::parse(&article_id)?;
    let pool = state.pool.clone();
    let body = web::block(move || export::article_lines(&pool, article)).await??;
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
