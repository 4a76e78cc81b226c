//! docs/server-api.md "Leaked tokens": `POST /v1/secret-scanning/reports`, signed by a reporter
//! key of the tests' own (ECDSA P-256 over the raw body, the key list given as the server's
//! setting): a report's working tokens are revoked and audited with the report's URL, every
//! token is labelled as the partner program asks, and a report whose signature does not verify
//! changes nothing.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};
use tollgate::token::{TokenFormat, TokenHash};

use crate::support::{Backend, Reply, TestServer, send, text};

/// The reporter's key, from fixed bytes (any value below the group order is a key).
fn reporter() -> SigningKey {
    SigningKey::from_slice(&[7; 32]).unwrap()
}

const KEY_ID: &str = "test-key-1";
const URL: &str = "https://github.com/octo/app/blob/main/.env";

/// The reporter's key list, as the service publishes it.
fn key_list() -> String {
    let pem = p256::PublicKey::from(reporter().verifying_key())
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    json!({"public_keys": [{"key_identifier": KEY_ID, "key": pem, "is_current": true}]}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let keys = key_list();
    let vars = [("TOLLGATE_SECRET_SCANNING_KEYS", keys.as_str())];
    crate::support::run(Backend::Sqlite, &vars, reports_revoke_leaked_tokens).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn postgres() {
    let keys = key_list();
    let vars = [("TOLLGATE_SECRET_SCANNING_KEYS", keys.as_str())];
    crate::support::run(Backend::Postgres, &vars, reports_revoke_leaked_tokens).await;
}

/// `body` posted as a report, with these key id and signature fields.
async fn post_report(server: &TestServer, body: &[u8], key_id: &str, signature: &str) -> Reply {
    let request = server
        .request(http::Method::POST, "/v1/secret-scanning/reports")
        .header("github-public-key-identifier", key_id)
        .header("github-public-key-signature", signature)
        .header("content-type", "application/json")
        .body(body.to_vec());
    send(request).await
}

/// The reporter's signature of `body`, as the signature field carries it.
fn signature(body: &[u8]) -> String {
    let signature: DerSignature = reporter().sign(body);
    STANDARD.encode(signature.as_bytes())
}

/// A report of these tokens, as the service sends it.
fn report(tokens: &[&str]) -> Vec<u8> {
    let items: Vec<Value> = tokens
        .iter()
        .map(|token| json!({"token": token, "type": "tollgate_secret", "url": URL, "source": "content"}))
        .collect();
    serde_json::to_vec(&items).unwrap()
}

/// A new token of the admin's named `name`: its secret.
async fn new_token(server: &TestServer, name: &str) -> String {
    let body = json!({"name": name});
    let created = server.post(&server.admin_token, "/v1/tokens", body).await;
    text(&created.ok(201)["token"])
}

async fn reports_revoke_leaked_tokens(server: &TestServer) {
    let leaked = new_token(server, "leaked").await;
    let ended = new_token(server, "ended").await;
    server
        .revocation(&server.admin_token, &ended, "revoke")
        .await
        .ok(200);
    let unknown = TokenFormat::new("tgsk").unwrap().mint().unwrap();
    let unknown = unknown.secret.expose_secret().to_owned();
    let malformed = "tgsk_notatoken";
    // The leaked token twice: looked up, revoked and audited once.
    let body = report(&[&leaked, &ended, &unknown, malformed, &leaked]);

    // A report that does not verify changes nothing: tampered, another key, no signature.
    let mut tampered = body.clone();
    tampered[3] ^= 1;
    let refusals = [
        post_report(server, &tampered, KEY_ID, &signature(&body)).await,
        post_report(server, &body, "another-key", &signature(&body)).await,
        post_report(server, &body, KEY_ID, "bm90IGEgc2lnbmF0dXJl").await,
    ];
    for refused in &refusals {
        refused.refused(401, "invalid_report_signature");
    }
    let unsigned = server
        .request(http::Method::POST, "/v1/secret-scanning/reports")
        .body(body.clone());
    send(unsigned)
        .await
        .refused(401, "invalid_report_signature");
    server.get(&leaked, "/v1/tokens/current").await.ok(200);

    // A signed report: the working token is revoked, each token labelled by its hash.
    let answer = post_report(server, &body, KEY_ID, &signature(&body))
        .await
        .ok(200);
    let expected: Vec<Value> = [
        (&leaked[..], "true_positive"),
        (&ended[..], "true_positive"),
        (&unknown[..], "false_positive"),
        (malformed, "false_positive"),
        (&leaked[..], "true_positive"),
    ]
    .iter()
    .map(|(token, label)| {
        json!({"token_hash": TokenHash::of(token).to_string(), "token_type": "tollgate_secret", "label": label})
    })
    .collect();
    assert_eq!(answer, json!(expected));
    assert!(
        !answer.to_string().contains(&leaked),
        "the answer echoes a token"
    );
    server
        .get(&leaked, "/v1/tokens/current")
        .await
        .refused(401, "invalid_token");

    let audit = server
        .get(&server.admin_token, "/v1/audit?action=token_leaked")
        .await
        .ok(200);
    let outcomes: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            format!("already inactive; found in content at {URL}"),
            format!("revoked; found in content at {URL}"),
        ]
    );

    // A signed body that is no report, and one over the size a report may have.
    let not_a_report = br#"{"token": "x"}"#;
    post_report(server, not_a_report, KEY_ID, &signature(not_a_report))
        .await
        .refused(400, "invalid_report");
    let many = report(&vec!["tgsk_x"; 1001]);
    let refused = post_report(server, &many, KEY_ID, &signature(&many)).await;
    refused.refused(413, "payload_too_large");
    assert_eq!(
        refused.body["error"]["message"],
        "the report holds more than 1000 tokens"
    );
    let huge = vec![b' '; 1024 * 1024 + 1];
    post_report(server, &huge, KEY_ID, &signature(&huge))
        .await
        .refused(413, "payload_too_large");
}

/// Without reporter keys there is no report route: the request is one more unauthenticated
/// request, and revokes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_reporter_keys_there_is_no_report_route() {
    let server = TestServer::start(Backend::Sqlite, &[]).await;
    let leaked = new_token(&server, "leaked").await;
    let body = report(&[&leaked]);
    post_report(&server, &body, KEY_ID, &signature(&body))
        .await
        .missing_token();
    server.get(&leaked, "/v1/tokens/current").await.ok(200);
    server.stop().await;
}

/// A key list that is not valid, or given twice, keeps the server from starting.
#[test]
fn reporter_keys_are_checked_at_start() {
    let problems = |vars: &[(&str, &str)]| {
        crate::support::settings("sqlite://unused.db", vars)
            .err()
            .unwrap_or_default()
    };
    let bad = problems(&[("TOLLGATE_SECRET_SCANNING_KEYS", r#"{"public_keys": []}"#)]);
    assert!(
        bad.iter()
            .any(|problem| problem.starts_with("TOLLGATE_SECRET_SCANNING_KEYS: ")),
        "{bad:?}"
    );
    let keys = key_list();
    let both = problems(&[
        ("TOLLGATE_SECRET_SCANNING_KEYS", &keys),
        ("TOLLGATE_SECRET_SCANNING_KEYS_FILE", "/nonexistent"),
    ]);
    assert!(
        both.iter().any(|problem| problem.contains("not both")),
        "{both:?}"
    );
    let missing = problems(&[(
        "TOLLGATE_SECRET_SCANNING_KEYS_FILE",
        "/nonexistent/keys.json",
    )]);
    assert!(
        missing
            .iter()
            .any(|problem| problem.starts_with("TOLLGATE_SECRET_SCANNING_KEYS_FILE=")),
        "{missing:?}"
    );
    let long = std::env::temp_dir().join(format!("keys-{}.json", std::process::id()));
    std::fs::write(&long, " ".repeat(512 * 1024 + 1)).unwrap();
    let too_long = problems(&[("TOLLGATE_SECRET_SCANNING_KEYS_FILE", long.to_str().unwrap())]);
    std::fs::remove_file(&long).unwrap();
    assert!(
        too_long
            .iter()
            .any(|problem| problem
                .ends_with("the file is longer than a key list may be (524288 bytes)")),
        "{too_long:?}"
    );
    assert!(problems(&[("TOLLGATE_SECRET_SCANNING_KEYS", &keys)]).is_empty());
}
