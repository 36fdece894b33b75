//! What a server built on the same axum, hyper and tokio can do at all when every
//! answer is bytes held in memory: each given path routed to the bytes of one file,
//! with a JSON content type, and nothing else. `bench/load.sh` serves mana-auth's
//! discovery and JWKS documents this way beside mana-auth (endpoints
//! `discovery_ceiling` and `jwks_ceiling`), so a ratio out of reach shows as one.
//!
//!   cargo build --release --example ceiling
//!   target/release/examples/ceiling 127.0.0.1:PORT /PATH=FILE...

use axum::{Router, body::Bytes, http::header, routing::get};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(address) = args.next() else { usage() };
    let mut app = Router::new();
    for served in args {
        let Some((path, file)) = served.split_once('=') else { usage() };
        let body = Bytes::from(std::fs::read(file)?);
        app = app.route(
            path,
            get(move || {
                let body = body.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], body) }
            }),
        );
    }
    axum::serve(tokio::net::TcpListener::bind(address).await?, app).await
}

fn usage() -> ! {
    eprintln!("usage: ceiling ADDRESS /PATH=FILE...");
    std::process::exit(2);
}
