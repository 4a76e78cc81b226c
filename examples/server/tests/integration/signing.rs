//! docs/server-api.md "Signed requests": a token with a `signing_key` is accepted only on
//! requests signed with it (HTTP Message Signatures, RFC 9421, signed here by tollgate-sign's
//! signer as a client would), and every other request with it is refused with its code: 401
//! `signature_required`, `invalid_signature`, `signature_expired` or `replayed_request`, the
//! challenge naming it. Signing keys narrow like the other limits.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{Value, json};
use tollgate::sign::{Request, Signer, SigningKey};

use crate::support::{Reply, TestServer, send, text};

on_every_backend![
    a_signed_request_is_accepted_and_every_other_refused,
    signing_keys_narrow_like_the_other_limits,
    a_new_users_first_token_takes_the_key_it_is_given,
];

/// A token bound to a key pair whose private half only this client holds.
struct SigningClient {
    token: String,
    id: String,
    key: SigningKey,
}

/// The request's signed headers and body, before they are sent.
struct Signed {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

fn signing_key_json(key: &SigningKey) -> Value {
    json!({"alg": "ed25519", "public_key": STANDARD.encode(key.public_key().unwrap())})
}

impl SigningClient {
    /// A new full-scope token of the admin's, bound to a new key.
    async fn new(server: &TestServer) -> Self {
        let key = SigningKey::generate_ed25519().unwrap();
        let body =
            json!({"name": "signed", "scope": "full", "signing_key": signing_key_json(&key)});
        let created = server
            .post(&server.admin_token, "/v1/tokens", body)
            .await
            .ok(201);
        assert_eq!(created["signing_key"], signing_key_json(&key));
        Self {
            token: text(&created["token"]),
            id: created["id"].to_string(),
            key,
        }
    }

    /// `method path` with `body` (JSON when not empty), signed by `key` under `key_id` at
    /// `created`, covering the default components and `content-type` when there is a body.
    fn sign_as(
        &self,
        server: &TestServer,
        key: &SigningKey,
        key_id: &str,
        (method, path, body): (Method, &str, &[u8]),
        created: u64,
    ) -> Signed {
        let mut signer = Signer::new(key_id, key.clone()).unwrap();
        let mut headers = HeaderMap::new();
        if !body.is_empty() {
            headers.insert("content-type", HeaderValue::from_static("application/json"));
            signer = signer.covering("content-type").unwrap();
        }
        let url = server.url(path);
        let authority = url.trim_start_matches("http://").split('/').next().unwrap();
        let request = Request {
            method: method.as_str(),
            scheme: "http",
            authority,
            path_and_query: path,
        };
        signer.sign(&request, &mut headers, body, created).unwrap();
        Signed {
            method,
            path: path.to_owned(),
            headers,
            body: body.to_vec(),
        }
    }

    fn sign(&self, server: &TestServer, request: (Method, &str, &[u8])) -> Signed {
        self.sign_as(server, &self.key, &self.id, request, now())
    }

    async fn send(&self, server: &TestServer, signed: &Signed) -> Reply {
        let request = server
            .request(signed.method.clone(), &signed.path)
            .bearer_auth(&self.token)
            .headers(signed.headers.clone())
            .body(signed.body.clone());
        send(request).await
    }
}

/// Asserts a 401 refusal by signature with `code`, named in the challenge.
#[track_caller]
fn refused(reply: &Reply, code: &str) {
    reply
        .refused(401, code)
        .challenged(Some(&format!(r#"Bearer realm="tollgate", error="{code}""#)));
}

async fn a_signed_request_is_accepted_and_every_other_refused(server: &TestServer) {
    let client = SigningClient::new(server).await;
    let get = (Method::GET, "/v1/tokens/current", &b""[..]);
    let signed = client.sign(server, get.clone());
    let current = client.send(server, &signed).await.ok(200);
    assert_eq!(current["name"], "signed");
    // The same request again: its nonce was used.
    refused(&client.send(server, &signed).await, "replayed_request");
    // The token alone, as whoever copied it would send it.
    refused(
        &server.get(&client.token, "/v1/tokens/current").await,
        "signature_required",
    );

    // A body, read once by the signature check and again, from memory, by the handler.
    let body = br#"{"name": "child"}"#;
    let post = (Method::POST, "/v1/tokens", &body[..]);
    let child = client
        .send(server, &client.sign(server, post.clone()))
        .await
        .ok(201);
    assert_eq!(child["name"], "child");

    // Each part changed after signing.
    let mut method = client.sign(server, get.clone());
    method.method = Method::DELETE;
    refused(&client.send(server, &method).await, "invalid_signature");
    let mut path = client.sign(server, get.clone());
    path.path = "/api/tokens/current".to_owned();
    refused(&client.send(server, &path).await, "invalid_signature");
    let mut query = client.sign(server, (Method::GET, "/v1/tokens?limit=5", b""));
    query.path = "/v1/tokens?limit=6".to_owned();
    refused(&client.send(server, &query).await, "invalid_signature");
    let mut header = client.sign(server, (Method::POST, "/v1/tokens", br#"{"name": "c2"}"#));
    header.headers.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    refused(&client.send(server, &header).await, "invalid_signature");
    let mut changed_body = client.sign(server, (Method::POST, "/v1/tokens", br#"{"name": "c3"}"#));
    changed_body.body = br#"{"name": "c4"}"#.to_vec();
    refused(
        &client.send(server, &changed_body).await,
        "invalid_signature",
    );

    // Too old, another key, another token's id.
    let old = client.sign_as(server, &client.key, &client.id, get.clone(), now() - 400);
    refused(&client.send(server, &old).await, "signature_expired");
    let other = SigningKey::generate_ed25519().unwrap();
    let wrong_key = client.sign_as(server, &other, &client.id, get.clone(), now());
    refused(&client.send(server, &wrong_key).await, "invalid_signature");
    let wrong_id = client.sign_as(server, &client.key, "1", get.clone(), now());
    refused(&client.send(server, &wrong_id).await, "signature_required");

    // A signature that leaves out a component the server requires (`@path`).
    let mut partial = client.sign(server, get.clone());
    let created = now();
    let input = format!(
        r#"sig=("@method" "@authority");created={created};keyid="{}";nonce="n-1""#,
        client.id
    );
    partial
        .headers
        .insert("signature-input", HeaderValue::from_str(&input).unwrap());
    let url = server.url("/v1/tokens/current");
    let authority = url.trim_start_matches("http://").split('/').next().unwrap();
    let view = Request {
        method: "GET",
        scheme: "http",
        authority,
        path_and_query: "/v1/tokens/current",
    };
    let base = tollgate::sign::signature_base(&view, &partial.headers, "sig").unwrap();
    let signature = format!("sig=:{}:", STANDARD.encode(client.key.sign(&base)));
    partial
        .headers
        .insert("signature", HeaderValue::from_str(&signature).unwrap());
    let reply = client.send(server, &partial).await;
    refused(&reply, "invalid_signature");
    assert!(
        text(&reply.body["error"]["message"]).contains("@path"),
        "{}",
        reply.body
    );

    // Refusals used up nothing, and the token still works signed.
    client
        .send(server, &client.sign(server, get))
        .await
        .expect(200);
}

async fn signing_keys_narrow_like_the_other_limits(server: &TestServer) {
    let client = SigningClient::new(server).await;
    // A child asking for nothing inherits its parent's key: only the parent's key signs for it.
    let body = br#"{"name": "inherits", "scope": "full"}"#;
    let inherits = client
        .send(
            server,
            &client.sign(server, (Method::POST, "/v1/tokens", body)),
        )
        .await
        .ok(201);
    assert_eq!(inherits["signing_key"], signing_key_json(&client.key));
    let child = SigningClient {
        token: text(&inherits["token"]),
        id: inherits["id"].to_string(),
        key: client.key.clone(),
    };
    refused(
        &server.get(&child.token, "/v1/tokens/current").await,
        "signature_required",
    );
    child
        .send(
            server,
            &child.sign(server, (Method::GET, "/v1/tokens/current", b"")),
        )
        .await
        .expect(200);

    // A child with a key of its own: that key signs for it, the parent's does not.
    let own = SigningKey::generate_ed25519().unwrap();
    let body = json!({"name": "own key", "signing_key": signing_key_json(&own)}).to_string();
    let created = client
        .send(
            server,
            &client.sign(server, (Method::POST, "/v1/tokens", body.as_bytes())),
        )
        .await
        .ok(201);
    assert_eq!(created["signing_key"], signing_key_json(&own));
    let token = text(&created["token"]);
    let id = created["id"].to_string();
    let with_own = SigningClient {
        token: token.clone(),
        id: id.clone(),
        key: own,
    };
    with_own
        .send(
            server,
            &with_own.sign(server, (Method::GET, "/v1/tokens/current", b"")),
        )
        .await
        .expect(200);
    let by_parent_key = SigningClient {
        token,
        id,
        key: client.key.clone(),
    };
    let reply = by_parent_key
        .send(
            server,
            &by_parent_key.sign(server, (Method::GET, "/v1/tokens/current", b"")),
        )
        .await;
    refused(&reply, "invalid_signature");

    // An unsigned token's children are unsigned unless they ask; bad keys are refused.
    let plain = server
        .post(&server.admin_token, "/v1/tokens", json!({"name": "plain"}))
        .await
        .ok(201);
    assert_eq!(plain["signing_key"], Value::Null);
    for (key, why) in [
        (
            json!({"alg": "rsa-pss-sha512", "public_key": STANDARD.encode([1; 32])}),
            "algorithm",
        ),
        (
            json!({"alg": "ed25519", "public_key": STANDARD.encode([1; 31])}),
            "length",
        ),
        (
            json!({"alg": "ed25519", "public_key": "not base64"}),
            "encoding",
        ),
    ] {
        let reply = server
            .post(
                &server.admin_token,
                "/v1/tokens",
                json!({"name": "bad", "signing_key": key}),
            )
            .await;
        reply.refused(400, "invalid_signing_key");
        assert!(reply.header("www-authenticate").is_none(), "{why}");
    }
}

/// `POST /v1/users` with `body`, signed by `admin`; the answer.
async fn new_user(server: &TestServer, admin: &SigningClient, body: Value) -> Value {
    let body = body.to_string().into_bytes();
    let signed = admin.sign(server, (Method::POST, "/v1/users", &body));
    admin.send(server, &signed).await.ok(201)
}

async fn a_new_users_first_token_takes_the_key_it_is_given(server: &TestServer) {
    let admin = SigningClient::new(server).await;
    // Given a key, the new user's token is bound to it: the user signs with their own key.
    let key = SigningKey::generate_ed25519().unwrap();
    let created = new_user(
        server,
        &admin,
        json!({"name": "bob", "role": "editor", "signing_key": signing_key_json(&key)}),
    )
    .await;
    let bob = SigningClient {
        token: text(&created["token"]),
        id: created["token_id"].to_string(),
        key,
    };
    refused(
        &server.get(&bob.token, "/v1/tokens/current").await,
        "signature_required",
    );
    let current = bob
        .send(
            server,
            &bob.sign(server, (Method::GET, "/v1/tokens/current", b"")),
        )
        .await
        .ok(200);
    assert_eq!(
        (&current["user"], &current["signing_key"]),
        (&json!("bob"), &signing_key_json(&bob.key))
    );
    // Without one, it keeps the creating token's key: never less bound than its creator.
    let created = new_user(server, &admin, json!({"name": "carol", "role": "reader"})).await;
    let carol = SigningClient {
        token: text(&created["token"]),
        id: created["token_id"].to_string(),
        key: admin.key.clone(),
    };
    refused(
        &server.get(&carol.token, "/v1/tokens/current").await,
        "signature_required",
    );
    carol
        .send(
            server,
            &carol.sign(server, (Method::GET, "/v1/tokens/current", b"")),
        )
        .await
        .expect(200);
}
