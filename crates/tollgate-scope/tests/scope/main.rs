//! Behaviour of the whole crate: Part-DB's scopes, the example server's roles, and its
//! invariants (issue 3's, and issue 14's "a derived token never exceeds its parent").

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod narrowing;
mod part_db;
mod properties;
mod server_api;

use proptest::prelude::*;
use tollgate_scope::{Operation, Scope, UserPermissions};

/// A user whose permissions are an arbitrary set of operations, as Part-DB's per-permission
/// user rights are: more general than the three provided roles.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PermissionSet(pub(crate) u8);

/// The operation a [`PermissionSet`] lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Missing(pub(crate) Operation);

impl PermissionSet {
    pub(crate) fn of(operations: &[Operation]) -> PermissionSet {
        PermissionSet(operations.iter().fold(0, |set, &op| set | bit(op)))
    }
}

/// Each operation's bit: its position in `Operation::ALL`, which is declaration order.
fn bit(operation: Operation) -> u8 {
    1 << operation as u8
}

impl UserPermissions for PermissionSet {
    type Shortfall = Missing;

    fn shortfall(&self, operation: Operation) -> Option<Missing> {
        (self.0 & bit(operation) == 0).then_some(Missing(operation))
    }
}

pub(crate) fn any_scope() -> impl Strategy<Value = Scope> {
    proptest::sample::select(Scope::ALL.to_vec())
}

pub(crate) fn any_operation() -> impl Strategy<Value = Operation> {
    proptest::sample::select(Operation::ALL.to_vec())
}

pub(crate) fn any_permission_set() -> impl Strategy<Value = PermissionSet> {
    (0_u8..64).prop_map(PermissionSet)
}
