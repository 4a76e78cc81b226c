//! The writer list of one record: a set of principals with a deterministic order.

use std::borrow::Borrow;
use std::collections::BTreeSet;
use std::collections::btree_set;

use crate::error::{NotAWriter, UnknownPrincipals};

/// The principals allowed to change one record.
///
/// An empty list means the record is open: any authenticated actor may write it. A non-empty
/// list protects it: only the listed principals may (see [`WriterList::permits`]).
///
/// The list is a set: adding a principal twice stores it once. Iteration, `Debug` and the serde
/// form list the principals in ascending order of `P`'s [`Ord`] (for `String`, byte-wise
/// lexicographic), so the same set always prints and serializes the same way.
///
/// Membership is a B-tree lookup, `O(log n)`, and does not allocate. Lookups go through
/// [`Borrow`], so a list of `String`s can be checked with a `&str`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(transparent, bound(deserialize = "P: Ord + serde::Deserialize<'de>"))
)]
pub struct WriterList<P> {
    writers: BTreeSet<P>,
}

impl<P> Default for WriterList<P> {
    fn default() -> Self {
        Self {
            writers: BTreeSet::new(),
        }
    }
}

impl<P> WriterList<P> {
    /// An empty list: the record is open to any authenticated actor.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            writers: BTreeSet::new(),
        }
    }

    /// How many writers are listed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.writers.len()
    }

    /// Whether no writer is listed, which leaves the record open.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.writers.is_empty()
    }

    /// The writers in ascending order.
    pub fn iter(&self) -> btree_set::Iter<'_, P> {
        self.writers.iter()
    }

    /// Empties the list, opening the record again, and returns the writers that were removed.
    pub fn clear(&mut self) -> WriterList<P> {
        std::mem::take(self)
    }
}

impl<P: Ord> WriterList<P> {
    /// Whether `principal` is listed. `O(log n)`, no allocation.
    #[must_use]
    pub fn contains<Q>(&self, principal: &Q) -> bool
    where
        P: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.writers.contains(principal)
    }

    /// Adds `principals` and returns the ones that were not already listed, in the order given.
    ///
    /// Principals already on the list, and repeats within `principals`, are ignored. The crate
    /// does not know which principals exist: check them first, or use
    /// [`WriterList::add_known`], so that a typo does not leave the caller believing a record
    /// is protected by someone who does not exist.
    pub fn add<I>(&mut self, principals: I) -> Vec<P>
    where
        I: IntoIterator<Item = P>,
        P: Clone,
    {
        let mut added = Vec::new();
        for principal in principals {
            if !self.writers.contains(&principal) {
                self.writers.insert(principal.clone());
                added.push(principal);
            }
        }
        added
    }

    /// Adds `principals` only if `is_known` accepts every one of them; all or nothing.
    ///
    /// On success, returns what [`WriterList::add`] returns. `is_known` is called once per
    /// principal given, before anything is added.
    ///
    /// # Errors
    ///
    /// [`UnknownPrincipals`] naming every rejected principal (each once, in ascending order);
    /// the list is left unchanged.
    pub fn add_known<I, F>(
        &mut self,
        principals: I,
        mut is_known: F,
    ) -> Result<Vec<P>, UnknownPrincipals<P>>
    where
        I: IntoIterator<Item = P>,
        F: FnMut(&P) -> bool,
        P: Clone,
    {
        let given: Vec<P> = principals.into_iter().collect();
        let unknown: BTreeSet<&P> = given.iter().filter(|p| !is_known(p)).collect();
        if unknown.is_empty() {
            Ok(self.add(given))
        } else {
            Err(UnknownPrincipals::new(
                unknown.into_iter().cloned().collect(),
            ))
        }
    }

    /// Removes `principal` and returns it.
    ///
    /// # Errors
    ///
    /// [`NotAWriter`] when `principal` is not listed; the list is left unchanged.
    pub fn remove<Q>(&mut self, principal: &Q) -> Result<P, NotAWriter>
    where
        P: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.writers.take(principal).ok_or(NotAWriter)
    }
}

impl<P: Ord> FromIterator<P> for WriterList<P> {
    fn from_iter<I: IntoIterator<Item = P>>(principals: I) -> Self {
        Self {
            writers: principals.into_iter().collect(),
        }
    }
}

/// A list of these principals, as [`FromIterator`] builds it: a principal given twice is
/// listed once.
impl<P: Ord, const N: usize> From<[P; N]> for WriterList<P> {
    fn from(principals: [P; N]) -> Self {
        Self {
            writers: BTreeSet::from(principals),
        }
    }
}

impl<'l, P> IntoIterator for &'l WriterList<P> {
    type Item = &'l P;
    type IntoIter = btree_set::Iter<'l, P>;

    fn into_iter(self) -> Self::IntoIter {
        self.writers.iter()
    }
}

impl<P> IntoIterator for WriterList<P> {
    type Item = P;
    type IntoIter = btree_set::IntoIter<P>;

    fn into_iter(self) -> Self::IntoIter {
        self.writers.into_iter()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A list of the given names, for tests across the crate.
    pub(crate) fn list(names: &[&str]) -> WriterList<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn add_returns_only_new_principals_in_given_order() {
        let mut writers = list(&["bob"]);
        let added = writers.add(["carol", "bob", "alice", "carol"].map(String::from));
        assert_eq!(added, ["carol", "alice"]);
        assert_eq!(writers, list(&["alice", "bob", "carol"]));
    }

    #[test]
    fn from_an_array_lists_each_principal_once() {
        let writers = WriterList::from(["carol", "alice", "carol"].map(String::from));
        assert_eq!(writers.len(), 2);
        assert_eq!(writers, list(&["alice", "carol"]));
        assert!(WriterList::<String>::from([]).is_empty());
    }

    #[test]
    fn iteration_is_ascending_whatever_the_insertion_order() {
        let mut writers = WriterList::new();
        let _ = writers.add(["zed", "alice", "Mallory", "bob"].map(String::from));
        let order: Vec<&str> = writers.iter().map(String::as_str).collect();
        assert_eq!(order, ["Mallory", "alice", "bob", "zed"]);
    }

    #[test]
    fn contains_takes_a_borrowed_str() {
        let writers = list(&["alice"]);
        assert!(writers.contains("alice"));
        assert!(!writers.contains("Alice"));
    }

    #[test]
    fn remove_returns_the_principal_and_rejects_a_non_writer() {
        let mut writers = list(&["alice", "bob"]);
        assert_eq!(writers.remove("alice"), Ok("alice".to_owned()));
        assert_eq!(writers.remove("alice"), Err(NotAWriter));
        assert_eq!(writers, list(&["bob"]));
    }

    #[test]
    fn clear_returns_the_removed_writers() {
        let mut writers = list(&["alice", "bob"]);
        assert_eq!(writers.clear(), list(&["alice", "bob"]));
        assert!(writers.is_empty());
    }

    #[test]
    fn add_known_adds_nothing_when_any_principal_is_unknown() {
        let users = ["alice", "bob"];
        let mut writers = list(&["alice"]);
        let err = writers
            .add_known(["bob", "zoe", "yan", "zoe"].map(String::from), |p| {
                users.contains(&p.as_str())
            })
            .unwrap_err();
        assert_eq!(err.principals(), ["yan", "zoe"]);
        assert_eq!(writers, list(&["alice"]));
    }

    #[test]
    fn add_known_adds_when_all_are_known() {
        let mut writers = list(&["alice"]);
        let added = writers.add_known(["bob", "alice"].map(String::from), |_| true);
        assert_eq!(added, Ok(vec!["bob".to_owned()]));
        assert_eq!(writers, list(&["alice", "bob"]));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_form_is_a_sorted_array_and_input_duplicates_merge() {
        let writers = list(&["bob", "alice"]);
        assert_eq!(
            serde_json::to_string(&writers).unwrap(),
            r#"["alice","bob"]"#
        );
        let parsed: WriterList<String> = serde_json::from_str(r#"["bob","alice","bob"]"#).unwrap();
        assert_eq!(parsed, writers);
    }
}
