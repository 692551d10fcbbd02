//! The OpenAPI 3 document, generated from the handlers' annotations.

use super::{comments, error, health};
use actix_web::HttpResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse", description = "Comment moderation for news sites"),
    paths(comments::submit, comments::list, health::healthz, openapi_json),
    components(schemas(error::ErrorBody, error::ErrorDetail))
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json"))
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
