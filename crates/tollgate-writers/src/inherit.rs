//! Records that take their protection from a parent (a sample from its aspect).

use std::borrow::Borrow;

use crate::actor::{Actor, AdminOverride};
use crate::decision::WriteDecision;
use crate::depth::DepthLimit;
use crate::error::ResolveError;
use crate::list::WriterList;

/// Where a record's protection comes from.
#[derive(Debug, PartialEq, Eq)]
pub enum Protection<'a, Id: ?Sized, P> {
    /// The record has its own writer list.
    Own(&'a WriterList<P>),
    /// The record has no list of its own and is protected by this parent's.
    InheritsFrom(&'a Id),
}

// Written by hand: derives would demand `Id: Clone` and `P: Clone`.
impl<Id: ?Sized, P> Clone for Protection<'_, Id, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Id: ?Sized, P> Copy for Protection<'_, Id, P> {}

/// The caller's records, as far as protection goes: implemented by the server over its store.
///
/// `Id` names a record (`str` for records named by strings). The lookup hands out references
/// into the caller's data, so resolving a chain copies and allocates nothing. It must not
/// block for long: it runs once per hop on every check of an inheriting record.
pub trait ProtectionLookup<Id: ?Sized> {
    /// The principal type of the writer lists.
    type Principal;

    /// The protection of `record`, or `None` if no such record exists.
    fn protection(&self, record: &Id) -> Option<Protection<'_, Id, Self::Principal>>;
}

impl<Id: ?Sized, L: ProtectionLookup<Id> + ?Sized> ProtectionLookup<Id> for &L {
    type Principal = L::Principal;

    fn protection(&self, record: &Id) -> Option<Protection<'_, Id, Self::Principal>> {
        (**self).protection(record)
    }
}

/// The writer list that protects a record, and the record it belongs to.
#[derive(Debug, PartialEq, Eq)]
pub struct Resolved<'a, Id: ?Sized, P> {
    record: &'a Id,
    list: &'a WriterList<P>,
    depth: u32,
}

impl<'a, Id: ?Sized, P> Resolved<'a, Id, P> {
    /// The record whose own list applies: the record asked about, or an ancestor.
    #[must_use]
    pub const fn record(&self) -> &'a Id {
        self.record
    }

    /// The list that applies.
    #[must_use]
    pub const fn list(&self) -> &'a WriterList<P> {
        self.list
    }

    /// How many parent hops were followed: 0 when the record has its own list.
    #[must_use]
    pub const fn depth(&self) -> u32 {
        self.depth
    }
}

impl<'a, Id: ?Sized, P: Ord> Resolved<'a, Id, P> {
    /// [`WriterList::permits`] on the resolved list, naming the record whose list decided.
    pub fn permits<Q>(
        &self,
        actor: Actor<'_, Q>,
        admin_override: AdminOverride,
    ) -> RecordDecision<'a, Id>
    where
        P: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        RecordDecision {
            decision: self.list.permits(actor, admin_override),
            decided_by: self.record,
        }
    }
}

/// A [`WriteDecision`] together with the record whose writer list made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RecordDecision<'a, Id: ?Sized> {
    /// Allow or deny, and why.
    pub decision: WriteDecision,
    /// The record whose own list decided (the parent, for an inheriting record).
    pub decided_by: &'a Id,
}

/// Finds the writer list that protects `record`, following parents up to `limit` hops.
///
/// Succeeds with the first record on the chain that has its own list, at a cost of one lookup
/// per hop and no allocation (only errors allocate, to own the identifiers they name). The walk
/// is bounded by `limit`, so it ends whatever the data says.
///
/// # Errors
///
/// - [`ResolveError::UnknownRecord`]: `record` does not exist.
/// - [`ResolveError::UnknownParent`]: a record on the chain names a parent that does not exist.
/// - [`ResolveError::Cycle`]: the chain returns to a record within `limit + 1` hops; names
///   the first record of the chain that lies on the cycle.
/// - [`ResolveError::TooDeep`]: no own list within `limit` hops, and no cycle seen.
///
/// Telling a cycle from a long chain re-walks the chain (pairwise, bounded by
/// [`DepthLimit::MAX`]); that cost falls only on refused chains.
pub fn resolve<'a, Id, L>(
    lookup: &'a L,
    record: &'a Id,
    limit: DepthLimit,
) -> Result<Resolved<'a, Id, L::Principal>, ResolveError<Id::Owned>>
where
    Id: PartialEq + ToOwned + ?Sized,
    L: ProtectionLookup<Id> + ?Sized,
{
    let mut child = None;
    let mut current = record;
    let mut depth = 0;
    loop {
        match lookup.protection(current) {
            Some(Protection::Own(list)) => {
                return Ok(Resolved {
                    record: current,
                    list,
                    depth,
                });
            }
            Some(Protection::InheritsFrom(parent)) if depth < limit.get() => {
                child = Some(current);
                current = parent;
                depth += 1;
            }
            Some(Protection::InheritsFrom(_)) => {
                // The chain holds `limit + 2` records counting the parent just named.
                let records = limit.get() + 2;
                return Err(match first_on_cycle(lookup, record, records) {
                    Some(on_cycle) => ResolveError::Cycle {
                        record: on_cycle.to_owned(),
                    },
                    None => ResolveError::TooDeep {
                        record: record.to_owned(),
                        limit: limit.get(),
                    },
                });
            }
            None => {
                return Err(match child {
                    None => ResolveError::UnknownRecord {
                        record: current.to_owned(),
                    },
                    Some(child) => ResolveError::UnknownParent {
                        child: child.to_owned(),
                        parent: current.to_owned(),
                    },
                });
            }
        }
    }
}

/// The parent `record` inherits from, if it inherits.
fn parent_of<'a, Id, L>(lookup: &'a L, record: &Id) -> Option<&'a Id>
where
    Id: ?Sized,
    L: ProtectionLookup<Id> + ?Sized,
{
    match lookup.protection(record)? {
        Protection::InheritsFrom(parent) => Some(parent),
        Protection::Own(_) => None,
    }
}

/// Among the first `records` records of the chain from `start`, the first one that reappears
/// later in it. Compares pairwise instead of remembering, so it allocates nothing. A chain that
/// changes under it (a lookup that now fails) counts as no cycle.
fn first_on_cycle<'a, Id, L>(lookup: &'a L, start: &'a Id, records: u32) -> Option<&'a Id>
where
    Id: PartialEq + ?Sized,
    L: ProtectionLookup<Id> + ?Sized,
{
    let mut outer = start;
    for position in 1..records {
        let mut inner = outer;
        for _ in position..records {
            inner = parent_of(lookup, inner)?;
            if inner == outer {
                return Some(outer);
            }
        }
        outer = parent_of(lookup, outer)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{AllowReason, WriteDenial};
    use crate::list::tests::list;
    use std::collections::HashMap;

    enum Stored {
        Own(WriterList<String>),
        Parent(String),
    }

    struct Records(HashMap<String, Stored>);

    impl ProtectionLookup<str> for Records {
        type Principal = String;

        fn protection(&self, record: &str) -> Option<Protection<'_, str, String>> {
            Some(match self.0.get(record)? {
                Stored::Own(list) => Protection::Own(list),
                Stored::Parent(parent) => Protection::InheritsFrom(parent),
            })
        }
    }

    fn records<'a>(entries: impl IntoIterator<Item = (&'a str, Stored)>) -> Records {
        Records(
            entries
                .into_iter()
                .map(|(id, stored)| (id.to_owned(), stored))
                .collect(),
        )
    }

    fn parent(id: &str) -> Stored {
        Stored::Parent(id.to_owned())
    }

    fn own(names: &[&str]) -> Stored {
        Stored::Own(list(names))
    }

    #[test]
    fn decision_names_the_parent_whose_list_decided() {
        let store = records([("aspect", own(&["alice"])), ("sample", parent("aspect"))]);
        let resolved = resolve(&store, "sample", DepthLimit::DEFAULT).unwrap();
        assert_eq!(resolved.depth(), 1);
        let bob = resolved.permits(Actor::authenticated("bob"), AdminOverride::NotRequested);
        assert_eq!(bob.decision, WriteDecision::Deny(WriteDenial::NotAWriter));
        assert_eq!(bob.decided_by, "aspect");
        let alice = resolved.permits(Actor::authenticated("alice"), AdminOverride::NotRequested);
        assert_eq!(
            alice.decision,
            WriteDecision::Allow(AllowReason::ListedWriter)
        );
    }

    #[test]
    fn unknown_record_and_unknown_parent_are_distinct() {
        let store = records([("sample", parent("gone"))]);
        assert_eq!(
            resolve(&store, "nope", DepthLimit::DEFAULT),
            Err(ResolveError::UnknownRecord {
                record: "nope".to_owned()
            })
        );
        assert_eq!(
            resolve(&store, "sample", DepthLimit::DEFAULT),
            Err(ResolveError::UnknownParent {
                child: "sample".to_owned(),
                parent: "gone".to_owned()
            })
        );
    }

    #[test]
    fn self_parent_is_a_cycle_even_at_limit_zero() {
        let store = records([("loop", parent("loop"))]);
        let zero = DepthLimit::new(0).unwrap();
        assert_eq!(
            resolve(&store, "loop", zero),
            Err(ResolveError::Cycle {
                record: "loop".to_owned()
            })
        );
    }

    #[test]
    fn cycle_names_the_first_record_on_it_not_the_tail() {
        let store = records([("a", parent("b")), ("b", parent("c")), ("c", parent("b"))]);
        assert_eq!(
            resolve(&store, "a", DepthLimit::DEFAULT),
            Err(ResolveError::Cycle {
                record: "b".to_owned()
            })
        );
    }

    #[test]
    fn limit_zero_refuses_any_inheritance_as_too_deep() {
        let store = records([("aspect", own(&[])), ("sample", parent("aspect"))]);
        assert_eq!(
            resolve(&store, "sample", DepthLimit::new(0).unwrap()),
            Err(ResolveError::TooDeep {
                record: "sample".to_owned(),
                limit: 0
            })
        );
    }

    #[test]
    fn works_through_a_trait_object() {
        let store = records([("aspect", own(&["alice"]))]);
        let dynamic: &dyn ProtectionLookup<str, Principal = String> = &store;
        let resolved = resolve(dynamic, "aspect", DepthLimit::DEFAULT).unwrap();
        assert_eq!(resolved.record(), "aspect");
        assert!(resolved.list().contains("alice"));
    }
}
