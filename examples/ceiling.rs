//! What a server built on the same axum, hyper and tokio can do at all when every
//! answer is the same bytes: the bytes of one file, with a JSON content type, at every
//! path, and nothing else. `bench/load.sh` serves the JWKS document this way beside
//! mana-auth (endpoint `jwks_ceiling`), so a ratio out of reach shows as one.
//!
//!   cargo build --release --example ceiling
//!   target/release/examples/ceiling FILE 127.0.0.1:PORT

use axum::{Router, body::Bytes, http::header};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(address)) = (args.next(), args.next()) else {
        eprintln!("usage: ceiling FILE ADDRESS");
        std::process::exit(2);
    };
    let body = Bytes::from(std::fs::read(file)?);
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    });
    axum::serve(tokio::net::TcpListener::bind(address).await?, app).await
}
