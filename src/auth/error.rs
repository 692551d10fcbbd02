//! The auth layer's error type.

use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown user, wrong password or disabled account: deliberately indistinguishable.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// No valid session: missing, malformed, expired or revoked token.
    #[error("authentication required")]
    Unauthenticated,
    /// Authenticated, but the role does not allow this.
    #[error("this needs the {needed} role")]
    Forbidden { needed: &'static str },
    #[error("{0}")]
    InvalidPassword(String),
    #[error("{0}")]
    InvalidUsername(String),
    #[error("username {0:?} is taken")]
    UsernameTaken(String),
    #[error("{0:?} is the last active admin: make another account admin first")]
    LastAdmin(String),
    #[error("no user {0:?}")]
    UnknownUser(String),
    /// Too many passwords are being checked at once; try again in a second.
    #[error("too many sign-ins at once")]
    Busy,
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for AuthError {
    fn from(err: diesel::result::Error) -> Self {
        AuthError::Storage(err.into())
    }
}
