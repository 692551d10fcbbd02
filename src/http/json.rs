//! `JsonBody<T>`: the request-body extractor. It checks the media type, enforces the size limit
//! while reading, and turns every parse failure into a precise 4xx naming the field.

use super::error::ApiError;
use super::error_code::ErrorCode;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

/// Body limit used when the app registers none.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Body limit for a rules file sent by an admin when the app registers none.
pub const DEFAULT_RULES_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The configured maximum body size, registered as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The maximum body size of the admin routes that carry a whole rules file (a site's word
/// lists can run to megabytes), registered as app data. Only admins reach those routes, so a
/// larger limit there does not widen what an anonymous client can send.
#[derive(Debug, Clone, Copy)]
pub struct RulesBodyLimit(pub usize);

/// How long a body may take to arrive once the headers are in, registered as app data; a
/// client that stalls mid-body gets 408 and its connection closed instead of holding it.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

/// Body timeout used when the app registers none.
pub const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

pub struct JsonBody<T>(pub T);

/// `JsonBody` under `RulesBodyLimit`: for the admin routes that take a rules file's source.
pub struct RulesJsonBody<T>(pub T);

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than {limit} bytes"),
    )
}

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.essence_str() == "application/json"
                || (mime.type_() == "application" && mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    }
}

/// Like `JsonBody`, but an empty body is `None` (for actions whose body is optional).
pub struct OptionalJsonBody<T>(pub Option<T>);

/// Like `JsonBody`, but NUL characters in strings reach the handler: for the one handler that
/// must record such a request before refusing it (a failed login is audited whatever the name).
pub struct JsonBodyAllowingNul<T>(pub T);

/// What a body extractor accepts beyond a JSON document within the body limit.
#[derive(Clone, Copy, Default)]
struct Accepting {
    /// No body at all (`None`).
    empty: bool,
    /// NUL characters in strings.
    nul: bool,
    /// A rules file: `RulesBodyLimit` instead of `BodyLimit`.
    rules_file: bool,
}

/// Reads and parses the body; `None` when an empty body is accepted and there is none. Unless
/// NUL is accepted, a NUL in any string is a 400 naming the field (see `nul`).
fn read_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    accepting: Accepting,
) -> LocalBoxFuture<'static, Result<Option<T>, ApiError>> {
    let limit = if accepting.rules_file {
        req.app_data::<web::Data<RulesBodyLimit>>()
            .map_or(DEFAULT_RULES_BODY_LIMIT, |l| l.0)
    } else {
        req.app_data::<web::Data<BodyLimit>>()
            .map_or(DEFAULT_BODY_LIMIT, |l| l.0)
    };
    let declared_length = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let timeout = req
        .app_data::<web::Data<BodyTimeout>>()
        .map(|t| t.0)
        .unwrap_or(DEFAULT_BODY_TIMEOUT);
    let json = is_json(req);
    let mut payload = payload.take();
    Box::pin(async move {
        if declared_length.is_some_and(|len| len > limit) {
            return Err(too_large(limit));
        }
        let read = async {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::validation(None, format!("could not read the request body: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        let body = tokio::time::timeout(timeout, read).await.map_err(|_| {
            ApiError::new(
                ErrorCode::RequestTimeout,
                format!(
                    "the request body did not arrive within {} seconds",
                    timeout.as_secs()
                ),
            )
        })??;
        if accepting.empty && body.is_empty() {
            return Ok(None);
        }
        if !json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        if !accepting.nul {
            super::nul::check_json(&body)?;
        }
        parse(&body).map(Some)
    })
}

/// The required body of `JsonBody`, `RulesJsonBody` and `JsonBodyAllowingNul`.
fn required_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    accepting: Accepting,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    let json = is_json(req);
    let read = read_json::<T>(req, payload, accepting);
    Box::pin(async move {
        // The media type is checked first so a non-JSON body is a 415 even when large.
        if !json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        match read.await? {
            Some(value) => Ok(value),
            None => Err(ApiError::new(ErrorCode::MalformedJson, "the body is empty")),
        }
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = required_json::<T>(req, payload, Accepting::default());
        Box::pin(async move { read.await.map(JsonBody) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for RulesJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let rules_file = Accepting {
            rules_file: true,
            ..Accepting::default()
        };
        let read = required_json::<T>(req, payload, rules_file);
        Box::pin(async move { read.await.map(RulesJsonBody) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBodyAllowingNul<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let nul = Accepting {
            nul: true,
            ..Accepting::default()
        };
        let read = required_json::<T>(req, payload, nul);
        Box::pin(async move { read.await.map(JsonBodyAllowingNul) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let empty = Accepting {
            empty: true,
            ..Accepting::default()
        };
        let read = read_json::<T>(req, payload, empty);
        Box::pin(async move { read.await.map(OptionalJsonBody) })
    }
}

/// Parses a JSON document, naming the offending field on a type or value error.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        json_error(&inner, path)
    })?;
    deserializer
        .end()
        .map_err(|e| json_error(&e, String::new()))?;
    Ok(value)
}

fn json_error(err: &serde_json::Error, path: String) -> ApiError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Data => {
            let message = err.to_string();
            let field = Some(path)
                .filter(|p| !p.is_empty() && p != ".")
                .or_else(|| backticked_after(&message, "unknown field `"))
                .or_else(|| backticked_after(&message, "missing field `"));
            ApiError::validation(field, strip_position(&message))
        }
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {err}"),
        ),
    }
}

fn backticked_after(message: &str, marker: &str) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    Some(rest[..rest.find('`')?].to_string())
}

/// serde's messages end in " at line 1 column 20"; the field already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: Option<u32>,
    }

    fn field(result: Result<Sample, ApiError>) -> (u16, &'static str) {
        let err = result.unwrap_err();
        (err.status().as_u16(), err.code().as_str())
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        assert_eq!(field(parse(b"{\"name\": ")), (400, "malformed_json"));
        assert_eq!(
            field(parse(b"{\"name\": \"a\"} trailing")),
            (400, "malformed_json")
        );
        assert_eq!(field(parse(b"\xff\xfe")), (400, "malformed_json"));
    }

    #[test]
    fn type_errors_name_the_field() {
        let err = parse::<Sample>(br#"{"name": 5}"#).unwrap_err();
        assert_eq!(err.code().as_str(), "validation_failed");
        let body = format!("{:?}", err);
        assert!(body.contains("Some(\"name\")"), "{body}");
    }

    #[test]
    fn unknown_and_missing_fields_are_named() {
        let err = parse::<Sample>(br#"{"name": "a", "admin": true}"#).unwrap_err();
        assert!(format!("{err:?}").contains("Some(\"admin\")"), "{err:?}");
        let err = parse::<Sample>(br#"{"count": 1}"#).unwrap_err();
        assert!(format!("{err:?}").contains("Some(\"name\")"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse::<serde_json::Value>(deep.as_bytes()).unwrap_err();
        assert_eq!(
            (err.status().as_u16(), err.code().as_str()),
            (400, "malformed_json")
        );
        let nested_field = format!("{{\"name\": {}1{}}}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(field(parse(nested_field.as_bytes())).0, 400);
    }
}
