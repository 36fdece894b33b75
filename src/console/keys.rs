//! `/admin/keys`: the signing keys with their state and age; a rotation started by
//! hand, and the emergency rotation behind a typed confirmation (every key dropped,
//! every token signed before stops verifying).

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde_json::json;

use super::{
    action::{AdminForm, Confirm},
    gate::Admin,
};
use crate::{
    i18n::Lang,
    keys::rotation,
    security::audit::{Event, Kind},
    state::AppState,
    store::jwks,
    web::{
        csrf::Csrf,
        page::{PageError, render},
        timestamp::shown,
    },
};

/// What the emergency form wants typed.
const EMERGENCY_WORD: &str = "emergency";

struct Row {
    kid: String,
    alg: String,
    status: String,
    created: String,
    activated: String,
    retired: String,
}

#[derive(Template)]
#[template(path = "admin_keys.html")]
struct KeysPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    rows: Vec<Row>,
    word: &'a str,
    error: &'a str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, _: Admin, t: Lang, csrf: Csrf) -> Result<Response, PageError> {
    keys_page(&state, &t, &csrf, StatusCode::OK, "").await
}

async fn keys_page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    let when = |at: Option<i64>| at.map(shown).unwrap_or_default();
    let rows = jwks::all(&state.db)
        .await?
        .into_iter()
        .map(|k| Row {
            created: shown(k.created_at),
            activated: when(k.activated_at),
            retired: when(k.retired_at),
            kid: k.kid,
            alg: k.alg,
            status: k.status,
        })
        .collect();
    Ok(render(status, &KeysPage { t, csrf: csrf.token(), rows, word: EMERGENCY_WORD, error }))
}

fn failed(err: crate::keys::KeyError) -> PageError {
    PageError::Internal(format!("key rotation: {err}"))
}

/// Publishes a next key of each algorithm; it signs after the prepublish period.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rotate(State(state): State<AppState>, form: AdminForm) -> Result<Response, PageError> {
    rotation::rotate(&state.db, state.keys.vault(), &state.config.notify).await.map_err(failed)?;
    state.keys.refresh(&state.db).await.map_err(failed)?;
    let details = json!({ "admin": form.admin.user.id });
    Event::new(Kind::AdminKeysRotated).details(details).record(&state.db).await;
    Ok(Redirect::to("/admin/keys").into_response())
}

/// Drops every key for new ones that sign at once, once the word is typed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn emergency(
    State(state): State<AppState>,
    t: Lang,
    form: AdminForm<Confirm>,
) -> Result<Response, PageError> {
    if form.fields.confirm.trim() != EMERGENCY_WORD {
        let error = t.arg("admin-keys-emergency-mismatch", "word", EMERGENCY_WORD);
        return keys_page(&state, &t, &form.csrf, StatusCode::BAD_REQUEST, &error).await;
    }
    rotation::emergency(&state.db, state.keys.vault(), &state.config.notify).await.map_err(failed)?;
    state.keys.refresh(&state.db).await.map_err(failed)?;
    let details = json!({ "admin": form.admin.user.id });
    Event::new(Kind::AdminKeysEmergencyRotation).details(details).record(&state.db).await;
    tracing::warn!(admin = %form.admin.user.id, "emergency key rotation from the admin pages");
    Ok(Redirect::to("/admin/keys").into_response())
}
