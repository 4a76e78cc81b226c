//! `CorsPolicy`: a validated configuration, and the evaluation of one request against it.

use crate::allowed_origins::AllowedOrigins;
use crate::builder::CorsPolicyBuilder;
use crate::decision::{CorsDecision, CorsDenial};
use crate::header_name::HeaderName;
use crate::http_token;
use crate::method::Method;
use crate::origin::OriginParts;
use crate::origin_pattern::ANY_ORIGIN;
use crate::request::CorsRequest;
use crate::request_headers;
use crate::response_headers::{CorsHeader, ResponseHeaders};
use crate::route_set::{RouteMatch, RouteSet};
use crate::vary::Vary;

/// Whether cross-origin requests may carry credentials (cookies, HTTP authentication, client
/// certificates) and read the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CorsCredentials {
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
    pub(crate) credentials: CorsCredentials,
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
    /// The longest `Access-Control-Request-Headers` value a preflight may carry, in bytes.
    pub const MAX_REQUEST_HEADERS_LEN: usize = request_headers::MAX_LEN;
    /// The most elements (empty ones included) `Access-Control-Request-Headers` may have.
    pub const MAX_REQUEST_HEADERS_COUNT: usize = request_headers::MAX_COUNT;

    /// A builder with the defaults: no route, no origin, methods
    /// `GET, HEAD, PUT, PATCH, POST, DELETE`, request headers `authorization` and
    /// `content-type`, no exposed headers, no credentials, max-age 600 s.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use tollgate_cors::{CorsCredentials, CorsDecision, CorsDenial, CorsPolicy, CorsRequest};
    ///
    /// let policy = CorsPolicy::builder()
    ///     .routes("/v1/bots, /v1/rooms")
    ///     .allowed_origins("https://app.example.com, https://*.example.org")
    ///     .allowed_methods(["GET", "POST"])
    ///     .credentials(CorsCredentials::Include)
    ///     .max_age(Duration::from_secs(3600))
    ///     .build()?;
    ///
    /// let preflight = CorsRequest::new("OPTIONS", "/v1/rooms/3")
    ///     .origin(b"https://a.example.org")
    ///     .request_method(b"DELETE");
    /// assert_eq!(
    ///     policy.evaluate(&preflight),
    ///     CorsDecision::PreflightDenied(CorsDenial::MethodNotAllowed)
    /// );
    ///
    /// // Every problem is reported at once.
    /// let errors = CorsPolicy::builder()
    ///     .routes("v1/bots")
    ///     .allowed_origins("*")
    ///     .credentials(CorsCredentials::Include)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(errors.as_slice().len(), 2);
    /// # Ok::<(), tollgate_cors::error::PolicyErrors>(())
    /// ```
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
            Some(method) if request.method == "OPTIONS" => {
                match self.preflight(
                    route,
                    origin,
                    method,
                    request.access_control_request_headers,
                ) {
                    Ok(headers) => CorsDecision::PreflightAllowed(headers),
                    Err(reason) => CorsDecision::PreflightDenied(reason),
                }
            }
            _ => match self.allow_origin(route, origin) {
                Ok(allow_origin) => CorsDecision::ActualAllowed(self.actual_headers(allow_origin)),
                Err(reason) => CorsDecision::ActualDenied {
                    reason,
                    vary: self.vary_for(route),
                },
            },
        }
    }

    /// The `Access-Control-Allow-Origin` value for a listed route and an allowed origin.
    fn allow_origin<'a>(
        &'a self,
        route: RouteMatch,
        origin: &'a [u8],
    ) -> Result<&'a str, CorsDenial> {
        match route {
            RouteMatch::Listed => {}
            RouteMatch::NotListed => return Err(CorsDenial::RouteNotListed),
            RouteMatch::NotInNormalForm => return Err(CorsDenial::PathNotInNormalForm),
        }
        // The usual case, an origin spelled exactly as a listed one, needs no parsing.
        if let Some(listed) = self.origins.exact_match(origin) {
            return Ok(listed);
        }
        let parts = OriginParts::parse(origin).map_err(|_| CorsDenial::InvalidOrigin)?;
        if !self.origins.allows_parts(&parts) {
            return Err(CorsDenial::OriginNotAllowed);
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
    ) -> Result<ResponseHeaders<'a>, CorsDenial> {
        let allow_origin = self.allow_origin(route, origin)?;
        // An allowed method is a token, so the syntax is read only to say why one is refused.
        if !self
            .methods
            .iter()
            .any(|allowed| allowed.as_str().as_bytes() == method)
        {
            return Err(if http_token::is_token(method) {
                CorsDenial::MethodNotAllowed
            } else {
                CorsDenial::InvalidRequestMethod
            });
        }
        if let Some(requested) = requested_headers {
            request_headers::check(requested, &self.allowed_headers)?;
        }
        let mut headers = self.common_headers(allow_origin);
        headers.push(CorsHeader::AllowMethods, &self.allow_methods_value);
        if !self.allowed_headers.is_empty() {
            headers.push(CorsHeader::AllowHeaders, &self.allow_headers_value);
        }
        headers.push(CorsHeader::MaxAge, &self.max_age_value);
        headers.set_vary(Vary::Preflight);
        Ok(headers)
    }

    fn actual_headers<'a>(&'a self, allow_origin: &'a str) -> ResponseHeaders<'a> {
        let mut headers = self.common_headers(allow_origin);
        if !self.exposed_headers.is_empty() {
            headers.push(CorsHeader::ExposeHeaders, &self.expose_headers_value);
        }
        headers.set_vary(if self.origins.is_any() {
            Vary::NotNeeded
        } else {
            Vary::Origin
        });
        headers
    }

    fn common_headers<'a>(&self, allow_origin: &'a str) -> ResponseHeaders<'a> {
        let mut headers = ResponseHeaders::default();
        headers.push(CorsHeader::AllowOrigin, allow_origin);
        if self.credentials == CorsCredentials::Include {
            headers.push(CorsHeader::AllowCredentials, "true");
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

    /// The allowed methods, as given (methods are case-sensitive).
    pub fn methods(&self) -> impl Iterator<Item = &str> {
        self.methods.iter().map(Method::as_str)
    }

    /// The allowed request headers, lowercase.
    pub fn allowed_headers(&self) -> impl Iterator<Item = &str> {
        self.allowed_headers.iter().map(HeaderName::as_str)
    }

    /// The response headers exposed to pages, lowercase.
    pub fn exposed_headers(&self) -> impl Iterator<Item = &str> {
        self.exposed_headers.iter().map(HeaderName::as_str)
    }

    /// Whether credentials are allowed.
    #[must_use]
    pub fn credentials(&self) -> CorsCredentials {
        self.credentials
    }

    /// How long browsers may cache a preflight answer, in seconds.
    #[must_use]
    pub fn max_age_seconds(&self) -> u64 {
        self.max_age_seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glue code converts each such value once (see [`CorsHeader`]), so it must not change
    /// from one request to another.
    #[test]
    fn every_kind_but_the_origin_and_vary_has_one_value_per_policy() {
        let policy = CorsPolicy::builder()
            .routes("/v1")
            .allowed_origins("https://app.example.com, https://*.example.org")
            .exposed_headers(["x-total"])
            .credentials(CorsCredentials::Include)
            .build()
            .unwrap();
        let origins: [&[u8]; 3] = [
            b"https://app.example.com",
            b"https://a.example.org",
            b"https://evil.example",
        ];
        let mut seen: Vec<(CorsHeader, &str)> = Vec::new();
        for origin in origins {
            for method in ["GET", "OPTIONS"] {
                let request = CorsRequest::new(method, "/v1/x")
                    .origin(origin)
                    .request_method(b"PUT")
                    .request_headers(b"content-type");
                for (kind, value) in policy.evaluate(&request).response_headers().iter() {
                    if matches!(kind, CorsHeader::AllowOrigin | CorsHeader::Vary) {
                        continue;
                    }
                    match seen.iter().find(|(known, _)| *known == kind) {
                        Some(&(_, first)) => assert_eq!(first, value, "{kind:?}"),
                        None => seen.push((kind, value)),
                    }
                }
            }
        }
        assert_eq!(seen.len(), 5, "{seen:?}");
    }
}
