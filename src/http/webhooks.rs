//! Webhook routes: the delivery log (moderators) and a test send of a sample event to the
//! configured endpoints (admins).

use super::access::{Admin, Moderator};
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::query_params::parse_limit;
use crate::moderation::ModerationError;
use crate::timestamps;
use crate::webhooks::{Delivery, WebhookError, Webhooks};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Deliveries in a page unless `limit` says otherwise.
const DEFAULT_PAGE: i64 = 50;

impl From<WebhookError> for ApiError {
    fn from(err: WebhookError) -> Self {
        match err {
            WebhookError::Storage(err) => ModerationError::Storage(err).into(),
            WebhookError::Invalid { field, message } => {
                ApiError::validation(Some(field.into()), message)
            }
            WebhookError::UnknownEndpoint(_) => {
                ApiError::validation(Some("endpoint".into()), err.to_string())
            }
            WebhookError::NoEndpoints => ApiError::validation(None, err.to_string()),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct DeliveriesQuery {
    /// `pending`, `delivered` or `failed` (given up after a day).
    pub state: Option<String>,
    /// 1-200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    /// The `webhook-id` header the receiver saw on every attempt.
    pub id: String,
    pub endpoint: String,
    /// e.g. `comment.held`.
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i32,
    /// The receiver's HTTP status at the last attempt, if it answered.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            endpoint: d.endpoint,
            event_type: d.event_type,
            state: d.state,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: timestamps::rfc3339(d.created_at),
            next_attempt_at: d.next_attempt_at.map(timestamps::rfc3339),
            delivered_at: d.delivered_at.map(timestamps::rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveriesResponse {
    /// Newest first.
    pub deliveries: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

/// The webhook delivery log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/webhooks/deliveries",
    tag = "webhooks",
    params(DeliveriesQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveriesResponse),
        (status = 400, description = "Invalid state, limit or cursor", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn deliveries(
    webhooks: web::Data<Webhooks>,
    _moderator: Moderator,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = parse_limit(query.limit.as_deref())?.unwrap_or(DEFAULT_PAGE);
    let (state, cursor) = (query.state.clone(), query.cursor.clone());
    let webhooks = webhooks.into_inner();
    let page = web::block(move || webhooks.deliveries(state.as_deref(), cursor.as_deref(), limit))
        .await??;
    let next_cursor = (page.len() as i64 == limit)
        .then(|| page.last().map(|d| d.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(DeliveriesResponse {
        deliveries: page.into_iter().map(DeliveryView::from).collect(),
        next_cursor,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestWebhookRequest {
    /// The endpoint's name; every configured endpoint when absent.
    pub endpoint: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TestDelivery {
    pub id: String,
    pub endpoint: String,
}

#[derive(Serialize, ToSchema)]
pub struct TestWebhookResponse {
    /// Queued `webhook.test` deliveries; follow them in the delivery log.
    pub deliveries: Vec<TestDelivery>,
}

/// Send a sample `webhook.test` event to one or every endpoint, through the outbox.
#[utoipa::path(
    post,
    path = "/api/v1/admin/webhooks/test",
    tag = "webhooks",
    request_body = TestWebhookRequest,
    responses(
        (status = 202, description = "Queued; see the delivery log", body = TestWebhookResponse),
        (status = 400, description = "No endpoint is configured, or none has that name", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    )
)]
pub async fn send_test(
    webhooks: web::Data<Webhooks>,
    admin: Admin,
    JsonBody(request): JsonBody<TestWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let webhooks = webhooks.into_inner();
    let actor = admin.0.username.clone();
    let queued = web::block(move || {
        webhooks.send_test(request.endpoint.as_deref(), &actor, timestamps::now())
    })
    .await??;
    Ok(HttpResponse::Accepted().json(TestWebhookResponse {
        deliveries: queued
            .into_iter()
            .map(|(id, endpoint)| TestDelivery { id, endpoint })
            .collect(),
    }))
}
