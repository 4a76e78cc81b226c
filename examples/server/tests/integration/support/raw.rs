//! HTTP/1.1 over a bare TCP stream, for what a client library will not do: send half a
//! request, stall mid-body, keep a connection idle; from any loopback address.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

/// A connection to `server` from the loopback address `from` (any of 127.0.0.0/8): a client
/// the server tells apart from those on other addresses.
pub(crate) async fn connect_from(from: Ipv4Addr, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(server).await.unwrap()
}

/// The status code of a response read by [`read_response`].
pub(crate) fn status_of(response: &str) -> u16 {
    let code = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok());
    code.unwrap_or_else(|| panic!("not a response: {response:?}"))
}

/// Reads one response whose body has a `content-length`: head and body, as text.
pub(crate) async fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .expect("a content-length");
            if body.len() >= length {
                return text.into_owned();
            }
        }
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut chunk))
            .await
            .expect("the answer arrives in time")
            .unwrap();
        assert!(read > 0, "closed mid-response: {text}");
        received.extend_from_slice(&chunk[..read]);
    }
}

/// Waits until the server closes `stream` (end of stream or reset), reading and discarding
/// anything it still sends; fails after `deadline`.
pub(crate) async fn wait_for_close(stream: &mut TcpStream, deadline: Duration) {
    let mut chunk = [0_u8; 4096];
    let closed = tokio::time::timeout(deadline, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
}
