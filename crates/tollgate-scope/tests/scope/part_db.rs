//! Part-DB's token scopes, reproduced from its API token documentation: parts
//! are normal data, users are sensitive data, tokens are account management.

use tollgate_scope::{Decision, Denial, Operation, Scope, check};

use crate::{Missing, PermissionSet};

const READ_PARTS: Operation = Operation::ReadData;
const CREATE_PART: Operation = Operation::WriteData;
const READ_USERS: Operation = Operation::ReadSensitive;
const MANAGE_TOKENS: Operation = Operation::ManageAccount;

/// A Part-DB user with every permission, so only the token's scope decides.
fn everything() -> PermissionSet {
    PermissionSet::of(&Operation::ALL)
}

fn scope_too_low(operation: Operation, required: Scope, held: Scope) -> Decision<Denial<Missing>> {
    Decision::Deny(Denial::ScopeTooLow {
        operation,
        required,
        held,
    })
}

#[test]
fn read_only_reads_parts_but_not_users_and_cannot_create() {
    let scope = Scope::ReadOnly;
    assert_eq!(check(scope, &everything(), READ_PARTS), Decision::Allow);
    assert_eq!(
        check(scope, &everything(), READ_USERS),
        scope_too_low(READ_USERS, Scope::Admin, scope)
    );
    assert_eq!(
        check(scope, &everything(), CREATE_PART),
        scope_too_low(CREATE_PART, Scope::Edit, scope)
    );
}

#[test]
fn edit_creates_but_cannot_read_users() {
    let scope = Scope::Edit;
    assert_eq!(check(scope, &everything(), CREATE_PART), Decision::Allow);
    assert_eq!(
        check(scope, &everything(), READ_USERS),
        scope_too_low(READ_USERS, Scope::Admin, scope)
    );
}

#[test]
fn admin_reads_users() {
    assert_eq!(
        check(Scope::Admin, &everything(), READ_USERS),
        Decision::Allow
    );
    assert_eq!(
        check(Scope::Admin, &everything(), Operation::WriteSensitive),
        Decision::Allow
    );
}

#[test]
fn only_full_manages_tokens() {
    for scope in [Scope::ReadOnly, Scope::Edit, Scope::Admin] {
        assert_eq!(
            check(scope, &everything(), MANAGE_TOKENS),
            scope_too_low(MANAGE_TOKENS, Scope::Full, scope)
        );
    }
    assert_eq!(
        check(Scope::Full, &everything(), MANAGE_TOKENS),
        Decision::Allow
    );
}

#[test]
fn a_user_without_a_permission_is_refused_whatever_the_scope() {
    let cannot_create = PermissionSet::of(&[READ_PARTS, READ_USERS, MANAGE_TOKENS]);
    for scope in Scope::ALL {
        assert_eq!(
            check(scope, &cannot_create, CREATE_PART),
            Decision::Deny(Denial::UserLacksPermission {
                operation: CREATE_PART,
                shortfall: Missing(CREATE_PART),
            }),
            "{scope}"
        );
    }
}

#[test]
fn some_operations_are_never_allowed_to_tokens() {
    for scope in Scope::ALL {
        assert_eq!(
            check(scope, &everything(), Operation::NeverForTokens),
            Decision::Deny(Denial::NeverForTokens)
        );
    }
}
