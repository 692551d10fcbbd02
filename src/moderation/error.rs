//! The moderation layer's error type.

use crate::storage::StorageError;
use time::PrimitiveDateTime;

/// Why a moderation operation did not happen. `Invalid` and `Unprocessable` carry a message a
/// reader can act on; `Storage` is logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    /// A field is malformed (HTTP 400).
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Something the request names does not exist (HTTP 404).
    #[error("{what} not found")]
    NotFound {
        what: &'static str,
        field: Option<&'static str>,
    },
    /// Well-formed but not acceptable in context (HTTP 422).
    #[error("{message}")]
    Unprocessable {
        reason: Unacceptable,
        field: Option<&'static str>,
        message: String,
    },
    /// Another moderator decided first (HTTP 409); the message says who and when.
    #[error("{message}")]
    AlreadyDecided {
        message: String,
        conflict: StatusConflict,
    },
    /// The comment's status is not the one the decision expected (HTTP 409): who set it, when.
    #[error("{message}")]
    StatusChanged {
        message: String,
        conflict: StatusConflict,
    },
    /// The edit token does not match this comment (HTTP 403).
    #[error("{message}")]
    EditForbidden { message: String },
    /// The edit window has passed, or the comment was deleted (HTTP 410).
    #[error("{message}")]
    EditWindowClosed { message: String },
    /// The article's comments are closed (by a moderator or its closing time): nothing stored.
    #[error("comments on this article are closed")]
    ArticleClosed,
    /// The idempotency key already named another request.
    #[error("this Idempotency-Key was already used for a different comment")]
    IdempotencyKeyReused,
    /// More comments are waiting to be stored than the writer takes: retry shortly.
    #[error("too many comments are waiting to be stored")]
    Overloaded,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The status a comment has instead of the one a change expected, who set it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusConflict {
    pub status: String,
    /// A moderator's username, `reader` (an edit judged again) or `rules` (as submitted).
    pub changed_by: String,
    pub changed_at: PrimitiveDateTime,
}

/// Why a well-formed submission cannot be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unacceptable {
    EmptyBody,
    ParentOnOtherArticle,
    ParentNotPublished,
    ThreadTooDeep,
}

impl ModerationError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ModerationError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl From<diesel::result::Error> for ModerationError {
    fn from(err: diesel::result::Error) -> Self {
        ModerationError::Storage(StorageError::Query(err))
    }
}
