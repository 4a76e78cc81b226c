//! RFC 9421's own examples: the signature bases and signatures of Appendix B.2.5
//! (hmac-sha256) and B.2.6 (ed25519) with the keys of Appendix B.1, the base of section 2.5,
//! and the component values of section 2. The values were taken from the RFC's source as
//! described in `rfc9421-vectors.md`, beside this file.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue};
use tollgate_sign::{BaseError, Request, SigningKey, VerifyError, VerifyingKey, signature_base};

/// `test-request` of Appendix B.2: `POST /foo?param=Value&Pet=dog` to `example.com`.
const TEST_REQUEST: Request<'static> = Request {
    method: "POST",
    scheme: "https",
    authority: "example.com",
    path_and_query: "/foo?param=Value&Pet=dog",
};

fn test_request_headers() -> HeaderMap {
    headers(&[
        ("host", "example.com"),
        ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("content-type", "application/json"),
        (
            "content-digest",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        ),
        ("content-length", "18"),
    ])
}

/// Field lines in order; a name given twice makes two lines.
fn headers(lines: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in lines {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

/// The base for the inner list `covered` (a `Signature-Input` member's value) of `request`.
fn base(
    request: &Request<'_>,
    lines: &[(&str, &str)],
    covered: &str,
) -> Result<String, VerifyError> {
    let mut map = headers(lines);
    map.append(
        "signature-input",
        HeaderValue::from_str(&format!("sig={covered}")).unwrap(),
    );
    signature_base(request, &map, "sig").map(|bytes| String::from_utf8(bytes).unwrap())
}

/// The single component line of the base for `identifier`, without the parameters line.
fn line(
    request: &Request<'_>,
    lines: &[(&str, &str)],
    identifier: &str,
) -> Result<String, VerifyError> {
    let base = base(request, lines, &format!("({identifier})"))?;
    Ok(base.split_once('\n').unwrap().0.to_owned())
}

fn b64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

const SHARED_SECRET: &str =
    "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";
const ED25519_SEED: &str = "9f8362f87a484a954e6e740c5b4c0e84229139a20aa8ab56ff66586f6a7d29c5";
const ED25519_PUBLIC: &str = "26b40b8f93fff3d897112f7ebc582b232dbd72517d082fe83cfb30ddce43d1bb";

#[test]
fn b_2_5_hmac_sha256_base_and_signature() {
    let mut map = test_request_headers();
    map.append(
        "signature-input",
        HeaderValue::from_static(
            r#"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#,
        ),
    );
    let base = signature_base(&TEST_REQUEST, &map, "sig-b25").unwrap();
    let expected = concat!(
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
        "\"@authority\": example.com\n",
        "\"content-type\": application/json\n",
        "\"@signature-params\": (\"date\" \"@authority\" \"content-type\");created=1618884473;keyid=\"test-shared-secret\"",
    );
    assert_eq!(String::from_utf8(base.clone()).unwrap(), expected);
    assert_eq!(base.len(), 200);

    let signature = b64("pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=");
    let secret = b64(SHARED_SECRET);
    assert!(
        VerifyingKey::hmac_sha256(&secret)
            .unwrap()
            .verifies(&base, &signature)
    );
    // HMAC is deterministic: signing the base gives the RFC's signature exactly.
    assert_eq!(
        SigningKey::hmac_sha256(&secret).unwrap().sign(&base),
        signature
    );
    let mut other = base.clone();
    other[0] ^= 1;
    assert!(
        !VerifyingKey::hmac_sha256(&secret)
            .unwrap()
            .verifies(&other, &signature)
    );
}

#[test]
fn b_2_6_ed25519_base_and_signature() {
    let mut map = test_request_headers();
    map.append(
        "signature-input",
        HeaderValue::from_static(
            r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        ),
    );
    let base = signature_base(&TEST_REQUEST, &map, "sig-b26").unwrap();
    let expected = concat!(
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
        "\"@method\": POST\n",
        "\"@path\": /foo\n",
        "\"@authority\": example.com\n",
        "\"content-type\": application/json\n",
        "\"content-length\": 18\n",
        "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
    );
    assert_eq!(String::from_utf8(base.clone()).unwrap(), expected);
    assert_eq!(base.len(), 284);

    let signature = b64(
        "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==",
    );
    let public = VerifyingKey::ed25519(&hex(ED25519_PUBLIC)).unwrap();
    assert!(public.verifies(&base, &signature));
    // Ed25519 is deterministic: the B.1.4 private key reproduces the RFC's signature.
    let seed: [u8; 32] = hex(ED25519_SEED).try_into().unwrap();
    let private = SigningKey::ed25519(&seed);
    assert_eq!(private.sign(&base), signature);
    assert_eq!(private.public_key().unwrap().to_vec(), hex(ED25519_PUBLIC));
    let mut other = signature.clone();
    other[10] ^= 1;
    assert!(!public.verifies(&base, &other));
}

#[test]
fn section_2_5_signature_base() {
    let covered = r#"("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss""#;
    let mut map = test_request_headers();
    map.append(
        "signature-input",
        HeaderValue::from_str(&format!("sig1={covered}")).unwrap(),
    );
    let base = signature_base(&TEST_REQUEST, &map, "sig1").unwrap();
    let expected = concat!(
        "\"@method\": POST\n",
        "\"@authority\": example.com\n",
        "\"@path\": /foo\n",
        "\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n",
        "\"content-length\": 18\n",
        "\"content-type\": application/json\n",
        "\"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"content-digest\" \"content-length\" \"content-type\");created=1618884473;keyid=\"test-key-rsa-pss\"",
    );
    assert_eq!(String::from_utf8(base.clone()).unwrap(), expected);
    assert_eq!(base.len(), 373);
}

#[test]
fn section_2_3_signature_params_are_serialised_canonically() {
    let request = Request {
        method: "GET",
        scheme: "https",
        authority: "example.com",
        path_and_query: "/",
    };
    // Extra spaces in the received field are not part of the canonical serialisation.
    let base = base(
        &request,
        &[("date", "x"), ("cache-control", "y")],
        r#"("@target-uri"   "@authority" "date" "cache-control");keyid="test-key-rsa-pss";alg="rsa-pss-sha512";created=1618884475;expires=1618884775"#,
    )
    .unwrap();
    assert!(base.ends_with(
        "\n\"@signature-params\": (\"@target-uri\" \"@authority\" \"date\" \"cache-control\");keyid=\"test-key-rsa-pss\";alg=\"rsa-pss-sha512\";created=1618884475;expires=1618884775"
    ));
}

#[test]
fn section_2_1_field_values() {
    let request = Request {
        method: "GET",
        scheme: "https",
        authority: "www.example.com",
        path_and_query: "/",
    };
    let lines = [
        ("host", "www.example.com"),
        ("date", "Tue, 20 Apr 2021 02:07:56 GMT"),
        ("x-ows-header", "  Leading and trailing whitespace.  "),
        ("cache-control", "max-age=60"),
        ("cache-control", "   must-revalidate"),
        ("example-dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)"),
        ("x-empty-header", ""),
    ];
    let line = |identifier: &str| line(&request, &lines, identifier).unwrap();
    assert_eq!(line(r#""host""#), r#""host": www.example.com"#);
    assert_eq!(
        line(r#""date""#),
        r#""date": Tue, 20 Apr 2021 02:07:56 GMT"#
    );
    assert_eq!(
        line(r#""x-ows-header""#),
        r#""x-ows-header": Leading and trailing whitespace."#
    );
    assert_eq!(
        line(r#""cache-control""#),
        r#""cache-control": max-age=60, must-revalidate"#
    );
    assert_eq!(
        line(r#""example-dict""#),
        r#""example-dict": a=1,    b=2;x=1;y=2,   c=(a   b   c)"#
    );
    assert_eq!(line(r#""x-empty-header""#), r#""x-empty-header": "#);
    // 2.1.1: sf re-serialises the dictionary strictly.
    assert_eq!(
        line(r#""example-dict";sf"#),
        r#""example-dict";sf: a=1, b=2;x=1;y=2, c=(a b c)"#
    );

    // 2.1.2: key picks one dictionary member.
    let dict = [("example-dict", " a=1, b=2;x=1;y=2, c=(a   b    c), d")];
    let member = |identifier: &str| self::line(&request, &dict, identifier);
    assert_eq!(
        member(r#""example-dict";key="a""#).unwrap(),
        r#""example-dict";key="a": 1"#
    );
    assert_eq!(
        member(r#""example-dict";key="d""#).unwrap(),
        r#""example-dict";key="d": ?1"#
    );
    assert_eq!(
        member(r#""example-dict";key="b""#).unwrap(),
        r#""example-dict";key="b": 2;x=1;y=2"#
    );
    assert_eq!(
        member(r#""example-dict";key="c""#).unwrap(),
        r#""example-dict";key="c": (a b c)"#
    );
    assert!(matches!(
        member(r#""example-dict";key="z""#),
        Err(VerifyError::Base(BaseError::Absent(_)))
    ));

    // 2.1.3: bs wraps each field line, so two lines and one line differ.
    let two = [
        ("example-header", "value, with, lots"),
        ("example-header", "of, commas"),
    ];
    let one = [("example-header", "value, with, lots, of, commas")];
    assert_eq!(
        self::line(&request, &two, r#""example-header""#).unwrap(),
        self::line(&request, &one, r#""example-header""#).unwrap(),
    );
    assert_eq!(
        self::line(&request, &two, r#""example-header";bs"#).unwrap(),
        r#""example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:"#
    );
    assert_eq!(
        self::line(&request, &one, r#""example-header";bs"#).unwrap(),
        r#""example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHMsIG9mLCBjb21tYXM=:"#
    );
}

#[test]
fn section_2_2_derived_components() {
    let post = Request {
        method: "POST",
        scheme: "https",
        authority: "www.example.com",
        path_and_query: "/path?param=value",
    };
    let line = |request: &Request<'_>, identifier: &str| line(request, &[], identifier).unwrap();
    assert_eq!(line(&post, r#""@method""#), r#""@method": POST"#);
    assert_eq!(
        line(&post, r#""@target-uri""#),
        r#""@target-uri": https://www.example.com/path?param=value"#
    );
    assert_eq!(
        line(&post, r#""@authority""#),
        r#""@authority": www.example.com"#
    );
    assert_eq!(
        line(&post, r#""@request-target""#),
        r#""@request-target": /path?param=value"#
    );
    assert_eq!(line(&post, r#""@path""#), r#""@path": /path"#);
    let plain = Request {
        scheme: "http",
        ..post
    };
    assert_eq!(line(&plain, r#""@scheme""#), r#""@scheme": http"#);

    let query = Request {
        path_and_query: "/path?param=value&foo=bar&baz=bat%2Dman",
        ..post
    };
    assert_eq!(
        line(&query, r#""@query""#),
        r#""@query": ?param=value&foo=bar&baz=bat%2Dman"#
    );
    let query = Request {
        path_and_query: "/path?queryString",
        ..post
    };
    assert_eq!(line(&query, r#""@query""#), r#""@query": ?queryString"#);
    let none = Request {
        path_and_query: "/path",
        ..post
    };
    assert_eq!(line(&none, r#""@query""#), r#""@query": ?"#);

    // 2.2.8: each named parameter, decoded then re-encoded.
    let params = Request {
        method: "GET",
        path_and_query: "/path?param=value&foo=bar&baz=batman&qux=",
        ..post
    };
    assert_eq!(
        line(&params, r#""@query-param";name="baz""#),
        r#""@query-param";name="baz": batman"#
    );
    assert_eq!(
        line(&params, r#""@query-param";name="qux""#),
        r#""@query-param";name="qux": "#
    );
    assert_eq!(
        line(&params, r#""@query-param";name="param""#),
        r#""@query-param";name="param": value"#
    );
    let encoded = Request {
        method: "GET",
        path_and_query: "/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something",
        ..post
    };
    assert_eq!(
        line(&encoded, r#""@query-param";name="var""#),
        r#""@query-param";name="var": this%20is%20a%20big%0Amultiline%20value"#
    );
    assert_eq!(
        line(&encoded, r#""@query-param";name="bar""#),
        r#""@query-param";name="bar": with%20plus%20whitespace"#
    );
    assert_eq!(
        line(&encoded, r#""@query-param";name="fa%C3%A7ade%22%3A%20""#),
        r#""@query-param";name="fa%C3%A7ade%22%3A%20": something"#
    );
}

#[test]
fn components_that_cannot_be_signed_are_refused() {
    let request = Request {
        method: "GET",
        scheme: "https",
        authority: "example.com",
        path_and_query: "/p?a=1&a=2&b=3",
    };
    let lines = [("date", "now")];
    let refused = |covered: &str| match base(&request, &lines, covered) {
        Err(VerifyError::Base(error)) => error,
        other => panic!("{covered}: {other:?}"),
    };
    // Responses' and trailers' components, unknown derived ones, unknown parameters.
    for covered in [
        r#"("@status")"#,
        r#"("@signature-params")"#,
        r#"("@nonsense")"#,
        r#"("date";req)"#,
        r#"("date";tr)"#,
        r#"("date";sf;bs)"#,
        r#"("date";unknown)"#,
        r#"("@method";sf)"#,
        r#"("@query-param")"#,
        r#"("Date")"#,
        r#"(date)"#,
    ] {
        assert!(
            matches!(refused(covered), BaseError::Unsupported(_)),
            "{covered}"
        );
    }
    assert!(matches!(
        refused(r#"("date" "@method" "date")"#),
        BaseError::Duplicate(_)
    ));
    assert!(matches!(
        refused(r#"("content-type")"#),
        BaseError::Absent(_)
    ));
    // A parameter that occurs twice, or not at all.
    assert!(matches!(
        refused(r#"("@query-param";name="a")"#),
        BaseError::Absent(_)
    ));
    assert!(matches!(
        refused(r#"("@query-param";name="c")"#),
        BaseError::Absent(_)
    ));
    assert_eq!(
        line(&request, &lines, r#""@query-param";name="b""#).unwrap(),
        r#""@query-param";name="b": 3"#
    );
    // sf on a field that is not a structured field.
    assert!(matches!(
        base(&request, &[("x", "(unclosed")], r#"("x";sf)"#),
        Err(VerifyError::Base(BaseError::InvalidValue(_)))
    ));
}
