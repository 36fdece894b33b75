//! Times in JSON responses: RFC 3339 in UTC.

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}
