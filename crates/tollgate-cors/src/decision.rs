//! What a policy says about one request: plain data, never an error.

use std::fmt;

use crate::response_headers::ResponseHeaders;
use crate::vary::Vary;

/// The answer of [`CorsPolicy::evaluate`](crate::CorsPolicy::evaluate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum CorsDecision<'a> {
    /// No `Origin` header: not a CORS request. Handle it normally and add `vary` (set when
    /// the same route answers cross-origin requests with origin-dependent headers).
    NotCors {
        /// The `Vary` the response needs.
        vary: Vary,
    },
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`: answer it here.
    Preflight(PreflightDecision<'a>),
    /// Any other request with `Origin`: handle it normally, then add the headers.
    Actual(ActualDecision<'a>),
}

/// The answer to a preflight request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
#[expect(
    clippy::large_enum_variant,
    reason = "returned by value on the hot path; boxing the headers would allocate"
)]
pub enum PreflightDecision<'a> {
    /// Answer `204 No Content` with these headers.
    Allowed(ResponseHeaders<'a>),
    /// Answer `403 Forbidden` without CORS headers.
    Rejected(PreflightRejection),
}

/// The answer to an actual (non-preflight) cross-origin request.
///
/// This never refuses the request itself: the server handles it as usual (its own checks
/// apply), and the browser withholds the response from the page unless CORS headers allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
#[expect(
    clippy::large_enum_variant,
    reason = "returned by value on the hot path; boxing the headers would allocate"
)]
pub enum ActualDecision<'a> {
    /// Add these headers to the response, whatever its status.
    Allowed(ResponseHeaders<'a>),
    /// Add no CORS headers, only `vary`.
    NotAllowed {
        /// Why not.
        reason: ActualRejection,
        /// The `Vary` the response needs.
        vary: Vary,
    },
}

/// Why a preflight was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreflightRejection {
    /// The path is under no listed route.
    RouteNotListed,
    /// The path is not in normal form, so it matches no route.
    PathNotInNormalForm,
    /// The `Origin` header is not a valid origin (this includes `null`).
    InvalidOrigin,
    /// The origin is not allowed.
    OriginNotAllowed,
    /// `Access-Control-Request-Method` is not a method name.
    InvalidRequestMethod,
    /// The requested method is not allowed.
    MethodNotAllowed,
    /// `Access-Control-Request-Headers` is longer than
    /// [`MAX_REQUEST_HEADERS_LEN`](crate::MAX_REQUEST_HEADERS_LEN).
    RequestHeadersTooLong,
    /// `Access-Control-Request-Headers` has more than
    /// [`MAX_REQUEST_HEADERS_COUNT`](crate::MAX_REQUEST_HEADERS_COUNT) elements.
    TooManyRequestHeaders,
    /// An element of `Access-Control-Request-Headers` is not a header name.
    InvalidRequestHeaderName,
    /// A requested header is not allowed.
    RequestHeaderNotAllowed,
}

/// Why an actual cross-origin request gets no CORS headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActualRejection {
    /// The path is under no listed route.
    RouteNotListed,
    /// The path is not in normal form, so it matches no route.
    PathNotInNormalForm,
    /// The `Origin` header is not a valid origin (this includes `null`).
    InvalidOrigin,
    /// The origin is not allowed.
    OriginNotAllowed,
}

impl<'a> CorsDecision<'a> {
    /// The headers to add to the response in every case: the CORS headers when allowed,
    /// otherwise only the `Vary` the response needs (nothing for a rejected preflight).
    #[must_use]
    pub fn response_headers(&self) -> ResponseHeaders<'a> {
        match *self {
            Self::NotCors { vary } | Self::Actual(ActualDecision::NotAllowed { vary, .. }) => {
                ResponseHeaders::vary_only(vary)
            }
            Self::Preflight(PreflightDecision::Allowed(headers))
            | Self::Actual(ActualDecision::Allowed(headers)) => headers,
            Self::Preflight(PreflightDecision::Rejected(_)) => {
                ResponseHeaders::vary_only(Vary::NotNeeded)
            }
        }
    }
}

impl fmt::Display for PreflightRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RouteNotListed => "route not listed for CORS",
            Self::PathNotInNormalForm => "request path not in normal form",
            Self::InvalidOrigin => "invalid Origin header",
            Self::OriginNotAllowed => "origin not allowed",
            Self::InvalidRequestMethod => "invalid Access-Control-Request-Method",
            Self::MethodNotAllowed => "requested method not allowed",
            Self::RequestHeadersTooLong => "Access-Control-Request-Headers too long",
            Self::TooManyRequestHeaders => "too many headers in Access-Control-Request-Headers",
            Self::InvalidRequestHeaderName => {
                "invalid header name in Access-Control-Request-Headers"
            }
            Self::RequestHeaderNotAllowed => "requested header not allowed",
        })
    }
}

impl fmt::Display for ActualRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RouteNotListed => "route not listed for CORS",
            Self::PathNotInNormalForm => "request path not in normal form",
            Self::InvalidOrigin => "invalid Origin header",
            Self::OriginNotAllowed => "origin not allowed",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response_headers::VARY;

    #[test]
    fn response_headers_carry_only_vary_unless_allowed() {
        let not_cors = CorsDecision::NotCors { vary: Vary::Origin };
        assert_eq!(not_cors.response_headers().as_slice(), [(VARY, "origin")]);
        let rejected = CorsDecision::Preflight(PreflightDecision::Rejected(
            PreflightRejection::OriginNotAllowed,
        ));
        assert!(rejected.response_headers().is_empty());
        let not_allowed = CorsDecision::Actual(ActualDecision::NotAllowed {
            reason: ActualRejection::RouteNotListed,
            vary: Vary::NotNeeded,
        });
        assert!(not_allowed.response_headers().is_empty());
    }

    #[test]
    fn reasons_read_well_in_logs() {
        assert_eq!(
            PreflightRejection::MethodNotAllowed.to_string(),
            "requested method not allowed"
        );
        assert_eq!(
            ActualRejection::InvalidOrigin.to_string(),
            "invalid Origin header"
        );
    }
}
