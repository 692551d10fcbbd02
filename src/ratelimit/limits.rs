//! The one door the HTTP handlers go through: `Limits` checks a comment or a flag against this
//! instance's governor limiters, or, with Redis configured, against the quotas all instances
//! share, falling back to the local limiters whenever Redis cannot answer.

use super::limiter::{AddressLimiter, CommentLimiters, RateLimited};
use super::shared::{millis, RedisLimiter, SharedLimitError};
use crate::rules::RateLimitSettings;
use arc_swap::ArcSwap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// At most one warning about Redis this often; the rest are counted into the next one.
const WARN_EVERY: Duration = Duration::from_secs(30);

/// This instance's own limiters, rebuilt when a rules reload changes the quotas.
pub struct LocalLimits {
    current: ArcSwap<LocalSet>,
}

/// Limiters for one set of quotas.
pub struct LocalSet {
    settings: RateLimitSettings,
    pub comments: CommentLimiters,
    pub flags: AddressLimiter,
}

impl LocalSet {
    fn new(settings: &RateLimitSettings) -> Self {
        LocalSet {
            settings: settings.clone(),
            comments: CommentLimiters::new(settings),
            flags: AddressLimiter::new(&settings.flags),
        }
    }
}

impl LocalLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        LocalLimits {
            current: ArcSwap::from_pointee(LocalSet::new(settings)),
        }
    }

    /// The limiters for `settings`: the current ones, or fresh ones when the quotas changed
    /// (a reloaded rules file). Counting starts over then, which errs towards letting through.
    pub fn for_settings(&self, settings: &RateLimitSettings) -> Arc<LocalSet> {
        let current = self.current.load_full();
        if current.settings == *settings {
            return current;
        }
        let fresh = Arc::new(LocalSet::new(settings));
        self.current.store(fresh.clone());
        tracing::info!("rate limits: quotas changed; local limiters rebuilt");
        fresh
    }

    /// Forgets idle keys, so keyed state stays bounded by recent senders.
    pub fn sweep(&self) {
        let current = self.current.load();
        current.comments.retain_recent();
        current.flags.retain_recent();
    }
}

/// Quotas shared through Redis, and the local limiters used while Redis is unavailable.
pub struct SharedLimits {
    redis: RedisLimiter,
    fallback: LocalLimits,
    /// False after Redis failed, true again after it answered.
    available: AtomicBool,
    started: Instant,
    /// Milliseconds since `started` of the last warning, and failures since.
    last_warning_ms: AtomicU64,
    failures_since_warning: AtomicU64,
}

/// Every rate limit of the instance.
pub enum Limits {
    Local(LocalLimits),
    Shared(Box<SharedLimits>),
}

impl Limits {
    /// Local limiters, shared through Redis when `redis_url` is given. Fails only on a
    /// malformed URL: an unreachable Redis means local limits until it answers.
    pub fn new(
        settings: &RateLimitSettings,
        redis_url: Option<&str>,
        redis_prefix: &str,
    ) -> Result<Self, SharedLimitError> {
        let local = LocalLimits::new(settings);
        Ok(match redis_url {
            None => Limits::Local(local),
            Some(url) => Limits::Shared(Box::new(SharedLimits {
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
    pub fn local(&self) -> &LocalLimits {
        match self {
            Limits::Local(local) => local,
            Limits::Shared(shared) => &shared.fallback,
        }
    }

    /// The four comment quotas, narrowest first; stops at the first exhausted one.
    pub async fn check_comment(
        &self,
        settings: &RateLimitSettings,
        ip: IpAddr,
        author_key: &str,
        article_id: &str,
    ) -> Result<(), RateLimited> {
        let local = || {
            self.local()
                .for_settings(settings)
                .comments
                .check(ip, author_key, article_id)
        };
        match self {
            Limits::Local(_) => local(),
            Limits::Shared(shared) => {
                let result = shared
                    .redis
                    .check_comment(settings, ip, author_key, article_id)
                    .await;
                shared.settle(result).unwrap_or_else(local)
            }
        }
    }

    /// The flag quota of a client address.
    pub async fn check_flag(
        &self,
        settings: &RateLimitSettings,
        ip: IpAddr,
    ) -> Result<(), RateLimited> {
        let local = || self.local().for_settings(settings).flags.check(ip);
        match self {
            Limits::Local(_) => local(),
            Limits::Shared(shared) => {
                let result = shared.redis.check_flag(&settings.flags, ip).await;
                shared.settle(result).unwrap_or_else(local)
            }
        }
    }

    /// For `/healthz`: `redis`, `local`, or `local (redis unavailable)`. Probes Redis.
    pub async fn status(&self) -> &'static str {
        match self {
            Limits::Local(_) => "local",
            Limits::Shared(shared) => {
                let probe = shared.redis.ping().await;
                match shared.settle(probe.map(Ok)) {
                    Some(_) => "redis",
                    None => "local (redis unavailable)",
                }
            }
        }
    }
}

impl SharedLimits {
    /// Records how Redis did; `None` means "use the local limiter".
    fn settle(
        &self,
        result: Result<Result<(), RateLimited>, SharedLimitError>,
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
    fn warn(&self, err: &SharedLimitError, just_failed: bool) {
        if matches!(err, SharedLimitError::Backoff) {
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
