//! docs/server-api.md "Logs", on the built binary (see `startup.rs`): one line per request
//! and an audit event per change go to stderr, stdout keeps only `listening on`, and with every
//! log enabled (`RUST_LOG=trace`, the database driver's included) no line holds any part of a
//! token's secret, wherever the client put it, nor the database's password.

use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::support::binary::{command, mint, server_binary};
use crate::support::{Backend, Reply, postgres_database_url, sqlite_url};

/// The shortest run of a secret's characters that counts as a leak when a log holds it. A
/// random run of 8 of 62 characters appears in unrelated text with negligible odds.
const LEAK: usize = 8;

/// How long the server may take to start or to stop.
const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_log_line_holds_a_secret_on_sqlite() {
    no_log_line_holds_a_secret(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn no_log_line_holds_a_secret_on_postgres() {
    no_log_line_holds_a_secret(Backend::Postgres).await;
}

/// An invalid `RUST_LOG` stops start-up like any other invalid setting.
#[test]
fn an_invalid_log_filter_exits_2() {
    let binary = server_binary();
    let output = command(&binary, &[("RUST_LOG", "sqlx=loud")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("RUST_LOG=\"sqlx=loud\""), "{stderr}");
}

/// The client every request of the test goes through, counting them.
struct Client {
    http: reqwest::Client,
    base: String,
    sent: usize,
}

impl Client {
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// A request presenting `token` as `Authorization: Bearer`.
    fn bearer(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    async fn send(&mut self, request: RequestBuilder) -> Reply {
        self.sent += 1;
        crate::support::send(request).await
    }
}

async fn no_log_line_holds_a_secret(backend: Backend) {
    let binary = server_binary();
    let (database_url, password) = match backend {
        Backend::Sqlite => (sqlite_url(), None),
        Backend::Postgres => with_password(&postgres_database_url().await),
    };
    let root = mint(&binary, &database_url, "root");
    let mut server = tokio::process::Command::new(&binary)
        .env_clear()
        .env("DATABASE_URL", &database_url)
        .env("TOLLGATE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Read all along: a full pipe would stop the server mid-line.
    let mut stderr = server.stderr.take().unwrap();
    let stderr = tokio::spawn(async move {
        let mut bytes = Vec::new();
        stderr.read_to_end(&mut bytes).await.unwrap();
        String::from_utf8(bytes).unwrap()
    });
    let mut stdout = BufReader::new(server.stdout.take().unwrap()).lines();
    let listening = tokio::time::timeout(DEADLINE, stdout.next_line())
        .await
        .expect("the server starts in time")
        .unwrap()
        .unwrap();
    let base = listening
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{listening:?}"));
    let mut client = Client {
        http: reqwest::Client::new(),
        base: base.to_owned(),
        sent: 0,
    };

    let secrets = exercise(&mut client, &root).await;

    let pid = server.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(DEADLINE, server.wait())
        .await
        .expect("the server stops in time")
        .unwrap();
    assert!(status.success(), "{status}");
    let rest_of_stdout = stdout.next_line().await.unwrap();
    assert_eq!(rest_of_stdout, None, "stdout holds only `listening on`");
    let logs = stderr.await.unwrap();

    // Every log was on: the database driver's statements are there.
    assert!(logs.contains("sqlx::query"), "{}", ours(&logs));
    for secret in [&root, &secrets.bob, &secrets.child] {
        assert_no_part_of(secret, &logs);
    }
    if let Some(password) = password {
        assert!(!logs.contains(&password), "the database password is logged");
    }
    assert_requests_logged(&logs, &secrets, client.sent);
    assert_audited(&logs, &secrets);
}

/// `url` with a password added after its user name, and that password; a server that trusts
/// its clients, as the test server does, ignores it. A URL that has a password already, or no
/// user name, is kept as it is and not checked.
fn with_password(url: &str) -> (String, Option<String>) {
    let password = "pw4f1c9e7a2b";
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((user, host)) if !user.contains(':') => (
                format!("{scheme}://{user}:{password}@{host}"),
                Some(password.to_owned()),
            ),
            _ => (url.to_owned(), None),
        },
        None => (url.to_owned(), None),
    }
}

/// The other secrets the test saw, and the token ids it knows.
struct Secrets {
    bob: String,
    child: String,
    root_id: i64,
    bob_id: i64,
    child_id: i64,
}

/// Uses `root` and the tokens it makes in every way the test can think of: answered,
/// refused, revoked, and sent where no token belongs.
async fn exercise(client: &mut Client, root: &str) -> Secrets {
    let current = client.bearer(Method::GET, "/v1/tokens/current", root);
    let root_id = id_of(client.send(current).await);

    let new_user = json!({ "name": "bob", "role": "editor" });
    let request = client.bearer(Method::POST, "/v1/users", root);
    let bob = client.send(request.json(&new_user)).await.ok(201);
    let bob = bob["token"].as_str().unwrap().to_owned();
    let current = client.bearer(Method::GET, "/v1/tokens/current", &bob);
    let bob_id = id_of(client.send(current).await);

    let new_token = json!({ "name": "child", "scope": "read-only" });
    let request = client.bearer(Method::POST, "/v1/tokens", root);
    let child = client.send(request.json(&new_token)).await.ok(201);
    let child_id = child["id"].as_i64().unwrap();
    let child = child["token"].as_str().unwrap().to_owned();
    let request = client.bearer(Method::GET, "/v1/subjects", &child);
    client.send(request).await.ok(200);

    writer_changes(client, root, &bob).await;
    misplaced(client, root).await;

    let path = format!("/v1/tokens/{child_id}");
    let request = client.bearer(Method::POST, &format!("{path}/revoke"), root);
    client.send(request).await.ok(200);
    let request = client.bearer(Method::GET, "/v1/subjects", &child);
    client.send(request).await.invalid_token();
    let request = client.bearer(Method::POST, &format!("{path}/restore"), root);
    client.send(request).await.ok(200);
    let request = client.bearer(Method::DELETE, &path, root);
    client.send(request).await.expect(204);
    Secrets {
        bob,
        child,
        root_id,
        bob_id,
        child_id,
    }
}

fn id_of(reply: Reply) -> i64 {
    reply.ok(200)["id"].as_i64().unwrap()
}

/// `cpu`'s writers: root added; bob refused; root removed; bob added; bob removed by root's
/// admin override.
async fn writer_changes(client: &mut Client, root: &str, bob: &str) {
    let request = client.bearer(Method::POST, "/v1/subjects", root);
    client
        .send(request.json(&json!({ "name": "cpu" })))
        .await
        .ok(201);
    let writers = "/v1/subjects/cpu/writers";
    let request = client.bearer(Method::POST, writers, root);
    client.send(request.json(&json!(["root"]))).await.ok(200);
    let request = client.bearer(Method::PATCH, "/v1/subjects/cpu", bob);
    let patch = json!({ "description": "by bob" });
    client.send(request.json(&patch)).await.not_a_writer();
    let request = client.bearer(Method::DELETE, &format!("{writers}/root"), root);
    client.send(request).await.expect(204);
    let request = client.bearer(Method::POST, &format!("{writers}?confirm=lockout"), root);
    client.send(request.json(&json!(["bob"]))).await.ok(200);
    let request = client.bearer(Method::DELETE, &format!("{writers}?override=admin"), root);
    client.send(request).await.expect(204);
}

/// `root` in malformed `Authorization` fields and where no token belongs: the path, the query,
/// the method, other headers, a body.
async fn misplaced(client: &mut Client, root: &str) {
    let subjects = "/v1/subjects";
    let last = if root.ends_with('A') { 'B' } else { 'A' };
    let changed_last = format!("{}{last}", &root[..root.len() - 1]);
    let truncated = &root[..root.len() - 3];
    for (authorization, status) in [
        (format!("Bearer {root}"), 200),
        (root.to_owned(), 200),
        (format!("Token {root}"), 401),
        (format!("Bearer{root}"), 401),
        (format!("Bearer {changed_last}"), 401),
        (format!("Bearer {truncated}"), 401),
    ] {
        let request = client.request(Method::GET, subjects);
        let reply = client
            .send(request.header("authorization", authorization))
            .await;
        assert_eq!(reply.status, status, "{}", reply.request);
    }
    let twice = client.bearer(Method::GET, subjects, root).bearer_auth(root);
    client.send(twice).await.invalid_token();

    let in_query = client.request(Method::GET, &format!("{subjects}?access_token={root}"));
    client.send(in_query).await.missing_token();
    let in_path = format!("{subjects}/{root}");
    let request = client.request(Method::GET, &in_path);
    client.send(request).await.missing_token();
    let request = client.bearer(Method::GET, &in_path, root);
    client.send(request).await.refused(404, "not_found");
    let request = client.bearer(Method::DELETE, &format!("/v1/tokens/{root}"), root);
    client.send(request).await.refused(404, "not_found");
    let as_method = Method::from_bytes(root.as_bytes()).unwrap();
    let request = client.request(as_method, subjects);
    client.send(request).await.missing_token();
    let request = client.request(Method::GET, subjects);
    let in_other_headers = request
        .header("cookie", format!("token={root}"))
        .header("x-api-key", root);
    client.send(in_other_headers).await.missing_token();
    let body = json!({ "name": 5, "token": root });
    let request = client.bearer(Method::POST, "/v1/tokens", root);
    client
        .send(request.json(&body))
        .await
        .refused(400, "bad_request_body");
}

/// Panics if `logs` holds `secret` or any run of [`LEAK`] characters of its random part.
fn assert_no_part_of(secret: &str, logs: &str) {
    let (prefix, random) = secret.split_once('_').unwrap();
    assert!(prefix.starts_with("tg"), "{prefix}");
    for window in random.as_bytes().windows(LEAK) {
        let run = std::str::from_utf8(window).unwrap();
        assert!(
            !logs.contains(run),
            "a log line holds a secret's characters {run:?}"
        );
    }
}

/// The request lines and audit events, for failure messages (the rest is the driver's).
fn ours(logs: &str) -> String {
    let ours = logs
        .lines()
        .filter(|line| line.contains(" request: ") || line.contains(" audit: "));
    ours.collect::<Vec<_>>().join("\n")
}

/// The log lines of `target` (`request` or `audit`), each as its whitespace-separated words.
/// Events inside a request's span start with `request{...}:`, not with `request:`.
fn lines_of<'a>(logs: &'a str, target: &str) -> Vec<Vec<&'a str>> {
    let target = format!("{target}:");
    logs.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|words| words.contains(&target.as_str()))
        .collect()
}

/// Panics unless a line of `target` holds every word of `expected`.
#[track_caller]
fn assert_logged(logs: &str, target: &str, expected: &[String]) {
    let found = lines_of(logs, target)
        .iter()
        .any(|words| expected.iter().all(|word| words.contains(&word.as_str())));
    assert!(
        found,
        "no {target} line with {expected:?} in:\n{}",
        ours(logs)
    );
}

fn words(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

/// One request line per request, each with its latency; and the fields of a few.
fn assert_requests_logged(logs: &str, secrets: &Secrets, sent: usize) {
    let lines = lines_of(logs, "request");
    assert_eq!(lines.len(), sent, "{}", ours(logs));
    for words in &lines {
        let latency = words
            .iter()
            .find_map(|word| word.strip_prefix("latency_us="));
        assert!(
            latency.is_some_and(|us| us.parse::<u64>().is_ok()),
            "{words:?}"
        );
    }
    let (root, bob) = (secrets.root_id, secrets.bob_id);
    let cases: [Vec<String>; 5] = [
        vec![
            "method=GET".into(),
            "route=/v1/tokens/current".into(),
            "status=200".into(),
            format!("token_id={root}"),
        ],
        words(&[
            "method=GET",
            "route=/v1/subjects",
            "status=401",
            "code=invalid_token",
        ]),
        vec![
            "method=PATCH".into(),
            "route=/v1/subjects/{name}".into(),
            "status=403".into(),
            format!("token_id={bob}"),
            "code=not_a_writer".into(),
        ],
        words(&[
            "method=other",
            "route=/v1/subjects",
            "status=401",
            "code=missing_token",
        ]),
        words(&[
            "method=POST",
            "route=/v1/tokens",
            "status=400",
            "code=bad_request_body",
        ]),
    ];
    for expected in &cases {
        assert_logged(logs, "request", expected);
    }
}

/// An audit event for every change the test made.
fn assert_audited(logs: &str, secrets: &Secrets) {
    let (root, bob, child) = (secrets.root_id, secrets.bob_id, secrets.child_id);
    let by = [format!("by_token_id={root}"), "by_user=\"root\"".to_owned()];
    let mut events: Vec<Vec<String>> = vec![
        words(&["user_created", "name=\"bob\"", "role=editor"]),
        vec![
            "token_created".into(),
            format!("id={bob}"),
            "owner=\"bob\"".into(),
            "name=\"initial\"".into(),
            "kind=secret".into(),
            "scope=full".into(),
            format!("parent_id={root}"),
        ],
        vec![
            "token_created".into(),
            format!("id={child}"),
            "owner=\"root\"".into(),
            "name=\"child\"".into(),
            "kind=secret".into(),
            "scope=read-only".into(),
            format!("parent_id={root}"),
        ],
    ];
    for event in ["token_revoked", "token_restored", "token_deleted"] {
        events.push(vec![event.into(), format!("id={child}")]);
    }
    for (added, removed, admin_override) in [
        ("[\"root\"]", "[]", false),
        ("[]", "[\"root\"]", false),
        ("[\"bob\"]", "[]", false),
        ("[]", "[\"bob\"]", true),
    ] {
        events.push(vec![
            "writers_changed".into(),
            "kind=subjects".into(),
            "record=\"cpu\"".into(),
            format!("added={added}"),
            format!("removed={removed}"),
            format!("admin_override={admin_override}"),
        ]);
    }
    for mut event in events {
        event.extend(by.iter().cloned());
        assert_logged(logs, "audit", &event);
    }
}
