//! `PortPattern`: the ports an exact or subdomain origin pattern admits.

/// Which ports an [`OriginPattern`](crate::OriginPattern) for one host or one domain's
/// subdomains admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PortPattern {
    /// The pattern's own port: the one written, or the scheme's default when none is
    /// (`https://app.example.com` admits port 443 only).
    #[default]
    Exact,
    /// Any port, the scheme's default included, written `:*` (`http://localhost:*`): for
    /// development setups where the port changes from run to run.
    Any,
}

impl PortPattern {
    /// Whether a request's `port` (`None` for the default) is admitted by a pattern whose own
    /// port is `listed`.
    pub(crate) fn admits(self, listed: Option<u16>, port: Option<u16>) -> bool {
        match self {
            Self::Exact => listed == port,
            Self::Any => true,
        }
    }

    /// Whether these ports (with own port `listed`) admit every port `other` (with own port
    /// `other_listed`) admits.
    pub(crate) fn covers(
        self,
        listed: Option<u16>,
        other: Self,
        other_listed: Option<u16>,
    ) -> bool {
        match (self, other) {
            (Self::Any, _) => true,
            (Self::Exact, Self::Exact) => listed == other_listed,
            (Self::Exact, Self::Any) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_admits_its_own_port_and_any_admits_all() {
        assert!(PortPattern::Exact.admits(None, None));
        assert!(PortPattern::Exact.admits(Some(3000), Some(3000)));
        assert!(!PortPattern::Exact.admits(None, Some(3000)));
        assert!(!PortPattern::Exact.admits(Some(3000), None));
        assert!(PortPattern::Any.admits(None, None));
        assert!(PortPattern::Any.admits(None, Some(3000)));
    }

    #[test]
    fn any_covers_everything_and_exact_only_itself() {
        assert!(PortPattern::Any.covers(None, PortPattern::Exact, Some(3000)));
        assert!(PortPattern::Any.covers(None, PortPattern::Any, None));
        assert!(PortPattern::Exact.covers(Some(3000), PortPattern::Exact, Some(3000)));
        assert!(!PortPattern::Exact.covers(Some(3000), PortPattern::Exact, None));
        assert!(!PortPattern::Exact.covers(None, PortPattern::Any, None));
    }
}
