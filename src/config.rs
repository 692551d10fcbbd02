//! Settings for the server and the CLI, from flags or `GATEHOUSE_*` environment variables, and
//! for `serve` also from a config file (`file`).

use crate::ratelimit::ClientIpHeader;
pub mod file;

use crate::telemetry::LogFormat;
pub use crate::webhooks::WebhookEndpoint;
use ipnet::IpNet;
use std::path::PathBuf;

/// The rules file every command reads unless told otherwise, relative to the working folder.
pub const DEFAULT_RULES: &str = "moderation_rules.toml";

/// The database every command opens unless told otherwise, relative to the working folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://gatehouse.db";

/// Where the database is, for `serve`: created and migrated on first start, used through a pool.
#[derive(clap::Args, Debug, Clone)]
pub struct DatabaseConfig {
    /// Database URL: sqlite://PATH (file created on first start) or postgres://USER@HOST/DB.
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Maximum connections in the pool.
    #[arg(long, env = "GATEHOUSE_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
}

/// Where the database is, for the commands that open one connection (`migrate`, `user …`,
/// `rules backtest`).
#[derive(clap::Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Only `serve` and `migrate`
    /// create a SQLite file that does not exist; other commands refuse it.
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// Everything `gatehouse serve` needs.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeConfig {
    /// A config file (TOML) holding any of these settings under the flag's name with `_` for
    /// `-`, and `[[webhook]]` endpoints; flags and variables override it. See
    /// gatehouse.example.toml.
    #[arg(long, env = "GATEHOUSE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "GATEHOUSE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    #[command(flatten)]
    pub database: DatabaseConfig,

    /// The moderation rules file; list files it names are read relative to its folder.
    #[arg(long, env = "GATEHOUSE_RULES", default_value = DEFAULT_RULES)]
    pub rules: PathBuf,

    /// Networks of reverse proxies whose Forwarded / X-Forwarded-For headers are believed
    /// (CIDR, repeatable or comma-separated). Without one, the socket address is the client.
    #[arg(
        long = "trusted-proxy",
        env = "GATEHOUSE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<IpNet>,

    /// The one header a trusted proxy sets the client address in; any other forwarding header
    /// is ignored (a proxy passes a client's own headers through).
    #[arg(
        long,
        env = "GATEHOUSE_CLIENT_IP_HEADER",
        value_enum,
        default_value = "x-forwarded-for"
    )]
    pub client_ip_header: ClientIpHeader,

    /// Origins allowed to call the API from a browser, e.g. https://news.example.com
    /// (repeatable or comma-separated). Without one, no CORS headers are sent.
    #[arg(
        long = "cors-origin",
        env = "GATEHOUSE_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,

    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[arg(long, env = "GATEHOUSE_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub body_limit: usize,

    /// Largest rules file an admin may send to the rules API (edit, check, test, backtest), in
    /// bytes: a site's word lists can run to megabytes.
    #[arg(long, env = "GATEHOUSE_RULES_BODY_LIMIT", default_value_t = 8 * 1024 * 1024)]
    pub rules_body_limit: usize,

    /// Seconds a request body may take to arrive once its headers are in; a client that
    /// stalls longer gets 408 and its connection is closed.
    #[arg(long, env = "GATEHOUSE_BODY_TIMEOUT_SECS", default_value_t = 15)]
    pub body_timeout_secs: u64,

    /// Connections one client address may hold open; requests on more are answered 429 and
    /// those connections closed. Trusted proxies are not bounded.
    #[arg(
        long,
        env = "GATEHOUSE_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 64
    )]
    pub max_connections_per_address: usize,

    /// Do not watch the rules file for changes (reload with SIGHUP or the admin API instead),
    /// e.g. on file systems without change notification.
    #[arg(long, env = "GATEHOUSE_NO_WATCH_RULES")]
    pub no_watch_rules: bool,

    /// Minutes of inactivity after which a moderator's session ends.
    #[arg(long, env = "GATEHOUSE_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,

    /// Hours after sign-in at which a session ends, however active.
    #[arg(long, env = "GATEHOUSE_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "GATEHOUSE_WORKERS")]
    pub workers: Option<usize>,

    /// Submissions that may wait for a judging thread, and judged comments that may wait for
    /// the intake writer (each queue this long); beyond that, submissions are answered 503
    /// with Retry-After instead of queueing without bound.
    #[arg(long, env = "GATEHOUSE_INTAKE_QUEUE", default_value_t = 4096)]
    pub intake_queue: usize,

    /// Comments the intake writer stores in one transaction (one durable commit) at most.
    #[arg(long, env = "GATEHOUSE_INTAKE_BATCH", default_value_t = 512)]
    pub intake_batch: usize,

    /// Redis for rate limits shared by every instance, e.g. redis://127.0.0.1:6379. Without
    /// it each instance limits on its own; while it is unreachable, instances fall back to that.
    #[arg(long, env = "GATEHOUSE_REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key, so several sites can share one Redis.
    #[arg(long, env = "GATEHOUSE_REDIS_PREFIX", default_value = "gatehouse:")]
    pub redis_prefix: String,

    /// Log lines as `text` (for a person) or `json` (one object a line, for a collector).
    #[arg(long, env = "GATEHOUSE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Serve /metrics (and /healthz, /readyz) on a listener of its own, e.g. 10.0.0.5:9090,
    /// instead of to the loopback on the main one.
    #[arg(long, env = "GATEHOUSE_METRICS_BIND")]
    pub metrics_bind: Option<String>,

    /// Require `Authorization: Bearer TOKEN` to read /metrics (from anywhere it is served).
    #[arg(long, env = "GATEHOUSE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// A webhook endpoint (named `default`) for the events in --webhook-events; more, with
    /// their own secrets and formats, go in the config file's [[webhook]] tables.
    #[arg(long, env = "GATEHOUSE_WEBHOOK_URL")]
    pub webhook_url: Option<String>,

    /// The --webhook-url endpoint's signing secret: `whsec_` and base64 (Standard Webhooks).
    #[arg(long, env = "GATEHOUSE_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,

    /// Events sent to --webhook-url (comma-separated): comment.held, comment.flagged,
    /// comment.decided, rules.changed.
    #[arg(
        long,
        env = "GATEHOUSE_WEBHOOK_EVENTS",
        value_delimiter = ',',
        default_value = "comment.held,comment.flagged,comment.decided,rules.changed"
    )]
    pub webhook_events: Vec<String>,

    /// Milliseconds before the first retry of a failed webhook delivery; each retry waits
    /// twice as long (at most an hour) until the delivery is a day old.
    #[arg(long, env = "GATEHOUSE_WEBHOOK_FIRST_RETRY_MS", default_value_t = 5000)]
    pub webhook_first_retry_ms: u64,

    /// Endpoints from the config file's [[webhook]] tables.
    #[arg(skip)]
    pub webhooks: Vec<WebhookEndpoint>,
}

impl ServeConfig {
    /// Every webhook endpoint: the file's, and the one of --webhook-url (named `default`);
    /// each checked.
    pub fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, String> {
        let mut endpoints = self.webhooks.clone();
        if let Some(url) = &self.webhook_url {
            endpoints.push(WebhookEndpoint {
                name: "default".into(),
                url: url.clone(),
                secret: self.webhook_secret.clone().unwrap_or_default(),
                events: self.webhook_events.clone(),
                format: Default::default(),
                include_personal_data: false,
            });
        }
        for endpoint in &endpoints {
            endpoint
                .validate()
                .map_err(|e| format!("webhook {:?}: {e}", endpoint.name))?;
        }
        Ok(endpoints)
    }

    /// Defaults for everything, as `serve` with no flags would use; tests start from this.
    pub fn with_defaults() -> Self {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: ServeConfig,
        }
        // Parsing an empty command line cannot fail: every field has a default.
        Wrapper::try_parse_from(["gatehouse"])
            .map(|w| w.config)
            .unwrap_or_else(|e| unreachable!("defaults parse: {e}"))
    }
}

/// Checks a CORS origin is a bare scheme://host[:port], the only form browsers send.
pub fn validate_cors_origin(origin: &str) -> Result<(), String> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("CORS origin {origin:?} must start with http:// or https://"))?;
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok {
        return Err(format!(
            "CORS origin {origin:?} must be scheme://host[:port] with no path or trailing slash"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_readme() {
        let c = ServeConfig::with_defaults();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.database.database_url, "sqlite://gatehouse.db");
        assert_eq!(c.rules, PathBuf::from("moderation_rules.toml"));
        assert!(c.trusted_proxies.is_empty());
    }

    #[test]
    fn cors_origins_must_be_bare_origins() {
        assert!(validate_cors_origin("https://news.example.com").is_ok());
        assert!(validate_cors_origin("http://localhost:3000").is_ok());
        assert!(validate_cors_origin("news.example.com").is_err());
        assert!(validate_cors_origin("https://news.example.com/").is_err());
        assert!(validate_cors_origin("https://x.com/path").is_err());
    }
}
