//! What a server built on the same axum, hyper and tokio can do at all when every
//! answer is bytes held in memory: each given path routed to the bytes of one file,
//! with a JSON content type, and nothing else. `bench/load.sh` serves mana-auth's
//! discovery and JWKS documents this way beside mana-auth (endpoints
//! `discovery_ceiling` and `jwks_ceiling`), so a ratio out of reach shows as one.
//!
//! A document may also name a file of response headers (`name: value` lines, as
//! `curl -D` writes them): the ceiling then sends those too, built once, so it measures
//! what the bytes of mana-auth's own answer cost without any of its work per request.
//!
//!   cargo build --release --example ceiling
//!   target/release/examples/ceiling 127.0.0.1:PORT /PATH=FILE[,HEADERS]...

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, HeaderName, HeaderValue, header},
    response::Response,
    routing::get,
};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(address) = args.next() else { usage() };
    let mut app = Router::new();
    for served in args {
        let Some((path, files)) = served.split_once('=') else { usage() };
        let (file, headers) = match files.split_once(',') {
            Some((file, headers)) => (file, headers_of(&std::fs::read_to_string(headers)?)?),
            None => {
                (files, HeaderMap::from_iter([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))]))
            }
        };
        let body = Bytes::from(std::fs::read(file)?);
        app = app.route(
            path,
            get(move || {
                let mut response = Response::new(Body::from(body.clone()));
                *response.headers_mut() = headers.clone();
                async move { response }
            }),
        );
    }
    axum::serve(tokio::net::TcpListener::bind(address).await?, app).await
}

/// The header lines of a recorded answer, less those hyper writes itself. Values are
/// static bytes, so cloning the map per answer copies none of them.
fn headers_of(recorded: &str) -> std::io::Result<HeaderMap> {
    let invalid =
        |line: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not a header line: {line}"));
    let mut headers = HeaderMap::new();
    for line in recorded.lines().filter(|line| !line.starts_with("HTTP/")) {
        let Some((name, value)) = line.split_once(':') else { continue };
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| invalid(line))?;
        if name == header::DATE || name == header::CONTENT_LENGTH {
            continue;
        }
        let value = Bytes::from_static(String::leak(value.trim().to_owned()).as_bytes());
        headers.append(name, HeaderValue::from_maybe_shared(value).map_err(|_| invalid(line))?);
    }
    Ok(headers)
}

fn usage() -> ! {
    eprintln!("usage: ceiling ADDRESS /PATH=FILE[,HEADERS]...");
    std::process::exit(2);
}
