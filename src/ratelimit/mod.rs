//! Rate limiting: keyed governor limiters per client IP, author, article and globally, with
//! quotas from the rules file; and finding the client's IP behind trusted proxies.

pub mod client_ip;
mod limiter;

pub use client_ip::{client_ip, TrustedProxies};
pub use limiter::{ip_key, AddressLimiter, CommentLimiters, LimitScope, RateLimited};
