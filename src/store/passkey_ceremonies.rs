//! WebAuthn ceremonies between their two requests: begun with the options sent to the
//! browser, finished once, by whichever replica gets the answer, before they expire.

use entity::passkey_ceremonies::{self, Entity as Ceremonies};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, claim_once, now};
use crate::security::opaque::new_secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Registration,
    Login,
    /// A passkey as the second step after a password.
    SecondStep,
    /// A new account's first passkey, before the account exists.
    SignUp,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Registration => "registration",
            Purpose::Login => "login",
            Purpose::SecondStep => "second_step",
            Purpose::SignUp => "sign_up",
        }
    }
}

/// Stores a ceremony's state; returns its id, the `flowId` the answer comes back with.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn begin(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    user_id: Option<&str>,
    state: String,
    ttl_secs: i64,
) -> Result<String, StoreError> {
    let id = new_secret();
    let row = passkey_ceremonies::ActiveModel {
        id: Set(id.clone()),
        purpose: Set(purpose.as_str().to_owned()),
        user_id: Set(user_id.map(str::to_owned)),
        state: Set(state),
        expires_at: Set(now() + ttl_secs),
        used_at: Set(None),
    };
    Ceremonies::insert(row).exec_without_returning(db).await?;
    Ok(id)
}

/// Takes the live ceremony `id` of `purpose`, once: `None` when it is unknown, of the
/// other purpose, expired or taken before. Of two concurrent calls one gets it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn finish(
    db: &impl ConnectionTrait,
    id: &str,
    purpose: Purpose,
) -> Result<Option<passkey_ceremonies::Model>, StoreError> {
    let at = now();
    let live = Condition::all()
        .add(passkey_ceremonies::Column::Id.eq(id))
        .add(passkey_ceremonies::Column::Purpose.eq(purpose.as_str()))
        .add(passkey_ceremonies::Column::UsedAt.is_null())
        .add(passkey_ceremonies::Column::ExpiresAt.gt(at));
    claim_once::<Ceremonies>(db, live, passkey_ceremonies::Column::UsedAt, at).await
}

/// Deletes finished and expired ceremonies; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let done = Condition::any()
        .add(passkey_ceremonies::Column::UsedAt.is_not_null())
        .add(passkey_ceremonies::Column::ExpiresAt.lte(now()));
    Ok(Ceremonies::delete_many().filter(done).exec(db).await?.rows_affected)
}
