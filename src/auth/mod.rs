//! Accounts and access: argon2id passwords, bearer-token sessions and roles. Imports storage;
//! never actix. (The login throttle is rate limiting: `ratelimit::LoginThrottle`.)

pub mod accounts;
mod error;
pub mod password;
pub mod sessions;
pub mod token;

pub use error::AuthError;

use serde::{Deserialize, Serialize};

/// What an account may do. Admins can do everything moderators can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role may use routes that require `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

/// The authenticated account behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    /// SHA-256 of the bearer token, to end this session at logout.
    pub token_hash: String,
}
