//! Would an edit of the writer list lock the acting user out?

use std::borrow::Borrow;

use crate::actor::Actor;
use crate::list::WriterList;

/// A proposed edit of a writer list, for [`WriterList::lockout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriterEdit<'e, P> {
    /// Add these principals ([`WriterList::add`]).
    Add(&'e [P]),
    /// Remove this principal ([`WriterList::remove`]).
    Remove(&'e P),
    /// Empty the list ([`WriterList::clear`]).
    Clear,
}

/// Whether the acting user could still write the record after an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum Lockout {
    /// Afterwards the actor may still write (the list is empty or lists them).
    KeepsAccess,
    /// Afterwards the list is non-empty and does not list the actor (always the answer for an
    /// anonymous actor, who never writes). A server may warn, or refuse the edit.
    LocksOut,
}

impl<P: Ord> WriterList<P> {
    /// Would `edit`, made by `actor`, leave the actor unable to write the record without an
    /// override? Computed without applying or copying the list, and without allocating.
    ///
    /// The answer is what [`WriterList::permits`] (with no override) would say about the
    /// list after the edit. Removing a principal that is not listed leaves the list as it is.
    pub fn lockout<Q>(&self, edit: WriterEdit<'_, P>, actor: Actor<'_, Q>) -> Lockout
    where
        P: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let Actor::Authenticated(principal) = actor else {
            return Lockout::LocksOut;
        };
        let (empty_after, listed_after) = match edit {
            WriterEdit::Clear => (true, false),
            WriterEdit::Add(added) => (
                self.is_empty() && added.is_empty(),
                self.contains(principal) || added.iter().any(|p| p.borrow() == principal),
            ),
            WriterEdit::Remove(removed) => {
                let removes_one = self.contains(removed.borrow());
                (
                    self.len() == usize::from(removes_one),
                    self.contains(principal) && removed.borrow() != principal,
                )
            }
        };
        if empty_after || listed_after {
            Lockout::KeepsAccess
        } else {
            Lockout::LocksOut
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::tests::list;

    #[test]
    fn protecting_an_open_record_for_someone_else_locks_the_actor_out() {
        let bob = ["bob".to_owned()];
        let alice = Actor::authenticated("alice");
        assert_eq!(
            list(&[]).lockout(WriterEdit::Add(&bob), alice),
            Lockout::LocksOut
        );
        let both = ["bob".to_owned(), "alice".to_owned()];
        assert_eq!(
            list(&[]).lockout(WriterEdit::Add(&both), alice),
            Lockout::KeepsAccess
        );
    }

    #[test]
    fn removing_yourself_locks_you_out_unless_you_were_the_last() {
        let alice = "alice".to_owned();
        let actor = Actor::authenticated("alice");
        assert_eq!(
            list(&["alice", "bob"]).lockout(WriterEdit::Remove(&alice), actor),
            Lockout::LocksOut
        );
        assert_eq!(
            list(&["alice"]).lockout(WriterEdit::Remove(&alice), actor),
            Lockout::KeepsAccess
        );
    }

    #[test]
    fn removing_a_non_writer_changes_nothing() {
        let zoe = "zoe".to_owned();
        assert_eq!(
            list(&["bob"]).lockout(WriterEdit::Remove(&zoe), Actor::authenticated("alice")),
            Lockout::LocksOut
        );
        assert_eq!(
            list(&["alice"]).lockout(WriterEdit::Remove(&zoe), Actor::authenticated("alice")),
            Lockout::KeepsAccess
        );
    }

    #[test]
    fn clearing_never_locks_an_authenticated_actor_out() {
        assert_eq!(
            list(&["bob"]).lockout(WriterEdit::Clear, Actor::authenticated("alice")),
            Lockout::KeepsAccess
        );
        assert_eq!(
            list(&["bob"]).lockout(WriterEdit::Clear, Actor::<str>::Anonymous),
            Lockout::LocksOut
        );
    }
}
