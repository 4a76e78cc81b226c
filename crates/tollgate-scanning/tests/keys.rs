//! Reporter key lists and signature checks, with a reporter of the tests' own and with
//! GitHub's documented sample.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::json;
use tollgate_scanning::{
    KeyEntryError, KeysError, MAX_KEY_ID_LEN, MAX_KEY_LIST_LEN, MAX_KEY_PEM_LEN, MAX_KEYS,
    MAX_SIGNATURE_LEN, ReporterKeys, VerifyError,
};

// A reporter of the tests' own: P-256 keys derived from fixed bytes, written as the key list
// a service publishes, and bodies signed as it signs them.

/// A signing key from 32 fixed bytes (any value below the group order is a valid key).
fn signing_key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

/// The key's public half in SPKI PEM, as a key list writes it.
fn public_pem(key: &SigningKey) -> String {
    p256::PublicKey::from(key.verifying_key())
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}

/// A key list entry, as JSON.
fn entry(id: &str, key: &SigningKey, current: bool) -> serde_json::Value {
    json!({
        "key_identifier": id,
        "key": public_pem(key),
        "is_current": current,
    })
}

/// A key list of `entries`, as JSON text.
fn key_list(entries: &[serde_json::Value]) -> String {
    json!({ "public_keys": entries }).to_string()
}

/// The ASN.1 DER signature of `body` by `key`.
fn der_signature(key: &SigningKey, body: &[u8]) -> Vec<u8> {
    let signature: DerSignature = key.sign(body);
    signature.as_bytes().to_vec()
}

/// The signature header's value for `body`: base64 of the DER signature.
fn sign(key: &SigningKey, body: &[u8]) -> String {
    STANDARD.encode(der_signature(key, body))
}

const BODY: &[u8] =
    br#"[{"token":"tg_example","type":"tollgate_token","url":"https://example.com/a","source":"content"}]"#;

/// Keys `k1` (retired) and `k2` (current).
fn two_keys() -> ReporterKeys {
    let text = key_list(&[
        entry("k1", &signing_key(1), false),
        entry("k2", &signing_key(2), true),
    ]);
    ReporterKeys::from_json(&text).unwrap()
}

// GitHub's sample, from its "Secret scanning partner program" documentation ("Sample HTTP
// POST sent to verify endpoint"): the key identifier, the signature and the 104-byte body of
// the request. The key is the one GitHub's key list
// (https://api.github.com/meta/public_keys/secret_scanning) publishes under that identifier,
// as copied in public test suites (getsentry/sentry, tests/sentry/utils/test_github.py).
const GITHUB_KEY_ID: &str = "bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c";
const GITHUB_SIGNATURE: &str = "MEQCIQDaMKqrGnE27S0kgMrEK0eYBmyG0LeZismAEz/BgZyt7AIfXt9fErtRS4XaeSt/AO1RtBY66YcAdjxji410VQV4xg==";
const GITHUB_BODY: &[u8] = br#"[{"source":"commit","token":"some_token","type":"some_type","url":"https://example.com/base-repo-url/"}]"#;
/// The list as published then: the sample's key, current, and an older one, retired.
const GITHUB_KEY_LIST: &str = r#"{"public_keys":[{"key_identifier":"90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a","key":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUq\nkCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==\n-----END PUBLIC KEY-----\n","is_current":false},{"key_identifier":"bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c","key":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYAGMWO8XgCamYKMJS6jc/qgvSlAd\nAjPuDPRcXU22YxgBrz+zoN19MzuRyW87qEt9/AmtoNP5GrobzUvQSyJFVw==\n-----END PUBLIC KEY-----\n","is_current":true}]}"#;

#[test]
fn github_documented_sample_verifies() {
    assert_eq!(GITHUB_BODY.len(), 104, "the sample's Content-Length");
    let keys = ReporterKeys::from_json(GITHUB_KEY_LIST).unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys.verify(GITHUB_KEY_ID, GITHUB_SIGNATURE, GITHUB_BODY),
        Ok(())
    );
    // As http::HeaderValue::as_bytes would give them.
    assert_eq!(
        keys.verify(
            GITHUB_KEY_ID.as_bytes(),
            GITHUB_SIGNATURE.as_bytes(),
            GITHUB_BODY
        ),
        Ok(())
    );
    // Only the current key is kept by `current_only`, and it is the sample's.
    let current = keys.clone().current_only();
    assert_eq!(current.len(), 1);
    assert_eq!(
        current.verify(GITHUB_KEY_ID, GITHUB_SIGNATURE, GITHUB_BODY),
        Ok(())
    );

    // The same body re-serialized (a space, a newline) is not what was signed.
    let spaced = String::from_utf8(GITHUB_BODY.to_vec())
        .unwrap()
        .replace(",\"", ", \"");
    for changed in [spaced.as_bytes(), &[GITHUB_BODY, b"\n"].concat(), b"[]"] {
        assert_eq!(
            keys.verify(GITHUB_KEY_ID, GITHUB_SIGNATURE, changed),
            Err(VerifyError::BadSignature)
        );
    }
    // The other listed key did not sign it.
    assert_eq!(
        keys.verify(
            "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a",
            GITHUB_SIGNATURE,
            GITHUB_BODY
        ),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn a_signed_body_verifies_and_a_tampered_one_does_not() {
    let keys = two_keys();
    let signature = sign(&signing_key(2), BODY);
    assert_eq!(keys.verify("k2", &signature, BODY), Ok(()));
    assert_eq!(keys.verify(b"k2", signature.as_bytes(), BODY), Ok(()));

    let mut tampered = BODY.to_vec();
    tampered[10] ^= 1;
    assert_eq!(
        keys.verify("k2", &signature, &tampered),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        keys.verify("k2", &signature, b""),
        Err(VerifyError::BadSignature)
    );
    // Signed by k2, presented as k1's.
    assert_eq!(
        keys.verify("k1", &signature, BODY),
        Err(VerifyError::BadSignature)
    );
    // Signed by a key that is not listed, presented as k2's.
    let stranger = sign(&signing_key(9), BODY);
    assert_eq!(
        keys.verify("k2", &stranger, BODY),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn retired_keys_verify_unless_only_current_ones_are_kept() {
    let keys = two_keys();
    let signature = sign(&signing_key(1), BODY);
    assert_eq!(keys.verify("k1", &signature, BODY), Ok(()));
    let current = keys.current_only();
    assert_eq!(current.len(), 1);
    assert_eq!(
        current.verify("k2", sign(&signing_key(2), BODY), BODY),
        Ok(())
    );
    assert_eq!(
        current.verify("k1", &signature, BODY),
        Err(VerifyError::UnknownKey)
    );
}

#[test]
fn unknown_key_ids_are_refused() {
    let keys = two_keys();
    let signature = sign(&signing_key(2), BODY);
    let too_long = "k".repeat(MAX_KEY_ID_LEN + 1);
    for key_id in ["k3", "", "K2", "k2 ", too_long.as_str()] {
        assert_eq!(
            keys.verify(key_id, &signature, BODY),
            Err(VerifyError::UnknownKey),
            "{key_id:?}"
        );
    }
}

#[test]
fn malformed_signatures_are_refused() {
    let keys = two_keys();
    let der = der_signature(&signing_key(2), BODY);

    for bad_base64 in ["not base64!", "MEQ=CIQ", "????", "-_-_"] {
        assert_eq!(
            keys.verify("k2", bad_base64, BODY),
            Err(VerifyError::MalformedBase64),
            "{bad_base64:?}"
        );
    }

    let mut trailing = der.clone();
    trailing.push(0);
    let raw_r_s = [7u8; 64];
    for not_der in [
        &b""[..],
        b"hello",
        &trailing,
        &der[..der.len() - 1],
        &raw_r_s,
    ] {
        assert_eq!(
            keys.verify("k2", STANDARD.encode(not_der), BODY),
            Err(VerifyError::MalformedSignature),
            "{not_der:?}"
        );
    }
}

#[test]
fn base64_padding_is_optional() {
    let keys = two_keys();
    // Find a body whose signature's base64 is padded, so leaving the padding out changes it.
    let (body, der) = (0u8..=255)
        .map(|n| {
            let body = [BODY, &[n]].concat();
            let der = der_signature(&signing_key(2), &body);
            (body, der)
        })
        .find(|(_, der)| der.len() % 3 != 0)
        .unwrap();
    let unpadded = STANDARD_NO_PAD.encode(&der);
    assert_ne!(unpadded, STANDARD.encode(&der));
    assert_eq!(keys.verify("k2", &unpadded, &body), Ok(()));
}

#[test]
fn oversized_signature_headers_are_refused_before_decoding() {
    let keys = two_keys();
    // Not even base64: refused for its length alone.
    let long = "!".repeat(MAX_SIGNATURE_LEN + 1);
    assert_eq!(
        keys.verify("k2", &long, BODY),
        Err(VerifyError::SignatureTooLong {
            len: MAX_SIGNATURE_LEN + 1,
            max: MAX_SIGNATURE_LEN
        })
    );
    // Even for an unknown key.
    assert!(matches!(
        keys.verify("nobody", &long, BODY),
        Err(VerifyError::SignatureTooLong { .. })
    ));
    // At the limit it is decoded (and is no signature).
    let at_limit = "A".repeat(MAX_SIGNATURE_LEN);
    assert_eq!(
        keys.verify("k2", &at_limit, BODY),
        Err(VerifyError::MalformedSignature)
    );
}

#[test]
fn key_lists_are_read_as_published() {
    // Unknown fields at both levels, `is_current` left out, CRLF line endings.
    let pem = public_pem(&signing_key(3)).replace('\n', "\r\n");
    let text = json!({
        "etag": "W/\"abc\"",
        "public_keys": [{
            "key_identifier": "a1b2",
            "key": pem,
            "algorithm": "ecdsa-p256-sha256",
        }],
    })
    .to_string();
    let keys = ReporterKeys::from_json(&text).unwrap();
    // `is_current` left out: current.
    assert_eq!(keys.clone().current_only().len(), 1);
    assert_eq!(
        keys.verify("a1b2", sign(&signing_key(3), BODY), BODY),
        Ok(())
    );
    let shown = format!("{keys:?}");
    assert!(
        shown.contains("a1b2") && shown.contains("is_current: true"),
        "{shown}"
    );
}

/// The refusal of the one-entry list `{"public_keys": [entry]}` after a good first entry.
fn second_entry_refusal(second: serde_json::Value) -> KeysError {
    let text = key_list(&[entry("good", &signing_key(1), true), second]);
    ReporterKeys::from_json(&text).unwrap_err()
}

#[test]
fn bad_entries_are_refused_by_position_and_identifier() {
    let pem = public_pem(&signing_key(2));
    let refusal = |id: &str, reason| KeysError::Entry {
        index: 1,
        key_identifier: id.to_owned(),
        reason,
    };

    let bad_pem = second_entry_refusal(
        json!({"key_identifier": "k2", "key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}),
    );
    assert!(
        matches!(&bad_pem, KeysError::Entry { index: 1, key_identifier, reason: KeyEntryError::InvalidKey(_) } if key_identifier == "k2"),
        "{bad_pem:?}"
    );
    assert!(
        bad_pem
            .to_string()
            .starts_with("key 1 of the list (\"k2\"): the key is not a P-256"),
        "{bad_pem}"
    );

    // RFC 8410's Ed25519 public key: SPKI PEM, but not P-256.
    let ed25519 = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
    // The private key is not what a list holds.
    let private = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
    for not_p256 in [ed25519, private, "", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"] {
        assert!(
            matches!(
                second_entry_refusal(json!({"key_identifier": "k2", "key": not_p256})),
                KeysError::Entry {
                    index: 1,
                    reason: KeyEntryError::InvalidKey(_),
                    ..
                }
            ),
            "{not_p256:?}"
        );
    }

    // A key without the PEM armour says what it lacks (not the PEM parser's own message).
    for unarmoured in ["", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", private] {
        assert_eq!(
            second_entry_refusal(json!({"key_identifier": "k2", "key": unarmoured})),
            refusal(
                "k2",
                KeyEntryError::InvalidKey(
                    "not a PEM public key: it must start with -----BEGIN PUBLIC KEY-----"
                        .to_owned()
                )
            ),
            "{unarmoured:?}"
        );
    }

    assert_eq!(
        second_entry_refusal(json!({"key": pem})),
        refusal("", KeyEntryError::MissingIdentifier)
    );
    assert_eq!(
        second_entry_refusal(json!({"key_identifier": "k2"})),
        refusal("k2", KeyEntryError::MissingKey)
    );
    assert_eq!(
        second_entry_refusal(json!({"key_identifier": "k2", "key": null})),
        refusal("k2", KeyEntryError::MissingKey)
    );
    for bad_id in ["", "has space", "tab\t", "é"] {
        assert_eq!(
            second_entry_refusal(json!({"key_identifier": bad_id, "key": pem})),
            refusal(bad_id, KeyEntryError::InvalidIdentifier),
            "{bad_id:?}"
        );
    }
    // A long identifier is named cut to the limit.
    let long_id = "x".repeat(MAX_KEY_ID_LEN + 10);
    assert_eq!(
        second_entry_refusal(json!({"key_identifier": long_id, "key": pem})),
        refusal(&long_id[..MAX_KEY_ID_LEN], KeyEntryError::InvalidIdentifier)
    );
    let long_pem = format!("{pem}{}", " ".repeat(MAX_KEY_PEM_LEN));
    assert_eq!(
        second_entry_refusal(json!({"key_identifier": "k2", "key": long_pem})),
        refusal(
            "k2",
            KeyEntryError::KeyTooLong {
                len: long_pem.len(),
                max: MAX_KEY_PEM_LEN
            }
        )
    );
    assert_eq!(
        second_entry_refusal(entry("good", &signing_key(2), true)),
        refusal("good", KeyEntryError::DuplicateIdentifier)
    );
}

#[test]
fn key_list_bounds() {
    let entries: Vec<_> = (0..MAX_KEYS)
        .map(|n| entry(&format!("k{n}"), &signing_key(1 + (n % 200) as u8), true))
        .collect();
    assert_eq!(
        ReporterKeys::from_json(&key_list(&entries)).unwrap().len(),
        MAX_KEYS
    );

    // One more entry, even a broken one, is one too many: it is not read.
    let mut too_many = entries.clone();
    too_many.push(json!("not an entry"));
    assert_eq!(
        ReporterKeys::from_json(&key_list(&too_many)).unwrap_err(),
        KeysError::TooManyKeys { max: MAX_KEYS }
    );

    let huge = format!(
        r#"{{"public_keys": [], "padding": "{}"}}"#,
        "x".repeat(MAX_KEY_LIST_LEN)
    );
    assert_eq!(
        ReporterKeys::from_json(&huge).unwrap_err(),
        KeysError::TooLarge {
            len: huge.len(),
            max: MAX_KEY_LIST_LEN
        }
    );
}

#[test]
fn malformed_and_empty_key_lists_are_refused() {
    let good = entry("k", &signing_key(1), true);
    for text in [
        String::new(),
        "not json".to_owned(),
        json!([good]).to_string(),
        json!({"keys": [good]}).to_string(),
        json!({"public_keys": good}).to_string(),
        json!({"public_keys": ["k"]}).to_string(),
        json!({"public_keys": [{"key_identifier": 7, "key": "x"}]}).to_string(),
        json!({"public_keys": [{"key_identifier": "k", "key": "x", "is_current": "yes"}]})
            .to_string(),
        format!(r#"{{"public_keys": [{good}], "public_keys": [{good}]}}"#),
        format!("{} trailing", key_list(core::slice::from_ref(&good))),
    ] {
        assert!(
            matches!(ReporterKeys::from_json(&text), Err(KeysError::Malformed(_))),
            "{text}"
        );
    }
    assert_eq!(
        ReporterKeys::from_json(r#"{"public_keys": []}"#).unwrap_err(),
        KeysError::Empty
    );
    // Every key retired: the list loads, and `current_only` leaves nothing.
    let retired = ReporterKeys::from_json(&key_list(&[entry("k", &signing_key(1), false)]))
        .unwrap()
        .current_only();
    assert!(retired.is_empty());
    assert_eq!(
        retired.verify("k", sign(&signing_key(1), BODY), BODY),
        Err(VerifyError::UnknownKey)
    );
}
