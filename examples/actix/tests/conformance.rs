//! One table of requests and the answers they must get, run against both example servers, the
//! axum one (tollgate-http's tower layers) and the actix-web one (the crates composed by hand),
//! so that the two cannot drift: each row's status, error code, challenge and CORS headers are
//! checked against the table, and then each row's whole answer (status, JSON body, challenge,
//! CORS and rate-limit headers) must be the same from both servers.
//!
//! Both servers read one token database: users and tokens are made once, through the axum
//! server's API. Records are each server's own, made by the table's first rows.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tollgate::cors::CorsPolicy;
use tollgate::scope::{Role, Scope};
use tollgate::sign::{Signer, SigningKey};
use tollgate_example_actix::{State, bind, run};
use tollgate_example_server as axum_server;
use tollgate_test_support::{postgres_database_url, sqlite_url};

/// The page allowed to read `/v1/subjects` across origins, on both servers.
const PAGE: &str = "https://app.example";
const CORS_ROUTES: &str = "/v1/subjects";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_servers_answer_the_table_alike_on_sqlite() {
    conformance(&sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn both_servers_answer_the_table_alike_on_postgres() {
    conformance(&postgres_database_url().await).await;
}

/// Who sends a row's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// No `Authorization`.
    Nobody,
    /// A well-formed token the servers never issued.
    Stranger,
    /// Two `Authorization` fields, both bob's.
    Twice,
    /// The admin's full-scope token.
    Admin,
    /// bob (editor): his first token, full scope.
    Bob,
    /// carol (editor): her first token.
    Carol,
    /// bob, read-only.
    BobReading,
    /// bob, granted `write` on `subjects/other` only.
    BobGranted,
    /// bob, from `https://app.example` only.
    BobFromPage,
    /// bob, one request a minute.
    BobLimited,
    /// bob, revoked.
    BobRevoked,
    /// bob, accepted only on requests signed with its key.
    BobSigning,
    /// bob's signing token, on a request signed with its key.
    BobSigned,
    /// bob's signing token, on a request signed with its key whose body was changed after.
    BobTampered,
}

/// One request and what it must get.
struct Row {
    who: Who,
    method: Method,
    path: &'static str,
    /// Extra request headers.
    headers: &'static [(&'static str, &'static str)],
    body: Body,
    status: u16,
    /// The error code; `None` for a success.
    code: Option<&'static str>,
    /// The `WWW-Authenticate` value, if any.
    challenge: Option<&'static str>,
    /// `Access-Control-Allow-Origin`, if any.
    allow_origin: Option<&'static str>,
}

enum Body {
    None,
    Json(&'static str),
    /// A JSON body this many bytes long.
    Large(usize),
}

fn row(who: Who, method: Method, path: &'static str, status: u16) -> Row {
    Row {
        who,
        method,
        path,
        headers: &[],
        body: Body::None,
        status,
        code: None,
        challenge: None,
        allow_origin: None,
    }
}

impl Row {
    fn json(self, body: &'static str) -> Self {
        Self {
            body: Body::Json(body),
            ..self
        }
    }
    fn headers(self, headers: &'static [(&'static str, &'static str)]) -> Self {
        Self { headers, ..self }
    }
    fn refused(self, code: &'static str) -> Self {
        Self {
            code: Some(code),
            ..self
        }
    }
    fn challenged(self, challenge: &'static str) -> Self {
        Self {
            challenge: Some(challenge),
            ..self
        }
    }
    fn with_large_body(self, bytes: usize) -> Self {
        Self {
            body: Body::Large(bytes),
            ..self
        }
    }
    fn allowing(self, origin: &'static str) -> Self {
        Self {
            allow_origin: Some(origin),
            ..self
        }
    }
}

const MISSING: &str = r#"Bearer realm="tollgate""#;
const INVALID: &str = r#"Bearer realm="tollgate", error="invalid_token""#;
const SCOPE: &str = r#"Bearer realm="tollgate", error="insufficient_scope""#;
const UNSIGNED: &str = r#"Bearer realm="tollgate", error="signature_required""#;
const FORGED: &str = r#"Bearer realm="tollgate", error="invalid_signature""#;
const CPU: &str = "/v1/subjects/cpu";
const WRITERS: &str = "/v1/subjects/cpu/writers";

/// The table, in order: the first rows make each server's records.
fn table() -> Vec<Row> {
    use Method as M;
    use Who::*;
    let preflight = &[("origin", PAGE), ("access-control-request-method", "PATCH")];
    vec![
        row(Admin, M::POST, "/v1/subjects", 201).json(r#"{"name": "cpu", "description": "load"}"#),
        row(Admin, M::POST, "/v1/subjects", 409)
            .json(r#"{"name": "CPU"}"#)
            .refused("duplicate_name"),
        row(Admin, M::POST, WRITERS, 409)
            .json(r#"["bob"]"#)
            .refused("would_lock_out"),
        row(
            Admin,
            M::POST,
            "/v1/subjects/cpu/writers?confirm=lockout",
            200,
        )
        .json(r#"["bob"]"#),
        row(Admin, M::POST, WRITERS, 403)
            .json(r#"["carol"]"#)
            .refused("not_a_writer"),
        row(
            Admin,
            M::POST,
            "/v1/subjects/cpu/writers?override=admin",
            400,
        )
        .json(r#"["carol", "nobody"]"#)
        .refused("unknown_user"),
        row(BobReading, M::POST, "/v1/subjects", 403)
            .json(r#"{"name": "disk"}"#)
            .refused("insufficient_scope")
            .challenged(SCOPE),
        // Credentials.
        row(Nobody, M::GET, CPU, 401)
            .refused("missing_token")
            .challenged(MISSING),
        row(Stranger, M::GET, CPU, 401)
            .refused("invalid_token")
            .challenged(INVALID),
        row(Twice, M::GET, CPU, 401)
            .refused("invalid_token")
            .challenged(INVALID),
        row(BobRevoked, M::GET, CPU, 401)
            .refused("invalid_token")
            .challenged(INVALID),
        // Scope, grants and writer lists.
        row(BobReading, M::GET, CPU, 200),
        row(BobReading, M::GET, "/v1/subjects/nope", 404).refused("not_found"),
        row(BobReading, M::PATCH, CPU, 403)
            .json(r#"{"description": "idle"}"#)
            .refused("insufficient_scope")
            .challenged(SCOPE),
        row(Carol, M::PATCH, CPU, 403)
            .json(r#"{"description": "idle"}"#)
            .refused("not_a_writer"),
        row(Carol, M::PATCH, "/v1/subjects/cpu?override=admin", 403)
            .json(r#"{"description": "idle"}"#)
            .refused("not_a_writer"),
        row(BobGranted, M::PATCH, CPU, 403)
            .json(r#"{"description": "idle"}"#)
            .refused("not_granted"),
        row(Bob, M::PATCH, CPU, 200).json(r#"{"description": "busy"}"#),
        row(Admin, M::PATCH, "/v1/subjects/cpu?override=admin", 200)
            .json(r#"{"description": "busier"}"#),
        row(Bob, M::PATCH, CPU, 413)
            .refused("payload_too_large")
            .with_large_body(70 * 1024),
        // Origins and CORS.
        row(BobFromPage, M::GET, CPU, 403).refused("origin_not_allowed"),
        row(BobFromPage, M::GET, CPU, 200)
            .headers(&[("origin", PAGE)])
            .allowing(PAGE),
        row(Nobody, M::GET, CPU, 401)
            .headers(&[("origin", PAGE)])
            .refused("missing_token")
            .challenged(MISSING)
            .allowing(PAGE),
        row(Nobody, M::OPTIONS, CPU, 204)
            .headers(preflight)
            .allowing(PAGE),
        row(Nobody, M::OPTIONS, CPU, 403)
            .headers(&[
                ("origin", "https://elsewhere.example"),
                ("access-control-request-method", "PATCH"),
            ])
            .refused("cors_preflight_rejected"),
        // Rate limits and signatures.
        row(BobLimited, M::GET, CPU, 200),
        row(BobLimited, M::GET, CPU, 429).refused("rate_limited"),
        row(BobSigning, M::GET, CPU, 401)
            .refused("signature_required")
            .challenged(UNSIGNED),
        row(BobSigned, M::GET, CPU, 200),
        row(BobSigned, M::PATCH, CPU, 200).json(r#"{"description": "signed"}"#),
        row(BobTampered, M::PATCH, CPU, 401)
            .json(r#"{"description": "signed"}"#)
            .refused("invalid_signature")
            .challenged(FORGED),
        // An override asked for by a writer who is not entitled to it is no confirmation.
        row(Bob, M::POST, "/v1/subjects", 201).json(r#"{"name": "mem"}"#),
        row(Bob, M::POST, "/v1/subjects/mem/writers?override=admin", 409)
            .json(r#"["carol"]"#)
            .refused("would_lock_out"),
        // Routes.
        row(Bob, M::GET, "/v1/nothing", 404).refused("not_found"),
        row(Bob, M::PUT, CPU, 405).refused("method_not_allowed"),
    ]
}

/// The users and tokens both servers read, made through the axum server.
struct Tokens {
    secrets: BTreeMap<Who, String>,
    signing_id: String,
    signing_key: SigningKey,
}

/// What a server answered to one row: the parts both servers must agree on.
#[derive(Debug, PartialEq)]
struct Answer {
    status: u16,
    body: Option<Value>,
    headers: BTreeMap<&'static str, String>,
}

/// The headers compared between servers, exactly.
const COMPARED: &[&str] = &[
    "content-type",
    "www-authenticate",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
    "vary",
    "ratelimit-policy",
];
/// The headers whose value depends on the moment: compared by presence.
const PRESENT: &[&str] = &["retry-after", "ratelimit"];

async fn conformance(database_url: &str) {
    let admin =
        axum_server::mint_bootstrap(database_url, "admin", Role::Admin, "setup", Scope::Full)
            .await
            .unwrap();
    let vars = [
        ("TOLLGATE_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", database_url),
        ("CORS_ROUTES", CORS_ROUTES),
        ("CORS_ALLOWED_ORIGINS", PAGE),
        // The table's failed authentications must not trip the axum server's throttle, which
        // the actix example does not have.
        ("TOLLGATE_AUTH_FAILURES_PER_MINUTE", "1000"),
    ];
    let settings = axum_server::Settings::from_vars(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .unwrap();
    let axum = axum_server::start(settings).await.unwrap();
    let client = reqwest::Client::new();
    let tokens = make_tokens(&client, axum.addr, admin).await;
    let actix = ActixServer::start(database_url);

    let table = table();
    let mut answers = Vec::new();
    for addr in [axum.addr, actix.addr] {
        let mut server_answers = Vec::new();
        for (index, row) in table.iter().enumerate() {
            let answer = send(&client, addr, row, &tokens).await;
            check(index, row, &answer, addr);
            server_answers.push(answer);
        }
        answers.push(server_answers);
    }
    for (index, (axum_answer, actix_answer)) in answers[0].iter().zip(&answers[1]).enumerate() {
        let row = &table[index];
        assert_eq!(
            axum_answer, actix_answer,
            "row {index} ({} {} as {:?}): the axum server (left) and the actix example (right) \
             answer differently",
            row.method, row.path, row.who
        );
    }
    actix.stop();
    axum.stop().await.unwrap();
}

/// bob and carol, editors, and bob's tokens, made by bob (and one revoked by the admin).
async fn make_tokens(client: &reqwest::Client, addr: SocketAddr, admin: String) -> Tokens {
    let post = |token: String, path: &'static str, body: Value| {
        let request = client
            .post(format!("http://{addr}{path}"))
            .bearer_auth(token)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{path}: {body}");
            body
        }
    };
    let secret = |body: &Value| body["token"].as_str().unwrap().to_owned();
    let mut secrets = BTreeMap::new();
    secrets.insert(Who::Admin, admin.clone());
    for (who, name) in [(Who::Bob, "bob"), (Who::Carol, "carol")] {
        let user = json!({"name": name, "role": "editor"});
        let created = post(admin.clone(), "/v1/users", user).await;
        secrets.insert(who, secret(&created));
    }
    let bob = secrets[&Who::Bob].clone();
    let signing_key = SigningKey::generate_ed25519().unwrap();
    let public_key = STANDARD.encode(signing_key.public_key().unwrap());
    let derived = [
        (
            Who::BobReading,
            json!({"name": "reading", "scope": "read-only"}),
        ),
        (
            Who::BobGranted,
            json!({"name": "granted", "scope": "edit", "grants": {"subjects/other": ["write"]}}),
        ),
        (
            Who::BobFromPage,
            json!({"name": "page", "scope": "edit", "allowed_origins": [PAGE]}),
        ),
        (
            Who::BobLimited,
            json!({"name": "limited", "scope": "edit", "rate_limit": "1/min"}),
        ),
        (Who::BobRevoked, json!({"name": "revoked", "scope": "edit"})),
        (
            Who::BobSigning,
            json!({"name": "signing", "scope": "edit",
                   "signing_key": {"alg": "ed25519", "public_key": public_key}}),
        ),
    ];
    let mut signing_id = String::new();
    for (who, body) in derived {
        let created = post(bob.clone(), "/v1/tokens", body).await;
        secrets.insert(who, secret(&created));
        match who {
            Who::BobRevoked => {
                let path = format!("http://{addr}/v1/tokens/{}/revoke", created["id"]);
                let revoked = client.post(path).bearer_auth(&admin).send().await.unwrap();
                assert_eq!(revoked.status(), StatusCode::OK);
            }
            Who::BobSigning => signing_id = created["id"].to_string(),
            _ => {}
        }
    }
    secrets.insert(Who::BobSigned, secrets[&Who::BobSigning].clone());
    secrets.insert(Who::BobTampered, secrets[&Who::BobSigning].clone());
    secrets.insert(Who::Twice, bob);
    let stranger = tollgate::token::TokenFormat::new("tgsk")
        .unwrap()
        .mint()
        .unwrap();
    secrets.insert(Who::Stranger, stranger.secret.expose_secret().to_owned());
    Tokens {
        secrets,
        signing_id,
        signing_key,
    }
}

/// Sends `row` to the server at `addr`.
async fn send(client: &reqwest::Client, addr: SocketAddr, row: &Row, tokens: &Tokens) -> Answer {
    let mut headers = HeaderMap::new();
    for &(name, value) in row.headers {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Some(secret) = tokens.secrets.get(&row.who) {
        let bearer = HeaderValue::from_str(&format!("Bearer {secret}")).unwrap();
        headers.append("authorization", bearer.clone());
        if row.who == Who::Twice {
            headers.append("authorization", bearer);
        }
    }
    let body = match row.body {
        Body::None => Vec::new(),
        Body::Json(text) => text.as_bytes().to_vec(),
        Body::Large(bytes) => format!("{{\"description\": \"{}\"}}", "x".repeat(bytes)).into(),
    };
    if !body.is_empty() {
        headers.insert("content-type", HeaderValue::from_static("application/json"));
    }
    let mut body = body;
    if matches!(row.who, Who::BobSigned | Who::BobTampered) {
        let authority = addr.to_string();
        let request = tollgate::sign::Request {
            method: row.method.as_str(),
            scheme: "http",
            authority: &authority,
            path_and_query: row.path,
        };
        let signer = Signer::new(&tokens.signing_id, tokens.signing_key.clone()).unwrap();
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
        // The default components, `content-digest` with a body, and its type.
        let signer = if body.is_empty() {
            signer
        } else {
            signer.covering("content-type").unwrap()
        };
        signer.sign(&request, &mut headers, &body, now).unwrap();
        if row.who == Who::BobTampered {
            body = br#"{"description": "forged"}"#.to_vec();
        }
    }
    let response = client
        .request(row.method.clone(), format!("http://{addr}{}", row.path))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let got = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = (!text.is_empty())
        .then(|| serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}")));
    let mut headers = BTreeMap::new();
    for &name in COMPARED {
        let values: Vec<&str> = got
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap())
            .collect();
        if !values.is_empty() {
            headers.insert(name, values.join(", "));
        }
    }
    for &name in PRESENT {
        if got.contains_key(name) {
            headers.insert(name, "(present)".to_owned());
        }
    }
    Answer {
        status,
        body,
        headers,
    }
}

/// Asserts that `answer` is what `row` says.
fn check(index: usize, row: &Row, answer: &Answer, addr: SocketAddr) {
    let at = format!(
        "row {index} ({} {} as {:?}) at {addr}",
        row.method, row.path, row.who
    );
    let code = answer
        .body
        .as_ref()
        .and_then(|body| body["error"]["code"].as_str());
    assert_eq!(
        (answer.status, code),
        (row.status, row.code),
        "{at}: {answer:?}"
    );
    let header = |name| answer.headers.get(name).map(String::as_str);
    assert_eq!(header("www-authenticate"), row.challenge, "{at}");
    assert_eq!(
        header("access-control-allow-origin"),
        row.allow_origin,
        "{at}"
    );
    if row.code.is_some() {
        assert_eq!(header("content-type"), Some("application/json"), "{at}");
    }
    if row.status == 429 {
        assert!(answer.headers.contains_key("retry-after"), "{at}");
        assert!(answer.headers.contains_key("ratelimit-policy"), "{at}");
    }
}

/// The actix example, on its own thread and actix system, serving until stopped.
struct ActixServer {
    addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    thread: thread::JoinHandle<()>,
}

impl ActixServer {
    fn start(database_url: &str) -> Self {
        let (sender, started) = mpsc::channel();
        let database_url = database_url.to_owned();
        let thread = thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let cors = CorsPolicy::builder()
                    .routes(CORS_ROUTES)
                    .allowed_origins(PAGE)
                    .build()
                    .unwrap();
                let state = State::open(&database_url, cors).await.unwrap();
                let tokens = state.tokens.clone();
                let (server, addr) = bind(state, "127.0.0.1:0".parse().unwrap()).unwrap();
                sender.send((addr, server.handle())).unwrap();
                run(server, tokens).await.unwrap();
            });
        });
        let (addr, handle) = started.recv().unwrap();
        Self {
            addr,
            handle,
            thread,
        }
    }

    fn stop(self) {
        drop(self.handle.stop(true));
        self.thread.join().unwrap();
    }
}
