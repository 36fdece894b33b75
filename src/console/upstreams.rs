//! `/admin/upstreams`: the other identity providers people sign in with, as the
//! configuration declares them, with the redirect URI to register at each and how many
//! accounts have linked an identity there.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use super::gate::Admin;
use crate::{
    i18n::Lang,
    state::AppState,
    store::upstream_identities,
    web::page::{PageError, render},
};

struct Row {
    id: String,
    name: String,
    kind: &'static str,
    issuer: String,
    redirect_uri: String,
    /// The settings that are on, by their keys.
    settings: String,
    linked: u64,
}

#[derive(Template)]
#[template(path = "admin_upstreams.html")]
struct UpstreamsPage<'a> {
    t: &'a Lang,
    rows: Vec<Row>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, _: Admin, t: Lang) -> Result<Response, PageError> {
    let linked = upstream_identities::count_by_upstream(&state.db).await?;
    let rows = state
        .upstreams
        .all()
        .iter()
        .map(|upstream| {
            let config = &upstream.config;
            let flags = [
                ("auto_create", config.auto_create),
                ("link_by_verified_email", config.link_by_verified_email),
                ("trust_mfa", config.trust_mfa),
                ("store_tokens", config.store_tokens),
            ];
            Row {
                id: config.id.clone(),
                name: config.name.clone(),
                kind: match config.kind {
                    crate::config::UpstreamKind::Oidc => "oidc",
                    crate::config::UpstreamKind::Github => "github",
                    crate::config::UpstreamKind::Google => "google",
                },
                issuer: config.issuer().to_owned(),
                redirect_uri: upstream.redirect_uri(state.config.issuer_base()),
                settings: flags.iter().filter(|(_, on)| *on).map(|(key, _)| *key).collect::<Vec<_>>().join(", "),
                linked: linked.iter().find(|(id, _)| *id == config.id).map_or(0, |(_, count)| *count),
            }
        })
        .collect();
    Ok(render(StatusCode::OK, &UpstreamsPage { t: &t, rows }))
}
