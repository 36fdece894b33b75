//! DPoP (RFC 9449): access tokens bound to a key the client holds, so a copied token is
//! of no use without that key. `/token` binds what it issues to the key of the request's
//! proof (`cnf.jkt`); every protected route then asks for a fresh proof of that key
//! (`presented`).

pub mod nonce;
pub mod presented;
pub mod proof;

use axum::http::{HeaderMap, HeaderName};

use self::proof::{Expected, MAX_AGE_SECS, MAX_AHEAD_SECS, Proof};
use crate::{
    state::AppState,
    store::{StoreError, dpop_proofs, now},
};

pub const DPOP: HeaderName = HeaderName::from_static("dpop");
pub const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

#[derive(Debug, thiserror::Error)]
pub enum DpopError {
    /// `invalid_dpop_proof`: why the proof is refused.
    #[error("{0}")]
    Invalid(String),
    /// `use_dpop_nonce`: the proof must carry this nonce.
    #[error("the DPoP proof must carry the nonce this server gave")]
    UseNonce(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The request's DPoP proof, if it has one; more than one is refused (§4.3).
pub fn proof_of(headers: &HeaderMap) -> Result<Option<&str>, DpopError> {
    let mut values = headers.get_all(DPOP).iter();
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(DpopError::Invalid("a request carries one DPoP proof".into()));
    }
    first.to_str().map(Some).map_err(|_| DpopError::Invalid("the proof is not a JWT".into()))
}

/// Checks `proof` for the request `expected` describes, and that it was not seen before.
/// With `require_nonce`, a proof without a nonce this server gave is refused with the
/// nonce to use.
pub async fn check(
    state: &AppState,
    proof: &str,
    expected: &Expected<'_>,
    require_nonce: bool,
) -> Result<Proof, DpopError> {
    let at = now();
    let proof = proof::verify(proof, expected, at).map_err(DpopError::Invalid)?;
    if require_nonce {
        let keys = state.keys.current();
        if !proof.nonce.as_deref().is_some_and(|given| nonce::accepts(&keys, given, at)) {
            return Err(DpopError::UseNonce(nonce::current(&keys, at)));
        }
    }
    // Kept until no proof with this `iat` could be accepted any more.
    let forget_at = at + MAX_AGE_SECS + MAX_AHEAD_SECS;
    if !dpop_proofs::record_once(&state.db, &proof.jkt, &proof.jti, forget_at).await? {
        return Err(DpopError::Invalid("the proof was used before".into()));
    }
    Ok(proof)
}
