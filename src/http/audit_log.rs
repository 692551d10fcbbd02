//! The audit log route: read-only, newest first, filtered.

use super::access::Moderator;
use super::error::{ApiError, ErrorBody};
use super::query_params::{parse_limit, parse_time};
use super::AppState;
use crate::moderation::audit::{log_page, AuditEntry, AuditQuery};
use crate::moderation::queue::page_size;
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct LogQuery {
    /// A username, `readers`, or `file on disk`.
    pub actor: Option<String>,
    /// e.g. approve, reject, bulk_reject, ban_created, login, user_created.
    pub action: Option<String>,
    /// A comment, user, ban or article id.
    pub target_id: Option<String>,
    /// RFC 3339.
    pub since: Option<String>,
    /// RFC 3339.
    pub until: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(row: AuditEntry) -> Self {
        AuditEntryView {
            id: row.id,
            at: timestamps::rfc3339(row.at),
            actor: row.actor,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            before: row.before,
            after: row.after,
            reason: row.reason,
            details: row.details,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LogResponse {
    pub entries: Vec<AuditEntryView>,
    pub next_cursor: Option<String>,
}

/// The audit log, newest first. Read-only: nothing in the API edits or deletes it.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/log",
    tag = "moderation",
    params(LogQuery),
    responses(
        (status = 200, description = "A page of the log", body = LogResponse),
        (status = 400, description = "Invalid filter", body = ErrorBody),
    )
)]
pub async fn log(
    state: web::Data<AppState>,
    _moderator: Moderator,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_size(parse_limit(query.limit.as_deref())?)?;
    let audit_query = AuditQuery {
        actor: query.actor.clone(),
        action: query.action.clone(),
        target_id: query.target_id.clone(),
        since: parse_time("since", query.since.as_deref())?,
        until: parse_time("until", query.until.as_deref())?,
        cursor: query.cursor.clone(),
    };
    let pool = state.pool.clone();
    let page = web::block(move || log_page(&pool, audit_query, limit)).await??;
    Ok(HttpResponse::Ok().json(LogResponse {
        entries: page.entries.into_iter().map(AuditEntryView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
