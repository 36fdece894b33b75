//! Device Authorization Grant (RFC 8628): a device without a browser (a TV, a CLI) asks
//! `/device_authorization` for a device code and a short user code; a person types the
//! user code on the hosted `/device` page, signs in and consents; meanwhile the device
//! polls the token endpoint with its device code.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    error::OAuthError,
    token::{authenticate_client, no_store, parse_form},
};
use crate::{
    i18n::Lang,
    security::{
        client::ClientInfo,
        opaque::{new_secret, random_bytes},
    },
    state::AppState,
    store::{
        StoreError,
        device_codes::{self, NewDeviceCode},
    },
    tokens::scope::Scope,
    web::page::{PageError, notice},
};

/// The grant type of the token endpoint that redeems a device code.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// How long a person has to type the code and consent.
pub const TTL_SECS: i64 = 600;
/// How long the device waits between polls, at first.
pub const INTERVAL_SECS: i64 = 5;
/// Consonants only: no vowels (no words), nothing easily misread (RFC 8628 §6.1).
const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LEN: usize = 8;

/// A new user code, stored and compared without its dash: 20^8 ≈ 2^34.6 codes.
fn new_user_code() -> String {
    let mut code = String::with_capacity(USER_CODE_LEN);
    while code.len() < USER_CODE_LEN {
        // Bytes from 240 up would favour the first letters; they are drawn again.
        for byte in random_bytes(USER_CODE_LEN) {
            if byte < 240 && code.len() < USER_CODE_LEN {
                code.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
    }
    code
}

/// A typed user code in its stored form: case and dashes and spaces do not matter.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect::<String>().to_uppercase();
    (code.len() == USER_CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// A user code as people see it: `XXXX-XXXX`.
pub fn display_user_code(code: &str) -> String {
    let (first, second) = code.split_at(code.len() / 2);
    format!("{first}-{second}")
}

#[derive(Deserialize)]
struct DeviceForm {
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn authorize_device(
    State(state): State<AppState>,
    caller: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match start(&state, &caller, &headers, &body).await {
        Ok(answer) => no_store(Json(answer).into_response()),
        Err(err) => err.into_response(),
    }
}

async fn start(
    state: &AppState,
    caller: &ClientInfo,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, OAuthError> {
    let limits = &state.config.security.rate_limit;
    state.limiter.check_address("token", caller, limits.token_per_ip).await?;
    let form: DeviceForm = parse_form(body)?;
    let client = authenticate_client(state, headers, form.client_id.as_deref(), form.client_secret.as_deref()).await?;
    if !client.allows_grant(GRANT_TYPE) {
        return Err(OAuthError::unauthorized_client("this client may not use the device authorization grant"));
    }
    let scope = Scope::parse(form.scope.as_deref().unwrap_or("openid")).map_err(OAuthError::invalid_scope)?;
    if scope.is_empty() {
        return Err(OAuthError::invalid_scope("scope is empty"));
    }
    let device_code = new_secret();
    let scope = scope.to_string();
    // A user code still in use is drawn again; with 2^34 codes that is rare.
    let mut attempts = 0;
    let user_code = loop {
        let user_code = new_user_code();
        let new = NewDeviceCode {
            device_code: &device_code,
            user_code: &user_code,
            client_id: &client.id,
            scope: &scope,
            interval_secs: INTERVAL_SECS,
            ttl_secs: TTL_SECS,
        };
        match device_codes::create(&state.db, new).await {
            Ok(()) => break user_code,
            Err(StoreError::Conflict(_)) if attempts < 3 => attempts += 1,
            Err(err) => return Err(err.into()),
        }
    };
    let shown = display_user_code(&user_code);
    let verification_uri = format!("{}/device", state.config.issuer_base());
    Ok(json!({
        "device_code": device_code,
        "user_code": shown,
        "verification_uri": verification_uri,
        "verification_uri_complete": format!("{verification_uri}?user_code={shown}"),
        "expires_in": TTL_SECS,
        "interval": INTERVAL_SECS,
    }))
}

/// Records a person's decision on the request of `user_code`, signed in by `session`,
/// and tells them the outcome.
pub async fn decided(
    state: &AppState,
    t: &Lang,
    user_code: &str,
    approved: bool,
    session: &entity::auth_sessions::Model,
) -> Result<Response, PageError> {
    if !device_codes::decide(&state.db, user_code, approved, &session.user_id, &session.id).await? {
        return Err(PageError::BadRequest("device-expired"));
    }
    Ok(if approved {
        notice(t, "device-connected-title", &t.get("device-connected"), "/", "done")
    } else {
        notice(t, "device-denied-title", &t.get("device-denied"), "/", "done")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_alphabet_and_read_loosely() {
        for _ in 0..200 {
            let code = new_user_code();
            assert_eq!(code.len(), USER_CODE_LEN);
            assert_eq!(normalize_user_code(&display_user_code(&code).to_lowercase()).as_deref(), Some(code.as_str()));
        }
        assert_eq!(normalize_user_code(" bcdf-ghjk ").as_deref(), Some("BCDFGHJK"));
        assert_eq!(display_user_code("BCDFGHJK"), "BCDF-GHJK");
        for wrong in ["BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "BCDF-GH1K", ""] {
            assert_eq!(normalize_user_code(wrong), None, "{wrong}");
        }
    }
}
