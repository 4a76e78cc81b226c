//! Every error this crate returns.

use core::fmt;

/// A realm name was refused by [`Realm::new`](crate::Realm::new).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RealmError;

impl fmt::Display for RealmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("realm must be 1 to 64 printable ASCII characters without '\"' or '\\'")
    }
}

impl std::error::Error for RealmError {}
