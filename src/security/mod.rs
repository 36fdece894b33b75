//! Passwords, opaque tokens and their digests: the secrets mana-auth handles.

pub mod opaque;
pub mod passwords;
pub mod policy;
