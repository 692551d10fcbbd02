//! Readers edit or delete their own comment with the edit token its submission returned
//! (`Edit-Token` header), within the site's edit window.

use super::client::ClientIp;
use super::comments::reader_message;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::AppState;
use crate::moderation::reader_edits::{self, EditJudge};
use crate::timestamps;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The request header that carries a comment's edit token. A header, not the body, so a
/// DELETE needs no body and the token stays out of logged bodies and URLs.
pub const EDIT_TOKEN: &str = "edit-token";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditCommentRequest {
    /// The new text, up to 10,000 characters.
    #[schema(example = "Thanks for the thorough reporting (edited: fixed a typo).")]
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EditCommentResponse {
    pub id: String,
    /// The edit was judged again: `published`, `pending` (awaiting moderation) or `rejected`.
    #[schema(example = "published")]
    pub status: &'static str,
    /// Text the widget can show the reader.
    pub message: &'static str,
    /// RFC 3339.
    pub edited_at: String,
    /// RFC 3339: after this the token edits nothing.
    pub editable_until: String,
}

/// The edit token the request carries; a missing one is refused like a wrong one.
fn edit_token(request: &HttpRequest) -> Result<String, ApiError> {
    request
        .headers()
        .get(EDIT_TOKEN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::from(crate::moderation::ModerationError::EditForbidden {
                message: "send the comment's edit token in the Edit-Token header".into(),
            })
        })
}

/// Checks the comment exists and spends a comment's worth of rate limit on the edit.
async fn limit(state: &AppState, ip: std::net::IpAddr, id: &str) -> Result<(), ApiError> {
    let (pool, comment_id) = (state.pool.clone(), id.to_string());
    let target = web::block(move || reader_edits::edit_target(&pool, &comment_id)).await??;
    let live = state.policy.current();
    state
        .limits
        .check_comment(&live.quotas, ip, &target.author_key, &target.article_id)
        .await?;
    Ok(())
}

/// Edit your comment (with its edit token, within the edit window). Judged again by the rules,
/// and by the article's state: refused once the article is closed, held while it is
/// premoderated.
#[utoipa::path(
    patch,
    path = "/api/v1/comments/{id}",
    tag = "comments",
    params(
        ("id" = String, Path, description = "Comment id"),
        ("Edit-Token" = String, Header, description = "The `edit_token` of the comment's submission"),
    ),
    request_body = EditCommentRequest,
    responses(
        (status = 200, description = "Edited; `status` is the new verdict's", body = EditCommentResponse),
        (status = 400, description = "Malformed JSON or an invalid body", body = ErrorBody),
        (status = 403, description = "Missing or wrong edit token, or a moderator removed the comment", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
        (status = 409, description = "A moderator changed the comment meanwhile (`status_changed`; says who and when), or the article's comments are closed (`article_closed`); nothing changed", body = ErrorBody),
        (status = 410, description = "The edit window has passed, or the comment was deleted", body = ErrorBody),
        (status = 413, description = "Body over the size limit", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Empty after trimming", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn edit(
    state: web::Data<AppState>,
    ClientIp(ip): ClientIp,
    id: web::Path<String>,
    http_request: HttpRequest,
    JsonBody(request): JsonBody<EditCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    super::request_span::record_comment_id(&id);
    // An unknown comment is 404 whatever the token; a known one spends rate limit first.
    limit(&state, ip, &id).await?;
    let token = edit_token(&http_request)?;
    let live = state.policy.current();
    let (pool, learning, policy) = (state.pool.clone(), state.learning.clone(), live.clone());
    let (edited, verdict) = web::block(move || {
        let judge = EditJudge {
            rules: &policy.rules,
            live: &learning,
            settings: policy.moderation.clone(),
        };
        reader_edits::edit(&pool, &judge, &id, &token, &request.body, timestamps::now())
    })
    .await??;
    live.counters.record(&verdict);
    Ok(HttpResponse::Ok().json(EditCommentResponse {
        id: edited.id,
        status: edited.status.as_str(),
        message: reader_message(edited.status),
        edited_at: timestamps::rfc3339(edited.edited_at),
        editable_until: timestamps::rfc3339(edited.editable_until),
    }))
}

/// Delete your comment (with its edit token, within the edit window): it leaves the public
/// thread (a placeholder stays if it has replies); moderators still see it. Allowed on a closed
/// article too: a reader can always take their words back.
#[utoipa::path(
    delete,
    path = "/api/v1/comments/{id}",
    tag = "comments",
    params(
        ("id" = String, Path, description = "Comment id"),
        ("Edit-Token" = String, Header, description = "The `edit_token` of the comment's submission"),
    ),
    responses(
        (status = 204, description = "Deleted (or already deleted)"),
        (status = 403, description = "Missing or wrong edit token", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
        (status = 410, description = "The edit window has passed", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn delete(
    state: web::Data<AppState>,
    ClientIp(ip): ClientIp,
    id: web::Path<String>,
    http_request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    super::request_span::record_comment_id(&id);
    // An unknown comment is 404 whatever the token; a known one spends rate limit first.
    limit(&state, ip, &id).await?;
    let token = edit_token(&http_request)?;
    let pool = state.pool.clone();
    web::block(move || reader_edits::delete(&pool, &id, &token, timestamps::now())).await??;
    Ok(HttpResponse::NoContent().finish())
}
