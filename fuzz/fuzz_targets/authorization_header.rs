//! Differential: `parse_authorization` against RFC 9110's `credentials` grammar written
//! plainly (`tollgate_fuzz::authorization`). Guarantees, for every field value an HTTP
//! server could hand over and every set of accepted schemes (the first input byte):
//! a value is accepted exactly when the grammar reads it as `Bearer`/`Token` (any case, if
//! accepted) followed by a `token68`, or, with raw tokens accepted, as one bare `token68`
//! that names no scheme; the token returned is that `token68`, byte for byte; and each
//! refusal is the typed error the grammar calls for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_fuzz::authorization::{self, Parsed};
use tollgate_token::{AcceptedSchemes, HeaderError, Scheme, parse_authorization};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, value)) = data.split_first() else {
        return;
    };
    if !tollgate_fuzz::is_field_value(value) {
        return;
    }
    let mut accepted = AcceptedSchemes::BEARER;
    if flags & 1 != 0 {
        accepted = accepted.and(Scheme::Token)
    }
    if flags & 2 != 0 {
        accepted = accepted.and(Scheme::Raw)
    }
    let named = |word: &[u8]| {
        if word.eq_ignore_ascii_case(b"bearer") {
            Some(Scheme::Bearer)
        } else if word.eq_ignore_ascii_case(b"token") {
            Some(Scheme::Token)
        } else {
            None
        }
    };
    let trimmed = authorization::trim_ows(value);
    let expected: Result<(Scheme, &[u8]), Option<HeaderError>> = match authorization::parse(value) {
        Parsed::Empty => Err(Some(HeaderError::Empty)),
        Parsed::Token68 { scheme, token } => match named(scheme) {
            Some(s) if accepted.accepts(s) => Ok((s, token)),
            Some(scheme) => Err(Some(HeaderError::SchemeNotAccepted { scheme })),
            None => Err(Some(HeaderError::UnknownScheme)),
        },
        Parsed::SchemeOnly(word) if named(word).is_some() => Err(Some(HeaderError::MissingToken)),
        // A bare `token68` that names no scheme: tollgate's raw-token extension.
        _ if authorization::is_token68(trimmed) && named(trimmed).is_none() => {
            if accepted.accepts(Scheme::Raw) {
                Ok((Scheme::Raw, trimmed))
            } else {
                Err(Some(HeaderError::MissingScheme))
            }
        }
        // Other refusals: the exact variant depends on where tollgate stops reading.
        _ => Err(None),
    };
    match (parse_authorization(value, accepted), expected) {
        (Ok(found), Ok((scheme, token))) => {
            assert_eq!(found.scheme, scheme);
            assert_eq!(found.token.as_bytes(), token);
        }
        (Err(error), Err(Some(wanted))) => assert_eq!(error, wanted),
        (Err(_), Err(None)) => {}
        (found, wanted) => panic!("tollgate {found:?}, RFC 9110 reference {wanted:?}"),
    }
});
