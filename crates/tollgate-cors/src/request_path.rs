//! The segments of a request path, checked for normal form on the way.
//!
//! A path is in normal form when it starts with `/`, has no empty segment except one trailing
//! `/`, no `.` or `..` segment, no `\` or `#`, and no percent-encoded `/`, `.` or `\` (nor a
//! malformed `%` escape). Routers and proxies disagree about what such paths mean, so a path
//! that is not in normal form never matches a route: the caller fails closed. A query string
//! (from the first `?`) is ignored. No allocation.

/// The request path is not in normal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotNormalForm;

/// Iterates over the segments of a request path, yielding `Err` at the first sign that the
/// path is not in normal form. `/` has no segments; `/v1/bots/` has `v1` and `bots`.
pub(crate) struct RequestSegments<'a> {
    rest: Option<&'a str>,
    failed: bool,
}

impl<'a> RequestSegments<'a> {
    /// Starts on `path`, with any query string dropped.
    pub(crate) fn new(path: &'a str) -> Self {
        let path = path.split_once('?').map_or(path, |(path, _query)| path);
        match path.strip_prefix('/') {
            Some(rest) => Self {
                rest: Some(rest),
                failed: false,
            },
            None => Self {
                rest: None,
                failed: true,
            },
        }
    }
}

impl<'a> Iterator for RequestSegments<'a> {
    type Item = Result<&'a str, NotNormalForm>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            self.failed = false;
            self.rest = None;
            return Some(Err(NotNormalForm));
        }
        let rest = self.rest?;
        let (segment, remainder) = match rest.split_once('/') {
            Some((segment, remainder)) => (segment, Some(remainder)),
            None => (rest, None),
        };
        self.rest = remainder;
        if segment.is_empty() {
            // Only the final segment may be empty: that is a single trailing `/`.
            return remainder.map(|_| {
                self.rest = None;
                Err(NotNormalForm)
            });
        }
        if is_normal_segment(segment) {
            Some(Ok(segment))
        } else {
            self.rest = None;
            Some(Err(NotNormalForm))
        }
    }
}

/// Whether the whole path is in normal form.
#[cfg(test)]
pub(crate) fn is_normal_form(path: &str) -> bool {
    RequestSegments::new(path).all(|segment| segment.is_ok())
}

fn is_normal_segment(segment: &str) -> bool {
    if segment == "." || segment == ".." {
        return false;
    }
    let bytes = segment.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'\\' | b'#' => return false,
            b'%' => {
                let escape = bytes.get(index + 1..index + 3);
                match escape.and_then(decode_hex_pair) {
                    Some(b'/' | b'.' | b'\\') | None => return false,
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    true
}

fn decode_hex_pair(pair: &[u8]) -> Option<u8> {
    let [high, low] = pair else { return None };
    let digit = |byte: u8| char::from(byte).to_digit(16);
    let value = digit(*high)? * 16 + digit(*low)?;
    u8::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Result<Vec<&str>, NotNormalForm> {
        RequestSegments::new(path).collect()
    }

    #[test]
    fn normal_paths_split_into_segments() {
        assert_eq!(segments("/"), Ok(vec![]));
        assert_eq!(segments("/v1/bots"), Ok(vec!["v1", "bots"]));
        assert_eq!(segments("/v1/bots/"), Ok(vec!["v1", "bots"]));
        assert_eq!(segments("/v1/bots?x=/../y"), Ok(vec!["v1", "bots"]));
        assert_eq!(segments("/v1/caf%C3%A9"), Ok(vec!["v1", "caf%C3%A9"]));
        assert_eq!(segments("/v1/..."), Ok(vec!["v1", "..."]));
    }

    #[test]
    fn paths_not_in_normal_form_are_refused() {
        let refused = [
            "",
            "v1/bots",
            "*",
            "//",
            "/v1//bots",
            "/v1/bots//",
            "/v1/./bots",
            "/v1/bots/..",
            "/v1/%2e%2e/admin",
            "/v1/%2E/bots",
            "/v1%2fbots",
            "/v1%2Fbots",
            "/v1%5cbots",
            "/v1\\bots",
            "/v1/bots#x",
            "/v1/bots%",
            "/v1/bots%2",
            "/v1/bots%zz",
        ];
        for path in refused {
            assert!(!is_normal_form(path), "{path:?}");
        }
    }

    #[test]
    fn iteration_stops_after_the_first_failure() {
        let mut walk = RequestSegments::new("/a//b/c");
        assert_eq!(walk.next(), Some(Ok("a")));
        assert_eq!(walk.next(), Some(Err(NotNormalForm)));
        assert_eq!(walk.next(), None);
    }
}
