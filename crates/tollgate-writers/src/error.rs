//! Errors from editing writer lists and resolving inherited protection.

use std::fmt;

/// [`WriterList::remove`](crate::WriterList::remove) was asked to remove a principal that is
/// not listed. Nothing was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("that principal is not a writer of this record, so nothing was removed")]
pub struct NotAWriter;

/// [`WriterList::add_known`](crate::WriterList::add_known) was given principals that the
/// caller's check rejected. Nothing was added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPrincipals<P> {
    principals: Vec<P>,
}

impl<P> UnknownPrincipals<P> {
    pub(crate) fn new(principals: Vec<P>) -> Self {
        Self { principals }
    }

    /// The rejected principals, each once, in ascending order.
    #[must_use]
    pub fn principals(&self) -> &[P] {
        &self.principals
    }

    /// The rejected principals, each once, in ascending order.
    #[must_use]
    pub fn into_principals(self) -> Vec<P> {
        self.principals
    }
}

impl<P: fmt::Display> fmt::Display for UnknownPrincipals<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not known, so nothing was added to the writer list: ")?;
        for (i, principal) in self.principals.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{principal}")?;
        }
        Ok(())
    }
}

impl<P: fmt::Debug + fmt::Display> std::error::Error for UnknownPrincipals<P> {}

/// A [`DepthLimit`](crate::DepthLimit) outside the accepted range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DepthLimitError {
    /// More parent hops than [`DepthLimit::MAX`](crate::DepthLimit::MAX) were asked for.
    #[error(
        "a depth limit of {requested} parent hops is above the maximum of {max}; choose {max} or fewer"
    )]
    AboveMaximum {
        /// The limit asked for.
        requested: u32,
        /// The largest accepted limit.
        max: u32,
    },
}

/// Why the protection of a record could not be resolved.
///
/// Every variant is a refusal: a caller that gets one must not allow the write. `Id` is the
/// owned form of the record identifier (`String` for `str` identifiers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError<Id> {
    /// The record asked about does not exist (for a server, usually 404).
    #[error("record {record} does not exist")]
    UnknownRecord {
        /// The record asked about.
        record: Id,
    },
    /// A record names a parent that does not exist: stored data is inconsistent.
    #[error(
        "record {child} inherits its writers from {parent}, which does not exist; repair the parent reference"
    )]
    UnknownParent {
        /// The record naming the missing parent.
        child: Id,
        /// The missing parent.
        parent: Id,
    },
    /// Following parents from `record` returns to a record already visited.
    #[error(
        "the parents of record {record} form a cycle, so no writer list decides it; break the cycle"
    )]
    Cycle {
        /// The first record of the chain that lies on the cycle.
        record: Id,
    },
    /// The chain of parents from `record` is longer than the limit allows.
    #[error(
        "record {record} inherits its writers through more than {limit} parent hops; shorten the chain or raise the depth limit"
    )]
    TooDeep {
        /// The record asked about.
        record: Id,
        /// The depth limit in force.
        limit: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_principals_message_names_each_one() {
        let err = UnknownPrincipals::new(vec!["yan", "zoe"]);
        assert_eq!(
            err.to_string(),
            "not known, so nothing was added to the writer list: yan, zoe"
        );
    }

    #[test]
    fn resolve_error_messages_name_the_records() {
        let err = ResolveError::UnknownParent {
            child: "sample-1".to_owned(),
            parent: "aspect-9".to_owned(),
        };
        assert_eq!(
            err.to_string(),
            "record sample-1 inherits its writers from aspect-9, which does not exist; repair the parent reference"
        );
    }
}
