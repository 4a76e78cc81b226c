//! Known answers from Refocus's record-level permissions, as documented in its "Record-Level
//! Permissions" page, plus tollgate's one deliberate change (anonymous actors never write).

use tollgate_writers::{
    Actor, AdminOverride, AllowReason, DepthLimit, Entitlement, NotAWriter, WriteDecision,
    WriteDenial, resolve,
};

use crate::graph::{Graph, Node, writers};

const NO_OVERRIDE: AdminOverride = AdminOverride::NotRequested;
/// `?override=admin` from a user whose role is admin and whose token scope is admin.
const ADMIN_OVERRIDE: AdminOverride = AdminOverride::Requested(Entitlement::Entitled);
/// `?override=admin` from a user who is not entitled to it.
const UNENTITLED_OVERRIDE: AdminOverride = AdminOverride::Requested(Entitlement::NotEntitled);

#[test]
fn no_writers_means_any_authenticated_user_may_write() {
    let open = writers(&[]);
    for user in ["alice", "bob", "admin"] {
        assert_eq!(
            open.permits(Actor::authenticated(user), NO_OVERRIDE),
            WriteDecision::Allow(AllowReason::OpenRecord)
        );
    }
}

#[test]
fn writers_a_lets_a_write_and_refuses_b() {
    let list = writers(&["alice"]);
    assert_eq!(
        list.permits(Actor::authenticated("alice"), NO_OVERRIDE),
        WriteDecision::Allow(AllowReason::ListedWriter)
    );
    assert_eq!(
        list.permits(Actor::authenticated("bob"), NO_OVERRIDE),
        WriteDecision::Deny(WriteDenial::NotAWriter)
    );
}

#[test]
fn admin_without_override_is_refused() {
    let list = writers(&["alice"]);
    assert_eq!(
        list.permits(Actor::authenticated("admin"), NO_OVERRIDE),
        WriteDecision::Deny(WriteDenial::NotAWriter)
    );
}

#[test]
fn admin_with_override_is_allowed() {
    let list = writers(&["alice"]);
    assert_eq!(
        list.permits(Actor::authenticated("admin"), ADMIN_OVERRIDE),
        WriteDecision::Allow(AllowReason::AdminOverride)
    );
}

#[test]
fn non_admin_asking_for_override_is_refused() {
    let list = writers(&["alice"]);
    assert_eq!(
        list.permits(Actor::authenticated("bob"), UNENTITLED_OVERRIDE),
        WriteDecision::Deny(WriteDenial::NotAWriter)
    );
}

#[test]
fn removing_a_non_writer_errors_and_leaves_the_list() {
    let mut list = writers(&["alice", "bob"]);
    assert_eq!(list.remove("carol"), Err(NotAWriter));
    assert_eq!(list, writers(&["alice", "bob"]));
}

#[test]
fn sample_on_a_protected_aspect_is_refused_to_a_non_writer() {
    // Record 0 is the aspect, protected by alice; record 1 is one of its samples.
    let store = Graph(vec![Node::Own(writers(&["alice"])), Node::Parent(0)]);
    let resolved = resolve(&store, &1, DepthLimit::DEFAULT).unwrap();
    let bob = resolved.permits(Actor::authenticated("bob"), NO_OVERRIDE);
    assert_eq!(bob.decision, WriteDecision::Deny(WriteDenial::NotAWriter));
    assert_eq!(*bob.decided_by, 0);
    let alice = resolved.permits(Actor::authenticated("alice"), NO_OVERRIDE);
    assert_eq!(
        alice.decision,
        WriteDecision::Allow(AllowReason::ListedWriter)
    );
}

#[test]
fn anonymous_never_writes_unlike_refocus() {
    // Refocus lets unauthenticated requests through on open records; tollgate does not.
    assert_eq!(
        writers(&[]).permits(Actor::<str>::Anonymous, NO_OVERRIDE),
        WriteDecision::Deny(WriteDenial::Anonymous)
    );
}
