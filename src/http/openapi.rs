//! The OpenAPI 3 document, generated from the handlers' annotations.

use super::access::Access;
use super::{
    admin_rules, admin_rules_check, article_counts, article_urls, articles, audit_log, bans,
    comments, error, flags, health, metrics, moderation_articles, moderation_bulk,
    moderation_decisions, moderation_queue, moderation_rules, reader_edits, session_routes, users,
    webhooks,
};
use actix_web::http::Method;
use actix_web::HttpResponse;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse", description = "Comment moderation for news sites"),
    paths(
        comments::submit,
        comments::list,
        article_counts::counts,
        article_urls::resolve,
        article_urls::export_article,
        articles::article,
        flags::flag,
        reader_edits::edit,
        reader_edits::delete,
        health::healthz,
        health::readyz,
        metrics::metrics,
        openapi_json,
        session_routes::login,
        session_routes::logout,
        moderation_queue::queue,
        moderation_decisions::approve,
        moderation_decisions::reject,
        moderation_bulk::bulk,
        moderation_articles::list,
        moderation_articles::get,
        moderation_articles::put,
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
        webhooks::deliveries,
        webhooks::send_test,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth, &AccessFromRouteTable)
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

/// Marks every route the route table declares non-public as needing the bearer scheme, with
/// the 401 (and, for admin routes, 403) it can answer: access is declared once, in the table.
struct AccessFromRouteTable;

fn operation<'a>(item: &'a mut PathItem, method: &Method) -> Option<&'a mut Operation> {
    match *method {
        Method::GET => item.get.as_mut(),
        Method::POST => item.post.as_mut(),
        Method::PUT => item.put.as_mut(),
        Method::PATCH => item.patch.as_mut(),
        Method::DELETE => item.delete.as_mut(),
        _ => None,
    }
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

impl Modify for AccessFromRouteTable {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for route in super::route_table() {
            if route.access == Access::Public {
                continue;
            }
            let Some(item) = openapi.paths.paths.get_mut(route.path) else {
                continue;
            };
            let Some(op) = operation(item, &route.method) else {
                continue;
            };
            op.security = Some(vec![SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            )]);
            let responses = &mut op.responses.responses;
            responses
                .entry("401".into())
                .or_insert_with(|| error_response("No live session: sign in").into());
            if route.access == Access::Admin {
                responses
                    .entry("403".into())
                    .or_insert_with(|| error_response("Signed in, but not as an admin").into());
            }
        }
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
    HttpResponse::Ok().json(document())
}

/// The document as served: generated from the handlers, with the constraints the server
/// enforces written in (`openapi_constraints`).
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    super::openapi_constraints::apply(&mut doc);
    doc
}
