//! The segments of a request path, checked for normal form on the way.
//!
//! A path is in normal form when it starts with `/`, has no empty segment except one trailing
//! `/`, no `.` or `..` segment, no `\` or `#`, and no percent-encoded `/`, `.` or `\` (nor a
//! malformed `%` escape) before its query. Routers and proxies disagree about what such paths
//! mean, so a path that is not in normal form never matches a route: the caller fails closed.
//! A query string (from the first `?`) is ignored. One pass over the bytes, no allocation.

/// The request path is not in normal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotNormalForm;

/// Iterates over the segments of a request path in one pass over its bytes, yielding `Err`
/// at the first sign that the path is not in normal form, then nothing. `/` has no segments;
/// `/v1/bots/` has `v1` and `bots`.
pub(crate) struct RequestSegments<'a> {
    rest: &'a [u8],
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Failed,
    Done,
}

impl<'a> RequestSegments<'a> {
    /// Starts on `path` (a query string is left out as the walk reaches it).
    pub(crate) fn new(path: &'a str) -> Self {
        match path.as_bytes().split_first() {
            Some((b'/', rest)) => Self {
                rest,
                state: State::Running,
            },
            _ => Self {
                rest: &[],
                state: State::Failed,
            },
        }
    }

    fn fail(&mut self) -> Option<Result<&'a [u8], NotNormalForm>> {
        self.state = State::Done;
        Some(Err(NotNormalForm))
    }
}

impl<'a> Iterator for RequestSegments<'a> {
    type Item = Result<&'a [u8], NotNormalForm>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.state {
            State::Running => {}
            State::Failed => return self.fail(),
            State::Done => return None,
        }
        let bytes = self.rest;
        let (end, suspect) = scan_segment(bytes);
        let segment = bytes.get(..end).unwrap_or_default();
        // Most segments hold none of `\`, `#` and `%`; only the others are read byte by byte.
        if suspect && !escapes_are_harmless(segment, bytes) {
            return self.fail();
        }
        let last = bytes.get(end) != Some(&b'/');
        if last {
            self.state = State::Done;
        } else {
            self.rest = bytes.get(end + 1..).unwrap_or_default();
        }
        match segment {
            // Only the final segment may be empty: that is a single trailing `/`.
            b"" if last => None,
            b"" | b"." | b".." => self.fail(),
            _ => Some(Ok(segment)),
        }
    }
}

/// Every byte of a word set to one.
const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `word` that equals `byte`. Only the lowest bit set is exact
/// (a borrow can mark a byte above a match), which is all the scan below reads.
const fn bytes_equal(word: u64, byte: u8) -> u64 {
    let zeroed = word ^ (ONES * byte as u64);
    zeroed.wrapping_sub(ONES) & !zeroed & (ONES << 7)
}

/// The length of the segment that starts `bytes` (up to the first `/` or `?`, else all of
/// it), and whether a `\`, `#` or `%` occurs in it. Reads eight bytes per step.
fn scan_segment(bytes: &[u8]) -> (usize, bool) {
    let mut suspect = false;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let ends = bytes_equal(word, b'/') | bytes_equal(word, b'?');
        let suspects = bytes_equal(word, b'\\') | bytes_equal(word, b'#') | bytes_equal(word, b'%');
        if ends != 0 {
            // Bits below the first end's high bit: the bytes before it (and its own low bits).
            let before = (1u64 << ends.trailing_zeros()) - 1;
            let end = offset + (ends.trailing_zeros() / 8) as usize;
            return (end, suspect || suspects & before != 0);
        }
        suspect |= suspects != 0;
        offset += 8;
    }
    for (index, &byte) in chunks.remainder().iter().enumerate() {
        match byte {
            b'/' | b'?' => return (offset + index, suspect),
            b'\\' | b'#' | b'%' => suspect = true,
            _ => {}
        }
    }
    (bytes.len(), suspect)
}

/// Whether `segment`, which starts `rest`, has no `\` or `#` and only harmless `%` escapes
/// (an escape's two digits are read from `rest`, so one cut short by the segment's end fails).
fn escapes_are_harmless(segment: &[u8], rest: &[u8]) -> bool {
    segment.iter().enumerate().all(|(index, &byte)| match byte {
        b'\\' | b'#' => false,
        b'%' => is_harmless_escape(rest.get(index + 1..index + 3)),
        _ => true,
    })
}

/// Whether the whole path is in normal form.
#[cfg(test)]
pub(crate) fn is_normal_form(path: &str) -> bool {
    RequestSegments::new(path).all(|segment| segment.is_ok())
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
    use proptest::prelude::*;

    /// `scan_segment` read byte by byte.
    fn scan_bytewise(bytes: &[u8]) -> (usize, bool) {
        let end = bytes
            .iter()
            .position(|&byte| byte == b'/' || byte == b'?')
            .unwrap_or(bytes.len());
        let suspect = bytes[..end]
            .iter()
            .any(|&byte| matches!(byte, b'\\' | b'#' | b'%'));
        (end, suspect)
    }

    proptest! {
        /// The word-at-a-time scan agrees with a byte-by-byte one, on bytes drawn mostly from
        /// the characters it looks for (and their neighbours, which a borrow could confuse).
        #[test]
        fn scan_segment_agrees_with_a_bytewise_scan(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'/'), Just(b'?'), Just(b'\\'), Just(b'#'), Just(b'%'),
                    Just(b'.'), Just(b'0'), Just(b'@'), Just(b'$'), Just(b'$' + 1), any::<u8>()
                ],
                0..40,
            )
        ) {
            prop_assert_eq!(scan_segment(&bytes), scan_bytewise(&bytes));
        }
    }

    fn segments(path: &str) -> Result<Vec<&str>, NotNormalForm> {
        RequestSegments::new(path)
            .map(|segment| segment.map(|bytes| std::str::from_utf8(bytes).unwrap_or("<not UTF-8>")))
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
        ];
        for path in refused {
            assert!(!is_normal_form(path), "{path:?}");
        }
    }

    #[test]
    fn iteration_stops_after_the_first_failure() {
        let mut walk = RequestSegments::new("/a//b/c");
        assert_eq!(walk.next(), Some(Ok(&b"a"[..])));
        assert_eq!(walk.next(), Some(Err(NotNormalForm)));
        assert_eq!(walk.next(), None);
    }
}
