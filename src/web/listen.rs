//! Accepting connections and serving HTTP/1.1 on them (RFC 9112) through hyper: a
//! client has `server.header_read_timeout_secs` to send each request head, one address
//! holds at most `server.max_connections_per_ip` connections at once, and on shutdown
//! the requests in flight are drained. Handlers see the peer as `ConnectInfo<SocketAddr>`.

use std::{
    collections::HashMap,
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use axum::{Extension, Router, extract::ConnectInfo};
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::net::{TcpListener, TcpStream};
use tower::Layer;

use crate::config::{ServerConfig, TrustedProxies};

/// The connections of every listener of one server.
pub struct Connections {
    http: http1::Builder,
    per_address: PerAddress,
    graceful: GracefulShutdown,
}

impl Connections {
    pub fn new(config: &ServerConfig) -> Self {
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(config.header_read_timeout_secs));
        Connections {
            http,
            per_address: PerAddress::new(config.max_connections_per_ip, config.trusted_proxies.clone()),
            graceful: GracefulShutdown::new(),
        }
    }

    /// Accepts connections on every listener, each served by its router, until `stop` ends.
    pub async fn accept(&self, listeners: &[(TcpListener, Router)], stop: impl Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        loop {
            let (accepted, app) = tokio::select! {
                () = &mut stop => return,
                accepted = accept_any(listeners) => accepted,
            };
            match accepted {
                Ok((stream, peer)) => self.serve(stream, peer, app),
                Err(err) => {
                    // Out of file descriptors and the like: give the others time to close.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// Serves `stream` with `app`, or closes it at once when its address has too many open.
    fn serve(&self, stream: TcpStream, peer: SocketAddr, app: &Router) {
        let Some(slot) = self.per_address.admit(peer.ip()) else {
            tracing::debug!(%peer, "too many connections from one address; closed");
            return;
        };
        let service = TowerToHyperService::new(Extension(ConnectInfo(peer)).layer(app.clone()));
        let connection = self.graceful.watch(self.http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }

    /// Lets the requests in flight finish, for at most `limit`; false if some did not.
    pub async fn drain(self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.graceful.shutdown()).await.is_ok()
    }
}

async fn accept_any(listeners: &[(TcpListener, Router)]) -> (std::io::Result<(TcpStream, SocketAddr)>, &Router) {
    let accepts = listeners.iter().map(|(listener, app)| Box::pin(async move { (listener.accept().await, app) }));
    futures_util::future::select_all(accepts).await.0
}

/// Open connections per counted address.
type OpenCounts = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Counts open connections per peer address. Trusted proxies are not counted: every
/// client behind them shares their address.
struct PerAddress {
    limit: usize,
    trusted: TrustedProxies,
    open: OpenCounts,
}

/// One open connection of a counted address; closing it frees the place.
struct Slot {
    counted: Option<(IpAddr, OpenCounts)>,
}

impl PerAddress {
    /// `limit` 0 counts nothing.
    fn new(limit: usize, trusted: TrustedProxies) -> Self {
        PerAddress { limit, trusted, open: Arc::default() }
    }

    fn admit(&self, ip: IpAddr) -> Option<Slot> {
        let ip = ip.to_canonical();
        if self.limit == 0 || self.trusted.contains(&ip) {
            return Some(Slot { counted: None });
        }
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Slot { counted: Some((ip, self.open.clone())) })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some((ip, open)) = &self.counted else { return };
        let mut open = open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn an_address_holds_at_most_the_limit_and_closing_frees_a_place() {
        let limits = PerAddress::new(2, TrustedProxies::default());
        let first = limits.admit(ip("198.51.100.7"));
        let second = limits.admit(ip("::ffff:198.51.100.7"));
        assert!(first.is_some() && second.is_some());
        assert!(limits.admit(ip("198.51.100.7")).is_none(), "a mapped IPv6 address counts as its IPv4 one");
        assert!(limits.admit(ip("198.51.100.8")).is_some(), "other addresses are not affected");
        drop(first);
        assert!(limits.admit(ip("198.51.100.7")).is_some());
        drop(second);
        assert!(limits.open.lock().expect("lock").get(&ip("198.51.100.7")).is_none(), "nothing kept for closed ones");
    }

    #[test]
    fn trusted_proxies_and_a_zero_limit_are_not_counted() {
        let trusted = TrustedProxies::try_from(vec!["10.0.0.0/8".to_owned()]).expect("list");
        let limits = PerAddress::new(1, trusted);
        let held: Vec<_> = (0..3).map(|_| limits.admit(ip("10.1.2.3"))).collect();
        assert!(held.iter().all(Option::is_some), "a load balancer carries every client");
        let unlimited = PerAddress::new(0, TrustedProxies::default());
        let held: Vec<_> = (0..3).map(|_| unlimited.admit(ip("198.51.100.7"))).collect();
        assert!(held.iter().all(Option::is_some));
    }
}
