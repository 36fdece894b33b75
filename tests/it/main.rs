//! Integration tests: the real app on a random port, a fresh database per test,
//! spoken to over HTTP as relying parties, browsers and resource servers do.

mod common;
mod oidc_flow;
