//! The segments of a request path, each handed out only as part of a whole path checked for
//! normal form.
//!
//! A path is in normal form when it starts with `/`, has no empty segment except one trailing
//! `/`, no `.` or `..` segment, no `\` or `#`, and no percent-encoded `/`, `.` or `\` (nor a
//! malformed `%` escape) before its query. Routers and proxies disagree about what such paths
//! mean, so a path that is not in normal form never matches a route: the caller fails closed.
//! A query string (from the first `?`) is ignored. Nothing is allocated.

use memchr::{memchr_iter, memchr3};

/// The request path is not in normal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotNormalForm;

/// Calls `visit` with each segment of `path` (before its query), in order, and then says
/// whether the whole path is in normal form: `/` has no segment, `/v1/bots/` has `v1` and
/// `bots`. A path with a byte that is never in normal form is refused before any visit; one
/// with an empty or dot segment is refused when that segment is reached, after the segments
/// before it were visited. The caller's answer comes from the result, so a walk that found
/// its route early still fails closed on, say, `/v1/bots/../admin`.
pub(crate) fn visit_segments<'p>(
    path: &'p str,
    mut visit: impl FnMut(&'p [u8]),
) -> Result<(), NotNormalForm> {
    let bytes = path.as_bytes();
    // The first `?`, `\` or `#`: a `?` starts the query, and a `\` or `#` before any `?` is
    // never in normal form. `memchr3` returns a position in `bytes`, so the split is in range.
    let before_query = match memchr3(b'?', b'\\', b'#', bytes) {
        Some(at) if bytes.get(at) == Some(&b'?') => bytes.split_at(at).0,
        Some(_) => return Err(NotNormalForm),
        None => bytes,
    };
    let Some(rest) = before_query.strip_prefix(b"/") else {
        return Err(NotNormalForm);
    };
    if memchr_iter(b'%', rest).any(|at| !is_harmless_escape(rest.get(at + 1..at + 3))) {
        return Err(NotNormalForm);
    }
    if rest.is_empty() {
        return Ok(());
    }
    // One trailing `/` is dropped; every segment left must be neither empty nor a dot segment.
    let body = rest.strip_suffix(b"/").unwrap_or(rest);
    for segment in body.split(|&byte| byte == b'/') {
        if matches!(segment, b"" | b"." | b"..") {
            return Err(NotNormalForm);
        }
        visit(segment);
    }
    Ok(())
}

/// Whether the two bytes after a `%` are hex digits encoding neither `/`, `.` nor `\`.
fn is_harmless_escape(pair: Option<&[u8]>) -> bool {
    let Some(&[high, low]) = pair else {
        return false;
    };
    let digit = |byte: u8| char::from(byte).to_digit(16);
    match (digit(high), digit(low)) {
        (Some(high), Some(low)) => !matches!(high * 16 + low, 0x2f | 0x2e | 0x5c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Result<Vec<&str>, NotNormalForm> {
        let mut segments = Vec::new();
        visit_segments(path, |bytes| {
            segments.push(std::str::from_utf8(bytes).unwrap());
        })?;
        Ok(segments)
    }

    #[test]
    fn normal_paths_split_into_segments() {
        assert_eq!(segments("/"), Ok(vec![]));
        assert_eq!(segments("/v1/bots"), Ok(vec!["v1", "bots"]));
        assert_eq!(segments("/v1/bots/"), Ok(vec!["v1", "bots"]));
        assert_eq!(segments("/v1/bots?x=/../y"), Ok(vec!["v1", "bots"]));
        assert_eq!(segments("/v1/caf%C3%A9"), Ok(vec!["v1", "caf%C3%A9"]));
        assert_eq!(segments("/v1/..."), Ok(vec!["v1", "..."]));
        assert_eq!(segments("/?x"), Ok(vec![]));
        assert_eq!(segments("/v1/?x"), Ok(vec!["v1"]));
        assert_eq!(segments("/v1?%2f"), Ok(vec!["v1"]));
        assert_eq!(segments("/v1/bots?a#b\\c"), Ok(vec!["v1", "bots"]));
        assert_eq!(
            segments("/v1/resource517/items/42?a"),
            Ok(vec!["v1", "resource517", "items", "42"])
        );
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
            "/v1/bots#x?y",
            "/v1\\bots?x",
            "/v1/bots%",
            "/v1/bots%2",
            "/v1/bots%zz",
            "/v1/%2F?x",
            "/v1/%2?F",
            "/abcdefg//h",
        ];
        for path in refused {
            assert_eq!(segments(path), Err(NotNormalForm), "{path:?}");
        }
    }
}
