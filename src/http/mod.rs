//! The HTTP edge: routes, extractors, OpenAPI and error mapping. Thin: parse, call the domain,
//! map the result.

pub mod client;
pub mod comments;
pub mod error;
pub mod health;
pub mod json;
pub mod openapi;

use crate::ratelimit::CommentLimiters;
use crate::rules::RuleSet;
use crate::storage::Pool;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use arc_swap::ArcSwap;
use error::ApiError;
use std::sync::Arc;

/// Shared by every request.
pub struct AppState {
    pub pool: Pool,
    /// The live rules; swapped whole, so each request judges with exactly one version.
    pub rules: Arc<ArcSwap<RuleSet>>,
    pub limiters: Arc<CommentLimiters>,
}

/// Every route the app serves, as (method, path) pairs; the OpenAPI document and the route
/// tests are checked against this list.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/articles/{article_id}/comments"),
    ("GET", "/api/v1/articles/{article_id}/comments"),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/healthz")
            .route(web::get().to(health::healthz))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::scope("/api/v1")
            .service(
                web::resource("/openapi.json")
                    .route(web::get().to(openapi::openapi_json))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/articles/{article_id}/comments")
                    .route(web::post().to(comments::submit))
                    .route(web::get().to(comments::list))
                    .default_service(web::to(method_not_allowed)),
            ),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| {
        ApiError::validation(None, format!("invalid query string: {err}")).into()
    }))
    .app_data(
        web::PathConfig::default().error_handler(|err, _| {
            ApiError::validation(None, format!("invalid path: {err}")).into()
        }),
    )
    .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::not_found(format!("no route for {} {}", req.method(), req.path())).error_response()
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", req.method(), req.path()),
    )
    .error_response()
}
