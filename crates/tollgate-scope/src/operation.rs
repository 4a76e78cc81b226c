//! What kind of thing a request does, and which scope a token needs for it.

use core::fmt;

use crate::Scope;

/// The kind of operation a request performs, as the embedding server classifies it.
///
/// A server maps each of its routes to one of these once (for example in its router table);
/// the scope and the user's permissions are then checked against the class, not the route.
/// The classes, and the scope each needs, follow Part-DB's API token levels:
///
/// | operation | lowest scope | example (the example server, docs/server-api.md) |
/// |---|---|---|
/// | [`ReadData`](Operation::ReadData) | `read-only` | read subjects, aspects, samples, writer lists |
/// | [`WriteData`](Operation::WriteData) | `edit` | create, update, delete records; change writer lists |
/// | [`ReadSensitive`](Operation::ReadSensitive) | `admin` | list users |
/// | [`WriteSensitive`](Operation::WriteSensitive) | `admin` | create users; revoke or restore anyone's token |
/// | [`ManageAccount`](Operation::ManageAccount) | `full` | create, list, delete one's own tokens; change one's password |
/// | [`NeverForTokens`](Operation::NeverForTokens) | none | whatever a server allows only in an interactive session |
///
/// When in doubt, classify a route into the higher class: a wrong "sensitive" costs a token a
/// refusal, a wrong "normal" leaks users' data to read-only tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Read non-sensitive data.
    ReadData,
    /// Create, update or delete non-sensitive data.
    WriteData,
    /// Read sensitive data: users, groups, system settings, other users' tokens.
    ReadSensitive,
    /// Create, update or delete sensitive data, including revoking other users' tokens.
    WriteSensitive,
    /// Act on the account itself: manage one's own tokens, change one's own password or profile.
    ManageAccount,
    /// An operation no token may perform, whatever its scope (for example impersonating
    /// another user, or an action that must be confirmed with a password).
    NeverForTokens,
}

impl Operation {
    /// Every operation, in the order of the table above.
    pub const ALL: [Operation; 6] = [
        Operation::ReadData,
        Operation::WriteData,
        Operation::ReadSensitive,
        Operation::WriteSensitive,
        Operation::ManageAccount,
        Operation::NeverForTokens,
    ];

    /// The lowest scope that allows this operation, or `None` when no scope does
    /// ([`Operation::NeverForTokens`]).
    #[must_use]
    pub const fn required_scope(self) -> Option<Scope> {
        match self {
            Operation::ReadData => Some(Scope::ReadOnly),
            Operation::WriteData => Some(Scope::Edit),
            Operation::ReadSensitive | Operation::WriteSensitive => Some(Scope::Admin),
            Operation::ManageAccount => Some(Scope::Full),
            Operation::NeverForTokens => None,
        }
    }

    /// A short description for messages and logs, e.g. `"write data"`.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Operation::ReadData => "read data",
            Operation::WriteData => "write data",
            Operation::ReadSensitive => "read sensitive data",
            Operation::WriteSensitive => "write sensitive data",
            Operation::ManageAccount => "manage the account",
            Operation::NeverForTokens => "an operation never allowed to tokens",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl Scope {
    /// Whether a token with this scope may perform `operation`, before the user's own
    /// permissions are applied (use [`check`](crate::check) for the full answer).
    ///
    /// True when the scope is at least [`Operation::required_scope`]; never true for
    /// [`Operation::NeverForTokens`].
    #[must_use]
    pub const fn allows(self, operation: Operation) -> bool {
        match operation.required_scope() {
            Some(required) => self.code() >= required.code(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Part-DB's scope descriptions (its API token documentation): Read-Only
    /// reads non-sensitive data only; Edit also writes it; Admin also reads and writes users
    /// and groups; Full also changes the password and creates tokens.
    #[test]
    fn scope_table_matches_part_db() {
        use Operation::*;
        let allowed = |scope: Scope| -> Vec<Operation> {
            Operation::ALL
                .into_iter()
                .filter(|&op| scope.allows(op))
                .collect()
        };
        assert_eq!(allowed(Scope::ReadOnly), [ReadData]);
        assert_eq!(allowed(Scope::Edit), [ReadData, WriteData]);
        assert_eq!(
            allowed(Scope::Admin),
            [ReadData, WriteData, ReadSensitive, WriteSensitive]
        );
        assert_eq!(
            allowed(Scope::Full),
            [
                ReadData,
                WriteData,
                ReadSensitive,
                WriteSensitive,
                ManageAccount
            ]
        );
    }

    #[test]
    fn descriptions_are_distinct() {
        let mut texts: Vec<String> = Operation::ALL.iter().map(ToString::to_string).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), Operation::ALL.len());
    }

    fn any_scope() -> impl Strategy<Value = Scope> {
        proptest::sample::select(Scope::ALL.to_vec())
    }

    fn any_operation() -> impl Strategy<Value = Operation> {
        proptest::sample::select(Operation::ALL.to_vec())
    }

    proptest! {
        /// A higher scope never allows less.
        #[test]
        fn allows_is_monotone(low in any_scope(), high in any_scope(), op in any_operation()) {
            if low <= high && low.allows(op) {
                prop_assert!(high.allows(op));
            }
        }

        /// `allows` agrees with `required_scope` exactly.
        #[test]
        fn allows_is_required_scope_or_above(scope in any_scope(), op in any_operation()) {
            prop_assert_eq!(scope.allows(op), op.required_scope().is_some_and(|r| scope >= r));
        }
    }
}
