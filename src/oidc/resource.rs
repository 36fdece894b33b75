//! Resource indicators (RFC 8707): the `resource` a client names at `/authorize` or
//! `/token` becomes its access token's audience. One that is not declared in
//! `[[resources]]`, or that the client's `resources` leave out, is refused.

use crate::{
    config::{Config, ResourceConfig},
    store::clients::Client,
};

/// The declared resource `requested` names, when the client may use it; the refusal
/// says why not (`invalid_target`).
pub fn target<'c>(
    config: &'c Config,
    client: &Client,
    requested: Option<&str>,
) -> Result<Option<&'c ResourceConfig>, String> {
    let Some(identifier) = requested else { return Ok(None) };
    match config.resource(identifier) {
        Some(resource) if client.may_use_resource(identifier) => Ok(Some(resource)),
        Some(_) => Err(format!("this client may not ask tokens for `{identifier}`")),
        None => Err(format!("`{identifier}` is not a resource of this provider")),
    }
}
