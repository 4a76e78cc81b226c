//! Users: a validated name and a role.

use core::fmt;
use core::str::FromStr;

use arrayvec::ArrayString;
use tollgate_scope::Role;

use crate::UserNameError;

/// A user name: 1 to 60 of `[A-Za-z0-9_.-]`, unique ignoring (ASCII) case.
///
/// The text is held inline, so cloning a name, as every authentication does when it hands out
/// its token's record, copies bytes and touches no shared counter.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserName(ArrayString<MAX_USER_NAME_LEN>);

/// The longest user name, in bytes (all ASCII).
const MAX_USER_NAME_LEN: usize = 60;

impl UserName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = MAX_USER_NAME_LEN;

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
        ArrayString::from(name)
            .map(Self)
            .map_err(|_| UserNameError::TooLong {
                actual: name.len(),
                max: Self::MAX_LEN,
            })
    }

    /// The name as created.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which names are unique: the name in ASCII lowercase.
    #[must_use]
    pub fn key(&self) -> String {
        self.as_str().to_ascii_lowercase()
    }
}

impl fmt::Debug for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UserName").field(&self.as_str()).finish()
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for UserName {
    fn as_ref(&self) -> &str {
        self.as_str()
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
    fn compares_and_shows_as_its_text() {
        let (a, b) = (
            UserName::new("Al").unwrap(),
            UserName::new("Alice").unwrap(),
        );
        assert_eq!(a.clone(), a);
        assert_ne!(a, b);
        assert!(a < b && "Al" < "Alice");
        assert_eq!(format!("{a:?}"), r#"UserName("Al")"#);
        assert_eq!(a.to_string(), "Al");
    }

    #[test]
    fn key_ignores_case() {
        assert_eq!(
            UserName::new("Alice").unwrap().key(),
            UserName::new("aLICE").unwrap().key()
        );
    }
}
