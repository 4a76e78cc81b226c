//! The requests tests send: any method with or without a token, raw bodies and request
//! lines, and the setup steps most tests share (users, tokens, records, writers).

use http::{HeaderValue, Method};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tollgate::scope::{Role, Scope};

use super::{REQUEST_DEADLINE, Reply, TestServer, mint, send, text, unique_name};

impl TestServer {
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

    /// `method path` with `token` and, when given, a JSON body, sent from `origin` as a page
    /// there would send it.
    pub(crate) async fn call_from(
        &self,
        origin: &str,
        method: Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .request(method, path)
            .bearer_auth(token)
            .header("origin", origin);
        if let Some(body) = body {
            request = request.json(&body);
        }
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

    /// `POST path` as `admin` once per body, all at once: asserts that exactly one is
    /// created (201) and every other is a duplicate (409), as when the bodies all name one
    /// thing.
    pub(crate) async fn assert_one_created(&self, path: &str, bodies: Vec<Value>) {
        let mut tasks = tokio::task::JoinSet::new();
        for body in bodies {
            let request = self
                .request(Method::POST, path)
                .bearer_auth(&self.admin_token)
                .json(&body);
            tasks.spawn(async move { send(request).await.status });
        }
        let mut statuses = tasks.join_all().await;
        statuses.sort_unstable();
        let mut expected = vec![409; statuses.len()];
        expected[0] = 201;
        assert_eq!(statuses, expected, "POST {path}");
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
