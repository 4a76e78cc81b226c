//! Property tests for the invariants issue 4 names on writer lists and their check.

use proptest::prelude::*;
use tollgate_writers::{
    Actor, AdminOverride, AllowReason, Entitlement, Lockout, NotAWriter, WriteDecision,
    WriteDenial, WriterEdit, WriterList,
};

/// Short names from a small alphabet, so lists and actors often overlap.
fn name() -> impl Strategy<Value = String> {
    "[a-d]{1,2}"
}

fn list() -> impl Strategy<Value = WriterList<String>> {
    prop::collection::vec(name(), 0..8).prop_map(|names| names.into_iter().collect())
}

fn admin_override() -> impl Strategy<Value = AdminOverride> {
    prop_oneof![
        Just(AdminOverride::NotRequested),
        Just(AdminOverride::Requested(Entitlement::Entitled)),
        Just(AdminOverride::Requested(Entitlement::NotEntitled)),
    ]
}

fn edit() -> impl Strategy<Value = EditCase> {
    prop_oneof![
        prop::collection::vec(name(), 0..4).prop_map(EditCase::Add),
        name().prop_map(EditCase::Remove),
        Just(EditCase::Clear),
    ]
}

/// An owned edit, borrowed as a `WriterEdit` for the check.
#[derive(Debug, Clone)]
enum EditCase {
    Add(Vec<String>),
    Remove(String),
    Clear,
}

proptest! {
    #[test]
    fn adding_the_actor_always_grants(mut writers in list(), actor in name()) {
        let _ = writers.add([actor.clone()]);
        prop_assert!(writers.permits(Actor::authenticated(actor.as_str()), AdminOverride::NotRequested).is_allowed());
    }

    #[test]
    fn clearing_always_opens(mut writers in list(), actor in name()) {
        let _ = writers.clear();
        prop_assert_eq!(
            writers.permits(Actor::authenticated(actor.as_str()), AdminOverride::NotRequested),
            WriteDecision::Allow(AllowReason::OpenRecord)
        );
    }

    #[test]
    fn removing_the_only_writer_opens_the_record(only in name(), actor in name()) {
        let mut writers = WriterList::from([only.clone()]);
        prop_assert_eq!(writers.remove(only.as_str()), Ok(only));
        prop_assert_eq!(
            writers.permits(Actor::authenticated(actor.as_str()), AdminOverride::NotRequested),
            WriteDecision::Allow(AllowReason::OpenRecord)
        );
    }

    #[test]
    fn decision_agrees_with_membership(
        writers in list(),
        actor in prop::option::of(name()),
        admin_override in admin_override(),
    ) {
        let expected = match &actor {
            None => WriteDecision::Deny(WriteDenial::Anonymous),
            Some(_) if writers.is_empty() => WriteDecision::Allow(AllowReason::OpenRecord),
            Some(a) if writers.iter().any(|w| w == a) => WriteDecision::Allow(AllowReason::ListedWriter),
            Some(_) if admin_override == AdminOverride::Requested(Entitlement::Entitled) => {
                WriteDecision::Allow(AllowReason::AdminOverride)
            }
            Some(_) => WriteDecision::Deny(WriteDenial::NotAWriter),
        };
        let actor = actor.as_deref().map_or(Actor::Anonymous, Actor::authenticated);
        prop_assert_eq!(writers.permits(actor, admin_override), expected);
    }

    #[test]
    fn add_returns_exactly_what_was_new(
        writers in list(),
        given in prop::collection::vec(name(), 0..8),
    ) {
        let mut after = writers.clone();
        let added = after.add(given.clone());
        let mut expected = Vec::new();
        for g in given.iter() {
            if !writers.contains(g.as_str()) && !expected.contains(g) {
                expected.push(g.clone());
            }
        }
        prop_assert_eq!(&added, &expected);
        let union: WriterList<String> = writers.iter().cloned().chain(given).collect();
        prop_assert_eq!(after, union);
    }

    #[test]
    fn removing_a_non_writer_leaves_the_list(writers in list(), other in name()) {
        prop_assume!(!writers.contains(other.as_str()));
        let mut after = writers.clone();
        prop_assert_eq!(after.remove(other.as_str()), Err(NotAWriter));
        prop_assert_eq!(after, writers);
    }

    #[test]
    fn iteration_is_strictly_ascending(writers in list()) {
        let names: Vec<&String> = writers.iter().collect();
        prop_assert!(names.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn lockout_agrees_with_permits_after_applying_the_edit(
        writers in list(),
        edit in edit(),
        actor in prop::option::of(name()),
    ) {
        let actor = actor.as_deref().map_or(Actor::Anonymous, Actor::authenticated);
        let mut after = writers.clone();
        let predicted = match &edit {
            EditCase::Add(names) => {
                let lockout = writers.lockout(WriterEdit::Add(names), actor);
                let _ = after.add(names.clone());
                lockout
            }
            EditCase::Remove(name) => {
                let lockout = writers.lockout(WriterEdit::Remove(name), actor);
                let _ = after.remove(name.as_str());
                lockout
            }
            EditCase::Clear => {
                let lockout = writers.lockout(WriterEdit::Clear, actor);
                let _ = after.clear();
                lockout
            }
        };
        let expected = if after.permits(actor, AdminOverride::NotRequested).is_allowed() {
            Lockout::KeepsAccess
        } else {
            Lockout::LocksOut
        };
        prop_assert_eq!(predicted, expected);
    }
}

#[cfg(feature = "serde")]
proptest! {
    #[test]
    fn serde_round_trips_as_a_sorted_array(writers in list()) {
        let json = serde_json::to_string(&writers).unwrap();
        let sorted: Vec<&String> = writers.iter().collect();
        prop_assert_eq!(&json, &serde_json::to_string(&sorted).unwrap());
        let back: WriterList<String> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, writers);
    }
}
