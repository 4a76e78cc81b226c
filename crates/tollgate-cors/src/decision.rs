//! What a policy says about one request: plain data, never an error.

use std::fmt;

use crate::response_headers::ResponseHeaders;
use crate::vary::Vary;

/// The answer of [`CorsPolicy::evaluate`](crate::CorsPolicy::evaluate).
///
/// An actual request (any request with `Origin` that is not a preflight) is never refused
/// here: the server handles it as usual (its own checks apply), and the browser withholds the
/// response from the page unless CORS headers allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum CorsDecision<'a> {
    /// No `Origin` header: not a CORS request. Handle it normally and add `vary` (set when
    /// the same route answers cross-origin requests with origin-dependent headers).
    NotCors {
        /// The `Vary` the response needs.
        vary: Vary,
    },
    /// An allowed preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`):
    /// answer `204 No Content` with these headers.
    PreflightAllowed(ResponseHeaders<'a>),
    /// A denied preflight: answer `403 Forbidden` without CORS headers.
    PreflightDenied(CorsDenial),
    /// An allowed actual request: add these headers to the response, whatever its status.
    ActualAllowed(ResponseHeaders<'a>),
    /// An actual request CORS does not allow: add no CORS headers, only `vary`.
    ActualDenied {
        /// Why not (never one of the reasons about requested methods or headers).
        reason: CorsDenial,
        /// The `Vary` the response needs.
        vary: Vary,
    },
}

/// Why CORS denies a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorsDenial {
    /// The path is under no listed route.
    RouteNotListed,
    /// The path is not in normal form, so it matches no route.
    PathNotInNormalForm,
    /// The `Origin` header is not a valid origin (this includes `null`).
    InvalidOrigin,
    /// The origin is not allowed.
    OriginNotAllowed,
    /// Preflights only: `Access-Control-Request-Method` is not a method name.
    InvalidRequestMethod,
    /// Preflights only: the requested method is not allowed.
    MethodNotAllowed,
    /// Preflights only: `Access-Control-Request-Headers` is longer than
    /// [`CorsPolicy::MAX_REQUEST_HEADERS_LEN`](crate::CorsPolicy::MAX_REQUEST_HEADERS_LEN).
    RequestHeadersTooLong,
    /// Preflights only: `Access-Control-Request-Headers` has more than
    /// [`CorsPolicy::MAX_REQUEST_HEADERS_COUNT`](crate::CorsPolicy::MAX_REQUEST_HEADERS_COUNT)
    /// elements.
    TooManyRequestHeaders,
    /// Preflights only: an element of `Access-Control-Request-Headers` is not a header name.
    InvalidRequestHeaderName,
    /// Preflights only: a requested header is not allowed.
    RequestHeaderNotAllowed,
}

impl<'a> CorsDecision<'a> {
    /// The headers to add to the response in every case: the CORS headers when allowed,
    /// otherwise only the `Vary` the response needs (nothing for a denied preflight).
    #[must_use]
    pub fn response_headers(&self) -> ResponseHeaders<'a> {
        match *self {
            Self::NotCors { vary } | Self::ActualDenied { vary, .. } => {
                ResponseHeaders::vary_only(vary)
            }
            Self::PreflightAllowed(headers) | Self::ActualAllowed(headers) => headers,
            Self::PreflightDenied(_) => ResponseHeaders::vary_only(Vary::NotNeeded),
        }
    }
}

impl fmt::Display for CorsDenial {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response_headers::CorsHeader;

    #[test]
    fn response_headers_carry_only_vary_unless_allowed() {
        let not_cors = CorsDecision::NotCors { vary: Vary::Origin };
        assert_eq!(
            not_cors.response_headers().iter().collect::<Vec<_>>(),
            [(CorsHeader::Vary, "origin")]
        );
        let denied = CorsDecision::PreflightDenied(CorsDenial::OriginNotAllowed);
        assert!(denied.response_headers().is_empty());
        let not_allowed = CorsDecision::ActualDenied {
            reason: CorsDenial::RouteNotListed,
            vary: Vary::NotNeeded,
        };
        assert!(not_allowed.response_headers().is_empty());
    }

    #[test]
    fn reasons_read_well_in_logs() {
        assert_eq!(
            CorsDenial::MethodNotAllowed.to_string(),
            "requested method not allowed"
        );
        assert_eq!(
            CorsDenial::InvalidOrigin.to_string(),
            "invalid Origin header"
        );
    }
}
