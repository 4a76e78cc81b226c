//! axum support (the `axum` feature): a [`Refusal`] is a response, and the [`Realm`] an
//! authentication layer put in a request's extensions is an extractor.

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;

use crate::{Realm, Refusal, internal};

/// A handler may return `Result<_, Refusal>`: the refusal is sent as
/// [`Refusal::to_response`] makes it.
impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        self.to_response()
    }
}

/// The realm an authentication layer (tollgate-http's `AuthLayer`) put in the request's
/// extensions, for a handler's own refusals with the same challenges. Without one, 500
/// `internal`: the server is misconfigured, and inventing a realm would hide it.
impl<S: Sync> FromRequestParts<S> for Realm {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        parts
            .extensions
            .get::<Realm>()
            .cloned()
            .ok_or_else(|| internal(&NoRealm))
    }
}

/// Why a handler asking for the [`Realm`] got 500: logged, never shown.
#[derive(Debug)]
struct NoRealm;

impl core::fmt::Display for NoRealm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the request has no Realm: no authentication layer put one in its extensions")
    }
}

impl std::error::Error for NoRealm {}

#[cfg(test)]
mod tests {
    use core::pin::pin;
    use core::task::{Context, Poll, Waker};
    use core::time::Duration;

    use http::header::{CONTENT_TYPE, RETRY_AFTER};
    use http::{Request, StatusCode};

    use super::*;
    use crate::RefusalCode;

    #[test]
    fn axum_response_is_the_same_response() {
        let refusal = Refusal::new(StatusCode::CONFLICT, "duplicate_name", "taken")
            .with_retry_after(Duration::from_secs(2));
        let response = refusal.clone().into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[RETRY_AFTER], "2");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(
            response
                .extensions()
                .get::<RefusalCode>()
                .map(|code| code.as_str()),
            Some("duplicate_name")
        );
    }

    /// The extractor's answer for a request with these extensions (it never waits).
    fn extract(realm: Option<Realm>) -> Result<Realm, Refusal> {
        let (mut parts, ()) = Request::new(()).into_parts();
        if let Some(realm) = realm {
            parts.extensions.insert(realm);
        }
        let mut future = pin!(Realm::from_request_parts(&mut parts, &()));
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(answer) => answer,
            Poll::Pending => panic!("the extractor waited"),
        }
    }

    #[test]
    fn the_realm_is_extracted_and_its_absence_is_a_500() {
        let realm = Realm::new("notes").unwrap();
        assert_eq!(extract(Some(realm.clone())).unwrap(), realm);
        let refused = extract(None).unwrap_err();
        assert_eq!(
            (refused.status, refused.code),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        );
    }
}
