//! Who is on the other end of a request: the client's address and user agent, for
//! session records, rate limits and the audit trail. Behind proxies listed in
//! `server.trusted_proxies` the address comes from `X-Forwarded-For`; from anyone
//! else that header is ignored, so a client cannot choose the address it counts as.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};

pub use crate::security::client::ClientInfo;
use crate::{config::TrustedProxies, state::AppState};

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        let ip = peer.map(|peer| client_ip(peer, &parts.headers, &state.config.server.trusted_proxies).to_string());
        let user_agent =
            parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(512).collect());
        Ok(ClientInfo { ip, user_agent })
    }
}

/// The peer, unless it is a trusted proxy: then the nearest address in
/// `X-Forwarded-For` that is not a trusted proxy itself.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else { break };
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().expect("header"));
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn only_trusted_proxies_can_name_the_client() {
        let none = TrustedProxies::default();
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(client_ip(ip("198.51.100.7"), &headers, &none), ip("198.51.100.7"), "header of a stranger");

        let trusted = TrustedProxies::try_from(vec!["10.0.0.0/8".to_owned(), "192.0.2.1".to_owned()]).expect("list");
        assert_eq!(client_ip(ip("10.1.2.3"), &headers, &trusted), ip("203.0.113.9"));
        let spoofed = forwarded(&["6.6.6.6, 203.0.113.9", "192.0.2.1"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &spoofed, &trusted), ip("203.0.113.9"), "left of the client is theirs");
        assert_eq!(client_ip(ip("10.1.2.3"), &forwarded(&["junk"]), &trusted), ip("10.1.2.3"));
        assert_eq!(client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted), ip("10.1.2.3"));
        assert!(TrustedProxies::try_from(vec!["not an address".to_owned()]).is_err());
    }
}
