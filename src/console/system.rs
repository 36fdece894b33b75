//! `/admin/system`: the version, where the schema stands, readiness, the backups (the
//! last scheduled one's result, one made now), and the configuration in force with
//! every secret redacted.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde_json::json;

use super::{action::AdminForm, gate::Admin};
use crate::{
    admin::backups,
    i18n::Lang,
    ops::health::readiness,
    security::audit::{Event, Kind},
    state::AppState,
    store::{job_runs, schema},
    web::{
        csrf::Csrf,
        page::{PageError, render},
        timestamp::shown,
    },
};

struct Backup {
    name: String,
    size: u64,
    places: String,
}

#[derive(Template)]
#[template(path = "admin_system.html")]
struct SystemPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    version: &'static str,
    schema: String,
    ready: bool,
    readiness: String,
    schedule: String,
    /// When a scheduled backup was last written, by any process; when one of this
    /// process last failed.
    last_success: String,
    last_failure: Option<String>,
    backups: Vec<Backup>,
    /// The configuration as the server reads it; secrets print as `[redacted]`.
    config: String,
    error: &'a str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, _: Admin, t: Lang, csrf: Csrf) -> Result<Response, PageError> {
    system_page(&state, &t, &csrf, StatusCode::OK, "").await
}

async fn system_page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    let schema = schema::status(&state.db).await?.problem().unwrap_or_else(schema::expected_version);
    let (ready, body) = readiness(state).await;
    let (backups, listing_error) = match backups::list(&state.config).await {
        Ok(listed) => (listed, String::new()),
        Err(err) => (Vec::new(), err.to_string()),
    };
    let backups =
        backups.into_iter().map(|b| Backup { name: b.name, size: b.size, places: b.places.join(", ") }).collect();
    let schedule = state.config.backup.schedule().map_or_else(|| t.get("admin-system-no-schedule"), str::to_owned);
    let error = if error.is_empty() { listing_error } else { error.to_owned() };
    let last_success = job_runs::last_success(&state.db, "backup").await?.map_or_else(|| t.get("admin-never"), shown);
    let last_failure = state.metrics.scheduled_backups.last_failure().map(shown);
    let page = SystemPage {
        t,
        csrf: csrf.token(),
        version: env!("CARGO_PKG_VERSION"),
        schema,
        ready: ready.is_success(),
        readiness: serde_json::to_string_pretty(&body).unwrap_or_default(),
        schedule,
        last_success,
        last_failure,
        backups,
        config: format!("{:#?}", state.config),
        error: &error,
    };
    Ok(render(status, &page))
}

/// Writes a backup now, where scheduled ones go (and to the bucket when one is set).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn backup(State(state): State<AppState>, t: Lang, form: AdminForm) -> Result<Response, PageError> {
    match backups::create(&state.db, &state.config, None, false).await {
        Ok(created) => {
            let file = created.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let details = json!({ "admin": form.admin.user.id, "file": file, "uploaded": created.uploaded });
            Event::new(Kind::AdminBackupCreated).details(details).record(&state.db).await;
            Ok(Redirect::to("/admin/system").into_response())
        }
        Err(err) => {
            let error = t.arg("admin-system-backup-failed", "reason", err.to_string());
            system_page(&state, &t, &form.csrf, StatusCode::CONFLICT, &error).await
        }
    }
}
