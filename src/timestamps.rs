//! Timestamps, one way everywhere: UTC "now" at the precision we store (microseconds, what
//! PostgreSQL keeps, so a value read back equals the value written), RFC 3339 text for every
//! API answer, audit entry and log, and parsing RFC 3339 input.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Now in UTC, truncated to microseconds.
pub fn now() -> PrimitiveDateTime {
    let now = OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.microsecond() * 1_000)
        .unwrap_or(now);
    PrimitiveDateTime::new(now.date(), now.time())
}

/// A stored (UTC) timestamp as RFC 3339, e.g. `2026-11-27T22:10:03.123456Z`.
pub fn rfc3339(t: PrimitiveDateTime) -> String {
    t.assume_utc().format(&Rfc3339).unwrap_or_default()
}

/// Parses an RFC 3339 timestamp (any offset) into UTC.
pub fn parse_rfc3339(text: &str) -> Option<PrimitiveDateTime> {
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .ok()?
        .to_offset(UtcOffset::UTC);
    Some(PrimitiveDateTime::new(t.date(), t.time()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_round_trips_through_rfc3339() {
        let t = now();
        assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
    }

    #[test]
    fn parses_any_offset_into_utc() {
        let t = parse_rfc3339("2026-11-27T23:10:03+01:00").unwrap();
        assert_eq!(rfc3339(t), "2026-11-27T22:10:03Z");
    }
}
