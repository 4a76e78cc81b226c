//! The check: may this actor change a record protected by this list?

use std::borrow::Borrow;

use crate::actor::{Actor, AdminOverride};
use crate::list::WriterList;

/// The answer to "may this actor modify or delete this record, or change its writers?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[must_use]
pub enum WriteDecision {
    /// The write is allowed, for this reason.
    Allow(AllowReason),
    /// The write is refused (for a server, 403), for this reason.
    Deny(WriteDenial),
}

/// Why a write was allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AllowReason {
    /// The list is empty, so any authenticated actor may write.
    OpenRecord,
    /// The actor is on the list.
    ListedWriter,
    /// The actor is not on the list but used the admin override they are entitled to.
    AdminOverride,
}

/// Why a write was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum WriteDenial {
    /// The actor has no credentials.
    Anonymous,
    /// The record is protected and the actor is not on its list (and used no override they
    /// are entitled to).
    NotAWriter,
}

impl WriteDecision {
    /// Whether the write is allowed.
    #[must_use]
    pub const fn is_allowed(self) -> bool {
        matches!(self, Self::Allow(_))
    }
}

impl<P: Ord> WriterList<P> {
    /// May `actor` modify or delete the record this list protects, or change its writers?
    ///
    /// In order: an anonymous actor is denied (even with an override marked entitled); an
    /// empty list allows any authenticated actor ([`AllowReason::OpenRecord`]); a listed actor
    /// is allowed ([`AllowReason::ListedWriter`]); anyone else is allowed only through an
    /// override they requested and are entitled to ([`AllowReason::AdminOverride`]), and
    /// denied otherwise. The override is reported as the reason only when it is what allowed
    /// the write.
    ///
    /// `O(log n)` comparisons, no allocation.
    pub fn permits<Q>(&self, actor: Actor<'_, Q>, admin_override: AdminOverride) -> WriteDecision
    where
        P: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let Actor::Authenticated(principal) = actor else {
            return WriteDecision::Deny(WriteDenial::Anonymous);
        };
        if self.is_empty() {
            WriteDecision::Allow(AllowReason::OpenRecord)
        } else if self.contains(principal) {
            WriteDecision::Allow(AllowReason::ListedWriter)
        } else if admin_override.grants_bypass() {
            WriteDecision::Allow(AllowReason::AdminOverride)
        } else {
            WriteDecision::Deny(WriteDenial::NotAWriter)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Entitlement;

    const ENTITLED: AdminOverride = AdminOverride::Requested(Entitlement::Entitled);

    #[test]
    fn anonymous_is_denied_even_with_an_entitled_override_on_an_open_record() {
        let open = WriterList::<String>::new();
        assert_eq!(
            open.permits(Actor::<str>::Anonymous, ENTITLED),
            WriteDecision::Deny(WriteDenial::Anonymous)
        );
    }

    #[test]
    fn override_is_not_the_reason_when_access_did_not_need_it() {
        let writers = WriterList::from([7_u64]);
        assert_eq!(
            writers.permits(Actor::authenticated(&7), ENTITLED),
            WriteDecision::Allow(AllowReason::ListedWriter)
        );
        assert_eq!(
            WriterList::<u64>::new().permits(Actor::authenticated(&7), ENTITLED),
            WriteDecision::Allow(AllowReason::OpenRecord)
        );
    }

    #[test]
    fn is_allowed_follows_the_variant() {
        assert!(WriteDecision::Allow(AllowReason::OpenRecord).is_allowed());
        assert!(!WriteDecision::Deny(WriteDenial::NotAWriter).is_allowed());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn decisions_serialize_as_snake_case_names() {
        let json = serde_json::to_string(&WriteDecision::Deny(WriteDenial::NotAWriter)).unwrap();
        assert_eq!(json, r#"{"deny":"not_a_writer"}"#);
    }
}
