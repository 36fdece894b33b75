//! Tokens shared by every way in (OIDC grants and the native API): scopes, minting,
//! issuing a user's token set, and verifying access tokens.

pub mod issue;
pub mod mint;
pub mod rotate;
pub mod scope;
pub mod verified;
pub mod verify;

use crate::{keys::KeyError, store::StoreError};

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
