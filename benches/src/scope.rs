//! `tollgate-scope`: may a token of this scope, held by a user of this role, perform this
//! operation? Next to `cedar-policy` evaluating the same table.

use cedar_policy::{Context, Entities, EntityUid, Request, RestrictedExpression};
use tollgate::scope::{Operation, Role, Scope, check};

use super::cedar::CedarCheck;
use super::{Workload, same};

/// The operation every check asks about.
const OPERATION: Operation = Operation::WriteData;

/// The scope x role table in Cedar, with scopes and roles as their level codes (scope 1-4,
/// role 1-3): each operation needs a lowest scope and a lowest role; `NeverForTokens` has no
/// policy, so it is denied.
const SCOPE_POLICIES: &str = r#"
permit (principal, action == Action::"ReadData", resource)
when { context.scope >= 1 && context.role >= 1 };
permit (principal, action == Action::"WriteData", resource)
when { context.scope >= 2 && context.role >= 2 };
permit (principal, action in [Action::"ReadSensitive", Action::"WriteSensitive"], resource)
when { context.scope >= 3 && context.role >= 3 };
permit (principal, action == Action::"ManageAccount", resource)
when { context.scope >= 4 && context.role >= 1 };
"#;

/// Every (scope, role) pair.
fn pairs() -> Vec<(Scope, Role)> {
    Scope::ALL
        .into_iter()
        .flat_map(|scope| Role::ALL.into_iter().map(move |role| (scope, role)))
        .collect()
}

fn role_code(role: Role) -> i64 {
    match role {
        Role::Reader => 1,
        Role::Editor => 2,
        Role::Admin => 3,
    }
}

/// Ours: `tollgate_scope::check`.
pub struct ScopeCheck {
    pairs: Vec<(Scope, Role)>,
}

impl ScopeCheck {
    /// Every pair of scope and role.
    pub fn new() -> Self {
        Self { pairs: pairs() }
    }
}

impl Workload for ScopeCheck {
    type Input = usize;
    type Output = bool;

    fn input(&self, iteration: usize) -> usize {
        iteration % self.pairs.len()
    }

    fn run(&self, index: usize) -> bool {
        let (scope, role) = self.pairs[index];
        check(scope, &role, OPERATION).is_allowed()
    }
}

/// The peer: Cedar's authorizer with the table as policies and the token's scope and the
/// user's role in the request context, deciding one prebuilt request per pair.
pub fn cedar_scope_check() -> CedarCheck {
    let token: EntityUid = r#"Token::"t""#.parse().expect("a valid entity id");
    let action: EntityUid = r#"Action::"WriteData""#.parse().expect("a valid entity id");
    let api: EntityUid = r#"Api::"server""#.parse().expect("a valid entity id");
    let requests = pairs()
        .into_iter()
        .map(|(scope, role)| {
            let context = Context::from_pairs([
                (
                    "scope".to_owned(),
                    RestrictedExpression::new_long(i64::from(scope.code())),
                ),
                (
                    "role".to_owned(),
                    RestrictedExpression::new_long(role_code(role)),
                ),
            ])
            .expect("a valid context");
            Request::new(token.clone(), action.clone(), api.clone(), context, None)
                .expect("a valid request")
        })
        .collect();
    CedarCheck::new(SCOPE_POLICIES, Entities::empty(), requests)
}

/// Both give the same answer for every pair.
pub fn check_scopes(ours: &ScopeCheck, peer: &CedarCheck) -> Result<(), String> {
    for (index, pair) in ours.pairs.iter().enumerate() {
        same(&format!("{pair:?}"), ours.run(index), peer.run(index))?;
    }
    Ok(())
}
