//! The one door the HTTP handlers go through: `RateLimits` checks a comment or a flag against
//! this instance's governor limiters, or, with Redis configured, against the quotas all
//! instances share, falling back to the local limiters whenever Redis cannot answer.

use super::action::RateLimited;
use super::local::InstanceLimiters;
use super::quota::Quotas;
use super::redis_gcra::{millis, RedisLimitError, RedisLimiter};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// At most one warning about Redis this often; the rest are counted into the next one.
const WARN_EVERY: Duration = Duration::from_secs(30);

/// Quotas shared through Redis, and the local limiters used while Redis is unavailable.
pub struct RedisLimits {
    redis: RedisLimiter,
    fallback: InstanceLimiters,
    /// False after Redis failed, true again after it answered.
    available: AtomicBool,
    started: Instant,
    /// Milliseconds since `started` of the last warning, and failures since.
    last_warning_ms: AtomicU64,
    failures_since_warning: AtomicU64,
}

/// Every rate limit of the instance.
pub enum RateLimits {
    Local(InstanceLimiters),
    Shared(Box<RedisLimits>),
}

impl RateLimits {
    /// Local limiters, shared through Redis when `redis_url` is given. Fails only on a
    /// malformed URL: an unreachable Redis means local limits until it answers.
    pub fn new(
        quotas: &Quotas,
        redis_url: Option<&str>,
        redis_prefix: &str,
    ) -> Result<Self, RedisLimitError> {
        let local = InstanceLimiters::new(quotas);
        Ok(match redis_url {
            None => RateLimits::Local(local),
            Some(url) => RateLimits::Shared(Box::new(RedisLimits {
                redis: RedisLimiter::new(url, redis_prefix)?,
                fallback: local,
                available: AtomicBool::new(true),
                started: Instant::now(),
                last_warning_ms: AtomicU64::new(0),
                failures_since_warning: AtomicU64::new(0),
            })),
        })
    }

    /// The instance's own limiters (the fallback, when shared), e.g. to sweep idle keys.
    pub fn local(&self) -> &InstanceLimiters {
        match self {
            RateLimits::Local(local) => local,
            RateLimits::Shared(shared) => &shared.fallback,
        }
    }

    /// The four comment quotas, narrowest first; stops at the first exhausted one.
    pub async fn check_comment(
        &self,
        quotas: &Quotas,
        ip: IpAddr,
        author_key: &str,
        article_id: &str,
    ) -> Result<(), RateLimited> {
        let local = || {
            self.local()
                .for_quotas(quotas)
                .comments
                .check(ip, author_key, article_id)
        };
        match self {
            RateLimits::Local(_) => local(),
            RateLimits::Shared(shared) => {
                let result = shared
                    .redis
                    .check_comment(quotas, ip, author_key, article_id)
                    .await;
                shared.settle(result).unwrap_or_else(local)
            }
        }
    }

    /// The flag quota of a client address.
    pub async fn check_flag(&self, quotas: &Quotas, ip: IpAddr) -> Result<(), RateLimited> {
        let local = || self.local().for_quotas(quotas).flags.check(ip);
        match self {
            RateLimits::Local(_) => local(),
            RateLimits::Shared(shared) => {
                let result = shared.redis.check_flag(quotas, ip).await;
                shared.settle(result).unwrap_or_else(local)
            }
        }
    }

    /// For `/healthz`: `redis`, `local`, or `local (redis unavailable)`. Probes Redis.
    pub async fn status(&self) -> &'static str {
        match self {
            RateLimits::Local(_) => "local",
            RateLimits::Shared(shared) => {
                let probe = shared.redis.ping().await;
                match shared.settle(probe.map(Ok)) {
                    Some(_) => "redis",
                    None => "local (redis unavailable)",
                }
            }
        }
    }
}

impl RedisLimits {
    /// Records how Redis did; `None` means "use the local limiter".
    fn settle(
        &self,
        result: Result<Result<(), RateLimited>, RedisLimitError>,
    ) -> Option<Result<(), RateLimited>> {
        match result {
            Ok(outcome) => {
                if !self.available.swap(true, Ordering::Relaxed) {
                    tracing::info!(prefix = self.redis.prefix(), "rate limits: redis is back");
                }
                Some(outcome)
            }
            Err(err) => {
                let was_available = self.available.swap(false, Ordering::Relaxed);
                self.warn(&err, was_available);
                None
            }
        }
    }

    /// Warns at once when Redis goes away, then at most every `WARN_EVERY`.
    fn warn(&self, err: &RedisLimitError, just_failed: bool) {
        if matches!(err, RedisLimitError::Backoff) {
            return;
        }
        let failures = self.failures_since_warning.fetch_add(1, Ordering::Relaxed) + 1;
        let now = millis(self.started.elapsed());
        let last = self.last_warning_ms.load(Ordering::Relaxed);
        let due = just_failed || last == 0 || now.saturating_sub(last) >= millis(WARN_EVERY);
        if due
            && self
                .last_warning_ms
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.failures_since_warning.store(0, Ordering::Relaxed);
            tracing::warn!(
                error = %err,
                failures,
                "rate limits: redis unavailable, using this instance's local limits"
            );
        }
    }
}
