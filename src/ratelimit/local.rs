//! This instance's own limiters, in memory (governor): the comment quotas checked in turn, the
//! flag quota per address, and the set of both for one `[rate_limits]` table, rebuilt when a
//! reload changes it. Generic over the clock so tests drive time instead of sleeping.

use super::action::{LimitScope, LimitedAction, RateLimited};
use super::quota::{Quota as QuotaSpec, Quotas};
use arc_swap::ArcSwap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

type Keyed<K, C> =
    RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;
type Direct<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// The key a client IP is limited under: IPv4 as is, IPv6 by its /64, since one subscriber
/// usually holds a whole /64 and could otherwise rotate addresses freely.
pub fn ip_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

fn quota(spec: &QuotaSpec) -> Quota {
    let interval = spec.replenish_interval().max(Duration::from_nanos(1));
    let burst = NonZeroU32::new(spec.burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(interval)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
        .allow_burst(burst)
}

/// Limits on submitting comments.
pub struct CommentLimiters<C: Clock = DefaultClock> {
    clock: C,
    per_ip: Keyed<IpAddr, C>,
    per_author: Keyed<String, C>,
    per_article: Keyed<String, C>,
    global: Direct<C>,
}

impl CommentLimiters<DefaultClock> {
    pub fn new(quotas: &Quotas) -> Self {
        Self::with_clock(quotas, DefaultClock::default())
    }
}

impl<C: Clock + Clone> CommentLimiters<C> {
    pub fn with_clock(quotas: &Quotas, clock: C) -> Self {
        CommentLimiters {
            per_ip: RateLimiter::dashmap_with_clock(quota(&quotas.per_ip), clock.clone()),
            per_author: RateLimiter::dashmap_with_clock(quota(&quotas.per_author), clock.clone()),
            per_article: RateLimiter::dashmap_with_clock(quota(&quotas.per_article), clock.clone()),
            global: RateLimiter::direct_with_clock(quota(&quotas.global), clock.clone()),
            clock,
        }
    }

    /// Takes one unit from each quota in turn, narrowest first, and stops at the first that is
    /// exhausted. Units taken before that stay spent: a refused attempt still counts against the
    /// sender, which is what a flood deserves.
    pub fn check(&self, ip: IpAddr, author_key: &str, article_id: &str) -> Result<(), RateLimited> {
        let refused = |scope, not_until: governor::NotUntil<C::Instant>| RateLimited {
            action: LimitedAction::Comment,
            scope,
            retry_after: not_until.wait_time_from(self.clock.now()),
        };
        self.per_ip
            .check_key(&ip_key(ip))
            .map_err(|n| refused(LimitScope::ClientIp, n))?;
        self.per_author
            .check_key(&author_key.to_string())
            .map_err(|n| refused(LimitScope::Author, n))?;
        self.per_article
            .check_key(&article_id.to_string())
            .map_err(|n| refused(LimitScope::Article, n))?;
        self.global
            .check()
            .map_err(|n| refused(LimitScope::Global, n))
    }

    /// Forgets keys whose quota is full again, so keyed state stays bounded by recent senders.
    pub fn retain_recent(&self) {
        self.per_ip.retain_recent();
        self.per_author.retain_recent();
        self.per_article.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_author.shrink_to_fit();
        self.per_article.shrink_to_fit();
    }

    /// How many keys the keyed limiters track now.
    pub fn tracked_keys(&self) -> usize {
        self.per_ip.len() + self.per_author.len() + self.per_article.len()
    }
}

/// The flag quota: one keyed quota per client address.
pub struct FlagLimiter<C: Clock = DefaultClock> {
    clock: C,
    limiter: Keyed<IpAddr, C>,
}

impl FlagLimiter<DefaultClock> {
    pub fn new(spec: &QuotaSpec) -> Self {
        Self::with_clock(spec, DefaultClock::default())
    }
}

impl<C: Clock + Clone> FlagLimiter<C> {
    pub fn with_clock(spec: &QuotaSpec, clock: C) -> Self {
        FlagLimiter {
            limiter: RateLimiter::dashmap_with_clock(quota(spec), clock.clone()),
            clock,
        }
    }

    pub fn check(&self, ip: IpAddr) -> Result<(), RateLimited> {
        self.limiter
            .check_key(&ip_key(ip))
            .map_err(|not_until| RateLimited {
                action: LimitedAction::Flag,
                scope: LimitScope::ClientIp,
                retry_after: not_until.wait_time_from(self.clock.now()),
            })
    }

    pub fn retain_recent(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The limiters for one `[rate_limits]` table.
pub struct LocalLimiters {
    quotas: Quotas,
    pub comments: CommentLimiters,
    pub flags: FlagLimiter,
}

impl LocalLimiters {
    fn new(quotas: &Quotas) -> Self {
        LocalLimiters {
            quotas: quotas.clone(),
            comments: CommentLimiters::new(quotas),
            flags: FlagLimiter::new(&quotas.flags),
        }
    }
}

/// This instance's limiters for the quotas in force, rebuilt when a reload changes them.
pub struct InstanceLimiters {
    current: ArcSwap<LocalLimiters>,
}

impl InstanceLimiters {
    pub fn new(quotas: &Quotas) -> Self {
        InstanceLimiters {
            current: ArcSwap::from_pointee(LocalLimiters::new(quotas)),
        }
    }

    /// The limiters for `quotas`: the current ones, or fresh ones when the quotas changed
    /// (a reloaded policy file). Counting starts over then, which errs towards letting through.
    pub fn for_quotas(&self, quotas: &Quotas) -> Arc<LocalLimiters> {
        let current = self.current.load_full();
        if current.quotas == *quotas {
            return current;
        }
        let fresh = Arc::new(LocalLimiters::new(quotas));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::Per;
    use governor::clock::FakeRelativeClock;

    fn spec(burst: u32, rate: u32, per: Per) -> QuotaSpec {
        QuotaSpec { burst, rate, per }
    }

    fn quotas() -> Quotas {
        Quotas {
            per_ip: spec(3, 6, Per::Minute),
            per_author: spec(100, 100, Per::Minute),
            per_article: spec(100, 100, Per::Minute),
            global: spec(1000, 1000, Per::Minute),
            flags: spec(10, 30, Per::Hour),
        }
    }

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));

    #[test]
    fn allows_the_burst_then_refuses_with_retry_after() {
        let clock = FakeRelativeClock::default();
        let limiters = CommentLimiters::with_clock(&quotas(), clock.clone());
        for _ in 0..3 {
            limiters.check(IP, "name:a", "art").unwrap();
        }
        let refused = limiters.check(IP, "name:a", "art").unwrap_err();
        assert_eq!(refused.scope, LimitScope::ClientIp);
        assert_eq!(refused.retry_after, Duration::from_secs(10));
        assert_eq!(refused.retry_after_secs(), 10);
    }

    #[test]
    fn replenishes_one_request_per_interval() {
        let clock = FakeRelativeClock::default();
        let limiters = CommentLimiters::with_clock(&quotas(), clock.clone());
        for _ in 0..3 {
            limiters.check(IP, "name:a", "art").unwrap();
        }
        clock.advance(Duration::from_secs(9));
        assert!(limiters.check(IP, "name:a", "art").is_err());
        clock.advance(Duration::from_secs(1));
        assert!(limiters.check(IP, "name:a", "art").is_ok());
        assert!(limiters.check(IP, "name:a", "art").is_err());
    }

    #[test]
    fn ipv6_addresses_in_one_slash_64_share_a_quota() {
        let clock = FakeRelativeClock::default();
        let limiters = CommentLimiters::with_clock(&quotas(), clock);
        for i in 0..3u16 {
            let ip = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, i, i, i));
            limiters.check(ip, "name:a", "art").unwrap();
        }
        let other_host_same_net = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9));
        assert!(limiters
            .check(other_host_same_net, "name:a", "art")
            .is_err());
        let other_net = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1));
        assert!(limiters.check(other_net, "name:a", "art").is_ok());
    }

    #[test]
    fn author_quota_applies_across_ips() {
        let mut s = quotas();
        s.per_author = spec(2, 1, Per::Hour);
        let limiters = CommentLimiters::with_clock(&s, FakeRelativeClock::default());
        let ip = |n| IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, n));
        limiters.check(ip(1), "email:a@x.org", "art").unwrap();
        limiters.check(ip(2), "email:a@x.org", "art").unwrap();
        let refused = limiters.check(ip(3), "email:a@x.org", "art").unwrap_err();
        assert_eq!(refused.scope, LimitScope::Author);
        assert_eq!(refused.retry_after_secs(), 3600);
        assert!(limiters.check(ip(4), "email:b@x.org", "art").is_ok());
    }

    #[test]
    fn global_quota_stops_everyone() {
        let mut s = quotas();
        s.global = spec(2, 1, Per::Second);
        let limiters = CommentLimiters::with_clock(&s, FakeRelativeClock::default());
        let ip = |n| IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, n));
        limiters.check(ip(1), "name:a", "x").unwrap();
        limiters.check(ip(2), "name:b", "y").unwrap();
        assert_eq!(
            limiters.check(ip(3), "name:c", "z").unwrap_err().scope,
            LimitScope::Global
        );
    }

    #[test]
    fn retain_recent_forgets_senders_whose_quota_refilled() {
        let clock = FakeRelativeClock::default();
        let limiters = CommentLimiters::with_clock(&quotas(), clock.clone());
        for n in 0..50u8 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, n));
            limiters.check(ip, &format!("name:{n}"), "art").unwrap();
        }
        assert_eq!(limiters.tracked_keys(), 50 + 50 + 1);
        clock.advance(Duration::from_secs(3600));
        limiters.retain_recent();
        assert_eq!(limiters.tracked_keys(), 0);
    }

    #[test]
    fn flag_limiter_keys_by_address() {
        let clock = FakeRelativeClock::default();
        let limiter = FlagLimiter::with_clock(&spec(2, 1, Per::Hour), clock.clone());
        limiter.check(IP).unwrap();
        limiter.check(IP).unwrap();
        assert_eq!(limiter.check(IP).unwrap_err().retry_after_secs(), 3600);
        assert!(limiter
            .check(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1)))
            .is_ok());
        clock.advance(Duration::from_secs(3600));
        assert!(limiter.check(IP).is_ok());
    }

    #[test]
    fn ipv4_mapped_ipv6_is_keyed_as_ipv4() {
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(ip_key(mapped), IP);
    }
}
