//! docs/server-api.md "Timeouts and shutdown", on the built binary: SIGTERM ends the process
//! within the grace period with status 0 whatever its clients do, and writes the last uses it
//! had not written yet.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::binary::{Running, mint, server_binary};
use crate::support::raw::{read_response, wait_for_close};
use crate::support::{postgres_database_url, send, sqlite_url};

/// Well past the grace period the tests set, well short of the header-read and keep-alive
/// timeouts they set: an exit in time is the shutdown's doing.
const EXIT_DEADLINE: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_idle_and_half_sent_connections_within_the_grace_period() {
    let binary = server_binary();
    let database_url = sqlite_url();
    let mut server = Running::start(
        &binary,
        &[
            ("DATABASE_URL", &database_url),
            ("TOLLGATE_SHUTDOWN_GRACE", "1s"),
            ("TOLLGATE_HEADER_READ_TIMEOUT", "3600s"),
            ("TOLLGATE_KEEP_ALIVE_TIMEOUT", "3600s"),
        ],
    )
    .await;
    let mut half_sent = TcpStream::connect(server.addr()).await.unwrap();
    half_sent.write_all(b"GET /v1/subj").await.unwrap();
    let mut idle = TcpStream::connect(server.addr()).await.unwrap();
    idle.write_all(b"GET /v1/subjects HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let answer = read_response(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");

    server.terminate();
    let status = tokio::time::timeout(EXIT_DEADLINE, server.child.wait())
        .await
        .expect("the server exits within its grace period")
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    wait_for_close(&mut idle, EXIT_DEADLINE).await;
    wait_for_close(&mut half_sent, EXIT_DEADLINE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_last_use_noted_just_before_sigterm_is_written_sqlite() {
    a_last_use_noted_just_before_sigterm_is_written(&sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn a_last_use_noted_just_before_sigterm_is_written_postgres() {
    a_last_use_noted_just_before_sigterm_is_written(&postgres_database_url().await).await;
}

/// A token's first use is written at once; its second, a second later, only remembered (one
/// write a minute at most). SIGTERM writes it: after a restart the token's `last_used_at` is
/// the second use.
async fn a_last_use_noted_just_before_sigterm_is_written(database_url: &str) {
    let binary = server_binary();
    let token = mint(&binary, database_url, "root");
    let vars = [("DATABASE_URL", database_url)];
    let mut server = Running::start(&binary, &vars).await;
    let client = reqwest::Client::new();
    let current = || {
        send(
            client
                .get(format!("{}/v1/tokens/current", server.base))
                .bearer_auth(&token),
        )
    };
    let first = current().await.ok(200);
    // Times are shown to the second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = current().await.ok(200);
    assert_ne!(first["last_used_at"], second["last_used_at"]);

    server.terminate();
    let status = tokio::time::timeout(EXIT_DEADLINE, server.child.wait())
        .await
        .expect("the server exits")
        .unwrap();
    assert_eq!(status.code(), Some(0));

    let other = mint(&binary, database_url, "root");
    let restarted = Running::start(&binary, &vars).await;
    let listed = send(
        client
            .get(format!("{}/v1/tokens", restarted.base))
            .bearer_auth(&other),
    )
    .await
    .ok(200);
    let stored = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|token| token["id"] == first["id"])
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(stored["last_used_at"], second["last_used_at"]);
    restarted.kill().await;
}
