//! `ResponseHeaders`: the (name, value) pairs a CORS answer adds to a response.

use crate::vary::Vary;

/// `access-control-allow-origin`.
pub const ACCESS_CONTROL_ALLOW_ORIGIN: &str = "access-control-allow-origin";
/// `access-control-allow-credentials`.
pub const ACCESS_CONTROL_ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";
/// `access-control-allow-methods`.
pub const ACCESS_CONTROL_ALLOW_METHODS: &str = "access-control-allow-methods";
/// `access-control-allow-headers`.
pub const ACCESS_CONTROL_ALLOW_HEADERS: &str = "access-control-allow-headers";
/// `access-control-max-age`.
pub const ACCESS_CONTROL_MAX_AGE: &str = "access-control-max-age";
/// `access-control-expose-headers`.
pub const ACCESS_CONTROL_EXPOSE_HEADERS: &str = "access-control-expose-headers";
/// `vary`.
pub const VARY: &str = "vary";

/// The most headers one answer carries: the seven above.
const CAPACITY: usize = 7;

/// Headers to add to a response, as (lowercase name, value) pairs, in a fixed-size array.
///
/// Values borrow from the policy (precomputed at build time) or from the request (the echoed
/// `Origin`), so building them allocates nothing. Header names are lowercase `&'static str`,
/// ready for `http::HeaderName::from_static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    entries: [(&'static str, &'a str); CAPACITY],
    len: usize,
}

impl<'a> ResponseHeaders<'a> {
    /// No headers.
    pub(crate) const fn new() -> Self {
        Self {
            entries: [("", ""); CAPACITY],
            len: 0,
        }
    }

    /// Only the `Vary` header that `vary` calls for, if any.
    pub(crate) fn vary_only(vary: Vary) -> Self {
        let mut headers = Self::new();
        headers.push_vary(vary);
        headers
    }

    /// Appends a header. Each answer adds each name at most once, so the capacity suffices.
    pub(crate) fn push(&mut self, name: &'static str, value: &'a str) {
        if let Some(slot) = self.entries.get_mut(self.len) {
            *slot = (name, value);
            self.len += 1;
        }
    }

    /// Appends the `Vary` header that `vary` calls for, if any.
    pub(crate) fn push_vary(&mut self, vary: Vary) {
        if let Some(value) = vary.header_value() {
            self.push(VARY, value);
        }
    }

    /// The headers, in a stable order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&'static str, &'a str)> + '_ {
        self.as_slice().iter().copied()
    }

    /// The headers as a slice of (name, value).
    #[must_use]
    pub fn as_slice(&self) -> &[(&'static str, &'a str)] {
        self.entries.get(..self.len).unwrap_or_default()
    }

    /// The value of `name` (lowercase), if present.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.as_slice()
            .iter()
            .find(|(present, _)| *present == name)
            .map(|&(_, value)| value)
    }

    /// How many headers there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for ResponseHeaders<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'h, 'a> IntoIterator for &'h ResponseHeaders<'a> {
    type Item = (&'static str, &'a str);
    type IntoIter = std::iter::Copied<std::slice::Iter<'h, (&'static str, &'a str)>>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_pairs_in_order_and_finds_them_by_name() {
        let mut headers = ResponseHeaders::new();
        headers.push(ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        headers.push_vary(Vary::Origin);
        headers.push_vary(Vary::NotNeeded);
        assert_eq!(
            headers.as_slice(),
            [(ACCESS_CONTROL_ALLOW_ORIGIN, "*"), (VARY, "origin")]
        );
        assert_eq!(headers.get(VARY), Some("origin"));
        assert_eq!(headers.get(ACCESS_CONTROL_MAX_AGE), None);
        assert_eq!((&headers).into_iter().count(), 2);
    }

    #[test]
    fn never_grows_past_its_capacity() {
        let mut headers = ResponseHeaders::new();
        for _ in 0..CAPACITY + 3 {
            headers.push(VARY, "x");
        }
        assert_eq!(headers.len(), CAPACITY);
        assert!(ResponseHeaders::vary_only(Vary::NotNeeded).is_empty());
    }
}
