//! One tracing span per request (request id, method, route; the comment id once a handler
//! knows it), so every log line of a submission, the intake writer's included, can be followed
//! with one grep; the id is returned in `X-Request-Id`. Ends with one line per request (status
//! and duration) and counts it in the HTTP metrics by route and status.

use crate::ratelimit::TrustedProxies;
use crate::telemetry::metrics as names;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest request id taken from a proxy; longer ones are replaced by our own.
const MAX_REQUEST_ID: usize = 128;

/// The route pattern that matched, left in the request's extensions for the metrics.
#[derive(Clone, Copy)]
struct MatchedRoute(&'static str);

pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = request_id(&req);
    // The route is recorded by the resource that matched (`record_route`): matching the path
    // again here would cost a second routing pass per request.
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = tracing::field::Empty,
        comment_id = tracing::field::Empty,
    );
    let method = req.method().clone();
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    let elapsed = started.elapsed();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            if status == 503 {
                // Overload or an unreachable database: passing, and answered with Retry-After.
                tracing::warn!(status, elapsed_ms, "request failed");
            } else if status >= 500 {
                tracing::error!(status, elapsed_ms, "request failed");
            } else {
                tracing::info!(status, elapsed_ms, "request");
            }
            let route = response
                .request()
                .extensions()
                .get::<MatchedRoute>()
                .map_or("unmatched", |r| r.0);
            let method = method_label(&method);
            metrics::counter!(names::HTTP_REQUESTS, "route" => route, "method" => method, "status" => status.to_string())
                .increment(1);
            metrics::histogram!(names::HTTP_DURATION, "route" => route, "method" => method)
                .record(elapsed.as_secs_f64());
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            Ok(response)
        }
        Err(err) => {
            // A refusal from a middleware (401, 400, 429…) is the client's mistake: anyone can
            // send one, so it must not write ERROR lines. Only our faults are errors.
            let status = err.as_response_error().status_code().as_u16();
            if status >= 500 {
                tracing::error!(status, error = %err, elapsed_ms, "request failed");
            } else {
                tracing::info!(status, error = %err, elapsed_ms, "request refused");
            }
            Err(err)
        }
    }
}

/// The method as a metrics label: the standard ones, else `other` (a client inventing
/// methods must not invent series).
fn method_label(method: &actix_web::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// The proxy's `X-Request-Id` when the socket peer is a trusted proxy and the id is plain
/// (visible ASCII, no quotes or spaces, at most 128 characters); otherwise a new UUIDv7. A
/// client's own header is never believed: it could make its lines look like someone else's.
fn request_id(req: &ServiceRequest) -> String {
    let from_proxy = req
        .app_data::<web::Data<TrustedProxies>>()
        .zip(req.peer_addr())
        .filter(|(trusted, peer)| trusted.contains(peer.ip()))
        .and_then(|_| req.headers().get(REQUEST_ID_HEADER))
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_plain_id(id));
    match from_proxy {
        Some(id) => id.to_string(),
        None => uuid::Uuid::now_v7().simple().to_string(),
    }
}

fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\'))
}

/// Records the route pattern that matched on the request's span and for its metrics.
pub fn record_route(req: &ServiceRequest, pattern: &'static str) {
    req.extensions_mut().insert(MatchedRoute(pattern));
    tracing::Span::current().record("route", pattern);
}

/// Records the comment a request is about on its span, for every later log line.
pub fn record_comment_id(comment_id: &str) {
    tracing::Span::current().record("comment_id", comment_id);
}

#[cfg(test)]
mod tests {
    use super::is_plain_id;

    #[test]
    fn only_plain_request_ids_are_taken_from_a_proxy() {
        assert!(is_plain_id("7f1c2a9e-proxy-42"));
        assert!(!is_plain_id(""));
        assert!(!is_plain_id("two words"));
        assert!(!is_plain_id("quote\"d"));
        assert!(!is_plain_id(&"x".repeat(129)));
    }
}
