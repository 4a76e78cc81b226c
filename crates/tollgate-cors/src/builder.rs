//! `CorsPolicyBuilder`: collects settings, then validates them all at once.

use std::time::Duration;

use crate::allowed_origins::AllowedOrigins;
use crate::error::{ErrorList, HeaderNameError, PolicyError, PolicyErrors};
use crate::header_name::HeaderName;
use crate::method::Method;
use crate::policy::{CorsCredentials, CorsPolicy};
use crate::route_set::{RouteCase, RouteSet};

/// See [`CorsPolicyBuilder::MAX_MAX_AGE`].
const MAX_MAX_AGE: Duration = CorsPolicyBuilder::MAX_MAX_AGE;

/// The default methods, Refocus's list.
const DEFAULT_METHODS: [&str; 6] = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"];
/// The default request headers: what a bearer-token JSON API needs.
const DEFAULT_HEADERS: [&str; 2] = ["authorization", "content-type"];
/// The default max-age.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);

/// Builds a [`CorsPolicy`]. Settings are plain text; [`CorsPolicyBuilder::build`] validates
/// all of them and reports every problem at once. Nothing here panics.
#[derive(Debug, Clone)]
#[must_use]
pub struct CorsPolicyBuilder {
    routes: String,
    route_case: RouteCase,
    origins: String,
    methods: Vec<String>,
    allowed_headers: Vec<String>,
    exposed_headers: Vec<String>,
    credentials: CorsCredentials,
    max_age: Duration,
}

impl Default for CorsPolicyBuilder {
    fn default() -> Self {
        Self {
            routes: String::new(),
            route_case: RouteCase::Sensitive,
            origins: String::new(),
            methods: owned(DEFAULT_METHODS),
            allowed_headers: owned(DEFAULT_HEADERS),
            exposed_headers: Vec::new(),
            credentials: CorsCredentials::Omit,
            max_age: DEFAULT_MAX_AGE,
        }
    }
}

impl CorsPolicyBuilder {
    /// The longest max-age accepted: 24 hours (Firefox's cap; Chromium caps at 2 hours).
    pub const MAX_MAX_AGE: Duration = Duration::from_secs(86_400);

    /// The routes, as a `CORS_ROUTES` value (see [`RouteSet::from_env_value`]).
    pub fn routes(mut self, value: &str) -> Self {
        value.clone_into(&mut self.routes);
        self
    }

    /// How route segments compare (case-sensitive by default).
    pub fn route_case(mut self, case: RouteCase) -> Self {
        self.route_case = case;
        self
    }

    /// The allowed origins, as a `CORS_ALLOWED_ORIGINS` value (see
    /// [`AllowedOrigins::from_env_value`]). None by default.
    pub fn allowed_origins(mut self, value: &str) -> Self {
        value.clone_into(&mut self.origins);
        self
    }

    /// The methods a preflight may request, replacing the defaults.
    pub fn allowed_methods<I>(mut self, methods: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.methods = owned(methods);
        self
    }

    /// The request headers a preflight may name, replacing the defaults.
    pub fn allowed_headers<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.allowed_headers = owned(names);
        self
    }

    /// The response headers pages may read besides the CORS-safelisted ones.
    pub fn exposed_headers<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.exposed_headers = owned(names);
        self
    }

    /// Whether credentials are allowed ([`CorsCredentials::Omit`] by default).
    pub fn credentials(mut self, credentials: CorsCredentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// How long browsers may cache a preflight answer, in whole seconds (600 s by default;
    /// at most [`Self::MAX_MAX_AGE`]).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Validates every setting.
    ///
    /// # Errors
    ///
    /// Every problem found, in setting order: invalid routes and origins (with positions),
    /// invalid or forbidden methods and header names, origin `*` with credentials, and a
    /// max-age over 24 hours.
    pub fn build(self) -> Result<CorsPolicy, PolicyErrors> {
        let mut errors = Vec::new();
        let routes =
            RouteSet::from_env_value(&self.routes, self.route_case).unwrap_or_else(|problems| {
                errors.extend(problems.into_iter().map(PolicyError::Route));
                RouteSet::none()
            });
        let origins = AllowedOrigins::from_env_value(&self.origins).unwrap_or_else(|problems| {
            errors.extend(problems.into_iter().map(PolicyError::Origin));
            AllowedOrigins::none()
        });
        let methods = validate(
            &self.methods,
            Method::parse,
            &mut errors,
            |method, error| PolicyError::Method { method, error },
        );
        let allowed_headers = validate(
            &self.allowed_headers,
            HeaderName::parse_request_header,
            &mut errors,
            allowed_header_error,
        );
        let exposed_headers = validate(
            &self.exposed_headers,
            HeaderName::parse_response_header,
            &mut errors,
            exposed_header_error,
        );
        if self.credentials == CorsCredentials::Include && origins.is_any() {
            errors.push(PolicyError::AnyOriginWithCredentials);
        }
        let max_age_seconds = self.max_age.as_secs();
        if max_age_seconds > MAX_MAX_AGE.as_secs() {
            errors.push(PolicyError::MaxAgeTooLarge {
                seconds: max_age_seconds,
            });
        }
        if let Some(errors) = ErrorList::from_vec(errors) {
            return Err(errors);
        }
        Ok(CorsPolicy {
            allow_methods_value: join(&methods),
            allow_headers_value: join(&allowed_headers),
            expose_headers_value: join(&exposed_headers),
            max_age_value: max_age_seconds.to_string(),
            routes,
            origins,
            credentials: self.credentials,
            methods,
            allowed_headers,
            exposed_headers,
            max_age_seconds,
        })
    }
}

fn owned<I>(items: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    items
        .into_iter()
        .map(|item| item.as_ref().to_owned())
        .collect()
}

/// Parses each item, dropping duplicates and recording failures.
fn validate<T: PartialEq, E>(
    items: &[String],
    parse: impl Fn(&str) -> Result<T, E>,
    errors: &mut Vec<PolicyError>,
    to_error: impl Fn(String, E) -> PolicyError,
) -> Vec<T> {
    let mut valid: Vec<T> = Vec::new();
    for item in items {
        match parse(item) {
            Ok(value) if !valid.contains(&value) => valid.push(value),
            Ok(_) => {}
            Err(error) => errors.push(to_error(item.clone(), error)),
        }
    }
    valid
}

fn allowed_header_error(name: String, error: HeaderNameError) -> PolicyError {
    PolicyError::AllowedHeader { name, error }
}

fn exposed_header_error(name: String, error: HeaderNameError) -> PolicyError {
    PolicyError::ExposedHeader { name, error }
}

fn join<T: AsRef<str>>(items: &[T]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{MethodError, OriginError, RouteError};

    #[test]
    fn defaults_open_nothing_and_precompute_values() {
        let policy = CorsPolicy::builder().build().unwrap();
        assert!(policy.routes().prefixes().is_empty() && !policy.routes().is_all());
        assert!(policy.origins().is_empty());
        assert_eq!(policy.allow_methods_value, "GET,HEAD,PUT,PATCH,POST,DELETE");
        assert_eq!(policy.allow_headers_value, "authorization,content-type");
        assert_eq!(policy.expose_headers_value, "");
        assert_eq!(policy.max_age_value, "600");
        assert_eq!(policy.credentials(), CorsCredentials::Omit);
    }

    #[test]
    fn names_are_normalised_and_deduplicated() {
        let policy = CorsPolicy::builder()
            .allowed_methods(["get", "GET", "PATCH"])
            .allowed_headers(["Authorization", "authorization", "X-Trace"])
            .exposed_headers(["X-Request-Id"])
            .max_age(Duration::from_millis(86_400_999))
            .build()
            .unwrap();
        assert_eq!(policy.allow_methods_value, "GET,PATCH");
        assert_eq!(policy.allow_headers_value, "authorization,x-trace");
        assert_eq!(policy.expose_headers_value, "x-request-id");
        assert_eq!(policy.max_age_seconds(), 86_400);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = CorsPolicy::builder()
            .routes("/v1/bots,,v1/rooms")
            .allowed_origins("*,null")
            .allowed_methods(["GET", "TRACE", ""])
            .allowed_headers(["cookie", "x y"])
            .exposed_headers(["set-cookie"])
            .credentials(CorsCredentials::Include)
            .max_age(Duration::from_secs(86_401))
            .build()
            .unwrap_err()
            .into_vec();
        let route = |position, error| {
            PolicyError::Route(crate::error::EntryError {
                position,
                entry: String::new(),
                error,
            })
        };
        let expected = [
            route(2, RouteError::Empty),
            PolicyError::Route(crate::error::EntryError {
                position: 3,
                entry: "v1/rooms".into(),
                error: RouteError::MissingLeadingSlash,
            }),
            PolicyError::Origin(crate::error::EntryError {
                position: 2,
                entry: "null".into(),
                error: OriginError::Null,
            }),
            PolicyError::Method {
                method: "TRACE".into(),
                error: MethodError::Forbidden,
            },
            PolicyError::Method {
                method: String::new(),
                error: MethodError::Empty,
            },
            PolicyError::AllowedHeader {
                name: "cookie".into(),
                error: HeaderNameError::ForbiddenRequestHeader,
            },
            PolicyError::AllowedHeader {
                name: "x y".into(),
                error: HeaderNameError::InvalidCharacter { character: ' ' },
            },
            PolicyError::ExposedHeader {
                name: "set-cookie".into(),
                error: HeaderNameError::ForbiddenResponseHeader,
            },
            PolicyError::MaxAgeTooLarge { seconds: 86_401 },
        ];
        assert_eq!(errors, expected);
    }

    #[test]
    fn any_origin_with_credentials_is_a_configuration_error() {
        let errors = CorsPolicy::builder()
            .routes("/v1")
            .allowed_origins("*")
            .credentials(CorsCredentials::Include)
            .build()
            .unwrap_err()
            .into_vec();
        assert_eq!(errors, [PolicyError::AnyOriginWithCredentials]);
        let explicit = CorsPolicy::builder()
            .allowed_origins("https://app.example.com")
            .credentials(CorsCredentials::Include)
            .build();
        assert!(explicit.is_ok());
    }
}
