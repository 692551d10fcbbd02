//! The events webhooks carry and their bodies. An event's `data` is written to the outbox with
//! what it reports; the body is made at delivery: `{"type", "timestamp", "data"}`, or a line of
//! text for Slack-compatible endpoints. Comment events carry ids, the article, the status and
//! the matched rule ids; never the reader's email or address unless the endpoint opts in.

use super::endpoint::WebhookFormat;
use serde_json::{json, Value};

/// A comment the rules held for a moderator (stored as pending).
pub const COMMENT_HELD: &str = "comment.held";
/// A published comment that reader flags sent back for review.
pub const COMMENT_FLAGGED: &str = "comment.flagged";
/// A moderator approved or rejected a comment.
pub const COMMENT_DECIDED: &str = "comment.decided";
/// The rules in force changed (edit through the API, or a reload of the file).
pub const RULES_CHANGED: &str = "rules.changed";
/// A sample an admin asked for; sent to the endpoints named, whatever they subscribe to.
pub const TEST: &str = "webhook.test";

/// The events an endpoint may subscribe to.
pub const SUBSCRIBABLE: [&str; 4] = [
    COMMENT_HELD,
    COMMENT_FLAGGED,
    COMMENT_DECIDED,
    RULES_CHANGED,
];

/// The body sent for an event of `event_type` with `data`, created at `timestamp` (RFC 3339).
pub fn body(format: WebhookFormat, event_type: &str, timestamp: &str, data: &Value) -> Value {
    match format {
        WebhookFormat::Standard => {
            json!({"type": event_type, "timestamp": timestamp, "data": data})
        }
        WebhookFormat::Slack => json!({"text": text(event_type, data)}),
    }
}

/// One line a person reads in a chat channel.
fn text(event_type: &str, data: &Value) -> String {
    let field = |name: &str| data[name].as_str().unwrap_or("?").to_string();
    let rules = data["matched_rules"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|ids| !ids.is_empty())
        .map(|ids| format!(" (rules: {ids})"))
        .unwrap_or_default();
    match event_type {
        COMMENT_HELD => format!(
            "Comment {} on article {} is waiting for a moderator{rules}",
            field("comment_id"),
            field("article_id")
        ),
        COMMENT_FLAGGED => format!(
            "Comment {} on article {} was flagged by readers ({} flags)",
            field("comment_id"),
            field("article_id"),
            data["flags"].as_i64().unwrap_or(0)
        ),
        COMMENT_DECIDED => format!(
            "{} {} comment {} on article {}",
            field("decided_by"),
            if field("status") == "published" {
                "approved"
            } else {
                "rejected"
            },
            field("comment_id"),
            field("article_id")
        ),
        RULES_CHANGED => format!(
            "The moderation rules changed ({} → {}) by {}",
            short(&field("old_version")),
            short(&field("new_version")),
            field("actor")
        ),
        TEST => "A test event from Gatehouse: this endpoint receives its webhooks.".into(),
        other => format!("Gatehouse event {other}"),
    }
}

fn short(version: &str) -> &str {
    version.get(..12).unwrap_or(version)
}
