//! An admin form that acts on one thing (`/admin/users/{id}/…`, `/admin/clients/{id}/…`):
//! the administrator (the gate first), then the form with its CSRF field checked (403
//! when forged, 400 when the form lacks a field, both before anything is read or
//! changed), then the account or client the path names. `F` holds the form's other
//! fields.

use std::future::Future;

use axum::{
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use entity::users;
use serde::{Deserialize, de::DeserializeOwned};

use super::gate::Admin;
use crate::{
    state::AppState,
    web::{csrf::Csrf, page::PageError, page_input::PageForm},
};

/// What an admin form acts on, found by the id in its path.
pub trait Target: Sized + Send {
    fn load(state: &AppState, id: &str) -> impl Future<Output = Result<Self, PageError>> + Send;
}

impl Target for users::Model {
    fn load(state: &AppState, id: &str) -> impl Future<Output = Result<Self, PageError>> + Send {
        super::users::account(state, id)
    }
}

pub struct Action<T, F = NoFields> {
    pub admin: Admin,
    pub target: T,
    /// For a page that answers the form.
    pub csrf: Csrf,
    pub fields: F,
}

/// A form on an account.
pub type UserAction<F = NoFields> = Action<users::Model, F>;

/// A form with nothing but its CSRF field.
#[derive(Deserialize)]
pub struct NoFields {}

/// A form that deletes: what it deletes named again (an email address, a client id).
#[derive(Deserialize)]
pub struct Confirm {
    pub confirm: String,
}

#[derive(Deserialize)]
struct ActionForm<F> {
    csrf: String,
    #[serde(flatten)]
    fields: F,
}

/// An admin form on no one thing (`/admin/keys/rotate`): the administrator, then the
/// form with its CSRF field checked.
pub struct AdminForm<F = NoFields> {
    pub admin: Admin,
    pub csrf: Csrf,
    pub fields: F,
}

impl<F: DeserializeOwned + Send> FromRequest<AppState> for AdminForm<F> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let admin = Admin::from_request_parts(&mut parts, state).await?;
        let csrf = Csrf::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let PageForm(form) = PageForm::<ActionForm<F>>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        csrf.check(&form.csrf).map_err(IntoResponse::into_response)?;
        Ok(AdminForm { admin, csrf, fields: form.fields })
    }
}

impl<T: Target, F: DeserializeOwned + Send> FromRequest<AppState> for Action<T, F> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Path(id) = Path::<String>::from_request_parts(&mut parts, state)
            .await
            .map_err(|_| PageError::NoSuchPage(StatusCode::NOT_FOUND, "error-not-found").into_response())?;
        let form = AdminForm::<F>::from_request(Request::from_parts(parts, body), state).await?;
        let target = T::load(state, &id).await.map_err(IntoResponse::into_response)?;
        Ok(Action { admin: form.admin, target, csrf: form.csrf, fields: form.fields })
    }
}
