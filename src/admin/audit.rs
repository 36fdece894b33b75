//! The security events operators look through: `mana-auth audit` and the admin
//! pages' audit page.

use crate::store::db::Db;
use entity::security_events;

use super::clients::AdminError;
use crate::store::{
    now,
    security_events::{Filter, list},
    users,
};

/// What `audit` was asked for, as typed.
pub struct Query {
    /// An email or a user id.
    pub user: Option<String>,
    pub kind: Option<String>,
    /// `30m`, `24h`, `7d` (ago), or an RFC 3339 time.
    pub since: Option<String>,
    /// The same, for the end.
    pub until: Option<String>,
    /// Only events older than this id: the last of the page before.
    pub before: Option<String>,
    pub limit: u64,
}

pub async fn events(db: &Db, query: Query) -> Result<Vec<security_events::Model>, AdminError> {
    let user_id = match query.user {
        Some(user) if user.contains('@') => Some(
            users::find_by_email(db, &user)
                .await?
                .ok_or_else(|| AdminError::Invalid(format!("no account with email {user}")))?
                .id,
        ),
        other => other,
    };
    let since = query.since.as_deref().map(point_in_time).transpose().map_err(AdminError::Invalid)?;
    let until = query.until.as_deref().map(point_in_time).transpose().map_err(AdminError::Invalid)?;
    let filter = Filter { user_id, kind: query.kind, since, until, before: query.before, limit: query.limit };
    Ok(list(db, filter).await?)
}

/// A point in time from `30m`, `24h`, `7d` (ago) or RFC 3339.
fn point_in_time(text: &str) -> Result<i64, String> {
    let unit = |suffix: char, secs: i64| {
        text.strip_suffix(suffix).and_then(|n| n.parse::<i64>().ok()).map(|n| now() - n.saturating_mul(secs))
    };
    unit('m', 60)
        .or_else(|| unit('h', 3_600))
        .or_else(|| unit('d', 86_400))
        .or_else(|| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(time::OffsetDateTime::unix_timestamp)
        })
        .ok_or_else(|| format!("`{text}`: use 30m, 24h, 7d or an RFC 3339 time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_in_time_are_durations_ago_or_times() {
        let at = now();
        assert!((at - 7_200 - 1..=at - 7_200 + 1).contains(&point_in_time("2h").expect("2h")));
        assert!((at - 86_400 * 3 - 1..=at - 86_400 * 3 + 1).contains(&point_in_time("3d").expect("3d")));
        assert_eq!(point_in_time("2026-11-25T10:00:00Z"), Ok(1_795_600_800));
        assert!(point_in_time("yesterday").is_err());
        assert!(point_in_time("h").is_err());
    }
}
