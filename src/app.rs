//! Composition root: loads the rules, opens and migrates the database, builds the limiters and
//! binds the HTTP server. Exposes the bound port so tests can start it on port 0.

use crate::auth::password::HashingPool;
use crate::auth::sessions::SessionPolicy;
use crate::config::{validate_cors_origin, ServeConfig};
use crate::http::connections::ConnectionLimits;
use crate::http::json::{BodyLimit, BodyTimeout, RulesBodyLimit};
use crate::http::{self, metrics::MetricsEndpoint, AppState};
use crate::moderation::{Intake, LiveModel};
use crate::policy::PolicyHandle;
use crate::ratelimit::{LoginThrottle, RateLimits, TrustedProxies};
use crate::rules::RulesError;
use crate::storage::checkpoint::Checkpointer;
use crate::storage::group_commit::GroupCommitConfig;
use crate::storage::{self, DatabaseUrl, OpenMode, StorageError};
use crate::webhooks::{Dispatcher, Webhooks};
use actix_web::middleware::{from_fn, Condition, DefaultHeaders};
use actix_web::{dev::Server, web, App};
use std::net::TcpListener;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Why the server could not start; each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid rules file: {0}")]
    Rules(#[from] RulesError),
    #[error("database: {0}")]
    Storage(#[from] StorageError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// How often idle rate-limit keys are dropped.
const LIMITER_SWEEP_EVERY: Duration = Duration::from_secs(60);

pub struct Application {
    port: u16,
    /// The `--metrics-bind` listener's port, if there is one.
    metrics_port: Option<u16>,
    server: Server,
    /// SQLite's WAL checkpoints, off the write path (none on PostgreSQL); stop with the server.
    checkpointer: Option<Checkpointer>,
    /// Webhook deliveries; stopped after the server, its attempts in flight recorded.
    dispatcher: Dispatcher,
}

impl Application {
    pub fn build(config: &ServeConfig) -> Result<Self, StartupError> {
        let policy = Arc::new(PolicyHandle::load(&config.rules)?);
        let live = policy.current();
        tracing::info!(rules = %policy.path().display(), version = live.version(), "rules loaded");
        for origin in &config.cors_origins {
            validate_cors_origin(origin).map_err(StartupError::Config)?;
        }
        let database = DatabaseUrl::parse(&config.database.database_url)?;
        let pool = storage::open(
            &database,
            config.database.db_pool_size,
            OpenMode::CreateIfMissing,
        )?;
        // Computed now so the first unknown-user login costs the same as any other.
        let _ = crate::auth::password::dummy_hash();
        crate::policy::reload::spawn(&policy, pool.clone(), !config.no_watch_rules);
        let limits = RateLimits::new(
            &live.quotas,
            config.redis_url.as_deref(),
            &config.redis_prefix,
        )
        .map_err(|e| StartupError::Config(format!("--redis-url: {e}")))?;
        let limits = Arc::new(limits);
        spawn_limiter_sweeper(Arc::downgrade(&limits));
        tracing::info!(
            shared = config.redis_url.is_some(),
            prefix = %config.redis_prefix,
            "rate limits"
        );
        // The learned rule's counts survive restarts: loaded now, then followed (decisions
        // made by other instances count here within a second).
        let learning = Arc::new(LiveModel::load(
            &mut *pool.get().map_err(StorageError::from)?,
        )?);
        LiveModel::spawn_poller(&learning, pool.clone());
        let intake = Intake::start(
            pool.clone(),
            learning.clone(),
            GroupCommitConfig {
                queue_capacity: config.intake_queue.max(1),
                max_batch: config.intake_batch.max(1),
                metrics: Some(crate::storage::group_commit::MetricNames {
                    batch_size: crate::telemetry::metrics::INTAKE_BATCH_SIZE,
                    wait_seconds: crate::telemetry::metrics::INTAKE_WAIT,
                    commit_seconds: crate::telemetry::metrics::INTAKE_COMMIT,
                }),
            },
        )?;
        let checkpointer = Checkpointer::start(pool.clone(), database.backend());
        let endpoints = Arc::new(config.webhook_endpoints().map_err(StartupError::Config)?);
        let dispatcher = Dispatcher::start(
            pool.clone(),
            endpoints.clone(),
            Duration::from_millis(config.webhook_first_retry_ms),
        )
        .map_err(|e| StartupError::Config(format!("cannot start the webhook dispatcher: {e}")))?;
        tracing::info!(endpoints = endpoints.len(), "webhooks");
        let webhooks = web::Data::new(Webhooks::new(pool.clone(), endpoints));
        let state = web::Data::new(AppState {
            pool,
            intake,
            learning,
            policy: policy.clone(),
            limits: limits.clone(),
            session_policy: SessionPolicy {
                idle_timeout: Duration::from_secs(config.session_idle_minutes.max(1) * 60),
                max_lifetime: Duration::from_secs(config.session_max_hours.max(1) * 3600),
            },
            login_throttle: LoginThrottle::default(),
            hashing: HashingPool::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
        });
        let trusted = web::Data::new(
            TrustedProxies::new(config.trusted_proxies.clone())
                .with_header(config.client_ip_header),
        );
        let body_limit = web::Data::new(BodyLimit(config.body_limit));
        let rules_body_limit = web::Data::new(RulesBodyLimit(config.rules_body_limit));
        let body_timeout = web::Data::new(BodyTimeout(Duration::from_secs(
            config.body_timeout_secs.max(1),
        )));
        let connections = ConnectionLimits::new(
            config.max_connections_per_address,
            trusted.get_ref().clone(),
        );
        raise_open_files_limit();
        let origins = config.cors_origins.clone();
        let metrics_listener = match &config.metrics_bind {
            Some(addr) => Some(
                TcpListener::bind(addr).map_err(|source| StartupError::Bind {
                    addr: addr.clone(),
                    source,
                })?,
            ),
            None => None,
        };
        let metrics_addr = metrics_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()
            .map_err(|source| StartupError::Bind {
                addr: config.metrics_bind.clone().unwrap_or_default(),
                source,
            })?;
        let metrics_endpoint = web::Data::new(MetricsEndpoint::new(
            crate::telemetry::metrics::install(),
            metrics_addr,
            config.metrics_token.clone(),
        ));

        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            addr: config.bind.clone(),
            source,
        })?;
        let bind_error = |source| StartupError::Bind {
            addr: config.bind.clone(),
            source,
        };
        let port = listener.local_addr().map_err(bind_error)?.port();
        let app = move || {
            App::new()
                .wrap(Condition::new(
                    !origins.is_empty(),
                    http::cors::cors(&origins),
                ))
                .wrap(from_fn(http::cors::refusals_as_json))
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(from_fn(http::metrics::own_listener_only))
                .wrap(from_fn(http::request_span::request_span))
                .wrap(from_fn(http::connections::refuse_excess))
                .app_data(state.clone())
                .app_data(metrics_endpoint.clone())
                .app_data(webhooks.clone())
                .app_data(trusted.clone())
                .app_data(body_limit.clone())
                .app_data(rules_body_limit.clone())
                .app_data(body_timeout.clone())
                .configure(http::routes)
        };
        let mut listeners = vec![listener];
        if let Some(listener) = metrics_listener {
            listeners.push(listener);
            if let Some(addr) = metrics_addr {
                tracing::info!(address = %addr, "metrics served on their own listener");
            }
        }
        let server =
            http::server::serve(app, listeners, config.workers, connections).map_err(bind_error)?;
        // Absolute paths: a relative default resolves against the folder `serve` started in.
        let rules_file =
            std::path::absolute(&config.rules).unwrap_or_else(|_| config.rules.clone());
        tracing::info!(
            port,
            database = %database.redacted(),
            rules = %rules_file.display(),
            "listening"
        );
        Ok(Application {
            port,
            metrics_port: metrics_addr.map(|a| a.port()),
            server,
            checkpointer,
            dispatcher,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// A handle to stop the server (tests, signals).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        drop(self.checkpointer);
        // Joining waits for attempts in flight (bounded by their timeout): off the async worker.
        let dispatcher = self.dispatcher;
        let _ = tokio::task::spawn_blocking(move || drop(dispatcher)).await;
        result
    }
}

/// Raises the soft limit on open files to the hard limit: every connection is a descriptor, and
/// the usual soft default (1,024) is reached long before the machine's real capacity.
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed in.
    let raised = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        if limit.rlim_cur >= limit.rlim_max {
            return;
        }
        let before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        (libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0).then_some(before)
    };
    match raised {
        Some(before) => {
            tracing::info!(
                from = before,
                to = limit.rlim_cur,
                "raised the open files limit"
            )
        }
        None => tracing::warn!("could not raise the open files limit"),
    }
}

/// The soft limit on open files now (for tests and diagnostics).
pub fn open_files_limit() -> Option<libc::rlim_t> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed in.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0).then_some(limit.rlim_cur)
}

/// Sweeps idle keys until the limiters are dropped.
fn spawn_limiter_sweeper(limits: Weak<RateLimits>) {
    std::thread::Builder::new()
        .name("limiter-sweeper".into())
        .spawn(move || loop {
            std::thread::sleep(LIMITER_SWEEP_EVERY);
            match limits.upgrade() {
                Some(limits) => limits.local().sweep(),
                None => break,
            }
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::warn!(error = %e, "could not start the limiter sweeper"));
}
