//! Who may call a route: the `Access` level each route declares in the route table, the
//! middleware that enforces it from the bearer token before anything else runs (401 without a
//! live session, 403 without the role), and the extractors that hand handlers the principal the
//! middleware found.

use super::error::ApiError;
use super::AppState;
use crate::auth::{sessions, AuthError, Principal, Role};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};

/// The least privilege a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Moderator,
    Admin,
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Authenticates the bearer token and checks its role (one session look-up).
fn authenticate(
    req: &HttpRequest,
    needed: Role,
) -> LocalBoxFuture<'static, Result<Principal, ApiError>> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = bearer(req);
    Box::pin(async move {
        let state = state.ok_or_else(|| ApiError::internal(&"application state missing"))?;
        let token = token.ok_or(AuthError::Unauthenticated)?;
        let pool = state.pool.clone();
        let policy = state.session_policy;
        let now = crate::timestamps::now();
        let principal =
            web::block(move || sessions::authenticate(&pool, &token, policy, now)).await??;
        if !principal.role.allows(needed) {
            return Err(AuthError::Forbidden {
                needed: needed.as_str(),
            }
            .into());
        }
        Ok(principal)
    })
}

impl Access {
    /// The role the route needs; `None` for public routes.
    pub fn role(self) -> Option<Role> {
        match self {
            Access::Public => None,
            Access::Moderator => Some(Role::Moderator),
            Access::Admin => Some(Role::Admin),
        }
    }
}

/// Middleware for one resource: authenticates and authorizes by the route's declared access
/// before the handler parses anything, so a caller without the right learns nothing about the
/// request's validity. `by_method` lists the access of each method the resource serves.
pub async fn enforce(
    by_method: std::rc::Rc<Vec<(actix_web::http::Method, Access)>>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let needed = by_method
        .iter()
        .find(|(method, _)| method == req.method())
        .and_then(|(_, access)| access.role());
    if let Some(needed) = needed {
        let principal = authenticate(req.request(), needed).await?;
        req.extensions_mut().insert(principal);
    }
    // After access, so a caller without the right learns nothing about the request.
    super::nul::check_request(req.request())?;
    next.call(req).await
}

/// The principal the middleware stored for this request, if it has `needed`. A handler that
/// asks for one on a route declared public is a programming error, answered as ours.
fn stored_principal(req: &HttpRequest, needed: Role) -> Result<Principal, ApiError> {
    let principal = req
        .extensions()
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| {
            ApiError::internal(&format!(
                "{} {} needs a signed-in user but its route is declared public",
                req.method(),
                req.path()
            ))
        })?;
    if !principal.role.allows(needed) {
        return Err(AuthError::Forbidden {
            needed: needed.as_str(),
        }
        .into());
    }
    Ok(principal)
}

/// A signed-in moderator or admin, as the route's access check found them.
pub struct Moderator(pub Principal);

impl FromRequest for Moderator {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(stored_principal(req, Role::Moderator).map(Moderator))
    }
}

/// A signed-in admin, as the route's access check found them.
pub struct Admin(pub Principal);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(stored_principal(req, Role::Admin).map(Admin))
    }
}
