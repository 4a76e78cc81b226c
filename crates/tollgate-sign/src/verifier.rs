//! Checking a signed request against a policy: what it must cover, how old it may be, and
//! that its nonce is new.

use std::time::Duration;

use http::HeaderMap;
use sfv::{BareItem, InnerList, Item, ListEntry};

use crate::component::{BaseError, signature_base};
use crate::fields::{dictionary, joined_lines};
use crate::nonces::{Nonces, Remember};
use crate::{Algorithm, DigestError, Request, VerifyingKey, verify_content_digest};

/// Why a signed request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The request carries no signature by the expected key (no `Signature-Input` member
    /// whose `keyid` is the key's id).
    #[error("the request is not signed with the expected key")]
    Missing,
    /// `Signature-Input` or `Signature` is not what RFC 9421 describes, or a parameter this
    /// verifier needs (`created`, `nonce`) is missing or mistyped.
    #[error("the signature fields are malformed: {0}")]
    Malformed(&'static str),
    /// The signature does not cover a component the policy requires.
    #[error("the signature does not cover {0}, which is required")]
    NotCovered(String),
    /// The signature base cannot be built from the covered components.
    #[error(transparent)]
    Base(#[from] BaseError),
    /// The signature's `alg` parameter names another algorithm than the key's, which is this.
    #[error("the signature's alg is not {0}, the key's algorithm")]
    WrongAlgorithm(Algorithm),
    /// The signature does not match the signature base under the key.
    #[error(
        "the signature does not match the request: sign the method, target and fields exactly as \
         sent, with the key whose id is keyid"
    )]
    Mismatch,
    /// The covered `Content-Digest` does not vouch for the body.
    #[error(transparent)]
    Digest(#[from] DigestError),
    /// `created` is later than now, beyond the allowed clock skew.
    #[error(
        "the signature's created time is ahead of the verifier's clock: check the signer's clock"
    )]
    CreatedInFuture,
    /// `created` is older than the allowed age, or `expires` has passed.
    #[error("the signature has expired")]
    Expired,
    /// The nonce was seen in a request verified before, within the allowed age.
    #[error("the request was received before")]
    Replayed,
    /// The verifier remembers as many unexpired nonces as it may (for this key, or in all),
    /// and cannot take another without forgetting one early. Retry after `retry_after`, when
    /// the first of them expires.
    #[error("too many recent signatures to remember another")]
    Busy {
        /// How long until a remembered nonce expires and makes room.
        retry_after: Duration,
    },
}

/// Checks signed requests (RFC 9421) against a policy, and remembers their nonces.
///
/// The policy, and its defaults:
/// - the signature is the one in `Signature-Input` whose `keyid` is the expected key's id
///   (two such signatures are refused as ambiguous);
/// - it covers `@method`, `@authority` and `@path`, and `@query` when the target has a query
///   (`@target-uri` covers all three, `@request-target` the path and query);
///   `content-digest` when there is a body, and then the digest must match the body; and any
///   header field added with [`Verifier::requiring`];
/// - `created` is required, not older than [`DEFAULT_MAX_AGE`] and not in the future, each
///   with [`DEFAULT_CLOCK_SKEW`] allowed; `expires`, when present, has not passed;
/// - `alg`, when present, names the key's algorithm;
/// - `nonce` is required, and a (key id, nonce) pair is accepted once: it is remembered
///   until its `created` leaves the window, in memory bounded by [`DEFAULT_MAX_NONCES`], of
///   which one key may take a small share only (a sixty-fourth). When that is full of
///   unexpired nonces, requests are refused with [`VerifyError::Busy`] rather than an old
///   nonce forgotten early.
///
/// Every request does bounded work before its signature is checked: the signature fields are
/// at most [`MAX_SIGNATURE_FIELD_BYTES`](crate::MAX_SIGNATURE_FIELD_BYTES) each, a signature
/// covers at most [`MAX_COVERED_COMPONENTS`](crate::MAX_COVERED_COMPONENTS) components, and
/// each field and the query are parsed at most once. An authority holding `/`, `?` or `#` is
/// refused, so no part of the path can pass for part of the authority.
///
/// Nonces are remembered by this value only: servers that share keys each refuse replays
/// they saw themselves.
pub struct Verifier {
    max_age: u64,
    clock_skew: u64,
    required_fields: Vec<String>,
    nonces: Nonces,
}

/// How old a signature's `created` may be by default: 300 seconds.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// How far the signer's clock may be from the verifier's by default: 30 seconds.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(30);
/// How many nonces are remembered at most by default: a million, at most about 36 MB.
pub const DEFAULT_MAX_NONCES: usize = 1_000_000;

/// The policy, not the nonces.
impl core::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Verifier")
            .field("max_age", &self.max_age)
            .field("clock_skew", &self.clock_skew)
            .field("required_fields", &self.required_fields)
            .finish_non_exhaustive()
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// A verifier with the default policy.
    #[must_use]
    pub fn new() -> Self {
        Self {
            max_age: DEFAULT_MAX_AGE.as_secs(),
            clock_skew: DEFAULT_CLOCK_SKEW.as_secs(),
            required_fields: Vec::new(),
            nonces: Nonces::new(DEFAULT_MAX_NONCES),
        }
    }

    /// How old `created` may be (whole seconds).
    #[must_use]
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age.as_secs();
        self
    }

    /// How far the signer's clock may be off (whole seconds).
    #[must_use]
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew.as_secs();
        self
    }

    /// How many nonces to remember at most.
    #[must_use]
    pub fn with_max_nonces(mut self, max_nonces: usize) -> Self {
        self.nonces = Nonces::new(max_nonces);
        self
    }

    /// Requires the header field `name` (lowercase) to be covered too, whenever the request
    /// has it; a request without it need not cover it.
    #[must_use]
    pub fn requiring(mut self, name: &str) -> Self {
        self.required_fields.push(name.to_ascii_lowercase());
        self
    }

    /// Checks that `request` (with `headers` and `body`) is signed by `key`, whose id is
    /// `key_id`, under this policy, at `now` (Unix seconds). The nonce is remembered only when
    /// everything else holds.
    ///
    /// # Errors
    ///
    /// [`VerifyError`], the first reason found.
    pub fn verify(
        &self,
        request: &Request<'_>,
        headers: &HeaderMap,
        body: &[u8],
        key_id: &str,
        key: &VerifyingKey,
        now: u64,
    ) -> Result<(), VerifyError> {
        // `@authority` and `@target-uri` are only what they claim if the authority cannot
        // carry a path (or a query): `Host: api.example/admin` must not move `/admin` out of
        // the signed path.
        if request
            .authority
            .bytes()
            .any(|b| matches!(b, b'/' | b'?' | b'#' | b'\\') || !b.is_ascii_graphic())
        {
            return Err(VerifyError::Malformed(
                "the request's authority is not a host and port",
            ));
        }
        let inputs = dictionary(headers, "signature-input")
            .map_err(VerifyError::Malformed)?
            .ok_or(VerifyError::Missing)?;
        let mut ours = inputs.iter().filter_map(|(label, entry)| match entry {
            ListEntry::InnerList(list)
                if matches!(list.params.get("keyid"), Some(BareItem::String(id)) if id.as_str() == key_id) =>
            {
                Some((label, list))
            }
            _ => None,
        });
        let (label, input) = ours.next().ok_or(VerifyError::Missing)?;
        if ours.next().is_some() {
            return Err(VerifyError::Malformed("two signatures name the key"));
        }
        let signatures = dictionary(headers, "signature")
            .map_err(VerifyError::Malformed)?
            .ok_or(VerifyError::Malformed("Signature-Input without Signature"))?;
        let Some(ListEntry::Item(signature)) = signatures.get(label) else {
            return Err(VerifyError::Malformed("no Signature member for the label"));
        };
        let BareItem::ByteSequence(signature) = &signature.bare_item else {
            return Err(VerifyError::Malformed(
                "the Signature member is not a byte sequence",
            ));
        };

        let params = Params::of(input)?;
        if params.alg.is_some_and(|alg| alg != key.algorithm().name()) {
            return Err(VerifyError::WrongAlgorithm(key.algorithm()));
        }
        if signature.len() != key.algorithm().signature_len() {
            return Err(VerifyError::Mismatch);
        }
        self.check_times(&params, now)?;
        self.check_coverage(input, request, headers, body)?;

        let base = signature_base(request, headers, input)?;
        if !key.verifies(&base, signature) {
            return Err(VerifyError::Mismatch);
        }
        if covered(input, "content-digest").next().is_some() {
            let field = joined_lines(headers, "content-digest");
            let field = core::str::from_utf8(&field).map_err(|_| DigestError::Malformed)?;
            verify_content_digest(field, body)?;
        }
        let forget_at = params
            .created
            .saturating_add(self.max_age)
            .saturating_add(self.clock_skew)
            .saturating_add(1);
        let pair = self.nonces.pair(key_id, params.nonce);
        match self.nonces.remember(pair, forget_at, now) {
            Remember::New => Ok(()),
            Remember::Replayed => Err(VerifyError::Replayed),
            Remember::Full { until } => Err(VerifyError::Busy {
                retry_after: Duration::from_secs(until.saturating_sub(now).max(1)),
            }),
        }
    }

    fn check_times(&self, params: &Params<'_>, now: u64) -> Result<(), VerifyError> {
        if params.created > now.saturating_add(self.clock_skew) {
            return Err(VerifyError::CreatedInFuture);
        }
        let oldest = now.saturating_sub(self.max_age.saturating_add(self.clock_skew));
        let expired = params
            .expires
            .is_some_and(|expires| expires.saturating_add(self.clock_skew) < now);
        if params.created < oldest || expired {
            return Err(VerifyError::Expired);
        }
        Ok(())
    }

    fn check_coverage(
        &self,
        input: &InnerList,
        request: &Request<'_>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        let query = request.query().is_some().then_some("@query");
        let digest = (!body.is_empty()).then_some("content-digest");
        let fields = self
            .required_fields
            .iter()
            .map(String::as_str)
            .filter(|name| headers.contains_key(*name));
        // Covered as it is, with no parameter (`;bs` and the like change the value signed).
        let covered = |name: &str| covered(input, name).any(|item| item.params.is_empty());
        for required in ["@method", "@authority", "@path"]
            .into_iter()
            .chain(query)
            .chain(digest)
            .chain(fields)
        {
            // `@target-uri` holds the authority, path and query; `@request-target` the path
            // and query.
            let covered = covered(required)
                || (matches!(required, "@authority" | "@path" | "@query")
                    && covered("@target-uri"))
                || (matches!(required, "@path" | "@query") && covered("@request-target"));
            if !covered {
                return Err(VerifyError::NotCovered(required.to_owned()));
            }
        }
        Ok(())
    }
}

/// The covered components named `name`, with any parameters.
fn covered<'a>(input: &'a InnerList, name: &str) -> impl Iterator<Item = &'a Item> {
    input.items.iter().filter(
        move |item| matches!(&item.bare_item, BareItem::String(covered) if covered.as_str() == name),
    )
}

/// The signature parameters the policy reads.
struct Params<'a> {
    created: u64,
    expires: Option<u64>,
    nonce: &'a str,
    alg: Option<&'a str>,
}

impl<'a> Params<'a> {
    fn of(input: &'a InnerList) -> Result<Self, VerifyError> {
        let time = |name: &'static str| -> Result<Option<u64>, VerifyError> {
            let not_a_time = VerifyError::Malformed(
                "created and expires are whole seconds since 1970, such as created=1618884473",
            );
            match input.params.get(name) {
                None => Ok(None),
                Some(BareItem::Integer(value)) => u64::try_from(i64::from(*value))
                    .map(Some)
                    .map_err(|_| not_a_time),
                Some(_) => Err(not_a_time),
            }
        };
        let string = |name: &'static str| -> Result<Option<&'a str>, VerifyError> {
            match input.params.get(name) {
                None => Ok(None),
                Some(BareItem::String(value)) => Ok(Some(value.as_str())),
                Some(_) => Err(VerifyError::Malformed(
                    "nonce and alg are quoted strings, such as nonce=\"7Fx2\"",
                )),
            }
        };
        Ok(Self {
            created: time("created")?.ok_or(VerifyError::Malformed("created is required"))?,
            expires: time("expires")?,
            nonce: string("nonce")?.ok_or(VerifyError::Malformed("nonce is required"))?,
            alg: string("alg")?,
        })
    }
}
