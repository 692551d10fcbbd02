//! Rate limiting: what is limited (`LimitedAction`, each drawing on quotas of the policy file's
//! `[rate_limits]` table), this instance's governor limiters, the same quotas shared by every
//! instance through Redis, the login throttle, and finding the client's IP behind trusted
//! proxies.
//!
//! Modules: `action` (actions, scopes, refusals), `quota` (quota types), `local` (governor
//! limiters), `redis_gcra` (GCRA in Redis), `rate_limits` (the door: Redis with local fallback),
//! `login` (failed sign-ins), `client_ip`.

mod action;
pub mod client_ip;
mod local;
mod login;
mod quota;
mod rate_limits;
mod redis_gcra;

pub use action::{LimitScope, LimitedAction, RateLimited};
pub use client_ip::{client_ip, ClientIpHeader, TrustedProxies};
pub use local::{ip_key, CommentLimiters, FlagLimiter, InstanceLimiters, LocalLimiters};
pub use login::{AccountCap, LoginAttempt, LoginThrottle, ThrottlePolicy};
pub use quota::{Per, Quota, Quotas};
pub use rate_limits::{RateLimits, RedisLimits};
pub use redis_gcra::{RedisLimitError, RedisLimiter};
