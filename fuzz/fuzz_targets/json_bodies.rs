//! The example server's JSON request bodies. The server's request structs are private to
//! its crate, and depending on it would build SQLite and PostgreSQL drivers into every
//! target (see README.md), so this target reads each body with the same shape (field names,
//! types, unknown fields refused) and hands each field to the library parser the server's
//! handler calls on it, and reads the library types that have a serde form straight from
//! JSON. Guarantees: every value a parser accepts prints as text (or JSON) that parses back
//! to an equal value (a token's `signing_key` both as the server stores it, as text, and as
//! it answers it, as `alg` and `public_key`); nothing panics on any bytes.
#![no_main]

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use tollgate_cors::{AllowedOrigins, OriginPattern};
use tollgate_limit::{Period, Quota, Rate};
use tollgate_scope::{Access, Grants, ResourceName, Role, Scope, SignatureKey, TokenKind};
use tollgate_sign::VerifyingKey;
use tollgate_store::UserName;
use tollgate_token::TokenName;

/// `POST /v1/tokens` (the server's `handlers::tokens::NewToken`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    kind: Option<String>,
    scope: Option<String>,
    expires_at: Option<String>,
    allowed_origins: Option<Vec<String>>,
    grants: Option<BTreeMap<String, Vec<String>>>,
    rate_limit: Option<String>,
    quota: Option<NewQuota>,
    signing_key: Option<NewSigningKey>,
}

/// A token's `signing_key` (the server's `handlers::tokens::NewSigningKey`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSigningKey {
    alg: String,
    public_key: String,
}

/// A token's `quota` (the server's `handlers::tokens::NewQuota`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewQuota {
    limit: u64,
    period: String,
}

/// `POST /v1/users` (the server's `handlers::users::NewUser`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    role: String,
    signing_key: Option<NewSigningKey>,
}

/// Parses `text`; if accepted, its printed form parses to an equal value.
fn round_trip<T: FromStr + Display + PartialEq + std::fmt::Debug>(text: &str) {
    if let Ok(value) = text.parse::<T>() {
        assert_eq!(
            value.to_string().parse::<T>().ok().as_ref(),
            Some(&value),
            "{text:?}"
        );
    }
}

/// A `signing_key` as the server's `parse_signing_key` reads it (both bodies): the parts, then
/// the key must be a curve point. A key is answered as `{"alg", "public_key"}` and stored as
/// its text: both read back to it.
fn signing_key(given: &NewSigningKey) {
    let Ok(key) = SignatureKey::from_parts(&given.alg, &given.public_key) else {
        return;
    };
    let _point = VerifyingKey::ed25519(key.public_key());
    let stored = key.to_string();
    assert_eq!(stored.parse(), Ok(key), "{stored}");
    // The text is `{alg}:{public_key}`, the public key in standard base64 as answered.
    let (alg, public_key) = stored.split_once(':').expect("alg:key");
    assert_eq!(
        SignatureKey::from_parts(alg, public_key),
        Ok(key),
        "{stored}"
    );
}

/// Reads `json` as `T`; if accepted, its JSON form reads back to an equal value.
fn json_round_trip<
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
>(
    json: &[u8],
) {
    if let Ok(value) = serde_json::from_slice::<T>(json) {
        let written = serde_json::to_string(&value).expect("serializes");
        assert_eq!(
            serde_json::from_str::<T>(&written).ok().as_ref(),
            Some(&value),
            "{written}"
        );
    }
}

fuzz_target!(|json: &[u8]| {
    if let Ok(body) = serde_json::from_slice::<NewToken>(json) {
        if let Ok(name) = TokenName::new(&body.name) {
            assert_eq!(TokenName::new(name.as_str()).as_ref(), Ok(&name));
        }
        body.kind.as_deref().map(round_trip::<TokenKind>);
        body.scope.as_deref().map(round_trip::<Scope>);
        if let Some(Ok(at)) = body.expires_at.as_deref().map(DateTime::parse_from_rfc3339) {
            assert_eq!(DateTime::parse_from_rfc3339(&at.to_rfc3339()), Ok(at));
        }
        body.allowed_origins
            .iter()
            .flatten()
            .for_each(|o| round_trip::<OriginPattern>(o));
        for (resource, accesses) in body.grants.iter().flatten() {
            round_trip::<ResourceName>(resource);
            accesses.iter().for_each(|a| round_trip::<Access>(a));
        }
        body.rate_limit.as_deref().map(round_trip::<Rate>);
        if let Some(quota) = body.quota
            && let Ok(period) = quota.period.parse::<Period>()
            && let Ok(quota) = Quota::new(quota.limit, period)
        {
            assert_eq!(quota.to_string().parse(), Ok(quota));
        }
        body.signing_key.as_ref().map(signing_key);
    }
    if let Ok(body) = serde_json::from_slice::<NewUser>(json) {
        if let Ok(name) = UserName::new(&body.name) {
            assert_eq!(UserName::new(name.as_str()).as_ref(), Ok(&name));
        }
        round_trip::<Role>(&body.role);
        body.signing_key.as_ref().map(signing_key);
    }
    json_round_trip::<Grants>(json);
    json_round_trip::<Scope>(json);
    json_round_trip::<Vec<OriginPattern>>(json);
    json_round_trip::<AllowedOrigins>(json);
});
