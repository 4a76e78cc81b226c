//! Per-resource grants: a token limited to named resources, as IEX Cloud's per-dataset
//! permissions limit a token.

use std::collections::BTreeMap;

use crate::{Access, Decision, Denial, Operation, ResourceName, Scope, UserPermissions, check};

/// The resources a token is limited to, and which [`Access`]es it has to each.
///
/// Grants only ever narrow a token: [`check_with_grants`] allows an operation only when
/// [`check`] allows it *and* the grants include the access to the resource. An empty set
/// grants nothing. Resources are matched by exact name ([`ResourceName`]); accesses are
/// independent (write does not imply read).
///
/// Whether a token carries grants at all is the server's choice: a token without grants is
/// checked with [`check`] alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Each resource's accesses as a bit set of [`Access::bit`]; never zero.
    entries: BTreeMap<ResourceName, u8>,
}

impl Grants {
    /// A set that grants nothing yet.
    #[must_use]
    pub const fn new() -> Grants {
        Grants {
            entries: BTreeMap::new(),
        }
    }

    /// These grants, plus `access` to `resource`.
    #[must_use]
    pub fn with(mut self, resource: ResourceName, access: Access) -> Grants {
        self.insert(resource, access);
        self
    }

    /// Adds `access` to `resource` (nothing changes if it was already granted).
    pub fn insert(&mut self, resource: ResourceName, access: Access) {
        *self.entries.entry(resource).or_insert(0) |= access.bit();
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

/// [`check`], then the token's `grants`: may this token, held by `user`, perform `operation`
/// as `access` to the resource named `resource`?
///
/// Never allows more than [`check`] with the same scope, user and operation: a refusal from
/// [`check`] is returned unchanged, and an allowed operation is refused with
/// [`Denial::NotGranted`] when the grants lack `access` to `resource`. The denial does not
/// carry the resource name (it stays `Copy`); the caller has it. No allocation.
pub fn check_with_grants<U: UserPermissions + ?Sized>(
    scope: Scope,
    user: &U,
    operation: Operation,
    grants: &Grants,
    resource: &str,
    access: Access,
) -> Decision<Denial<U::Shortfall>> {
    match check(scope, user, operation) {
        Decision::Allow if !grants.permits(resource, access) => {
            Decision::Deny(Denial::NotGranted { operation, access })
        }
        decision => decision,
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
            for (resource, &set) in &self.entries {
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
    use crate::{Role, RoleShortfall};
    use proptest::prelude::*;

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
    fn grants_refuse_after_check_allows_and_keep_earlier_refusals() {
        let grants = Grants::new().with(name("aspects"), Access::Read);
        let allowed = check_with_grants(
            Scope::Edit,
            &Role::Editor,
            Operation::ReadData,
            &grants,
            "aspects",
            Access::Read,
        );
        assert_eq!(allowed, Decision::Allow);
        assert_eq!(
            check_with_grants(
                Scope::Edit,
                &Role::Editor,
                Operation::WriteData,
                &grants,
                "aspects",
                Access::Write
            ),
            Decision::Deny(Denial::NotGranted {
                operation: Operation::WriteData,
                access: Access::Write
            })
        );
        assert_eq!(
            check_with_grants(
                Scope::Edit,
                &Role::Reader,
                Operation::WriteData,
                &grants,
                "aspects",
                Access::Read
            ),
            Decision::Deny(Denial::UserLacksPermission {
                operation: Operation::WriteData,
                shortfall: RoleShortfall {
                    required: Role::Editor,
                    held: Role::Reader
                }
            })
        );
    }

    fn any_grants() -> impl Strategy<Value = Grants> {
        let resource = proptest::sample::select(vec!["a", "b", "c/d"]);
        let access = proptest::sample::select(Access::ALL.to_vec());
        proptest::collection::vec((resource, access), 0..6)
            .prop_map(|pairs| pairs.into_iter().map(|(r, a)| (name(r), a)).collect())
    }

    proptest! {
        /// A check with grants never allows more than the same check without them (issue 3).
        #[test]
        fn grants_only_narrow(
            scope in proptest::sample::select(Scope::ALL.to_vec()),
            role in proptest::sample::select(Role::ALL.to_vec()),
            operation in proptest::sample::select(Operation::ALL.to_vec()),
            grants in any_grants(),
            resource in proptest::sample::select(vec!["a", "b", "c/d", "e", ""]),
            access in proptest::sample::select(Access::ALL.to_vec()),
        ) {
            let with = check_with_grants(scope, &role, operation, &grants, resource, access);
            let without = check(scope, &role, operation);
            if with.is_allowed() {
                prop_assert!(without.is_allowed());
                prop_assert!(grants.permits(resource, access));
            }
            if !without.is_allowed() {
                prop_assert_eq!(with, without);
            }
        }
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
