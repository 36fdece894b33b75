//! `/admin/upstreams`: the other identity providers people sign in with. Those of the
//! configuration file are shown read-only; others are created, edited and deleted
//! here, their client secrets sealed with the secrets key. Each shows the redirect URI
//! to register at the provider and how many accounts linked an identity there.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use entity::upstreams as stored_upstreams;

use super::{
    action::{Action, AdminForm, Confirm, Target},
    gate::Admin,
    upstream_form::UpstreamFields,
};
use crate::{
    admin::{
        clients::AdminError,
        upstreams::{self as admin_upstreams, Registry},
    },
    config::UpstreamConfig,
    i18n::Lang,
    state::AppState,
    store::{self, upstream_identities},
    upstream::{self, stored},
    web::{
        csrf::Csrf,
        page::{PageError, render},
        timestamp::shown,
    },
};

impl Target for stored_upstreams::Model {
    async fn load(state: &AppState, id: &str) -> Result<Self, PageError> {
        if state.upstreams.is_configured(id) {
            return Err(PageError::NoSuchPage(StatusCode::CONFLICT, "admin-upstream-declared"));
        }
        store::upstreams::find(&state.db, id)
            .await?
            .ok_or(PageError::NoSuchPage(StatusCode::NOT_FOUND, "admin-no-such-upstream"))
    }
}

/// A form on a provider made here.
type UpstreamAction<F = super::action::NoFields> = Action<stored_upstreams::Model, F>;

/// A provider as the list and its page show it.
struct Row {
    id: String,
    name: String,
    kind: &'static str,
    issuer: String,
    redirect_uri: String,
    /// The settings that are on, by their keys.
    settings: String,
    linked: u64,
    /// Made on these pages, so changed here too.
    editable: bool,
    created: String,
    /// Why it is not offered, where it is not.
    problem: String,
}

impl Row {
    fn new(state: &AppState, config: &UpstreamConfig, linked: &[(String, u64)]) -> Row {
        let flags = [
            ("auto_create", config.auto_create),
            ("link_by_verified_email", config.link_by_verified_email),
            ("trust_mfa", config.trust_mfa),
            ("store_tokens", config.store_tokens),
        ];
        Row {
            id: config.id.clone(),
            name: config.name.clone(),
            kind: config.kind.as_str(),
            issuer: config.issuer().to_owned(),
            redirect_uri: upstream::redirect_uri(state.config.issuer_base(), &config.id),
            settings: flags.iter().filter(|(_, on)| *on).map(|(key, _)| *key).collect::<Vec<_>>().join(", "),
            linked: linked.iter().find(|(id, _)| *id == config.id).map_or(0, |(_, count)| *count),
            editable: false,
            created: String::new(),
            problem: String::new(),
        }
    }

    /// A provider made here, with what keeps it from being offered; and its settings.
    fn stored(
        state: &AppState,
        t: &Lang,
        row: &stored_upstreams::Model,
        linked: &[(String, u64)],
    ) -> Result<(Row, UpstreamConfig), PageError> {
        let config = stored::settings(row).map_err(PageError::Internal)?;
        let mut about = Row::new(state, &config, linked);
        about.editable = true;
        about.created = shown(row.created_at);
        about.problem = if state.upstreams.is_configured(&row.id) {
            t.get("admin-upstream-shadowed")
        } else {
            stored::from_row(row, state.secrets.as_ref()).err().unwrap_or_default()
        };
        Ok((about, config))
    }
}

/// The page of the provider made here `row`, showing `form` (its settings when none).
async fn stored_page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    row: &stored_upstreams::Model,
    form: Option<UpstreamFields>,
    (status, error): (StatusCode, &str),
) -> Result<Response, PageError> {
    let linked = upstream_identities::count_by_upstream(&state.db).await?;
    let (about, config) = Row::stored(state, t, row, &linked)?;
    let form = form.unwrap_or_else(|| UpstreamFields::from(&config));
    Ok(upstream_page(t, csrf, form, Some(about), status, error))
}

#[derive(Template)]
#[template(path = "admin_upstreams.html")]
struct ListPage<'a> {
    t: &'a Lang,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "admin_upstream.html")]
struct UpstreamPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    error: &'a str,
    form: UpstreamFields,
    /// The provider shown; none on the page that creates one.
    about: Option<Row>,
    /// Whether the form may be sent: not a provider of the configuration file.
    editable: bool,
    kinds: [&'static str; 3],
}

fn upstream_page(
    t: &Lang,
    csrf: &Csrf,
    form: UpstreamFields,
    about: Option<Row>,
    status: StatusCode,
    error: &str,
) -> Response {
    let kinds = crate::config::UpstreamKind::ALL.map(|kind| kind.as_str());
    let editable = about.as_ref().is_none_or(|about| about.editable);
    render(status, &UpstreamPage { t, csrf: csrf.token(), error, form, about, editable, kinds })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(State(state): State<AppState>, _: Admin, t: Lang) -> Result<Response, PageError> {
    let linked = upstream_identities::count_by_upstream(&state.db).await?;
    let mut rows: Vec<Row> =
        state.upstreams.configured().iter().map(|u| Row::new(&state, &u.config, &linked)).collect();
    for row in store::upstreams::list(&state.db).await? {
        rows.push(Row::stored(&state, &t, &row, &linked)?.0);
    }
    Ok(render(StatusCode::OK, &ListPage { t: &t, rows }))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn new(_: Admin, t: Lang, csrf: Csrf) -> Response {
    upstream_page(&t, &csrf, UpstreamFields::new_upstream(), None, StatusCode::OK, "")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    t: Lang,
    csrf: Csrf,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if let Some(configured) = state.upstreams.configured().iter().find(|u| u.id() == id) {
        let linked = upstream_identities::count_by_upstream(&state.db).await?;
        let about = Row::new(&state, &configured.config, &linked);
        return Ok(upstream_page(&t, &csrf, UpstreamFields::from(&configured.config), Some(about), StatusCode::OK, ""));
    }
    let row = stored_upstreams::Model::load(&state, &id).await?;
    stored_page(&state, &t, &csrf, &row, None, (StatusCode::OK, "")).await
}

fn registry(state: &AppState) -> Registry<'_> {
    Registry { upstreams: &state.upstreams, sealer: state.secrets.as_ref() }
}

/// What a page says of a refused change to a provider.
fn refusal(t: &Lang, err: AdminError) -> Result<String, PageError> {
    super::refusal(t, "admin-upstream-invalid", err)
}

fn back_to(id: &str) -> Response {
    // Ids are of a-z, 0-9, - and _ only: nothing to encode.
    Redirect::to(&format!("/admin/upstreams/{id}")).into_response()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(
    State(state): State<AppState>,
    t: Lang,
    form: AdminForm<UpstreamFields>,
) -> Result<Response, PageError> {
    let AdminForm { admin, csrf, fields } = form;
    let error = match fields.config() {
        Err(key) => t.get(key),
        Ok(config) => {
            let id = config.id.clone();
            match admin_upstreams::add(&state.db, registry(&state), config, &admin.user.id).await {
                Ok(()) => return Ok(back_to(&id)),
                Err(err) => refusal(&t, err)?,
            }
        }
    };
    Ok(upstream_page(&t, &csrf, fields.refused(), None, StatusCode::BAD_REQUEST, &error))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn update(
    State(state): State<AppState>,
    t: Lang,
    action: UpstreamAction<UpstreamFields>,
) -> Result<Response, PageError> {
    let Action { admin, target: row, csrf, mut fields } = action;
    // The id, kind and issuer stay as created.
    fields.id.clone_from(&row.id);
    fields.kind.clone_from(&row.kind);
    fields.issuer = row.issuer.clone().unwrap_or_default();
    let error = match fields.config() {
        Err(key) => t.get(key),
        Ok(config) => match admin_upstreams::update(&state.db, registry(&state), config, &admin.user.id).await {
            Ok(()) => return Ok(back_to(&row.id)),
            Err(err) => refusal(&t, err)?,
        },
    };
    stored_page(&state, &t, &csrf, &row, Some(fields.refused()), (StatusCode::BAD_REQUEST, &error)).await
}

/// Deletes the provider once its id is typed again, unlinking every identity linked
/// through it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(
    State(state): State<AppState>,
    t: Lang,
    action: UpstreamAction<Confirm>,
) -> Result<Response, PageError> {
    let Action { admin, target: row, csrf, fields } = action;
    let error = if fields.confirm.trim() == row.id {
        match admin_upstreams::remove(&state.db, registry(&state), &row.id, &admin.user.id).await {
            Ok(_) => return Ok(Redirect::to("/admin/upstreams").into_response()),
            Err(err) => refusal(&t, err)?,
        }
    } else {
        t.get("admin-upstream-delete-mismatch")
    };
    stored_page(&state, &t, &csrf, &row, None, (StatusCode::BAD_REQUEST, &error)).await
}
