//! The moderation queue: a page of comments by status and filters, each with everything a
//! moderator decides on (the rules' explanation, the author's history, flags, earlier texts).

use super::access::Moderator;
use super::error::{ApiError, ErrorBody};
use super::query_params::parse_limit;
use super::AppState;
use crate::moderation::queue::{page_size, queue_page, QueueItem, QueueSelection, StoredMatches};
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    pub matches: StoredMatches,
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
