//! OpenID Connect Back-Channel Logout 1.0: a signed `logout_token` to every client of
//! an ended session that registered a `backchannel_logout_uri`. Delivery runs in the
//! background with a short timeout and a few retries, so sign-out never waits on it.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::{
    security::opaque::new_id,
    state::AppState,
    store::{codes, now},
};

const ATTEMPTS: u32 = 3;
const TIMEOUT: Duration = Duration::from_secs(3);
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

#[derive(Serialize)]
struct LogoutClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    sub: &'a str,
    sid: &'a str,
    events: serde_json::Value,
}

/// Sends logout tokens for each of the ended sessions `sids` of `user_id`, in the background.
pub async fn notify_clients_of(state: &AppState, sids: &[String], user_id: &str) {
    for sid in sids {
        notify_clients(state, sid, user_id).await;
    }
}

/// Sends logout tokens for session `sid` of `user_id` to its clients, in the background.
pub async fn notify_clients(state: &AppState, sid: &str, user_id: &str) {
    for delivery in deliveries(state, sid, user_id).await {
        tokio::spawn(delivery);
    }
}

/// Sends logout tokens for the ended sessions `sids` of `user_id` and waits until each
/// is delivered or given up: for a command that exits afterwards.
pub async fn notify_clients_and_wait(state: &AppState, sids: &[String], user_id: &str) {
    let mut all = Vec::new();
    for sid in sids {
        all.extend(deliveries(state, sid, user_id).await);
    }
    futures_util::future::join_all(all).await;
}

/// One delivery per client of session `sid` that registered a back-channel logout URI.
async fn deliveries(state: &AppState, sid: &str, user_id: &str) -> Vec<impl Future<Output = ()> + use<>> {
    let client_ids = match codes::clients_of_session(&state.db, sid).await {
        Ok(ids) => ids,
        Err(err) => {
            tracing::error!(error = %err, "cannot list the clients of an ended session");
            return Vec::new();
        }
    };
    let mut deliveries = Vec::new();
    for client_id in client_ids {
        let client = match state.clients.find(&state.db, &client_id).await {
            Ok(Some(client)) => client,
            Ok(None) => continue,
            Err(err) => {
                tracing::error!(error = %err, "cannot load a client for back-channel logout");
                continue;
            }
        };
        let Some(uri) = client.backchannel_logout_uri.clone() else { continue };
        let iat = now();
        let claims = LogoutClaims {
            iss: &state.config.issuer,
            aud: &client.id,
            iat,
            exp: iat + 120,
            jti: new_id(),
            sub: user_id,
            sid,
            events: json!({ EVENT: {} }),
        };
        let alg = client.id_token_signed_response_alg.unwrap_or(state.config.tokens.default_id_token_alg);
        let token = match state.keys.current().signer(alg).and_then(|s| s.sign("logout+jwt", &claims)) {
            Ok(token) => token,
            Err(err) => {
                tracing::error!(error = %err, "cannot sign a logout token");
                continue;
            }
        };
        deliveries.push(deliver(state.http.clone(), uri, token, client.id.clone()));
    }
    deliveries
}

async fn deliver(http: reqwest::Client, uri: String, token: String, client_id: String) {
    for attempt in 1..=ATTEMPTS {
        let sent = http.post(&uri).timeout(TIMEOUT).form(&[("logout_token", token.as_str())]).send().await;
        match sent {
            Ok(response) if response.status().is_success() => {
                tracing::info!(%client_id, "back-channel logout delivered");
                return;
            }
            Ok(response) => {
                tracing::warn!(%client_id, status = response.status().as_u16(), attempt, "back-channel logout refused")
            }
            Err(err) => tracing::warn!(%client_id, error = %err, attempt, "back-channel logout failed"),
        }
        tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
    }
}
