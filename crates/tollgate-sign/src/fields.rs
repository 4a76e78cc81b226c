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
    if lines.iter().next().is_none() {
        return Ok(None);
    }
    // The lines as received, with the separators joining them.
    let length: usize = lines.iter().map(|line| line.len() + 2).sum::<usize>() - 2;
    if length > MAX_SIGNATURE_FIELD_BYTES {
        return Err("a signature field is longer than 8 KiB");
    }
    Parser::new(&joined_lines(headers, name))
        .parse()
        .map(Some)
        .map_err(|_| "a signature field is not a structured-field dictionary")
}

/// The field `name`'s lines, each trimmed, joined with `, ` (RFC 9421 section 2.1); empty when
/// the request has none.
pub(crate) fn joined_lines(headers: &HeaderMap, name: &str) -> Vec<u8> {
    let mut joined = Vec::new();
    let lines = headers.get_all(name);
    let trimmed = lines.iter().map(|line| line.as_bytes().trim_ascii());
    join(&mut joined, trimmed, |out, line| {
        out.extend_from_slice(line)
    });
    joined
}

/// Writes each line with `write`, separated by `, `.
pub(crate) fn join<'a>(
    out: &mut Vec<u8>,
    lines: impl Iterator<Item = &'a [u8]>,
    mut write: impl FnMut(&mut Vec<u8>, &[u8]),
) {
    for (index, line) in lines.enumerate() {
        if index > 0 {
            out.extend_from_slice(b", ");
        }
        write(out, line);
    }
}
