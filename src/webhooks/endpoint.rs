//! One webhook endpoint as the operator configures it: where, with which secret, which events,
//! in which format, and whether the reader's email and address may be sent.

use super::event;
use super::signing::Secret;
use serde::Deserialize;

/// How the body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{"type", "timestamp", "data"}` (Standard Webhooks).
    #[default]
    Standard,
    /// `{"text": "…"}`, which Slack, Mattermost and Rocket.Chat incoming webhooks post as is.
    Slack,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpoint {
    /// Names the endpoint in the delivery log; deliveries keep it across restarts.
    pub name: String,
    pub url: String,
    /// `whsec_` and the base64 of 24 to 64 random bytes.
    pub secret: String,
    pub events: Vec<String>,
    #[serde(default)]
    pub format: WebhookFormat,
    /// Adds the reader's email and IP address to comment events (off: never sent).
    #[serde(default)]
    pub include_personal_data: bool,
}

impl std::fmt::Debug for WebhookEndpoint {
    // The secret stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("format", &self.format)
            .field("include_personal_data", &self.include_personal_data)
            .finish_non_exhaustive()
    }
}

impl WebhookEndpoint {
    /// Checks every field; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(format!(
                "name {:?} must be 1-64 of A-Z a-z 0-9 - _ .",
                self.name
            ));
        }
        let scheme_ok = self.url.starts_with("https://") || self.url.starts_with("http://");
        if !scheme_ok || reqwest::Url::parse(&self.url).is_err() {
            return Err(format!(
                "url {:?} must be an http:// or https:// URL",
                self.url
            ));
        }
        Secret::parse(&self.secret)?;
        if self.events.is_empty() {
            return Err(format!(
                "events must name at least one of {}",
                event::SUBSCRIBABLE.join(", ")
            ));
        }
        if let Some(unknown) = self
            .events
            .iter()
            .find(|e| !event::SUBSCRIBABLE.contains(&e.as_str()))
        {
            return Err(format!(
                "unknown event {unknown:?}; events are {}",
                event::SUBSCRIBABLE.join(", ")
            ));
        }
        Ok(())
    }

    pub fn wants(&self, event_type: &str) -> bool {
        self.events.iter().any(|e| e == event_type)
    }
}
