//! Client ID Metadata Documents: a `client_id` that is an https URL names a JSON
//! document that describes the client, as AI tool clients use. The document is fetched
//! with limits on size and time, only from public addresses (server-side request
//! forgery), and kept as long as its Cache-Control says. Such clients are public.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, PoisonError, RwLock},
    time::{Duration, Instant},
};

use axum::http::header;
use serde_json::Value;
use url::Url;

use super::registration::{Metadata, client_config};
use crate::{
    state::AppState,
    store::{StoreError, clients::Client},
};

/// The largest document taken.
const MAX_BYTES: usize = 5 * 1024;
/// How long the address lookup and the fetch together may take.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Bounds on how long a document is kept, and the time for one that says nothing.
const MIN_KEEP: Duration = Duration::from_secs(60);
const MAX_KEEP: Duration = Duration::from_secs(86_400);
const DEFAULT_KEEP: Duration = Duration::from_secs(300);
/// The `source` of clients described by a metadata document.
const SOURCE: &str = "metadata";

/// Clients read from their documents, each until its document's time is up, and the
/// documents refused, for a minute: a refused URL sent again is not fetched again.
#[derive(Default)]
pub struct MetadataClients {
    held: RwLock<HashMap<String, Known>>,
}

/// A document's client, `None` when it was refused, and until when that holds.
type Known = (Option<Arc<Client>>, Instant);

impl MetadataClients {
    /// What is known of document `id`: `Some(None)` when it was refused lately.
    fn fresh(&self, id: &str) -> Option<Option<Arc<Client>>> {
        let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
        held.get(id).filter(|(_, until)| Instant::now() < *until).map(|(client, _)| client.clone())
    }

    fn keep(&self, id: &str, client: Option<Arc<Client>>, keep: Duration) {
        let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
        held.retain(|_, (_, until)| Instant::now() < *until);
        held.insert(id.to_owned(), (client, Instant::now() + keep));
    }
}

/// The client `id` names: a registered one, or, when metadata documents are on and `id`
/// is their kind of URL, the one its document describes; `None` for neither, and for a
/// disabled one, which is unknown to every endpoint (its document cannot bring it back).
pub async fn find_client(state: &AppState, id: &str) -> Result<Option<Arc<Client>>, StoreError> {
    if let Some(client) = state.clients.find(&state.db, id).await? {
        return Ok(Some(client).filter(|c| !c.disabled));
    }
    let registration = &state.config.registration;
    if !registration.client_id_metadata_documents || !(id.starts_with("https://") || id.starts_with("http://")) {
        return Ok(None);
    }
    if let Some(known) = state.metadata_clients.fresh(id) {
        return Ok(known);
    }
    let fetched = tokio::time::timeout(TIMEOUT, fetch(id, registration.allow_loopback_metadata))
        .await
        .unwrap_or_else(|_| Err("no answer in time".into()));
    let (client, keep) = match fetched {
        Ok((client, keep)) => (Some(Arc::new(client)), keep),
        Err(why) => {
            tracing::warn!(client_id = %id, %why, "client metadata document refused");
            (None, MIN_KEEP)
        }
    };
    state.metadata_clients.keep(id, client.clone(), keep);
    Ok(client)
}

/// Whether a document may be fetched from `ip`: only public addresses, and loopback
/// ones when allowed.
fn reachable(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let shared = v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64;
            (allow_loopback || !v4.is_loopback())
                && !(v4.is_private()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    || v4.is_multicast()
                    || v4.is_documentation()
                    || shared)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => reachable(IpAddr::V4(v4), allow_loopback),
            None => {
                let first = v6.segments()[0];
                let unique_local = (first & 0xfe00) == 0xfc00;
                let link_local = (first & 0xffc0) == 0xfe80;
                (allow_loopback || !v6.is_loopback())
                    && !(v6.is_unspecified() || v6.is_multicast() || unique_local || link_local)
            }
        },
    }
}

/// How long a document may be kept, from its `Cache-Control`.
fn keep_for(cache_control: Option<&str>) -> Duration {
    let Some(directives) = cache_control else { return DEFAULT_KEEP };
    if directives.split(',').any(|d| matches!(d.trim(), "no-store" | "no-cache")) {
        return MIN_KEEP;
    }
    let max_age = directives.split(',').find_map(|d| d.trim().strip_prefix("max-age=")?.parse::<u64>().ok());
    max_age.map_or(DEFAULT_KEEP, |secs| Duration::from_secs(secs).clamp(MIN_KEEP, MAX_KEEP))
}

/// Fetches and checks the document at `id`; the client it describes and how long to keep it.
async fn fetch(id: &str, allow_loopback: bool) -> Result<(Client, Duration), String> {
    let url = Url::parse(id).map_err(|e| format!("not a URL: {e}"))?;
    let plain_allowed = allow_loopback && url.scheme() == "http";
    if !(url.scheme() == "https" || plain_allowed) || url.fragment().is_some() || !url.username().is_empty() {
        return Err("the client_id must be an https URL without a fragment or credentials".into());
    }
    if url.path() == "/" {
        return Err("the client_id URL must have a path".into());
    }
    let host = url.host_str().ok_or("the client_id URL has no host")?.to_owned();
    let port = url.port_or_known_default().ok_or("the client_id URL has no port")?;
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("its host does not resolve: {e}"))?
        .collect();
    if addresses.is_empty() || addresses.iter().any(|a| !reachable(a.ip(), allow_loopback)) {
        return Err(format!("{host} resolves to an address documents are not fetched from"));
    }
    // The request goes to the address just checked, whatever the name resolves to next.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .resolve(&host, addresses[0])
        .build()
        .map_err(|e| e.to_string())?;
    let response = http.get(url).header(header::ACCEPT, "application/json").send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the document answered {}", response.status()));
    }
    let keep = keep_for(response.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()));
    let body = crate::upstream::http::body_within(response, MAX_BYTES).await?;
    Ok((described(id, &body)?, keep))
}

/// The public client the document `body` describes, when it names itself `id`.
fn described(id: &str, body: &[u8]) -> Result<Client, String> {
    let document: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if document.get("client_secret").is_some() {
        return Err("a metadata document holds no client_secret".into());
    }
    let mut metadata: Metadata = serde_json::from_value(document).map_err(|e| e.to_string())?;
    if metadata.client_id.as_deref() != Some(id) {
        return Err("the document's client_id is not its URL".into());
    }
    if metadata.token_endpoint_auth_method.as_deref().is_some_and(|m| m != "none") {
        return Err("a client described by a metadata document authenticates with none".into());
    }
    metadata.token_endpoint_auth_method = Some("none".into());
    let (config, _) = client_config(id, metadata).map_err(|e| e.description)?;
    Ok(Client::from_config(&config, SOURCE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_reachable() {
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::",
        ] {
            assert!(!reachable(private.parse().expect("ip"), true), "{private}");
        }
        for loopback in ["127.0.0.1", "::1"] {
            assert!(!reachable(loopback.parse().expect("ip"), false), "{loopback}");
            assert!(reachable(loopback.parse().expect("ip"), true), "{loopback} when allowed");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::248"] {
            assert!(reachable(public.parse().expect("ip"), false), "{public}");
        }
    }

    #[test]
    fn documents_are_kept_as_their_cache_control_says_within_bounds() {
        assert_eq!(keep_for(None), DEFAULT_KEEP);
        assert_eq!(keep_for(Some("public, max-age=3600")), Duration::from_secs(3600));
        assert_eq!(keep_for(Some("max-age=1")), MIN_KEEP);
        assert_eq!(keep_for(Some("max-age=9999999")), MAX_KEEP);
        assert_eq!(keep_for(Some("no-store")), MIN_KEEP);
    }
}
