//! Starting and stopping the example server for one test, on a fresh database, and the
//! requests and assertions every test module shares.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use http::header::WWW_AUTHENTICATE;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{Value, json};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tollgate::scope::{Role, Scope};

use crate::api;

/// The challenge for a request without a token.
pub(crate) const CHALLENGE: &str = r#"Bearer realm="tollgate""#;
/// The challenge for a malformed, unknown, revoked or expired token.
pub(crate) const INVALID_TOKEN: &str = r#"Bearer realm="tollgate", error="invalid_token""#;
/// The challenge for a token whose scope or user's role is too low.
pub(crate) const INSUFFICIENT_SCOPE: &str =
    r#"Bearer realm="tollgate", error="insufficient_scope""#;

/// A well-formed token (prefix, body and checksum) that the server never issued.
pub(crate) const UNKNOWN_TOKEN: &str = "tg_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1qHCnl";

/// The two kinds of record with a writer list.
pub(crate) const KINDS: [&str; 2] = ["subjects", "aspects"];

/// No request may take longer than this; a hung server fails the test instead of the run.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// Where a test server keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// A running server on a fresh database, with a full-scope token for user `admin` (role admin).
#[derive(Debug)]
pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) admin_token: String,
    pub(crate) client: reqwest::Client,
    pub(crate) database_url: String,
    server: api::app::Server,
}

/// A response, read completely: status, headers, and the body as JSON (`Null` when the body
/// is empty or not JSON; `text` keeps it as sent). `request` says what was asked, for failure
/// messages.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) request: String,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl TestServer {
    /// Starts the server with `vars` as its environment (`TOLLGATE_ADDR` and `DATABASE_URL` are
    /// filled in). `None` when the backend is PostgreSQL and no server is configured.
    pub(crate) async fn start(backend: Backend, vars: &[(&str, &str)]) -> Option<Self> {
        let database_url = match backend {
            Backend::Sqlite => sqlite_url(),
            Backend::Postgres => postgres_database_url().await?,
        };
        Some(Self::start_on(&database_url, vars).await)
    }

    /// Starts the server on an existing database (for tests that restart it), with a new
    /// bootstrap token for `admin`.
    pub(crate) async fn start_on(database_url: &str, vars: &[(&str, &str)]) -> Self {
        let admin_token = mint(database_url, "admin", Role::Admin, Scope::Full).await;
        let settings = settings(database_url, vars).expect("valid settings");
        let server = api::start(settings).await.expect("server starts");
        Self {
            base: format!("http://{}", server.addr),
            admin_token,
            client: reqwest::Client::builder()
                .timeout(REQUEST_DEADLINE)
                .build()
                .unwrap(),
            database_url: database_url.to_owned(),
            server,
        }
    }

    /// The absolute URL of `path` on this server.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server, flushing pending last uses.
    pub(crate) async fn stop(self) {
        self.server.stop().await.expect("clean shutdown");
    }

    /// A request without credentials, to add headers or a body to before [`send`].
    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// `method path` with `Authorization: Bearer token` and, when given, a JSON body.
    pub(crate) async fn call(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        self.call_as(Some(token), method, path, body).await
    }

    /// `method path` with `token` and `body` sent as is, declared `application/json`.
    pub(crate) async fn call_raw(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: impl Into<Vec<u8>>,
    ) -> Reply {
        let request = self
            .request(method, path)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.into());
        send(request).await
    }

    /// `method path` without credentials and, when given, a JSON body.
    pub(crate) async fn anonymous(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        self.call_as(None, method, path, body).await
    }

    /// `GET path` with `token` (if any) and these extra headers, whose values may be any bytes
    /// a header can carry.
    pub(crate) async fn get_with(
        &self,
        token: Option<&str>,
        path: &str,
        headers: &[(&str, &[u8])],
    ) -> Reply {
        let mut request = self.request(Method::GET, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for &(name, value) in headers {
            request = request.header(name, HeaderValue::from_bytes(value).unwrap());
        }
        send(request).await
    }

    async fn call_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = self.request(method, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        send(request).await
    }

    pub(crate) async fn get(&self, token: &str, path: &str) -> Reply {
        self.call(Method::GET, token, path, None).await
    }

    pub(crate) async fn post(&self, token: &str, path: &str, body: Value) -> Reply {
        self.call(Method::POST, token, path, Some(&body)).await
    }

    pub(crate) async fn put(&self, token: &str, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, token, path, Some(&body)).await
    }

    pub(crate) async fn patch(&self, token: &str, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, token, path, Some(&body)).await
    }

    pub(crate) async fn delete(&self, token: &str, path: &str) -> Reply {
        self.call(Method::DELETE, token, path, None).await
    }

    /// `POST /v1/users` as `admin`: a new user with this role; returns the full-scope token
    /// the server gives them.
    pub(crate) async fn user(&self, name: &str, role: &str) -> String {
        let body = json!({"name": name, "role": role});
        let created = self
            .post(&self.admin_token, "/v1/users", body)
            .await
            .ok(201);
        text(&created["token"])
    }

    /// `POST /v1/tokens` as the holder of `token`: a new token of `scope` (within what the
    /// user's role allows), under a fresh name.
    pub(crate) async fn token(&self, token: &str, scope: &str) -> String {
        let body = json!({"name": unique_name("token"), "scope": scope});
        text(&self.post(token, "/v1/tokens", body).await.ok(201)["token"])
    }

    /// `POST /v1/tokens` as `admin`: a read-only token named `name`, usable only from
    /// `origins`; asserts 201 and returns the answer.
    pub(crate) async fn token_with_origins(&self, name: &str, origins: Value) -> Value {
        let body = json!({"name": name, "allowed_origins": origins});
        self.post(&self.admin_token, "/v1/tokens", body)
            .await
            .ok(201)
    }

    /// A token of any `scope` for `user` (created with `role` if needed), minted straight in
    /// the database as the `mint` command does: the way to hold a scope above one's role.
    pub(crate) async fn mint(&self, user: &str, role: Role, scope: Scope) -> String {
        mint(&self.database_url, user, role, scope).await
    }

    /// `POST /v1/{kind}` with this name and no description; asserts 201.
    pub(crate) async fn record(&self, token: &str, kind: &str, name: &str) {
        self.post(token, &format!("/v1/{kind}"), json!({"name": name}))
            .await
            .ok(201);
    }

    /// Subject `host1` and aspect `cpu`, created by the holder of `token`.
    pub(crate) async fn subject_and_aspect(&self, token: &str) {
        self.record(token, "subjects", "host1").await;
        self.record(token, "aspects", "cpu").await;
    }

    /// `POST /v1/{kind}/{name}/writers` with `names`; asserts 200 and returns the new list.
    pub(crate) async fn add_writers(
        &self,
        token: &str,
        kind: &str,
        name: &str,
        names: &[&str],
    ) -> Value {
        let path = format!("/v1/{kind}/{name}/writers");
        self.post(token, &path, json!(names)).await.ok(200)
    }

    /// `GET /v1/{kind}/{name}/writers` as `admin`.
    pub(crate) async fn writers(&self, kind: &str, name: &str) -> Value {
        self.get(&self.admin_token, &format!("/v1/{kind}/{name}/writers"))
            .await
            .ok(200)
    }

    /// The id of `token`, from `GET /v1/tokens/current`.
    pub(crate) async fn id_of(&self, token: &str) -> Value {
        self.get(token, "/v1/tokens/current").await.ok(200)["id"].clone()
    }

    /// `POST /v1/tokens/{id}/{action}` (`revoke` or `restore`) for `token`, as the holder of
    /// `admin`.
    pub(crate) async fn revocation(&self, admin: &str, token: &str, action: &str) -> Reply {
        let path = format!("/v1/tokens/{}/{action}", self.id_of(token).await);
        self.call(Method::POST, admin, &path, None).await
    }

    /// `GET /v1/tokens` as the holder of `token`: the entry named `name`.
    pub(crate) async fn listed_token(&self, token: &str, name: &str) -> Value {
        let listed = self.get(token, "/v1/tokens").await.ok(200);
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["name"] == name)
            .unwrap_or_else(|| panic!("no token named {name} in {listed}"))
            .clone()
    }

    /// `POST path` once per body, all at once, with `token`: the statuses, sorted.
    pub(crate) async fn post_concurrently(
        &self,
        token: &str,
        path: &str,
        bodies: Vec<Value>,
    ) -> Vec<u16> {
        let mut tasks = tokio::task::JoinSet::new();
        for body in bodies {
            let request = self
                .request(Method::POST, path)
                .bearer_auth(token)
                .json(&body);
            tasks.spawn(async move { send(request).await.status });
        }
        let mut statuses = tasks.join_all().await;
        statuses.sort_unstable();
        statuses
    }

    /// Proof that the server still answers normally: `admin` lists subjects.
    pub(crate) async fn assert_serving(&self) {
        self.get(&self.admin_token, "/v1/subjects").await.ok(200);
    }

    /// Writes `raw` on a new connection and returns the status of the answer (0 when the
    /// server closed the connection without one).
    pub(crate) async fn raw(&self, raw: &[u8]) -> u16 {
        let exchange = async {
            let address = self.base.trim_start_matches("http://");
            let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
            stream.write_all(raw).await.unwrap();
            let mut answer = Vec::new();
            let mut chunk = [0u8; 4096];
            while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => answer.extend_from_slice(&chunk[..read]),
                }
            }
            answer
        };
        let answer = tokio::time::timeout(REQUEST_DEADLINE, exchange)
            .await
            .expect("the server answers raw requests in time");
        let status_line = String::from_utf8_lossy(&answer);
        status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }
}

/// Starts a server on `backend` with `vars`, runs `case` against it, and stops it; does
/// nothing when the backend is not available (see [`TestServer::start`]).
pub(crate) async fn run(
    backend: Backend,
    vars: &[(&str, &str)],
    case: impl AsyncFnOnce(&TestServer),
) {
    let Some(server) = TestServer::start(backend, vars).await else {
        return;
    };
    case(&server).await;
    server.stop().await;
}

/// Sends `request` and reads the whole response.
pub(crate) async fn send(request: reqwest::RequestBuilder) -> Reply {
    let (client, request) = request.build_split();
    let request = request.expect("a valid request");
    let url = request.url();
    let target = format!(
        "{}{}",
        url.path(),
        url.query().map_or(String::new(), |q| format!("?{q}"))
    );
    let shown: String = target.chars().take(120).collect();
    let mut described = format!("{} {shown}", request.method());
    let headers = request.headers();
    for (name, value) in [
        ("origin", headers.get("origin")),
        ("authorization", headers.get("authorization")),
    ] {
        if let Some(value) = value {
            described.push_str(&format!(" {name}={:?}", abbreviated(value.as_bytes())));
        }
    }
    if let Some(body) = request.body().and_then(reqwest::Body::as_bytes) {
        described.push_str(&format!(" body={:?}", abbreviated(body)));
    }
    let response = client.execute(request).await.expect("a response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a readable body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        request: described,
        status,
        headers,
        body,
        text,
    }
}

/// The first 60 bytes of `bytes` as text, for messages.
fn abbreviated(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned()
}

impl Reply {
    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub(crate) fn ok(self, status: u16) -> Value {
        self.expect(status);
        self.body
    }

    /// Asserts the status and returns the reply, for its headers.
    #[track_caller]
    pub(crate) fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "{}: {}", self.request, self.text);
        self
    }

    /// Asserts an error answer: the status, and a JSON body with this code and a message.
    #[track_caller]
    pub(crate) fn refused(&self, status: u16, code: &str) -> &Self {
        assert_eq!(
            (self.status, self.body["error"]["code"].as_str()),
            (status, Some(code)),
            "{}: {}",
            self.request,
            self.text
        );
        let message = self.body["error"]["message"].as_str();
        assert!(
            message.is_some_and(|m| !m.is_empty()),
            "{}: {}",
            self.request,
            self.text
        );
        self
    }

    /// Asserts the `WWW-Authenticate` value (`None`: no such header).
    #[track_caller]
    pub(crate) fn challenged(&self, expected: Option<&str>) -> &Self {
        let found = self.header(WWW_AUTHENTICATE.as_str());
        assert_eq!(found, expected, "{}", self.request);
        self
    }

    /// 401 `missing_token` with the plain challenge.
    #[track_caller]
    pub(crate) fn missing_token(&self) {
        self.refused(401, "missing_token")
            .challenged(Some(CHALLENGE));
    }

    /// 401 `invalid_token` with its challenge.
    #[track_caller]
    pub(crate) fn invalid_token(&self) {
        self.refused(401, "invalid_token")
            .challenged(Some(INVALID_TOKEN));
    }

    /// 403 `insufficient_scope` with its challenge.
    #[track_caller]
    pub(crate) fn insufficient_scope(&self) {
        self.refused(403, "insufficient_scope")
            .challenged(Some(INSUFFICIENT_SCOPE));
    }

    /// 403 `not_a_writer`, without a challenge.
    #[track_caller]
    pub(crate) fn not_a_writer(&self) {
        self.refused(403, "not_a_writer").challenged(None);
    }

    /// The header's value as text, if present.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    /// Every value of a header, in order.
    pub(crate) fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap())
            .collect()
    }
}

/// The keys of a JSON object, sorted.
#[track_caller]
pub(crate) fn keys(object: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = object
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// A JSON string's text.
#[track_caller]
pub(crate) fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

/// A token of `scope` for `user` on the database at `database_url`, created as `mint` does.
async fn mint(database_url: &str, user: &str, role: Role, scope: Scope) -> String {
    api::mint_bootstrap(database_url, user, role, &unique_name("minted"), scope)
        .await
        .expect("minted token")
}

/// The server's settings from `vars`, on `database_url`, on a free loopback port.
pub(crate) fn settings(
    database_url: &str,
    vars: &[(&str, &str)],
) -> Result<api::Settings, Vec<String>> {
    api::Settings::from_vars(|name| match name {
        "TOLLGATE_ADDR" => Some("127.0.0.1:0".to_owned()),
        "DATABASE_URL" => Some(database_url.to_owned()),
        _ => vars
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned()),
    })
}

/// A name no other test (or test run) uses.
pub(crate) fn unique_name(kind: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "tollgate_{kind}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh SQLite database file in the temporary directory.
pub(crate) fn sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name("server")));
    format!("sqlite://{}", path.display())
}

/// A freshly created, empty database on the server named by `TOLLGATE_TEST_POSTGRES_URL`.
pub(crate) async fn postgres_database_url() -> Option<String> {
    let Ok(admin_url) = std::env::var("TOLLGATE_TEST_POSTGRES_URL") else {
        eprintln!("skipped: TOLLGATE_TEST_POSTGRES_URL is not set");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = unique_name("db");
    let mut admin = AnyConnection::connect(&admin_url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url.as_str(), None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    Some(match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    })
}
