//! One HTTP/1.1 request over a fresh loopback connection, for setting up a server's data and
//! for checking, before any load, that a side answers what the benchmark assumes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response: its status and its head and body as text.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Everything after the status line: header fields, blank line, body.
    pub rest: String,
}

impl Reply {
    /// The value of header field `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        let (head, _) = self.rest.split_once("\r\n\r\n")?;
        head.lines().find_map(|line| {
            let (field, value) = line.split_once(':')?;
            field.eq_ignore_ascii_case(name).then_some(value.trim())
        })
    }
}

/// Sends `method path` with `headers` and `body` to `addr` (`Connection: close`) and reads
/// the whole response.
///
/// # Panics
/// If the connection fails or the response is not HTTP/1.1: the server under test is broken.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let mut stream = TcpStream::connect(addr).expect("connect to the server under test");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    stream
        .write_all(request.as_bytes())
        .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    let (status_line, rest) = response
        .split_once("\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|tail| tail.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.1 status line: {status_line:?}"));
    Reply {
        status,
        rest: rest.to_owned(),
    }
}

/// Sends the request and stops the run unless the status is `expected`.
///
/// # Panics
/// When the status differs.
pub fn expect_status(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    expected: u16,
) -> Reply {
    let reply = send(addr, method, path, headers, body);
    assert_eq!(
        reply.status, expected,
        "{method} {path}: expected {expected}, got {}: {}",
        reply.status, reply.rest
    );
    reply
}
