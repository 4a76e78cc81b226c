//! docs/server-api.md "Timeouts and shutdown", on the built binary: while its database is down
//! (PostgreSQL stopped at once, as by a crash), the server answers every request that needs it
//! 503 `unavailable` with `Retry-After`, promptly: never 200 for a token it could not check,
//! never a hang, never a crash; while another process holds SQLite's write lock, it answers
//! reads as usual and writes 503 the same way. Once the database is back, it serves again
//! without a restart, and a write it refused meanwhile left nothing behind.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use http::Method;
use serde_json::json;
use sqlx::{AnyConnection, Connection};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tollgate::token::TokenFormat;

use crate::support::binary::{Running, mint, server_binary};
use crate::support::cluster::Cluster;
use crate::support::{send, sqlite_url};

/// How long any one answer may take: a liveness bound, far above the one-second database
/// timeout the server waits before its 503.
const ANSWER_DEADLINE: Duration = Duration::from_secs(10);
/// How long the server may take to serve again once the database is back.
const RECOVERY_DEADLINE: Duration = Duration::from_secs(30);
/// Where the clients with forged tokens connect from.
const FORGED_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL's server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin"]
async fn postgres_stopped_then_started_again() {
    let binary = server_binary();
    let cluster = Cluster::start();
    let database_url = cluster.url();
    let token = mint(&binary, &database_url, "admin");
    let mut server = Running::start(&binary, &[("DATABASE_URL", &database_url)]).await;
    let clients = Clients::new(&server.base, &token);
    clients.assert_serving().await;

    cluster.crash();
    clients.assert_unavailable().await;
    assert!(server.is_running(), "the server exited when PostgreSQL did");

    cluster.resume();
    clients.assert_recovered().await;
    assert!(server.is_running());
    server.kill().await;
}

/// Another process holds SQLite's write lock on the database file until it releases it. The
/// server keeps the file in WAL mode, where that lock keeps out writers only: reads go on from
/// the last commit, writes wait for the lock at most the database timeout and are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_by_another_process_then_released() {
    let binary = server_binary();
    let database_url = sqlite_url();
    let token = mint(&binary, &database_url, "admin");
    let mut server = Running::start(&binary, &[("DATABASE_URL", &database_url)]).await;
    let clients = Clients::new(&server.base, &token);
    clients.assert_serving().await;

    // This test is the other process: the server runs as one of its own.
    sqlx::any::install_default_drivers();
    let mut locker = AnyConnection::connect(&database_url).await.unwrap();
    sqlx::raw_sql("BEGIN EXCLUSIVE")
        .execute(&mut locker)
        .await
        .unwrap();
    clients.assert_only_reads_served().await;
    assert!(
        server.is_running(),
        "the server exited on a locked database"
    );

    sqlx::raw_sql("ROLLBACK")
        .execute(&mut locker)
        .await
        .unwrap();
    locker.close().await.unwrap();
    clients.assert_recovered().await;
    server.kill().await;
}

/// A client with a valid token on 127.0.0.1, and clients with forged ones (well-formed, never
/// issued) on [`FORGED_ADDRESS`].
struct Clients {
    base: String,
    token: String,
    valid: reqwest::Client,
    forged: reqwest::Client,
}

impl Clients {
    fn new(base: &str, token: &str) -> Self {
        let client = |address: Ipv4Addr| {
            reqwest::Client::builder()
                .local_address(IpAddr::V4(address))
                .timeout(ANSWER_DEADLINE)
                .build()
                .unwrap()
        };
        Self {
            base: base.to_owned(),
            token: token.to_owned(),
            valid: client(Ipv4Addr::LOCALHOST),
            forged: client(FORGED_ADDRESS),
        }
    }

    /// `method path` with the valid token.
    fn valid(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.base);
        self.valid.request(method, url).bearer_auth(&self.token)
    }

    /// `GET path` with a fresh forged token.
    fn forged(&self, path: &str) -> reqwest::RequestBuilder {
        let minted = TokenFormat::new("tgsk").unwrap().mint().unwrap();
        let url = format!("{}{path}", self.base);
        self.forged
            .get(url)
            .bearer_auth(minted.secret.expose_secret())
    }

    /// The requests sent while the database is down or locked, in this order: two reads and a
    /// write with the valid token, two reads with forged ones.
    fn mix(&self) -> Vec<reqwest::RequestBuilder> {
        vec![
            self.valid(Method::GET, "/v1/tokens/current"),
            self.valid(Method::GET, "/v1/subjects/before"),
            self.valid(Method::POST, "/v1/subjects")
                .json(&json!({"name": "during"})),
            self.forged("/v1/tokens/current"),
            self.forged("/v1/subjects/before"),
        ]
    }

    /// The valid token works, and subject `before` is created.
    async fn assert_serving(&self) {
        send(self.valid(Method::GET, "/v1/tokens/current"))
            .await
            .ok(200);
        let create = self.valid(Method::POST, "/v1/subjects");
        send(create.json(&json!({"name": "before"}))).await.ok(201);
    }

    /// Twice, every request of [`Clients::mix`] at once: each is answered 503 `unavailable`
    /// with `Retry-After: 1` within [`ANSWER_DEADLINE`] (the clients' timeout).
    async fn assert_unavailable(&self) {
        for _ in 0..2 {
            let mut requests = JoinSet::new();
            for request in self.mix() {
                requests.spawn(send(request));
            }
            for reply in requests.join_all().await {
                reply.refused(503, "unavailable");
                assert_eq!(reply.header("retry-after"), Some("1"), "{}", reply.request);
            }
        }
    }

    /// Twice, every request of [`Clients::mix`] at once, each answered within
    /// [`ANSWER_DEADLINE`] (the clients' timeout): the write 503 `unavailable` with
    /// `Retry-After: 1`; the reads as when the database is free, 200 with the valid token and
    /// 401 (or 429 from a throttle of failed authentications) with forged ones.
    async fn assert_only_reads_served(&self) {
        for _ in 0..2 {
            let mut requests = JoinSet::new();
            for (n, request) in self.mix().into_iter().enumerate() {
                requests.spawn(async move { (n, send(request).await) });
            }
            // The order of `mix`: two reads with the valid token, the write, two forged reads.
            for (n, reply) in requests.join_all().await {
                match n {
                    0 | 1 => assert_eq!(reply.status, 200, "{reply:?}"),
                    2 => {
                        assert!(reply.request.starts_with("POST"), "{}", reply.request);
                        reply.refused(503, "unavailable");
                        assert_eq!(reply.header("retry-after"), Some("1"), "{}", reply.request);
                    }
                    _ => assert!(matches!(reply.status, 401 | 429), "{reply:?}"),
                }
            }
        }
    }

    /// Within [`RECOVERY_DEADLINE`] the valid token works again (503 until then, nothing
    /// else), forged tokens are refused 401 (or 429 from a throttle of failed
    /// authentications), subject `before` is still there, the write refused while the
    /// database was down left nothing, and writes work.
    async fn assert_recovered(&self) {
        let deadline = Instant::now() + RECOVERY_DEADLINE;
        loop {
            let reply = send(self.valid(Method::GET, "/v1/tokens/current")).await;
            if reply.status == 200 {
                break;
            }
            reply.refused(503, "unavailable");
            assert!(Instant::now() < deadline, "no recovery: {}", reply.text);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for path in ["/v1/tokens/current", "/v1/subjects/before"] {
            let reply = send(self.forged(path)).await;
            assert!(matches!(reply.status, 401 | 429), "{reply:?}");
        }
        send(self.valid(Method::GET, "/v1/subjects/before"))
            .await
            .ok(200);
        send(self.valid(Method::GET, "/v1/subjects/during"))
            .await
            .refused(404, "not_found");
        let create = self.valid(Method::POST, "/v1/subjects");
        send(create.json(&json!({"name": "during"}))).await.ok(201);
    }
}
