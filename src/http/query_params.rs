//! Query parameters several listings share: a page size and an RFC 3339 time, each refused
//! with a 400 naming its field.

use super::error::ApiError;
use crate::timestamps;

pub(super) fn parse_limit(raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    raw.map(|l| {
        l.parse::<i64>()
            .map_err(|_| ApiError::validation(Some("limit".into()), "limit must be a whole number"))
    })
    .transpose()
}

pub(super) fn parse_time(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<time::PrimitiveDateTime>, ApiError> {
    raw.map(|t| {
        timestamps::parse_rfc3339(t).ok_or_else(|| {
            ApiError::validation(
                Some(field.into()),
                format!("{field} must be an RFC 3339 time, e.g. 2026-11-27T10:00:00Z"),
            )
        })
    })
    .transpose()
}
