//! The audit trail's rows: appended, listed newest first, pruned past retention.

use entity::security_events::{self, Entity as SecurityEvents};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

use super::{StoreError, now};
use crate::security::opaque::random_token;

pub struct NewEvent {
    pub kind: &'static str,
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Option<serde_json::Value>,
}

/// Which events to list; every field narrows.
#[derive(Default)]
pub struct Filter {
    pub user_id: Option<String>,
    pub kind: Option<String>,
    pub since: Option<i64>,
    /// Only events recorded before this time.
    pub until: Option<i64>,
    /// Only events older than this id (the previous page's last).
    pub before: Option<String>,
    pub limit: u64,
}

/// Microseconds, zero-padded, then randomness: ids sort by time.
fn time_ordered_id() -> String {
    let micros = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000;
    format!("{micros:020}{}", random_token(6))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(db: &impl ConnectionTrait, event: NewEvent) -> Result<(), StoreError> {
    let row = security_events::ActiveModel {
        id: Set(time_ordered_id()),
        kind: Set(event.kind.to_owned()),
        user_id: Set(event.user_id),
        client_id: Set(event.client_id),
        ip: Set(event.ip),
        user_agent: Set(event.user_agent),
        created_at: Set(now()),
        details: Set(event.details.map(|d| d.to_string())),
    };
    SecurityEvents::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// Events matching `filter`, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &impl ConnectionTrait, filter: Filter) -> Result<Vec<security_events::Model>, StoreError> {
    let mut query = SecurityEvents::find().order_by_desc(security_events::Column::Id).limit(filter.limit);
    if let Some(user_id) = filter.user_id {
        query = query.filter(security_events::Column::UserId.eq(user_id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(security_events::Column::Kind.eq(kind));
    }
    if let Some(since) = filter.since {
        query = query.filter(security_events::Column::CreatedAt.gte(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(security_events::Column::CreatedAt.lt(until));
    }
    if let Some(before) = filter.before {
        query = query.filter(security_events::Column::Id.lt(before));
    }
    Ok(query.all(db).await?)
}

/// Forgets the addresses and user agents in the user's events; the events themselves stay.
#[tracing::instrument(level = "debug", skip_all)]
/// How many events of `kind` were recorded since `since`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_since(db: &impl ConnectionTrait, kind: &str, since: i64) -> Result<u64, StoreError> {
    Ok(SecurityEvents::find()
        .filter(security_events::Column::Kind.eq(kind))
        .filter(security_events::Column::CreatedAt.gte(since))
        .count(db)
        .await?)
}

pub async fn forget_addresses(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    SecurityEvents::update_many()
        .col_expr(security_events::Column::Ip, Expr::value(Option::<String>::None))
        .col_expr(security_events::Column::UserAgent, Expr::value(Option::<String>::None))
        .filter(security_events::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes events older than `retention_days`; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait, retention_days: u64) -> Result<u64, StoreError> {
    let horizon = now().saturating_sub(i64::try_from(retention_days.saturating_mul(86_400)).unwrap_or(i64::MAX));
    Ok(SecurityEvents::delete_many()
        .filter(security_events::Column::CreatedAt.lt(horizon))
        .exec(db)
        .await?
        .rows_affected)
}
