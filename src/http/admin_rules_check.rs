//! `POST /api/v1/admin/rules/check`: what `gatehouse rules check` says about a candidate rules
//! file (errors, warnings and notes, each at its line), without changing anything, so an
//! editor can show them beside the text.

use super::access::Admin;
use super::error::{ApiError, ErrorBody};
use super::json::RulesJsonBody;
use super::AppState;
use crate::rules::{lint, Finding, RulesError, Severity};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesCheckRequest {
    /// The candidate rules file (TOML); list files are read beside the live file.
    pub source: String,
}

/// One thing the check found, at a line of the candidate.
#[derive(Serialize, ToSchema)]
pub struct RulesDiagnostic {
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// `invalid` for errors; for warnings and notes the check's stable name
    /// (`never_matches`, `duplicate_word`, `over_broad`, `disabled`, …).
    pub code: &'static str,
    /// 1-based line in the candidate, when the finding has one.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    pub rule_id: Option<String>,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct RulesCheckResponse {
    /// True when the file would be accepted by `PUT /api/v1/admin/rules` (warnings allowed).
    pub valid: bool,
    /// The version the file would have; null when invalid.
    pub version: Option<String>,
    /// How many rules and examples it has; 0 when invalid.
    pub rule_count: usize,
    pub example_count: usize,
    pub errors: Vec<RulesDiagnostic>,
    pub warnings: Vec<RulesDiagnostic>,
    pub notes: Vec<RulesDiagnostic>,
}

fn from_error(err: &RulesError) -> RulesDiagnostic {
    RulesDiagnostic {
        severity: "error",
        code: "invalid",
        line: err.line,
        column: err.column,
        rule_id: err.rule_id.clone(),
        message: err.message.clone(),
    }
}

fn from_finding(finding: Finding) -> RulesDiagnostic {
    RulesDiagnostic {
        severity: match finding.severity {
            Severity::Warning => "warning",
            Severity::Note => "note",
        },
        code: finding.code,
        line: Some(finding.line),
        column: None,
        rule_id: Some(finding.rule_id),
        message: finding.message,
    }
}

fn check(state: &AppState, source: &str) -> RulesCheckResponse {
    match state.policy.compile_candidate(source).map(|p| p.rules) {
        Err(err) => RulesCheckResponse {
            valid: false,
            version: None,
            rule_count: 0,
            example_count: 0,
            errors: vec![from_error(&err)],
            warnings: Vec::new(),
            notes: Vec::new(),
        },
        Ok(set) => {
            let (warnings, notes): (Vec<Finding>, Vec<Finding>) = lint(&set)
                .into_iter()
                .partition(|f| f.severity == Severity::Warning);
            RulesCheckResponse {
                valid: true,
                version: Some(set.version().to_string()),
                rule_count: set.rule_count(),
                example_count: set.examples().len(),
                errors: Vec::new(),
                warnings: warnings.into_iter().map(from_finding).collect(),
                notes: notes.into_iter().map(from_finding).collect(),
            }
        }
    }
}

/// Check a candidate rules file: errors, warnings and notes at their lines. Changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/admin/rules/check",
    tag = "admin",
    request_body = RulesCheckRequest,
    responses(
        (status = 200, description = "The check's findings; `valid` says whether the file would be accepted", body = RulesCheckResponse),
        (status = 400, description = "Malformed request", body = ErrorBody),
    )
)]
pub async fn check_rules(
    state: web::Data<AppState>,
    _admin: Admin,
    RulesJsonBody(request): RulesJsonBody<RulesCheckRequest>,
) -> Result<HttpResponse, ApiError> {
    let state = state.into_inner();
    let report = web::block(move || check(&state, &request.source)).await?;
    Ok(HttpResponse::Ok().json(report))
}
