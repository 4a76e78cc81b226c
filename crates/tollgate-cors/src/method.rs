//! `Method`: a validated HTTP method name for an allow-list.

use std::borrow::Cow;

use crate::error::MethodError;
use crate::http_token;
use crate::text_conversions::text_conversions;

/// Methods that browsers normalise to uppercase (Fetch "normalize a method").
const NORMALISED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
/// Methods that Fetch forbids, compared ignoring case.
const FORBIDDEN: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// An HTTP method a policy allows, such as `GET` or `PATCH`.
///
/// Any RFC 9110 token except the Fetch-forbidden `CONNECT`, `TRACE` and `TRACK`. `DELETE`,
/// `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT` are normalised to uppercase, as browsers do;
/// every other method is case-sensitive, so `patch` is not `PATCH` (browsers send `PATCH`
/// only when the page writes it that way).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Method(Cow<'static, str>);

impl Method {
    /// `GET`.
    pub const GET: Self = Self(Cow::Borrowed("GET"));
    /// `HEAD`.
    pub const HEAD: Self = Self(Cow::Borrowed("HEAD"));
    /// `POST`.
    pub const POST: Self = Self(Cow::Borrowed("POST"));
    /// `PUT`.
    pub const PUT: Self = Self(Cow::Borrowed("PUT"));
    /// `PATCH`.
    pub const PATCH: Self = Self(Cow::Borrowed("PATCH"));
    /// `DELETE`.
    pub const DELETE: Self = Self(Cow::Borrowed("DELETE"));

    /// Validates a method name.
    ///
    /// # Errors
    ///
    /// [`MethodError`] for an empty name, `*`, a character outside the RFC 9110 token set, or
    /// a forbidden method.
    pub fn parse(text: &str) -> Result<Self, MethodError> {
        if text.is_empty() {
            return Err(MethodError::Empty);
        }
        if text == "*" {
            return Err(MethodError::Wildcard);
        }
        if let Some(character) = http_token::first_invalid_char(text) {
            return Err(MethodError::InvalidCharacter { character });
        }
        if FORBIDDEN
            .iter()
            .any(|forbidden| forbidden.eq_ignore_ascii_case(text))
        {
            return Err(MethodError::Forbidden);
        }
        match NORMALISED
            .iter()
            .find(|name| name.eq_ignore_ascii_case(text))
        {
            Some(name) => Ok(Self(Cow::Borrowed(name))),
            None => Ok(Self(Cow::Owned(text.to_owned()))),
        }
    }

    /// The method name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_conversions!(Method, MethodError, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_only_the_fetch_methods() {
        assert_eq!(Method::parse("get"), Ok(Method::GET));
        assert_eq!(Method::parse("Delete"), Ok(Method::DELETE));
        assert_eq!(Method::parse("PATCH"), Ok(Method::PATCH));
        assert_eq!(
            Method::parse("patch").map(|method| method.to_string()),
            Ok("patch".into())
        );
        assert_eq!(
            Method::parse("PROPFIND").map(|method| method.to_string()),
            Ok("PROPFIND".into())
        );
    }

    #[test]
    fn refuses_empty_wildcard_invalid_and_forbidden_methods() {
        assert_eq!(Method::parse(""), Err(MethodError::Empty));
        assert_eq!(Method::parse("*"), Err(MethodError::Wildcard));
        assert_eq!(
            Method::parse("GE T"),
            Err(MethodError::InvalidCharacter { character: ' ' })
        );
        for forbidden in ["CONNECT", "trace", "Track"] {
            assert_eq!(
                Method::parse(forbidden),
                Err(MethodError::Forbidden),
                "{forbidden}"
            );
        }
    }
}
