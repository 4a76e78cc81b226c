//! Paged listings over HTTP: `?limit=` and `?cursor=` in, `Link: <...>; rel="next"` out
//! (RFC 8288).
//!
//! A cursor is the key of the last item of the page before it (a user's name key, a token's
//! id, a record's name) in lowercase hexadecimal. Clients treat it as opaque and only pass on
//! the one a `Link` gave them; here it is checked strictly, and anything that is not exactly
//! such a key is refused, never guessed at.

use http::header::LINK;
use http::{HeaderMap, HeaderValue};
use tollgate::http::Refusal;
use tollgate::store::{Page, PageSize};

use crate::client_errors::bad_request;

/// The longest key a cursor holds, in bytes: a record or user name (60), a token id (19).
const MAX_KEY_BYTES: usize = 64;

/// What a paged listing's query asks for: a page size, and where the page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageQuery {
    pub(crate) size: PageSize,
    /// The key the page starts after, as the cursor gave it; `None` for the first page.
    after: Option<String>,
}

impl PageQuery {
    /// `limit` (1 to 1000, 100 when absent) and `cursor` from a query string. Other
    /// parameters are left to whoever reads them. A parameter given twice is refused: which
    /// one was meant cannot be known.
    pub(crate) fn parse(query: Option<&str>) -> Result<Self, Refusal> {
        let (mut limit, mut cursor) = (None, None);
        for pair in query.unwrap_or_default().split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match name {
                "limit" => &mut limit,
                "cursor" => &mut cursor,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                let code = if name == "limit" {
                    "invalid_limit"
                } else {
                    "invalid_cursor"
                };
                return Err(bad_request(code, format!("{name} is given more than once")));
            }
        }
        let size = match limit {
            None => PageSize::DEFAULT,
            Some(text) => page_size(text).ok_or_else(|| {
                bad_request(
                    "invalid_limit",
                    format!(
                        "limit must be a whole number from 1 to {}",
                        PageSize::MAX.get()
                    ),
                )
            })?,
        };
        let after = cursor
            .map(|text| decode(text).ok_or_else(invalid_cursor))
            .transpose()?;
        Ok(Self { size, after })
    }

    /// The key the page starts after, read by `key` (`None` when the text is not a key of
    /// this listing, which is refused like any garbled cursor).
    pub(crate) fn after<'q, K>(
        &'q self,
        key: impl FnOnce(&'q str) -> Option<K>,
    ) -> Result<Option<K>, Refusal> {
        self.after
            .as_deref()
            .map(|text| key(text).ok_or_else(invalid_cursor))
            .transpose()
    }
}

/// Decimal digits only (no sign, no spaces), 1 to [`PageSize::MAX`].
fn page_size(text: &str) -> Option<PageSize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    PageSize::new(text.parse().ok()?)
}

fn invalid_cursor() -> Refusal {
    bad_request(
        "invalid_cursor",
        "cursor is not one this server gave: follow the Link header of the page before",
    )
}

/// The `Link` header for `page`, read at `path` (with the query parameters, other than `limit`
/// and `cursor`, that the next page keeps) with `size`: the next page's address when more items
/// follow its last one (whose key `key` gives), nothing otherwise.
pub(crate) fn next_link<T>(
    path: &str,
    size: PageSize,
    page: &Page<T>,
    key: impl FnOnce(&T) -> String,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let last = page.items.last().filter(|_| page.more);
    if let Some(last) = last {
        let separator = if path.contains('?') { '&' } else { '?' };
        let link = format!(
            "<{path}{separator}limit={}&cursor={}>; rel=\"next\"",
            size.get(),
            encode(&key(last))
        );
        // Paths and cursors are ASCII without control characters: always a valid value.
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(LINK, value);
        }
    }
    headers
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `key` in lowercase hexadecimal.
fn encode(key: &str) -> String {
    key.bytes()
        .flat_map(|byte| [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]])
        .map(char::from)
        .collect()
}

/// The key `cursor` encodes: only what [`encode`] writes (lowercase, whole bytes, UTF-8, at
/// most [`MAX_KEY_BYTES`]), so that each key has exactly one cursor.
fn decode(cursor: &str) -> Option<String> {
    if cursor.is_empty() || !cursor.len().is_multiple_of(2) || cursor.len() > 2 * MAX_KEY_BYTES {
        return None;
    }
    let digit = |byte: u8| {
        HEX.iter()
            .position(|&d| d == byte)
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = cursor
        .as_bytes()
        .chunks_exact(2)
        .map(|pair| match pair {
            [high, low] => Some(digit(*high)? << 4 | digit(*low)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(query: &str) -> Result<(usize, Option<String>), &'static str> {
        PageQuery::parse(Some(query))
            .map(|page| (page.size.get(), page.after))
            .map_err(|refusal| refusal.code)
    }

    #[test]
    fn limits_are_one_to_a_thousand_in_plain_digits() {
        assert_eq!(PageQuery::parse(None).map(|p| p.size.get()).ok(), Some(100));
        for (query, size) in [
            ("", 100),
            ("limit=1", 1),
            ("x=1&limit=1000", 1000),
            ("limit=007", 7),
        ] {
            assert_eq!(parsed(query), Ok((size, None)), "{query}");
        }
        for query in [
            "limit=0",
            "limit=1001",
            "limit=",
            "limit",
            "limit=-1",
            "limit=+5",
            "limit=1e3",
            "limit= 5",
            "limit=99999999999999999999999",
            "limit=1&limit=2",
        ] {
            assert_eq!(parsed(query), Err("invalid_limit"), "{query}");
        }
    }

    #[test]
    fn cursors_round_trip_and_nothing_else_decodes() {
        for key in ["alice", "0", "9223372036854775807", "a-b_c.d"] {
            let cursor = encode(key);
            assert_eq!(
                parsed(&format!("cursor={cursor}")),
                Ok((100, Some(key.to_owned())))
            );
        }
        let too_long = encode(&"x".repeat(MAX_KEY_BYTES + 1));
        for cursor in [
            "",
            "6",
            "616",
            "6G",
            "616C696365=",
            "616C696365",
            "%36%31",
            "ff",
            &too_long,
        ] {
            let query = format!("cursor={cursor}");
            assert_eq!(parsed(&query), Err("invalid_cursor"), "{query}");
        }
        assert_eq!(parsed("cursor=61&cursor=61"), Err("invalid_cursor"));
    }

    #[test]
    fn a_link_only_while_more_follow() {
        let size = PageSize::new(2).unwrap();
        let more = Page {
            items: vec!["a", "b"],
            more: true,
        };
        let headers = next_link("/v1/users", size, &more, |key| (*key).to_owned());
        assert_eq!(
            headers.get(LINK).and_then(|v| v.to_str().ok()),
            Some("</v1/users?limit=2&cursor=62>; rel=\"next\"")
        );
        let last = Page {
            items: vec!["a"],
            more: false,
        };
        assert!(next_link("/v1/users", size, &last, |key| (*key).to_owned()).is_empty());
    }
}
