//! An admin form that acts on one account (`/admin/users/{id}/…`): the administrator
//! (the gate first), then the form with its CSRF field checked (403 when forged, before
//! anything is read or changed), then the account. `F` holds the form's other fields.

use axum::{
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use entity::users;
use serde::{Deserialize, de::DeserializeOwned};

use super::{gate::Admin, users::account};
use crate::{
    state::AppState,
    web::{csrf::Csrf, page::PageError, page_input::PageForm},
};

pub struct UserAction<F = NoFields> {
    pub admin: Admin,
    pub user: users::Model,
    /// For a page that answers the form.
    pub csrf: Csrf,
    pub fields: F,
}

/// A form with nothing but its CSRF field.
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct ActionForm<F> {
    csrf: String,
    #[serde(flatten)]
    fields: F,
}

impl<F: DeserializeOwned + Send> FromRequest<AppState> for UserAction<F> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let admin = Admin::from_request_parts(&mut parts, state).await?;
        let csrf = Csrf::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let Path(id) = Path::<String>::from_request_parts(&mut parts, state)
            .await
            .map_err(|_| PageError::NoSuchPage(StatusCode::NOT_FOUND, "error-not-found").into_response())?;
        let PageForm(form) = PageForm::<ActionForm<F>>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        csrf.check(&form.csrf).map_err(IntoResponse::into_response)?;
        let user = account(state, &id).await.map_err(IntoResponse::into_response)?;
        Ok(UserAction { admin, user, csrf, fields: form.fields })
    }
}
