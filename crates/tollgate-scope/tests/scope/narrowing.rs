//! Issue 14's invariant: a token derived from another is never allowed anything its parent is
//! not, whatever the parent, owner, request, operation, origin, resource and time.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use tollgate_cors::{AllowedOrigins, OriginPattern};
use tollgate_limit::{Quota, Rate};
use tollgate_scope::{
    Access, Grants, Limits, LimitsRequest, Operation, ResourceName, Scope, SignatureKey, TokenKind,
    Use, derive,
};

use crate::{PermissionSet, any_operation, any_scope};

const PATTERNS: [&str; 8] = [
    "*",
    "https://a.example.com",
    "https://b.example.com",
    "https://*.example.com",
    "https://*.a.example.com",
    "http://a.example.com",
    "https://a.example.com:8443",
    "https://x.a.example.com",
];

const ORIGINS: [&str; 8] = [
    "https://a.example.com",
    "https://x.a.example.com",
    "https://y.x.a.example.com",
    "https://b.example.com",
    "http://a.example.com",
    "https://a.example.com:8443",
    "https://evil.com",
    "null",
];

const RESOURCES: [&str; 4] = ["aspects/cpu", "aspects/mem", "subjects/h1", "subjects/h2"];

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + seconds, 0)
        .single()
        .unwrap()
}

fn any_kind() -> impl Strategy<Value = TokenKind> {
    prop_oneof![4 => Just(TokenKind::Secret), 1 => Just(TokenKind::Publishable)]
}

fn any_expiry() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    proptest::option::of((0_i64..100).prop_map(at))
}

fn any_patterns() -> impl Strategy<Value = Vec<OriginPattern>> {
    proptest::collection::vec(proptest::sample::select(PATTERNS.to_vec()), 0..4).prop_map(|texts| {
        texts
            .into_iter()
            .map(|text| OriginPattern::parse(text).unwrap())
            .collect()
    })
}

fn any_grants() -> impl Strategy<Value = Grants> {
    let pair = (
        proptest::sample::select(RESOURCES.to_vec()),
        proptest::sample::select(Access::ALL.to_vec()),
    );
    proptest::collection::vec(pair, 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(resource, access)| (ResourceName::new(resource).unwrap(), access))
            .collect()
    })
}

const RATES: [&str; 6] = ["10/s", "100/min", "50/min", "6000/h", "1/s", "100/day"];

const QUOTAS: [&str; 4] = ["10/day", "100/day", "1000/month", "10/month"];

fn any_rate() -> impl Strategy<Value = Option<Rate>> {
    proptest::option::of(
        proptest::sample::select(RATES.to_vec()).prop_map(|text| text.parse().unwrap()),
    )
}

fn any_quota() -> impl Strategy<Value = Option<Quota>> {
    proptest::option::of(
        proptest::sample::select(QUOTAS.to_vec()).prop_map(|text| text.parse().unwrap()),
    )
}

/// No signing key, or one of two.
fn any_signing_key() -> impl Strategy<Value = Option<SignatureKey>> {
    proptest::option::of(
        proptest::sample::select(vec![1_u8, 2]).prop_map(|byte| SignatureKey::Ed25519([byte; 32])),
    )
}

/// Parents that may mint most of the time: full, secret.
fn any_parent() -> impl Strategy<Value = Limits> {
    (
        any_kind(),
        prop_oneof![3 => Just(Scope::Full), 1 => any_scope()],
        any_expiry(),
        proptest::option::of(any_patterns().prop_map(AllowedOrigins::from_patterns)),
        proptest::option::of(any_grants()),
        any_rate(),
        any_quota(),
        any_signing_key(),
    )
        .prop_map(
            |(kind, scope, expires_at, allowed_origins, grants, rate_limit, quota, signing_key)| {
                Limits {
                    kind,
                    scope,
                    expires_at,
                    allowed_origins,
                    grants,
                    rate_limit,
                    quota,
                    signing_key,
                }
            },
        )
}

fn any_request() -> impl Strategy<Value = LimitsRequest> {
    (
        any_kind(),
        prop_oneof![Just(Scope::ReadOnly), any_scope()],
        any_expiry(),
        proptest::option::of(any_patterns()),
        proptest::option::of(any_grants()),
        any_rate(),
        any_quota(),
        any_signing_key(),
    )
        .prop_map(
            |(kind, scope, expires_at, allowed_origins, grants, rate_limit, quota, signing_key)| {
                LimitsRequest {
                    kind,
                    scope,
                    expires_at,
                    allowed_origins,
                    grants,
                    rate_limit,
                    quota,
                    signing_key,
                }
            },
        )
}

/// Owners who may do everything half of the time, and anything else otherwise.
fn any_owner() -> impl Strategy<Value = PermissionSet> {
    prop_oneof![
        Just(PermissionSet::of(&Operation::ALL)),
        (0_u8..64).prop_map(PermissionSet),
    ]
}

/// Any operation, on any resource or none, from any origin or none, at any time around the
/// parents' expiries.
fn any_use() -> impl Strategy<Value = Use<'static>> {
    (
        any_operation(),
        proptest::option::of((
            proptest::sample::select(RESOURCES.to_vec()),
            proptest::sample::select(Access::ALL.to_vec()),
        )),
        proptest::option::of(proptest::sample::select(ORIGINS.to_vec())),
        0_i64..120,
    )
        .prop_map(|(operation, resource, origin, seconds)| Use {
            operation,
            resource,
            origin: origin.map(str::as_bytes),
            at: at(seconds),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8192))]

    /// For every parent, owner, request, operation, origin, resource and instant: if the
    /// derived token is allowed something, so is its parent; its rate limit and quota are
    /// within the parent's; and the child of a signed-only parent is signed-only.
    #[test]
    fn a_derived_token_never_exceeds_its_parent(
        parent in any_parent(),
        owner in any_owner(),
        request in any_request(),
        attempt in any_use(),
    ) {
        let Ok(child) = derive(&parent, &owner, request) else {
            return Ok(());
        };
        if let Some(limit) = parent.rate_limit {
            prop_assert!(child.rate_limit.is_some_and(|rate| rate.is_within(&limit)));
        }
        if let Some(limit) = parent.quota {
            prop_assert!(child.quota.is_some_and(|quota| quota.is_within(&limit)));
        }
        if parent.signing_key.is_some() {
            prop_assert!(child.signing_key.is_some());
        }
        if child.check(&owner, &attempt).is_allowed() {
            prop_assert!(
                parent.check(&owner, &attempt).is_allowed(),
                "child {child:?} allowed {attempt:?}, parent {parent:?} refused"
            );
        }
    }

    /// Derivation is transitive: a grandchild derived from a child is also within the
    /// grandparent, so chains of tokens cannot widen step by step.
    #[test]
    fn a_chain_of_derivations_never_widens(
        parent in any_parent(),
        owner in any_owner(),
        first in any_request(),
        second in any_request(),
        attempt in any_use(),
    ) {
        let Ok(child) = derive(&parent, &owner, first) else {
            return Ok(());
        };
        let Ok(grandchild) = derive(&child, &owner, second) else {
            return Ok(());
        };
        if grandchild.check(&owner, &attempt).is_allowed() {
            prop_assert!(parent.check(&owner, &attempt).is_allowed());
        }
    }
}

/// The generators reach the interesting cases: without this, a proptest whose derivations all
/// failed would pass vacuously.
#[test]
fn the_generators_derive_tokens_that_are_allowed_things() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (any_parent(), any_owner(), any_request());
    let mut allowed = 0;
    for _ in 0..2000 {
        let (parent, owner, request) = strategy.new_tree(&mut runner).unwrap().current();
        if let Ok(child) = derive(&parent, &owner, request) {
            let attempt = Use {
                operation: Operation::ReadData,
                resource: Some(("aspects/cpu", Access::Read)),
                origin: Some(b"https://a.example.com"),
                at: at(0),
            };
            allowed += usize::from(child.check(&owner, &attempt).is_allowed());
        }
    }
    assert!(
        allowed >= 50,
        "only {allowed} of 2000 derived tokens were allowed a read"
    );
}
