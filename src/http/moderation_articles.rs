//! The moderators' article routes: the list of articles with their state and comment counts,
//! one article's settings, and changing them (open, premoderated, closed; a closing time).

use super::access::Moderator;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::query_params::{parse_limit, parse_time};
use super::AppState;
use crate::moderation::articles::{
    self, ArticleChange, ArticleOrder, ArticleOverview, ArticleState, MAX_LIST_LIMIT,
    MAX_LIST_OFFSET,
};
use crate::moderation::ArticleId;
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Articles on a page when the request does not say.
const DEFAULT_LIMIT: i64 = 50;

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleCounts {
    pub pending: i64,
    pub published: i64,
    pub rejected: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleView {
    pub article_id: String,
    /// As a moderator set it: `open` (also for an article nobody set), `premoderated` or
    /// `closed`.
    #[schema(example = "open")]
    pub state: &'static str,
    /// The state readers get now: `closed` once `closes_at` has passed.
    #[schema(example = "open")]
    pub effective_state: &'static str,
    /// RFC 3339: when comments close by themselves; null: never.
    pub closes_at: Option<String>,
    /// Whether `closes_at` is the site's default (`auto_close_after_days` after the first
    /// comment) rather than a moderator's choice.
    pub closes_by_default: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
    pub counts: ArticleCounts,
    pub first_comment_at: Option<String>,
    pub last_comment_at: Option<String>,
}

impl From<ArticleOverview> for ArticleView {
    fn from(overview: ArticleOverview) -> Self {
        let ArticleOverview {
            settings,
            counts,
            first_comment_at,
            last_comment_at,
        } = overview;
        ArticleView {
            effective_state: settings.effective_state(timestamps::now()).as_str(),
            state: settings.state.as_str(),
            closes_at: settings.closes_at.map(timestamps::rfc3339),
            closes_by_default: settings.closes_by_default,
            updated_by: settings.updated_by,
            updated_at: settings.updated_at.map(timestamps::rfc3339),
            counts: ArticleCounts {
                pending: counts.pending,
                published: counts.published,
                rejected: counts.rejected,
            },
            first_comment_at: first_comment_at.map(timestamps::rfc3339),
            last_comment_at: last_comment_at.map(timestamps::rfc3339),
            article_id: settings.article_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub articles: Vec<ArticleView>,
    /// Pass as `offset` for the next page; null on the last page.
    pub next_offset: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ArticleListQuery {
    /// Only articles in this state as a moderator set it: `open`, `premoderated` or `closed`.
    pub state: Option<String>,
    /// `activity` (default: latest comment first), `pending` (most waiting first) or
    /// `article_id`.
    pub sort: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<String>,
    /// Articles to skip, 0-100000 (`next_offset` of the previous page).
    pub offset: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleChangeRequest {
    /// `open`, `premoderated` (every new comment is held) or `closed` (no new comments).
    #[schema(example = "closed")]
    pub state: String,
    /// RFC 3339: comments close by themselves then; null or absent: never (the site's
    /// default no longer applies to this article).
    pub closes_at: Option<String>,
    /// Why, for the audit log: 1-500 characters.
    #[schema(example = "Court case: comments closed on legal advice")]
    pub reason: String,
}

fn parse_order(raw: Option<&str>) -> Result<ArticleOrder, ApiError> {
    match raw.unwrap_or("activity") {
        "activity" => Ok(ArticleOrder::RecentActivity),
        "pending" => Ok(ArticleOrder::MostPending),
        "article_id" => Ok(ArticleOrder::ArticleId),
        _ => Err(ApiError::validation(
            Some("sort".into()),
            "sort must be activity, pending or article_id",
        )),
    }
}

fn parse_offset(raw: Option<&str>) -> Result<i64, ApiError> {
    raw.map_or(Ok(0), |text| {
        text.parse::<i64>()
            .ok()
            .filter(|n| (0..=MAX_LIST_OFFSET).contains(n))
            .ok_or_else(|| {
                ApiError::validation(
                    Some("offset".into()),
                    format!("offset must be a whole number 0-{MAX_LIST_OFFSET}"),
                )
            })
    })
}

/// Articles with their state and comment counts, for the console.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/articles",
    tag = "moderation",
    params(ArticleListQuery),
    responses(
        (status = 200, description = "A page of articles (with comments or set by a moderator)", body = ArticleList),
        (status = 400, description = "Invalid state, sort, limit or offset (`field` names it)", body = ErrorBody),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    _moderator: Moderator,
    query: web::Query<ArticleListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query
        .state
        .as_deref()
        .map(|s| ArticleState::parse(s, "state"))
        .transpose()?;
    let order = parse_order(query.sort.as_deref())?;
    let limit = parse_limit(query.limit.as_deref())?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(ApiError::validation(
            Some("limit".into()),
            format!("limit must be 1-{MAX_LIST_LIMIT}"),
        ));
    }
    let offset = parse_offset(query.offset.as_deref())?;
    let auto_close_after = state.policy.current().moderation.auto_close_after();
    let pool = state.pool.clone();
    let page =
        web::block(move || articles::list(&pool, filter, order, limit, offset, auto_close_after))
            .await??;
    let next_offset = page.has_more.then(|| offset + page.articles.len() as i64);
    Ok(HttpResponse::Ok().json(ArticleList {
        articles: page.articles.into_iter().map(ArticleView::from).collect(),
        next_offset,
    }))
}

/// One article's settings and comment counts.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/articles/{article_id}",
    tag = "moderation",
    params(("article_id" = String, Path, description = "The site's article id")),
    responses(
        (status = 200, description = "The article (any valid id: one nobody set or commented on is open with no comments)", body = ArticleView),
        (status = 400, description = "Not an article id", body = ErrorBody),
    )
)]
pub async fn get(
    state: web::Data<AppState>,
    _moderator: Moderator,
    article_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let article_id = ArticleId::parse(&article_id)?;
    let auto_close_after = state.policy.current().moderation.auto_close_after();
    let pool = state.pool.clone();
    let overview =
        web::block(move || articles::overview(&pool, &article_id, auto_close_after)).await??;
    Ok(HttpResponse::Ok().json(ArticleView::from(overview)))
}

/// Set an article open, premoderated or closed, and when it closes by itself. Audited.
#[utoipa::path(
    put,
    path = "/api/v1/moderation/articles/{article_id}",
    tag = "moderation",
    params(("article_id" = String, Path, description = "The site's article id")),
    request_body = ArticleChangeRequest,
    responses(
        (status = 200, description = "Set; every comment stored from now on follows it", body = ArticleView),
        (status = 400, description = "Unknown state, a closes_at that is not an RFC 3339 time, or a missing/too long reason", body = ErrorBody),
    )
)]
pub async fn put(
    state: web::Data<AppState>,
    Moderator(principal): Moderator,
    article_id: web::Path<String>,
    JsonBody(request): JsonBody<ArticleChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let article_id = ArticleId::parse(&article_id)?;
    let change = ArticleChange::new(
        ArticleState::parse(&request.state, "state")?,
        parse_time("closes_at", request.closes_at.as_deref())?,
        &request.reason,
    )?;
    let auto_close_after = state.policy.current().moderation.auto_close_after();
    let pool = state.pool.clone();
    let overview = web::block(move || {
        articles::change(
            &pool,
            &article_id,
            &change,
            auto_close_after,
            &principal.username,
            timestamps::now(),
        )?;
        articles::overview(&pool, &article_id, auto_close_after)
    })
    .await??;
    Ok(HttpResponse::Ok().json(ArticleView::from(overview)))
}
