//! Admins and the rules file: read it with its status and per-rule hit counts, replace it
//! safely (If-Match on the version, validated, written atomically, swapped in), try a comment
//! against it or a candidate, and backtest a candidate on stored comments.

use super::access::Admin;
use super::error::{ApiError, ErrorBody};
use super::error_code::ErrorCode;
use super::json::RulesJsonBody;
use super::AppState;
use crate::moderation::backtest::{self, BacktestOptions, BacktestReport};
use crate::policy::{ChangeSummary, EditError};
use crate::rules::{normalize, CommentInput, CommentStatus, RuleInfo, RuleSet, Verdict};
use crate::timestamps;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RuleStats {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub rule: RuleInfo,
    /// Matches on live traffic since this version was loaded.
    pub live_hits: u64,
    /// Matches of this rule while in shadow mode (recorded, never deciding).
    pub shadow_hits: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ReloadErrorView {
    pub at: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct RulesView {
    pub source: String,
    /// sha256 of the rules file and its list files; send it back as If-Match to replace.
    pub version: String,
    pub loaded_at: String,
    /// The last reload that was refused (the previous rules stayed in force), if any since.
    pub last_reload_error: Option<ReloadErrorView>,
    pub rules: Vec<RuleStats>,
}

/// The rules in force.
#[utoipa::path(
    get,
    path = "/api/v1/admin/rules",
    tag = "admin",
    responses((status = 200, description = "Source, version and per-rule hits", body = RulesView))
)]
pub async fn get_rules(state: web::Data<AppState>, _admin: Admin) -> HttpResponse {
    let live = state.policy.current();
    let hits = live.counters.snapshot();
    let rules = live
        .rules
        .rules()
        .into_iter()
        .map(|rule| {
            let counted = hits.iter().find(|h| h.rule_id == rule.id);
            RuleStats {
                live_hits: counted.map_or(0, |h| h.live_hits),
                shadow_hits: counted.map_or(0, |h| h.shadow_hits),
                rule,
            }
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", live.version())))
        .json(RulesView {
            source: live.source.clone(),
            version: live.version().to_string(),
            loaded_at: timestamps::rfc3339(live.loaded_at),
            last_reload_error: state.policy.last_error().map(|e| ReloadErrorView {
                at: timestamps::rfc3339(e.at),
                message: e.message,
            }),
            rules,
        })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceRulesRequest {
    /// The complete new rules file (TOML).
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReplaceRulesResponse {
    pub version: String,
    #[schema(value_type = Object)]
    pub summary: ChangeSummary,
}

/// Replace the rules file. Needs `If-Match: <version>` from a GET.
#[utoipa::path(
    put,
    path = "/api/v1/admin/rules",
    tag = "admin",
    params(("If-Match" = String, Header, description = "The version being replaced")),
    request_body = ReplaceRulesRequest,
    responses(
        (status = 200, description = "Validated, written and in force", body = ReplaceRulesResponse),
        (status = 412, description = "The rules changed since that version; nothing changed", body = ErrorBody),
        (status = 422, description = "Invalid rules (or failing examples); nothing changed", body = ErrorBody),
        (status = 428, description = "If-Match is missing", body = ErrorBody),
    )
)]
pub async fn put_rules(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    req: HttpRequest,
    RulesJsonBody(request): RulesJsonBody<ReplaceRulesRequest>,
) -> Result<HttpResponse, ApiError> {
    // A header that is there but not visible ASCII is a bad value, not a missing one.
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .map(|v| {
            v.to_str().map_err(|_| {
                ApiError::validation(
                    Some("If-Match".into()),
                    "If-Match must be the version from GET /api/v1/admin/rules",
                )
            })
        })
        .transpose()?
        .map(|v| {
            v.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_string()
        })
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::PreconditionRequired,
                "send If-Match with the version you are replacing (from GET /api/v1/admin/rules)",
            )
        })?;
    let rules = state.policy.clone();
    let pool = state.pool.clone();
    let outcome =
        web::block(move || rules.replace(&pool, &request.source, &if_match, &admin.username))
            .await?;
    match outcome {
        Ok(summary) => Ok(HttpResponse::Ok()
            .insert_header((header::ETAG, format!("\"{}\"", summary.new_version)))
            .json(ReplaceRulesResponse {
                version: summary.new_version.clone(),
                summary,
            })),
        Err(EditError::Stale { current, .. }) => Err(ApiError::new(
            ErrorCode::StaleVersion,
            format!("the rules changed meanwhile; the current version is {current}"),
        )),
        Err(EditError::Invalid(err)) => Err(ApiError::invalid_rules(&err)),
        Err(EditError::Io(err)) => Err(ApiError::internal(&err)),
        Err(EditError::Storage(err)) => Err(err.into()),
    }
}

/// Compiles the candidate if one is given, else uses the rules in force.
fn rule_set(state: &AppState, candidate: Option<&str>) -> Result<Arc<RuleSet>, ApiError> {
    match candidate {
        None => Ok(state.policy.current().rules.clone()),
        Some(source) => state
            .policy
            .compile_candidate(source)
            .map(|p| p.rules)
            .map_err(|e| ApiError::invalid_rules(&e)),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestComment {
    pub body: String,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    /// Judge it as the author's first comment.
    #[serde(default)]
    pub first_comment: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesTestRequest {
    pub comment: TestComment,
    /// A candidate rules file to try instead of the rules in force.
    pub source: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RulesTestResponse {
    /// `published`, `pending` or `rejected`.
    #[schema(value_type = String)]
    pub status: CommentStatus,
    /// The body as the normalized-view rules saw it.
    pub normalized_body: String,
    /// Every matched rule with weights and spans, the score and thresholds.
    #[schema(value_type = Object)]
    pub verdict: Verdict,
}

/// Trace one comment through the rules in force or a candidate file.
#[utoipa::path(
    post,
    path = "/api/v1/admin/rules/test",
    tag = "admin",
    request_body = RulesTestRequest,
    responses(
        (status = 200, description = "The full trace", body = RulesTestResponse),
        (status = 422, description = "The candidate file is invalid", body = ErrorBody),
    )
)]
pub async fn test_rules(
    state: web::Data<AppState>,
    _admin: Admin,
    RulesJsonBody(request): RulesJsonBody<RulesTestRequest>,
) -> Result<HttpResponse, ApiError> {
    let source = request.source;
    let comment = request.comment;
    let state = state.into_inner();
    let response = web::block(move || {
        let set = rule_set(&state, source.as_deref())?;
        let model = state.learning.snapshot();
        let input = CommentInput::sample(
            &comment.body,
            comment.author_name.as_deref().unwrap_or(""),
            comment.author_email.as_deref(),
            comment.first_comment,
        );
        // The learned rule scores with the model moderators have taught so far.
        let verdict = set.evaluate_with(&input, Some(&model));
        Ok::<_, ApiError>(RulesTestResponse {
            status: CommentStatus::from(verdict.decision),
            normalized_body: normalize(&comment.body).text().to_string(),
            verdict,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(response))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BacktestRequest {
    /// The candidate rules file, compared with the rules in force; omit to replay the rules in
    /// force alone (nothing changes; the agreement with moderators remains).
    pub source: Option<String>,
    /// Only comments created since (RFC 3339).
    pub since: Option<String>,
    /// At most this many comments (default 10,000; at most 100,000).
    pub limit: Option<u64>,
}

/// Replay stored comments through a candidate rules file and the rules in force.
#[utoipa::path(
    post,
    path = "/api/v1/admin/rules/backtest",
    tag = "admin",
    request_body = BacktestRequest,
    responses(
        (status = 200, description = "What would change (with the changed comments' ids), and agreement with moderators", body = Object),
        (status = 400, description = "Invalid since or limit", body = ErrorBody),
        (status = 422, description = "The candidate file is invalid", body = ErrorBody),
    )
)]
pub async fn backtest_rules(
    state: web::Data<AppState>,
    _admin: Admin,
    RulesJsonBody(request): RulesJsonBody<BacktestRequest>,
) -> Result<HttpResponse, ApiError> {
    let since = request
        .since
        .as_deref()
        .map(|t| {
            timestamps::parse_rfc3339(t).ok_or_else(|| {
                ApiError::validation(Some("since".into()), "since must be an RFC 3339 time")
            })
        })
        .transpose()?;
    let limit = request.limit.unwrap_or(10_000);
    if !(1..=100_000).contains(&limit) {
        return Err(ApiError::validation(
            Some("limit".into()),
            "limit must be between 1 and 100000",
        ));
    }
    let source = request.source;
    let state = state.into_inner();
    let report: BacktestReport = web::block(move || {
        let live = state.policy.current().rules.clone();
        let candidate = rule_set(&state, source.as_deref())?;
        let options = BacktestOptions {
            since,
            limit: Some(limit),
            model: Some(state.learning.snapshot()),
        };
        let report = backtest::backtest(&state.pool, &live, &candidate, &options, |_, _| {})?;
        Ok::<_, ApiError>(report)
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}
