//! `/admin/credits`: the ledger check's result, and an account's paid wallet adjusted
//! with a reason (as `mana-auth credits grant`): credits granted, or taken back.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{action::AdminForm, gate::Admin};
use crate::{
    admin::{self, clients::AdminError},
    i18n::Lang,
    state::AppState,
    store::ledger,
    web::{
        csrf::Csrf,
        page::{PageError, render},
    },
};

#[derive(Template)]
#[template(path = "admin_credits.html")]
struct CreditsPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    problems: Vec<String>,
    /// What the grant form shows after a refusal.
    email: &'a str,
    amount: &'a str,
    reason: &'a str,
    error: &'a str,
}

#[derive(Deserialize)]
pub struct GrantFields {
    email: String,
    amount: String,
    reason: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, _: Admin, t: Lang, csrf: Csrf) -> Result<Response, PageError> {
    let problems = ledger::check(&state.db).await?;
    let page = CreditsPage { t: &t, csrf: csrf.token(), problems, email: "", amount: "", reason: "", error: "" };
    Ok(render(StatusCode::OK, &page))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn grant(
    State(state): State<AppState>,
    t: Lang,
    form: AdminForm<GrantFields>,
) -> Result<Response, PageError> {
    let AdminForm { admin, csrf, fields } = form;
    let granted = match fields.amount.trim().parse::<i64>() {
        Ok(amount) => {
            admin::credits::grant(&state.db, fields.email.trim(), amount, &fields.reason, Some(&admin.user.id)).await
        }
        Err(_) => Err(AdminError::Invalid(t.get("admin-credits-amount"))),
    };
    let error = match granted {
        // The account's page shows the new balance.
        Ok(user_id) => return Ok(Redirect::to(&format!("/admin/users/{user_id}")).into_response()),
        Err(AdminError::Invalid(reason)) => t.arg("admin-credits-refused", "reason", reason),
        Err(AdminError::Store(err)) => return Err(err.into()),
    };
    let problems = ledger::check(&state.db).await?;
    let page = CreditsPage {
        t: &t,
        csrf: csrf.token(),
        problems,
        email: &fields.email,
        amount: &fields.amount,
        reason: &fields.reason,
        error: &error,
    };
    Ok(render(StatusCode::BAD_REQUEST, &page))
}
