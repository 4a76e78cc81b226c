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

/// Every byte of a word set to `0x7f`.
const LOW_SEVEN: u64 = ONES * 0x7f;

/// The high bit of each byte of `word` that equals `byte`, exactly (no borrow between bytes).
const fn bytes_equal_exact(word: u64, byte: u8) -> u64 {
    let zeroed = word ^ (ONES * byte as u64);
    !(((zeroed & LOW_SEVEN) + LOW_SEVEN) | zeroed | LOW_SEVEN)
}

/// The path before its query when a glance shows it is in normal form: it starts with `/`
/// and holds no `.`, `%`, `\`, `#`, nor two `/` in a row, before its first `?`. Such a path
/// has no dot or empty segment (but a trailing `/`) and no escape at all. Reads eight bytes
/// per step. `None` says only that the glance was not enough: [`RequestSegments`] decides.
pub(crate) fn plain_path(path: &str) -> Option<&[u8]> {
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return None;
    }
    let mut previous_is_slash = false;
    let mut offset = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        match glance(word_at(chunk), previous_is_slash) {
            Glance::Plain { ends_with_slash } => previous_is_slash = ends_with_slash,
            Glance::QueryAt(index) => return bytes.get(..offset + index),
            Glance::Suspect => return None,
        }
        offset += 8;
    }
    if chunks.remainder().is_empty() {
        return Some(bytes);
    }
    // The tail: the path's last eight bytes when it has eight (the bytes read again were
    // plain, so they change nothing), else the tail padded with a byte the glance ignores.
    let (word, start) = match bytes.len().checked_sub(8) {
        Some(start) => (word_at(bytes.get(start..).unwrap_or_default()), start),
        None => {
            let mut word = [b'a'; 8];
            for (slot, &byte) in word.iter_mut().zip(chunks.remainder()) {
                *slot = byte;
            }
            (u64::from_le_bytes(word), offset)
        }
    };
    let before_is_slash = start
        .checked_sub(1)
        .is_some_and(|before| bytes.get(before) == Some(&b'/'));
    match glance(word, before_is_slash) {
        Glance::Plain { .. } => Some(bytes),
        Glance::QueryAt(index) => bytes.get(..start + index),
        Glance::Suspect => None,
    }
}

/// The first eight bytes of `bytes` (which has at least eight) as a little-endian word.
fn word_at(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    if let Some(first) = bytes.get(..8) {
        word.copy_from_slice(first);
    }
    u64::from_le_bytes(word)
}

/// What eight bytes of a path show.
enum Glance {
    /// Nothing suspect and no query.
    Plain { ends_with_slash: bool },
    /// The query starts at this byte of the word; nothing suspect before it.
    QueryAt(usize),
    /// A `.`, `%`, `\`, `#` or `//` before any query.
    Suspect,
}

fn glance(word: u64, previous_is_slash: bool) -> Glance {
    let slashes = bytes_equal_exact(word, b'/');
    // A `/` whose preceding byte (in this word, or the last of the previous one) is a `/`.
    let doubled = slashes & ((slashes << 8) | (u64::from(previous_is_slash) << 7));
    let suspects = bytes_equal_exact(word, b'.')
        | bytes_equal_exact(word, b'%')
        | bytes_equal_exact(word, b'\\')
        | bytes_equal_exact(word, b'#')
        | doubled;
    let queries = bytes_equal_exact(word, b'?');
    // The bits below the first `?`'s high bit: the bytes before it (all bits when none).
    let before_query = (queries & queries.wrapping_neg()).wrapping_sub(1);
    if suspects & before_query != 0 {
        Glance::Suspect
    } else if queries != 0 {
        Glance::QueryAt((queries.trailing_zeros() / 8) as usize)
    } else {
        Glance::Plain {
            ends_with_slash: slashes >> 63 != 0,
        }
    }
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

    proptest! {
        /// The glance never passes a path that is not in normal form, passes every path
        /// without suspect bytes, and cuts at the query as the segment walk does.
        #[test]
        fn plain_path_agrees_with_the_segment_walk(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'/'), Just(b'?'), Just(b'\\'), Just(b'#'), Just(b'%'), Just(b'.'),
                    Just(b'a'), Just(b'2'), Just(b'f'), Just(b'/' + 1), Just(b'.' - 1)
                ],
                0..30,
            )
        ) {
            let path = String::from_utf8(bytes).unwrap();
            match plain_path(&path) {
                Some(plain) => {
                    prop_assert!(is_normal_form(&path), "{:?}", path);
                    let walked: Vec<&[u8]> =
                        RequestSegments::new(&path).map(Result::unwrap).collect();
                    let split: Vec<&[u8]> = plain[1..]
                        .split(|&b| b == b'/')
                        .filter(|segment| !segment.is_empty())
                        .collect();
                    prop_assert_eq!(walked, split);
                }
                None => {
                    let before_query = path.split('?').next().unwrap_or_default();
                    let plain = before_query.starts_with('/')
                        && !before_query.contains("//")
                        && !before_query.contains(['.', '%', '\\', '#']);
                    prop_assert!(!plain, "{:?}", path);
                }
            }
        }
    }

    #[test]
    fn plain_paths_stop_at_the_query() {
        assert_eq!(plain_path("/v1/bots?x=../y"), Some(&b"/v1/bots"[..]));
        assert_eq!(
            plain_path("/v1/resource517/items/42?a"),
            Some(&b"/v1/resource517/items/42"[..])
        );
        assert_eq!(plain_path("/"), Some(&b"/"[..]));
        assert_eq!(plain_path("/v1/"), Some(&b"/v1/"[..]));
        for suspect in [
            "",
            "v1",
            "/v1//x",
            "/v1/./x",
            "/v1%2f",
            "/abcdefg/",
            "/abcdefg//h",
            "/v1/x#",
        ] {
            let expected = if suspect == "/abcdefg/" {
                Some(&b"/abcdefg/"[..])
            } else {
                None
            };
            assert_eq!(plain_path(suspect), expected, "{suspect:?}");
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
