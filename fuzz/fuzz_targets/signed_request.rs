//! HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530) as a server checks them:
//! `tollgate_sign::signature_base`, `Verifier::verify` and `verify_content_digest` on a request
//! made of arbitrary bytes.
//!
//! Input: a flags byte, then a request written like HTTP/1.1 with `\n` line ends: a request
//! line `METHOD AUTHORITY PATH-AND-QUERY` (split at its first two spaces; UTF-8), field lines
//! `name: value` (`Signature-Input`, `Signature`, `Content-Digest`, `Date`, any others; a name
//! given twice makes two field lines, joined as RFC 9421 joins them), an empty line, and the
//! body (every byte after it). Inputs with a field line that is not a valid field name and
//! value (control bytes, DEL) are skipped, as no server hands those over. Flags: bits 0-1
//! pick the scheme (`https`, `http`, `HTTPS`, `wss`); bit 2 makes the harness write a correct
//! `Content-Digest` for the body (bit 5: `sha-512` rather than `sha-256`), replacing any;
//! bit 3 makes the harness sign: each Signature-Input member whose `keyid` names one of the
//! two fixed keys gets that key's signature of the base `signature_base` gives, in a
//! `Signature` field written anew (so the fuzzer reaches what `verify` checks after the
//! signature); bit 4 adds `date` to the verifier's required fields.
//!
//! The keys are RFC 9421's (Appendix B.1.4 `test-key-ed25519`, B.1.5 `test-shared-secret`),
//! so the RFC's own signed requests are seeds; `verify` runs at a fixed time, a few seconds
//! after the RFC's `created`, with each key under each key id.
//!
//! Guarantees:
//! - nothing panics, whatever the bytes;
//! - `verify` returns `Ok` only for a signature the key's holder made over exactly the base
//!   `signature_base` builds for that member: the `Signature` member's bytes equal the
//!   (deterministic) signature of that base by the fixed private key or secret. The fuzzer
//!   cannot forge either key, but it can legitimately reach `Ok`, by keeping a seed's real
//!   signature while changing what it does not cover (another field, the label, the order of
//!   members), or through bit 3 (the harness holds the HMAC secret and the Ed25519 private key,
//!   as a client does), so `Ok` itself is not asserted against; an `Ok` for bytes that are not
//!   the key's signature of that base (another key's signature, a signature of another
//!   base) is. An accepted request also meets the documented policy (covers `@method`,
//!   `@authority`, `@path`, `@query` when there is a query, `content-digest` when there is a
//!   body and then the digest matches it, `date` when required and present; `created` within
//!   the window, `expires` not passed, a `nonce`, `alg` the key's), and verifying it again
//!   with the same verifier is refused as `Replayed`;
//! - a member the harness signed (bit 3) is never refused as `Mismatch` by its own key;
//! - a signature base, when built, has one line per covered component, each starting with
//!   the component's serialised identifier and `: `, and ends with the line
//!   `"@signature-params": ` followed by the member's serialised inner list; a member that is
//!   not an inner list is `Malformed`, an absent label `Missing`, and a base that cannot be
//!   built a typed `Base` error;
//! - `verify_content_digest` accepts exactly when the field is a dictionary whose `sha-256`
//!   and `sha-512` members, at least one, are byte sequences equal to the body's digests
//!   (computed here with `sha2`), and refuses with the matching typed error otherwise; the
//!   field `content_digest` writes for a body is accepted for it.
#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use sfv::{BareItem, Dictionary, FieldType, InnerList, Item, Key, ListEntry, Parser};
use sha2::{Digest, Sha256, Sha512};
use tollgate_fuzz::rfc9421::{ED25519_SEED, SHARED_SECRET};
use tollgate_sign::{
    DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE, DigestAlgorithm, DigestError, Request, SigningKey,
    Verifier, VerifyError, content_digest, signature_base, verify_content_digest,
};

/// The time `verify` runs at: 7 s after RFC 9421's examples' `created` (1618884473).
const NOW: u64 = 1_618_884_480;
const SCHEMES: [&str; 4] = ["https", "http", "HTTPS", "wss"];

/// The two keys, each with its RFC key id.
fn keys() -> [(&'static str, SigningKey); 2] {
    [
        ("test-key-ed25519", SigningKey::ed25519(&ED25519_SEED)),
        (
            "test-shared-secret",
            SigningKey::hmac_sha256(&SHARED_SECRET).expect("a 64-byte secret"),
        ),
    ]
}

/// The request the input describes, or `None` when it is not one this target reads.
struct Message<'a> {
    flags: u8,
    method: &'a str,
    authority: &'a str,
    target: &'a str,
    headers: HeaderMap,
    body: &'a [u8],
}

fn message(data: &[u8]) -> Option<Message<'_>> {
    let (&flags, rest) = data.split_first()?;
    let (line, mut rest) = split_line(rest);
    let line = std::str::from_utf8(line).ok()?;
    let (method, line) = line.split_once(' ').unwrap_or((line, ""));
    let (authority, target) = line.split_once(' ').unwrap_or((line, ""));
    let mut headers = HeaderMap::new();
    let mut body: &[u8] = &[];
    while !rest.is_empty() {
        let (line, after) = split_line(rest);
        rest = after;
        if line.is_empty() {
            body = rest;
            break;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let name = HeaderName::from_bytes(&line[..colon]).ok()?;
        let value = line[colon + 1..].trim_ascii_start();
        headers.append(name, HeaderValue::from_bytes(value).ok()?);
    }
    Some(Message {
        flags,
        method,
        authority,
        target,
        headers,
        body,
    })
}

/// The bytes up to the first `\n`, and those after it.
fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[]),
    }
}

/// A field's lines, each trimmed, joined with `, ` (RFC 9421 section 2.1), as bytes; `None`
/// when absent.
fn joined(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut lines = headers.get_all(name).iter();
    let mut joined = lines.next()?.as_bytes().trim_ascii().to_vec();
    for line in lines {
        joined.extend_from_slice(b", ");
        joined.extend_from_slice(line.as_bytes().trim_ascii());
    }
    Some(joined)
}

/// `Signature-Input` or `Signature` as a dictionary: `None` when absent, `Some(Err(()))` when
/// longer than tollgate-sign reads (the lines as received, with their separators) or not a
/// dictionary.
fn dictionary(headers: &HeaderMap, name: &str) -> Option<Result<Dictionary, ()>> {
    let received: usize = headers.get_all(name).iter().map(|line| line.len() + 2).sum();
    joined(headers, name).map(|bytes| {
        if received - 2 > tollgate_sign::MAX_SIGNATURE_FIELD_BYTES {
            return Err(());
        }
        Parser::new(&bytes).parse().map_err(|_| ())
    })
}

fn string_param<'a>(list: &'a InnerList, name: &str) -> Option<&'a str> {
    match list.params.get(name) {
        Some(BareItem::String(value)) => Some(value.as_str()),
        _ => None,
    }
}

fn integer_param(list: &InnerList, name: &str) -> Option<i64> {
    match list.params.get(name) {
        Some(BareItem::Integer(value)) => Some(i64::from(*value)),
        _ => None,
    }
}

/// Whether `name` is covered with no parameters, as the policy reads coverage.
fn covers(list: &InnerList, name: &str) -> bool {
    list.items.iter().any(|item| {
        item.params.is_empty()
            && matches!(&item.bare_item, BareItem::String(covered) if covered.as_str() == name)
    })
}

/// The one Signature-Input member, an inner list, whose `keyid` is `key_id`.
fn member_for<'a>(inputs: &'a Dictionary, key_id: &str) -> Option<(&'a Key, &'a InnerList)> {
    let mut ours = inputs.iter().filter_map(|(label, entry)| match entry {
        ListEntry::InnerList(list) if string_param(list, "keyid") == Some(key_id) => {
            Some((label, list))
        }
        _ => None,
    });
    let found = ours.next()?;
    ours.next().is_none().then_some(found)
}

/// The signature base's shape, for every label of `Signature-Input`.
fn check_bases(request: &Request<'_>, headers: &HeaderMap) {
    let absent = signature_base(request, headers, "not a label");
    let inputs = match dictionary(headers, "signature-input") {
        None => {
            assert_eq!(absent, Err(VerifyError::Missing));
            return;
        }
        Some(Err(())) => {
            assert!(
                matches!(absent, Err(VerifyError::Malformed(_))),
                "{absent:?}"
            );
            return;
        }
        Some(Ok(inputs)) => inputs,
    };
    assert_eq!(absent, Err(VerifyError::Missing));
    for (label, entry) in &inputs {
        let base = signature_base(request, headers, label.as_str());
        let list = match entry {
            ListEntry::Item(_) => {
                assert!(matches!(base, Err(VerifyError::Malformed(_))), "{base:?}");
                continue;
            }
            ListEntry::InnerList(list) => list,
        };
        let base = match base {
            Ok(base) => base,
            Err(error) => {
                assert!(matches!(error, VerifyError::Base(_)), "{error:?}");
                continue;
            }
        };
        let lines: Vec<&[u8]> = base.split(|&b| b == b'\n').collect();
        assert_eq!(
            lines.len(),
            list.items.len() + 1,
            "one line per component, then @signature-params: {:?}",
            String::from_utf8_lossy(&base)
        );
        for (line, item) in lines.iter().zip(&list.items) {
            let identifier = format!("{}: ", item.serialize());
            assert!(
                line.starts_with(identifier.as_bytes()),
                "{identifier:?} in {:?}",
                String::from_utf8_lossy(&base)
            );
        }
        let params = vec![ListEntry::InnerList(list.clone())]
            .serialize()
            .expect("a one-member list serialises");
        let last = format!("\"@signature-params\": {params}");
        assert_eq!(
            lines.last().copied(),
            Some(last.as_bytes()),
            "{:?}",
            String::from_utf8_lossy(&base)
        );
    }
}

/// `verify_content_digest` against RFC 9530 section 2 as its documentation states it.
fn check_content_digest(field: &str, body: &[u8]) {
    let result = verify_content_digest(field, body);
    let Ok(digests) = Parser::new(field).parse::<Dictionary>() else {
        assert_eq!(result, Err(DigestError::Malformed), "{field:?}");
        return;
    };
    let sha256 = Sha256::digest(body).to_vec();
    let sha512 = Sha512::digest(body).to_vec();
    let (mut supported, mut malformed) = (false, false);
    let mut mismatched = Vec::new();
    for (key, entry) in &digests {
        let (algorithm, expected) = match key.as_str() {
            "sha-256" => (DigestAlgorithm::Sha256, &sha256),
            "sha-512" => (DigestAlgorithm::Sha512, &sha512),
            _ => continue,
        };
        supported = true;
        match entry {
            ListEntry::Item(Item {
                bare_item: BareItem::ByteSequence(given),
                ..
            }) => {
                if given != expected {
                    mismatched.push(algorithm);
                }
            }
            _ => malformed = true,
        }
    }
    assert_eq!(
        result.is_ok(),
        supported && !malformed && mismatched.is_empty(),
        "{field:?}: {result:?}"
    );
    match result {
        Ok(()) => {}
        Err(DigestError::Malformed) => assert!(malformed, "{field:?}"),
        Err(DigestError::NoSupportedAlgorithm) => assert!(!supported, "{field:?}"),
        Err(DigestError::Mismatch(algorithm)) => {
            assert!(mismatched.contains(&algorithm), "{field:?}");
        }
        Err(error) => panic!("{error:?} for {field:?}"),
    }
}

/// Signs, with each key, the member that names it, and writes `Signature` anew. The bases
/// signed, by label.
fn sign(request: &Request<'_>, headers: &mut HeaderMap) -> Vec<(String, Vec<u8>)> {
    let Some(Ok(inputs)) = dictionary(headers, "signature-input") else {
        return Vec::new();
    };
    let mut signatures = Dictionary::new();
    let mut signed = Vec::new();
    for (key_id, key) in keys() {
        let Some((label, _)) = member_for(&inputs, key_id) else {
            continue;
        };
        let Ok(base) = signature_base(request, headers, label.as_str()) else {
            continue;
        };
        signatures.insert(
            label.clone(),
            ListEntry::Item(Item::new(BareItem::ByteSequence(key.sign(&base)))),
        );
        signed.push((label.as_str().to_owned(), base));
    }
    if let Some(value) = signatures.serialize() {
        headers.insert(
            "signature",
            HeaderValue::from_str(&value).expect("a serialised dictionary is a field value"),
        );
    }
    signed
}

/// What an accepted request must be: signed by `key` over its base, within the policy.
fn check_accepted(
    request: &Request<'_>,
    headers: &HeaderMap,
    body: &[u8],
    key_id: &str,
    key: &SigningKey,
    require_date: bool,
) {
    let Some(Ok(inputs)) = dictionary(headers, "signature-input") else {
        panic!("accepted without a Signature-Input dictionary");
    };
    let (label, input) = member_for(&inputs, key_id).expect("accepted: one member names the key");
    let Some(Ok(signatures)) = dictionary(headers, "signature") else {
        panic!("accepted without a Signature dictionary");
    };
    let Some(ListEntry::Item(Item {
        bare_item: BareItem::ByteSequence(signature),
        ..
    })) = signatures.get(label.as_str())
    else {
        panic!("accepted without a byte sequence for {label:?}");
    };
    let base = signature_base(request, headers, label.as_str()).expect("accepted: a base");
    assert_eq!(
        &key.sign(&base),
        signature,
        "accepted a signature that is not the {:?} key's signature of the base {:?}",
        key.algorithm(),
        String::from_utf8_lossy(&base)
    );

    let created = integer_param(input, "created").expect("accepted: created");
    let (max_age, skew) = (DEFAULT_MAX_AGE.as_secs(), DEFAULT_CLOCK_SKEW.as_secs());
    let created = u64::try_from(created).expect("accepted: created is not negative");
    assert!(
        created <= NOW + skew && created + max_age + skew >= NOW,
        "{created}"
    );
    if let Some(expires) = integer_param(input, "expires") {
        let expires = u64::try_from(expires).expect("accepted: expires is not negative");
        assert!(expires + skew >= NOW, "{expires}");
    }
    assert!(string_param(input, "nonce").is_some(), "accepted: a nonce");
    if let Some(alg) = string_param(input, "alg") {
        assert_eq!(alg, key.algorithm().name());
    }
    assert!(covers(input, "@method"));
    let uri = covers(input, "@target-uri");
    let target = uri || covers(input, "@request-target");
    assert!(covers(input, "@authority") || uri);
    assert!(covers(input, "@path") || target);
    if request.path_and_query.contains('?') {
        assert!(covers(input, "@query") || target);
    }
    if require_date && headers.contains_key("date") {
        assert!(covers(input, "date"));
    }
    if !body.is_empty() {
        assert!(covers(input, "content-digest"));
        let field = joined(headers, "content-digest").expect("accepted: Content-Digest");
        let field = std::str::from_utf8(&field).expect("accepted: a text Content-Digest");
        assert_eq!(verify_content_digest(field, body), Ok(()));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(mut message) = message(data) else {
        return;
    };
    let request = Request {
        method: message.method,
        scheme: SCHEMES[usize::from(message.flags & 3)],
        authority: message.authority,
        path_and_query: message.target,
    };
    let headers = &mut message.headers;
    let body = message.body;

    if message.flags & 4 != 0 {
        let algorithm = if message.flags & 32 == 0 {
            DigestAlgorithm::Sha256
        } else {
            DigestAlgorithm::Sha512
        };
        let field = content_digest(body, algorithm);
        assert_eq!(verify_content_digest(&field, body), Ok(()), "{field}");
        headers.insert(
            "content-digest",
            HeaderValue::from_str(&field).expect("a digest field is a field value"),
        );
    }
    let signed = if message.flags & 8 != 0 {
        sign(&request, headers)
    } else {
        Vec::new()
    };
    let headers = &*headers;

    check_bases(&request, headers);
    if let Some(field) = joined(headers, "content-digest")
        && let Ok(field) = std::str::from_utf8(&field)
    {
        check_content_digest(field, body);
    }

    let require_date = message.flags & 16 != 0;
    let keys = keys();
    for (id_index, (key_id, _)) in keys.iter().enumerate() {
        for (key_index, (_, key)) in keys.iter().enumerate() {
            let mut verifier = Verifier::new();
            if require_date {
                verifier = verifier.requiring("date");
            }
            let verifying = key.verifying_key();
            match verifier.verify(&request, headers, body, key_id, &verifying, NOW) {
                Ok(()) => {
                    check_accepted(&request, headers, body, key_id, key, require_date);
                    assert_eq!(
                        verifier.verify(&request, headers, body, key_id, &verifying, NOW),
                        Err(VerifyError::Replayed),
                        "an accepted request, sent again"
                    );
                }
                Err(VerifyError::Mismatch) if id_index == key_index && !signed.is_empty() => {
                    // A member the harness signed with this key, over the base it still has
                    // (covering `Signature` itself changes it), matches.
                    let Some(Ok(inputs)) = dictionary(headers, "signature-input") else {
                        continue;
                    };
                    let Some((label, _)) = member_for(&inputs, key_id) else {
                        continue;
                    };
                    let base = signature_base(&request, headers, label.as_str()).ok();
                    assert!(
                        !signed
                            .iter()
                            .any(|(l, b)| l == label.as_str() && Some(b) == base.as_ref()),
                        "the harness's own signature of {label:?} refused as Mismatch"
                    );
                }
                Err(_) => {}
            }
        }
    }
});
