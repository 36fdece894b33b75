//! The typed browser session: what a signed-in browser, or one half-way through a
//! sign-in, carries between the hosted pages. It is stored only from then on:
//! authorization requests travel in `req` (`oidc::pending`) and the CSRF token in a
//! cookie of its own (`web::csrf`). Handlers use these methods, never raw session keys.

use axum::{extract::FromRequestParts, http::request::Parts};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::page::PageError;
use crate::{
    security::amr::FirstFactor,
    store::{
        auth_sessions::{self, Lifetime},
        db::Db,
    },
    upstream::Identity,
};

const SID: &str = "sid";
const SECOND_STEP: &str = "second_step";
const RETURN_TO: &str = "return_to";
const UPSTREAM_STATE: &str = "upstream_state";
const PENDING_LINK: &str = "pending_link";
/// How long the code page waits after the password was accepted.
const SECOND_STEP_SECS: i64 = 300;
/// How long an identity from an upstream waits for the password sign-in that links it.
const PENDING_LINK_SECS: i64 = 600;

/// A password accepted, the second factor still to come.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecondStep {
    pub user_id: String,
    /// The authorization request (`req`) to continue afterwards, if any.
    pub request_id: String,
    /// What was accepted first: a password, or an upstream provider's word.
    #[serde(default)]
    pub first: FirstFactor,
    started_at: i64,
}

/// An identity an upstream vouched for in this browser, to link to the account whose
/// password is entered next: its email address matched an account's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingLink {
    pub upstream_id: String,
    pub identity: Identity,
    started_at: i64,
}

pub struct BrowserSession(Session);

impl<S: Send + Sync> FromRequestParts<S> for BrowserSession {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::from_request_parts(parts, state)
            .await
            .map(BrowserSession)
            .map_err(|(_, msg)| PageError::Internal(msg.into()))
    }
}

fn internal(err: tower_sessions::session::Error) -> PageError {
    match err {
        tower_sessions::session::Error::Store(tower_sessions::session_store::Error::Backend(detail))
            if detail == super::session_store::UNAVAILABLE =>
        {
            PageError::Unavailable
        }
        err => PageError::Internal(format!("browser session: {err}")),
    }
}

impl BrowserSession {
    pub async fn sid(&self) -> Result<Option<String>, PageError> {
        self.0.get::<String>(SID).await.map_err(internal)
    }

    /// The sign-in session this browser carries, if it is still active; this use of it
    /// keeps it alive.
    pub async fn signed_in(
        &self,
        db: &Db,
        lifetime: Lifetime,
    ) -> Result<Option<entity::auth_sessions::Model>, PageError> {
        let Some(sid) = self.sid().await? else { return Ok(None) };
        let Some(session) = auth_sessions::find_active(db, &sid).await? else { return Ok(None) };
        auth_sessions::keep_alive(db, &session.id, session.last_used_at, lifetime).await?;
        Ok(Some(session))
    }

    /// Binds a new sign-in to this browser under a fresh session id (no fixation).
    pub async fn sign_in(&self, sid: &str) -> Result<(), PageError> {
        self.0.cycle_id().await.map_err(internal)?;
        self.0.insert(SID, sid).await.map_err(internal)
    }

    /// Forgets everything this browser carried.
    pub async fn clear(&self) -> Result<(), PageError> {
        self.0.flush().await.map_err(internal)
    }

    /// Remembers that `user_id` passed the `first` factor and owes a second one.
    pub async fn start_second_step(
        &self,
        user_id: &str,
        request_id: &str,
        first: FirstFactor,
    ) -> Result<(), PageError> {
        let step = SecondStep {
            user_id: user_id.to_owned(),
            request_id: request_id.to_owned(),
            first,
            started_at: crate::store::now(),
        };
        self.0.insert(SECOND_STEP, step).await.map_err(internal)
    }

    /// The second step this browser owes, while it is recent.
    pub async fn second_step(&self) -> Result<Option<SecondStep>, PageError> {
        let step = self.0.get::<SecondStep>(SECOND_STEP).await.map_err(internal)?;
        Ok(step.filter(|s| crate::store::now() - s.started_at <= SECOND_STEP_SECS))
    }

    /// Remembers the page to come back to after the next sign-in: the admin page that
    /// asked to sign in again, its own address. No parameter carries it, so no link can
    /// make a sign-in lead elsewhere.
    pub async fn return_after_sign_in(&self, path: &str) -> Result<(), PageError> {
        self.0.insert(RETURN_TO, path).await.map_err(internal)
    }

    /// Whether an admin page waits for this sign-in: it then needs the second step
    /// whenever the account has one.
    pub async fn returns_after_sign_in(&self) -> Result<bool, PageError> {
        Ok(self.0.get::<String>(RETURN_TO).await.map_err(internal)?.is_some())
    }

    /// The page to go to after a sign-in, once.
    pub async fn take_return_to(&self) -> Result<Option<String>, PageError> {
        self.0.remove::<String>(RETURN_TO).await.map_err(internal)
    }

    /// Remembers the `state` of the sign-in this browser starts at an upstream: only
    /// this browser's answer from there is taken (no login cross-site request forgery).
    pub async fn start_upstream(&self, state: &str) -> Result<(), PageError> {
        self.0.insert(UPSTREAM_STATE, state).await.map_err(internal)
    }

    /// The `state` of the sign-in this browser started at an upstream, once.
    pub async fn take_upstream_state(&self) -> Result<Option<String>, PageError> {
        self.0.remove::<String>(UPSTREAM_STATE).await.map_err(internal)
    }

    /// Holds `identity` for the password sign-in that links it.
    pub async fn hold_link(&self, upstream_id: &str, identity: Identity) -> Result<(), PageError> {
        let link = PendingLink { upstream_id: upstream_id.to_owned(), identity, started_at: crate::store::now() };
        self.0.insert(PENDING_LINK, link).await.map_err(internal)
    }

    /// The identity waiting to be linked, once, while it is recent.
    pub async fn take_pending_link(&self) -> Result<Option<PendingLink>, PageError> {
        let link = self.0.remove::<PendingLink>(PENDING_LINK).await.map_err(internal)?;
        Ok(link.filter(|l| crate::store::now() - l.started_at <= PENDING_LINK_SECS))
    }

    pub async fn end_second_step(&self) -> Result<(), PageError> {
        self.0.remove::<SecondStep>(SECOND_STEP).await.map_err(internal).map(|_| ())
    }
}
