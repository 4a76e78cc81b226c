//! Writes `corpus/signed_request/seed-*`: RFC 9421's signed requests of Appendix B.2.5 and
//! B.2.6 as the RFC gives them, requests signed by `tollgate_sign::Signer` (which makes a
//! random nonce, so each run writes other bytes for those seeds), and requests covering the
//! other component forms (`@target-uri`, `@query-param`, `;sf`, `;key`, `;bs`, two
//! signatures over several field lines), signed here with the RFC's keys. The format is the
//! target's (fuzz_targets/signed_request.rs): a flags byte, `METHOD AUTHORITY TARGET`, field
//! lines, an empty line, the body.
//!
//! ```sh
//! cd fuzz && cargo +nightly run --example signed_request_seeds
//! ```
//!
//! Not a fuzz target: `cargo fuzz build` builds the `[[bin]]` targets only.

use std::fs;
use std::path::Path;

use http::{HeaderMap, HeaderName, HeaderValue};
use sfv::{BareItem, FieldType, Item};
use tollgate_fuzz::rfc9421::{ED25519_SEED, SHARED_SECRET};
use tollgate_sign::{Request, Signer, SigningKey, Verifier, signature_base};

/// The target's `NOW` less a few seconds: what the Signer's seeds are created at.
const CREATED: u64 = 1_618_884_475;
/// The target's `NOW`, at which the seeds meant to verify are checked here.
const NOW: u64 = 1_618_884_480;
const BODY: &[u8] = br#"{"hello": "world"}"#;
const SHA_512: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

/// RFC 9421 Appendix B.2's `test-request`, with `extra` field lines after its own.
fn test_request(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    [
        ("host", "example.com"),
        ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("content-type", "application/json"),
        ("content-digest", SHA_512),
        ("content-length", "18"),
    ]
    .iter()
    .chain(extra)
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .collect()
}

/// The seed's bytes.
fn write(flags: u8, request: &Request<'_>, fields: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = vec![flags];
    out.extend_from_slice(
        format!(
            "{} {} {}\n",
            request.method, request.authority, request.path_and_query
        )
        .as_bytes(),
    );
    for (name, value) in fields {
        out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

fn header_map(fields: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in fields {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("a field name"),
            HeaderValue::from_str(value).expect("a field value"),
        );
    }
    map
}

/// The field lines of `map`, in order.
fn lines(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().expect("text").to_owned(),
            )
        })
        .collect()
}

/// `fields` with `Signature` lines holding, for each `(label, key)`, the key's signature of
/// the base `signature_base` gives for the label.
fn signed_here(
    request: &Request<'_>,
    fields: &[(String, String)],
    labels: &[(&str, &SigningKey)],
) -> Vec<(String, String)> {
    let map = header_map(fields);
    let mut out = fields.to_vec();
    for (label, key) in labels {
        let base = signature_base(request, &map, label).expect("a base");
        let signature = Item::new(BareItem::ByteSequence(key.sign(&base))).serialize();
        out.push(("signature".to_owned(), format!("{label}={signature}")));
    }
    out
}

/// Panics unless `Verifier` (with `date` required when `require_date`, the target's flag bit
/// 4) accepts the request as signed by `key` under `key_id`: the seeds that reach what
/// `verify` checks last.
fn assert_verifies(
    request: &Request<'_>,
    fields: &[(String, String)],
    body: &[u8],
    (key_id, key): (&str, &SigningKey),
    require_date: bool,
) {
    let mut verifier = Verifier::new();
    if require_date {
        verifier = verifier.requiring("date");
    }
    let result = verifier.verify(
        request,
        &header_map(fields),
        body,
        key_id,
        &key.verifying_key(),
        NOW,
    );
    assert_eq!(result, Ok(()), "{key_id}: {fields:?}");
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/signed_request");
    fs::create_dir_all(&dir).expect("the corpus directory");
    let ed25519 = SigningKey::ed25519(&ED25519_SEED);
    let hmac = SigningKey::hmac_sha256(&SHARED_SECRET).expect("a 64-byte secret");
    let post = Request {
        method: "POST",
        scheme: "https",
        authority: "example.com",
        path_and_query: "/foo?param=Value&Pet=dog",
    };
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();

    // B.2.5 and B.2.6 as the RFC prints them (no nonce: the verifier refuses them, but the
    // signatures are real and the bases the RFC's).
    let b25 = test_request(&[
        (
            "signature-input",
            r#"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#,
        ),
        (
            "signature",
            "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:",
        ),
    ]);
    seeds.push(("seed-rfc-b25-hmac", write(0, &post, &b25, BODY)));
    let b26 = test_request(&[
        (
            "signature-input",
            r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        ),
        (
            "signature",
            "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
        ),
    ]);
    seeds.push(("seed-rfc-b26-ed25519", write(0, &post, &b26, BODY)));

    // Signed by the crate's Signer: what the verifier accepts.
    let signer = |key_id: &str, key: &SigningKey, fields: &[&str]| {
        let mut signer = Signer::new(key_id, key.clone()).expect("a key id");
        for field in fields {
            signer = signer.covering(field).expect("a field name");
        }
        signer
    };
    let sign = |signer: &Signer, request: &Request<'_>, fields: &[(String, String)], body| {
        let mut map = header_map(fields);
        map.remove("content-digest");
        signer
            .sign(request, &mut map, body, CREATED)
            .expect("signs");
        lines(&map)
    };
    let fields = sign(
        &signer("test-key-ed25519", &ed25519, &[]),
        &post,
        &test_request(&[]),
        BODY,
    );
    assert_verifies(&post, &fields, BODY, ("test-key-ed25519", &ed25519), false);
    seeds.push(("seed-signer-ed25519-post", write(0, &post, &fields, BODY)));
    let fields = sign(
        &signer("test-shared-secret", &hmac, &["content-type", "date"]),
        &post,
        &test_request(&[]),
        BODY,
    );
    // Bit 4: the verifier requires `date` (covered here).
    assert_verifies(&post, &fields, BODY, ("test-shared-secret", &hmac), true);
    seeds.push(("seed-signer-hmac-post", write(16, &post, &fields, BODY)));
    let get = Request {
        method: "GET",
        scheme: "http",
        authority: "api.example.com:8080",
        path_and_query: "/v1/records/7",
    };
    let plain = vec![
        ("accept".to_owned(), "application/json".to_owned()),
        (
            "authorization".to_owned(),
            "Bearer tg_not-a-real-token".to_owned(),
        ),
    ];
    let fields = sign(
        &signer("test-key-ed25519", &ed25519, &[]),
        &get,
        &plain,
        b"",
    );
    seeds.push(("seed-signer-ed25519-get", write(1, &get, &fields, b"")));
    assert_verifies(&get, &fields, b"", ("test-key-ed25519", &ed25519), false);

    // The other component forms, signed here; the second seed of each pair has bit 3 set, so
    // the harness signs whatever the fuzzer makes of it, and bit 2, so it writes the digest.
    let forms = test_request(&[
        ("example-dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)"),
        (
            "signature-input",
            r#"sig1=("@method" "@target-uri" "@scheme" "@request-target" "@query" "@query-param";name="Pet" "content-digest" "content-digest";sf "example-dict";key="b" "date";bs);created=1618884475;expires=1618884775;keyid="test-key-ed25519";alg="ed25519";nonce="b3k2pp5k7z-50gnwp.yemd""#,
        ),
    ]);
    let fields = signed_here(&post, &forms, &[("sig1", &ed25519)]);
    assert_verifies(&post, &fields, BODY, ("test-key-ed25519", &ed25519), false);
    seeds.push(("seed-forms-ed25519", write(0, &post, &fields, BODY)));
    seeds.push((
        "seed-forms-harness-signs",
        write(8 | 4, &post, &forms, BODY),
    ));

    // Two signatures, each field over two lines (joined with `, `), one per key.
    let two = test_request(&[
        (
            "signature-input",
            r#"sig-a=("@method" "@authority" "@path" "@query" "content-digest");created=1618884475;keyid="test-key-ed25519";nonce="n-1""#,
        ),
        (
            "signature-input",
            r#"sig-b=("@method" "@authority" "@path" "@query" "content-digest" "content-length");created=1618884470;keyid="test-shared-secret";alg="hmac-sha256";nonce="n-2""#,
        ),
    ]);
    let fields = signed_here(&post, &two, &[("sig-a", &ed25519), ("sig-b", &hmac)]);
    assert_verifies(&post, &fields, BODY, ("test-key-ed25519", &ed25519), false);
    assert_verifies(&post, &fields, BODY, ("test-shared-secret", &hmac), false);
    seeds.push(("seed-two-signatures", write(0, &post, &fields, BODY)));
    seeds.push((
        "seed-two-harness-signs-sha512",
        write(32 | 8 | 4, &post, &two, BODY),
    ));

    for (name, bytes) in &seeds {
        fs::write(dir.join(name), bytes).expect("writes the seed");
        println!("{name}: {} bytes", bytes.len());
    }
}
