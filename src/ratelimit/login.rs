//! Login throttling. An attempt is counted as a failure *before* its password is checked (one
//! lock, so a burst of concurrent guesses cannot all slip past the count), and refunded when the
//! password was right. Three counts, none of which locks anyone out for long:
//!
//! - per account *and* address: a few free failures, then a delay that doubles up to a minute;
//! - per address (all accounts): looser, since offices and newsrooms share one;
//! - per account (all addresses): at most 100 failures an hour, refilled continuously (one per
//!   36 s), never an hour-long wait. It holds back only addresses that have failed on this
//!   account recently: the real moderator, signing in from an address that is not guessing,
//!   gets in while another address guesses.
//!
//! Why this is not a governor quota like the others: it grows the delay with each failure and
//! refunds successes. Its settings are fixed, not in the policy file, so a site cannot loosen
//! them by accident. Time is passed in, so tests need no clock.

use super::action::{LimitScope, LimitedAction, RateLimited};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How failures for one key (an account at an address, or an address) are delayed.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// First delay; doubles with each further failure.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Failures are forgotten this long after the last one.
    pub forget_after: Duration,
}

impl ThrottlePolicy {
    /// Per account and address: 5 free failures, then 1 s, 2 s, 4 s … up to 1 min.
    pub const ACCOUNT_AT_ADDRESS: ThrottlePolicy = ThrottlePolicy {
        free_failures: 5,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        forget_after: Duration::from_secs(3600),
    };

    /// Per client address, whatever the account: looser, since addresses are shared.
    pub const ADDRESS: ThrottlePolicy = ThrottlePolicy {
        free_failures: 20,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        forget_after: Duration::from_secs(3600),
    };
}

/// The per-account ceiling on failures from addresses that are failing on it.
#[derive(Debug, Clone, Copy)]
pub struct AccountCap {
    pub failures: u32,
    pub per: Duration,
}

impl AccountCap {
    /// At most 100 failures an hour, one more every 36 s: never an hour-long lockout.
    pub const DEFAULT: AccountCap = AccountCap {
        failures: 100,
        per: Duration::from_secs(3600),
    };

    fn refill_every(self) -> Duration {
        self.per / self.failures.max(1)
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

fn wait(failures: Option<&Failures>, policy: &ThrottlePolicy, now: Instant) -> Option<Duration> {
    let f = failures?;
    if now >= f.last + policy.forget_after {
        return None;
    }
    let over = f.count.checked_sub(policy.free_failures)?;
    if over == 0 {
        return None;
    }
    let delay = policy
        .base_delay
        .saturating_mul(1u32.checked_shl(over - 1).unwrap_or(u32::MAX))
        .min(policy.max_delay);
    let allowed_at = f.last + delay;
    (now < allowed_at).then(|| allowed_at - now)
}

fn fail<K: Hash + Eq>(
    map: &mut HashMap<K, Failures>,
    key: K,
    policy: &ThrottlePolicy,
    now: Instant,
) {
    let entry = map.entry(key).or_insert(Failures {
        count: 0,
        last: now,
    });
    if now >= entry.last + policy.forget_after {
        entry.count = 0;
    }
    entry.count = entry.count.saturating_add(1);
    entry.last = now;
}

/// A leaky bucket of failures for one account: `level` failures "in" it, draining at one per
/// `refill_every`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: Duration,
    at: Instant,
}

impl Bucket {
    /// The level now (in units of `refill_every`, kept as time so it drains exactly).
    fn drained(self, now: Instant) -> Duration {
        self.level
            .saturating_sub(now.saturating_duration_since(self.at))
    }
}

/// Keys are forgotten once stale; this bounds memory under a flood of names or addresses.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Default)]
struct State {
    pairs: HashMap<(String, IpAddr), Failures>,
    addresses: HashMap<IpAddr, Failures>,
    accounts: HashMap<String, Bucket>,
}

/// Failed-login bookkeeping; see the module's doc.
pub struct LoginThrottle {
    pair_policy: ThrottlePolicy,
    address_policy: ThrottlePolicy,
    cap: AccountCap,
    state: Mutex<State>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(
            ThrottlePolicy::ACCOUNT_AT_ADDRESS,
            ThrottlePolicy::ADDRESS,
            AccountCap::DEFAULT,
        )
    }
}

/// An attempt counted as a failure until `LoginThrottle::succeeded` refunds it.
#[derive(Debug)]
#[must_use = "refund the attempt with `succeeded` when the password was right"]
pub struct LoginAttempt {
    account: String,
    address: IpAddr,
}

impl LoginThrottle {
    pub fn new(pair: ThrottlePolicy, address: ThrottlePolicy, cap: AccountCap) -> Self {
        LoginThrottle {
            pair_policy: pair,
            address_policy: address,
            cap,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Refused when this attempt must wait; otherwise counts it as a failure, atomically, and
    /// returns it. The same for existing and unknown accounts. `account` is the normalized name.
    pub fn begin(
        &self,
        account: &str,
        address: IpAddr,
        now: Instant,
    ) -> Result<LoginAttempt, RateLimited> {
        let mut state = self.state();
        self.prune(&mut state, now);
        let pair_key = (account.to_string(), address);
        let pair = state
            .pairs
            .get(&pair_key)
            .filter(|f| now < f.last + self.pair_policy.forget_after);
        let failing_here = pair.is_some();
        let refill = self.cap.refill_every();
        let capacity = refill.saturating_mul(self.cap.failures);
        let bucket = state.accounts.get(account).map(|b| b.drained(now));
        // The account's cap holds back only addresses that are failing on it.
        let account_wait = bucket
            .filter(|_| failing_here)
            .and_then(|level| (level + refill > capacity).then(|| level + refill - capacity));
        let waits = [
            (LimitScope::Account, wait(pair, &self.pair_policy, now)),
            (LimitScope::Account, account_wait),
            (
                LimitScope::ClientIp,
                wait(state.addresses.get(&address), &self.address_policy, now),
            ),
        ];
        let longest = waits
            .into_iter()
            .filter_map(|(scope, wait)| wait.map(|w| (scope, w)))
            .max_by_key(|(_, wait)| *wait);
        if let Some((scope, retry_after)) = longest {
            return Err(RateLimited {
                action: LimitedAction::Login,
                scope,
                retry_after,
            });
        }
        fail(&mut state.pairs, pair_key, &self.pair_policy, now);
        fail(&mut state.addresses, address, &self.address_policy, now);
        let level = bucket.unwrap_or_default();
        state.accounts.insert(
            account.to_string(),
            Bucket {
                level: (level + refill).min(capacity),
                at: now,
            },
        );
        Ok(LoginAttempt {
            account: account.to_string(),
            address,
        })
    }

    /// The password was right: the account's failures at this address are cleared, and this
    /// attempt no longer counts for the address or the account.
    pub fn succeeded(&self, attempt: LoginAttempt) {
        let mut state = self.state();
        state
            .pairs
            .remove(&(attempt.account.clone(), attempt.address));
        if let Some(f) = state.addresses.get_mut(&attempt.address) {
            f.count = f.count.saturating_sub(1);
        }
        let refill = self.cap.refill_every();
        if let Some(bucket) = state.accounts.get_mut(&attempt.account) {
            bucket.level = bucket.level.saturating_sub(refill);
        }
    }

    fn prune(&self, state: &mut State, now: Instant) {
        let pair_forget = self.pair_policy.forget_after;
        let address_forget = self.address_policy.forget_after;
        if state.pairs.len() > PRUNE_ABOVE {
            state.pairs.retain(|_, f| now < f.last + pair_forget);
        }
        if state.addresses.len() > PRUNE_ABOVE {
            state.addresses.retain(|_, f| now < f.last + address_forget);
        }
        if state.accounts.len() > PRUNE_ABOVE {
            state.accounts.retain(|_, b| !b.drained(now).is_zero());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7));

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::from(0x0A00_0000 + n))
    }

    fn fail_times(throttle: &LoginThrottle, user: &str, address: IpAddr, n: u32, now: Instant) {
        for _ in 0..n {
            let _counted = throttle
                .begin(user, address, now)
                .expect("not yet throttled");
        }
    }

    fn retry(
        throttle: &LoginThrottle,
        user: &str,
        address: IpAddr,
        now: Instant,
    ) -> Option<Duration> {
        match throttle.begin(user, address, now) {
            Ok(attempt) => {
                throttle.succeeded(attempt);
                None
            }
            Err(refused) => Some(refused.retry_after),
        }
    }

    #[test]
    fn first_failures_cost_nothing_then_delays_double() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        fail_times(&throttle, "ann", IP, 6, t0);
        assert_eq!(
            retry(&throttle, "ann", IP, t0),
            Some(Duration::from_secs(1))
        );
        fail_times(&throttle, "ann", IP, 1, t0 + Duration::from_secs(1));
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(
            retry(&throttle, "ann", IP, t1),
            Some(Duration::from_secs(2))
        );
        fail_times(&throttle, "ann", IP, 1, t1 + Duration::from_secs(2));
        let t2 = t1 + Duration::from_secs(2);
        assert_eq!(
            retry(&throttle, "ann", IP, t2),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn attempts_are_counted_before_the_password_is_checked() {
        // A burst of concurrent attempts: each is counted when it begins, so only the free
        // ones get to the password check, however many arrive at once.
        let throttle = std::sync::Arc::new(LoginThrottle::default());
        let t0 = Instant::now();
        let admitted: usize = (0..8)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || {
                    (0..125)
                        .filter(|_| throttle.begin("ann", IP, t0).is_ok())
                        .count()
                })
            })
            .map(|t| t.join().unwrap())
            .sum();
        assert_eq!(admitted, 6);
    }

    #[test]
    fn delay_is_capped_at_a_minute() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        let mut now = t0;
        for _ in 0..40 {
            while let Some(wait) = retry_without_refund(&throttle, "ann", IP, now) {
                now += wait;
            }
        }
        assert_eq!(
            retry(&throttle, "ann", IP, now),
            Some(Duration::from_secs(60))
        );
    }

    fn retry_without_refund(
        throttle: &LoginThrottle,
        user: &str,
        address: IpAddr,
        now: Instant,
    ) -> Option<Duration> {
        throttle
            .begin(user, address, now)
            .err()
            .map(|r| r.retry_after)
    }

    #[test]
    fn at_most_100_failures_an_hour_per_account_and_never_an_hour_long_wait() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        // 100 addresses guess three times each: 300 tries, some refused by the account cap.
        let mut admitted = 0;
        for n in 0..100 {
            for _ in 0..3 {
                if throttle.begin("ann", ip(n), t0).is_ok() {
                    admitted += 1;
                }
            }
        }
        // Each address's first try is let through (it is not failing here yet), then the
        // cap: 100 failures in all at most, plus one first try per new address after it.
        assert!(admitted <= 200, "{admitted}");
        let wait = retry_without_refund(&throttle, "ann", ip(1), t0).unwrap();
        assert!(wait <= Duration::from_secs(36), "{wait:?}");
        assert!(retry(&throttle, "ann", ip(1), t0 + Duration::from_secs(60)).is_none());
    }

    #[test]
    fn a_correct_password_from_an_address_not_guessing_gets_in_while_another_guesses() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        let attacker = ip(66);
        let mut now = t0;
        let mut failures = 0;
        while failures < 150 {
            match throttle.begin("ann", attacker, now) {
                Ok(_) => failures += 1,
                Err(refused) => now += refused.retry_after,
            }
        }
        // The attacker is held back…
        assert!(retry_without_refund(&throttle, "ann", attacker, now).is_some());
        // …the moderator at another address is not, and signing in refunds the attempt.
        assert_eq!(retry(&throttle, "ann", IP, now), None);
        assert_eq!(retry(&throttle, "ann", IP, now), None);
    }

    #[test]
    fn success_clears_the_account_at_that_address_but_not_the_address() {
        let throttle = LoginThrottle::new(
            ThrottlePolicy::ACCOUNT_AT_ADDRESS,
            ThrottlePolicy {
                free_failures: 6,
                ..ThrottlePolicy::ADDRESS
            },
            AccountCap::DEFAULT,
        );
        let t0 = Instant::now();
        for n in 0..7 {
            fail_times(&throttle, &format!("user{n}"), IP, 1, t0);
        }
        let attempt = throttle.begin("ann", ip(9), t0).unwrap();
        throttle.succeeded(attempt);
        assert!(
            throttle.begin("ann", IP, t0).is_err(),
            "address still throttled"
        );
        assert!(throttle.begin("ann", ip(9), t0).is_ok());
    }

    #[test]
    fn unknown_and_known_accounts_are_throttled_alike() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        fail_times(&throttle, "no-such-user", IP, 6, t0);
        fail_times(&throttle, "ann", ip(2), 6, t0);
        assert_eq!(
            retry_without_refund(&throttle, "no-such-user", IP, t0),
            retry_without_refund(&throttle, "ann", ip(2), t0)
        );
    }
}
