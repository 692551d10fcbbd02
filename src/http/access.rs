//! Who may call a route: the `Access` level each route declares, and the extractors that
//! enforce it from the bearer token (401 without a live session, 403 without the role).

use super::error::ApiError;
use super::AppState;
use crate::auth::{sessions, AuthError, Principal, Role};
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

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

fn principal(
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
        let now = crate::clock::now();
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

/// A signed-in moderator or admin.
pub struct Moderator(pub Principal);

impl FromRequest for Moderator {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let fut = principal(req, Role::Moderator);
        Box::pin(async move { fut.await.map(Moderator) })
    }
}

/// A signed-in admin.
pub struct Admin(pub Principal);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let fut = principal(req, Role::Admin);
        Box::pin(async move { fut.await.map(Admin) })
    }
}
