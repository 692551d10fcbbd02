//! `GET /metrics`: the Prometheus text format. Never public by default: answered only to the
//! loopback (and not through a proxy), or on the operator's own listener (`--metrics-bind`),
//! and always only with the bearer token when `--metrics-token` is set.

use super::error::{ApiError, ErrorBody};
use super::error_code::ErrorCode;
use super::AppState;
use crate::moderation;
use crate::telemetry::metrics as names;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use metrics_exporter_prometheus::PrometheusHandle;
use parking_lot::Mutex;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Gauges read from the database are refreshed at most this often, however often scraped.
const GAUGES_FRESH_FOR: Duration = Duration::from_secs(2);

/// Who may read the metrics and where.
pub struct MetricsEndpoint {
    handle: Option<PrometheusHandle>,
    /// The listener of `--metrics-bind`: the only place metrics are served when set.
    listener: Option<SocketAddr>,
    token: Option<String>,
    gauges_read_at: Mutex<Option<Instant>>,
}

impl MetricsEndpoint {
    pub fn new(
        handle: Option<PrometheusHandle>,
        listener: Option<SocketAddr>,
        token: Option<String>,
    ) -> Self {
        MetricsEndpoint {
            handle,
            listener,
            token: token.filter(|t| !t.is_empty()),
            gauges_read_at: Mutex::new(None),
        }
    }

    fn on_own_listener(&self, req: &HttpRequest) -> bool {
        self.listener == Some(req.app_config().local_addr())
    }

    /// `Ok` when `req` may read the metrics; otherwise the refusal.
    fn admit(&self, req: &HttpRequest) -> Result<(), ApiError> {
        if self.listener.is_some() && !self.on_own_listener(req) {
            return Err(ApiError::not_found(
                "metrics are served on their own listener",
            ));
        }
        if let Some(token) = &self.token {
            let sent = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            return match sent {
                Some(sent) if constant_time_eq(sent.as_bytes(), token.as_bytes()) => Ok(()),
                _ => Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "the metrics need the bearer token set with --metrics-token",
                )),
            };
        }
        if self.on_own_listener(req) {
            return Ok(());
        }
        // A proxy on this host makes every reader look local: a forwarded request is not.
        let forwarded = req.headers().contains_key(header::FORWARDED)
            || req.headers().contains_key(header::X_FORWARDED_FOR);
        let loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
        if loopback && !forwarded {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                "metrics are served to the loopback only; see --metrics-bind and --metrics-token",
            ))
        }
    }

    /// Whether the gauges read from the database are due for a refresh (and claims it).
    fn gauges_due(&self) -> bool {
        let mut read_at = self.gauges_read_at.lock();
        let due = read_at.is_none_or(|at| at.elapsed() >= GAUGES_FRESH_FOR);
        if due {
            *read_at = Some(Instant::now());
        }
        due
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Metrics in the Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    description = "Prometheus text format. Answered to the loopback only (not through a proxy), on the --metrics-bind listener when one is set, and only with `Authorization: Bearer <token>` when --metrics-token is set.",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain", body = String),
        (status = 401, description = "A metrics token is set and was not sent", body = ErrorBody),
        (status = 403, description = "Not from the loopback", body = ErrorBody),
        (status = 404, description = "Metrics are served on their own listener", body = ErrorBody),
    )
)]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    endpoint: web::Data<MetricsEndpoint>,
) -> Result<HttpResponse, ApiError> {
    endpoint.admit(&req)?;
    if endpoint.gauges_due() {
        let pool = state.pool.clone();
        match web::block(move || moderation::queue_depth(&pool)).await {
            Ok(Ok((pending, flagged))) => {
                for (status, waiting) in [("pending", pending), ("flagged", flagged)] {
                    metrics::gauge!(names::QUEUE_DEPTH, "status" => status)
                        .set(waiting.comments as f64);
                    metrics::gauge!(names::QUEUE_OLDEST, "status" => status)
                        .set(waiting.oldest_secs as f64);
                }
            }
            // The scrape still answers with everything else; the gauges keep their last value.
            Ok(Err(err)) => tracing::warn!(error = %err, "metrics: queue depth unavailable"),
            Err(err) => tracing::warn!(error = %err, "metrics: queue depth unavailable"),
        }
    }
    let (in_use, idle, max) = moderation::pool_use(&state.pool);
    metrics::gauge!(names::DB_POOL_CONNECTIONS, "state" => "in_use").set(f64::from(in_use));
    metrics::gauge!(names::DB_POOL_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    metrics::gauge!(names::DB_POOL_MAX).set(f64::from(max));
    let text = endpoint
        .handle
        .as_ref()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

/// On the metrics listener, only the metrics and the health checks are served.
pub async fn own_listener_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let on_metrics_listener = req
        .app_data::<web::Data<MetricsEndpoint>>()
        .is_some_and(|endpoint| endpoint.on_own_listener(req.request()));
    if on_metrics_listener && !matches!(req.path(), "/metrics" | "/healthz" | "/readyz") {
        let response = ApiError::not_found("only /metrics, /healthz and /readyz are served here")
            .error_response();
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(peer: &str) -> HttpRequest {
        TestRequest::default()
            .peer_addr(peer.parse().unwrap())
            .to_http_request()
    }

    #[test]
    fn only_the_loopback_may_scrape_without_a_token_or_a_listener() {
        let endpoint = MetricsEndpoint::new(None, None, None);
        assert!(endpoint.admit(&from("127.0.0.1:50000")).is_ok());
        assert!(endpoint.admit(&from("[::1]:50000")).is_ok());
        let refused = endpoint.admit(&from("203.0.113.7:50000")).unwrap_err();
        assert_eq!(refused.error_response().status().as_u16(), 403);
        let refused = endpoint.admit(&from("10.1.2.3:50000")).unwrap_err();
        assert_eq!(refused.error_response().status().as_u16(), 403);
    }

    #[test]
    fn with_a_token_any_address_may_scrape_and_none_without_it() {
        let endpoint = MetricsEndpoint::new(None, None, Some("t0ken".into()));
        let with = TestRequest::default()
            .peer_addr("203.0.113.7:50000".parse().unwrap())
            .insert_header(("authorization", "Bearer t0ken"))
            .to_http_request();
        assert!(endpoint.admit(&with).is_ok());
        let local_without = endpoint.admit(&from("127.0.0.1:50000")).unwrap_err();
        assert_eq!(local_without.error_response().status().as_u16(), 401);
    }
}
