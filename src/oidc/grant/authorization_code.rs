//! `authorization_code` grant (RFC 6749 §4.1.3) with PKCE (RFC 7636): single use;
//! a replayed code revokes what it issued (§4.1.2).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{
    oidc::{
        error::OAuthError,
        resource,
        token::{TokenForm, TokenResponse},
    },
    security::opaque::new_id,
    state::AppState,
    store::{auth_sessions, clients::Client, codes, now, refresh, users},
    tokens::{
        issue::{UserGrant, mint_user_tokens},
        scope::Scope,
    },
};

pub async fn exchange(
    state: &AppState,
    client: &Client,
    form: &TokenForm,
    dpop_jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    if !client.allows_grant("authorization_code") {
        return Err(OAuthError::unauthorized_client("this client may not use authorization_code"));
    }
    let code = form.code.as_deref().ok_or_else(|| OAuthError::invalid_request("code is missing"))?;
    let redirect_uri =
        form.redirect_uri.as_deref().ok_or_else(|| OAuthError::invalid_request("redirect_uri is missing"))?;
    let invalid = || OAuthError::invalid_grant("the code is invalid, expired or already used");
    let row = codes::find(&state.db, code).await?.ok_or_else(invalid)?;
    if row.client_id != client.id {
        return Err(invalid());
    }
    if row.used_at.is_some() {
        if let Some(family) = &row.family_id {
            let revoked = refresh::revoke_family(&state.db, family).await?;
            tracing::warn!(client_id = %client.id, revoked, "authorization code replayed; revoked the tokens it issued");
        }
        return Err(invalid());
    }
    if row.expires_at <= now() || row.redirect_uri != redirect_uri {
        return Err(invalid());
    }
    check_pkce(row.code_challenge.as_deref(), form.code_verifier.as_deref())?;
    if row.dpop_jkt.as_deref().is_some_and(|bound| dpop_jkt != Some(bound)) {
        return Err(OAuthError::invalid_grant("the code is bound to a DPoP key this request did not prove"));
    }
    let session = auth_sessions::find_active(&state.db, &row.session_id).await?.ok_or_else(invalid)?;
    let user = users::find(&state.db, &row.user_id).await?.ok_or_else(invalid)?;
    let scope = Scope::parse(&row.scope).map_err(OAuthError::server_error)?;
    let requested = match (form.resource.as_deref(), row.resource.as_deref()) {
        (Some(asked), Some(authorized)) if asked != authorized => {
            return Err(OAuthError::invalid_target("the code was issued for another resource"));
        }
        (asked, authorized) => asked.or(authorized),
    };
    let resource = resource::target(&state.config, client, requested).map_err(OAuthError::invalid_target)?;
    let family_id = new_id();
    let grant = UserGrant {
        client,
        user: &user,
        granted: &scope,
        scope: &scope,
        sid: &session.id,
        auth_time: row.auth_time,
        amr: &session.amr,
        nonce: row.nonce.as_deref(),
        family_id: &family_id,
        resource,
        dpop_jkt,
    };
    let minted = mint_user_tokens(&state.config, &state.keys.current(), grant)?;
    let txn = state.db.begin().await?;
    if !codes::consume(&txn, &row.code_hash, &family_id).await? {
        return Err(invalid());
    }
    let issued = minted.store(&txn).await?;
    txn.commit().await?;
    Ok(issued.into())
}

/// PKCE S256 (RFC 7636 §4.6). A verifier for a code issued without a challenge is
/// refused too, so an attacker cannot strip PKCE (RFC 9700 §4.8.2).
fn check_pkce(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => {
            Err(OAuthError::invalid_grant("code_verifier sent for a code issued without code_challenge"))
        }
        (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is missing")),
        (Some(challenge), Some(verifier)) => {
            if !valid_verifier(verifier) {
                return Err(OAuthError::invalid_grant("code_verifier is malformed"));
            }
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if computed.as_bytes().ct_eq(challenge.as_bytes()).into() {
                Ok(())
            } else {
                Err(OAuthError::invalid_grant("code_verifier does not match code_challenge"))
            }
        }
    }
}

/// 43 to 128 unreserved characters (RFC 7636 §4.1).
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::check_pkce;

    /// The example of RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn s256_verifier_matches_the_rfc_example() {
        assert!(check_pkce(Some(CHALLENGE), Some(VERIFIER)).is_ok());
    }

    #[test]
    fn wrong_missing_or_unexpected_verifier_is_refused() {
        assert!(check_pkce(Some(CHALLENGE), Some(&VERIFIER.replace('d', "e"))).is_err());
        assert!(check_pkce(Some(CHALLENGE), None).is_err());
        assert!(check_pkce(None, Some(VERIFIER)).is_err());
        assert!(check_pkce(Some(CHALLENGE), Some("short")).is_err());
    }
}
