//! The Prometheus recorder behind the `metrics` facade, installed once per process, and the
//! name of every series Gatehouse exports (one list, so docs/OPERATIONS.md and alerts can rely
//! on them). Modules record with the `metrics` macros and these names.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Comments stored, by `status` (published, pending, rejected). Replays are not counted.
pub const SUBMISSIONS: &str = "gatehouse_submissions_total";
/// Rule matches of stored comments, by `rule` and `mode` (live, shadow).
pub const RULE_HITS: &str = "gatehouse_rule_hits_total";
/// Requests refused by a rate limit, by `action` (comment, flag, login) and `scope`.
pub const RATE_LIMITED: &str = "gatehouse_rate_limited_total";
/// Requests answered, by `route` (the pattern, or `unmatched`), `method` and `status`.
pub const HTTP_REQUESTS: &str = "gatehouse_http_requests_total";
/// Time to answer, by `route` and `method` (histogram).
pub const HTTP_DURATION: &str = "gatehouse_http_request_duration_seconds";
/// Comments waiting for a moderator, by `status` (pending, flagged); read on scrape.
pub const QUEUE_DEPTH: &str = "gatehouse_queue_depth";
/// Age of the oldest comment waiting, by `status` (0 when none); read on scrape.
pub const QUEUE_OLDEST: &str = "gatehouse_queue_oldest_age_seconds";
/// Comments decided by moderators, by `action` (approve, reject).
pub const DECISIONS: &str = "gatehouse_decisions_total";
/// Rules files swapped in, by `source` (file, api).
pub const RULES_RELOADS: &str = "gatehouse_rules_reloads_total";
/// Rules reloads or edits refused (the previous rules stay in force), by `source`.
pub const RULES_RELOAD_FAILURES: &str = "gatehouse_rules_reload_failures_total";
/// Database pool connections, by `state` (in_use, idle); read on scrape.
pub const DB_POOL_CONNECTIONS: &str = "gatehouse_db_pool_connections";
/// The pool's largest size.
pub const DB_POOL_MAX: &str = "gatehouse_db_pool_max_connections";
/// Items the intake writer stored per transaction (histogram).
pub const INTAKE_BATCH_SIZE: &str = "gatehouse_intake_batch_size";
/// Time a judged comment waited in the writer's queue before its batch began (histogram).
pub const INTAKE_WAIT: &str = "gatehouse_intake_wait_seconds";
/// Time one intake batch took to write and commit (histogram).
pub const INTAKE_COMMIT: &str = "gatehouse_intake_commit_seconds";
/// Webhook delivery attempts, by `endpoint` and `outcome` (delivered, failed, gave_up).
pub const WEBHOOK_ATTEMPTS: &str = "gatehouse_webhook_attempts_total";
/// Webhook deliveries not yet delivered or given up on; read on scrape.
pub const WEBHOOK_BACKLOG: &str = "gatehouse_webhook_backlog";

/// Seconds, from a fast cache hit to a stalled database.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const BATCH_BUCKETS: [f64; 11] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (the first call does; later ones share it). `None` when
/// another recorder was installed first (an embedding program's): metrics then go there.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(INTAKE_BATCH_SIZE.into()),
                        &BATCH_BUCKETS,
                    )
                })
                .map(PrometheusBuilder::build_recorder);
            let recorder = match recorder {
                Ok(recorder) => recorder,
                Err(err) => {
                    tracing::warn!(error = %err, "metrics disabled");
                    return None;
                }
            };
            let handle = recorder.handle();
            match metrics::set_global_recorder(recorder) {
                Ok(()) => {
                    describe();
                    Some(handle)
                }
                Err(_) => None,
            }
        })
        .clone()
}

/// `# HELP` lines, so a person reading a scrape knows what each series is.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(SUBMISSIONS, "Comments stored, by status");
    describe_counter!(
        RULE_HITS,
        "Rule matches of stored comments, by rule and mode"
    );
    describe_counter!(RATE_LIMITED, "Requests refused by a rate limit");
    describe_counter!(
        HTTP_REQUESTS,
        "Requests answered, by route, method and status"
    );
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to answer a request");
    describe_gauge!(QUEUE_DEPTH, "Comments waiting for a moderator");
    describe_gauge!(
        QUEUE_OLDEST,
        Unit::Seconds,
        "Age of the oldest comment waiting"
    );
    describe_counter!(DECISIONS, "Comments decided by moderators, by action");
    describe_counter!(RULES_RELOADS, "Rules swapped in, by source");
    describe_counter!(RULES_RELOAD_FAILURES, "Rules reloads or edits refused");
    describe_gauge!(DB_POOL_CONNECTIONS, "Database pool connections by state");
    describe_gauge!(DB_POOL_MAX, "Largest size of the database pool");
    describe_histogram!(INTAKE_BATCH_SIZE, "Comments stored per intake transaction");
    describe_histogram!(INTAKE_WAIT, Unit::Seconds, "Wait in the intake queue");
    describe_histogram!(
        INTAKE_COMMIT,
        Unit::Seconds,
        "Time to write one intake batch"
    );
    describe_counter!(WEBHOOK_ATTEMPTS, "Webhook delivery attempts, by outcome");
    describe_gauge!(WEBHOOK_BACKLOG, "Webhook deliveries still to be made");
}
