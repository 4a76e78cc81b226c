//! Who is asking, and whether they asked for (and may use) the admin override.

/// The actor asking to change a record.
///
/// `Q` is the borrowed form of the writer list's principal type (`str` for a
/// `WriterList<String>`), so building an actor never allocates.
#[derive(Debug, PartialEq, Eq)]
pub enum Actor<'a, Q: ?Sized> {
    /// No credentials. Anonymous actors never write, whatever the list or override says.
    Anonymous,
    /// A principal whose credentials the caller has verified.
    Authenticated(&'a Q),
}

impl<'a, Q: ?Sized> Actor<'a, Q> {
    /// An authenticated actor.
    #[must_use]
    pub const fn authenticated(principal: &'a Q) -> Self {
        Self::Authenticated(principal)
    }

    /// The principal, unless the actor is anonymous.
    #[must_use]
    pub const fn principal(&self) -> Option<&'a Q> {
        match self {
            Self::Anonymous => None,
            Self::Authenticated(principal) => Some(principal),
        }
    }
}

// Written by hand: derives would demand `Q: Clone`, which `str` is not.
impl<Q: ?Sized> Clone for Actor<'_, Q> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Q: ?Sized> Copy for Actor<'_, Q> {}

/// The admin override for one request (Refocus's `?override=admin`).
///
/// The override is never implied: a role alone grants nothing. It bypasses the writer list
/// only when it was requested *and* the caller has established that the actor is entitled to
/// it (for the example server: the user's role is admin and the token's scope is at least
/// admin). A request from an actor that is not entitled is ignored, and the ordinary rules
/// decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AdminOverride {
    /// No override asked for.
    #[default]
    NotRequested,
    /// The override was asked for; the caller says whether the actor may use it.
    Requested(Entitlement),
}

/// Whether the actor may use the admin override. The caller decides this (from role and
/// token scope); this crate only honours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entitlement {
    /// The actor may bypass writer lists when they ask to.
    Entitled,
    /// The actor may not; an override request from them is ignored.
    NotEntitled,
}

impl AdminOverride {
    /// Whether this override grants a bypass: requested by an entitled actor.
    #[must_use]
    pub const fn grants_bypass(self) -> bool {
        matches!(self, Self::Requested(Entitlement::Entitled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_entitled_request_grants_a_bypass() {
        assert!(AdminOverride::Requested(Entitlement::Entitled).grants_bypass());
        assert!(!AdminOverride::Requested(Entitlement::NotEntitled).grants_bypass());
        assert!(!AdminOverride::NotRequested.grants_bypass());
        assert_eq!(AdminOverride::default(), AdminOverride::NotRequested);
    }

    #[test]
    fn actor_exposes_its_principal() {
        assert_eq!(Actor::authenticated("alice").principal(), Some("alice"));
        assert_eq!(Actor::<str>::Anonymous.principal(), None);
    }
}
