//! Plain reference implementations for tollgate's differential fuzz targets, each written
//! from the specification or the documentation it names, never from tollgate's code: where a
//! target finds the two disagree, one of them misreads the specification. And RFC 9421's
//! test keys, for the signed-request target and its seeds.

pub mod authorization;
pub mod rfc9421;
pub mod route;
pub mod token;

/// Whether `value` could arrive as an HTTP field value (RFC 9110 section 5.5, as the `http`
/// crate enforces it for `HeaderValue`): visible ASCII, space, horizontal tab and obs-text
/// (0x80-0xFF); no other control byte and no DEL. Targets fed header bytes skip any others,
/// since no server hands them to tollgate.
pub fn is_field_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)
}

/// RFC 9110 section 5.6.2: `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
/// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 9110 section 5.6.2: `token = 1*tchar`.
pub fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}
