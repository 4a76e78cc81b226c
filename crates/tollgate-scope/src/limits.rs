//! A token's limits, and the check of one use of the token against them.

use chrono::{DateTime, Utc};
use tollgate_cors::{AllowedOrigins, OriginCheck};
use tollgate_limit::{Quota, Rate};

use crate::{
    Access, Decision, Denial, Grants, InvalidLimits, Operation, Scope, SignatureKey, TokenKind,
    UserPermissions, check,
};

/// Everything that bounds what a token may do, apart from its owner's role (applied at each
/// use) and revocation (a state, not a limit).
///
/// A token derived from another ([`derive()`](crate::derive)) never has wider limits than its
/// parent: each field below only narrows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Secret or publishable. A publishable token may only read non-sensitive data.
    pub kind: TokenKind,
    /// The highest kind of operation it may perform, before its owner's role caps it.
    pub scope: Scope,
    /// When it stops working; `None` never.
    pub expires_at: Option<DateTime<Utc>>,
    /// The origins a request with it must come from; `None` any request, with or without an
    /// `Origin`. An empty list admits no request at all.
    pub allowed_origins: Option<AllowedOrigins>,
    /// The records it may touch, and how; `None` every record its scope and role allow.
    pub grants: Option<Grants>,
    /// How fast it may be used; `None` as fast as the server allows. Enforced by the server
    /// (this crate only carries it and narrows it): a use of the token counts against its own
    /// rate and those of the tokens it derives from.
    pub rate_limit: Option<Rate>,
    /// How many uses it may make per calendar day or month; `None` no limit. Enforced like
    /// [`rate_limit`](Self::rate_limit).
    pub quota: Option<Quota>,
    /// The key its requests must be signed with; `None` when the bearer token alone is
    /// enough. Enforced by the server (tollgate-http verifies the signature); a token derived
    /// from one with a key has a key too.
    pub signing_key: Option<SignatureKey>,
}

/// One use of a token, as [`Limits::check`] judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use<'a> {
    /// What the request does.
    pub operation: Operation,
    /// The resource it touches and how, when it touches one that grants can name.
    pub resource: Option<(&'a str, Access)>,
    /// The request's `Origin` header, if any.
    pub origin: Option<&'a [u8]>,
    /// When the request is made.
    pub at: DateTime<Utc>,
}

/// Why a use of a token was refused by its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitDenial<S> {
    /// The token expired at or before the time of use.
    Expired,
    /// The token is bound to origins, and the request's `Origin` is missing, invalid or not
    /// among them.
    Origin(OriginCheck),
    /// The operation is refused: by the owner's permissions, the scope, the kind or the grants.
    Operation(Denial<S>),
}

impl Limits {
    /// A secret token of `scope` with no other limit: no expiry, any origin, any record, no
    /// rate limit or quota.
    #[must_use]
    pub const fn new(scope: Scope) -> Limits {
        Limits {
            kind: TokenKind::Secret,
            scope,
            expires_at: None,
            allowed_origins: None,
            grants: None,
            rate_limit: None,
            quota: None,
            signing_key: None,
        }
    }

    /// Checks the rules every token's limits follow, however it is made: an origin binding
    /// names at least one origin, and a publishable token is read-only and bound to origins
    /// other than `*`.
    ///
    /// # Errors
    /// The first rule broken.
    pub fn validate(&self) -> Result<(), InvalidLimits> {
        let origins = self.allowed_origins.as_ref();
        if origins.is_some_and(AllowedOrigins::is_empty) {
            return Err(InvalidLimits::NoAllowedOrigin);
        }
        if self.kind == TokenKind::Publishable {
            if self.scope != Scope::ReadOnly {
                return Err(InvalidLimits::PublishableNotReadOnly { scope: self.scope });
            }
            if origins.is_none_or(AllowedOrigins::is_any) {
                return Err(InvalidLimits::PublishableWithoutOrigins);
            }
        }
        Ok(())
    }

    /// Every limit at once: the token is live at `attempt.at`, the request comes from an
    /// allowed origin, and [`check_operation`](Self::check_operation) allows the operation.
    /// Servers that check these at different stages of a request call the three parts
    /// ([`is_live_at`](Self::is_live_at), [`check_origin`](Self::check_origin),
    /// [`check_operation`](Self::check_operation)) themselves.
    pub fn check<U: UserPermissions + ?Sized>(
        &self,
        user: &U,
        attempt: &Use<'_>,
    ) -> Decision<LimitDenial<U::Shortfall>> {
        if !self.is_live_at(attempt.at) {
            return Decision::Deny(LimitDenial::Expired);
        }
        match self.check_origin(attempt.origin) {
            OriginCheck::Allowed => {}
            refused => return Decision::Deny(LimitDenial::Origin(refused)),
        }
        match self.check_operation(user, attempt.operation, attempt.resource) {
            Decision::Allow => Decision::Allow,
            Decision::Deny(denial) => Decision::Deny(LimitDenial::Operation(denial)),
        }
    }

    /// Whether the token has not expired at `at` (`at >= expires_at` is expired).
    #[must_use]
    pub fn is_live_at(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|expires_at| at < expires_at)
    }

    /// The request's `Origin` against the allowed origins, failing closed when it is missing
    /// or invalid; [`OriginCheck::Allowed`] when the token is not bound to origins.
    #[must_use]
    pub fn check_origin(&self, origin: Option<&[u8]>) -> OriginCheck {
        match &self.allowed_origins {
            None => OriginCheck::Allowed,
            Some(allowed) => allowed.check(origin),
        }
    }

    /// May this token, held by `user`, perform `operation` (on `resource`, with that access)?
    ///
    /// [`check`] first (never-for-tokens, the user, the scope), then the kind (a publishable
    /// token only reads non-sensitive data), then the grants, when the token has them and the
    /// operation names a resource: operations that touch no nameable resource (managing
    /// tokens, users) are governed by scope and role alone. No allocation.
    pub fn check_operation<U: UserPermissions + ?Sized>(
        &self,
        user: &U,
        operation: Operation,
        resource: Option<(&str, Access)>,
    ) -> Decision<Denial<U::Shortfall>> {
        if let Decision::Deny(denial) = check(self.scope, user, operation) {
            return Decision::Deny(denial);
        }
        if self.kind == TokenKind::Publishable && operation != Operation::ReadData {
            return Decision::Deny(Denial::PublishableToken { operation });
        }
        match resource {
            Some((name, access)) if !self.may_access(name, access) => {
                Decision::Deny(Denial::NotGranted { operation, access })
            }
            _ => Decision::Allow,
        }
    }

    /// Whether the grants, if any, include `access` to the resource named `resource` (for
    /// filtering a listing). Scope and role are not consulted.
    #[must_use]
    pub fn may_access(&self, resource: &str, access: Access) -> bool {
        self.grants
            .as_ref()
            .is_none_or(|grants| grants.permits(resource, access))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use tollgate_cors::OriginPattern;

    use super::*;
    use crate::{ResourceName, Role};

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    fn attempt<'a>(operation: Operation, origin: Option<&'a [u8]>, seconds: i64) -> Use<'a> {
        Use {
            operation,
            resource: Some(("aspects/cpu", Access::Read)),
            origin,
            at: at(seconds),
        }
    }

    #[test]
    fn unlimited_tokens_are_bounded_by_scope_and_role_only() {
        let limits = Limits::new(Scope::Edit);
        let read = attempt(Operation::ReadData, None, 0);
        assert_eq!(limits.check(&Role::Reader, &read), Decision::Allow);
        let write = Use {
            operation: Operation::WriteData,
            ..read
        };
        assert!(limits.check(&Role::Editor, &write).is_allowed());
        assert!(matches!(
            limits.check(&Role::Reader, &write),
            Decision::Deny(LimitDenial::Operation(Denial::UserLacksPermission { .. }))
        ));
    }

    #[test]
    fn expiry_is_exclusive() {
        let limits = Limits {
            expires_at: Some(at(60)),
            ..Limits::new(Scope::ReadOnly)
        };
        let read = |seconds| attempt(Operation::ReadData, None, seconds);
        assert!(limits.check(&Role::Reader, &read(59)).is_allowed());
        assert_eq!(
            limits.check(&Role::Reader, &read(60)),
            Decision::Deny(LimitDenial::Expired)
        );
    }

    #[test]
    fn origin_bound_tokens_fail_closed() {
        let limits = Limits {
            allowed_origins: Some(AllowedOrigins::from_patterns([OriginPattern::parse(
                "https://app.example.com",
            )
            .unwrap()])),
            ..Limits::new(Scope::ReadOnly)
        };
        let from = |origin: Option<&'static [u8]>| {
            limits.check(&Role::Reader, &attempt(Operation::ReadData, origin, 0))
        };
        assert!(from(Some(b"https://app.example.com")).is_allowed());
        for (origin, refusal) in [
            (None, OriginCheck::Missing),
            (Some(&b"null"[..]), OriginCheck::Invalid),
            (
                Some(&b"https://evil.example.com"[..]),
                OriginCheck::NotAllowed,
            ),
        ] {
            assert_eq!(
                from(origin),
                Decision::Deny(LimitDenial::Origin(refusal)),
                "{origin:?}"
            );
        }
        let nowhere = Limits {
            allowed_origins: Some(AllowedOrigins::none()),
            ..Limits::new(Scope::ReadOnly)
        };
        assert_eq!(
            nowhere.check_origin(Some(b"https://app.example.com")),
            OriginCheck::NotAllowed
        );
    }

    #[test]
    fn publishable_tokens_only_read_non_sensitive_data() {
        let limits = Limits {
            kind: TokenKind::Publishable,
            ..Limits::new(Scope::Full)
        };
        assert!(
            limits
                .check_operation(&Role::Admin, Operation::ReadData, None)
                .is_allowed()
        );
        for operation in [
            Operation::WriteData,
            Operation::ReadSensitive,
            Operation::WriteSensitive,
            Operation::ManageAccount,
        ] {
            assert_eq!(
                limits.check_operation(&Role::Admin, operation, None),
                Decision::Deny(Denial::PublishableToken { operation })
            );
        }
    }

    #[test]
    fn validate_refuses_unusable_and_unsafe_limits() {
        let shop = || {
            Some(AllowedOrigins::from_patterns([OriginPattern::parse(
                "https://shop.example.com",
            )
            .unwrap()]))
        };
        let publishable = |scope, allowed_origins| Limits {
            kind: TokenKind::Publishable,
            allowed_origins,
            ..Limits::new(scope)
        };
        assert_eq!(publishable(Scope::ReadOnly, shop()).validate(), Ok(()));
        assert_eq!(Limits::new(Scope::Full).validate(), Ok(()));
        let cases = [
            (
                Limits {
                    allowed_origins: Some(AllowedOrigins::none()),
                    ..Limits::new(Scope::Edit)
                },
                InvalidLimits::NoAllowedOrigin,
            ),
            (
                publishable(Scope::Edit, shop()),
                InvalidLimits::PublishableNotReadOnly { scope: Scope::Edit },
            ),
            (
                publishable(Scope::ReadOnly, None),
                InvalidLimits::PublishableWithoutOrigins,
            ),
            (
                publishable(Scope::ReadOnly, Some(AllowedOrigins::any())),
                InvalidLimits::PublishableWithoutOrigins,
            ),
        ];
        for (limits, invalid) in cases {
            assert_eq!(limits.validate(), Err(invalid), "{limits:?}");
        }
    }

    #[test]
    fn grants_narrow_record_operations_only() {
        let grants = Grants::new().with(ResourceName::new("aspects/cpu").unwrap(), Access::Read);
        let limits = Limits {
            grants: Some(grants),
            ..Limits::new(Scope::Full)
        };
        let on = |operation, resource| limits.check_operation(&Role::Admin, operation, resource);
        assert!(on(Operation::ReadData, Some(("aspects/cpu", Access::Read))).is_allowed());
        assert_eq!(
            on(Operation::WriteData, Some(("aspects/cpu", Access::Write))),
            Decision::Deny(Denial::NotGranted {
                operation: Operation::WriteData,
                access: Access::Write
            })
        );
        assert!(!on(Operation::ReadData, Some(("aspects/mem", Access::Read))).is_allowed());
        assert!(on(Operation::ManageAccount, None).is_allowed());
        assert!(limits.may_access("aspects/cpu", Access::Read));
        assert!(!limits.may_access("subjects/cpu", Access::Read));
        assert!(Limits::new(Scope::ReadOnly).may_access("anything", Access::Delete));
    }
}
