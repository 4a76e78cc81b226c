//! Interoperability with an independent implementation of RFC 9421: the PyPI package
//! `http-message-signatures` 3.0.0 (pyauth), driven through `tests/interop/peer.py`. Requests it
//! signs pass [`Verifier`]'s default policy, requests [`Signer`] signs pass its verifier, and
//! both sides build the same signature base, byte for byte; a tampered copy fails on each side.
//!
//! The tests need a Python with the package: `TOLLGATE_INTEROP_PYTHON` names it, and
//! `tests/interop/setup.sh` makes one (`.ci/run` does). They are ignored by default and fail,
//! never skip, when run without it. Keys are fixed, so every signature the peer makes is
//! reproducible; [`Signer`]'s nonces are random, and the peer's verifier reads the clock.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use tollgate_sign::{
    Request, Signer, SigningKey, Verifier, VerifyError, VerifyingKey, signature_base,
};

/// RFC 8032's first Ed25519 test key (section 7.1, TEST 1).
const ED25519_SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];
const HMAC_SECRET: &[u8] = b"tollgate-sign interop secret, 32 bytes or more";
const KEY_ID: &str = "interop-key";
/// `created` of the peer's signatures; [`Verifier`] is told it is now.
const CREATED: u64 = 1_700_000_000;

#[derive(Clone, Copy, Debug)]
enum Alg {
    Ed25519,
    HmacSha256,
}

impl Alg {
    fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ed25519",
            Self::HmacSha256 => "hmac-sha256",
        }
    }

    fn signing_key(self) -> SigningKey {
        match self {
            Self::Ed25519 => SigningKey::ed25519(&ED25519_SEED),
            Self::HmacSha256 => SigningKey::hmac_sha256(HMAC_SECRET).unwrap(),
        }
    }

    /// The key bytes the peer signs with: the seed, or the secret.
    fn private_bytes(self) -> Vec<u8> {
        match self {
            Self::Ed25519 => ED25519_SEED.to_vec(),
            Self::HmacSha256 => HMAC_SECRET.to_vec(),
        }
    }

    /// The key bytes the peer verifies with: the public key, or the secret.
    fn public_bytes(self) -> Vec<u8> {
        match self {
            Self::Ed25519 => self.signing_key().public_key().unwrap().to_vec(),
            Self::HmacSha256 => HMAC_SECRET.to_vec(),
        }
    }

    fn verifying_key(self) -> VerifyingKey {
        match self {
            Self::Ed25519 => VerifyingKey::ed25519(&self.public_bytes()).unwrap(),
            Self::HmacSha256 => VerifyingKey::hmac_sha256(HMAC_SECRET).unwrap(),
        }
    }
}

/// A request as both sides see it.
#[derive(Clone, Debug)]
struct Exchange {
    method: &'static str,
    authority: &'static str,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Exchange {
    fn get() -> Self {
        Self {
            method: "GET",
            authority: "api.example.com",
            target: "/v1/items?colour=blue&sort=-created".to_owned(),
            headers: vec![("Accept".to_owned(), "application/json".to_owned())],
            body: Vec::new(),
        }
    }

    fn post() -> Self {
        Self {
            method: "POST",
            authority: "api.example.com:8443",
            target: "/v1/items".to_owned(),
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: br#"{"name": "widget", "count": 3}"#.to_vec(),
        }
    }

    fn request(&self) -> Request<'_> {
        Request {
            method: self.method,
            scheme: "https",
            authority: self.authority,
            path_and_query: &self.target,
        }
    }

    fn url(&self) -> String {
        format!("https://{}{}", self.authority, self.target)
    }

    fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn set_headers(&mut self, map: &HeaderMap) {
        self.headers = map
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
    }

    /// What [`Verifier`]'s default policy requires this request to cover, less
    /// `content-digest`, which the peer adds itself for a body.
    fn components(&self) -> Vec<&'static str> {
        let mut components = vec!["@method", "@authority", "@path"];
        if self.target.contains('?') {
            components.push("@query");
        }
        components
    }

    /// The same request for another path: what a signature must not carry over to.
    fn with_path_changed(&self) -> Self {
        let mut tampered = self.clone();
        tampered.target = tampered.target.replacen("/items", "/admin", 1);
        assert_ne!(tampered.target, self.target);
        tampered
    }

    fn with_body_changed(&self) -> Self {
        let mut tampered = self.clone();
        tampered.body = br#"{"name": "widget", "count": 300}"#.to_vec();
        tampered
    }

    /// The fields of a peer request, with `command`'s.
    fn to_peer(&self, alg: Alg, key: &[u8], command: Value) -> Value {
        let mut input = json!({
            "method": self.method,
            "url": self.url(),
            "headers": self.headers,
            "body": STANDARD.encode(&self.body),
            "alg": alg.name(),
            "key": hex(key),
            "key_id": KEY_ID,
        });
        let (Value::Object(fields), Value::Object(more)) = (&mut input, command) else {
            unreachable!("both are objects");
        };
        fields.extend(more);
        input
    }

    /// [`Verifier::verify`] with a fresh verifier, at [`CREATED`] + 1 s.
    fn verify_here(&self, alg: Alg) -> Result<(), VerifyError> {
        Verifier::new().verify(
            &self.request(),
            &self.header_map(),
            &self.body,
            KEY_ID,
            &alg.verifying_key(),
            CREATED + 1,
        )
    }

    /// Our signature base for the signature labelled `label`.
    fn our_base(&self, label: &str) -> String {
        let base = signature_base(&self.request(), &self.header_map(), label).unwrap();
        String::from_utf8(base).unwrap()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Runs `peer.py` on one JSON request with the interpreter `TOLLGATE_INTEROP_PYTHON` names.
fn peer(input: &Value) -> Value {
    let python = std::env::var_os("TOLLGATE_INTEROP_PYTHON").unwrap_or_else(|| {
        panic!(
            "this test needs TOLLGATE_INTEROP_PYTHON: a Python with http-message-signatures \
             3.0.0; crates/tollgate-sign/tests/interop/setup.sh makes one and prints its path"
        )
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/peer.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", python.to_string_lossy()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "peer.py failed ({}) on {input}:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The peer signs `exchange` covering `components`, with a fixed `created` and nonce; returns
/// the signed request and the signature base the peer signed.
fn peer_signs(exchange: &Exchange, alg: Alg, components: &[&str]) -> (Exchange, String) {
    let signed = peer(&exchange.to_peer(
        alg,
        &alg.private_bytes(),
        json!({
            "command": "sign",
            "created": CREATED,
            "nonce": format!("interop-{}-{}", alg.name(), exchange.method),
            "components": components,
        }),
    ));
    let mut exchange = exchange.clone();
    exchange.headers = serde_json::from_value(signed["headers"].clone()).unwrap();
    (exchange, signed["base"].as_str().unwrap().to_owned())
}

/// The peer verifies `exchange`, requiring `require` to be covered: `Ok(base)` with the
/// signature base it checked, or `Err(why)`.
fn peer_verifies(exchange: &Exchange, alg: Alg, require: &[&str]) -> Result<String, String> {
    let verdict = peer(&exchange.to_peer(
        alg,
        &alg.public_bytes(),
        json!({ "command": "verify", "require": require }),
    ));
    match verdict["ok"].as_bool() {
        Some(true) => Ok(verdict["base"].as_str().unwrap().to_owned()),
        _ => Err(verdict["error"].as_str().unwrap().to_owned()),
    }
}

/// Cases (a) and (b): what the peer signs passes [`Verifier`]'s default policy, with the same
/// signature base on both sides; a changed path, or body, is refused.
fn peer_signs_and_we_verify(alg: Alg) {
    for exchange in [Exchange::get(), Exchange::post()] {
        let (signed, their_base) = peer_signs(&exchange, alg, &exchange.components());
        let input = &signed.header_map()["signature-input"];
        assert!(
            input.to_str().unwrap().contains("created=1700000000"),
            "{input:?}"
        );
        if !exchange.body.is_empty() {
            assert!(
                input.to_str().unwrap().contains("\"content-digest\""),
                "{input:?}"
            );
        }
        assert_eq!(
            signed.our_base("pyhms"),
            their_base,
            "{alg:?} {}: the signature bases differ",
            exchange.method
        );
        assert_eq!(
            signed.verify_here(alg),
            Ok(()),
            "{alg:?} {}: {signed:#?}",
            exchange.method
        );

        assert_eq!(
            signed.with_path_changed().verify_here(alg),
            Err(VerifyError::Mismatch),
            "{alg:?} {}",
            exchange.method
        );
        if !exchange.body.is_empty() {
            assert!(
                matches!(
                    signed.with_body_changed().verify_here(alg),
                    Err(VerifyError::Digest(_))
                ),
                "{alg:?}: a changed body passed"
            );
        }
    }
}

/// Case (c): what [`Signer`] signs (now, with a random nonce) passes the peer's verifier, which
/// builds the same signature base; a changed path, or body, fails there.
fn we_sign_and_peer_verifies(alg: Alg) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signer = Signer::new(KEY_ID, alg.signing_key()).unwrap();
    for exchange in [Exchange::get(), Exchange::post()] {
        let mut headers = exchange.header_map();
        signer
            .sign(&exchange.request(), &mut headers, &exchange.body, now)
            .unwrap();
        let mut signed = exchange.clone();
        signed.set_headers(&headers);
        let mut require = exchange.components();
        if !exchange.body.is_empty() {
            require.push("content-digest");
        }

        let their_base = peer_verifies(&signed, alg, &require).unwrap_or_else(|error| {
            panic!(
                "{alg:?} {}: the peer refused our signature: {error}\nour base:\n{}",
                exchange.method,
                signed.our_base("sig")
            )
        });
        assert_eq!(signed.our_base("sig"), their_base, "{alg:?}");

        let error = peer_verifies(&signed.with_path_changed(), alg, &require).unwrap_err();
        assert!(error.starts_with("InvalidSignature"), "{alg:?}: {error}");
        if !exchange.body.is_empty() {
            let error = peer_verifies(&signed.with_body_changed(), alg, &require).unwrap_err();
            assert!(error.contains("Content-Digest does not match"), "{error}");
        }
    }
}

#[test]
#[ignore = "needs TOLLGATE_INTEROP_PYTHON: a Python with http-message-signatures"]
fn peer_signs_ed25519_and_we_verify() {
    peer_signs_and_we_verify(Alg::Ed25519);
}

#[test]
#[ignore = "needs TOLLGATE_INTEROP_PYTHON: a Python with http-message-signatures"]
fn peer_signs_hmac_sha256_and_we_verify() {
    peer_signs_and_we_verify(Alg::HmacSha256);
}

#[test]
#[ignore = "needs TOLLGATE_INTEROP_PYTHON: a Python with http-message-signatures"]
fn we_sign_ed25519_and_peer_verifies() {
    we_sign_and_peer_verifies(Alg::Ed25519);
}

#[test]
#[ignore = "needs TOLLGATE_INTEROP_PYTHON: a Python with http-message-signatures"]
fn we_sign_hmac_sha256_and_peer_verifies() {
    we_sign_and_peer_verifies(Alg::HmacSha256);
}

/// Every request component both sides support, on requests that test the normalisation rules
/// (the RFC 9421 test request, a host in capitals with the default port, percent-encoding in
/// the path and query, padded and structured fields): the peer's signature base is ours, byte
/// for byte, and [`Verifier`] accepts the signature.
#[test]
#[ignore = "needs TOLLGATE_INTEROP_PYTHON: a Python with http-message-signatures"]
fn signature_bases_agree_on_every_request_component() {
    let every = [
        "@method",
        "@target-uri",
        "@authority",
        "@scheme",
        "@request-target",
        "@path",
        "@query",
        "\"@query-param\";name=\"Pet\"",
        "content-type",
        "x-padded",
        "priority",
        "\"priority\";sf",
        "\"priority\";key=\"u\"",
        "\"x-padded\";bs",
    ];
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-Padded".to_owned(), "  two  spaces, inside ".to_owned()),
        ("Priority".to_owned(), "u=3,   i".to_owned()),
    ];
    let rfc = Exchange {
        method: "POST",
        authority: "example.com",
        target: "/foo?param=Value&Pet=dog".to_owned(),
        headers: headers.clone(),
        body: br#"{"hello": "world"}"#.to_vec(),
    };
    let cased = Exchange {
        method: "GET",
        authority: "Example.COM:443",
        target: "/?Pet=dog".to_owned(),
        headers: headers.clone(),
        body: Vec::new(),
    };
    let encoded = Exchange {
        method: "GET",
        authority: "example.com:8443",
        target: "/a%2Fb/c?q=a%20b+c&Pet=d%C3%B6g%2A&empty=".to_owned(),
        headers,
        body: Vec::new(),
    };
    for (exchange, components) in [
        (rfc, &every[..]),
        // `@authority` lowercases and drops the default port; `@target-uri` is as given.
        (cased, &every[..]),
        (encoded, &every[..]),
    ] {
        for alg in [Alg::Ed25519, Alg::HmacSha256] {
            let (signed, their_base) = peer_signs(&exchange, alg, components);
            assert_eq!(
                signed.our_base("pyhms"),
                their_base,
                "{alg:?} {}: the signature bases differ",
                exchange.url()
            );
            assert_eq!(signed.verify_here(alg), Ok(()), "{}", exchange.url());
        }
    }
}
