//! Per-resource grants: a token limited to named resources, as IEX Cloud's per-dataset
//! permissions limit a token.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{Access, ResourceName};

/// The resources a token is limited to, and which [`Access`]es it has to each.
///
/// Grants only ever narrow a token: [`Limits::check_operation`](crate::Limits::check_operation)
/// allows an operation on a resource only when [`check`](crate::check) allows it *and* the
/// grants include the access to the resource. An empty set grants nothing. Resources are matched by exact name ([`ResourceName`]); accesses are
/// independent (write does not imply read).
///
/// Whether a token carries grants at all is its creator's choice: a token without grants
/// ([`Limits::grants`](crate::Limits::grants) is `None`) may touch every resource.
///
/// The entries are shared: cloning a token's grants, as every authentication does when it
/// hands out the token's record, allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Each resource's accesses as a bit set of [`Access::bit`]; never zero.
    entries: Arc<BTreeMap<ResourceName, u8>>,
}

impl Grants {
    /// A set that grants nothing yet.
    #[must_use]
    pub fn new() -> Grants {
        Grants::default()
    }

    /// These grants, plus `access` to `resource`.
    #[must_use]
    pub fn with(mut self, resource: ResourceName, access: Access) -> Grants {
        self.insert(resource, access);
        self
    }

    /// Adds `access` to `resource` (nothing changes if it was already granted).
    pub fn insert(&mut self, resource: ResourceName, access: Access) {
        *Arc::make_mut(&mut self.entries)
            .entry(resource)
            .or_insert(0) |= access.bit();
    }

    /// Whether these grants include `access` to the resource named `resource`.
    ///
    /// `resource` is the name as the request gives it; a name that is not a valid
    /// [`ResourceName`] is simply not granted. No allocation.
    #[must_use]
    pub fn permits(&self, resource: &str, access: Access) -> bool {
        self.entries
            .get(resource)
            .is_some_and(|&set| set & access.bit() != 0)
    }

    /// Every (resource, access) pair granted, by resource name then access.
    pub fn iter(&self) -> impl Iterator<Item = (&ResourceName, Access)> {
        self.entries.iter().flat_map(|(resource, &set)| {
            Access::ALL
                .into_iter()
                .filter(move |access| set & access.bit() != 0)
                .map(move |access| (resource, access))
        })
    }

    /// The first (resource, access) pair, in [`iter`](Self::iter) order, that these grants
    /// include and `parent` does not; `None` when these grants are within `parent`'s.
    #[must_use]
    pub fn first_excess(&self, parent: &Grants) -> Option<(&ResourceName, Access)> {
        self.iter()
            .find(|(resource, access)| !parent.permits(resource.as_str(), *access))
    }

    /// Whether nothing is granted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromIterator<(ResourceName, Access)> for Grants {
    fn from_iter<I: IntoIterator<Item = (ResourceName, Access)>>(pairs: I) -> Grants {
        let mut grants = Grants::new();
        grants.extend(pairs);
        grants
    }
}

impl Extend<(ResourceName, Access)> for Grants {
    fn extend<I: IntoIterator<Item = (ResourceName, Access)>>(&mut self, pairs: I) {
        for (resource, access) in pairs {
            self.insert(resource, access);
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use core::fmt;

    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
    use serde::ser::{Serialize, SerializeMap, Serializer};

    use super::{Access, Grants, ResourceName};

    /// The form is a map from resource name to a list of accesses:
    /// `{"aspects": ["read", "write"], "subjects": ["read"]}`.
    impl Serialize for Grants {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.entries.len()))?;
            for (resource, &set) in self.entries.iter() {
                let accesses: Vec<Access> = Access::ALL
                    .into_iter()
                    .filter(|access| set & access.bit() != 0)
                    .collect();
                map.serialize_entry(resource, &accesses)?;
            }
            map.end()
        }
    }

    struct GrantsVisitor;

    impl<'de> Visitor<'de> for GrantsVisitor {
        type Value = Grants;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map from resource name to a list of `read`, `write`, `delete`")
        }

        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Grants, M::Error> {
            let mut grants = Grants::new();
            while let Some((resource, accesses)) = map.next_entry::<ResourceName, Vec<Access>>()? {
                for access in accesses {
                    grants.insert(resource.clone(), access);
                }
            }
            Ok(grants)
        }
    }

    /// A resource listed with no access grants nothing and is dropped; a resource listed twice
    /// gets the union of its lists.
    impl<'de> Deserialize<'de> for Grants {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Grants, D::Error> {
            deserializer.deserialize_map(GrantsVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> ResourceName {
        ResourceName::new(text).unwrap()
    }

    #[test]
    fn permits_exactly_what_was_granted() {
        let grants = Grants::new()
            .with(name("aspects"), Access::Read)
            .with(name("aspects"), Access::Write)
            .with(name("subjects"), Access::Delete);
        assert!(grants.permits("aspects", Access::Read));
        assert!(grants.permits("aspects", Access::Write));
        assert!(!grants.permits("aspects", Access::Delete));
        assert!(grants.permits("subjects", Access::Delete));
        assert!(
            !grants.permits("subjects", Access::Read),
            "delete does not imply read"
        );
        assert!(
            !grants.permits("Aspects", Access::Read),
            "names are case-sensitive"
        );
        assert!(
            !grants.permits("aspects/cpu", Access::Read),
            "no prefix matching"
        );
        assert!(!grants.permits("not a name", Access::Read));
        assert!(!Grants::new().permits("aspects", Access::Read));
    }

    #[test]
    fn iter_lists_pairs_in_order_and_collects_back() {
        let pairs = vec![
            (name("b"), Access::Delete),
            (name("a"), Access::Write),
            (name("a"), Access::Read),
            (name("a"), Access::Read),
        ];
        let grants: Grants = pairs.into_iter().collect();
        let listed: Vec<(String, Access)> = grants
            .iter()
            .map(|(resource, access)| (resource.to_string(), access))
            .collect();
        assert_eq!(
            listed,
            [
                ("a".to_owned(), Access::Read),
                ("a".to_owned(), Access::Write),
                ("b".to_owned(), Access::Delete)
            ]
        );
        assert!(!grants.is_empty());
        assert!(Grants::default().is_empty());
    }

    #[test]
    fn first_excess_names_what_the_parent_lacks() {
        let parent = Grants::new()
            .with(name("a"), Access::Read)
            .with(name("a"), Access::Write);
        let within = Grants::new().with(name("a"), Access::Write);
        assert_eq!(within.first_excess(&parent), None);
        assert_eq!(Grants::new().first_excess(&parent), None);
        let beyond = within
            .clone()
            .with(name("a"), Access::Delete)
            .with(name("b"), Access::Read);
        assert_eq!(
            beyond.first_excess(&parent),
            Some((&name("a"), Access::Delete))
        );
        assert_eq!(
            parent.first_excess(&Grants::new()),
            Some((&name("a"), Access::Read))
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_is_a_map_of_access_lists() {
        let grants = Grants::new()
            .with(name("subjects"), Access::Read)
            .with(name("aspects"), Access::Delete)
            .with(name("aspects"), Access::Read);
        let json = serde_json::to_string(&grants).unwrap();
        assert_eq!(json, r#"{"aspects":["read","delete"],"subjects":["read"]}"#);
        assert_eq!(serde_json::from_str::<Grants>(&json).unwrap(), grants);

        let merged: Grants =
            serde_json::from_str(r#"{"a":["read"],"a":["WRITE"],"b":[]}"#).unwrap();
        assert_eq!(
            merged,
            Grants::new()
                .with(name("a"), Access::Read)
                .with(name("a"), Access::Write)
        );
        for bad in [r#"{"a b":["read"]}"#, r#"{"a":["execute"]}"#, r#"["a"]"#] {
            assert!(serde_json::from_str::<Grants>(bad).is_err(), "{bad}");
        }
    }
}
