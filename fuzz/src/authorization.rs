//! The `Authorization` field value, written plainly from RFC 9110:
//!
//! ```text
//! Authorization = credentials                                        ; 11.6.2
//! credentials   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]     ; 11.4
//! auth-scheme   = token                                              ; 11.1
//! auth-param    = token BWS "=" BWS ( token / quoted-string )        ; 11.2
//! token68       = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! #element      = [ element ] *( OWS "," OWS [ element ] )            ; 5.6.1
//! quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE            ; 5.6.4
//! ```
//!
//! A field value carries no leading or trailing white space (section 5.5), so it is trimmed
//! of `OWS` first. One leniency comes from tollgate-token's README rather than the RFC: the
//! white space after the scheme may hold tabs as well as spaces.

/// What a field value is under the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// Only white space.
    Empty,
    /// `auth-scheme` alone.
    SchemeOnly(&'a [u8]),
    /// `auth-scheme 1*SP token68`: the form a bearer token takes (RFC 6750 `b64token` is the
    /// same character set).
    Token68 { scheme: &'a [u8], token: &'a [u8] },
    /// `auth-scheme 1*SP #auth-param`, and not a `token68`.
    Params { scheme: &'a [u8] },
    /// Not `credentials` at all.
    Invalid,
}

/// `SP` or `HTAB`: `OWS = *( SP / HTAB )` (section 5.6.3).
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `value` without its leading and trailing `OWS`.
pub fn trim_ows(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|&b| !is_ows(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|&b| !is_ows(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

/// `token68`, the whole of `bytes`.
pub fn is_token68(bytes: &[u8]) -> bool {
    let body_end = bytes.iter().position(|&b| b == b'=').unwrap_or(bytes.len());
    let (body, padding) = bytes.split_at(body_end);
    !body.is_empty()
        && body
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
        && padding.iter().all(|&b| b == b'=')
}

/// Reads `value` (an `Authorization` field value) with the grammar above.
pub fn parse(value: &[u8]) -> Parsed<'_> {
    let value = trim_ows(value);
    if value.is_empty() {
        return Parsed::Empty;
    }
    let scheme_end = value
        .iter()
        .position(|&b| !crate::is_tchar(b))
        .unwrap_or(value.len());
    let (scheme, rest) = value.split_at(scheme_end);
    if scheme.is_empty() {
        return Parsed::Invalid;
    }
    if rest.is_empty() {
        return Parsed::SchemeOnly(scheme);
    }
    // `1*SP` (and tabs, see the module's documentation); `rest` is not all white space, as
    // the value was trimmed.
    let after = rest.iter().position(|&b| !is_ows(b)).unwrap_or(rest.len());
    if after == 0 {
        return Parsed::Invalid;
    }
    let credentials = &rest[after..];
    if is_token68(credentials) {
        Parsed::Token68 {
            scheme,
            token: credentials,
        }
    } else if is_auth_param_list(credentials) {
        Parsed::Params { scheme }
    } else {
        Parsed::Invalid
    }
}

/// `#auth-param`, the whole of `bytes`.
fn is_auth_param_list(bytes: &[u8]) -> bool {
    let mut at = 0;
    loop {
        at = skip_ows(bytes, at);
        // An element, or none (empty list elements are allowed).
        if at < bytes.len() && bytes[at] != b',' {
            match auth_param(bytes, at) {
                Some(end) => at = skip_ows(bytes, end),
                None => return false,
            }
        }
        match bytes.get(at) {
            None => return true,
            Some(b',') => at += 1,
            Some(_) => return false,
        }
    }
}

fn skip_ows(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && is_ows(bytes[at]) {
        at += 1;
    }
    at
}

/// `token BWS "=" BWS ( token / quoted-string )` from `at`; where it ends.
fn auth_param(bytes: &[u8], at: usize) -> Option<usize> {
    let name_end = token_end(bytes, at);
    if name_end == at {
        return None;
    }
    let at = skip_ows(bytes, name_end);
    if bytes.get(at) != Some(&b'=') {
        return None;
    }
    let at = skip_ows(bytes, at + 1);
    if bytes.get(at) == Some(&b'"') {
        return quoted_string_end(bytes, at);
    }
    let end = token_end(bytes, at);
    (end > at).then_some(end)
}

fn token_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && crate::is_tchar(bytes[at]) {
        at += 1;
    }
    at
}

/// `DQUOTE *( qdtext / quoted-pair ) DQUOTE` from `at` (a `"`); where it ends.
fn quoted_string_end(bytes: &[u8], at: usize) -> Option<usize> {
    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    let qdtext = |b: u8| matches!(b, b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff);
    // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
    let pair = |b: u8| matches!(b, b'\t' | b' ' | 0x21..=0x7e | 0x80..=0xff);
    let mut at = at + 1;
    loop {
        match *bytes.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' if pair(*bytes.get(at + 1)?) => at += 2,
            b if qdtext(b) => at += 1,
            _ => return None,
        }
    }
}
