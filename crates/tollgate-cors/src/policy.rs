//! `CorsPolicy`: a validated configuration, and the evaluation of one request against it.

use crate::allowed_origins::AllowedOrigins;
use crate::builder::CorsPolicyBuilder;
use crate::decision::{
    ActualDecision, ActualRejection, CorsDecision, PreflightDecision, PreflightRejection,
};
use crate::header_name::HeaderName;
use crate::http_token;
use crate::method::Method;
use crate::origin::OriginParts;
use crate::origin_pattern::ANY_ORIGIN;
use crate::request::CorsRequest;
use crate::request_headers;
use crate::response_headers::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ResponseHeaders,
};
use crate::route_set::{RouteMatch, RouteSet};
use crate::vary::Vary;

/// Whether cross-origin requests may carry credentials (cookies, HTTP authentication, client
/// certificates) and read the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No `Access-Control-Allow-Credentials` (the default). Bearer tokens in `Authorization`
    /// do not need credentials mode.
    #[default]
    Omit,
    /// `Access-Control-Allow-Credentials: true`. Cannot be combined with origin `*`.
    Include,
}

/// A CORS policy: which routes, origins, methods and headers, built once and shared.
///
/// Build it with [`CorsPolicy::builder`]; evaluate each request with [`CorsPolicy::evaluate`].
/// Header values are computed at build time, so evaluation only borrows them.
#[derive(Debug, Clone)]
pub struct CorsPolicy {
    pub(crate) routes: RouteSet,
    pub(crate) origins: AllowedOrigins,
    pub(crate) credentials: Credentials,
    pub(crate) methods: Vec<Method>,
    pub(crate) allowed_headers: Vec<HeaderName>,
    pub(crate) exposed_headers: Vec<HeaderName>,
    pub(crate) max_age_seconds: u64,
    /// The header values, joined once.
    pub(crate) allow_methods_value: String,
    pub(crate) allow_headers_value: String,
    pub(crate) expose_headers_value: String,
    pub(crate) max_age_value: String,
}

impl CorsPolicy {
    /// A builder with the defaults: no route, no origin, methods
    /// `GET, HEAD, PUT, PATCH, POST, DELETE`, request headers `authorization` and
    /// `content-type`, no exposed headers, no credentials, max-age 600 s.
    pub fn builder() -> CorsPolicyBuilder {
        CorsPolicyBuilder::default()
    }

    /// Decides what to do with a request. Never fails, and allocates nothing: the headers
    /// borrow from this policy and from the request's `Origin`.
    pub fn evaluate<'a>(&'a self, request: &CorsRequest<'a>) -> CorsDecision<'a> {
        let route = self.routes.lookup(request.path);
        let Some(origin) = request.origin else {
            return CorsDecision::NotCors {
                vary: self.vary_for(route),
            };
        };
        match request.access_control_request_method {
            Some(method) if request.method == "OPTIONS" => CorsDecision::Preflight(
                match self.preflight(
                    route,
                    origin,
                    method,
                    request.access_control_request_headers,
                ) {
                    Ok(headers) => PreflightDecision::Allowed(headers),
                    Err(reason) => PreflightDecision::Rejected(reason),
                },
            ),
            _ => CorsDecision::Actual(match self.allow_origin(route, origin) {
                Ok(allow_origin) => ActualDecision::Allowed(self.actual_headers(allow_origin)),
                Err(reason) => ActualDecision::NotAllowed {
                    reason,
                    vary: self.vary_for(route),
                },
            }),
        }
    }

    /// The `Access-Control-Allow-Origin` value for a listed route and an allowed origin.
    fn allow_origin<'a>(
        &'a self,
        route: RouteMatch,
        origin: &'a [u8],
    ) -> Result<&'a str, ActualRejection> {
        match route {
            RouteMatch::Listed => {}
            RouteMatch::NotListed => return Err(ActualRejection::RouteNotListed),
            RouteMatch::NotInNormalForm => return Err(ActualRejection::PathNotInNormalForm),
        }
        // The usual case, an origin spelled exactly as a listed one, needs no parsing.
        if let Some(listed) = self.origins.exact_match(origin) {
            return Ok(listed);
        }
        let parts = OriginParts::parse(origin).map_err(|_| ActualRejection::InvalidOrigin)?;
        if !self.origins.allows_parts(&parts) {
            return Err(ActualRejection::OriginNotAllowed);
        }
        // `*` never comes with credentials (the builder refuses it), so it can be sent as is.
        Ok(if self.origins.is_any() {
            ANY_ORIGIN
        } else {
            parts.text
        })
    }

    fn preflight<'a>(
        &'a self,
        route: RouteMatch,
        origin: &'a [u8],
        method: &[u8],
        requested_headers: Option<&[u8]>,
    ) -> Result<ResponseHeaders<'a>, PreflightRejection> {
        let allow_origin = self.allow_origin(route, origin)?;
        // An allowed method is a token, so the syntax is read only to say why one is refused.
        if !self
            .methods
            .iter()
            .any(|allowed| allowed.as_str().as_bytes() == method)
        {
            return Err(if http_token::is_token(method) {
                PreflightRejection::MethodNotAllowed
            } else {
                PreflightRejection::InvalidRequestMethod
            });
        }
        if let Some(requested) = requested_headers {
            request_headers::check(requested, &self.allowed_headers)?;
        }
        let mut headers = self.common_headers(allow_origin);
        headers.push(ACCESS_CONTROL_ALLOW_METHODS, &self.allow_methods_value);
        if !self.allowed_headers.is_empty() {
            headers.push(ACCESS_CONTROL_ALLOW_HEADERS, &self.allow_headers_value);
        }
        headers.push(ACCESS_CONTROL_MAX_AGE, &self.max_age_value);
        headers.push_vary(Vary::Preflight);
        Ok(headers)
    }

    fn actual_headers<'a>(&'a self, allow_origin: &'a str) -> ResponseHeaders<'a> {
        let mut headers = self.common_headers(allow_origin);
        if !self.exposed_headers.is_empty() {
            headers.push(ACCESS_CONTROL_EXPOSE_HEADERS, &self.expose_headers_value);
        }
        headers.push_vary(if self.origins.is_any() {
            Vary::NotNeeded
        } else {
            Vary::Origin
        });
        headers
    }

    fn common_headers<'a>(&self, allow_origin: &'a str) -> ResponseHeaders<'a> {
        let mut headers = ResponseHeaders::default();
        headers.push(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        if self.credentials == Credentials::Include {
            headers.push(ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        headers
    }

    /// `Vary: Origin` on a listed route whose answer depends on the origin, so a cached
    /// response without CORS headers is never served to an allowed origin.
    fn vary_for(&self, route: RouteMatch) -> Vary {
        if route == RouteMatch::Listed && !self.origins.is_any() {
            Vary::Origin
        } else {
            Vary::NotNeeded
        }
    }

    /// The routes opened to cross-origin requests.
    #[must_use]
    pub fn routes(&self) -> &RouteSet {
        &self.routes
    }

    /// The allowed origins.
    #[must_use]
    pub fn origins(&self) -> &AllowedOrigins {
        &self.origins
    }

    /// The allowed methods.
    #[must_use]
    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    /// The allowed request headers.
    #[must_use]
    pub fn allowed_headers(&self) -> &[HeaderName] {
        &self.allowed_headers
    }

    /// The response headers exposed to pages.
    #[must_use]
    pub fn exposed_headers(&self) -> &[HeaderName] {
        &self.exposed_headers
    }

    /// Whether credentials are allowed.
    #[must_use]
    pub fn credentials(&self) -> Credentials {
        self.credentials
    }

    /// How long browsers may cache a preflight answer, in seconds.
    #[must_use]
    pub fn max_age_seconds(&self) -> u64 {
        self.max_age_seconds
    }

    /// Every header value this policy may answer with that does not depend on the request:
    /// all but an echoed `Access-Control-Allow-Origin`. Glue code converts them to its own
    /// header type once, when it is set up, instead of on every response.
    pub fn fixed_header_values(&self) -> impl Iterator<Item = &str> {
        [
            self.allow_methods_value.as_str(),
            self.allow_headers_value.as_str(),
            self.expose_headers_value.as_str(),
            self.max_age_value.as_str(),
            "true",
            ANY_ORIGIN,
            Vary::Origin.header_value().unwrap_or_default(),
            Vary::Preflight.header_value().unwrap_or_default(),
        ]
        .into_iter()
        .filter(|value| !value.is_empty())
    }
}

impl From<ActualRejection> for PreflightRejection {
    fn from(reason: ActualRejection) -> Self {
        match reason {
            ActualRejection::RouteNotListed => Self::RouteNotListed,
            ActualRejection::PathNotInNormalForm => Self::PathNotInNormalForm,
            ActualRejection::InvalidOrigin => Self::InvalidOrigin,
            ActualRejection::OriginNotAllowed => Self::OriginNotAllowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_header_values_cover_every_value_but_the_echoed_origin() {
        let policy = CorsPolicy::builder()
            .routes("/v1")
            .allowed_origins("https://app.example.com")
            .exposed_headers(["x-total"])
            .credentials(Credentials::Include)
            .build()
            .unwrap();
        let fixed: Vec<&str> = policy.fixed_header_values().collect();
        let preflight = CorsRequest::new("OPTIONS", "/v1/x")
            .origin(b"https://app.example.com")
            .request_method(b"GET");
        let actual = CorsRequest::new("GET", "/v1/x").origin(b"https://app.example.com");
        for request in [preflight, actual] {
            let headers = policy.evaluate(&request).response_headers();
            assert!(headers.len() >= 3);
            for (name, value) in &headers {
                if name != ACCESS_CONTROL_ALLOW_ORIGIN {
                    assert!(fixed.contains(&value), "{name}: {value}");
                }
            }
        }
    }
}
