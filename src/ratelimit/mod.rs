//! Rate limiting: keyed governor limiters per client IP, author, article and globally, with
//! quotas from the rules file, optionally shared by every instance through Redis (`Limits`);
//! and finding the client's IP behind trusted proxies.

pub mod client_ip;
mod limiter;
mod limits;
mod shared;

pub use client_ip::{client_ip, TrustedProxies};
pub use limiter::{ip_key, AddressLimiter, CommentLimiters, LimitScope, RateLimited};
pub use limits::{Limits, LocalLimits};
pub use shared::{RedisLimiter, SharedLimitError};
