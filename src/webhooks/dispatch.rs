//! The dispatcher: a thread of its own (never on a request's path) that fans new events out
//! into one delivery per subscribed endpoint, claims due deliveries, sends them signed, and
//! records each attempt. A failed delivery is retried with exponential backoff (the first
//! retry after `first_retry`, each next one twice as long, at most an hour apart) until it is
//! a day old, then given up on. Stopping waits for the attempts in flight to be recorded.

use super::endpoint::WebhookEndpoint;
use super::event;
use super::signing::Secret;
use crate::storage::outbox::{self, Attempt, OutboxRow};
use crate::storage::{self, DbConnection, Pool, StorageError};
use crate::telemetry::metrics as names;
use crate::timestamps;
use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// How often the outbox is looked at when idle.
const POLL: Duration = Duration::from_millis(500);
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is this dispatcher's (longer than any attempt).
const LEASE: Duration = Duration::from_secs(60);
/// Deliveries attempted together at most.
const BATCH: i64 = 32;
/// Retries stop when a delivery is this old.
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The longest wait between two attempts.
const LONGEST_WAIT: Duration = Duration::from_secs(3600);
/// Finished deliveries are kept this long in the log.
const KEEP_LOG: Duration = Duration::from_secs(30 * 24 * 3600);
/// Longest error text kept per attempt.
const MAX_ERROR: usize = 500;

/// One configured endpoint, its secret decoded.
#[derive(Clone)]
struct Target {
    endpoint: WebhookEndpoint,
    secret: Secret,
}

/// The running dispatcher; dropping it stops the thread after its current round.
pub struct Dispatcher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Dispatcher {
    /// Starts delivering the outbox of `pool` to `endpoints`.
    pub fn start(
        pool: Pool,
        endpoints: Arc<Vec<WebhookEndpoint>>,
        first_retry: Duration,
    ) -> std::io::Result<Dispatcher> {
        let targets: Arc<HashMap<String, Target>> = Arc::new(
            endpoints
                .iter()
                .filter_map(|e| {
                    let secret = Secret::parse(&e.secret).ok()?;
                    Some((
                        e.name.clone(),
                        Target {
                            endpoint: e.clone(),
                            secret,
                        },
                    ))
                })
                .collect(),
        );
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("webhooks".into())
            .spawn(move || {
                run(
                    &pool,
                    &targets,
                    first_retry.max(Duration::from_millis(1)),
                    &stopped,
                )
            })?;
        Ok(Dispatcher {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(
    pool: &Pool,
    targets: &Arc<HashMap<String, Target>>,
    first_retry: Duration,
    stopped: &mpsc::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(error = %err, "webhooks: cannot start; nothing will be delivered");
            return;
        }
    };
    let client = match reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Gatehouse-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "webhooks: cannot start; nothing will be delivered");
            return;
        }
    };
    let mut purged_at = std::time::Instant::now();
    loop {
        let worked = match round(pool, targets, first_retry, &runtime, &client) {
            Ok(worked) => worked,
            Err(err) => {
                tracing::warn!(error = %err, "webhooks: the outbox is unreachable; retrying");
                false
            }
        };
        if purged_at.elapsed() > Duration::from_secs(3600) {
            purged_at = std::time::Instant::now();
            let before = timestamps::now() - KEEP_LOG;
            if let Err(err) = pool
                .get()
                .map_err(StorageError::from)
                .and_then(|mut c| outbox::purge(&mut c, before))
            {
                tracing::warn!(error = %err, "webhooks: could not purge the delivery log");
            }
        }
        // Straight on while there is work; otherwise wait for the next poll (or the stop).
        let wait = if worked { Duration::ZERO } else { POLL };
        match stopped.recv_timeout(wait) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
    }
}

/// Fans out new events and attempts the due deliveries; `true` if there was anything to do.
fn round(
    pool: &Pool,
    targets: &Arc<HashMap<String, Target>>,
    first_retry: Duration,
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
) -> Result<bool, StorageError> {
    let mut conn = pool.get()?;
    // Reads first: an idle outbox costs two indexed reads a poll, never the write lock.
    let fanned = if outbox::new_events(&mut conn, 1)?.is_empty() {
        0
    } else {
        fan_out(&mut conn, targets)?
    };
    let now = timestamps::now();
    let due = if outbox::any_due(&mut conn, now)? {
        storage::write_transaction(&mut conn, |conn| {
            outbox::claim_due(conn, now, now + LEASE, BATCH)
        })?
    } else {
        Vec::new()
    };
    if fanned > 0 || !due.is_empty() {
        metrics::gauge!(names::WEBHOOK_BACKLOG).set(outbox::backlog(&mut conn)? as f64);
    }
    if due.is_empty() {
        return Ok(fanned > 0);
    }
    let attempts = runtime.block_on(attempt_all(client, targets, &due));
    let now = timestamps::now();
    for (row, (status, error)) in due.iter().zip(attempts) {
        let endpoint = row.endpoint.as_deref().unwrap_or_default();
        let attempt = settle(row, status, error, first_retry, now);
        let outcome = match (&attempt.error, attempt.retry_at) {
            (None, _) => "delivered",
            (Some(_), Some(_)) => "failed",
            (Some(_), None) => "gave_up",
        };
        metrics::counter!(names::WEBHOOK_ATTEMPTS, "endpoint" => endpoint.to_string(), "outcome" => outcome)
            .increment(1);
        match &attempt.error {
            None => {
                tracing::info!(delivery = %row.id, endpoint, event = %row.event_type, "webhook delivered")
            }
            Some(err) => tracing::warn!(
                delivery = %row.id,
                endpoint,
                event = %row.event_type,
                attempt = row.attempts + 1,
                error = %err,
                gave_up = attempt.retry_at.is_none(),
                "webhook delivery failed"
            ),
        }
        storage::write_transaction(&mut conn, |conn| {
            outbox::record_attempt(conn, &row.id, &attempt, now)
        })?;
    }
    Ok(true)
}

/// Turns each new event into one delivery per endpoint that subscribes to it (none left:
/// the event is dropped). Returns how many events it took.
fn fan_out(
    conn: &mut DbConnection,
    targets: &HashMap<String, Target>,
) -> Result<usize, StorageError> {
    storage::write_transaction(conn, |conn| {
        let events = outbox::new_events(conn, 200)?;
        let mut taken = 0;
        for event in &events {
            // Another instance may have taken it: only the one that removes it fans it out.
            if !outbox::take_event(conn, &event.id)? {
                continue;
            }
            taken += 1;
            let mut deliveries = Vec::new();
            for target in targets.values() {
                if !target.endpoint.wants(&event.event_type) {
                    continue;
                }
                let payload = if target.endpoint.include_personal_data {
                    with_personal_data(conn, &event.payload)?
                } else {
                    event.payload.clone()
                };
                let mut delivery = OutboxRow::new(
                    &event.event_type,
                    Some(&target.endpoint.name),
                    payload,
                    event.created_at,
                );
                delivery.next_attempt_at = timestamps::now();
                deliveries.push(delivery);
            }
            outbox::insert(conn, &deliveries)?;
        }
        Ok(taken)
    })
}

/// Adds the reader's email and address to a comment event's data.
fn with_personal_data(conn: &mut DbConnection, payload: &str) -> Result<String, StorageError> {
    let Ok(mut data) = serde_json::from_str::<serde_json::Value>(payload) else {
        return Ok(payload.to_string());
    };
    let Some(id) = data["comment_id"].as_str().map(str::to_string) else {
        return Ok(payload.to_string());
    };
    if let Some((email, ip)) = outbox::comment_contact(conn, &id)? {
        data["author_email"] = email.into();
        data["client_ip"] = ip.into();
    }
    Ok(data.to_string())
}

/// Sends every claimed delivery at once; each one's HTTP status and error.
async fn attempt_all(
    client: &reqwest::Client,
    targets: &Arc<HashMap<String, Target>>,
    due: &[OutboxRow],
) -> Vec<(Option<i32>, Option<String>)> {
    let mut sends = tokio::task::JoinSet::new();
    for (i, row) in due.iter().enumerate() {
        let (client, targets, row) = (client.clone(), targets.clone(), row.clone());
        sends.spawn(async move { (i, attempt(&client, &targets, &row).await) });
    }
    let mut results = vec![(None, Some("the attempt did not finish".to_string())); due.len()];
    while let Some(joined) = sends.join_next().await {
        if let Ok((i, result)) = joined {
            results[i] = result;
        }
    }
    results
}

async fn attempt(
    client: &reqwest::Client,
    targets: &HashMap<String, Target>,
    row: &OutboxRow,
) -> (Option<i32>, Option<String>) {
    let Some(target) = row.endpoint.as_deref().and_then(|name| targets.get(name)) else {
        return (None, Some("this endpoint is no longer configured".into()));
    };
    let data: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let body = event::body(
        target.endpoint.format,
        &row.event_type,
        &timestamps::rfc3339(row.created_at),
        &data,
    )
    .to_string();
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = target.secret.sign(&row.id, timestamp, body.as_bytes());
    let sent = client
        .post(&target.endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", &row.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => {
            (Some(i32::from(response.status().as_u16())), None)
        }
        Ok(response) => {
            let status = response.status();
            (
                Some(i32::from(status.as_u16())),
                Some(format!("the endpoint answered {status}")),
            )
        }
        // Without the URL: it may carry a token (Slack's do).
        Err(err) => (None, Some(truncate(err.without_url().to_string()))),
    }
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_ERROR {
        let mut end = MAX_ERROR;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The attempt to record: delivered, retried later, or given up on.
fn settle(
    row: &OutboxRow,
    status: Option<i32>,
    error: Option<String>,
    first_retry: Duration,
    now: time::PrimitiveDateTime,
) -> Attempt {
    let Some(error) = error else {
        return Attempt {
            status,
            error: None,
            retry_at: None,
        };
    };
    let wait = retry_wait(first_retry, row.attempts + 1);
    let retry_at = now + wait;
    let give_up_at = row.created_at + GIVE_UP_AFTER;
    Attempt {
        status,
        error: Some(error),
        retry_at: (retry_at <= give_up_at).then_some(retry_at),
    }
}

/// The wait after the `failures`th failed attempt: `first`, then doubling, at most an hour.
pub fn retry_wait(first: Duration, failures: i32) -> Duration {
    let doublings = u32::try_from(failures.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    first
        .checked_mul(1u32 << doublings)
        .unwrap_or(LONGEST_WAIT)
        .min(LONGEST_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_an_hour() {
        let first = Duration::from_secs(5);
        assert_eq!(retry_wait(first, 1), Duration::from_secs(5));
        assert_eq!(retry_wait(first, 2), Duration::from_secs(10));
        assert_eq!(retry_wait(first, 4), Duration::from_secs(40));
        assert_eq!(retry_wait(first, 20), LONGEST_WAIT);
        assert_eq!(retry_wait(first, i32::MAX), LONGEST_WAIT);
    }

    #[test]
    fn a_delivery_a_day_old_is_given_up_on() {
        let created = timestamps::now() - Duration::from_secs(24 * 3600 - 1);
        let mut row = OutboxRow::new("comment.held", Some("a"), "{}".into(), created);
        row.attempts = 10;
        let attempt = settle(
            &row,
            Some(500),
            Some("500".into()),
            Duration::from_secs(5),
            timestamps::now(),
        );
        assert_eq!(attempt.retry_at, None);
        let fresh = OutboxRow::new("comment.held", Some("a"), "{}".into(), timestamps::now());
        let attempt = settle(
            &fresh,
            Some(500),
            Some("500".into()),
            Duration::from_secs(5),
            timestamps::now(),
        );
        assert!(attempt.retry_at.is_some());
    }
}
