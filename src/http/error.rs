//! The HTTP error body and the mapping from every layer's errors to a status and a stable code.
//!
//! Policy: 4xx bodies tell the client what to fix (`code`, `message`, `field`); 5xx bodies say
//! only that it is our fault, and the log carries the detail.

use crate::auth::AuthError;
use crate::moderation::ModerationError;
use crate::ratelimit::RateLimited;
use crate::storage::StorageError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// `{"error": {...}}`, the shape of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `malformed_json`, `validation_failed`, `payload_too_large`,
    /// `unsupported_media_type`, `not_found`, `method_not_allowed`, `empty_body`,
    /// `parent_on_other_article`, `parent_not_published`, `thread_too_deep`, `rate_limited`,
    /// `unauthorized`, `invalid_credentials`, `forbidden`, `already_decided`, `username_taken`,
    /// `conflict`,
    /// `service_unavailable`, `internal_error`.
    pub code: &'static str,
    /// A sentence a person can act on.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
    retry_after: Option<u64>,
    www_authenticate: bool,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            www_authenticate: false,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn validation(field: Option<String>, message: impl Into<String>) -> Self {
        ApiError {
            field,
            ..ApiError::new(StatusCode::BAD_REQUEST, "validation_failed", message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Logs the detail and returns a body that reveals none of it.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side; please try again later",
        )
    }

    fn unavailable(detail: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %detail, "database unavailable");
        ApiError {
            retry_after: Some(5),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "the service is busy; please try again in a few seconds",
            )
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.www_authenticate {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                field: self.field.clone(),
            },
        })
    }
}

impl From<RateLimited> for ApiError {
    fn from(limited: RateLimited) -> Self {
        let secs = limited.retry_after_secs();
        tracing::info!(
            scope = limited.scope.as_str(),
            retry_after = secs,
            "rate limited"
        );
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many comments; please wait {secs} seconds and try again"),
            )
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Pool(_) | StorageError::Connect(_) => ApiError::unavailable(&err),
            StorageError::Duplicate(_) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "a concurrent request made the same change; reload and retry",
            ),
            other => ApiError::internal(&other),
        }
    }
}

impl From<ModerationError> for ApiError {
    fn from(err: ModerationError) -> Self {
        match err {
            ModerationError::Invalid { field, message } => {
                ApiError::validation(Some(field.to_string()), message)
            }
            ModerationError::NotFound { what, field } => ApiError {
                field: field.map(str::to_string),
                ..ApiError::not_found(format!("{what} not found"))
            },
            ModerationError::Unprocessable {
                code,
                field,
                message,
            } => ApiError {
                field: field.map(str::to_string),
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            },
            ModerationError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            ModerationError::Storage(err) => err.into(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "invalid username or password",
            ),
            AuthError::Throttled { retry_after } => {
                let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                ApiError {
                    retry_after: Some(secs.max(1)),
                    ..ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate_limited",
                        format!(
                            "too many failed logins; try again in {} seconds",
                            secs.max(1)
                        ),
                    )
                }
            }
            AuthError::Unauthenticated => ApiError {
                www_authenticate: true,
                ..ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "sign in: send a valid session token as Authorization: Bearer <token>",
                )
            },
            AuthError::Forbidden { needed } => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this needs the {needed} role"),
            ),
            AuthError::InvalidPassword(message) => {
                ApiError::validation(Some("password".into()), message)
            }
            AuthError::InvalidUsername(message) => {
                ApiError::validation(Some("username".into()), message)
            }
            AuthError::UsernameTaken(name) => ApiError::new(
                StatusCode::CONFLICT,
                "username_taken",
                format!("username {name:?} is taken"),
            ),
            AuthError::UnknownUser(_) => ApiError::not_found("no such user"),
            AuthError::Hashing(detail) => ApiError::internal(&detail),
            AuthError::Storage(err) => err.into(),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::internal(&err)
    }
}
