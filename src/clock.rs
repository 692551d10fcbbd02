//! Wall-clock helpers: UTC "now" at the precision we store (microseconds), and RFC 3339 text.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Now in UTC, truncated to microseconds so a value read back equals the value written.
pub fn now() -> PrimitiveDateTime {
    let now = OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.microsecond() * 1_000)
        .unwrap_or(now);
    PrimitiveDateTime::new(now.date(), now.time())
}

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
