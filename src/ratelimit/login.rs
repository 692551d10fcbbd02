//! Login throttling: after a few failures, each further attempt for the same account (or from
//! the same address) must wait a growing delay, capped, with a hard ceiling per hour. Nothing is
//! permanent, so an attacker cannot lock a moderator out for good. Time is passed in, so tests
//! need no clock.
//!
//! Why this is not a governor quota like the others: it counts failures, which are only known
//! after the password was checked, and it grows the delay with each one; a quota counts every
//! request before it runs and refills at a fixed rate. Its settings are fixed, not in the
//! policy file, so a site cannot loosen them by accident.

use super::action::{LimitScope, LimitedAction, RateLimited};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How failures for one key are throttled.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// First delay; doubles with each further failure.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// At most this many failures per window; then wait for the window to end.
    pub max_failures_per_window: u32,
    pub window: Duration,
}

impl ThrottlePolicy {
    /// Per account: 5 free failures, then 1 s, 2 s, 4 s … up to 1 min; at most 100 an hour.
    pub const ACCOUNT: ThrottlePolicy = ThrottlePolicy {
        free_failures: 5,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        max_failures_per_window: 100,
        window: Duration::from_secs(3600),
    };

    /// Per client address: looser, since offices and newsrooms share one.
    pub const ADDRESS: ThrottlePolicy = ThrottlePolicy {
        free_failures: 20,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        max_failures_per_window: 300,
        window: Duration::from_secs(3600),
    };
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    window_start: Instant,
    count: u32,
    last: Instant,
}

/// Keys are forgotten once their window has passed; this bounds memory under a flood.
const PRUNE_ABOVE: usize = 10_000;

struct Tracker<K> {
    policy: ThrottlePolicy,
    failures: Mutex<HashMap<K, Failures>>,
}

impl<K: Hash + Eq + Clone> Tracker<K> {
    fn new(policy: ThrottlePolicy) -> Self {
        Tracker {
            policy,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        let map = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let f = map.get(key)?;
        let p = &self.policy;
        let window_end = f.window_start + p.window;
        if now >= window_end {
            return None;
        }
        if f.count >= p.max_failures_per_window {
            return Some(window_end - now);
        }
        let over = f.count.checked_sub(p.free_failures)?;
        if over == 0 {
            return None;
        }
        let delay = p
            .base_delay
            .saturating_mul(1u32.checked_shl(over - 1).unwrap_or(u32::MAX))
            .min(p.max_delay);
        let allowed_at = f.last + delay;
        (now < allowed_at).then(|| allowed_at - now)
    }

    fn fail(&self, key: K, now: Instant) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() > PRUNE_ABOVE {
            let window = self.policy.window;
            map.retain(|_, f| now < f.window_start + window);
        }
        let entry = map.entry(key).or_insert(Failures {
            window_start: now,
            count: 0,
            last: now,
        });
        if now >= entry.window_start + self.policy.window {
            *entry = Failures {
                window_start: now,
                count: 0,
                last: now,
            };
        }
        entry.count += 1;
        entry.last = now;
    }

    fn clear(&self, key: &K) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.remove(key);
    }
}

/// Failed-login bookkeeping per account name and per client address.
pub struct LoginThrottle {
    accounts: Tracker<String>,
    addresses: Tracker<IpAddr>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(ThrottlePolicy::ACCOUNT, ThrottlePolicy::ADDRESS)
    }
}

impl LoginThrottle {
    pub fn new(account: ThrottlePolicy, address: ThrottlePolicy) -> Self {
        LoginThrottle {
            accounts: Tracker::new(account),
            addresses: Tracker::new(address),
        }
    }

    /// Refused when an attempt for this account or from this address must wait. Checked
    /// before the password, and the same for existing and unknown accounts.
    pub fn check(&self, username: &str, address: IpAddr, now: Instant) -> Result<(), RateLimited> {
        let waits = [
            (
                LimitScope::Account,
                self.accounts.wait(&username.to_string(), now),
            ),
            (LimitScope::ClientIp, self.addresses.wait(&address, now)),
        ];
        let longest = waits
            .into_iter()
            .filter_map(|(scope, wait)| wait.map(|w| (scope, w)))
            .max_by_key(|(_, wait)| *wait);
        match longest {
            Some((scope, retry_after)) => Err(RateLimited {
                action: LimitedAction::Login,
                scope,
                retry_after,
            }),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, username: &str, address: IpAddr, now: Instant) {
        self.accounts.fail(username.to_string(), now);
        self.addresses.fail(address, now);
    }

    /// A correct password clears the account's failures (not the address's).
    pub fn record_success(&self, username: &str) {
        self.accounts.clear(&username.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7));

    fn fail_times(throttle: &LoginThrottle, user: &str, n: u32, now: Instant) {
        for _ in 0..n {
            throttle.record_failure(user, IP, now);
        }
    }

    #[test]
    fn first_failures_cost_nothing_then_delays_double() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        fail_times(&throttle, "ann", 5, t0);
        assert!(throttle.check("ann", IP, t0).is_ok());
        throttle.record_failure("ann", IP, t0);
        assert_eq!(
            throttle.check("ann", IP, t0).map_err(|r| r.retry_after),
            Err(Duration::from_secs(1))
        );
        throttle.record_failure("ann", IP, t0);
        assert_eq!(
            throttle.check("ann", IP, t0).map_err(|r| r.retry_after),
            Err(Duration::from_secs(2))
        );
        throttle.record_failure("ann", IP, t0);
        assert_eq!(
            throttle.check("ann", IP, t0).map_err(|r| r.retry_after),
            Err(Duration::from_secs(4))
        );
        assert!(throttle
            .check("ann", IP, t0 + Duration::from_secs(4))
            .is_ok());
    }

    #[test]
    fn delay_is_capped_at_a_minute() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        fail_times(&throttle, "ann", 40, t0);
        assert_eq!(
            throttle.check("ann", IP, t0).map_err(|r| r.retry_after),
            Err(Duration::from_secs(60))
        );
    }

    #[test]
    fn at_most_100_failures_an_hour_then_the_window_resets() {
        let throttle = LoginThrottle::new(
            ThrottlePolicy::ACCOUNT,
            ThrottlePolicy {
                max_failures_per_window: 10_000,
                ..ThrottlePolicy::ADDRESS
            },
        );
        let t0 = Instant::now();
        fail_times(&throttle, "ann", 100, t0);
        let wait = throttle
            .check("ann", IP, t0 + Duration::from_secs(600))
            .unwrap_err();
        assert_eq!(wait.retry_after, Duration::from_secs(3000));
        assert_eq!(wait.scope, LimitScope::Account);
        assert!(
            throttle
                .check("ann", IP, t0 + Duration::from_secs(3600))
                .is_ok(),
            "no permanent lockout"
        );
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let throttle = LoginThrottle::new(
            ThrottlePolicy::ACCOUNT,
            ThrottlePolicy {
                free_failures: 6,
                ..ThrottlePolicy::ADDRESS
            },
        );
        let t0 = Instant::now();
        fail_times(&throttle, "ann", 7, t0);
        throttle.record_success("ann");
        assert!(
            throttle.check("ann", IP, t0).is_err(),
            "address still throttled"
        );
        let other_ip = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1));
        assert!(throttle.check("ann", other_ip, t0).is_ok());
    }

    #[test]
    fn unknown_and_known_accounts_are_throttled_alike() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        fail_times(&throttle, "no-such-user", 6, t0);
        fail_times(&throttle, "ann", 6, t0);
        assert_eq!(
            throttle.check("no-such-user", IP, t0),
            throttle.check("ann", IP, t0)
        );
    }
}
