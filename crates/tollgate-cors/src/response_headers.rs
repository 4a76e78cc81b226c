//! `ResponseHeaders`: the headers a CORS answer adds to a response, by kind.

use crate::vary::Vary;

/// A CORS response header.
///
/// Within one policy, every kind but [`CorsHeader::AllowOrigin`] and [`CorsHeader::Vary`]
/// always has the same value, computed when the policy is built; glue code may therefore
/// convert each such value to its own header type once and reuse it. An allowed origin is
/// echoed from the request (or is `*`), and [`Vary`] says which of its values applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorsHeader {
    /// `access-control-allow-origin`: the request's origin, or `*`.
    AllowOrigin,
    /// `access-control-allow-credentials`: `true`.
    AllowCredentials,
    /// `access-control-allow-methods`: the allowed methods (preflights only).
    AllowMethods,
    /// `access-control-allow-headers`: the allowed request headers (preflights only).
    AllowHeaders,
    /// `access-control-max-age`: how long a preflight answer may be cached (preflights only).
    MaxAge,
    /// `access-control-expose-headers`: the response headers pages may read.
    ExposeHeaders,
    /// `vary`: added to, never replacing, a `Vary` the response already has.
    Vary,
}

impl CorsHeader {
    /// The lowercase header name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::AllowOrigin => "access-control-allow-origin",
            Self::AllowCredentials => "access-control-allow-credentials",
            Self::AllowMethods => "access-control-allow-methods",
            Self::AllowHeaders => "access-control-allow-headers",
            Self::MaxAge => "access-control-max-age",
            Self::ExposeHeaders => "access-control-expose-headers",
            Self::Vary => "vary",
        }
    }
}

/// The most headers besides `Vary` that one answer carries: all other kinds.
const CAPACITY: usize = 6;

/// Headers to add to a response, in a fixed-size array, in a stable order with `Vary` last.
///
/// Values borrow from the policy (computed when it was built) or from the request (the echoed
/// `Origin`), so building them allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    entries: [(CorsHeader, &'a str); CAPACITY],
    len: usize,
    vary: Vary,
}

impl<'a> ResponseHeaders<'a> {
    /// Only the `Vary` header that `vary` calls for, if any.
    pub(crate) const fn vary_only(vary: Vary) -> Self {
        Self {
            entries: [(CorsHeader::Vary, ""); CAPACITY],
            len: 0,
            vary,
        }
    }

    /// Appends a header other than `Vary`. Each answer adds each kind at most once, so the
    /// capacity suffices.
    pub(crate) fn push(&mut self, header: CorsHeader, value: &'a str) {
        if let Some(slot) = self.entries.get_mut(self.len) {
            *slot = (header, value);
            self.len += 1;
        }
    }

    /// Sets the `Vary` that the answer calls for.
    pub(crate) fn set_vary(&mut self, vary: Vary) {
        self.vary = vary;
    }

    /// The `Vary` the response needs.
    #[must_use]
    pub fn vary(&self) -> Vary {
        self.vary
    }

    /// The headers, `Vary` last.
    pub fn iter(&self) -> impl Iterator<Item = (CorsHeader, &'a str)> + '_ {
        let vary = self
            .vary
            .header_value()
            .map(|value| (CorsHeader::Vary, value));
        // The first `len` entries are the pushed ones; `push` keeps `len` within the array.
        self.entries.iter().take(self.len).copied().chain(vary)
    }

    /// The value of `header`, if present.
    #[must_use]
    pub fn get(&self, header: CorsHeader) -> Option<&'a str> {
        self.iter()
            .find(|&(present, _)| present == header)
            .map(|(_, value)| value)
    }

    /// How many headers there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len + usize::from(self.vary.header_value().is_some())
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for ResponseHeaders<'_> {
    fn default() -> Self {
        Self::vary_only(Vary::NotNeeded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_pairs_in_order_with_vary_last_and_finds_them_by_kind() {
        let mut headers = ResponseHeaders::default();
        headers.set_vary(Vary::Origin);
        headers.push(CorsHeader::AllowOrigin, "*");
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            [(CorsHeader::AllowOrigin, "*"), (CorsHeader::Vary, "origin")]
        );
        assert_eq!(headers.get(CorsHeader::Vary), Some("origin"));
        assert_eq!(headers.get(CorsHeader::MaxAge), None);
        assert_eq!(headers.len(), 2);
    }

    #[test]
    fn never_grows_past_its_capacity() {
        let mut headers = ResponseHeaders::default();
        for _ in 0..CAPACITY + 3 {
            headers.push(CorsHeader::MaxAge, "x");
        }
        assert_eq!(headers.len(), CAPACITY);
        assert!(ResponseHeaders::vary_only(Vary::NotNeeded).is_empty());
    }
}
