//! The invariants issue 3 names, over arbitrary user permissions, scopes and operations.

use proptest::prelude::*;
use tollgate_scope::{
    Limits, LimitsRequest, Operation, Role, Scope, UserPermissions, check, derive,
    highest_usable_scope,
};

use crate::{any_operation, any_permission_set, any_scope};

proptest! {
    /// A higher scope never allows less, for any user.
    #[test]
    fn higher_scope_never_allows_less(
        user in any_permission_set(),
        low in any_scope(),
        high in any_scope(),
        op in any_operation(),
    ) {
        prop_assume!(low <= high);
        if check(low, &user, op).is_allowed() {
            prop_assert!(check(high, &user, op).is_allowed());
        }
    }

    /// A higher role never allows less, whatever the scope.
    #[test]
    fn higher_role_never_allows_less(
        low in proptest::sample::select(Role::ALL.to_vec()),
        high in proptest::sample::select(Role::ALL.to_vec()),
        scope in any_scope(),
        op in any_operation(),
    ) {
        prop_assume!(low <= high);
        if check(scope, &low, op).is_allowed() {
            prop_assert!(check(scope, &high, op).is_allowed());
        }
    }

    /// The effective permission is exactly what both the scope and the user allow: never more
    /// than either side, and nothing both allow is refused.
    #[test]
    fn effective_permission_is_within_scope_and_user(
        user in any_permission_set(),
        scope in any_scope(),
        op in any_operation(),
    ) {
        let both = scope.allows(op) && user.shortfall(op).is_none();
        prop_assert_eq!(check(scope, &user, op).is_allowed(), both);
    }

    /// A minted token never has a scope allowing anything its user may not do, and only a full
    /// token mints.
    #[test]
    fn minting_never_exceeds_the_user(
        user in any_permission_set(),
        minting in any_scope(),
        requested in any_scope(),
    ) {
        if derive(&Limits::new(minting), &user, LimitsRequest::new(requested)).is_ok() {
            prop_assert_eq!(minting, Scope::Full);
            prop_assert!(user.shortfall(Operation::ManageAccount).is_none());
            for op in Operation::ALL {
                if requested.allows(op) {
                    prop_assert!(user.shortfall(op).is_none(), "{requested} allows {op}");
                }
            }
        }
    }

    /// A full token of a user who may manage the account mints exactly the scopes up to the
    /// user's highest usable scope.
    #[test]
    fn minting_allows_up_to_the_highest_usable_scope(
        user in any_permission_set(),
        requested in any_scope(),
    ) {
        prop_assume!(user.shortfall(Operation::ManageAccount).is_none());
        let within = highest_usable_scope(&user).is_some_and(|highest| requested <= highest);
        let derived = derive(&Limits::new(Scope::Full), &user, LimitsRequest::new(requested));
        prop_assert_eq!(derived.is_ok(), within);
    }
}
