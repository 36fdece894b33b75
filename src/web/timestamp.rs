//! Times in JSON responses (RFC 3339 in UTC) and on pages.

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}

/// A time as a page shows it, the same in every language: `2026-12-07 14:05 UTC`.
pub fn shown(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&format).ok()).unwrap_or_default()
}
