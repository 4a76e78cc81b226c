//! docs/server-api.md "Timeouts and shutdown": slow clients are cut off, idle connections
//! closed, and a request that takes too long is answered 408 or 503 with a JSON body.

use std::time::Duration;

use sqlx::{AnyConnection, Connection};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::raw::{read_response, wait_for_close};
use crate::support::{Backend, TestServer, send};

/// Far longer than the timers under test, far shorter than the defaults they replace.
const DEADLINE: Duration = Duration::from_secs(15);

async fn start(vars: &[(&str, &str)]) -> TestServer {
    TestServer::start(Backend::Sqlite, vars).await
}

async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(server.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_sent_too_slowly_loses_its_connection() {
    let server = start(&[("TOLLGATE_HEADER_READ_TIMEOUT", "1s")]).await;
    let mut slow = connect(&server).await;
    slow.write_all(b"GET /v1/subjects HTTP/1.1\r\nHost: te")
        .await
        .unwrap();
    wait_for_close(&mut slow, DEADLINE).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = start(&[
        ("TOLLGATE_KEEP_ALIVE_TIMEOUT", "1s"),
        ("TOLLGATE_HEADER_READ_TIMEOUT", "3600s"),
    ])
    .await;
    let mut idle = connect(&server).await;
    idle.write_all(b"GET /v1/subjects HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let answer = read_response(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
    wait_for_close(&mut idle, DEADLINE).await;
    server.stop().await;
}

/// The client stops sending its body: 408, and the connection closes (what it sends next
/// could not be told apart from the rest of the body).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_too_slowly_is_answered_408() {
    let server = start(&[("TOLLGATE_REQUEST_TIMEOUT", "1s")]).await;
    let mut slow = connect(&server).await;
    let head = format!(
        "POST /v1/subjects HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":",
        server.admin_token
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let answer = read_response(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    wait_for_close(&mut slow, DEADLINE).await;
    server.stop().await;
}

/// The database holds the request up (another connection has the SQLite file locked, and
/// the database wait is longer than the request's): 503 `timeout` with `Retry-After`, then
/// 200 once the lock is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_server_cannot_finish_in_time_is_answered_503() {
    let server = start(&[
        ("TOLLGATE_REQUEST_TIMEOUT", "1s"),
        ("TOLLGATE_DATABASE_TIMEOUT", "10s"),
    ])
    .await;
    let mut locker = AnyConnection::connect(&server.database_url).await.unwrap();
    sqlx::raw_sql("BEGIN EXCLUSIVE")
        .execute(&mut locker)
        .await
        .unwrap();
    let subjects = || {
        send(
            server
                .client
                .get(server.url("/v1/subjects"))
                .bearer_auth(&server.admin_token),
        )
    };
    let reply = subjects().await;
    reply.refused(503, "timeout");
    assert_eq!(reply.header("retry-after"), Some("1"));

    sqlx::raw_sql("ROLLBACK")
        .execute(&mut locker)
        .await
        .unwrap();
    // The abandoned query may still hold its connection for the rest of its wait.
    let recovered = tokio::time::timeout(DEADLINE, async {
        loop {
            if subjects().await.status == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(recovered.is_ok(), "no 200 once the lock was released");
    server.stop().await;
}
