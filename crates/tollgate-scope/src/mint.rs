//! The minting rule: who may create a token, and with which scope.

use core::fmt;

use crate::{Decision, Denial, Operation, Scope, UserPermissions, check};

/// Why a new token may not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MintDenial<S> {
    /// The presenting token may not manage tokens at all: minting is
    /// [`Operation::ManageAccount`], which needs a [`Scope::Full`] token and a user allowed to
    /// manage their account. The inner denial says which side refused.
    CannotManageTokens(Denial<S>),
    /// The requested scope allows an operation the user may not perform.
    ScopeAboveUser {
        /// The scope asked for.
        requested: Scope,
        /// The highest scope this user may be given, if any.
        highest_usable: Option<Scope>,
        /// The lowest operation (in [`Operation::ALL`] order) the requested scope allows and
        /// the user may not perform.
        operation: Operation,
        /// What the user lacks for it.
        shortfall: S,
    },
}

impl<S: fmt::Display> fmt::Display for MintDenial<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MintDenial::CannotManageTokens(denial) => {
                write!(f, "this token may not create tokens: {denial}")
            }
            MintDenial::ScopeAboveUser {
                requested,
                highest_usable,
                operation,
                shortfall,
            } => {
                write!(
                    f,
                    "scope {requested} would allow the token to {operation}, which the user may not ({shortfall}); "
                )?;
                match highest_usable {
                    Some(highest) => write!(f, "ask for {highest} or lower"),
                    None => f.write_str("this user may not be given any token"),
                }
            }
        }
    }
}

/// The first operation `scope` allows that `user` may not perform, with the user's shortfall.
fn first_unusable<U: UserPermissions + ?Sized>(
    user: &U,
    scope: Scope,
) -> Option<(Operation, U::Shortfall)> {
    Operation::ALL.into_iter().find_map(|operation| {
        if scope.allows(operation) {
            user.shortfall(operation)
                .map(|shortfall| (operation, shortfall))
        } else {
            None
        }
    })
}

/// The highest scope whose every operation `user` may perform: the highest scope a new token
/// for this user may have. `None` when the user may not even read data.
///
/// For the provided roles: `reader` -> `read-only`, `editor` -> `edit`, `admin` -> `full`.
#[must_use]
pub fn highest_usable_scope<U: UserPermissions + ?Sized>(user: &U) -> Option<Scope> {
    Scope::ALL
        .into_iter()
        .take_while(|&scope| first_unusable(user, scope).is_none())
        .last()
}

/// May a token with `minting_scope`, held by `user`, create a new token for the same user
/// with scope `requested`?
///
/// Two rules, checked in this order:
///
/// 1. Creating a token is [`Operation::ManageAccount`]: the presenting token must pass
///    [`check`] for it, so it must be [`Scope::Full`] and the user must be allowed to manage
///    their account ([`MintDenial::CannotManageTokens`]).
/// 2. The new scope must not allow anything the user may not do: `requested` must be at most
///    [`highest_usable_scope`] ([`MintDenial::ScopeAboveUser`]).
///
/// The second rule is stricter than Part-DB, which lets any scope be created and caps it only
/// when used: a token whose scope says more than its user may do misleads whoever reads the
/// scope (a client deciding what to attempt, an auditor). A consequence: only users who may
/// perform every operation (with the provided roles, admins) can create `full` tokens. A server
/// that hands out an initial full-scope token to a new user does so as an administrative act,
/// not through this rule.
pub fn check_mint<U: UserPermissions + ?Sized>(
    minting_scope: Scope,
    user: &U,
    requested: Scope,
) -> Decision<MintDenial<U::Shortfall>> {
    if let Decision::Deny(denial) = check(minting_scope, user, Operation::ManageAccount) {
        return Decision::Deny(MintDenial::CannotManageTokens(denial));
    }
    match first_unusable(user, requested) {
        Some((operation, shortfall)) => Decision::Deny(MintDenial::ScopeAboveUser {
            requested,
            highest_usable: highest_usable_scope(user),
            operation,
            shortfall,
        }),
        None => Decision::Allow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Role, RoleShortfall};

    #[test]
    fn highest_usable_scope_per_role() {
        assert_eq!(highest_usable_scope(&Role::Reader), Some(Scope::ReadOnly));
        assert_eq!(highest_usable_scope(&Role::Editor), Some(Scope::Edit));
        assert_eq!(highest_usable_scope(&Role::Admin), Some(Scope::Full));
    }

    /// SEMANTICS.md section 2: only a Full token may mint tokens, and never with more than the
    /// user may hold; SERVER-API.md: a scope above what the role can use is refused.
    #[test]
    fn only_full_tokens_mint_and_never_above_the_user() {
        for scope in [Scope::ReadOnly, Scope::Edit, Scope::Admin] {
            assert_eq!(
                check_mint(scope, &Role::Admin, Scope::ReadOnly),
                Decision::Deny(MintDenial::CannotManageTokens(Denial::ScopeTooLow {
                    operation: Operation::ManageAccount,
                    required: Scope::Full,
                    held: scope,
                }))
            );
        }
        for requested in Scope::ALL {
            assert!(check_mint(Scope::Full, &Role::Admin, requested).is_allowed());
        }
        assert!(check_mint(Scope::Full, &Role::Editor, Scope::Edit).is_allowed());
        assert_eq!(
            check_mint(Scope::Full, &Role::Editor, Scope::Full),
            Decision::Deny(MintDenial::ScopeAboveUser {
                requested: Scope::Full,
                highest_usable: Some(Scope::Edit),
                operation: Operation::ReadSensitive,
                shortfall: RoleShortfall {
                    required: Role::Admin,
                    held: Role::Editor
                },
            })
        );
        assert!(check_mint(Scope::Full, &Role::Reader, Scope::ReadOnly).is_allowed());
        assert!(!check_mint(Scope::Full, &Role::Reader, Scope::Edit).is_allowed());
    }

    /// A user who may not manage the account, or may not read, with a minimal permission model.
    #[derive(Clone, Copy)]
    struct Only(Operation);

    impl UserPermissions for Only {
        type Shortfall = ();

        fn shortfall(&self, operation: Operation) -> Option<()> {
            (operation != self.0).then_some(())
        }
    }

    #[test]
    fn a_user_who_may_not_manage_the_account_cannot_mint() {
        assert_eq!(
            check_mint(Scope::Full, &Only(Operation::ReadData), Scope::ReadOnly),
            Decision::Deny(MintDenial::CannotManageTokens(
                Denial::UserLacksPermission {
                    operation: Operation::ManageAccount,
                    shortfall: ()
                }
            ))
        );
        let denial = check_mint(
            Scope::Full,
            &Only(Operation::ManageAccount),
            Scope::ReadOnly,
        );
        assert_eq!(
            denial,
            Decision::Deny(MintDenial::ScopeAboveUser {
                requested: Scope::ReadOnly,
                highest_usable: None,
                operation: Operation::ReadData,
                shortfall: ()
            })
        );
    }

    #[test]
    fn denials_read_as_instructions() {
        let Decision::Deny(denial) = check_mint(Scope::Full, &Role::Reader, Scope::Admin) else {
            panic!("a reader may not mint an admin token");
        };
        assert_eq!(
            denial.to_string(),
            "scope admin would allow the token to write data, which the user may not \
             (the user's role is reader, and editor or higher is needed); ask for read-only or lower"
        );
        let Decision::Deny(denial) = check_mint(Scope::Edit, &Role::Admin, Scope::Edit) else {
            panic!("an edit token may not mint");
        };
        assert_eq!(
            denial.to_string(),
            "this token may not create tokens: the token's scope is edit, and to manage the \
             account it needs full or higher"
        );
    }
}
