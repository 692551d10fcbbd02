//! One tracing span per request (request id, method, route; the comment id once a handler
//! knows it), so every log line of a submission can be followed with one grep; the id is
//! returned in `X-Request-Id`. Ends with one line per request: status and duration.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = uuid::Uuid::now_v7().simple().to_string();
    // The route is recorded by the resource that matched (`record_route`): matching the path
    // again here would cost a second routing pass per request.
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = tracing::field::Empty,
        comment_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
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

/// Records the route pattern that matched on the request's span.
pub fn record_route(pattern: &str) {
    tracing::Span::current().record("route", pattern);
}

/// Records the comment a request is about on its span, for every later log line.
pub fn record_comment_id(comment_id: &str) {
    tracing::Span::current().record("comment_id", comment_id);
}
