//! Reading the `Signature-Input` and `Signature` fields (RFC 9421 section 4), both
//! structured-field dictionaries keyed by signature label.

use http::HeaderMap;
use sfv::{Dictionary, Parser};

/// The named field's lines joined as one dictionary, or `None` when the request has none.
/// `Err(())` when it is not a valid dictionary.
pub(crate) fn dictionary(headers: &HeaderMap, name: &str) -> Result<Option<Dictionary>, ()> {
    let mut lines = headers.get_all(name).iter();
    let Some(first) = lines.next() else {
        return Ok(None);
    };
    let parsed = match lines.next() {
        None => Parser::new(first.as_bytes()).parse(),
        Some(second) => {
            let mut joined = first.as_bytes().to_vec();
            for line in std::iter::once(second).chain(lines) {
                joined.extend_from_slice(b", ");
                joined.extend_from_slice(line.as_bytes());
            }
            Parser::new(&joined).parse()
        }
    };
    parsed.map(Some).map_err(|_| ())
}
