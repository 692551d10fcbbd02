//! The HTTP error body and the mapping from every layer's errors to a stable `ErrorCode` (which
//! fixes the status).
//!
//! Policy: 4xx bodies tell the client what to fix (`code`, `message`, `field`); 5xx bodies say
//! only that it is our fault, and the log carries the detail.

use super::error_code::ErrorCode;
use crate::auth::AuthError;
use crate::moderation::{DatabaseError, ModerationError, StatusConflict, Unacceptable};
use crate::ratelimit::RateLimited;
use crate::rules::RulesError;
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
    /// Stable and machine-readable; the status follows from it.
    pub code: ErrorCode,
    /// A sentence a person can act on.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `already_decided` and `status_changed`: the comment's status now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
    /// With `already_decided` and `status_changed`: who set that status (a moderator's
    /// username, `reader` for an edit judged again, `rules` for the verdict at submission).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    /// With `already_decided` and `status_changed`: when (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    field: Option<String>,
    retry_after: Option<u64>,
    www_authenticate: bool,
    /// Boxed: rare, and it would make every error (and every `Result`) larger.
    conflict: Option<Box<StatusConflict>>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.code.status().as_u16(),
            self.code.as_str(),
            self.message
        )
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            www_authenticate: false,
            conflict: None,
        }
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    fn with_optional_field(mut self, field: Option<&str>) -> Self {
        self.field = field.map(str::to_string);
        self
    }

    pub fn validation(field: Option<String>, message: impl Into<String>) -> Self {
        ApiError {
            field,
            ..ApiError::new(ErrorCode::ValidationFailed, message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// Logs the detail and returns a body that reveals none of it.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "request failed");
        ApiError::new(
            ErrorCode::InternalError,
            "something went wrong on our side; please try again later",
        )
    }

    fn unavailable(detail: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %detail, "database unavailable");
        ApiError {
            retry_after: Some(5),
            ..ApiError::new(
                ErrorCode::ServiceUnavailable,
                "the service is busy; please try again in a few seconds",
            )
        }
    }

    /// A rules file (or an edit of one) that does not validate: where and why.
    pub fn invalid_rules(err: &RulesError) -> Self {
        ApiError::new(ErrorCode::InvalidRules, err.to_string())
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.code.status());
        if let Some(secs) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.www_authenticate {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if self.code == ErrorCode::RequestTimeout {
            // The rest of the body may still be on its way: this connection is done.
            response.force_close();
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                field: self.field.clone(),
                current_status: self.conflict.as_ref().map(|c| c.status.clone()),
                changed_by: self.conflict.as_ref().map(|c| c.changed_by.clone()),
                changed_at: self
                    .conflict
                    .as_ref()
                    .map(|c| crate::timestamps::rfc3339(c.changed_at)),
            },
        })
    }
}

impl From<RateLimited> for ApiError {
    fn from(limited: RateLimited) -> Self {
        let secs = limited.retry_after_secs();
        metrics::counter!(
            crate::telemetry::metrics::RATE_LIMITED,
            "action" => limited.action.as_str(),
            "scope" => limited.scope.as_str()
        )
        .increment(1);
        tracing::info!(
            action = limited.action.as_str(),
            scope = limited.scope.as_str(),
            retry_after = secs,
            "rate limited"
        );
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(ErrorCode::RateLimited, limited.action.refusal(secs))
        }
    }
}

impl From<DatabaseError> for ApiError {
    fn from(err: DatabaseError) -> Self {
        match err {
            err if err.is_transient() => ApiError::unavailable(&err),
            DatabaseError::Duplicate(_) => ApiError::new(
                ErrorCode::Conflict,
                "a concurrent request made the same change; reload and retry",
            ),
            other => ApiError::internal(&other),
        }
    }
}

impl From<Unacceptable> for ErrorCode {
    fn from(reason: Unacceptable) -> Self {
        match reason {
            Unacceptable::EmptyBody => ErrorCode::EmptyBody,
            Unacceptable::ParentOnOtherArticle => ErrorCode::ParentOnOtherArticle,
            Unacceptable::ParentNotPublished => ErrorCode::ParentNotPublished,
            Unacceptable::ThreadTooDeep => ErrorCode::ThreadTooDeep,
        }
    }
}

/// The field an edit-token refusal names: the request header that carries the token.
const EDIT_TOKEN_FIELD: &str = super::reader_edits::EDIT_TOKEN;

impl From<ModerationError> for ApiError {
    fn from(err: ModerationError) -> Self {
        match err {
            ModerationError::Invalid { field, message } => {
                ApiError::validation(Some(field.to_string()), message)
            }
            ModerationError::NotFound { what, field } => {
                ApiError::not_found(format!("{what} not found")).with_optional_field(field)
            }
            ModerationError::Unprocessable {
                reason,
                field,
                message,
            } => ApiError::new(reason.into(), message).with_optional_field(field),
            ModerationError::AlreadyDecided { message, conflict } => ApiError {
                conflict: Some(Box::new(conflict)),
                ..ApiError::new(ErrorCode::AlreadyDecided, message)
            },
            ModerationError::StatusChanged { message, conflict } => ApiError {
                conflict: Some(Box::new(conflict)),
                ..ApiError::new(ErrorCode::StatusChanged, message)
            },
            ModerationError::EditForbidden { message } => {
                ApiError::new(ErrorCode::EditForbidden, message).with_field(EDIT_TOKEN_FIELD)
            }
            ModerationError::EditWindowClosed { message } => {
                ApiError::new(ErrorCode::EditWindowClosed, message)
            }
            ModerationError::IdempotencyKeyReused => ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was already used for a different comment; use a new key",
            )
            .with_field("Idempotency-Key"),
            ModerationError::ArticleClosed => ApiError::new(
                ErrorCode::ArticleClosed,
                "Comments are closed on this article; its thread stays readable",
            ),
            ModerationError::Overloaded => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "too many comments are arriving at once; please try again in a second",
                )
            },
            ModerationError::Storage(err) => err.into(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::InvalidCredentials => ApiError::new(
                ErrorCode::InvalidCredentials,
                "invalid username or password",
            ),
            AuthError::Unauthenticated => ApiError {
                www_authenticate: true,
                ..ApiError::new(
                    ErrorCode::Unauthorized,
                    "sign in: send a valid session token as Authorization: Bearer <token>",
                )
            },
            AuthError::Forbidden { needed } => ApiError::new(
                ErrorCode::Forbidden,
                format!("this needs the {needed} role"),
            ),
            AuthError::InvalidPassword(message) => {
                ApiError::validation(Some("password".into()), message)
            }
            AuthError::InvalidUsername(message) => {
                ApiError::validation(Some("username".into()), message)
            }
            AuthError::UsernameTaken(name) => ApiError::new(
                ErrorCode::UsernameTaken,
                format!("username {name:?} is taken"),
            ),
            AuthError::LastAdmin(name) => ApiError::new(
                ErrorCode::LastAdmin,
                format!("{name:?} is the last active admin: make another account admin first"),
            ),
            AuthError::UnknownUser(_) => ApiError::not_found("no such user"),
            AuthError::Busy => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "too many sign-ins are being checked at once; please try again in a second",
                )
            },
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
