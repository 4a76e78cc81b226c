//! axum extractors for what [`AuthLayer`](crate::AuthLayer) put in a request's extensions
//! (the `axum` feature).
//!
//! A request that did not pass an `AuthLayer` is refused with 500 `internal` by each of them:
//! the server is misconfigured, and answering as if the caller were anonymous would fail open.

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use tollgate_store::Authenticated;

use crate::auth_layer::left_by_auth_layer;
use crate::{Caller, Realm, Refusal, refusal};

/// The request's valid token and its owner's role. A handler taking it runs only for a
/// request that presented a valid token; an anonymous request is refused with 401
/// `missing_token` (when tokens are optional; when they are required, the `AuthLayer` has
/// refused it already). Take `Option<CallerToken>` where anonymous callers are served too.
#[derive(Debug, Clone)]
pub struct CallerToken(pub Authenticated);

impl<S: Sync> FromRequestParts<S> for CallerToken {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        match left_by_auth_layer::<Caller>(&parts.extensions)? {
            Caller::Token(found) => Ok(Self(found.clone())),
            Caller::Anonymous => {
                let realm: &Realm = left_by_auth_layer(&parts.extensions)?;
                Err(refusal::missing_token(realm))
            }
        }
    }
}

impl<S: Sync> OptionalFromRequestParts<S> for CallerToken {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Refusal> {
        match left_by_auth_layer::<Caller>(&parts.extensions)? {
            Caller::Token(found) => Ok(Some(Self(found.clone()))),
            Caller::Anonymous => Ok(None),
        }
    }
}

/// The caller, anonymous or not.
impl<S: Sync> FromRequestParts<S> for Caller {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        left_by_auth_layer::<Caller>(&parts.extensions).cloned()
    }
}
