//! The three accesses a per-resource grant can give: read, write, delete.

use core::fmt;
use core::str::FromStr;

use crate::error::ParseAccessError;

/// One kind of access to a named resource, as IEX Cloud's per-dataset token permissions have.
///
/// The three are independent, not ordered: a grant of `write` does not include `read`, and
/// `delete` must be granted on its own. The text form is the lowercase name; parsing ignores
/// ASCII letter case and trims nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// Read the resource.
    Read,
    /// Create or change the resource.
    Write,
    /// Delete the resource.
    Delete,
}

impl Access {
    /// Every access.
    pub const ALL: [Access; 3] = [Access::Read, Access::Write, Access::Delete];

    /// The canonical name: `read`, `write` or `delete`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Delete => "delete",
        }
    }

    /// This access as one bit of a set.
    pub(crate) const fn bit(self) -> u8 {
        match self {
            Access::Read => 1,
            Access::Write => 2,
            Access::Delete => 4,
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Access {
    type Err = ParseAccessError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Access::ALL
            .into_iter()
            .find(|access| access.as_str().eq_ignore_ascii_case(text))
            .ok_or(ParseAccessError::UnknownName)
    }
}

impl TryFrom<&str> for Access {
    type Error = ParseAccessError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl AsRef<str> for Access {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_in_any_case_and_round_trips() {
        assert_eq!("Read".parse(), Ok(Access::Read));
        assert_eq!(Access::try_from("WRITE"), Ok(Access::Write));
        for access in Access::ALL {
            assert_eq!(access.to_string().parse(), Ok(access));
            assert_eq!(access.as_ref(), access.as_str());
        }
        for bad in ["", "r", "read ", "readwrite", "remove"] {
            assert_eq!(
                bad.parse::<Access>(),
                Err(ParseAccessError::UnknownName),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bits_are_distinct() {
        let all = Access::ALL.iter().fold(0, |set, access| set | access.bit());
        assert_eq!(all.count_ones(), 3);
    }
}
