//! Rate limits shared by every instance: the same GCRA as governor's, kept in Redis. All the
//! quotas of one check run in one Lua script, so a check is atomic across instances, and the
//! script reads Redis's own clock (`TIME`), so the instances' clocks don't matter.
//!
//! The connection lives on a small runtime of its own (one thread), so it does not depend on
//! which HTTP worker happened to open it; it reconnects by itself after Redis comes back.

use super::action::{LimitScope, LimitedAction, RateLimited};
use super::local::ip_key;
use super::quota::{Quota, Quotas};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// GCRA over `#KEYS` quotas, narrowest first; `ARGV` holds each key's emission interval `t`
/// and tolerance `tau = t * (burst - 1)` in microseconds. Takes one unit from each in turn and
/// stops at the first exhausted one: returns `{0, 0}` when all passed, else `{index, wait_us}`.
/// Units taken before the refusal stay spent, like the local limiter. Each key expires when its
/// quota would be full again, so idle keys vanish.
const GCRA_SCRIPT: &str = r#"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
for i, key in ipairs(KEYS) do
  local t = tonumber(ARGV[2 * i - 1])
  local tau = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key)) or now
  local earliest = tat - tau
  if now < earliest then
    return {i, math.ceil(earliest - now)}
  end
  local next_tat = math.max(tat, now) + t
  local ttl_ms = math.ceil((next_tat - now) / 1000) + 1
  redis.call('SET', key, string.format('%.0f', next_tat), 'PX', ttl_ms)
end
return {0, 0}
"#;

/// How long a Redis round trip may take before the request falls back to the local limiter.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);
/// After a failure, requests use the local limiter this long before trying Redis again.
const RETRY_REDIS_AFTER: Duration = Duration::from_secs(1);

/// Why a shared check could not be made (the caller falls back to its local limiter).
#[derive(Debug, thiserror::Error)]
pub enum RedisLimitError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("redis failed recently; retrying shortly")]
    Backoff,
    #[error("the redis task failed: {0}")]
    Task(String),
    #[error("redis answered {0:?}, not a GCRA result")]
    Unexpected(Vec<i64>),
}

/// One quota to check: its Redis key (without prefix), quota and scope.
struct Check {
    key: String,
    quota: Quota,
    scope: LimitScope,
}

/// GCRA limits in Redis under a key prefix.
pub struct RedisLimiter {
    prefix: String,
    client: redis::Client,
    connection: Arc<tokio::sync::OnceCell<ConnectionManager>>,
    script: Arc<redis::Script>,
    runtime: tokio::runtime::Handle,
    started: Instant,
    /// Milliseconds since `started` before which Redis is not tried again.
    retry_at_ms: AtomicU64,
    /// Ends the connection's runtime thread when the limiter is dropped.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl RedisLimiter {
    /// Parses the URL and starts the connection's thread; connects on first use, so a Redis
    /// that is down at start only means local limits until it comes up.
    pub fn new(url: &str, prefix: &str) -> Result<Self, RedisLimitError> {
        let client = redis::Client::open(url)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RedisLimitError::Task(e.to_string()))?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("redis-limits".into())
            .spawn(move || {
                // Runs spawned Redis work until the limiter is dropped.
                let _ = runtime.block_on(stopped);
            })
            .map_err(|e| RedisLimitError::Task(e.to_string()))?;
        Ok(RedisLimiter {
            prefix: prefix.to_string(),
            client,
            connection: Arc::new(tokio::sync::OnceCell::new()),
            script: Arc::new(redis::Script::new(GCRA_SCRIPT)),
            runtime: handle,
            started: Instant::now(),
            retry_at_ms: AtomicU64::new(0),
            _stop: stop,
        })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The comment quotas in one atomic script call, narrowest first.
    pub async fn check_comment(
        &self,
        quotas: &Quotas,
        ip: IpAddr,
        author_key: &str,
        article_id: &str,
    ) -> Result<Result<(), RateLimited>, RedisLimitError> {
        let key = |scope| match scope {
            LimitScope::ClientIp => format!("ip:{}", ip_key(ip)),
            LimitScope::Author => format!("author:{author_key}"),
            LimitScope::Article => format!("article:{article_id}"),
            LimitScope::Global | LimitScope::Account => "global".to_string(),
        };
        self.check(LimitedAction::Comment, quotas, key).await
    }

    /// The flag quota of one client address.
    pub async fn check_flag(
        &self,
        quotas: &Quotas,
        ip: IpAddr,
    ) -> Result<Result<(), RateLimited>, RedisLimitError> {
        let key = format!("flag:{}", ip_key(ip));
        self.check(LimitedAction::Flag, quotas, |_| key.clone())
            .await
    }

    /// Whether Redis answers now (for `/healthz`); ignores the back-off so it also probes.
    pub async fn ping(&self) -> Result<(), RedisLimitError> {
        let connection = self.connection.clone();
        let client = self.client.clone();
        self.run(async move {
            let mut conn = connect(&connection, client).await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await?;
            Ok(())
        })
        .await
    }

    /// Checks every quota of `action`, each under the key `key_of` gives its scope.
    async fn check(
        &self,
        action: LimitedAction,
        quotas: &Quotas,
        key_of: impl Fn(LimitScope) -> String,
    ) -> Result<Result<(), RateLimited>, RedisLimitError> {
        let checks: Vec<Check> = action
            .quotas(quotas)
            .into_iter()
            .map(|(scope, quota)| Check {
                key: key_of(scope),
                quota,
                scope,
            })
            .collect();
        if self.elapsed_ms() < self.retry_at_ms.load(Ordering::Relaxed) {
            return Err(RedisLimitError::Backoff);
        }
        let mut keys = Vec::with_capacity(checks.len());
        let mut args = Vec::with_capacity(checks.len() * 2);
        for check in &checks {
            let t = micros(check.quota.replenish_interval()).max(1);
            keys.push(format!("{}{}", self.prefix, check.key));
            args.push(t);
            args.push(t.saturating_mul(u64::from(check.quota.burst.max(1) - 1)));
        }
        let script = self.script.clone();
        let connection = self.connection.clone();
        let client = self.client.clone();
        let result = self
            .run(async move {
                let mut conn = connect(&connection, client).await?;
                let mut invocation = script.prepare_invoke();
                for key in keys {
                    invocation.key(key);
                }
                for arg in args {
                    invocation.arg(arg);
                }
                let reply: Vec<i64> = invocation.invoke_async(&mut conn).await?;
                Ok(reply)
            })
            .await;
        let reply = match result {
            Ok(reply) => reply,
            Err(err) => {
                let retry_at = self.elapsed_ms() + millis(RETRY_REDIS_AFTER);
                self.retry_at_ms.store(retry_at, Ordering::Relaxed);
                return Err(err);
            }
        };
        match reply.as_slice() {
            [0, _] => Ok(Ok(())),
            [index, wait_us] => {
                let check = usize::try_from(*index - 1)
                    .ok()
                    .and_then(|i| checks.get(i))
                    .ok_or_else(|| RedisLimitError::Unexpected(reply.clone()))?;
                Ok(Err(RateLimited {
                    action,
                    scope: check.scope,
                    retry_after: Duration::from_micros(u64::try_from(*wait_us).unwrap_or(0)),
                }))
            }
            _ => Err(RedisLimitError::Unexpected(reply)),
        }
    }

    /// Runs Redis work on the connection's runtime, bounded by `REDIS_TIMEOUT`.
    async fn run<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T, RedisLimitError>> + Send + 'static,
    ) -> Result<T, RedisLimitError> {
        let task = self.runtime.spawn(async move {
            tokio::time::timeout(REDIS_TIMEOUT, work)
                .await
                .map_err(|_| RedisLimitError::Timeout(REDIS_TIMEOUT))?
        });
        task.await
            .map_err(|e| RedisLimitError::Task(e.to_string()))?
    }

    fn elapsed_ms(&self) -> u64 {
        millis(self.started.elapsed())
    }
}

/// The shared connection, opened on first use; once open it reconnects by itself.
async fn connect(
    cell: &tokio::sync::OnceCell<ConnectionManager>,
    client: redis::Client,
) -> Result<ConnectionManager, RedisLimitError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(REDIS_TIMEOUT))
        .set_response_timeout(Some(REDIS_TIMEOUT))
        .set_number_of_retries(1);
    Ok(cell
        .get_or_try_init(|| ConnectionManager::new_with_config(client, config))
        .await?
        .clone())
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
