//! `/admin/clients`: every client, and for those added by hand or registered: create,
//! edit, a new secret (shown once), disable and enable, delete. Clients declared in the
//! configuration file are shown read-only and say so. Clients made here are those of
//! `mana-auth client add`.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use super::{
    action::{Action, Confirm, Target},
    client_form::{ClientFields, Shown},
    gate::Admin,
};
use crate::{
    admin::clients::{self as admin_clients, AdminError, By},
    i18n::Lang,
    state::AppState,
    store::clients::{self, CONFIG, Client},
    web::{
        csrf::Csrf,
        page::{PageError, render},
        page_input::PageForm,
        timestamp::shown,
    },
};

impl Target for Client {
    async fn load(state: &AppState, id: &str) -> Result<Self, PageError> {
        clients::find(&state.db, id).await?.ok_or(PageError::NoSuchPage(StatusCode::NOT_FOUND, "admin-no-such-client"))
    }
}

/// A form on a client.
type ClientAction<F = super::action::NoFields> = Action<Client, F>;

/// A client as a row of the list.
struct Row {
    id: String,
    name: String,
    public: bool,
    source: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "admin_clients.html")]
struct ListPage<'a> {
    t: &'a Lang,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "admin_client.html")]
struct ClientPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    error: &'a str,
    form: Shown,
    /// The stored client; none on the page that creates one.
    stored: Option<&'a Client>,
    created: String,
    /// Whether it may be changed here: not declared in the configuration file.
    editable: bool,
    grant_names: [&'static str; 4],
}

#[derive(Template)]
#[template(path = "admin_client_secret.html")]
struct SecretPage<'a> {
    t: &'a Lang,
    id: &'a str,
    secret: &'a str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(State(state): State<AppState>, _: Admin, t: Lang) -> Result<Response, PageError> {
    let rows = clients::list(&state.db)
        .await?
        .into_iter()
        .map(|c| Row { public: c.is_public(), disabled: c.disabled, id: c.id, name: c.name, source: c.source })
        .collect();
    Ok(render(StatusCode::OK, &ListPage { t: &t, rows }))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn new(_: Admin, t: Lang, csrf: Csrf) -> Response {
    client_page(&t, &csrf, Shown::new_client(), None, StatusCode::OK, "")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    t: Lang,
    csrf: Csrf,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let client = Client::load(&state, &id).await?;
    let created = clients::created_at(&state.db, &id).await?;
    let mut page = ClientPage::new(&t, &csrf, Shown::from(&client), Some(&client), "");
    page.created = created.map(shown).unwrap_or_default();
    Ok(render(StatusCode::OK, &page))
}

impl<'a> ClientPage<'a> {
    fn new(t: &'a Lang, csrf: &'a Csrf, form: Shown, stored: Option<&'a Client>, error: &'a str) -> Self {
        let grant_names = super::client_form::GRANTS.map(|(_, grant)| grant);
        let editable = stored.is_none_or(|c| c.source != CONFIG);
        ClientPage { t, csrf: csrf.token(), error, form, stored, created: String::new(), editable, grant_names }
    }
}

fn client_page(
    t: &Lang,
    csrf: &Csrf,
    form: Shown,
    stored: Option<&Client>,
    status: StatusCode,
    error: &str,
) -> Response {
    render(status, &ClientPage::new(t, csrf, form, stored, error))
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    #[serde(flatten)]
    fields: ClientFields,
}

/// What a page says of a refused change to a client.
fn refusal(t: &Lang, err: AdminError) -> Result<String, PageError> {
    super::refusal(t, "admin-client-invalid", err)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    t: Lang,
    csrf: Csrf,
    PageForm(form): PageForm<CreateForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let fields = form.fields;
    let config = match fields.config(fields.id(), None) {
        Ok(config) => config,
        Err(key) => {
            return Ok(client_page(&t, &csrf, Shown::from(&fields), None, StatusCode::BAD_REQUEST, &t.get(key)));
        }
    };
    let id = config.id.clone();
    match admin_clients::add(&state.db, config, fields.public(), By::Admin(&admin.user.id)).await {
        Ok(Some(secret)) => Ok(render(StatusCode::CREATED, &SecretPage { t: &t, id: &id, secret: &secret })),
        Ok(None) => Ok(Redirect::to(&client_path(&id)).into_response()),
        Err(err) => {
            let error = refusal(&t, err)?;
            Ok(client_page(&t, &csrf, Shown::from(&fields), None, StatusCode::BAD_REQUEST, &error))
        }
    }
}

/// Back to the client's page after a change; this process forgets what it held of it.
fn back_to(state: &AppState, id: &str) -> Response {
    state.clients.forget(id);
    Redirect::to(&client_path(id)).into_response()
}

/// What a path segment keeps as it is: letters, digits and `-._~` (RFC 3986 §2.3).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The page of client `id`: ids may hold any character, so it is percent-encoded.
fn client_path(id: &str) -> String {
    format!("/admin/clients/{}", utf8_percent_encode(id, SEGMENT))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn update(
    State(state): State<AppState>,
    t: Lang,
    action: ClientAction<ClientFields>,
) -> Result<Response, PageError> {
    let Action { admin, target: client, csrf, fields } = action;
    let error = match fields.config(&client.id, Some(&client)) {
        Err(key) => t.get(key),
        Ok(config) => match admin_clients::update(&state.db, config, &admin.user.id).await {
            Ok(()) => return Ok(back_to(&state, &client.id)),
            Err(err) => refusal(&t, err)?,
        },
    };
    let mut shown = Shown::from(&fields);
    shown.id.clone_from(&client.id);
    shown.public = client.is_public();
    Ok(client_page(&t, &csrf, shown, Some(&client), StatusCode::BAD_REQUEST, &error))
}

/// A refused action on a client: its page with the reason.
fn refused(t: &Lang, csrf: &Csrf, client: &Client, error: &str) -> Response {
    client_page(t, csrf, Shown::from(client), Some(client), StatusCode::CONFLICT, error)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn rotate_secret(
    State(state): State<AppState>,
    t: Lang,
    action: ClientAction,
) -> Result<Response, PageError> {
    let Action { admin, target: client, csrf, .. } = action;
    match admin_clients::rotate_secret(&state.db, &client.id, &admin.user.id).await {
        Ok(secret) => {
            state.clients.forget(&client.id);
            Ok(render(StatusCode::OK, &SecretPage { t: &t, id: &client.id, secret: &secret }))
        }
        Err(err) => Ok(refused(&t, &csrf, &client, &refusal(&t, err)?)),
    }
}

async fn set_disabled(state: &AppState, t: &Lang, action: ClientAction, disabled: bool) -> Result<Response, PageError> {
    let Action { admin, target: client, csrf, .. } = action;
    match admin_clients::set_disabled(&state.db, &client.id, disabled, &admin.user.id).await {
        Ok(_) => Ok(back_to(state, &client.id)),
        Err(err) => Ok(refused(t, &csrf, &client, &refusal(t, err)?)),
    }
}

/// Every endpoint then treats the client as unknown: no sign-in, no token, no refresh.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn disable(State(state): State<AppState>, t: Lang, action: ClientAction) -> Result<Response, PageError> {
    set_disabled(&state, &t, action, true).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn enable(State(state): State<AppState>, t: Lang, action: ClientAction) -> Result<Response, PageError> {
    set_disabled(&state, &t, action, false).await
}

/// Deletes the client once its id is typed again: its refresh tokens are revoked and
/// the consents given to it forgotten.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(
    State(state): State<AppState>,
    t: Lang,
    action: ClientAction<Confirm>,
) -> Result<Response, PageError> {
    let Action { admin, target: client, csrf, fields } = action;
    if fields.confirm.trim() != client.id {
        let error = t.get("admin-client-delete-mismatch");
        return Ok(client_page(&t, &csrf, Shown::from(&client), Some(&client), StatusCode::BAD_REQUEST, &error));
    }
    match admin_clients::remove(&state.db, &client.id, By::Admin(&admin.user.id)).await {
        Ok(()) => {
            state.clients.forget(&client.id);
            Ok(Redirect::to("/admin/clients").into_response())
        }
        Err(err) => Ok(refused(&t, &csrf, &client, &refusal(&t, err)?)),
    }
}
