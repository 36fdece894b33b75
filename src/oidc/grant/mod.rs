//! One module per grant type (RFC 6749 §4, §6).

pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod refresh_token;
