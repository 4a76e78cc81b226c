//! Bounded checking of `Access-Control-Request-Headers`.
//!
//! The value is a comma-separated list of header names. Its length is checked before anything
//! else, and the number of elements while walking it, so an oversized value is refused in
//! constant time and a long one in time proportional to the cap, never to the input.

use crate::decision::CorsDenial;
use crate::header_name::HeaderName;
use crate::http_token;

/// The longest `Access-Control-Request-Headers` value accepted, in bytes.
pub(crate) const MAX_LEN: usize = 2048;
/// The most elements (empty ones included) accepted in `Access-Control-Request-Headers`.
pub(crate) const MAX_COUNT: usize = 64;

/// Checks that every header named in `value` is in `allowed` (lowercase names), ignoring
/// case, optional whitespace around elements and empty elements (RFC 9110 list syntax).
pub(crate) fn check(value: &[u8], allowed: &[HeaderName]) -> Result<(), CorsDenial> {
    if value.len() > MAX_LEN {
        return Err(CorsDenial::RequestHeadersTooLong);
    }
    for (index, element) in value.split(|&byte| byte == b',').enumerate() {
        if index >= MAX_COUNT {
            return Err(CorsDenial::TooManyRequestHeaders);
        }
        let name = element.trim_ascii();
        if name.is_empty() {
            continue;
        }
        // An allowed name is a token, so the syntax is read only to say why a name is refused.
        if !allowed
            .iter()
            .any(|allowed| allowed.as_str().as_bytes().eq_ignore_ascii_case(name))
        {
            return Err(if http_token::is_token(name) {
                CorsDenial::RequestHeaderNotAllowed
            } else {
                CorsDenial::InvalidRequestHeaderName
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<HeaderName> {
        vec![HeaderName::AUTHORIZATION, HeaderName::CONTENT_TYPE]
    }

    #[test]
    fn accepts_allowed_names_in_any_case_with_optional_whitespace() {
        for value in [
            "",
            "authorization",
            "authorization,content-type",
            " Authorization ,\tCONTENT-TYPE",
            "authorization,,",
        ] {
            assert_eq!(check(value.as_bytes(), &allowed()), Ok(()), "{value:?}");
        }
    }

    #[test]
    fn refuses_unknown_and_invalid_names() {
        assert_eq!(
            check(b"authorization,x-secret", &allowed()),
            Err(CorsDenial::RequestHeaderNotAllowed)
        );
        assert_eq!(
            check(b"author ization", &allowed()),
            Err(CorsDenial::InvalidRequestHeaderName)
        );
        assert_eq!(
            check("authorizatión".as_bytes(), &allowed()),
            Err(CorsDenial::InvalidRequestHeaderName)
        );
    }

    #[test]
    fn caps_length_and_element_count() {
        let at_cap = vec!["authorization"; MAX_COUNT].join(",");
        assert_eq!(check(at_cap.as_bytes(), &allowed()), Ok(()));
        let over_count = ",".repeat(MAX_COUNT);
        assert_eq!(
            check(over_count.as_bytes(), &allowed()),
            Err(CorsDenial::TooManyRequestHeaders)
        );
        let over_len = "a".repeat(MAX_LEN + 1);
        assert_eq!(
            check(over_len.as_bytes(), &allowed()),
            Err(CorsDenial::RequestHeadersTooLong)
        );
    }
}
