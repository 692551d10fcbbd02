//! NUL characters (`\u0000`) are refused in every text a request carries (path segments, query
//! parameters, JSON strings and keys) with a 400 naming the field: PostgreSQL text cannot hold
//! one, and no field has a use for it. Checked once at the edge so no handler can forget.

use super::error::ApiError;
use actix_web::{web, HttpRequest};
use serde_json::Value;

fn refused(field: String) -> ApiError {
    ApiError::validation(
        Some(field.clone()),
        format!("{field} must not contain NUL characters"),
    )
}

/// The first path parameter or query parameter holding a NUL, as a 400 naming it.
pub fn check_request(req: &HttpRequest) -> Result<(), ApiError> {
    if let Some((name, _)) = req.match_info().iter().find(|(_, v)| v.contains('\0')) {
        return Err(refused(name.to_string()));
    }
    // A query string that does not decode is the handler's `Query` extractor's to refuse.
    if let Ok(pairs) = web::Query::<Vec<(String, String)>>::from_query(req.query_string()) {
        if let Some((name, _)) = pairs
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(refused(name.replace('\0', "")));
        }
    }
    Ok(())
}

/// A JSON body holding a NUL in any string or key, as a 400 naming where (`filter.author`,
/// `ids[2]`). Cheap when there is none: the parse only happens if the escape is in the bytes.
pub fn check_json(body: &[u8]) -> Result<(), ApiError> {
    // Raw NUL bytes are not valid JSON; the only way to send one is the `\u0000` escape.
    if !body.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(()); // the real parse reports the syntax error
    };
    match nul_path(&value, String::new()) {
        Some(path) if path.is_empty() => Err(refused("body".into())),
        Some(path) => Err(refused(path)),
        None => Ok(()),
    }
}

fn nul_path(value: &Value, at: String) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then_some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let clean = key.replace('\0', "");
            let here = if at.is_empty() {
                clean
            } else {
                format!("{at}.{clean}")
            };
            if key.contains('\0') {
                Some(here)
            } else {
                nul_path(item, here)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(body: &str) -> Option<String> {
        check_json(body.as_bytes())
            .err()
            .map(|e| format!("{e:?}"))
            .map(|debug| {
                debug
                    .split("field: Some(\"")
                    .nth(1)
                    .unwrap_or("")
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
    }

    #[test]
    fn names_where_the_nul_is() {
        assert_eq!(
            field(r#"{"username": "a\u0000b"}"#).as_deref(),
            Some("username")
        );
        assert_eq!(
            field(r#"{"filter": {"author": "x\u0000"}}"#).as_deref(),
            Some("filter.author")
        );
        assert_eq!(
            field(r#"{"ids": ["ok", "\u0000"]}"#).as_deref(),
            Some("ids[1]")
        );
        assert_eq!(field(r#"{"a\u0000": 1}"#).as_deref(), Some("a"));
        assert_eq!(field(r#""\u0000""#).as_deref(), Some("body"));
    }

    #[test]
    fn an_escaped_backslash_before_u0000_is_not_a_nul() {
        assert_eq!(field(r#"{"note": "C:\\u0000"}"#), None);
        assert_eq!(field(r#"{"note": "plain"}"#), None);
    }
}
