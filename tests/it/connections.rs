//! Slow and greedy clients: a request head must arrive within
//! `server.header_read_timeout_secs`, and one address holds at most
//! `server.max_connections_per_ip` connections open.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::{Backend, TestApp};

const WHOLE_REQUEST: &[u8] = b"GET /health HTTP/1.1\r\nHost: mana\r\nConnection: close\r\n\r\n";

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://")).await.expect("connect")
}

/// What the server sent before it closed the connection; `None` if it kept it open
/// far longer than any deadline under test.
async fn until_closed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut received)).await;
    // A reset counts as closed as well as an orderly end.
    read.is_ok().then_some(received)
}

/// The answer to a whole request sent on a new connection.
async fn answer(app: &TestApp) -> String {
    let mut stream = connect(app).await;
    let _ = stream.write_all(WHOLE_REQUEST).await;
    String::from_utf8_lossy(&until_closed(&mut stream).await.unwrap_or_default()).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_stops_half_way_is_closed_after_the_timeout() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.server.header_read_timeout_secs = 1).await;
    let mut half = connect(&app).await;
    half.write_all(b"GET /health HTTP/1.1\r\nHost: mana\r\n").await.expect("write");
    let mut silent = connect(&app).await;

    let sent = until_closed(&mut half).await.expect("a half-sent head is not held open");
    assert!(!String::from_utf8_lossy(&sent).contains("200 OK"), "it is not answered");
    assert!(until_closed(&mut silent).await.is_some(), "nor is a connection that sends nothing");
    assert!(answer(&app).await.starts_with("HTTP/1.1 200"), "a whole request is answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_per_address_limit_are_closed() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.server.max_connections_per_ip = 2).await;
    // Accepted in the order they connect, so these two take the places.
    let mut held = vec![connect(&app).await, connect(&app).await];

    let mut third = connect(&app).await;
    let _ = third.write_all(WHOLE_REQUEST).await;
    assert_eq!(until_closed(&mut third).await, Some(Vec::new()), "closed without an answer");
    assert_eq!(answer(&app).await, "", "every further one too");

    held.pop();
    let mut answered = false;
    // The place is free once the server has seen the close.
    for _ in 0..50 {
        if answer(&app).await.starts_with("HTTP/1.1 200") {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "a closed connection frees its place");
    held[0].write_all(WHOLE_REQUEST).await.expect("write");
    let kept = String::from_utf8_lossy(&until_closed(&mut held[0]).await.unwrap_or_default()).into_owned();
    assert!(kept.starts_with("HTTP/1.1 200"), "the connections within the limit are served: {kept}");
}
