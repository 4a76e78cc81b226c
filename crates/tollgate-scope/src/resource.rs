//! Validated names of the resources a token can be granted access to.

use core::borrow::Borrow;
use core::fmt;
use core::str::FromStr;

use crate::error::ResourceNameError;

/// The name of a resource in a [`Grants`](crate::Grants) entry, e.g. `aspects` or
/// `aspects/cpu-load`.
///
/// 1 to [`MAX_LEN`](ResourceName::MAX_LEN) characters, each an ASCII letter, digit, or one of
/// `_ - . : /`. Names are compared exactly: case matters, and there are no wildcards or
/// prefixes (a grant on `aspects` says nothing about `aspects/cpu-load`). What a name stands
/// for is the server's choice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceName(Box<str>);

impl ResourceName {
    /// The longest name accepted, in characters.
    pub const MAX_LEN: usize = 128;

    /// Validates `name`.
    ///
    /// # Errors
    ///
    /// [`ResourceNameError`] when the name is empty, longer than
    /// [`MAX_LEN`](ResourceName::MAX_LEN), or has a character outside the allowed set.
    pub fn new(name: &str) -> Result<ResourceName, ResourceNameError> {
        if name.is_empty() {
            return Err(ResourceNameError::Empty);
        }
        if name.len() > Self::MAX_LEN {
            return Err(ResourceNameError::TooLong { len: name.len() });
        }
        let allowed = |byte: u8| byte.is_ascii_alphanumeric() || b"_-.:/".contains(&byte);
        match name.bytes().position(|byte| !allowed(byte)) {
            Some(position) => Err(ResourceNameError::InvalidCharacter { position }),
            None => Ok(ResourceName(name.into())),
        }
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ResourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ResourceName {
    type Err = ResourceNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        ResourceName::new(name)
    }
}

impl TryFrom<&str> for ResourceName {
    type Error = ResourceNameError;

    fn try_from(name: &str) -> Result<Self, Self::Error> {
        ResourceName::new(name)
    }
}

impl AsRef<str> for ResourceName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Lets [`Grants`](crate::Grants) look names up by `&str`, without allocating.
impl Borrow<str> for ResourceName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ResourceName {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_documented_alphabet() {
        for name in [
            "a",
            "aspects",
            "aspects/cpu-load",
            "Data_Set.v2:eu",
            &"x".repeat(128),
        ] {
            let parsed = ResourceName::new(name).unwrap();
            assert_eq!(parsed.as_str(), name);
            assert_eq!(parsed, *name);
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        assert_eq!(ResourceName::new(""), Err(ResourceNameError::Empty));
        assert_eq!(
            "y".repeat(129).parse::<ResourceName>(),
            Err(ResourceNameError::TooLong { len: 129 })
        );
        for (name, position) in [
            ("a b", 1),
            ("données", 4),
            ("x\n", 1),
            ("*", 0),
            ("a?b=1", 1),
        ] {
            assert_eq!(
                ResourceName::try_from(name),
                Err(ResourceNameError::InvalidCharacter { position }),
                "{name:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn accepted_names_round_trip_and_respect_the_rules(name in "\\PC{0,140}") {
            if let Ok(parsed) = ResourceName::new(&name) {
                prop_assert_eq!(parsed.to_string(), name.clone());
                prop_assert!((1..=ResourceName::MAX_LEN).contains(&name.len()));
                prop_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.:/".contains(&b)));
            }
        }

        #[test]
        fn valid_names_are_accepted(name in "[A-Za-z0-9_.:/-]{1,128}") {
            prop_assert_eq!(ResourceName::new(&name).map(|n| n.to_string()), Ok(name));
        }
    }
}
