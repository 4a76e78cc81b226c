//! The segments of a request path, once the path is known to be in normal form.
//!
//! A path is in normal form when it starts with `/`, has no empty segment except one trailing
//! `/`, no `.` or `..` segment, no `\` or `#`, and no percent-encoded `/`, `.` or `\` (nor a
//! malformed `%` escape) before its query. Routers and proxies disagree about what such paths
//! mean, so a path that is not in normal form never matches a route: the caller fails closed.
//! A query string (from the first `?`) is ignored. Nothing is allocated.

use memchr::{memchr, memchr_iter, memchr3};

/// The request path is not in normal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotNormalForm;

/// The segments of `path` (before its query), each checked as it is handed out: `/` has
/// none, `/v1/bots/` has `v1` and `bots`. The bytes that are never in normal form (`\`, `#`,
/// a `%` not starting a harmless escape) are looked for in the whole path first; an empty or
/// dot segment is reported where it stands. A caller that must fail closed on, say,
/// `/v1/bots/../admin` therefore reads to the end before it answers, as
/// [`RouteSet::lookup`](crate::RouteSet::lookup) does.
pub(crate) fn checked_segments(
    path: &str,
) -> Result<impl Iterator<Item = Result<&[u8], NotNormalForm>>, NotNormalForm> {
    let bytes = path.as_bytes();
    // `memchr` returns a position in `bytes`, so the split is in range.
    let before_query = match memchr(b'?', bytes) {
        Some(query) => bytes.split_at(query).0,
        None => bytes,
    };
    let Some(rest) = before_query.strip_prefix(b"/") else {
        return Err(NotNormalForm);
    };
    // One scan for the bytes that need a closer look; most paths have none.
    if memchr3(b'\\', b'#', b'%', rest).is_some()
        && (rest.iter().any(|&byte| matches!(byte, b'\\' | b'#'))
            || memchr_iter(b'%', rest).any(|at| !is_harmless_escape(rest.get(at + 1..at + 3))))
    {
        return Err(NotNormalForm);
    }
    // `/` alone has no segment; otherwise one trailing `/` is dropped and every segment left
    // must be neither empty nor a dot segment.
    let body = rest.strip_suffix(b"/").unwrap_or(rest);
    let segments = (!rest.is_empty())
        .then(|| body.split(|&byte| byte == b'/'))
        .into_iter()
        .flatten();
    Ok(segments.map(|segment| match segment {
        b"" | b"." | b".." => Err(NotNormalForm),
        _ => Ok(segment),
    }))
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
        checked_segments(path)?
            .map(|segment| segment.map(|bytes| std::str::from_utf8(bytes).unwrap()))
            .collect()
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
