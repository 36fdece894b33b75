//! `mana-auth user add`.

use crate::store::db::Db;
use entity::users::Model as User;
use serde_json::json;

use super::clients::AdminError;
use crate::{
    config::CreditsConfig,
    credits::{CreditsError, grants},
    security::{
        audit::{Event, Kind},
        passwords::Passwords,
        policy::check_new_account,
    },
    store::{StoreError, users::NewUser},
};

pub struct AddUser {
    pub email: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub password: String,
}

/// Creates the user with its signup bonus.
pub async fn add(db: &Db, passwords: &Passwords, credits: &CreditsConfig, new: AddUser) -> Result<User, AdminError> {
    check_new_account(&new.email, &new.password, new.username.as_deref()).map_err(|e| AdminError::Invalid(e.into()))?;
    let password_hash = passwords.hash(new.password).await.map_err(|e| AdminError::Invalid(e.to_string()))?;
    let user = NewUser { email: new.email, username: new.username, name: new.name, password_hash };
    let created = Event::new(Kind::AccountCreated).details(json!({ "by": "operator" }));
    grants::register(db, credits, user, created).await.map_err(|e| match e {
        CreditsError::Store(StoreError::Conflict(_)) => {
            AdminError::Invalid("a user with this email or username already exists".into())
        }
        other => AdminError::Invalid(other.to_string()),
    })
}
