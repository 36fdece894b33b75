//! The typed browser session: what a browser carries between the hosted pages.
//! Handlers use these methods, never raw session keys.

use axum::{extract::FromRequestParts, http::request::Parts};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::page::PageError;
use crate::security::opaque::{new_id, new_secret};

const CSRF: &str = "csrf";
const SID: &str = "sid";
const PENDING: &str = "pending";
const SECOND_STEP: &str = "second_step";
/// How long the code page waits after the password was accepted.
const SECOND_STEP_SECS: i64 = 300;
/// Open authorization requests kept per browser (one per tab in flight).
const MAX_PENDING: usize = 8;

/// An authorization request waiting for sign-in or consent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub max_age: Option<i64>,
    /// The `prompt` values asked for (OIDC Core §3.1.2.1).
    pub prompt: Vec<String>,
    /// `acr_values` named `mfa`: a session without a second factor is not enough.
    #[serde(default)]
    pub wants_mfa: bool,
    /// Set once the user has signed in for this request (prompt=login is satisfied).
    pub fresh_login: bool,
    /// Set once the user has approved the consent page for this request.
    pub consent_given: bool,
}

/// A password accepted, the second factor still to come.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecondStep {
    pub user_id: String,
    /// The authorization request to continue afterwards, if any.
    pub request_id: String,
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
    /// The CSRF token of this browser, created on first use.
    pub async fn csrf_token(&self) -> Result<String, PageError> {
        if let Some(token) = self.0.get::<String>(CSRF).await.map_err(internal)? {
            return Ok(token);
        }
        let token = new_secret();
        self.0.insert(CSRF, &token).await.map_err(internal)?;
        Ok(token)
    }

    /// Refuses a form whose CSRF field does not match this browser's token.
    pub async fn check_csrf(&self, presented: &str) -> Result<(), PageError> {
        let expected = self.0.get::<String>(CSRF).await.map_err(internal)?;
        match expected {
            Some(expected) if super::csrf::same(&expected, presented) => Ok(()),
            _ => Err(PageError::Forbidden("The form has expired. Go back, reload the page and try again.".into())),
        }
    }

    pub async fn sid(&self) -> Result<Option<String>, PageError> {
        self.0.get::<String>(SID).await.map_err(internal)
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

    /// Remembers that `user_id` passed the password and owes a second factor.
    pub async fn start_second_step(&self, user_id: &str, request_id: &str) -> Result<(), PageError> {
        let step = SecondStep {
            user_id: user_id.to_owned(),
            request_id: request_id.to_owned(),
            started_at: crate::store::now(),
        };
        self.0.insert(SECOND_STEP, step).await.map_err(internal)
    }

    /// The second step this browser owes, while it is recent.
    pub async fn second_step(&self) -> Result<Option<SecondStep>, PageError> {
        let step = self.0.get::<SecondStep>(SECOND_STEP).await.map_err(internal)?;
        Ok(step.filter(|s| crate::store::now() - s.started_at <= SECOND_STEP_SECS))
    }

    pub async fn end_second_step(&self) -> Result<(), PageError> {
        self.0.remove::<SecondStep>(SECOND_STEP).await.map_err(internal).map(|_| ())
    }

    /// Keeps an authorization request for after sign-in or consent; returns its id.
    pub async fn put_pending(&self, mut request: PendingAuthorization) -> Result<String, PageError> {
        let mut pending = self.pending().await?;
        if request.id.is_empty() {
            request.id = new_id();
        }
        pending.retain(|p| p.id != request.id);
        let id = request.id.clone();
        pending.push(request);
        let overflow = pending.len().saturating_sub(MAX_PENDING);
        pending.drain(..overflow);
        self.0.insert(PENDING, pending).await.map_err(internal)?;
        Ok(id)
    }

    /// Where the waiting authorization request `id` ends: its client's redirect URI.
    pub async fn destination(&self, id: &str) -> Result<Option<String>, PageError> {
        Ok(self.get_pending(id).await?.map(|p| p.redirect_uri))
    }

    pub async fn get_pending(&self, id: &str) -> Result<Option<PendingAuthorization>, PageError> {
        Ok(self.pending().await?.into_iter().find(|p| p.id == id))
    }

    pub async fn take_pending(&self, id: &str) -> Result<Option<PendingAuthorization>, PageError> {
        let mut pending = self.pending().await?;
        let position = pending.iter().position(|p| p.id == id);
        let found = position.map(|i| pending.remove(i));
        self.0.insert(PENDING, pending).await.map_err(internal)?;
        Ok(found)
    }

    async fn pending(&self) -> Result<Vec<PendingAuthorization>, PageError> {
        Ok(self.0.get::<Vec<PendingAuthorization>>(PENDING).await.map_err(internal)?.unwrap_or_default())
    }
}
