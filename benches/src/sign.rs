//! `tollgate-sign`: `Verifier::verify` of a request signed by our `Signer` (RFC 9421), next to
//! its floor, the crypto crates alone on the same bytes: the signature checked over the same
//! signature base (`ed25519-dalek`'s `verify_strict`, or `hmac`'s HMAC-SHA256), and for a
//! request with a body, SHA-256 of the body too (`sha2`), since the `Content-Digest` check
//! cannot skip it.

use core::cell::{Cell, RefCell};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signature;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use tollgate_sign::{
    DigestAlgorithm, Request, Signer, SigningKey, Verifier, VerifyingKey, content_digest,
    signature_base,
};

use super::{DISTINCT_INPUTS, Workload, same};

/// The time every request is signed and verified at (Unix seconds): 2026-01-01. Fixed, so no
/// signature grows too old while measured.
const NOW: u64 = 1_767_225_600;

/// The key id the client signs under.
const KEY_ID: &str = "client-7";

/// The label `Signer` writes in `Signature-Input` and `Signature`.
const LABEL: &str = "sig";

/// How many nonces the measured verifier may remember: more than any run verifies, so it
/// never refuses a request as `Busy`. The memory is not reserved, it grows with what is
/// remembered (at most about 36 bytes a nonce; a full report verifies some tens of thousands).
const NONCE_ROOM: usize = 1 << 40;

/// The signature algorithm of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignAlgorithm {
    /// `ed25519`, checked with `verify_strict`.
    Ed25519,
    /// `hmac-sha256`, with a 32-byte shared secret.
    HmacSha256,
}

/// Which request is signed and verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignCase {
    /// `GET /v1/records/42?fields=name`: `@method`, `@authority`, `@path` and `@query`
    /// covered, no body.
    Get,
    /// `POST /v1/records` with a 1 KiB JSON body: `content-digest` covered too, and checked
    /// against the body.
    Post1k,
}

impl SignCase {
    fn request(self) -> Request<'static> {
        let (method, path_and_query) = match self {
            SignCase::Get => ("GET", "/v1/records/42?fields=name"),
            SignCase::Post1k => ("POST", "/v1/records"),
        };
        Request {
            method,
            scheme: "https",
            authority: "api.example.com",
            path_and_query,
        }
    }

    /// The body: none for the GET, 1,024 bytes of JSON for the POST.
    fn body(self) -> Vec<u8> {
        match self {
            SignCase::Get => Vec::new(),
            SignCase::Post1k => json_body(1024),
        }
    }

    /// The request's header fields before signing, as a client sends them.
    fn headers(self, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "api.example.com"),
            ("user-agent", "example-client/1.4.2"),
            ("accept", "application/json"),
            ("accept-encoding", "gzip, br"),
            (
                "authorization",
                "Bearer tg_9fQ2xV7bL4mK1sR8tW3yZ6cH0dJ5nP2aE7uG4iB1oX9qM",
            ),
            ("x-request-id", "0b7e3f52-6c1d-4e8a-9a35-2f4d1c6b8e90"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        if !body.is_empty() {
            headers.insert("content-type", HeaderValue::from_static("application/json"));
            headers.insert("content-length", HeaderValue::from(body.len()));
        }
        headers
    }
}

/// A JSON object of exactly `size` bytes: a record with a few fields and a padded note.
fn json_body(size: usize) -> Vec<u8> {
    let head = r#"{"id":42,"name":"Weather station 42","owner":"team-observatory","tags":["outdoor","calibrated","rooftop"],"readings":[12.5,12.7,13.1,12.9,12.4],"note":""#;
    let tail = r#""}"#;
    let pad = size - head.len() - tail.len();
    let note = "lorem ipsum dolor sit amet ".repeat(pad / 27 + 1);
    format!("{head}{}{tail}", &note[..pad]).into_bytes()
}

/// The signing side of a comparison: the client's key and signer, and the request it signs.
struct Client {
    case: SignCase,
    key: SigningKey,
    signer: Signer,
    body: Vec<u8>,
}

impl Client {
    fn new(algorithm: SignAlgorithm, case: SignCase) -> Self {
        let key = match algorithm {
            SignAlgorithm::Ed25519 => SigningKey::ed25519(&[7; 32]),
            SignAlgorithm::HmacSha256 => SigningKey::hmac_sha256(&[7; 32]).expect("32 bytes"),
        };
        Self {
            case,
            signer: Signer::new(KEY_ID, key.clone()).expect("a valid key id"),
            key,
            body: case.body(),
        }
    }

    /// The request's header fields, signed now: a fresh random nonce every time.
    fn signed(&self) -> HeaderMap {
        let mut headers = self.case.headers(&self.body);
        self.signer
            .sign(&self.case.request(), &mut headers, &self.body, NOW)
            .expect("the request can be signed");
        headers
    }
}

/// Ours: `Verifier::verify` with the default policy (the components covered, `created`, `alg`,
/// signature over the base built from the request, `Content-Digest` against the body, nonce
/// remembered).
///
/// The verifier refuses a nonce it has seen, so every iteration verifies a request of its own:
/// `input` signs a fresh one (a new random nonce) before the clock starts. One verifier serves
/// the whole measurement, its nonce memory growing with every request verified, as a server's
/// does until its window is full: the timed part includes the inserts into that memory and its
/// occasional growth, which a fresh verifier per batch would hide. Its room (`NONCE_ROOM`) is
/// larger than any run, so no request is refused for lack of room; any refusal while timed is
/// counted, and [`SignedVerify::none_refused`] is checked after the measurement, so a refused
/// (and cheaper) request cannot pass for a fast one. The verified headers are set aside and
/// freed at the next `input`, outside the timing: freeing a request is not verifying it, and
/// the floor frees nothing.
pub struct SignedVerify {
    client: Client,
    key: VerifyingKey,
    verifier: Verifier,
    refused: Cell<usize>,
    verified: RefCell<Vec<HeaderMap>>,
}

impl SignedVerify {
    fn new(algorithm: SignAlgorithm, case: SignCase) -> Self {
        let client = Client::new(algorithm, case);
        Self {
            key: client.key.verifying_key(),
            client,
            verifier: Verifier::new().with_max_nonces(NONCE_ROOM),
            refused: Cell::new(0),
            verified: RefCell::new(Vec::new()),
        }
    }

    fn verify(&self, request: &Request<'_>, headers: &HeaderMap, body: &[u8]) -> bool {
        self.verifier
            .verify(request, headers, body, KEY_ID, &self.key, NOW)
            .is_ok()
    }

    /// Every request timed so far was accepted.
    pub fn none_refused(&self) -> Result<(), String> {
        match self.refused.get() {
            0 => Ok(()),
            refused => Err(format!("{refused} signed requests refused while timed")),
        }
    }
}

impl Workload for SignedVerify {
    type Input = HeaderMap;
    type Output = bool;

    fn input(&self, _: usize) -> HeaderMap {
        self.verified.borrow_mut().clear();
        self.client.signed()
    }

    fn run(&self, headers: HeaderMap) -> bool {
        let accepted = self.verify(&self.client.case.request(), &headers, &self.client.body);
        if !accepted {
            self.refused.set(self.refused.get() + 1);
        }
        self.verified.borrow_mut().push(headers);
        accepted
    }
}

/// The floor's key: the crypto crate's own type, made once.
enum FloorKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    /// Keyed once, cloned per check, as ours does.
    HmacSha256(Hmac<Sha256>),
}

/// What the floor checks for one signed request: the signature base the verifier builds, the
/// signature sent in `Signature`, and the SHA-256 of the body sent in `Content-Digest`.
struct FloorInput {
    base: Vec<u8>,
    signature: Vec<u8>,
    content_sha256: Option<[u8; 32]>,
}

/// The floor: the signature checked over the same signature base by the crypto crate alone
/// (`ed25519_dalek::VerifyingKey::verify_strict`, or HMAC-SHA256 and `verify_slice`), and for
/// the POST, SHA-256 of the same body compared with the digest sent. No parsing, no base
/// building, no policy, no nonce: the work no verifier can skip.
pub struct CryptoFloor {
    key: FloorKey,
    body: Vec<u8>,
    inputs: Vec<FloorInput>,
}

impl CryptoFloor {
    /// The floor's view of `DISTINCT_INPUTS` requests signed by `client`.
    fn new(client: &Client) -> Self {
        let key = match client.key.public_key() {
            Some(public) => FloorKey::Ed25519(
                ed25519_dalek::VerifyingKey::from_bytes(&public).expect("a valid public key"),
            ),
            None => FloorKey::HmacSha256(
                <Hmac<Sha256> as KeyInit>::new_from_slice(&[7; 32]).expect("any key length"),
            ),
        };
        let inputs = (0..DISTINCT_INPUTS)
            .map(|_| floor_input(client, &client.signed()))
            .collect();
        Self {
            key,
            body: client.body.clone(),
            inputs,
        }
    }

    fn check(&self, input: &FloorInput, body: &[u8]) -> bool {
        let signed = match &self.key {
            FloorKey::Ed25519(key) => Signature::from_slice(&input.signature)
                .is_ok_and(|signature| key.verify_strict(&input.base, &signature).is_ok()),
            FloorKey::HmacSha256(keyed) => keyed
                .clone()
                .chain_update(&input.base)
                .verify_slice(&input.signature)
                .is_ok(),
        };
        signed
            && input
                .content_sha256
                .is_none_or(|expected| <[u8; 32]>::from(Sha256::digest(body)) == expected)
    }
}

impl Workload for CryptoFloor {
    type Input = usize;
    type Output = bool;

    fn input(&self, iteration: usize) -> usize {
        iteration
    }

    fn run(&self, index: usize) -> bool {
        self.check(&self.inputs[index % self.inputs.len()], &self.body)
    }
}

/// What the floor checks for the request `client` signed into `headers`: its signature base
/// (tollgate-sign's, the bytes the verifier checks), the signature taken from `Signature`,
/// and the body's digest taken from `Content-Digest`.
fn floor_input(client: &Client, headers: &HeaderMap) -> FloorInput {
    let base = signature_base(&client.case.request(), headers, LABEL).expect("a signature base");
    let field = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let byte_sequence = |value: &str, key: &str| {
        let encoded = value
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix("=:"))
            .and_then(|rest| rest.strip_suffix(':'))
            .expect("one byte-sequence member");
        STANDARD.decode(encoded).expect("base64")
    };
    let signature = byte_sequence(&field("signature").expect("signed"), LABEL);
    let content_sha256 = field("content-digest").map(|value| {
        byte_sequence(&value, "sha-256")
            .try_into()
            .expect("32 bytes")
    });
    FloorInput {
        base,
        signature,
        content_sha256,
    }
}

/// The two sides of one signature comparison, built once.
pub struct SignComparison {
    /// Ours: `Verifier::verify` of a freshly signed request.
    pub ours: SignedVerify,
    /// The floor: the crypto crates alone on the same bytes.
    pub floor: CryptoFloor,
}

impl SignComparison {
    /// Both sides for `algorithm` and `case`, under the same key.
    pub fn new(algorithm: SignAlgorithm, case: SignCase) -> Self {
        let ours = SignedVerify::new(algorithm, case);
        let floor = CryptoFloor::new(&ours.client);
        Self { ours, floor }
    }

    /// Both sides accept what was signed and refuse what was altered, on the same bytes:
    /// every floor input verifies; requests signed by our signer are accepted by ours and by
    /// the floor on their signature base; a request with another path, a flipped signature
    /// bit or (for the POST) another body is refused by both; and a replay by ours. So a
    /// verifier that accepts everything, or a floor that checks nothing, stops the run.
    pub fn check(&self) -> Result<(), String> {
        for (index, input) in self.floor.inputs.iter().enumerate() {
            same(
                &format!("floor input {index} verifies"),
                self.floor.check(input, &self.floor.body),
                true,
            )?;
        }
        let client = &self.ours.client;
        let request = client.case.request();
        let body = client.body.as_slice();
        for attempt in 0..16 {
            let headers = client.signed();
            let floor = floor_input(client, &headers);
            let what = |check: &str| format!("attempt {attempt}: {check}");
            same(
                &what("the body's digest is sent"),
                headers
                    .get("content-digest")
                    .and_then(|value| value.to_str().ok()),
                (!body.is_empty())
                    .then(|| content_digest(body, DigestAlgorithm::Sha256))
                    .as_deref(),
            )?;
            same(
                &what("the floor verifies"),
                self.floor.check(&floor, body),
                true,
            )?;

            // Altered requests first: a refused request leaves no nonce behind.
            let other_path = Request {
                path_and_query: "/v1/records/43?fields=name",
                ..request
            };
            same(
                &what("another path is refused"),
                self.ours.verify(&other_path, &headers, body),
                false,
            )?;
            let mut flipped = floor_input(client, &headers);
            flipped.signature[10] ^= 1;
            let mut flipped_headers = headers.clone();
            flipped_headers.insert(
                "signature",
                HeaderValue::try_from(format!("{LABEL}=:{}:", STANDARD.encode(&flipped.signature)))
                    .expect("a valid field"),
            );
            same(
                &what("a flipped signature bit is refused (ours, floor)"),
                (
                    self.ours.verify(&request, &flipped_headers, body),
                    self.floor.check(&flipped, body),
                ),
                (false, false),
            )?;
            if !body.is_empty() {
                let mut other_body = body.to_vec();
                other_body[100] ^= 1;
                same(
                    &what("another body is refused (ours, floor)"),
                    (
                        self.ours.verify(&request, &headers, &other_body),
                        self.floor.check(&floor, &other_body),
                    ),
                    (false, false),
                )?;
            }

            same(
                &what("ours verifies"),
                self.ours.verify(&request, &headers, body),
                true,
            )?;
            same(
                &what("a replay is refused"),
                self.ours.verify(&request, &headers, body),
                false,
            )?;
        }
        Ok(())
    }
}
