//! `Vary`: which request headers a CORS answer depends on, so caches key on them.

/// The `Vary` a response needs because of CORS.
///
/// A response whose CORS headers depend on a request header must say so, or a shared cache
/// may hand one origin's answer to another (or a same-origin answer, without
/// `Access-Control-Allow-Origin`, to a cross-origin page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vary {
    /// Nothing depends on the request: no `Vary` is added.
    NotNeeded,
    /// The answer depends on `Origin`.
    Origin,
    /// A preflight answer, which depends on `Origin` and on the requested method and headers.
    Preflight,
}

impl Vary {
    /// The `Vary` header value to add, if any.
    #[must_use]
    pub const fn header_value(self) -> Option<&'static str> {
        match self {
            Self::NotNeeded => None,
            Self::Origin => Some("origin"),
            Self::Preflight => {
                Some("origin, access-control-request-method, access-control-request-headers")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_name_the_request_headers_the_answer_depends_on() {
        assert_eq!(Vary::NotNeeded.header_value(), None);
        assert_eq!(Vary::Origin.header_value(), Some("origin"));
        let preflight = Vary::Preflight.header_value().unwrap();
        for name in [
            "origin",
            "access-control-request-method",
            "access-control-request-headers",
        ] {
            assert!(preflight.contains(name), "{name}");
        }
    }
}
