//! The verifier's policy against requests signed by the crate's signer: what it accepts, and
//! each way a request is refused. And the property that any single-byte change to a covered
//! component fails verification.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use tollgate_sign::{BaseError, DigestError, Request, Signer, SigningKey, Verifier, VerifyError};

const NOW: u64 = 1_800_000_000;
const KEY_ID: &str = "tok_42";
const BODY: &[u8] = br#"{"name": "gizmo", "price": 3}"#;

fn key() -> SigningKey {
    SigningKey::ed25519(&[7; 32])
}

fn signer() -> Signer {
    Signer::new(KEY_ID, key())
        .unwrap()
        .covering("content-type")
        .unwrap()
}

/// A POST with a query and a body, signed at `created`.
struct Signed {
    method: String,
    authority: String,
    target: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Signed {
    fn new(created: u64) -> Self {
        Self::with(
            &signer(),
            "POST",
            "/v1/records/7?fields=name",
            BODY,
            created,
        )
    }

    fn with(signer: &Signer, method: &str, target: &str, body: &[u8], created: u64) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert(
            "authorization",
            HeaderValue::from_static("Bearer not-a-real-token"),
        );
        let mut signed = Self {
            method: method.to_owned(),
            authority: "api.example.com".to_owned(),
            target: target.to_owned(),
            headers,
            body: body.to_vec(),
        };
        let mut headers = std::mem::take(&mut signed.headers);
        signer
            .sign(&signed.request(), &mut headers, body, created)
            .unwrap();
        signed.headers = headers;
        signed
    }

    fn request(&self) -> Request<'_> {
        Request {
            method: &self.method,
            scheme: "https",
            authority: &self.authority,
            path_and_query: &self.target,
        }
    }

    fn verify_with(&self, verifier: &Verifier, now: u64) -> Result<(), VerifyError> {
        verifier.verify(
            &self.request(),
            &self.headers,
            &self.body,
            KEY_ID,
            &key().verifying_key(),
            now,
        )
    }

    fn verify(&self) -> Result<(), VerifyError> {
        self.verify_with(&Verifier::new(), NOW)
    }

    fn set(&mut self, name: &'static str, value: &str) {
        self.headers
            .insert(name, HeaderValue::from_str(value).unwrap());
    }
}

#[test]
fn a_signed_request_is_accepted_once() {
    let signed = Signed::new(NOW);
    let verifier = Verifier::new();
    assert_eq!(signed.verify_with(&verifier, NOW), Ok(()));
    assert_eq!(
        signed.verify_with(&verifier, NOW + 1),
        Err(VerifyError::Replayed)
    );
    // A GET without a body or query needs neither content-digest nor @query.
    let get = Signed::with(&signer(), "GET", "/v1/records/7", b"", NOW);
    assert!(get.headers.get("content-digest").is_none());
    assert_eq!(get.verify_with(&verifier, NOW), Ok(()));
}

#[test]
fn every_tampered_part_is_refused() {
    let mismatch = |change: fn(&mut Signed)| {
        let mut signed = Signed::new(NOW);
        change(&mut signed);
        signed.verify()
    };
    assert_eq!(
        mismatch(|s| s.method = "PUT".into()),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        mismatch(|s| s.target = "/v1/records/8?fields=name".into()),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        mismatch(|s| s.target = "/v1/records/7?fields=secret".into()),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        mismatch(|s| s.authority = "evil.example".into()),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        mismatch(|s| s.set("content-type", "text/plain")),
        Err(VerifyError::Mismatch)
    );
    // The body, with its digest left as signed, and with a digest recomputed for it.
    assert_eq!(
        mismatch(|s| s.body = br#"{"name": "gizmo", "price": 0}"#.to_vec()),
        Err(VerifyError::Digest(DigestError::Mismatch(
            tollgate_sign::DigestAlgorithm::Sha256
        )))
    );
    assert_eq!(
        mismatch(|s| {
            s.body = b"{}".to_vec();
            let digest =
                tollgate_sign::content_digest(b"{}", tollgate_sign::DigestAlgorithm::Sha256);
            s.set("content-digest", &digest);
        }),
        Err(VerifyError::Mismatch)
    );
    // A covered field removed.
    assert!(matches!(
        mismatch(|s| drop(s.headers.remove("content-type"))),
        Err(VerifyError::Base(BaseError::Absent(_)))
    ));
    // Not covered, so free to change: the bearer token travels beside the signature.
    assert_eq!(mismatch(|s| s.set("authorization", "Bearer other")), Ok(()));
}

#[test]
fn wrong_keys_and_missing_signatures_are_refused() {
    let signed = Signed::new(NOW);
    let other = SigningKey::ed25519(&[8; 32]).verifying_key();
    let request = signed.request();
    let verifier = Verifier::new();
    assert_eq!(
        verifier.verify(&request, &signed.headers, &signed.body, KEY_ID, &other, NOW),
        Err(VerifyError::Mismatch)
    );
    // A signature under another key id is not a signature by this key.
    assert_eq!(
        verifier.verify(
            &request,
            &signed.headers,
            &signed.body,
            "tok_43",
            &key().verifying_key(),
            NOW
        ),
        Err(VerifyError::Missing)
    );
    // An HMAC key against an ed25519 signature: its alg says otherwise.
    let hmac = tollgate_sign::VerifyingKey::hmac_sha256(&[1; 32]).unwrap();
    assert_eq!(
        verifier.verify(&request, &signed.headers, &signed.body, KEY_ID, &hmac, NOW),
        Err(VerifyError::WrongAlgorithm(
            tollgate_sign::Algorithm::HmacSha256
        ))
    );
    let mut unsigned = Signed::new(NOW);
    unsigned.headers.remove("signature-input");
    unsigned.headers.remove("signature");
    assert_eq!(unsigned.verify(), Err(VerifyError::Missing));
    let mut no_signature = Signed::new(NOW);
    no_signature.headers.remove("signature");
    assert!(matches!(
        no_signature.verify(),
        Err(VerifyError::Malformed(_))
    ));
    let mut garbage = Signed::new(NOW);
    garbage.set("signature-input", "sig=(((");
    assert!(matches!(garbage.verify(), Err(VerifyError::Malformed(_))));
    // Two signatures naming the key are ambiguous.
    let mut twice = Signed::new(NOW);
    let input = twice.headers["signature-input"]
        .to_str()
        .unwrap()
        .replacen("sig=", "sig2=", 1);
    twice
        .headers
        .append("signature-input", HeaderValue::from_str(&input).unwrap());
    assert!(matches!(twice.verify(), Err(VerifyError::Malformed(_))));
}

#[test]
fn created_and_expires_are_checked_with_the_skew() {
    let verify_at =
        |created: u64, now: u64| Signed::new(created).verify_with(&Verifier::new(), now);
    assert_eq!(verify_at(NOW - 300 - 30, NOW), Ok(()));
    assert_eq!(verify_at(NOW - 300 - 31, NOW), Err(VerifyError::Expired));
    assert_eq!(verify_at(NOW + 30, NOW), Ok(()));
    assert_eq!(verify_at(NOW + 31, NOW), Err(VerifyError::CreatedInFuture));
    let strict = Verifier::new()
        .with_max_age(Duration::from_secs(10))
        .with_clock_skew(Duration::ZERO);
    assert_eq!(
        Signed::new(NOW - 11).verify_with(&strict, NOW),
        Err(VerifyError::Expired)
    );
    assert_eq!(Signed::new(NOW - 10).verify_with(&strict, NOW), Ok(()));
}

/// Signs `signed`'s request again with the inner list `covered` (a `Signature-Input` member
/// value), so that tests can make signatures the signer never would.
fn resign(signed: &mut Signed, covered: &str) {
    signed.set("signature-input", &format!("sig={covered}"));
    let base = tollgate_sign::signature_base(&signed.request(), &signed.headers, "sig").unwrap();
    let signature = key().sign(&base);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, signature);
    signed.set("signature", &format!("sig=:{encoded}:"));
}

#[test]
fn the_policy_requires_its_components_and_parameters() {
    let full = r#"("@method" "@authority" "@path" "@query" "content-digest")"#;
    let params = format!(r#";created={NOW};keyid="{KEY_ID}";nonce="n1""#);
    let check = |covered: &str, params: &str| {
        let mut signed = Signed::new(NOW);
        resign(&mut signed, &format!("{covered}{params}"));
        signed.verify()
    };
    assert_eq!(check(full, &params), Ok(()));
    // `@target-uri` covers the authority, path and query; `@request-target` the path and query.
    let whole_uri = r#"("@method" "@target-uri" "content-digest")"#;
    assert_eq!(check(whole_uri, &params), Ok(()));
    let request_target = r#"("@method" "@authority" "@request-target" "content-digest")"#;
    assert_eq!(check(request_target, &params), Ok(()));
    for (missing, covered) in [
        (
            "@method",
            r#"("@authority" "@path" "@query" "content-digest")"#,
        ),
        (
            "@authority",
            r#"("@method" "@path" "@query" "content-digest")"#,
        ),
        (
            "@path",
            r#"("@method" "@authority" "@query" "content-digest")"#,
        ),
        (
            "@query",
            r#"("@method" "@authority" "@path" "content-digest")"#,
        ),
        (
            "content-digest",
            r#"("@method" "@authority" "@path" "@query")"#,
        ),
    ] {
        assert_eq!(
            check(covered, &params),
            Err(VerifyError::NotCovered(missing.into())),
            "{missing}"
        );
    }
    let no_nonce = format!(r#";created={NOW};keyid="{KEY_ID}""#);
    assert_eq!(
        check(full, &no_nonce),
        Err(VerifyError::Malformed("nonce is required"))
    );
    let no_created = format!(r#";keyid="{KEY_ID}";nonce="n1""#);
    assert_eq!(
        check(full, &no_created),
        Err(VerifyError::Malformed("created is required"))
    );
    let expired = format!(
        r#";created={NOW};expires={};keyid="{KEY_ID}";nonce="n1""#,
        NOW - 31
    );
    assert_eq!(check(full, &expired), Err(VerifyError::Expired));
    let wrong_alg = format!(r#";created={NOW};keyid="{KEY_ID}";nonce="n1";alg="hmac-sha256""#);
    assert_eq!(
        check(full, &wrong_alg),
        Err(VerifyError::WrongAlgorithm(
            tollgate_sign::Algorithm::Ed25519
        ))
    );
    // A field the verifier requires, when the request has it.
    let requiring = Verifier::new().requiring("Content-Type");
    let mut signed = Signed::new(NOW);
    resign(&mut signed, &format!("{full}{params}"));
    assert_eq!(
        signed.verify_with(&requiring, NOW),
        Err(VerifyError::NotCovered("content-type".into()))
    );
    assert_eq!(Signed::new(NOW).verify_with(&requiring, NOW), Ok(()));
}

#[test]
fn a_full_nonce_memory_refuses_rather_than_forgets() {
    let verifier = Verifier::new().with_max_nonces(1);
    // Room for one nonce per key: the key's second request waits until the first nonce
    // expires (created + 300 s + 30 s of skew, and a second).
    assert_eq!(Signed::new(NOW).verify_with(&verifier, NOW), Ok(()));
    let busy = Err(VerifyError::Busy {
        retry_after: Duration::from_secs(321),
    });
    assert_eq!(Signed::new(NOW + 10).verify_with(&verifier, NOW + 10), busy);
    // Once the window has passed, there is room again.
    assert_eq!(
        Signed::new(NOW + 400).verify_with(&verifier, NOW + 400),
        Ok(())
    );
}

#[test]
fn hmac_signatures_verify_too() {
    let secret = [9u8; 32];
    let signer = Signer::new(KEY_ID, SigningKey::hmac_sha256(&secret).unwrap()).unwrap();
    let signed = Signed::with(&signer, "GET", "/x?y=1", b"", NOW);
    let key = tollgate_sign::VerifyingKey::hmac_sha256(&secret).unwrap();
    let verifier = Verifier::new();
    assert_eq!(
        verifier.verify(&signed.request(), &signed.headers, b"", KEY_ID, &key, NOW),
        Ok(())
    );
    let other = tollgate_sign::VerifyingKey::hmac_sha256(&[8; 32]).unwrap();
    assert_eq!(
        Verifier::new().verify(&signed.request(), &signed.headers, b"", KEY_ID, &other, NOW),
        Err(VerifyError::Mismatch)
    );
    assert!(SigningKey::hmac_sha256(&[1; 31]).is_err());
}

/// Which covered part of the request a byte is changed in.
#[derive(Debug, Clone, Copy)]
enum Part {
    Method,
    Authority,
    Target,
    ContentType,
    Body,
}

proptest! {
    /// Any single-byte change to a covered component (or the body its digest covers) fails
    /// verification. Changes the component's normalisation undoes (the authority's case, a
    /// value's surrounding spaces) change nothing covered and are skipped, as are bytes a
    /// header field cannot hold.
    #[test]
    fn any_single_byte_change_to_a_covered_component_fails(
        part in prop_oneof![
            Just(Part::Method), Just(Part::Authority), Just(Part::Target),
            Just(Part::ContentType), Just(Part::Body),
        ],
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut signed = Signed::new(NOW);
        let text = |s: &str| s.as_bytes().to_vec();
        let mut bytes = match part {
            Part::Method => text(&signed.method),
            Part::Authority => text(&signed.authority),
            Part::Target => text(&signed.target),
            Part::ContentType => signed.headers["content-type"].as_bytes().to_vec(),
            Part::Body => signed.body.clone(),
        };
        let at = position.index(bytes.len());
        prop_assume!(bytes[at] != byte);
        let before = bytes.clone();
        bytes[at] = byte;
        match part {
            Part::Body => signed.body = bytes,
            Part::ContentType => {
                let value = HeaderValue::from_bytes(&bytes);
                prop_assume!(value.as_ref().is_ok_and(|v| v.as_bytes().trim_ascii() == v.as_bytes()));
                signed.headers.insert("content-type", value.unwrap());
            }
            _ => {
                let Ok(changed) = String::from_utf8(bytes) else { return Ok(()) };
                let before = String::from_utf8(before).unwrap();
                if matches!(part, Part::Authority) {
                    prop_assume!(!changed.eq_ignore_ascii_case(&before));
                }
                match part {
                    Part::Method => signed.method = changed,
                    Part::Authority => signed.authority = changed,
                    _ => signed.target = changed,
                }
            }
        }
        prop_assert!(signed.verify().is_err());
    }
}

#[test]
fn an_authority_that_hides_part_of_the_path_is_refused() {
    // Signed for `POST https://api.example.com/admin/records/7?...` covering `@target-uri`,
    // then sent as `Host: api.example.com/admin` with the target `/records/7?...`: the URI
    // reads the same, the path the router sees does not.
    let mut signed = Signed::new(NOW);
    signed.target = "/admin/records/7?fields=name".to_owned();
    resign(
        &mut signed,
        &format!(
            r#"("@method" "@target-uri" "content-digest");created={NOW};keyid="{KEY_ID}";nonce="n""#
        ),
    );
    assert_eq!(signed.verify(), Ok(()));
    let mut moved = Signed::new(NOW);
    moved.headers = signed.headers.clone();
    moved.authority = "api.example.com/admin".to_owned();
    moved.target = "/records/7?fields=name".to_owned();
    assert_eq!(
        moved.verify(),
        Err(VerifyError::Malformed(
            "the request's authority is not a host and port"
        ))
    );
}

#[test]
fn the_work_before_the_signature_is_checked_is_bounded() {
    // 33 components, however cheap each.
    let fields: Vec<String> = (0..28).map(|i| format!("\"x{i}\"")).collect();
    let covered = format!(
        r#"("@method" "@authority" "@path" "@query" "content-digest" {});created={NOW};keyid="{KEY_ID}";nonce="n""#,
        fields.join(" ")
    );
    let mut signed = Signed::new(NOW);
    for i in 0..28 {
        let name = http::HeaderName::from_bytes(format!("x{i}").as_bytes()).unwrap();
        signed.headers.insert(name, HeaderValue::from_static("1"));
    }
    signed.set("signature-input", &format!("sig={covered}"));
    assert_eq!(
        signed.verify(),
        Err(VerifyError::Base(BaseError::TooManyComponents))
    );
    // Signature fields over 8 KiB are refused before they are parsed.
    let mut long = Signed::new(NOW);
    let padding = format!(
        "pad=\"{}\"",
        "a".repeat(tollgate_sign::MAX_SIGNATURE_FIELD_BYTES)
    );
    long.headers
        .append("signature-input", HeaderValue::from_str(&padding).unwrap());
    assert!(matches!(long.verify(), Err(VerifyError::Malformed(_))));
    // A signature of the wrong length is refused before its base is built.
    let mut short = Signed::new(NOW);
    short.set("signature", "sig=:AAAA:");
    assert_eq!(short.verify(), Err(VerifyError::Mismatch));
}

#[test]
fn a_created_time_no_signature_can_carry_is_refused() {
    let mut headers = HeaderMap::new();
    let request = Request {
        method: "GET",
        scheme: "https",
        authority: "api.example.com",
        path_and_query: "/",
    };
    assert_eq!(
        signer().sign(&request, &mut headers, b"", 1_000_000_000_000_000),
        Err(tollgate_sign::SignError::CreatedOutOfRange)
    );
    assert!(
        headers.is_empty(),
        "nothing is written for a refused signature"
    );
}
