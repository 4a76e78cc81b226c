//! Reading the `Signature-Input` and `Signature` fields (RFC 9421 section 4), both
//! structured-field dictionaries keyed by signature label.

use http::HeaderMap;
use sfv::{Dictionary, Parser};

/// The most bytes `Signature-Input` or `Signature` may hold, all lines together: room for a
/// few signatures of dozens of components, and a bound on the work any request can ask for
/// before its signature is checked.
pub const MAX_SIGNATURE_FIELD_BYTES: usize = 8 * 1024;

/// The named field's lines joined as one dictionary, or `None` when the request has none.
/// An error when it is longer than [`MAX_SIGNATURE_FIELD_BYTES`] or not a dictionary.
pub(crate) fn dictionary(
    headers: &HeaderMap,
    name: &str,
) -> Result<Option<Dictionary>, &'static str> {
    let lines = headers.get_all(name);
    let mut joined = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            joined.extend_from_slice(b", ");
        }
        joined.extend_from_slice(line.as_bytes());
        if joined.len() > MAX_SIGNATURE_FIELD_BYTES {
            return Err("a signature field is longer than 8 KiB");
        }
    }
    if lines.iter().next().is_none() {
        return Ok(None);
    }
    Parser::new(&joined)
        .parse()
        .map(Some)
        .map_err(|_| "a signature field is not a structured-field dictionary")
}
