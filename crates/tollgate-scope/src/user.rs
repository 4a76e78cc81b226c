//! The user's side of a check: what the user behind a token may do, whatever the token says.

use core::fmt;
use core::str::FromStr;

use crate::Operation;
use crate::error::ParseRoleError;

/// What a user may do on their own account, independent of any token.
///
/// A server implements this for its user type (or uses the provided [`Role`]). A token is
/// capped by it when used: [`check`](crate::check) allows an operation only when both the
/// token's scope and this answer allow it.
///
/// The answer is the user's *shortfall* for an operation: `None` when the user may perform
/// it, otherwise a value saying what is missing, which travels inside the
/// [`Denial`](crate::Denial) for logs and messages. Keep it `Copy` (no owned strings), so
/// that checking never allocates.
///
/// ```
/// use tollgate_scope::{Operation, UserPermissions};
///
/// /// A user whose permissions are a set of allowed operations, stored per user.
/// struct Account {
///     may_write: bool,
/// }
///
/// impl UserPermissions for Account {
///     /// Nothing more to say than "not allowed": the operation is in the denial already.
///     type Shortfall = ();
///
///     fn shortfall(&self, operation: Operation) -> Option<()> {
///         match operation {
///             Operation::ReadData | Operation::ManageAccount => None,
///             Operation::WriteData if self.may_write => None,
///             _ => Some(()),
///         }
///     }
/// }
///
/// assert_eq!(Account { may_write: false }.shortfall(Operation::WriteData), Some(()));
/// ```
pub trait UserPermissions {
    /// What a refusal reports about the user, e.g. [`RoleShortfall`] (required vs held role).
    type Shortfall: Copy + fmt::Debug;

    /// `None` when this user may perform `operation`; otherwise what the user lacks.
    ///
    /// Called on every check: it should answer from memory, without I/O.
    fn shortfall(&self, operation: Operation) -> Option<Self::Shortfall>;
}

/// A user's role, for servers whose users have one of three fixed roles (docs/server-api.md).
///
/// Roles are ordered `Reader < Editor < Admin`, each including the one below. The text form
/// is the lowercase name (`reader`, `editor`, `admin`); parsing ignores ASCII letter case and
/// trims nothing.
///
/// | operation | lowest role |
/// |---|---|
/// | [`ReadData`](Operation::ReadData), [`ManageAccount`](Operation::ManageAccount) | reader |
/// | [`WriteData`](Operation::WriteData) | editor |
/// | [`ReadSensitive`](Operation::ReadSensitive), [`WriteSensitive`](Operation::WriteSensitive) | admin |
/// | [`NeverForTokens`](Operation::NeverForTokens) | admin |
///
/// Operations never allowed to tokens are given to admins only: this type cannot know what
/// they are, so it assumes the worst. (No token gets them anyway; the answer matters only to a
/// server that also uses `Role` for sessions.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads data and manages their own tokens.
    Reader,
    /// Also creates, updates and deletes data.
    Editor,
    /// Also reads and writes users and anyone's tokens.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Reader, Role::Editor, Role::Admin];

    /// The canonical name: `reader`, `editor` or `admin`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The lowest role that may perform `operation` (see the table on [`Role`]).
    #[must_use]
    pub const fn minimum_for(operation: Operation) -> Role {
        match operation {
            Operation::ReadData | Operation::ManageAccount => Role::Reader,
            Operation::WriteData => Role::Editor,
            Operation::ReadSensitive | Operation::WriteSensitive | Operation::NeverForTokens => {
                Role::Admin
            }
        }
    }
}

impl UserPermissions for Role {
    type Shortfall = RoleShortfall;

    fn shortfall(&self, operation: Operation) -> Option<RoleShortfall> {
        let required = Role::minimum_for(operation);
        (*self < required).then_some(RoleShortfall {
            required,
            held: *self,
        })
    }
}

/// Why a [`Role`] may not perform an operation: the role it needs and the role it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleShortfall {
    /// The lowest role that may perform the operation.
    pub required: Role,
    /// The user's role, which is lower.
    pub held: Role,
}

impl fmt::Display for RoleShortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the user's role is {}, and {} or higher is needed",
            self.held, self.required
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseRoleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text))
            .ok_or(ParseRoleError::UnknownName)
    }
}

impl TryFrom<&str> for Role {
    type Error = ParseRoleError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl AsRef<str> for Role {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// docs/server-api.md, "Users and roles": reads and own-token management for any role, writes
    /// for editor or admin, users and anyone's tokens for admin only.
    #[test]
    fn role_table_matches_server_api() {
        use Operation::*;
        let permitted = |role: Role| -> Vec<Operation> {
            Operation::ALL
                .into_iter()
                .filter(|&op| role.shortfall(op).is_none())
                .collect()
        };
        assert_eq!(permitted(Role::Reader), [ReadData, ManageAccount]);
        assert_eq!(
            permitted(Role::Editor),
            [ReadData, WriteData, ManageAccount]
        );
        assert_eq!(permitted(Role::Admin), Operation::ALL);
    }

    #[test]
    fn shortfall_reports_required_and_held() {
        assert_eq!(
            Role::Reader.shortfall(Operation::WriteData),
            Some(RoleShortfall {
                required: Role::Editor,
                held: Role::Reader
            })
        );
        assert_eq!(
            Role::Editor
                .shortfall(Operation::ReadSensitive)
                .map(|s| s.to_string()),
            Some("the user's role is editor, and admin or higher is needed".to_owned())
        );
    }

    #[test]
    fn parses_names_in_any_case_and_nothing_else() {
        assert_eq!("reader".parse(), Ok(Role::Reader));
        assert_eq!("Editor".parse(), Ok(Role::Editor));
        assert_eq!(Role::try_from("ADMIN"), Ok(Role::Admin));
        for bad in ["", " admin", "administrator", "owner", "read", "1"] {
            assert_eq!(
                bad.parse::<Role>(),
                Err(ParseRoleError::UnknownName),
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(role in proptest::sample::select(Role::ALL.to_vec())) {
            prop_assert_eq!(role.to_string().parse::<Role>(), Ok(role));
            prop_assert_eq!(role.as_ref(), role.to_string());
        }

        /// A higher role never permits less.
        #[test]
        fn higher_role_never_permits_less(
            low in proptest::sample::select(Role::ALL.to_vec()),
            high in proptest::sample::select(Role::ALL.to_vec()),
            op in proptest::sample::select(Operation::ALL.to_vec()),
        ) {
            if low <= high && low.shortfall(op).is_none() {
                prop_assert!(high.shortfall(op).is_none());
            }
        }
    }
}
