//! What Gatehouse rate-limits: each `LimitedAction` names the quotas of the policy file it draws
//! on and the sentence a refused client reads; `RateLimited` is one refusal.

use super::quota::{Quota, Quotas};
use std::time::Duration;

/// Something a client does that is rate-limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitedAction {
    /// Submitting a comment.
    Comment,
    /// Flagging a published comment.
    Flag,
    /// Signing in with a wrong password (throttled by `LoginThrottle`, not by quotas).
    Login,
}

impl LimitedAction {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitedAction::Comment => "comment",
            LimitedAction::Flag => "flag",
            LimitedAction::Login => "login",
        }
    }

    /// The quotas of `[rate_limits]` one such request draws on, narrowest first; the request
    /// passes only if every one has room.
    pub fn quotas(self, quotas: &Quotas) -> Vec<(LimitScope, Quota)> {
        match self {
            LimitedAction::Comment => vec![
                (LimitScope::ClientIp, quotas.per_ip),
                (LimitScope::Author, quotas.per_author),
                (LimitScope::Article, quotas.per_article),
                (LimitScope::Global, quotas.global),
            ],
            LimitedAction::Flag => vec![(LimitScope::ClientIp, quotas.flags)],
            LimitedAction::Login => Vec::new(),
        }
    }

    /// What a refused client is told.
    pub fn refusal(self, retry_after_secs: u64) -> String {
        let what = match self {
            LimitedAction::Comment => "too many comments",
            LimitedAction::Flag => "too many flags",
            LimitedAction::Login => "too many failed logins",
        };
        format!("{what}; please wait {retry_after_secs} seconds and try again")
    }
}

/// Which quota stopped a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    ClientIp,
    Author,
    Article,
    Global,
    /// One account's failed sign-ins.
    Account,
}

impl LimitScope {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitScope::ClientIp => "client_ip",
            LimitScope::Author => "author",
            LimitScope::Article => "article",
            LimitScope::Global => "global",
            LimitScope::Account => "account",
        }
    }
}

/// A refused request: what was refused, by which quota, and how long until one more request
/// would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    pub action: LimitedAction,
    pub scope: LimitScope,
    pub retry_after: Duration,
}

impl RateLimited {
    /// Whole seconds for `Retry-After`, rounded up and at least 1 so clients never spin.
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        secs.max(1)
    }
}
