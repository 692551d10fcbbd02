//! What moderators and admins reach through the API: the delivery log, and a test send of a
//! sample event to the configured endpoints (through the outbox, like any event).

use super::endpoint::WebhookEndpoint;
use super::event;
use crate::storage::{self, outbox, Pool, StorageError};
use std::sync::Arc;
use time::PrimitiveDateTime;

/// Why a webhook request was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no webhook endpoint is configured (see [[webhook]] in the config file)")]
    NoEndpoints,
    #[error("no webhook endpoint is named {0:?}")]
    UnknownEndpoint(String),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// One delivery as the log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The `webhook-id` the receiver saw.
    pub id: String,
    pub endpoint: String,
    pub event_type: String,
    /// pending, delivered or failed.
    pub state: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: PrimitiveDateTime,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<PrimitiveDateTime>,
    pub delivered_at: Option<PrimitiveDateTime>,
}

/// The endpoints in force and the database their outbox is in.
#[derive(Clone)]
pub struct Webhooks {
    pool: Pool,
    endpoints: Arc<Vec<WebhookEndpoint>>,
}

/// Deliveries in one page of the log at most.
pub const MAX_PAGE: i64 = 200;

impl Webhooks {
    pub fn new(pool: Pool, endpoints: Arc<Vec<WebhookEndpoint>>) -> Webhooks {
        Webhooks { pool, endpoints }
    }

    pub fn endpoints(&self) -> &[WebhookEndpoint] {
        &self.endpoints
    }

    /// The newest deliveries first; `state` narrows, `before` (a delivery id) pages.
    pub fn deliveries(
        &self,
        state: Option<&str>,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Delivery>, WebhookError> {
        if let Some(state) = state {
            if ![outbox::PENDING, outbox::DELIVERED, outbox::FAILED].contains(&state) {
                return Err(WebhookError::Invalid {
                    field: "state",
                    message: "state must be pending, delivered or failed".into(),
                });
            }
        }
        if before.is_some_and(|cursor| uuid::Uuid::parse_str(cursor).is_err()) {
            return Err(WebhookError::Invalid {
                field: "cursor",
                message: "cursor is not one this server issued".into(),
            });
        }
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(WebhookError::Invalid {
                field: "limit",
                message: format!("limit must be 1-{MAX_PAGE}"),
            });
        }
        let mut conn = self.pool.get().map_err(StorageError::from)?;
        let rows = outbox::deliveries(&mut conn, state, before, limit)?;
        Ok(rows
            .into_iter()
            .map(|row| Delivery {
                next_attempt_at: (row.state == outbox::PENDING).then_some(row.next_attempt_at),
                id: row.id,
                endpoint: row.endpoint.unwrap_or_default(),
                event_type: row.event_type,
                state: row.state,
                attempts: row.attempts,
                last_status: row.last_status,
                last_error: row.last_error,
                created_at: row.created_at,
                delivered_at: row.delivered_at,
            })
            .collect())
    }

    /// Queues a sample event for `endpoint` (or every endpoint); the delivery ids.
    pub fn send_test(
        &self,
        endpoint: Option<&str>,
        actor: &str,
        now: PrimitiveDateTime,
    ) -> Result<Vec<(String, String)>, WebhookError> {
        if self.endpoints.is_empty() {
            return Err(WebhookError::NoEndpoints);
        }
        let targets: Vec<&WebhookEndpoint> = match endpoint {
            Some(name) => vec![self
                .endpoints
                .iter()
                .find(|e| e.name == name)
                .ok_or_else(|| WebhookError::UnknownEndpoint(name.to_string()))?],
            None => self.endpoints.iter().collect(),
        };
        let data = serde_json::json!({
            "message": "A test event from Gatehouse.",
            "requested_by": actor,
        })
        .to_string();
        let rows: Vec<outbox::OutboxRow> = targets
            .iter()
            .map(|e| outbox::OutboxRow::new(event::TEST, Some(&e.name), data.clone(), now))
            .collect();
        let mut conn = self.pool.get().map_err(StorageError::from)?;
        storage::write_transaction(&mut conn, |conn| outbox::insert(conn, &rows))?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, r.endpoint.unwrap_or_default()))
            .collect())
    }
}
