//! The signature step of [`AuthLayer`](crate::AuthLayer): a token with a signing key is
//! accepted only on requests it signed (HTTP Message Signatures, RFC 9421).

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::Request;
use http::header::HOST;
use http::uri::{Authority, PathAndQuery, Scheme};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tollgate_scope::SignatureKey;
use tollgate_sign::{Verifier, VerifyError, VerifyingKey};

use crate::{Realm, Refusal, refusal};

/// The largest body a signed request may have by default: 64 KiB.
pub const DEFAULT_MAX_SIGNED_BODY: usize = 64 * 1024;

/// How an [`AuthLayer`](crate::AuthLayer) checks the requests of tokens that have a signing
/// key ([`Limits::signing_key`](tollgate_scope::Limits::signing_key)).
///
/// - The signature is checked by a [`Verifier`] (its default policy unless replaced), with
///   `keyid` the token's id and the time from the layer's clock. Its nonces are remembered by
///   this value, shared by the layer's clones.
/// - The body of such a request is read, at most [`DEFAULT_MAX_SIGNED_BODY`] bytes unless
///   changed (413 `payload_too_large` past that), to check its `Content-Digest`, and handed on
///   to the handler from memory: it is read from the client once.
/// - `@authority` is the target URI's authority, or else the `Host` field; `@scheme` is the
///   target URI's scheme, or else `http` unless changed (a server behind a TLS proxy says
///   `https`).
#[derive(Debug)]
pub struct SignedRequests {
    verifier: Verifier,
    scheme: Scheme,
    max_body: usize,
}

impl Default for SignedRequests {
    fn default() -> Self {
        Self::new()
    }
}

impl SignedRequests {
    /// The default verifier, scheme `http` and body limit.
    #[must_use]
    pub fn new() -> Self {
        Self {
            verifier: Verifier::new(),
            scheme: Scheme::HTTP,
            max_body: DEFAULT_MAX_SIGNED_BODY,
        }
    }

    /// Checks signatures with `verifier` (its policy and its memory of nonces).
    #[must_use]
    pub fn with_verifier(self, verifier: Verifier) -> Self {
        Self { verifier, ..self }
    }

    /// The scheme of requests whose target URI has none (origin-form, as servers receive).
    #[must_use]
    pub fn with_scheme(self, scheme: Scheme) -> Self {
        Self { scheme, ..self }
    }

    /// The largest body a signed request may have.
    #[must_use]
    pub fn with_max_body(self, max_body: usize) -> Self {
        Self { max_body, ..self }
    }

    /// `request` if it is signed by `key` under `key_id` as the verifier requires, with its
    /// body read into memory; else the refusal to answer with.
    pub(crate) async fn check<B>(
        &self,
        request: Request<B>,
        key: &SignatureKey,
        key_id: &str,
        now: DateTime<Utc>,
        realm: &Realm,
    ) -> Result<Request<B>, Refusal>
    where
        B: Body + From<Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        // Without any signature there is nothing to check the body against: refused before a
        // byte of it is read.
        if !request.headers().contains_key("signature-input") {
            return Err(refusal::signature_error(&VerifyError::Missing, realm));
        }
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, self.max_body).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.is::<LengthLimitError>() => {
                return Err(refusal::payload_too_large(self.max_body));
            }
            Err(error) => return Err(refusal::unreadable_body(&error)),
        };
        // Ed25519 is the one algorithm a `SignatureKey` has. The server checked the key when the
        // token was made, so a key that is not a curve point is a corrupt row: 500.
        let verifying_key =
            VerifyingKey::ed25519(key.public_key()).map_err(|error| refusal::internal(&error))?;
        let authority = parts
            .uri
            .authority()
            .map(Authority::as_str)
            .or_else(|| parts.headers.get(HOST).and_then(|host| host.to_str().ok()))
            .unwrap_or_default();
        let signed = tollgate_sign::Request {
            method: parts.method.as_str(),
            scheme: parts.uri.scheme_str().unwrap_or(self.scheme.as_str()),
            authority,
            path_and_query: parts.uri.path_and_query().map_or("/", PathAndQuery::as_str),
        };
        let now = u64::try_from(now.timestamp()).unwrap_or_default();
        self.verifier
            .verify(&signed, &parts.headers, &body, key_id, &verifying_key, now)
            .map_err(|error| refusal::signature_error(&error, realm))?;
        Ok(Request::from_parts(parts, B::from(body)))
    }
}
