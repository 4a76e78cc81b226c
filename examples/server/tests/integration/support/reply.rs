//! An answer, read completely, and the assertions tests make about it.

use http::HeaderMap;
use http::header::WWW_AUTHENTICATE;
use serde_json::Value;

/// The challenge for a request without a token.
pub(crate) const CHALLENGE: &str = r#"Bearer realm="tollgate""#;
/// The challenge for a malformed, unknown, revoked or expired token.
pub(crate) const INVALID_TOKEN: &str = r#"Bearer realm="tollgate", error="invalid_token""#;
/// The challenge for a token whose scope or user's role is too low.
pub(crate) const INSUFFICIENT_SCOPE: &str =
    r#"Bearer realm="tollgate", error="insufficient_scope""#;

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

/// Sends `request` and reads the whole response.
pub(crate) async fn send(request: reqwest::RequestBuilder) -> Reply {
    try_send(request)
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

/// Sends `request` and reads the whole response; a transport error (refused, reset, timed
/// out) is returned, described with the request, rather than failing the test, for tests
/// that count them.
pub(crate) async fn try_send(request: reqwest::RequestBuilder) -> Result<Reply, String> {
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
    let failed = |error: reqwest::Error| format!("{described}: no answer: {error:?}");
    let response = client.execute(request).await.map_err(failed)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.map_err(failed)?;
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(Reply {
        request: described,
        status,
        headers,
        body,
        text,
    })
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
