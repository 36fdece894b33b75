//! `/account/export`: everything stored about the signed-in user, as one JSON file to
//! download (profile, sessions, applications, identities at other providers,
//! organizations, security events and the credits history), in the API's shapes. Each
//! download is a security event.

use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use entity::users;
use serde::Serialize;

use super::member::Member;
use crate::{
    api::dto::{OrganizationDto, SecurityEventDto, SessionDto, timestamp},
    credits::dto::HistoryEntry,
    security::audit::{Event, Kind},
    state::AppState,
    store::{
        StoreError, auth_sessions, consents, ledger, organizations,
        security_events::{self, Filter},
        upstream_identities,
    },
    web::{client_info::ClientInfo, page::PageError},
};

/// Rows read at a time while the whole history is gathered.
const BATCH: u64 = 500;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    exported_at: String,
    profile: Profile,
    sessions: Vec<SessionDto>,
    applications: Vec<Application>,
    linked_identities: Vec<LinkedIdentity>,
    organizations: Vec<OrganizationDto>,
    security_events: Vec<SecurityEventDto>,
    credits: Credits,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    id: String,
    email: String,
    email_verified: bool,
    name: Option<String>,
    username: Option<String>,
    language: Option<String>,
    role: String,
    created_at: String,
    updated_at: String,
}

impl From<&users::Model> for Profile {
    fn from(user: &users::Model) -> Self {
        Profile {
            id: user.id.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            name: user.name.clone(),
            username: user.username.clone(),
            language: user.language.clone(),
            role: user.role.clone(),
            created_at: timestamp(user.created_at),
            updated_at: timestamp(user.updated_at),
        }
    }
}

/// A remembered consent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Application {
    client_id: String,
    scope: String,
    granted_at: String,
}

/// An identity at another provider the account signs in with.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinkedIdentity {
    upstream: String,
    issuer: String,
    subject: String,
    email: Option<String>,
    username: Option<String>,
    linked_at: String,
    last_used_at: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Credits {
    free_balance: i64,
    paid_balance: i64,
    transactions: Vec<HistoryEntry>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn download(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
) -> Result<Response, PageError> {
    let export = gather(&state, &member).await?;
    Event::new(Kind::DataExported).user(member.user.id.as_str()).from(&client).record(&state.db).await;
    let disposition = "attachment; filename=\"mana-auth-account.json\"";
    Ok(([(header::CONTENT_DISPOSITION, disposition), (header::CACHE_CONTROL, "no-store")], Json(export))
        .into_response())
}

async fn gather(state: &AppState, member: &Member) -> Result<Export, StoreError> {
    let (db, user) = (&state.db, &member.user);
    let sessions = auth_sessions::list_active(db, &user.id).await?;
    let applications = consents::of_user(db, &user.id)
        .await?
        .into_iter()
        .map(|c| Application { client_id: c.client_id, scope: c.scope, granted_at: timestamp(c.granted_at) })
        .collect();
    let linked_identities = upstream_identities::of_user(db, &user.id)
        .await?
        .into_iter()
        .map(|linked| LinkedIdentity {
            upstream: linked.upstream_id,
            issuer: linked.issuer,
            subject: linked.subject,
            email: linked.email,
            username: linked.username,
            linked_at: timestamp(linked.created_at),
            last_used_at: linked.last_used_at.map(timestamp),
        })
        .collect();
    let organizations = organizations::of_user(db, &user.id)
        .await?
        .into_iter()
        .map(|(org, role)| OrganizationDto::new(&org, Some(role)))
        .collect();
    let (free_balance, paid_balance) = ledger::wallet_balances(db, &user.id).await?;
    Ok(Export {
        exported_at: timestamp(crate::store::now()),
        profile: Profile::from(user),
        sessions: sessions.into_iter().map(|s| SessionDto::new(s, &member.sid)).collect(),
        applications,
        linked_identities,
        organizations,
        security_events: all_events(state, &user.id).await?,
        credits: Credits { free_balance, paid_balance, transactions: all_transactions(state, &user.id).await? },
    })
}

/// The user's whole audit trail, newest first.
async fn all_events(state: &AppState, user_id: &str) -> Result<Vec<SecurityEventDto>, StoreError> {
    let mut events = Vec::new();
    let mut before = None;
    loop {
        let filter = Filter { user_id: Some(user_id.to_owned()), before, limit: BATCH, ..Filter::default() };
        let batch = security_events::list(&state.db, filter).await?;
        let full = batch.len() as u64 == BATCH;
        before = batch.last().map(|e| e.id.clone());
        events.extend(batch.into_iter().map(SecurityEventDto::from));
        if !full {
            return Ok(events);
        }
    }
}

/// The user's whole credits history, newest first.
async fn all_transactions(state: &AppState, user_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut transactions = Vec::new();
    loop {
        let batch = ledger::transactions(&state.db, user_id, BATCH, transactions.len() as u64).await?;
        let full = batch.len() as u64 == BATCH;
        transactions.extend(batch.iter().map(HistoryEntry::from));
        if !full {
            return Ok(transactions);
        }
    }
}
