//! The combined check: the token's scope, capped by the user's own permissions.

use core::fmt;

use crate::{Access, Operation, Scope, UserPermissions};

/// An answer: allow, or deny with the reason `D`.
///
/// [`check`] and [`Limits::check_operation`](crate::Limits::check_operation) answer with a
/// [`Denial`], [`Limits::check`](crate::Limits::check) with a
/// [`LimitDenial`](crate::LimitDenial). They carry the
/// user's [`Shortfall`](UserPermissions::Shortfall) (e.g. [`RoleShortfall`](crate::RoleShortfall))
/// and are `Copy` when it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum Decision<D> {
    /// The operation may go ahead.
    Allow,
    /// The operation is refused, for this reason.
    Deny(D),
}

impl<D> Decision<D> {
    /// Whether this is [`Decision::Allow`].
    #[must_use]
    pub const fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }
}

/// Why an operation was refused: which side refused, and what it needed against what it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Denial<S> {
    /// The operation is [`Operation::NeverForTokens`]: no scope allows it.
    NeverForTokens,
    /// The user may not perform the operation, whatever the token's scope.
    UserLacksPermission {
        /// The refused operation.
        operation: Operation,
        /// What the user lacks, as the user's permissions describe it.
        shortfall: S,
    },
    /// The user may perform the operation, but the token's scope is too low for it.
    ScopeTooLow {
        /// The refused operation.
        operation: Operation,
        /// The lowest scope that allows it.
        required: Scope,
        /// The token's scope.
        held: Scope,
    },
    /// The token is [`TokenKind::Publishable`](crate::TokenKind::Publishable), and the operation
    /// is not [`Operation::ReadData`].
    PublishableToken {
        /// The refused operation.
        operation: Operation,
    },
    /// The token carries per-resource [`Grants`](crate::Grants), and they do not include this
    /// access to the requested resource.
    NotGranted {
        /// The refused operation.
        operation: Operation,
        /// The access that was not granted.
        access: Access,
    },
}

impl<S: fmt::Display> fmt::Display for Denial<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denial::NeverForTokens => {
                f.write_str("this operation is never allowed to API tokens, whatever their scope")
            }
            Denial::UserLacksPermission {
                operation,
                shortfall,
            } => write!(f, "the user may not {operation}: {shortfall}"),
            Denial::ScopeTooLow {
                operation,
                required,
                held,
            } => write!(
                f,
                "the token's scope is {held}, and to {operation} it needs {required} or higher"
            ),
            Denial::PublishableToken { operation } => write!(
                f,
                "publishable tokens may only read non-sensitive data, not {operation}"
            ),
            Denial::NotGranted { operation, access } => write!(
                f,
                "the token's grants do not include {access} access to this resource (needed to {operation})"
            ),
        }
    }
}

/// May a token with `scope`, held by `user`, perform `operation`?
///
/// The answers are taken in this order, and the first refusal is returned:
///
/// 1. [`Operation::NeverForTokens`] is refused outright ([`Denial::NeverForTokens`]).
/// 2. The user's own permissions: a user who may not perform the operation is refused
///    whatever the token's scope ([`Denial::UserLacksPermission`]). This comes before the scope
///    because it is the more fundamental answer: no other token would help.
/// 3. The token's scope must be at least [`Operation::required_scope`]
///    ([`Denial::ScopeTooLow`]).
///
/// So the effective permission is never more than either the scope or the user allows. The
/// cap applies at each use, as in Part-DB: lowering a user's role lowers all their tokens at
/// once. No allocation, no I/O beyond what `user` does.
pub fn check<U: UserPermissions + ?Sized>(
    scope: Scope,
    user: &U,
    operation: Operation,
) -> Decision<Denial<U::Shortfall>> {
    let Some(required) = operation.required_scope() else {
        return Decision::Deny(Denial::NeverForTokens);
    };
    if let Some(shortfall) = user.shortfall(operation) {
        return Decision::Deny(Denial::UserLacksPermission {
            operation,
            shortfall,
        });
    }
    if scope < required {
        return Decision::Deny(Denial::ScopeTooLow {
            operation,
            required,
            held: scope,
        });
    }
    Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Role, RoleShortfall};

    #[test]
    fn never_for_tokens_is_refused_before_asking_the_user() {
        /// Answers every question with a shortfall, so any consultation would show.
        struct RefusesEverything;
        impl UserPermissions for RefusesEverything {
            type Shortfall = &'static str;
            fn shortfall(&self, _: Operation) -> Option<&'static str> {
                Some("consulted")
            }
        }
        assert_eq!(
            check(Scope::Full, &RefusesEverything, Operation::NeverForTokens),
            Decision::Deny(Denial::NeverForTokens)
        );
        assert_eq!(
            check(Scope::Full, &Role::Admin, Operation::NeverForTokens),
            Decision::Deny(Denial::NeverForTokens)
        );
    }

    #[test]
    fn the_user_refusal_wins_when_both_sides_refuse() {
        assert_eq!(
            check(Scope::ReadOnly, &Role::Reader, Operation::WriteData),
            Decision::Deny(Denial::UserLacksPermission {
                operation: Operation::WriteData,
                shortfall: RoleShortfall {
                    required: Role::Editor,
                    held: Role::Reader
                }
            })
        );
    }

    #[test]
    fn scope_refusal_reports_required_and_held() {
        assert_eq!(
            check(Scope::Edit, &Role::Admin, Operation::ReadSensitive),
            Decision::Deny(Denial::ScopeTooLow {
                operation: Operation::ReadSensitive,
                required: Scope::Admin,
                held: Scope::Edit
            })
        );
    }

    #[test]
    fn check_works_through_a_trait_object() {
        let user: &dyn UserPermissions<Shortfall = RoleShortfall> = &Role::Editor;
        assert!(check(Scope::Edit, user, Operation::WriteData).is_allowed());
        assert!(!check(Scope::Edit, user, Operation::WriteSensitive).is_allowed());
    }

    #[test]
    fn denials_say_which_side_refused_and_what_would_do() {
        let cases: [(Denial<RoleShortfall>, &str); 5] = [
            (
                Denial::PublishableToken {
                    operation: Operation::WriteData,
                },
                "publishable tokens may only read non-sensitive data, not write data",
            ),
            (
                Denial::NeverForTokens,
                "this operation is never allowed to API tokens, whatever their scope",
            ),
            (
                Denial::UserLacksPermission {
                    operation: Operation::WriteData,
                    shortfall: RoleShortfall {
                        required: Role::Editor,
                        held: Role::Reader,
                    },
                },
                "the user may not write data: the user's role is reader, and editor or higher is needed",
            ),
            (
                Denial::ScopeTooLow {
                    operation: Operation::ManageAccount,
                    required: Scope::Full,
                    held: Scope::Admin,
                },
                "the token's scope is admin, and to manage the account it needs full or higher",
            ),
            (
                Denial::NotGranted {
                    operation: Operation::WriteData,
                    access: Access::Delete,
                },
                "the token's grants do not include delete access to this resource (needed to write data)",
            ),
        ];
        for (denial, message) in cases {
            assert_eq!(denial.to_string(), message);
        }
    }
}
