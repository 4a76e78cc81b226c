//! `CorsRequest`: the parts of a request that CORS looks at.

/// The request parts a [`CorsPolicy`](crate::CorsPolicy) evaluates, borrowed as they arrive.
///
/// Header values are bytes (as `http::HeaderValue::as_bytes` gives them); `None` means the
/// header is absent. When a request repeats `Origin` or `Access-Control-Request-Method`, the
/// caller should pass the joined or first value: a joined value is not a valid origin or
/// method and is refused. Repeated `Access-Control-Request-Headers` lines may be joined with
/// `,`, as RFC 9110 allows for list headers; browsers send one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CorsRequest<'a> {
    /// The request method, such as `OPTIONS` (case-sensitive, as in HTTP).
    pub method: &'a str,
    /// The request path, with or without a query string, such as `/v1/bots?page=2`.
    pub path: &'a str,
    /// The `Origin` header.
    pub origin: Option<&'a [u8]>,
    /// The `Access-Control-Request-Method` header.
    pub access_control_request_method: Option<&'a [u8]>,
    /// The `Access-Control-Request-Headers` header.
    pub access_control_request_headers: Option<&'a [u8]>,
}

impl<'a> CorsRequest<'a> {
    /// A request with no CORS headers yet.
    #[must_use]
    pub const fn new(method: &'a str, path: &'a str) -> Self {
        Self {
            method,
            path,
            origin: None,
            access_control_request_method: None,
            access_control_request_headers: None,
        }
    }

    /// With an `Origin` header.
    #[must_use]
    pub const fn origin(mut self, value: &'a [u8]) -> Self {
        self.origin = Some(value);
        self
    }

    /// With an `Access-Control-Request-Method` header.
    #[must_use]
    pub const fn request_method(mut self, value: &'a [u8]) -> Self {
        self.access_control_request_method = Some(value);
        self
    }

    /// With an `Access-Control-Request-Headers` header.
    #[must_use]
    pub const fn request_headers(mut self, value: &'a [u8]) -> Self {
        self.access_control_request_headers = Some(value);
        self
    }

    /// Whether this is a preflight: `OPTIONS` with both `Origin` and
    /// `Access-Control-Request-Method`. `OPTIONS` alone is not.
    #[must_use]
    pub fn is_preflight(&self) -> bool {
        self.method == "OPTIONS"
            && self.origin.is_some()
            && self.access_control_request_method.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preflight_needs_options_origin_and_request_method() {
        let full = CorsRequest::new("OPTIONS", "/")
            .origin(b"https://a.com")
            .request_method(b"PUT");
        assert!(full.is_preflight());
        assert!(!CorsRequest::new("OPTIONS", "/").is_preflight());
        assert!(
            !CorsRequest::new("OPTIONS", "/")
                .origin(b"https://a.com")
                .is_preflight()
        );
        assert!(
            !CorsRequest::new("OPTIONS", "/")
                .request_method(b"PUT")
                .is_preflight()
        );
        assert!(
            !CorsRequest {
                method: "options",
                ..full
            }
            .is_preflight()
        );
        assert!(
            !CorsRequest {
                method: "POST",
                ..full
            }
            .is_preflight()
        );
    }
}
