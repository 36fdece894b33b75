//! A TCP proxy a test can cut and restore, to make a dependency fail on purpose
//! without touching the shared server behind it.

use std::net::SocketAddr;

use mana_auth::config::{Config, Secret};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

/// What the proxy does with connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Forwards them to the target.
    Up,
    /// Closes every connection, new and open.
    Refusing,
    /// Accepts connections and swallows what they send, answering nothing, as a server
    /// or network that stalls; open ones stop passing anything. When the link is up
    /// again they are closed, as by a restarted server.
    Silent,
}

/// Forwards connections to `target` as the link says.
pub async fn spawn_proxy(target: SocketAddr) -> (u16, watch::Sender<Link>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let port = listener.local_addr().expect("addr").port();
    let (link, watcher) = watch::channel(Link::Up);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let mut link = watcher.clone();
            let now = *link.borrow();
            tokio::spawn(async move {
                if now == Link::Silent {
                    return swallow(&mut client, &mut link).await;
                }
                if now == Link::Refusing {
                    return;
                }
                let Ok(mut server) = TcpStream::connect(target).await else { return };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
                    _ = link.wait_for(|link| *link != Link::Up) => {}
                }
                if *link.borrow() == Link::Silent {
                    swallow(&mut client, &mut link).await;
                }
            });
        }
    });
    (port, link)
}

/// Reads and drops what the client sends while the link is silent.
async fn swallow(client: &mut TcpStream, link: &mut watch::Receiver<Link>) {
    let mut sink = tokio::io::sink();
    tokio::select! {
        _ = tokio::io::copy(client, &mut sink) => {}
        _ = link.wait_for(|link| *link != Link::Silent) => {}
    }
}

/// `url` (a PostgreSQL database's), through a new proxy to its server, and the proxy's link.
pub async fn behind_proxy(url: &str) -> (String, watch::Sender<Link>) {
    let mut url = url::Url::parse(url).expect("url");
    let target: SocketAddr = format!("{}:{}", url.host_str().unwrap_or("127.0.0.1"), url.port().unwrap_or(5432))
        .parse()
        .expect("PostgreSQL address");
    let (port, proxy) = spawn_proxy(target).await;
    url.set_port(Some(port)).expect("port");
    (url.to_string(), proxy)
}

/// An app on a fresh PostgreSQL database whose connections pass through a proxy the
/// test cuts and restores, with one-second timeouts so an outage shows at once.
pub async fn app_behind_proxy(adjust: impl FnOnce(&mut Config)) -> (super::TestApp, watch::Sender<Link>) {
    let backend = super::Backend::postgres();
    let database = super::database::TestDatabase::create(backend).await;
    let (url, proxy) = behind_proxy(&database.url).await;
    let app = super::TestApp::spawn_on_prepared(database, |c| {
        c.database.url = Secret::new(url);
        c.database.connect_timeout_secs = 1;
        c.database.statement_timeout_secs = 1;
        adjust(c);
    })
    .await;
    (app, proxy)
}
