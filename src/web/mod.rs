//! HTTP plumbing shared by every route: headers, request logs, browser sessions,
//! CSRF, client authentication, bearer tokens, page rendering, the parsing of input
//! and the connections requests arrive on.

pub mod api_error;
pub mod bearer;
pub mod browser;
pub mod cached;
pub mod caller;
pub mod client_auth;
pub mod client_info;
pub mod cookies;
pub mod csrf;
pub mod device;
pub mod headers;
pub mod input;
pub mod json;
pub mod language;
pub mod listen;
pub mod no_route;
pub mod onward;
pub mod page;
pub mod page_input;
pub mod page_limit;
pub mod params;
pub mod request_log;
pub mod session_store;
pub mod timestamp;
