//! Admins manage moderator and admin accounts.

use super::access::Admin;
use super::error::{ApiError, ErrorBody};
use super::json::JsonBody;
use super::AppState;
use crate::auth::accounts::{self, UserSummary};
use crate::auth::{password, Role};
use crate::timestamps;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub role: &'static str,
    pub disabled: bool,
    pub created_at: String,
}

impl From<UserSummary> for UserView {
    fn from(user: UserSummary) -> Self {
        UserView {
            id: user.id,
            username: user.username,
            role: user.role.as_str(),
            disabled: user.disabled,
            created_at: timestamps::rfc3339(user.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub username: String,
    /// 12-1024 characters.
    pub password: String,
    /// `moderator` or `admin`.
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub role: Option<String>,
    /// Disabling ends the account's sessions at once.
    pub disabled: Option<bool>,
    /// A new password; ends the account's sessions.
    pub password: Option<String>,
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text)
        .ok_or_else(|| ApiError::validation(Some("role".into()), "role must be moderator or admin"))
}

async fn hash_password(state: &AppState, password: String) -> Result<String, ApiError> {
    password::check_policy(&password)?;
    Ok(state
        .hashing
        .run(move || password::hash(&password))
        .await??)
}

/// List accounts.
#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    tag = "admin",
    responses((status = 200, description = "All accounts", body = UserList))
)]
pub async fn list(state: web::Data<AppState>, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let users = web::block(move || accounts::list(&pool)).await??;
    Ok(HttpResponse::Ok().json(UserList {
        users: users.into_iter().map(UserView::from).collect(),
    }))
}

/// Create an account.
#[utoipa::path(
    post,
    path = "/api/v1/admin/users",
    tag = "admin",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 400, description = "Invalid username, password or role", body = ErrorBody),
        (status = 409, description = "Username taken", body = ErrorBody),
    )
)]
pub async fn create(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    JsonBody(request): JsonBody<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let role = parse_role(&request.role)?;
    accounts::normalize_username(&request.username)?;
    let hash = hash_password(&state, request.password).await?;
    let pool = state.pool.clone();
    let user = web::block(move || {
        accounts::create(
            &pool,
            &request.username,
            hash,
            role,
            &admin.username,
            timestamps::now(),
        )
    })
    .await??;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// Change an account's role, disable or re-enable it, or set a new password.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/users/{username}",
    tag = "admin",
    params(("username" = String, Path, description = "The account")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated", body = UserView),
        (status = 400, description = "Invalid role or password", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
pub async fn update(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    username: web::Path<String>,
    JsonBody(request): JsonBody<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let role = request.role.as_deref().map(parse_role).transpose()?;
    let hash = match request.password {
        Some(password) => Some(hash_password(&state, password).await?),
        None => None,
    };
    let pool = state.pool.clone();
    let username = username.into_inner();
    let disabled = request.disabled;
    let user = web::block(move || {
        let now = timestamps::now();
        if let Some(hash) = &hash {
            accounts::set_password(&pool, &username, hash, &admin.username, now)?;
        }
        accounts::update(&pool, &username, role, disabled, &admin.username, now)
    })
    .await??;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}
