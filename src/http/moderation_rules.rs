//! `GET /api/v1/moderation/rules`: what a moderator needs to read verdicts — the live rules'
//! ids, descriptions, weights and modes, and the thresholds a score is held or rejected at.
//! The rules file itself stays admin-only.

use super::access::Moderator;
use super::AppState;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RuleSummary {
    pub id: String,
    pub description: String,
    /// `reject`, `hold` or `score`.
    pub action: String,
    pub weight: f64,
    /// `live` or `shadow`.
    pub mode: String,
    pub enabled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ModerationRulesView {
    /// sha256 of the rules in force.
    pub version: String,
    /// A score at or above this holds a comment for moderation.
    pub hold_threshold: f64,
    /// A score at or above this rejects it.
    pub reject_threshold: f64,
    pub rules: Vec<RuleSummary>,
}

fn as_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

/// The live rules and thresholds, for reading verdicts.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/rules",
    tag = "moderation",
    responses(
        (status = 200, description = "Rules in force and thresholds", body = ModerationRulesView),
    )
)]
pub async fn summary(state: web::Data<AppState>, _moderator: Moderator) -> HttpResponse {
    let live = state.policy.current();
    let thresholds = live.rules.thresholds();
    HttpResponse::Ok().json(ModerationRulesView {
        version: live.version().to_string(),
        hold_threshold: thresholds.hold,
        reject_threshold: thresholds.reject,
        rules: live
            .rules
            .rules()
            .into_iter()
            .map(|rule| RuleSummary {
                action: as_text(&rule.action),
                mode: as_text(&rule.mode),
                id: rule.id,
                description: rule.description,
                weight: rule.weight,
                enabled: rule.enabled,
            })
            .collect(),
    })
}
