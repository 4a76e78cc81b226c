//! How many parent hops inheritance may follow.

use crate::error::DepthLimitError;

/// The most parent hops an inheritance resolution follows before giving up with
/// [`ResolveError::TooDeep`](crate::ResolveError::TooDeep).
///
/// A limit of 0 accepts only records with their own list; Refocus's samples, which take their
/// aspect's list, need 1. The default, [`DepthLimit::DEFAULT`], is 8: room for deeper
/// hierarchies while keeping a broken chain cheap to reject. The maximum, [`DepthLimit::MAX`],
/// is 64, which bounds the work done on a refused chain (cycle classification compares the
/// visited records pairwise: about 2,200 lookups at the maximum, none when resolution succeeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DepthLimit(u32);

impl DepthLimit {
    /// The default limit: 8 parent hops.
    pub const DEFAULT: Self = Self(8);

    /// The largest accepted limit: 64 parent hops.
    pub const MAX: Self = Self(64);

    /// A limit of `hops` parent hops.
    ///
    /// # Errors
    ///
    /// [`DepthLimitError::AboveMaximum`] when `hops` exceeds [`DepthLimit::MAX`].
    pub const fn new(hops: u32) -> Result<Self, DepthLimitError> {
        if hops > Self::MAX.0 {
            Err(DepthLimitError::AboveMaximum {
                requested: hops,
                max: Self::MAX.0,
            })
        } else {
            Ok(Self(hops))
        }
    }

    /// The number of parent hops allowed.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for DepthLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<u32> for DepthLimit {
    type Error = DepthLimitError;

    fn try_from(hops: u32) -> Result<Self, Self::Error> {
        Self::new(hops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_zero_through_the_maximum() {
        assert_eq!(DepthLimit::new(0).map(DepthLimit::get), Ok(0));
        assert_eq!(DepthLimit::new(64), Ok(DepthLimit::MAX));
        assert_eq!(DepthLimit::default().get(), 8);
    }

    #[test]
    fn rejects_above_the_maximum_with_an_actionable_message() {
        let err = DepthLimit::try_from(65).unwrap_err();
        assert_eq!(
            err,
            DepthLimitError::AboveMaximum {
                requested: 65,
                max: 64
            }
        );
        assert_eq!(
            err.to_string(),
            "a depth limit of 65 parent hops is above the maximum of 64; choose 64 or fewer"
        );
    }
}
