//! The request a signature is made or checked for: its method and target, from which the
//! derived components (`@method`, `@authority`, `@path`, ...) are computed.

/// A request's method and target URI, in parts. The header fields are passed beside it, as an
/// [`http::HeaderMap`].
///
/// The parts are taken as the server received them (or the client sends them): nothing is
/// decoded or resolved. `@authority` and `@scheme` are lowercased, and a default port (`:80`
/// for `http`, `:443` for `https`) is left out, as RFC 9421 section 2.2.3 asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method, such as `GET`; compared case-sensitively, as HTTP methods are.
    pub method: &'a str,
    /// The scheme, `http` or `https`. A server behind a TLS proxy passes `https`.
    pub scheme: &'a str,
    /// The authority, `host[:port]`: the target URI's, or the `Host` field's.
    pub authority: &'a str,
    /// The path and query as in the request line's origin form, such as `/foo?a=b`.
    pub path_and_query: &'a str,
}

impl<'a> Request<'a> {
    /// `@path`: the path, `/` when empty.
    pub(crate) fn path(&self) -> &'a str {
        match self.path_and_query.split_once('?') {
            Some(("", _)) => "/",
            Some((path, _)) => path,
            None if self.path_and_query.is_empty() => "/",
            None => self.path_and_query,
        }
    }

    /// The query without its `?`, or `None` when the target has no `?`.
    pub(crate) fn query(&self) -> Option<&'a str> {
        self.path_and_query.split_once('?').map(|(_, query)| query)
    }

    /// `@scheme`, lowercased.
    pub(crate) fn scheme(&self) -> String {
        self.scheme.to_ascii_lowercase()
    }

    /// `@authority`, lowercased, without the scheme's default port.
    pub(crate) fn authority(&self) -> String {
        let authority = self.authority.to_ascii_lowercase();
        let default_port = match self.scheme().as_str() {
            "http" => ":80",
            "https" => ":443",
            _ => return authority,
        };
        match authority.strip_suffix(default_port) {
            Some(host) => host.to_owned(),
            None => authority,
        }
    }

    /// `@request-target`: the path and query, `/` when empty.
    pub(crate) fn request_target(&self) -> &'a str {
        if self.path_and_query.is_empty() {
            "/"
        } else {
            self.path_and_query
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        scheme: &'static str,
        authority: &'static str,
        target: &'static str,
    ) -> Request<'static> {
        Request {
            method: "GET",
            scheme,
            authority,
            path_and_query: target,
        }
    }

    #[test]
    fn the_parts_are_split_and_normalised() {
        let r = request("HTTPS", "Example.COM:443", "/foo?param=Value&Pet=dog");
        assert_eq!(r.path(), "/foo");
        assert_eq!(r.query(), Some("param=Value&Pet=dog"));
        assert_eq!(r.scheme(), "https");
        assert_eq!(r.authority(), "example.com");
        assert_eq!(r.request_target(), "/foo?param=Value&Pet=dog");

        let r = request("http", "example.com:8080", "");
        assert_eq!((r.path(), r.query(), r.request_target()), ("/", None, "/"));
        assert_eq!(r.authority(), "example.com:8080");
        // The other scheme's default port is kept.
        assert_eq!(
            request("http", "a.example:443", "/").authority(),
            "a.example:443"
        );
        assert_eq!(request("https", "a.example", "?x").path(), "/");
        assert_eq!(request("https", "a.example", "/p?").query(), Some(""));
    }
}
