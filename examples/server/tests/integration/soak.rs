//! The server under a mixed, partly hostile load, on the built binary (a process of its own, so
//! that its memory can be read): for a fixed time,
//!
//! - [`VALID_CLIENTS`] clients on 127.0.0.1, each an editor of its own, create subjects, read
//!   them back, change their descriptions, put samples of them under one shared aspect (so that
//!   their writes meet on its row), and delete every fourth subject;
//! - [`FORGED_CLIENTS`] clients present well-formed tokens the server never issued (fresh ones,
//!   checksum valid), each request on a new connection: half of them from 127.0.0.2, which
//!   soon counts as failing too often, half of them each time from a new address in
//!   127.1.0.0/16, so that any state the server keeps per address keeps growing;
//! - [`SLOW_CLIENTS`] clients on 127.0.0.4 open connections and stall: half of them after half
//!   a request line, half of them (with a valid token) in the middle of a body.
//!
//! Then it asserts that every valid request got the answer it expected (no 5xx, no transport
//! error), that every write the server acknowledged reads back as written once the load is
//! over, that every forged token got 401 (or 429 once its address has failed too often), that
//! the server cut every slow client off (by its header-read timeout, or 408 from its request
//! timeout), that the server is still running and holds no connection once its clients are
//! gone, and that its memory stayed bounded: a peak resident size under [`RSS_CEILING_KIB`],
//! and at the end at most twice (plus [`RSS_SLACK_KIB`]) what it was after a quarter of the
//! load. It prints one line of figures: answers by kind of client and status (`none`: no
//! answer), and memory.
//!
//! Each backend's load lasts [`DEFAULT_SECONDS`] by default, which is what `.ci/run` runs. A
//! longer run, which a slow leak cannot pass unseen:
//!
//! ```text
//! TOLLGATE_SOAK_SECONDS=600 cargo test -p tollgate-example-server --test integration soak -- --nocapture
//! ```

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Method;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tollgate::token::TokenFormat;

use crate::support::binary::{Running, mint, server_binary};
use crate::support::raw::{connect_from, read_response, status_of, wait_for_close};
use crate::support::{postgres_database_url, send, sqlite_url, text, try_send};

/// Clients with valid tokens, reading and writing.
const VALID_CLIENTS: usize = 16;
/// Clients presenting tokens the server never issued.
const FORGED_CLIENTS: usize = 8;
/// Clients that open connections and stall.
const SLOW_CLIENTS: usize = 8;
/// Seconds of load per backend unless `TOLLGATE_SOAK_SECONDS` says otherwise.
const DEFAULT_SECONDS: u64 = 8;
/// The server's header-read timeout here: short, so that a run of a few seconds sees slow
/// clients cut off many times. Also how long a connection may wait for its next request.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(2);
/// The server's whole-request timeout here, which ends a body that stalls.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// A generous bound on the server's peak resident memory (a debug build).
const RSS_CEILING_KIB: u64 = 200 * 1024;
/// Growth allowed on top of doubling between a quarter of the load and its end: allocator
/// arenas and connection pools still settling.
const RSS_SLACK_KIB: u64 = 32 * 1024;
/// The valid clients' shared aspect.
const ASPECT: &str = "soak-cpu";
/// Where half of the forged clients connect from.
const FORGED_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// Where the slow clients connect from.
const SLOW_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 4);
/// A valid client's pause between rounds, and a forged client's between requests: a steady
/// load rather than the most the machine can do, which other tests share.
const PAUSE: Duration = Duration::from_millis(10);
/// How long any answer or close may take: a liveness bound, far above any normal latency.
const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    soak("sqlite", &sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn postgres() {
    soak("postgres", &postgres_database_url().await).await;
}

/// How long the load lasts.
fn load_duration() -> Duration {
    let seconds = std::env::var("TOLLGATE_SOAK_SECONDS").map_or(DEFAULT_SECONDS, |text| {
        text.parse()
            .unwrap_or_else(|_| panic!("TOLLGATE_SOAK_SECONDS={text:?} is not a whole number"))
    });
    Duration::from_secs(seconds)
}

async fn soak(backend: &str, database_url: &str) {
    let binary = server_binary();
    let admin = mint(&binary, database_url, "admin");
    let header_read = format!("{}s", HEADER_READ_TIMEOUT.as_secs());
    let request_timeout = format!("{}s", REQUEST_TIMEOUT.as_secs());
    let mut server = Running::start(
        &binary,
        &[
            ("DATABASE_URL", database_url),
            ("TOLLGATE_HEADER_READ_TIMEOUT", &header_read),
            ("TOLLGATE_REQUEST_TIMEOUT", &request_timeout),
            // On SQLite every write takes its turn on one connection: milliseconds on a quiet
            // machine, but the soak must not fail for a busy one (the default is 1 s).
            ("TOLLGATE_DATABASE_TIMEOUT", "4s"),
        ],
    )
    .await;
    let (tokens, slow_token) = set_up(&server.base, &admin).await;

    let tally = Arc::new(Tally::default());
    let load = load_duration();
    let until = Instant::now() + load;
    let mut valid = JoinSet::new();
    for (n, token) in tokens.iter().enumerate() {
        let client = Client::new(&server.base, token, "valid", &tally);
        valid.spawn(client.work(n, until));
    }
    let mut others = JoinSet::new();
    for n in 0..FORGED_CLIENTS {
        others.spawn(forged_client(server.addr(), n, until, Arc::clone(&tally)));
    }
    for n in 0..SLOW_CLIENTS {
        let token = slow_token.clone();
        let tally = Arc::clone(&tally);
        others.spawn(slow_client(server.addr(), n, token, until, tally));
    }
    tokio::time::sleep(load / 4).await;
    let warm_rss = server.memory_kib("VmRSS");
    let ledgers = valid.join_all().await;
    others.join_all().await;
    let end_rss = server.memory_kib("VmRSS");
    let peak_rss = server.memory_kib("VmHWM");

    // Every acknowledged write, read back once the load is over by the client that made it.
    let mut readers = JoinSet::new();
    for (ledger, token) in ledgers.into_iter().zip(&tokens) {
        let client = Client::new(&server.base, token, "read back", &tally);
        readers.spawn(client.read_back(ledger));
    }
    readers.join_all().await;
    let still_running = server.is_running();
    // The clients are gone: the server closes what they left within its header-read timeout.
    let mut connections_left = server.client_connections();
    let settled = Instant::now() + HEADER_READ_TIMEOUT + Duration::from_secs(10);
    while connections_left > 0 && Instant::now() < settled {
        tokio::time::sleep(Duration::from_millis(200)).await;
        connections_left = server.client_connections();
    }

    eprintln!(
        "soak {backend}: {} s of load; {}; RSS {} MiB after a quarter of it, {} MiB at its \
         end, peak {} MiB",
        load.as_secs(),
        tally.summary(),
        warm_rss / 1024,
        end_rss / 1024,
        peak_rss / 1024,
    );
    let failures = tally.failures();
    assert!(
        failures.is_empty(),
        "{} failures, the first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(still_running, "the server exited under load");
    assert_eq!(
        connections_left, 0,
        "connections the server still holds once its clients are gone"
    );
    assert!(peak_rss < RSS_CEILING_KIB, "peak RSS {peak_rss} kB");
    assert!(
        end_rss <= 2 * warm_rss + RSS_SLACK_KIB,
        "RSS grew from {warm_rss} kB to {end_rss} kB"
    );
    server.terminate();
    let status = tokio::time::timeout(DEADLINE, server.child.wait())
        .await
        .expect("the server exits after SIGTERM")
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// As `admin`: the shared aspect, and users (editors) for the valid clients and for the slow
/// ones. Returns the valid clients' tokens and the slow clients' token.
async fn set_up(base: &str, admin: &str) -> (Vec<String>, String) {
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let request = http.post(format!("{base}{path}")).bearer_auth(admin);
        send(request.json(&body))
    };
    post("/v1/aspects", json!({"name": ASPECT})).await.ok(201);
    let mut tokens = Vec::new();
    for name in (0..=VALID_CLIENTS).map(|n| format!("editor-{n}")) {
        let body = json!({"name": name, "role": "editor"});
        tokens.push(text(&post("/v1/users", body).await.ok(201)["token"]));
    }
    let slow_token = tokens.pop().unwrap();
    (tokens, slow_token)
}

/// Answers by kind of client and status (0: no answer), and every unexpected outcome.
#[derive(Debug, Default)]
struct Tally {
    counts: Mutex<BTreeMap<(&'static str, u16), u64>>,
    failures: Mutex<Vec<String>>,
}

impl Tally {
    fn count(&self, kind: &'static str, status: u16) {
        let mut counts = self.counts.lock().unwrap();
        *counts.entry((kind, status)).or_default() += 1;
    }

    fn fail(&self, failure: String) {
        self.failures.lock().unwrap().push(failure);
    }

    fn failures(&self) -> Vec<String> {
        self.failures.lock().unwrap().clone()
    }

    /// `forged 401×N 429×N, read back 200×N 404×N, slow body 408×N, ...`.
    fn summary(&self) -> String {
        let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (&(kind, status), count) in self.counts.lock().unwrap().iter() {
            let status = if status == 0 {
                "none".to_owned()
            } else {
                status.to_string()
            };
            kinds
                .entry(kind)
                .or_default()
                .push(format!("{status}×{count}"));
        }
        let kinds: Vec<String> = kinds
            .into_iter()
            .map(|(kind, counts)| format!("{kind} {}", counts.join(" ")))
            .collect();
        kinds.join(", ")
    }
}

/// What a path reads as once the load is over: the body of a 200, or `None` for 404.
type Ledger = BTreeMap<String, Option<Value>>;

/// A client with a valid token, on 127.0.0.1, counting its answers as `kind`.
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    kind: &'static str,
    tally: Arc<Tally>,
}

impl Client {
    fn new(base: &str, token: &str, kind: &'static str, tally: &Arc<Tally>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(DEADLINE)
            // Shorter than the server's idle timeout: a connection the server is about to
            // close is never reused.
            .pool_idle_timeout(HEADER_READ_TIMEOUT / 2)
            .build()
            .unwrap();
        Self {
            http,
            base: base.to_owned(),
            token: token.to_owned(),
            kind,
            tally: Arc::clone(tally),
        }
    }

    /// `method path` with the token and `body`: the answer's body when its status is
    /// `expected`, otherwise `None` after noting the failure.
    async fn expect(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        expected: u16,
    ) -> Option<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        match try_send(request).await {
            Ok(reply) => {
                self.tally.count(self.kind, reply.status);
                if reply.status == expected {
                    return Some(reply.body);
                }
                let failure = format!("{}: {} {}", reply.request, reply.status, reply.text);
                self.tally.fail(failure);
            }
            Err(error) => {
                self.tally.count(self.kind, 0);
                self.tally.fail(error);
            }
        }
        None
    }

    /// `GET path`, expected to read as `expected` (`None`: 404).
    async fn check(&self, path: &str, expected: Option<&Value>) {
        let status = if expected.is_some() { 200 } else { 404 };
        if let Some(body) = self.expect(Method::GET, path, None, status).await
            && let Some(expected) = expected
            && body != *expected
        {
            let failure = format!("GET {path}: {body}, but {expected} was written");
            self.tally.fail(failure);
        }
    }

    /// Client `n`'s rounds of writes and reads until `until`: returns what its acknowledged
    /// writes left.
    async fn work(self, n: usize, until: Instant) -> Ledger {
        let mut ledger = Ledger::new();
        let mut round = 0;
        while Instant::now() < until {
            round += 1;
            let name = format!("c{n}-{round}");
            let subject = format!("/v1/subjects/{name}");
            let sample = format!("/v1/aspects/{ASPECT}/samples/{name}");
            let mut record = json!({"name": name, "description": "created"});
            let created = self.expect(Method::POST, "/v1/subjects", Some(record.clone()), 201);
            if created.await.is_none() {
                continue;
            }
            record["writers"] = json!([]);
            ledger.insert(subject.clone(), Some(record.clone()));
            self.check(&subject, Some(&record)).await;
            let patch = json!({"description": format!("patched in round {round}")});
            if let Some(patched) = self.expect(Method::PATCH, &subject, Some(patch), 200).await {
                ledger.insert(subject.clone(), Some(patched));
            }
            for (value, status) in [("first", 201), ("second", 200)] {
                let body = json!({"value": value});
                if let Some(put) = self.expect(Method::PUT, &sample, Some(body), status).await {
                    ledger.insert(sample.clone(), Some(put));
                }
            }
            if let Some(stored) = ledger.get(&sample) {
                self.check(&sample, stored.as_ref()).await;
            }
            if round % 4 == 0
                && self
                    .expect(Method::DELETE, &subject, None, 204)
                    .await
                    .is_some()
            {
                ledger.insert(subject, None);
                ledger.insert(sample, None);
            }
            tokio::time::sleep(PAUSE).await;
        }
        ledger
    }

    async fn read_back(self, ledger: Ledger) {
        for (path, expected) in &ledger {
            self.check(path, expected.as_ref()).await;
        }
    }
}

/// Client `n` with forged tokens until `until`: each request a fresh token on a new connection,
/// from [`FORGED_ADDRESS`] when `n` is even, from a new address each time when odd. Expects
/// 401, or 429 from a throttle of failed authentications.
async fn forged_client(server: SocketAddr, n: usize, until: Instant, tally: Arc<Tally>) {
    let format = TokenFormat::new("tgsk").unwrap();
    let mut sent: usize = 0;
    while Instant::now() < until {
        let k = sent * FORGED_CLIENTS + n;
        sent += 1;
        // 127.1.0.0/16 without the .0 and .255 ends: 64516 addresses before one repeats.
        let from = if n.is_multiple_of(2) {
            FORGED_ADDRESS
        } else {
            Ipv4Addr::new(127, 1, (k / 254 % 256) as u8, (k % 254 + 1) as u8)
        };
        let minted = format.mint().unwrap();
        let token = minted.secret.expose_secret();
        let request = if k % 4 < 2 {
            format!(
                "GET /v1/subjects/c0-1 HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer {token}\r\n\
                 Connection: close\r\n\r\n"
            )
        } else {
            let body = r#"{"name": "forged"}"#;
            format!(
                "POST /v1/subjects HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            )
        };
        let mut stream = connect_from(from, server).await;
        stream.write_all(request.as_bytes()).await.unwrap();
        let response = read_response(&mut stream).await;
        let status = status_of(&response);
        tally.count("forged", status);
        if !matches!(status, 401 | 429) {
            tally.fail(format!("a forged token from {from}: {response}"));
        }
        tokio::time::sleep(PAUSE).await;
    }
}

/// Client `n` that stalls, on connections from [`SLOW_ADDRESS`], until `until`: when `n` is
/// even after half a request line (the server must close the connection), when odd in the
/// middle of the body of a request with a valid token (the server must answer 408).
async fn slow_client(
    server: SocketAddr,
    n: usize,
    token: String,
    until: Instant,
    tally: Arc<Tally>,
) {
    while Instant::now() < until {
        let mut stream = connect_from(SLOW_ADDRESS, server).await;
        if n.is_multiple_of(2) {
            stream.write_all(b"GET /v1/subj").await.unwrap();
            wait_for_close(&mut stream, HEADER_READ_TIMEOUT + DEADLINE).await;
            tally.count("slow head", 0);
        } else {
            let head = format!(
                "POST /v1/subjects HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: 64\r\n\r\n{{\"name\": "
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            let response = read_response(&mut stream).await;
            let status = status_of(&response);
            tally.count("slow body", status);
            if status != 408 {
                tally.fail(format!("a body stalled from {SLOW_ADDRESS}: {response}"));
            }
            wait_for_close(&mut stream, DEADLINE).await;
        }
    }
}
