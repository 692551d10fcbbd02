//! What the server enforces, written into the OpenAPI document so a client (or a contract
//! test generating requests from it) sees the same rules: article id and username patterns,
//! page-size ranges, the enums of flag reasons, roles, ban kinds, decisions and queue statuses,
//! UUID ids, no NUL in any text; and the refusals every operation can answer (400 for a bad
//! field or a NUL, 414 for a URL over 8 KiB, 429 for too many connections, 503 for an
//! unavailable database; 408, 413 and 415 where there is a body). Applied to the generated
//! document as JSON, after the handlers' annotations.

use serde_json::{json, Map, Value};

/// A string with no NUL: JSON Schema's way of saying what `http::nul` refuses.
const NO_NUL: &str = "^[^\\u0000]*$";

/// `ArticleId`: 1-128 of `A-Z a-z 0-9 - _ . : ~`, not only dots.
const ARTICLE_ID: &str = "^[A-Za-z0-9._:~-]*[A-Za-z0-9_:~-][A-Za-z0-9._:~-]*$";

/// Usernames as `accounts::normalize_username` accepts them (it lowercases first).
const USERNAME: &str = "^[A-Za-z0-9._-]{3,64}$";

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// The schema a parameter or property named `name` must have, when the server constrains it.
fn constrained(name: &str, location: &str, path: &str) -> Option<Value> {
    Some(match (name, location) {
        ("article_id", "path") => {
            json!({"type": "string", "minLength": 1, "maxLength": 128, "pattern": ARTICLE_ID})
        }
        ("username", "path") => json!({"type": "string", "pattern": USERNAME}),
        ("id", "path") if path.contains("/comments/") => {
            json!({"type": "string", "format": "uuid"})
        }
        // An edit token as issued: 256 bits in base64url.
        ("Edit-Token", "header") => json!({"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"}),
        ("Idempotency-Key", "header") => {
            json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"})
        }
        ("limit", "query") => json!({"type": "integer", "minimum": 1, "maximum": 200}),
        ("cursor", "query") if !path.contains("/articles/") => {
            json!({"type": "string", "format": "uuid"})
        }
        // A thread's cursor encodes a reply's path: 13 ids at most, well under 1 KiB.
        ("cursor", "query") => json!({"type": "string", "maxLength": 1024, "pattern": NO_NUL}),
        ("status", "query") if path.ends_with("/queue") => {
            json!({"type": "string", "enum": ["pending", "flagged", "rejected", "published"]})
        }
        ("since" | "until", "query") => json!({"type": "string", "format": "date-time"}),
        ("url", "query") if path.ends_with("/resolve") => {
            json!({"type": "string", "minLength": 1, "maxLength": 2048, "pattern": NO_NUL})
        }
        ("state", "query") if path.ends_with("/moderation/articles") => {
            json!({"type": "string", "enum": ["open", "premoderated", "closed"]})
        }
        ("sort", "query") if path.ends_with("/moderation/articles") => {
            json!({"type": "string", "enum": ["activity", "pending", "article_id"]})
        }
        ("offset", "query") => json!({"type": "integer", "minimum": 0, "maximum": 100000}),
        _ => return None,
    })
}

/// Enums and formats of request bodies, by schema and property.
fn body_constraints(schema: &str, property: &str) -> Option<Value> {
    Some(match (schema, property) {
        ("FlagRequest", "note") => {
            json!({"type": ["string", "null"], "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$"})
        }
        ("FlagRequest", "reason") => {
            json!({"type": "string", "enum": ["spam", "abuse", "off_topic", "other"]})
        }
        ("CreateUserRequest", "role") => json!({"type": "string", "enum": ["moderator", "admin"]}),
        ("UpdateUserRequest", "role") => {
            json!({"type": ["string", "null"], "enum": ["moderator", "admin", null]})
        }
        ("CreateUserRequest", "username") => json!({"type": "string", "pattern": USERNAME}),
        ("CreateUserRequest", "password") => {
            json!({"type": "string", "minLength": 12, "maxLength": 1024, "pattern": NO_NUL})
        }
        ("UpdateUserRequest", "password") => {
            json!({"type": ["string", "null"], "minLength": 12, "maxLength": 1024, "pattern": NO_NUL})
        }
        ("BanRequest", "kind") => json!({"type": "string", "enum": ["author", "ip"]}),
        // Ids that name no comment are skipped (and counted), not refused.
        ("BulkRequest", "ids") => json!({"type": ["array", "null"], "items": {"type": "string"}}),
        ("BulkRequest", "action") => json!({"type": "string", "enum": ["approve", "reject"]}),
        ("BulkFilter", "status") => {
            json!({"type": ["string", "null"], "enum": ["pending", "flagged", "rejected", "published", null]})
        }
        ("BulkFilter", "article_id") => {
            json!({"type": ["string", "null"], "minLength": 1, "maxLength": 128, "pattern": ARTICLE_ID})
        }
        ("BulkFilter", "before") | ("BanRequest", "expires_at") | ("BacktestRequest", "since") => {
            json!({"type": ["string", "null"], "format": "date-time"})
        }
        ("BacktestRequest", "limit") => {
            json!({"type": ["integer", "null"], "minimum": 1, "maximum": 100000})
        }
        ("ArticleChangeRequest", "state") => {
            json!({"type": "string", "enum": ["open", "premoderated", "closed"]})
        }
        ("ArticleChangeRequest", "closes_at") => {
            json!({"type": ["string", "null"], "format": "date-time"})
        }
        ("ArticleChangeRequest", "reason") => {
            json!({"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"})
        }
        ("DecisionRequest" | "BulkRequest", "expected_status") => {
            json!({"type": ["string", "null"], "enum": ["published", "pending", "rejected", null]})
        }
        ("SubmitCommentRequest", "parent_id") => {
            json!({"type": ["string", "null"], "format": "uuid"})
        }
        _ => return None,
    })
}

/// Adds `pattern: NO_NUL` to every string schema that has no pattern, format or enum yet.
fn forbid_nul(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            let free = !map.contains_key("pattern")
                && !map.contains_key("format")
                && !map.contains_key("enum");
            if is_string && free {
                map.insert("pattern".into(), json!(NO_NUL));
            }
            for (_, child) in map.iter_mut() {
                forbid_nul(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}

/// Longest free-text query parameter the document admits. The server answers `414` to a URL
/// over 8192 bytes; three such parameters of 4-byte characters, percent-encoded, stay under it.
const MAX_QUERY_TEXT_CHARS: u64 = 200;

/// Caps a query parameter's free text (a string with no enum, format or pattern) so that no
/// request the document describes is refused for its length. Not `ids` (up to 100 article
/// ids) nor a thread's `cursor` (a reply's path): their own lengths are their rules.
fn cap_free_text(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let free_string = map.get("type").is_some_and(|t| t == "string")
        && !["enum", "format", "pattern", "maxLength"]
            .iter()
            .any(|k| map.contains_key(*k));
    if free_string {
        map.insert("maxLength".into(), json!(MAX_QUERY_TEXT_CHARS));
    }
}

fn add_response(responses: &mut Map<String, Value>, status: &str, description: &str) {
    responses
        .entry(status.to_string())
        .or_insert_with(|| error_response(description));
}

/// Applies every constraint above to `doc`, a serialized OpenAPI document.
pub fn apply(doc: &mut Value) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                for (property, value) in props.iter_mut() {
                    if let Some(replacement) = body_constraints(name, property) {
                        let description = value.get("description").cloned();
                        *value = replacement;
                        if let (Some(d), Some(map)) = (description, value.as_object_mut()) {
                            map.insert("description".into(), d);
                        }
                    }
                }
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (_, operation) in item.iter_mut() {
                let Some(op) = operation.as_object_mut() else {
                    continue;
                };
                if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    for param in params.iter_mut() {
                        let name = param["name"].as_str().unwrap_or_default().to_string();
                        let location = param["in"].as_str().unwrap_or_default().to_string();
                        if let Some(schema) = constrained(&name, &location, path) {
                            param["schema"] = schema;
                        } else if location == "query" && !matches!(name.as_str(), "ids" | "cursor")
                        {
                            cap_free_text(&mut param["schema"]);
                        }
                    }
                }
                let has_body = op.contains_key("requestBody");
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                add_response(
                    responses,
                    "400",
                    "A field is invalid or holds a NUL character (`field` names it)",
                );
                add_response(responses, "414", "The URL (path and query) is over 8 KiB");
                add_response(responses, "429", "Too many requests, or too many open connections from this address; see Retry-After");
                add_response(
                    responses,
                    "503",
                    "The database is unavailable or busy; see Retry-After",
                );
                if has_body {
                    add_response(responses, "408", "The body did not arrive in time");
                    add_response(responses, "413", "The body is over the size limit");
                    add_response(
                        responses,
                        "415",
                        "The body is not JSON (Content-Type: application/json)",
                    );
                }
            }
        }
    }
    forbid_nul(doc);
}
