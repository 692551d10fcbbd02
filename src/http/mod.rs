//! The HTTP edge: routes, extractors, OpenAPI and error mapping. Thin: parse, call the domain,
//! map the result.

pub mod access;
pub mod admin_rules;
pub mod admin_rules_check;
pub mod article_counts;
pub mod article_urls;
pub mod articles;
pub mod assets;
pub mod audit_log;
pub mod bans;
pub mod client;
pub mod comments;
pub mod connections;
pub mod cors;
pub mod error;
pub mod error_code;
pub mod flags;
pub mod health;
pub mod json;
pub mod metrics;
pub mod moderation_articles;
pub mod moderation_bulk;
pub mod moderation_decisions;
pub mod moderation_queue;
pub mod moderation_rules;
pub mod nul;
pub mod openapi;
pub mod openapi_constraints;
pub mod pages;
pub mod protocol_refusals;
pub mod query_params;
pub mod reader_edits;
pub mod request_span;
pub mod server;
pub mod session_routes;
pub mod users;
pub mod webhooks;

use crate::auth::password::HashingPool;
use crate::auth::sessions::SessionPolicy;
use crate::moderation::{Database, Intake, LiveModel};
use crate::policy::PolicyHandle;
use crate::ratelimit::{LoginThrottle, RateLimits};
use access::Access;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use error::ApiError;
use error_code::ErrorCode;
use std::sync::Arc;

/// Shared by every request.
pub struct AppState {
    pub pool: Database,
    /// New comments: judged in parallel, stored in batches by one writer.
    pub intake: Intake,
    /// The learned rule's model, shared with the intake; decisions teach it.
    pub learning: Arc<LiveModel>,
    /// The policy file in force; swapped whole, so each request judges with exactly one
    /// version.
    pub policy: Arc<PolicyHandle>,
    /// Rate limits: this instance's, or shared by all through Redis.
    pub limits: Arc<RateLimits>,
    pub session_policy: SessionPolicy,
    pub login_throttle: LoginThrottle,
    pub hashing: HashingPool,
}

/// One route: method, path, the least privilege it needs, and how it is attached.
pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// Attaches the handler for a method (the route's own, and HEAD beside GET).
    attach: fn(actix_web::Resource, Method) -> actix_web::Resource,
}

macro_rules! route {
    ($method:ident, $path:literal, $access:ident, $handler:path) => {
        RouteDef {
            method: Method::$method,
            path: $path,
            access: Access::$access,
            attach: |resource, method| resource.route(web::method(method).to($handler)),
        }
    };
}

/// Every route the app serves. `routes` registers exactly these, and the OpenAPI and
/// authorization tests are checked against this list.
pub fn route_table() -> Vec<RouteDef> {
    vec![
        route!(GET, "/healthz", Public, health::healthz),
        route!(GET, "/readyz", Public, health::readyz),
        route!(GET, "/metrics", Public, metrics::metrics),
        route!(GET, "/api/v1/openapi.json", Public, openapi::openapi_json),
        route!(
            POST,
            "/api/v1/articles/{article_id}/comments",
            Public,
            comments::submit
        ),
        route!(
            GET,
            "/api/v1/articles/{article_id}/comments",
            Public,
            comments::list
        ),
        route!(
            GET,
            "/api/v1/articles/counts",
            Public,
            article_counts::counts
        ),
        route!(
            GET,
            "/api/v1/articles/resolve",
            Public,
            article_urls::resolve
        ),
        // After `counts` and `resolve`: a path matches the first resource registered for it.
        route!(
            GET,
            "/api/v1/articles/{article_id}",
            Public,
            articles::article
        ),
        route!(POST, "/api/v1/comments/{id}/flags", Public, flags::flag),
        route!(PATCH, "/api/v1/comments/{id}", Public, reader_edits::edit),
        route!(
            DELETE,
            "/api/v1/comments/{id}",
            Public,
            reader_edits::delete
        ),
        route!(POST, "/api/v1/auth/login", Public, session_routes::login),
        route!(
            POST,
            "/api/v1/auth/logout",
            Moderator,
            session_routes::logout
        ),
        route!(
            GET,
            "/api/v1/moderation/queue",
            Moderator,
            moderation_queue::queue
        ),
        route!(
            POST,
            "/api/v1/moderation/comments/{id}/approve",
            Moderator,
            moderation_decisions::approve
        ),
        route!(
            POST,
            "/api/v1/moderation/comments/{id}/reject",
            Moderator,
            moderation_decisions::reject
        ),
        route!(
            POST,
            "/api/v1/moderation/bulk",
            Moderator,
            moderation_bulk::bulk
        ),
        route!(
            GET,
            "/api/v1/moderation/articles",
            Moderator,
            moderation_articles::list
        ),
        route!(
            GET,
            "/api/v1/moderation/articles/{article_id}",
            Moderator,
            moderation_articles::get
        ),
        route!(
            PUT,
            "/api/v1/moderation/articles/{article_id}",
            Moderator,
            moderation_articles::put
        ),
        route!(GET, "/api/v1/moderation/log", Moderator, audit_log::log),
        route!(
            GET,
            "/api/v1/moderation/articles/{article_id}/export",
            Moderator,
            article_urls::export_article
        ),
        route!(
            GET,
            "/api/v1/moderation/rules",
            Moderator,
            moderation_rules::summary
        ),
        route!(GET, "/api/v1/moderation/bans", Moderator, bans::list),
        route!(POST, "/api/v1/moderation/bans", Moderator, bans::create),
        route!(
            DELETE,
            "/api/v1/moderation/bans/{id}",
            Moderator,
            bans::lift
        ),
        route!(
            GET,
            "/api/v1/moderation/webhooks/deliveries",
            Moderator,
            webhooks::deliveries
        ),
        route!(
            POST,
            "/api/v1/admin/webhooks/test",
            Admin,
            webhooks::send_test
        ),
        route!(GET, "/api/v1/admin/users", Admin, users::list),
        route!(POST, "/api/v1/admin/users", Admin, users::create),
        route!(
            PATCH,
            "/api/v1/admin/users/{username}",
            Admin,
            users::update
        ),
        route!(GET, "/api/v1/admin/rules", Admin, admin_rules::get_rules),
        route!(PUT, "/api/v1/admin/rules", Admin, admin_rules::put_rules),
        route!(
            POST,
            "/api/v1/admin/rules/test",
            Admin,
            admin_rules::test_rules
        ),
        route!(
            POST,
            "/api/v1/admin/rules/backtest",
            Admin,
            admin_rules::backtest_rules
        ),
        route!(
            POST,
            "/api/v1/admin/rules/check",
            Admin,
            admin_rules_check::check_rules
        ),
    ]
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    let table = route_table();
    let mut seen = std::collections::HashSet::new();
    let paths: Vec<&'static str> = table
        .iter()
        .map(|r| r.path)
        .filter(|p| seen.insert(*p))
        .collect();
    for path in paths {
        let routes: Vec<&RouteDef> = table.iter().filter(|r| r.path == path).collect();
        // Every GET also answers HEAD: the same handler, headers only (actix drops the body).
        let methods: Vec<(&RouteDef, Method)> = routes
            .iter()
            .flat_map(|r| {
                let head = (r.method == Method::GET).then_some((*r, Method::HEAD));
                std::iter::once((*r, r.method.clone())).chain(head)
            })
            .collect();
        let by_method = std::rc::Rc::new(
            methods
                .iter()
                .map(|(r, method)| (method.clone(), r.access))
                .collect::<Vec<_>>(),
        );
        let allow: String = methods
            .iter()
            .map(|(_, method)| method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let resource = methods
            .iter()
            .fold(web::resource(path), |resource, (route, method)| {
                (route.attach)(resource, method.clone())
            })
            .default_service(web::to(move |req: HttpRequest| {
                method_not_allowed(req, allow.clone())
            }))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                request_span::record_route(&req, path);
                access::enforce(by_method.clone(), req, next)
            }));
        cfg.service(resource);
    }
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _| {
        ApiError::validation(None, format!("invalid query string: {err}")).into()
    }))
    .app_data(
        web::PathConfig::default().error_handler(|err, _| {
            ApiError::validation(None, format!("invalid path: {err}")).into()
        }),
    )
    .configure(pages::routes)
    .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::not_found(format!("no route for {} {}", req.method(), req.path())).error_response()
}

/// 405 with the `Allow` header RFC 9110 requires, listing the methods the route serves.
async fn method_not_allowed(req: HttpRequest, allow: String) -> HttpResponse {
    let mut response = ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "{} is not allowed on {}; use {allow}",
            req.method(),
            req.path()
        ),
    )
    .error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
}
