//! The moderation layer's error type.

use crate::storage::StorageError;

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
        code: &'static str,
        field: Option<&'static str>,
        message: String,
    },
    /// The change collides with one already made (HTTP 409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
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
