//! The OpenAPI 3 document, generated from the handlers' annotations.

use super::{
    admin_rules, admin_rules_check, audit_log, bans, comments, error, flags, health, moderation,
    moderation_rules, session_routes, users,
};
use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse", description = "Comment moderation for news sites"),
    paths(
        comments::submit,
        comments::list,
        flags::flag,
        health::healthz,
        openapi_json,
        session_routes::login,
        session_routes::logout,
        moderation::queue,
        moderation::approve,
        moderation::reject,
        moderation::bulk,
        audit_log::log,
        moderation_rules::summary,
        bans::list,
        bans::create,
        bans::lift,
        users::list,
        users::create,
        users::update,
        admin_rules::get_rules,
        admin_rules::put_rules,
        admin_rules::test_rules,
        admin_rules::backtest_rules,
        admin_rules_check::check_rules,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the moderator and admin routes name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

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
