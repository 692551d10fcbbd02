//! The HTTP edge: routes, extractors, OpenAPI and error mapping. Thin: parse, call the domain,
//! map the result.

pub mod access;
pub mod admin_rules;
pub mod admin_rules_check;
pub mod assets;
pub mod audit_log;
pub mod bans;
pub mod client;
pub mod comments;
pub mod cors;
pub mod error;
pub mod error_code;
pub mod flags;
pub mod health;
pub mod json;
pub mod moderation;
pub mod moderation_rules;
pub mod openapi;
pub mod pages;
pub mod request_span;
pub mod session_routes;
pub mod users;

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
    attach: fn(actix_web::Resource) -> actix_web::Resource,
}

macro_rules! route {
    ($method:ident, $path:literal, $access:ident, $handler:path) => {
        RouteDef {
            method: Method::$method,
            path: $path,
            access: Access::$access,
            attach: |resource| resource.route(web::method(Method::$method).to($handler)),
        }
    };
}

/// Every route the app serves. `routes` registers exactly these, and the OpenAPI and
/// authorization tests are checked against this list.
pub fn route_table() -> Vec<RouteDef> {
    vec![
        route!(GET, "/healthz", Public, health::healthz),
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
        route!(POST, "/api/v1/comments/{id}/flags", Public, flags::flag),
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
            moderation::queue
        ),
        route!(
            POST,
            "/api/v1/moderation/comments/{id}/approve",
            Moderator,
            moderation::approve
        ),
        route!(
            POST,
            "/api/v1/moderation/comments/{id}/reject",
            Moderator,
            moderation::reject
        ),
        route!(POST, "/api/v1/moderation/bulk", Moderator, moderation::bulk),
        route!(GET, "/api/v1/moderation/log", Moderator, audit_log::log),
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
        let by_method = std::rc::Rc::new(
            routes
                .iter()
                .map(|r| (r.method.clone(), r.access))
                .collect::<Vec<_>>(),
        );
        let resource = routes
            .iter()
            .fold(web::resource(path), |resource, route| {
                (route.attach)(resource)
            })
            .default_service(web::to(method_not_allowed))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                request_span::record_route(path);
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

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{} is not allowed on {}", req.method(), req.path()),
    )
    .error_response()
}
