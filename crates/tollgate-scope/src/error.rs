//! Errors for text and numbers parsed from outside: scopes, roles, accesses and resource names.
//!
//! Denials are not errors: they are [`Decision`](crate::Decision) values.
//!
//! The messages never echo the rejected input, so they are safe to log and to return to a
//! client whatever bytes it sent.

use thiserror::Error;

/// A scope name or Part-DB level code that is not one of the four scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseScopeError {
    /// The text is not a scope name or code.
    #[error(
        "unknown token scope: expected one of `read-only`, `edit`, `admin`, `full` \
         (or Part-DB's level codes 1-4)"
    )]
    UnknownName,
    /// The number is not one of Part-DB's level codes.
    #[error(
        "unknown token scope code {code}: expected 1 (read-only), 2 (edit), 3 (admin) or 4 (full)"
    )]
    UnknownCode {
        /// The rejected code.
        code: u64,
    },
}

/// A role name that is not one of the three roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseRoleError {
    /// The text is not a role name.
    #[error("unknown role: expected one of `reader`, `editor`, `admin`")]
    UnknownName,
}

/// Limits no token may have, whoever creates it ([`Limits::validate`](crate::Limits::validate)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InvalidLimits {
    /// Bound to an empty list of origins: no request could ever use the token.
    #[error("a token bound to origins must name at least one")]
    NoAllowedOrigin,
    /// A publishable token with a scope above read-only.
    #[error("publishable tokens are read-only; scope {scope} is not allowed")]
    PublishableNotReadOnly {
        /// The scope it would have had.
        scope: crate::Scope,
    },
    /// A publishable token without origins to bind it to, or bound to `*`.
    #[error("a publishable token must name the origins of the pages that embed it (not `*`)")]
    PublishableWithoutOrigins,
}

/// A token kind name that is not `secret` or `publishable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseKindError {
    /// The text is not a kind name.
    #[error("unknown token kind: expected `secret` or `publishable`")]
    UnknownName,
}

/// An access name that is not one of the three per-resource accesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseAccessError {
    /// The text is not an access name.
    #[error("unknown resource access: expected one of `read`, `write`, `delete`")]
    UnknownName,
}

/// A resource name that breaks the naming rules of [`ResourceName`](crate::ResourceName).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResourceNameError {
    /// The name is empty.
    #[error("resource name is empty: give 1-{max} characters", max = crate::ResourceName::MAX_LEN)]
    Empty,
    /// The name is longer than [`ResourceName::MAX_LEN`](crate::ResourceName::MAX_LEN) bytes.
    #[error(
        "resource name is {len} bytes long: at most {max} ASCII characters are allowed",
        max = crate::ResourceName::MAX_LEN
    )]
    TooLong {
        /// The length of the rejected name, in bytes.
        len: usize,
    },
    /// The name contains a character outside `A-Z a-z 0-9 _ - . : /`.
    #[error(
        "resource name has a character that is not allowed at byte {position}: \
         use only ASCII letters, digits and `_ - . : /`"
    )]
    InvalidCharacter {
        /// Byte offset of the first rejected character.
        position: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_error_lists_every_valid_value() {
        let message = ParseScopeError::UnknownName.to_string();
        for name in ["read-only", "edit", "admin", "full", "1-4"] {
            assert!(message.contains(name), "{message} lacks {name}");
        }
        let message = ParseScopeError::UnknownCode { code: 9 }.to_string();
        assert!(
            message.contains('9') && message.contains("4 (full)"),
            "{message}"
        );
    }

    #[test]
    fn role_and_access_errors_list_every_valid_value() {
        let message = ParseRoleError::UnknownName.to_string();
        for name in ["reader", "editor", "admin"] {
            assert!(message.contains(name), "{message} lacks {name}");
        }
        let message = ParseAccessError::UnknownName.to_string();
        for name in ["read", "write", "delete"] {
            assert!(message.contains(name), "{message} lacks {name}");
        }
    }

    #[test]
    fn resource_name_errors_say_what_to_fix() {
        assert!(ResourceNameError::Empty.to_string().contains("1-128"));
        assert!(
            ResourceNameError::TooLong { len: 200 }
                .to_string()
                .contains("200 bytes long: at most 128")
        );
        assert!(
            ResourceNameError::InvalidCharacter { position: 3 }
                .to_string()
                .contains("byte 3")
        );
    }
}
