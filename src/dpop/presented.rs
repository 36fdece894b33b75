//! How an access token is presented at a protected route (RFC 9449 §7): a DPoP-bound
//! token (`cnf.jkt`) only under the `DPoP` scheme, with a proof of its key made for this
//! request and this token; a token that is not bound only as `Bearer` (RFC 6750).

use axum::http::{HeaderMap, HeaderValue, Method, header};

use super::{DpopError, check, proof::ALGS, proof::Expected, proof_of};
use crate::{state::AppState, store::StoreError, tokens::mint::AccessClaims};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    DPoP,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Bearer => "Bearer",
            Scheme::DPoP => "DPoP",
        }
    }
}

/// The access token of a request's `Authorization` header, and its scheme.
pub struct Presented<'a> {
    pub scheme: Scheme,
    pub token: &'a str,
}

/// The access token of a request, if it carries exactly one well-formed one.
pub fn presented(headers: &HeaderMap) -> Option<Presented<'_>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return None;
    }
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::DPoP
    } else {
        return None;
    };
    Some(Presented { scheme, token })
}

/// A refused presentation, as the `WWW-Authenticate` challenge names it.
#[derive(Debug)]
pub struct Refusal {
    pub scheme: Scheme,
    /// `invalid_token` or `invalid_dpop_proof`.
    pub code: &'static str,
    pub description: String,
}

impl Refusal {
    pub fn invalid_token(scheme: Scheme, description: impl Into<String>) -> Self {
        Refusal { scheme, code: "invalid_token", description: description.into() }
    }

    /// The challenge of this refusal (RFC 6750 §3, RFC 9449 §7.1).
    pub fn challenge(&self) -> HeaderValue {
        let description = self.description.replace(['"', '\\'], "'");
        let mut text = format!(r#"{} error="{}", error_description="{description}""#, self.scheme.name(), self.code);
        if self.scheme == Scheme::DPoP {
            text.push_str(&format!(r#", algs="{}""#, ALGS.join(" ")));
        }
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("Bearer error=\"invalid_token\""))
    }
}

/// The challenges of a request without a token: either scheme will do.
pub fn challenges() -> Vec<HeaderValue> {
    let dpop = HeaderValue::from_str(&format!(r#"DPoP algs="{}""#, ALGS.join(" ")));
    [Ok(HeaderValue::from_static(r#"Bearer realm="mana-auth""#)), dpop].into_iter().flatten().collect()
}

/// The challenge of a token, presented under `scheme`, that lacks `scope` (RFC 6750 §3.1).
pub fn insufficient_scope(scheme: Scheme, scope: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(r#"{} error="insufficient_scope", scope="{scope}""#, scheme.name()))
        .unwrap_or_else(|_| HeaderValue::from_static(r#"Bearer error="insufficient_scope""#))
}

#[derive(Debug, thiserror::Error)]
pub enum PresentationError {
    #[error("{}", .0.description)]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks that the verified token `claims` was presented as its binding requires, with
/// a proof for `method` at `path` (on the issuer's origin) when it is bound.
pub async fn check_presentation(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    presented: &Presented<'_>,
    claims: &AccessClaims,
) -> Result<(), PresentationError> {
    let refused = |refusal| Err(PresentationError::Refused(refusal));
    let bound = claims.cnf.as_ref().map(|cnf| cnf.jkt.as_str());
    let Some(jkt) = bound else {
        return match presented.scheme {
            Scheme::Bearer => Ok(()),
            Scheme::DPoP => {
                refused(Refusal::invalid_token(Scheme::Bearer, "the token is not DPoP-bound; send it as Bearer"))
            }
        };
    };
    if presented.scheme != Scheme::DPoP {
        return refused(Refusal::invalid_token(Scheme::DPoP, "the token is DPoP-bound; send it as DPoP with a proof"));
    }
    let invalid_proof = |description: String| Refusal { scheme: Scheme::DPoP, code: "invalid_dpop_proof", description };
    let proof = match proof_of(headers) {
        Ok(Some(proof)) => proof,
        Ok(None) => return refused(invalid_proof("a DPoP proof is required".into())),
        Err(err) => return refused(invalid_proof(err.to_string())),
    };
    let htu = format!("{}{path}", state.config.issuer_base());
    let expected = Expected { htm: method.as_str(), htu: &htu, access_token: Some(presented.token) };
    let proof = match check(state, proof, &expected, false).await {
        Ok(proof) => proof,
        Err(DpopError::Store(err)) => return Err(err.into()),
        Err(err) => return refused(invalid_proof(err.to_string())),
    };
    if proof.jkt != jkt {
        return refused(Refusal::invalid_token(Scheme::DPoP, "the proof is made with another key than the token's"));
    }
    Ok(())
}
