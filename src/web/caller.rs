//! The signed-in caller of an API request: an access token verified against the key
//! set, presented as its DPoP binding requires, whose session is still active, and
//! whose scope opens the route.
//!
//! Every route names what it needs as the type parameter of [`Authorized`], so a route
//! cannot take a caller without saying which scope lets a relying party's token in.
//! The native API's own tokens (login, refresh, register) act on their own account
//! without scopes; a token from the authorization code flow needs the scope the route
//! names, else 403 `insufficient_scope` (RFC 6750 §3.1).

use std::marker::PhantomData;

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header::WWW_AUTHENTICATE, request::Parts},
    response::{IntoResponse, Response},
};

use crate::{
    dpop::presented::{
        PresentationError, Refusal, Scheme, challenges, check_presentation, insufficient_scope, presented,
    },
    state::AppState,
    tokens::{scope::ApiScope, verify::AccessTokenError},
    web::api_error::ApiError,
};

pub struct Caller {
    pub user_id: String,
    pub sid: String,
    pub client_id: String,
    pub scope: String,
}

/// What a route needs from a relying party's token.
pub trait Need {
    const SCOPE: ApiScope;
}

/// Marker types naming each route's need: `Authorized<need::AccountWrite>`.
pub mod need {
    use super::{ApiScope, Need};

    pub struct Account;
    pub struct AccountWrite;
    pub struct Organizations;
    pub struct Credits;
    pub struct UpstreamTokens;

    impl Need for Account {
        const SCOPE: ApiScope = ApiScope::Account;
    }
    impl Need for AccountWrite {
        const SCOPE: ApiScope = ApiScope::AccountWrite;
    }
    impl Need for Organizations {
        const SCOPE: ApiScope = ApiScope::Organizations;
    }
    impl Need for Credits {
        const SCOPE: ApiScope = ApiScope::Credits;
    }
    impl Need for UpstreamTokens {
        const SCOPE: ApiScope = ApiScope::UpstreamTokens;
    }
}

/// A caller whose token may use a route that needs `N`.
pub struct Authorized<N>(pub Caller, pub PhantomData<N>);

/// 403 with the RFC 6750 challenge, in the scheme the token came in, naming the scope
/// that is missing.
pub struct InsufficientScope(ApiScope, Scheme);

impl IntoResponse for InsufficientScope {
    fn into_response(self) -> Response {
        let name = self.0.name();
        let mut response =
            ApiError::new(StatusCode::FORBIDDEN, "insufficient_scope", format!("the token lacks the `{name}` scope"))
                .into_response();
        response.headers_mut().insert(WWW_AUTHENTICATE, insufficient_scope(self.1, name));
        response
    }
}

impl<N: Need> FromRequestParts<AppState> for Authorized<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let presented = presented(&parts.headers).ok_or_else(|| {
            let mut response =
                ApiError::unauthorized("unauthorized", "an access token is required (Bearer or DPoP)").into_response();
            for challenge in challenges() {
                response.headers_mut().append(WWW_AUTHENTICATE, challenge);
            }
            response
        })?;
        let refused = |refusal: Refusal| {
            let mut response = ApiError::unauthorized(refusal.code, refusal.description.clone()).into_response();
            response.headers_mut().insert(WWW_AUTHENTICATE, refusal.challenge());
            response
        };
        let claims =
            state.verify_access_token(presented.token, &state.config.access_token_audiences()).await.map_err(|e| {
                match e {
                    AccessTokenError::Invalid(why) => refused(Refusal::invalid_token(presented.scheme, why)),
                    AccessTokenError::Store(err) => ApiError::from(err).into_response(),
                }
            })?;
        check_presentation(state, &parts.headers, &parts.method, parts.uri.path(), &presented, &claims).await.map_err(
            |e| match e {
                PresentationError::Refused(refusal) => refused(refusal),
                PresentationError::Store(err) => ApiError::from(err).into_response(),
            },
        )?;
        let sid =
            claims.sid.ok_or_else(|| ApiError::forbidden("this endpoint needs a user's token").into_response())?;
        let native = claims.client_id == state.config.api.client_id;
        if !native && !N::SCOPE.granted_by(&claims.scope) {
            return Err(InsufficientScope(N::SCOPE, presented.scheme).into_response());
        }
        let caller = Caller { user_id: claims.sub, sid, client_id: claims.client_id, scope: claims.scope };
        Ok(Authorized(caller, PhantomData))
    }
}
