//! `GET /api/v1/articles/counts?ids=a,b,c`: how many comments each article's public thread
//! shows, for a site's index pages ("12 comments"); cacheable by browsers and proxies.

use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::moderation::{self, ArticleId, MAX_COUNTED_ARTICLES};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// How long a browser or proxy may reuse an answer: counts a minute old are fine on an index
/// page, and a busy front page then costs one query a minute per cache.
const MAX_AGE_SECONDS: u32 = 60;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CountsQuery {
    /// 1-100 article ids, separated by commas.
    #[param(example = "budget-2026,election-night")]
    pub ids: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountsResponse {
    /// Each requested article id with the number of comments its public thread shows (0 for
    /// an article with none).
    pub counts: BTreeMap<String, i64>,
}

/// Published comment counts for many articles at once.
#[utoipa::path(
    get,
    path = "/api/v1/articles/counts",
    tag = "comments",
    params(CountsQuery),
    responses(
        (status = 200, description = "Counts by article id; `Cache-Control: public, max-age=60` and an `ETag`", body = CountsResponse),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        (status = 400, description = "No ids, more than 100, or an invalid article id (`field`: `ids`)", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn counts(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<CountsQuery>,
) -> Result<HttpResponse, ApiError> {
    let raw = query.ids.as_deref().unwrap_or("");
    let ids = raw
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            ArticleId::parse(id).map_err(|_| {
                ApiError::validation(
                    Some("ids".into()),
                    format!("`{id}` is not an article id (letters, digits and - _ . : ~)"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() || ids.len() > MAX_COUNTED_ARTICLES {
        return Err(ApiError::validation(
            Some("ids".into()),
            format!("name 1-{MAX_COUNTED_ARTICLES} article ids, separated by commas"),
        ));
    }
    let include_flagged = state.policy.current().moderation.flagged_stay_visible;
    let pool = state.pool.clone();
    let counts =
        web::block(move || moderation::published_counts(&pool, &ids, include_flagged)).await??;
    let body = serde_json::to_vec(&CountsResponse {
        counts: counts.into_iter().collect(),
    })
    .map_err(|e| ApiError::internal(&e))?;
    Ok(super::assets::cacheable_json(
        &request,
        body,
        MAX_AGE_SECONDS,
    ))
}
