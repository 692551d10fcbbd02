//! The stable error codes of the API, each with its HTTP status: the one list clients, the
//! README's error table and the OpenAPI document are checked against.

use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// Machine-readable reason for a refused request. Never renamed once published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is not valid HTTP/1.1 (refused before it reaches a route).
    MalformedRequest,
    /// The body is not JSON (syntax, invalid UTF-8, too deeply nested, empty).
    MalformedJson,
    /// A field is missing, of the wrong type, unknown, or invalid.
    ValidationFailed,
    /// Unknown route, or something the request names does not exist.
    NotFound,
    /// Wrong method for a known route.
    MethodNotAllowed,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// The request (its head or its body) did not arrive in time.
    RequestTimeout,
    /// The request's URL is too long.
    UriTooLong,
    /// The request's head is too large (over 128 KiB, or more than 96 headers).
    HeadersTooLarge,
    /// A cross-origin request from an origin, or with a method or header, not allowed.
    CorsRejected,
    /// The body is not `Content-Type: application/json`.
    UnsupportedMediaType,
    /// The comment is empty after trimming.
    EmptyBody,
    /// A reply names a parent on another article.
    ParentOnOtherArticle,
    /// A reply names a parent that is not published.
    ParentNotPublished,
    /// A reply would nest deeper than threads may.
    ThreadTooDeep,
    /// An `Idempotency-Key` already used for a different comment.
    IdempotencyKeyReused,
    /// The article's comments are closed; its thread stays readable.
    ArticleClosed,
    /// Too many requests; `Retry-After` says how long to wait.
    RateLimited,
    /// No live session.
    Unauthorized,
    /// Wrong username or password (the same answer for both).
    InvalidCredentials,
    /// Signed in, but the route needs another role.
    Forbidden,
    /// Another moderator decided first (the decision sent no `expected_status`).
    AlreadyDecided,
    /// The comment's status is not the one the change expected; says who set it and when.
    StatusChanged,
    /// The edit token is missing, wrong, or the comment can no longer be edited by its reader.
    EditForbidden,
    /// The comment's edit window has passed (or the comment was deleted).
    EditWindowClosed,
    /// The username is taken.
    UsernameTaken,
    /// A concurrent request made the same change.
    Conflict,
    /// The change would leave no active admin.
    LastAdmin,
    /// The rules changed since the version in `If-Match`.
    StaleVersion,
    /// A rules edit that does not validate or whose examples fail.
    InvalidRules,
    /// A rules edit without `If-Match`.
    PreconditionRequired,
    /// The database is unreachable or busy.
    ServiceUnavailable,
    /// Our fault; the log has the detail.
    InternalError,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 33] = [
        ErrorCode::MalformedRequest,
        ErrorCode::MalformedJson,
        ErrorCode::ValidationFailed,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RequestTimeout,
        ErrorCode::UriTooLong,
        ErrorCode::HeadersTooLarge,
        ErrorCode::CorsRejected,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::EmptyBody,
        ErrorCode::ParentOnOtherArticle,
        ErrorCode::ParentNotPublished,
        ErrorCode::ThreadTooDeep,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::ArticleClosed,
        ErrorCode::RateLimited,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidCredentials,
        ErrorCode::Forbidden,
        ErrorCode::AlreadyDecided,
        ErrorCode::StatusChanged,
        ErrorCode::EditForbidden,
        ErrorCode::EditWindowClosed,
        ErrorCode::UsernameTaken,
        ErrorCode::Conflict,
        ErrorCode::LastAdmin,
        ErrorCode::StaleVersion,
        ErrorCode::InvalidRules,
        ErrorCode::PreconditionRequired,
        ErrorCode::ServiceUnavailable,
        ErrorCode::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedRequest => "malformed_request",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::UriTooLong => "uri_too_long",
            ErrorCode::HeadersTooLarge => "headers_too_large",
            ErrorCode::CorsRejected => "cors_rejected",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::EmptyBody => "empty_body",
            ErrorCode::ParentOnOtherArticle => "parent_on_other_article",
            ErrorCode::ParentNotPublished => "parent_not_published",
            ErrorCode::ThreadTooDeep => "thread_too_deep",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::ArticleClosed => "article_closed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::AlreadyDecided => "already_decided",
            ErrorCode::StatusChanged => "status_changed",
            ErrorCode::EditForbidden => "edit_forbidden",
            ErrorCode::EditWindowClosed => "edit_window_closed",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::Conflict => "conflict",
            ErrorCode::LastAdmin => "last_admin",
            ErrorCode::StaleVersion => "stale_version",
            ErrorCode::InvalidRules => "invalid_rules",
            ErrorCode::PreconditionRequired => "precondition_required",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::InternalError => "internal_error",
        }
    }

    /// The status every response with this code has.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::MalformedRequest
            | ErrorCode::MalformedJson
            | ErrorCode::ValidationFailed
            | ErrorCode::CorsRejected => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::EditForbidden => StatusCode::FORBIDDEN,
            ErrorCode::EditWindowClosed => StatusCode::GONE,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::AlreadyDecided
            | ErrorCode::StatusChanged
            | ErrorCode::UsernameTaken
            | ErrorCode::Conflict
            | ErrorCode::LastAdmin
            | ErrorCode::ArticleClosed => StatusCode::CONFLICT,
            ErrorCode::StaleVersion => StatusCode::PRECONDITION_FAILED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::UriTooLong => StatusCode::URI_TOO_LONG,
            ErrorCode::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::EmptyBody
            | ErrorCode::ParentOnOtherArticle
            | ErrorCode::ParentNotPublished
            | ErrorCode::ThreadTooDeep
            | ErrorCode::IdempotencyKeyReused
            | ErrorCode::InvalidRules => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_and_serializes_as_its_name() {
        let names: std::collections::HashSet<&str> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
        }
    }
}
