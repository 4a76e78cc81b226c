//! The example server's table (docs/server-api.md, "Users and roles"): every operation against
//! every scope and role.

use tollgate_scope::{Decision, Denial, Operation, Role, RoleShortfall, Scope, check};

/// One row of the table: what the request does, its class, the scope and roles it needs.
struct Row {
    what: &'static str,
    operation: Operation,
    needs_scope: Scope,
    roles: &'static [Role],
}

const ANY_ROLE: &[Role] = &[Role::Reader, Role::Editor, Role::Admin];

const TABLE: [Row; 5] = [
    Row {
        what: "read subjects, aspects, samples, writer lists",
        operation: Operation::ReadData,
        needs_scope: Scope::ReadOnly,
        roles: ANY_ROLE,
    },
    Row {
        what: "create / update / delete subjects, aspects, samples; change writer lists",
        operation: Operation::WriteData,
        needs_scope: Scope::Edit,
        roles: &[Role::Editor, Role::Admin],
    },
    Row {
        what: "read users",
        operation: Operation::ReadSensitive,
        needs_scope: Scope::Admin,
        roles: &[Role::Admin],
    },
    Row {
        what: "create users; revoke / restore any token",
        operation: Operation::WriteSensitive,
        needs_scope: Scope::Admin,
        roles: &[Role::Admin],
    },
    Row {
        what: "manage own tokens (create, list, delete)",
        operation: Operation::ManageAccount,
        needs_scope: Scope::Full,
        roles: ANY_ROLE,
    },
];

#[test]
fn every_row_against_every_scope_and_role() {
    for row in &TABLE {
        for scope in Scope::ALL {
            for role in Role::ALL {
                let expected = if !row.roles.contains(&role) {
                    Decision::Deny(Denial::UserLacksPermission {
                        operation: row.operation,
                        shortfall: RoleShortfall {
                            required: row.roles[0],
                            held: role,
                        },
                    })
                } else if scope < row.needs_scope {
                    Decision::Deny(Denial::ScopeTooLow {
                        operation: row.operation,
                        required: row.needs_scope,
                        held: scope,
                    })
                } else {
                    Decision::Allow
                };
                assert_eq!(
                    check(scope, &role, row.operation),
                    expected,
                    "{}: scope {scope}, role {role}",
                    row.what
                );
            }
        }
    }
}

#[test]
fn the_table_covers_every_operation_tokens_may_perform() {
    let mut covered: Vec<Operation> = TABLE.iter().map(|row| row.operation).collect();
    covered.push(Operation::NeverForTokens);
    assert_eq!(covered, Operation::ALL);
}
