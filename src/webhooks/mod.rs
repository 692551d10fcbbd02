//! Webhooks the operator configures: endpoints and their events (`endpoint`), the events and
//! their payloads (`event`), Standard Webhooks signatures (`signing`), the background
//! dispatcher that delivers the outbox with retries (`dispatch`), and the delivery log and
//! test sends moderators and admins reach through the API (`log`).

pub mod dispatch;
pub mod endpoint;
pub mod event;
pub mod log;
pub mod signing;

pub use dispatch::Dispatcher;
pub use endpoint::{WebhookEndpoint, WebhookFormat};
pub use log::{Delivery, WebhookError, Webhooks};
