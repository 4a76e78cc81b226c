//! Users: a validated name and a role.

use core::fmt;
use core::str::FromStr;
use std::sync::Arc;

use tollgate_scope::Role;

use crate::UserNameError;

/// A user name: 1 to 60 of `[A-Za-z0-9_.-]`, unique ignoring (ASCII) case. Clones share the
/// text (a reference count).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserName(Arc<str>);

impl UserName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 60;

    /// Validates `name` (nothing is trimmed).
    ///
    /// # Errors
    /// [`UserNameError`] when it is empty, too long, or holds another character.
    pub fn new(name: &str) -> Result<Self, UserNameError> {
        if name.is_empty() {
            return Err(UserNameError::Empty);
        }
        if let Some(position) = name
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))
        {
            return Err(UserNameError::BadCharacter { position });
        }
        if name.len() > Self::MAX_LEN {
            return Err(UserNameError::TooLong {
                actual: name.len(),
                max: Self::MAX_LEN,
            });
        }
        Ok(Self(Arc::from(name)))
    }

    /// The name as created.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which names are unique: the name in ASCII lowercase.
    #[must_use]
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UserName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for UserName {
    type Err = UserNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::new(name)
    }
}

/// A user: who owns tokens, and the role that caps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's name, as created.
    pub name: UserName,
    /// What the user may do; a token never does more.
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        for name in ["a", "alice", "Bob.Smith-2_x", &"x".repeat(60)] {
            assert_eq!(UserName::new(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn error_paths() {
        assert_eq!(UserName::new(""), Err(UserNameError::Empty));
        assert_eq!(
            UserName::new(&"x".repeat(61)),
            Err(UserNameError::TooLong {
                actual: 61,
                max: 60
            })
        );
        assert_eq!(
            UserName::new("a b"),
            Err(UserNameError::BadCharacter { position: 1 })
        );
        assert_eq!(
            UserName::new(" a"),
            Err(UserNameError::BadCharacter { position: 0 })
        );
        assert_eq!(
            UserName::new("é"),
            Err(UserNameError::BadCharacter { position: 0 })
        );
        assert_eq!(
            UserName::new("a/b"),
            Err(UserNameError::BadCharacter { position: 1 })
        );
    }

    #[test]
    fn key_ignores_case() {
        assert_eq!(
            UserName::new("Alice").unwrap().key(),
            UserName::new("aLICE").unwrap().key()
        );
    }
}
