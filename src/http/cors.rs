//! Cross-origin access for the configured site origins, and refused preflights answered in the
//! API's JSON error format (actix-cors answers them in plain text).

use super::error::ApiError;
use super::error_code::ErrorCode;
use actix_cors::{Cors, CorsError};
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::ResponseError;

/// CORS for `origins`: the API's methods and JSON bodies with idempotency keys and edit tokens,
/// `Retry-After`
/// and `Idempotent-Replayed` readable by scripts.
pub fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::HeaderName::from_static(super::comments::IDEMPOTENCY_KEY),
            header::HeaderName::from_static(super::reader_edits::EDIT_TOKEN),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static(super::comments::IDEMPOTENT_REPLAYED),
        ])
        .max_age(3600)
        // Requests from other origins still get a JSON answer; the browser withholds it.
        .block_on_origin_mismatch(false)
}

/// Wraps the CORS middleware: a response it refused is replaced by the JSON error body.
pub async fn refusals_as_json(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let response = next.call(req).await?;
    let refusal = response
        .response()
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .map(|e| e.to_string());
    Ok(match refusal {
        Some(reason) => {
            let body = ApiError::new(
                ErrorCode::CorsRejected,
                format!("cross-origin request refused: {reason}"),
            )
            .error_response();
            let (request, _) = response.into_parts();
            ServiceResponse::new(request, body).map_into_right_body()
        }
        None => response.map_into_left_body(),
    })
}
