//! A TCP proxy a test can cut and restore, to make a dependency fail on purpose
//! without touching the shared server behind it.

use std::net::SocketAddr;

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

/// Forwards connections to `target` while up; when cut, drops every connection.
pub async fn spawn_proxy(target: SocketAddr) -> (u16, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let port = listener.local_addr().expect("addr").port();
    let (up, watcher) = watch::channel(true);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let mut watcher = watcher.clone();
            if !*watcher.borrow() {
                continue;
            }
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(target).await else { return };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = watcher.wait_for(|up| !*up) => {}
                }
            });
        }
    });
    (port, up)
}
