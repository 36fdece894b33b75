//! The device code grant (RFC 8628 §3.4): the device polls until a person has approved
//! its request on the `/device` page, then gets its tokens once, under a sign-in
//! session of its own, so that signing out of the browser leaves the device signed in.

use crate::{
    oidc::{
        device::GRANT_TYPE,
        error::OAuthError,
        resource,
        token::{TokenForm, TokenResponse},
    },
    security::{amr, client::ClientInfo, opaque::new_id},
    state::AppState,
    store::{
        auth_sessions::{self, Lifetime, NewSession},
        clients::Client,
        device_codes, now, users,
    },
    tokens::{
        issue::{UserGrant, mint_user_tokens},
        scope::Scope,
    },
};

/// How much longer a device that polls too fast must wait from then on (RFC 8628 §3.5).
const SLOW_DOWN_SECS: i64 = 5;

pub async fn exchange(
    state: &AppState,
    client: &Client,
    form: &TokenForm,
    caller: &ClientInfo,
    dpop_jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    if !client.allows_grant(GRANT_TYPE) {
        return Err(OAuthError::unauthorized_client("this client may not use the device code grant"));
    }
    let device_code =
        form.device_code.as_deref().ok_or_else(|| OAuthError::invalid_request("device_code is missing"))?;
    let invalid = || OAuthError::invalid_grant("the device code is invalid or was used");
    let row =
        device_codes::find(&state.db, device_code).await?.filter(|r| r.client_id == client.id).ok_or_else(invalid)?;
    let at = now();
    if row.expires_at <= at {
        return Err(OAuthError::bad_request("expired_token", "the device code has expired; start again"));
    }
    match row.status.as_str() {
        "pending" => {
            let too_fast = row.last_polled_at.is_some_and(|last| at - last < row.interval_secs);
            let interval = if too_fast { row.interval_secs + SLOW_DOWN_SECS } else { row.interval_secs };
            device_codes::polled(&state.db, &row.id, at, interval).await?;
            Err(if too_fast {
                OAuthError::bad_request("slow_down", format!("poll at most every {interval} seconds"))
            } else {
                OAuthError::bad_request("authorization_pending", "the user has not yet approved the request")
            })
        }
        "denied" => Err(OAuthError::bad_request("access_denied", "the user denied the request")),
        "approved" => issue(state, client, form, &row, caller, dpop_jkt).await,
        _ => Err(invalid()),
    }
}

/// The approved request's tokens, under a new session for the device.
async fn issue(
    state: &AppState,
    client: &Client,
    form: &TokenForm,
    row: &entity::device_codes::Model,
    caller: &ClientInfo,
    dpop_jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let invalid = || OAuthError::invalid_grant("the device code is invalid or was used");
    let approving = match &row.session_id {
        Some(sid) => auth_sessions::find_active(&state.db, sid).await?,
        None => None,
    };
    let approving = approving.ok_or_else(|| OAuthError::invalid_grant("the approving sign-in has ended"))?;
    let user = users::find(&state.db, &approving.user_id).await?.ok_or_else(invalid)?;
    let scope = Scope::parse(&row.scope).map_err(OAuthError::server_error)?;
    let resource =
        resource::target(&state.config, client, form.resource.as_deref()).map_err(OAuthError::invalid_target)?;
    let txn = state.db.begin().await?;
    if !device_codes::consume(&txn, &row.id).await? {
        return Err(invalid());
    }
    let session = auth_sessions::create(
        &txn,
        NewSession {
            user_id: user.id.clone(),
            lifetime: Lifetime::of(&state.config.sessions),
            user_agent: caller.user_agent.clone(),
            ip: caller.ip.clone(),
            device_id: None,
            device_name: Some(client.name.clone()),
            amr: amr::known(&approving.amr),
        },
    )
    .await?;
    let family_id = new_id();
    let grant = UserGrant {
        client,
        user: &user,
        granted: &scope,
        scope: &scope,
        sid: &session.id,
        auth_time: approving.auth_time,
        amr: &session.amr,
        nonce: None,
        family_id: &family_id,
        resource,
        dpop_jkt,
    };
    let minted = mint_user_tokens(&state.config, &state.keys.current(), grant)?;
    let issued = minted.store(&txn).await?;
    txn.commit().await?;
    Ok(issued.into())
}
