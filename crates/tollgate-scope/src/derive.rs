//! Deriving a token from another: the child's limits never exceed its parent's.

use core::fmt;

use chrono::{DateTime, Utc};
use tollgate_cors::{AllowedOrigins, OriginPattern};
use tollgate_limit::{Quota, Rate};

use crate::{
    Access, Decision, Denial, Grants, InvalidLimits, Limits, Operation, ResourceName, Scope,
    SignatureKey, TokenKind, UserPermissions,
};

/// What a new token should be, as its creator asks. `None` fields inherit the parent's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsRequest {
    /// Secret (the default) or publishable.
    pub kind: TokenKind,
    /// The scope asked for (the caller picks its own default, such as `read-only`).
    pub scope: Scope,
    /// An expiry at or before the parent's; `None` inherits the parent's.
    pub expires_at: Option<DateTime<Utc>>,
    /// Origins, each admitted by one of the parent's; `None` inherits the parent's. An empty
    /// list asks for no origin restriction, which only an unrestricted parent can give.
    pub allowed_origins: Option<Vec<OriginPattern>>,
    /// Grants within the parent's; `None` inherits the parent's.
    pub grants: Option<Grants>,
    /// A rate limit [within](Rate::is_within) the parent's; `None` inherits the parent's.
    pub rate_limit: Option<Rate>,
    /// A quota [within](Quota::is_within) the parent's; `None` inherits the parent's.
    pub quota: Option<Quota>,
    /// The key the new token's requests must be signed with; `None` inherits the parent's
    /// (none, or its key). So a token derived from a signed-only token is signed-only too,
    /// with its own key or the parent's.
    pub signing_key: Option<SignatureKey>,
}

impl LimitsRequest {
    /// A secret token of `scope`, inheriting everything else.
    #[must_use]
    pub const fn new(scope: Scope) -> LimitsRequest {
        LimitsRequest {
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
}

/// The dimension in which a requested token would exceed its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exceeded {
    /// The parent expires at `parent`, and the request asks for a later expiry.
    Expiry {
        /// The parent's expiry.
        parent: DateTime<Utc>,
    },
    /// The request asks for an origin (or, `None`, any origin) that no pattern of the parent's
    /// admits.
    AllowedOrigins {
        /// The first requested pattern not admitted; `None` for "any origin".
        pattern: Option<OriginPattern>,
    },
    /// The request grants an access to a resource the parent's grants do not include.
    Grants {
        /// The resource.
        resource: ResourceName,
        /// The access the parent lacks on it.
        access: Access,
    },
    /// The request asks for a rate limit not [within](Rate::is_within) the parent's.
    RateLimit {
        /// The parent's rate limit.
        parent: Rate,
    },
    /// The request asks for a quota not [within](Quota::is_within) the parent's.
    Quota {
        /// The parent's quota.
        parent: Quota,
    },
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exceeded::Expiry { parent } => write!(
                f,
                "expiry: the new token must expire no later than this token ({})",
                parent.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            Exceeded::AllowedOrigins { pattern: None } => f.write_str(
                "allowed_origins: this token is bound to origins, so the new token must be too",
            ),
            Exceeded::AllowedOrigins {
                pattern: Some(pattern),
            } => write!(
                f,
                "allowed_origins: {pattern} is not within this token's allowed origins"
            ),
            Exceeded::Grants { resource, access } => write!(
                f,
                "grants: this token has no {access} access to {resource} to pass on"
            ),
            Exceeded::RateLimit { parent } => write!(
                f,
                "rate_limit: the new token may not be used faster or in larger bursts than this \
                 token's {parent}"
            ),
            Exceeded::Quota { parent } => write!(
                f,
                "quota: the new token's quota must be per {} and at most this token's {parent}",
                parent.period()
            ),
        }
    }
}

/// Why a token may not be derived as requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeriveDenial<S> {
    /// The parent may not create tokens at all: creating a token is
    /// [`Operation::ManageAccount`], which needs a secret, [`Scope::Full`] token whose owner may
    /// manage their account. The inner denial says which side refused.
    CannotMint(Denial<S>),
    /// The requested scope allows an operation the owner may not perform.
    ScopeAboveUser {
        /// The scope asked for.
        requested: Scope,
        /// The highest scope this user may be given, if any.
        highest_usable: Option<Scope>,
        /// The lowest operation (in [`Operation::ALL`] order) the requested scope allows and
        /// the user may not perform.
        operation: Operation,
        /// What the user lacks for it.
        shortfall: S,
    },
    /// The request exceeds the parent's limits in this dimension.
    ExceedsParent(Exceeded),
    /// The limits asked for (with what they inherit) are not valid for any token
    /// ([`Limits::validate`]), such as a publishable token that is not read-only.
    Invalid(InvalidLimits),
}

impl<S: fmt::Display> fmt::Display for DeriveDenial<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeriveDenial::CannotMint(denial) => {
                write!(f, "this token may not create tokens: {denial}")
            }
            DeriveDenial::ScopeAboveUser {
                requested,
                highest_usable,
                operation,
                shortfall,
            } => {
                write!(
                    f,
                    "scope {requested} would allow the token to {operation}, which the user may not ({shortfall}); "
                )?;
                match highest_usable {
                    Some(highest) => write!(f, "ask for {highest} or lower"),
                    None => f.write_str("this user may not be given any token"),
                }
            }
            DeriveDenial::ExceedsParent(exceeded) => {
                write!(f, "the new token would exceed this one in {exceeded}")
            }
            DeriveDenial::Invalid(invalid) => invalid.fmt(f),
        }
    }
}

/// The first operation `scope` allows that `user` may not perform, with the user's shortfall.
fn first_unusable<U: UserPermissions + ?Sized>(
    user: &U,
    scope: Scope,
) -> Option<(Operation, U::Shortfall)> {
    Operation::ALL.into_iter().find_map(|operation| {
        if scope.allows(operation) {
            user.shortfall(operation)
                .map(|shortfall| (operation, shortfall))
        } else {
            None
        }
    })
}

/// The highest scope whose every operation `user` may perform: the highest scope a new token
/// for this user may have. `None` when the user may not even read data.
///
/// For the provided roles: `reader` -> `read-only`, `editor` -> `edit`, `admin` -> `full`.
#[must_use]
pub fn highest_usable_scope<U: UserPermissions + ?Sized>(user: &U) -> Option<Scope> {
    Scope::ALL
        .into_iter()
        .take_while(|&scope| first_unusable(user, scope).is_none())
        .last()
}

/// The limits of a new token that the token with `parent` limits, held by `user`, creates as
/// `request` asks; or why it may not. The one rule: **a derived token never exceeds the token
/// that made it.** Checked in this order, the first refusal returned:
///
/// 1. The parent may mint: [`Limits::check_operation`] allows it [`Operation::ManageAccount`]
///    (so it is secret and [`Scope::Full`], and its owner may manage their account).
/// 2. The scope allows nothing `user` may not do (at most [`highest_usable_scope`]); as the
///    parent is full-scope, it is also within the parent's scope.
/// 3. Expiry: at or before the parent's; omitted, the parent's.
/// 4. Allowed origins: each requested pattern is [covered](OriginPattern::covers) by one of
///    the parent's; omitted, the parent's; a parent without origins allows any.
/// 5. Grants: each requested access is one the parent's grants include; omitted, the parent's;
///    a parent without grants allows any.
/// 6. Rate limit, then quota: [within](Rate::is_within) the parent's; omitted, the parent's;
///    a parent without one allows any. (The server also counts every use of the new token
///    against the parent's rate and quota, so that parent and children together stay within
///    the parent's.) A signing key: any key asked for; omitted, the parent's, so a child of
///    a signed-only token is always signed-only.
/// 7. The result is valid for any token ([`Limits::validate`]): a publishable token is
///    read-only and bound to origins (not `*`).
///
/// Whether the expiry is still in the future is the caller's to check against its clock.
/// Pure: no I/O, no clock.
///
/// # Errors
/// The [`DeriveDenial`] naming the rule and, for the parent's limits, the dimension.
pub fn derive<U: UserPermissions + ?Sized>(
    parent: &Limits,
    user: &U,
    request: LimitsRequest,
) -> Result<Limits, DeriveDenial<U::Shortfall>> {
    if let Decision::Deny(denial) = parent.check_operation(user, Operation::ManageAccount, None) {
        return Err(DeriveDenial::CannotMint(denial));
    }
    if let Some((operation, shortfall)) = first_unusable(user, request.scope) {
        return Err(DeriveDenial::ScopeAboveUser {
            requested: request.scope,
            highest_usable: highest_usable_scope(user),
            operation,
            shortfall,
        });
    }
    let exceeds = |exceeded| Err(DeriveDenial::ExceedsParent(exceeded));
    let expires_at = match (request.expires_at, parent.expires_at) {
        (Some(child), Some(parent)) if child > parent => {
            return exceeds(Exceeded::Expiry { parent });
        }
        (Some(child), _) => Some(child),
        (None, inherited) => inherited,
    };
    let allowed_origins = match (request.allowed_origins, &parent.allowed_origins) {
        (None, inherited) => inherited.clone(),
        (Some(patterns), None) => {
            (!patterns.is_empty()).then(|| AllowedOrigins::from_patterns(patterns))
        }
        (Some(patterns), Some(_)) if patterns.is_empty() => {
            return exceeds(Exceeded::AllowedOrigins { pattern: None });
        }
        (Some(patterns), Some(allowed)) => {
            let parents = allowed.patterns();
            if let Some(pattern) = patterns
                .iter()
                .find(|pattern| !parents.iter().any(|parent| parent.covers(pattern)))
            {
                return exceeds(Exceeded::AllowedOrigins {
                    pattern: Some(pattern.clone()),
                });
            }
            Some(AllowedOrigins::from_patterns(patterns))
        }
    };
    let grants = match (request.grants, &parent.grants) {
        (None, inherited) => inherited.clone(),
        (Some(grants), None) => Some(grants),
        (Some(grants), Some(allowed)) => {
            if let Some((resource, access)) = grants.first_excess(allowed) {
                return exceeds(Exceeded::Grants {
                    resource: resource.clone(),
                    access,
                });
            }
            Some(grants)
        }
    };
    let rate_limit = match (request.rate_limit, parent.rate_limit) {
        (Some(child), Some(parent)) if !child.is_within(&parent) => {
            return exceeds(Exceeded::RateLimit { parent });
        }
        (Some(child), _) => Some(child),
        (None, inherited) => inherited,
    };
    let quota = match (request.quota, parent.quota) {
        (Some(child), Some(parent)) if !child.is_within(&parent) => {
            return exceeds(Exceeded::Quota { parent });
        }
        (Some(child), _) => Some(child),
        (None, inherited) => inherited,
    };
    let limits = Limits {
        kind: request.kind,
        scope: request.scope,
        expires_at,
        allowed_origins,
        grants,
        rate_limit,
        quota,
        signing_key: request.signing_key.or(parent.signing_key),
    };
    limits.validate().map_err(DeriveDenial::Invalid)?;
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::{Role, RoleShortfall};

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    fn origins(patterns: &[&str]) -> Vec<OriginPattern> {
        patterns
            .iter()
            .map(|text| OriginPattern::parse(text).unwrap())
            .collect()
    }

    fn name(text: &str) -> ResourceName {
        ResourceName::new(text).unwrap()
    }

    fn asking(scope: Scope) -> LimitsRequest {
        LimitsRequest::new(scope)
    }

    /// A full, secret parent expiring at `at(3600)`, bound to `*.example.com`, granted read and
    /// write on `aspects/cpu`.
    fn bounded_parent() -> Limits {
        Limits {
            expires_at: Some(at(3600)),
            allowed_origins: Some(AllowedOrigins::from_patterns(origins(&[
                "https://*.example.com",
            ]))),
            grants: Some(
                Grants::new()
                    .with(name("aspects/cpu"), Access::Read)
                    .with(name("aspects/cpu"), Access::Write),
            ),
            ..Limits::new(Scope::Full)
        }
    }

    #[test]
    fn highest_usable_scope_per_role() {
        assert_eq!(highest_usable_scope(&Role::Reader), Some(Scope::ReadOnly));
        assert_eq!(highest_usable_scope(&Role::Editor), Some(Scope::Edit));
        assert_eq!(highest_usable_scope(&Role::Admin), Some(Scope::Full));
    }

    #[test]
    fn only_secret_full_tokens_mint() {
        for scope in [Scope::ReadOnly, Scope::Edit, Scope::Admin] {
            assert_eq!(
                derive(&Limits::new(scope), &Role::Admin, asking(Scope::ReadOnly)),
                Err(DeriveDenial::CannotMint(Denial::ScopeTooLow {
                    operation: Operation::ManageAccount,
                    required: Scope::Full,
                    held: scope,
                }))
            );
        }
        let publishable = Limits {
            kind: TokenKind::Publishable,
            ..Limits::new(Scope::Full)
        };
        assert_eq!(
            derive(&publishable, &Role::Admin, asking(Scope::ReadOnly)),
            Err(DeriveDenial::CannotMint(Denial::PublishableToken {
                operation: Operation::ManageAccount
            }))
        );
    }

    #[test]
    fn scope_is_capped_by_the_role() {
        let parent = Limits::new(Scope::Full);
        for requested in Scope::ALL {
            assert!(derive(&parent, &Role::Admin, asking(requested)).is_ok());
        }
        assert!(derive(&parent, &Role::Editor, asking(Scope::Edit)).is_ok());
        assert_eq!(
            derive(&parent, &Role::Editor, asking(Scope::Full)),
            Err(DeriveDenial::ScopeAboveUser {
                requested: Scope::Full,
                highest_usable: Some(Scope::Edit),
                operation: Operation::ReadSensitive,
                shortfall: RoleShortfall {
                    required: Role::Admin,
                    held: Role::Editor
                },
            })
        );
    }

    #[test]
    fn omitted_limits_are_inherited() {
        let parent = bounded_parent();
        let child = derive(&parent, &Role::Admin, asking(Scope::Edit)).unwrap();
        assert_eq!(
            child,
            Limits {
                scope: Scope::Edit,
                ..parent
            }
        );
    }

    #[test]
    fn expiry_may_only_come_sooner() {
        let parent = bounded_parent();
        let expiring = |seconds| LimitsRequest {
            expires_at: Some(at(seconds)),
            ..asking(Scope::ReadOnly)
        };
        for seconds in [1, 3600] {
            let child = derive(&parent, &Role::Admin, expiring(seconds)).unwrap();
            assert_eq!(child.expires_at, Some(at(seconds)));
        }
        assert_eq!(
            derive(&parent, &Role::Admin, expiring(3601)),
            Err(DeriveDenial::ExceedsParent(Exceeded::Expiry {
                parent: at(3600)
            }))
        );
        let unlimited = Limits::new(Scope::Full);
        assert_eq!(
            derive(&unlimited, &Role::Admin, expiring(99_999))
                .unwrap()
                .expires_at,
            Some(at(99_999))
        );
    }

    #[test]
    fn origins_may_only_narrow() {
        let parent = bounded_parent();
        let bound_to = |patterns: &[&str]| LimitsRequest {
            allowed_origins: Some(origins(patterns)),
            ..asking(Scope::ReadOnly)
        };
        let child = derive(
            &parent,
            &Role::Admin,
            bound_to(&["https://app.example.com"]),
        )
        .unwrap();
        assert_eq!(
            child.allowed_origins,
            Some(AllowedOrigins::from_patterns(origins(&[
                "https://app.example.com"
            ])))
        );
        for (patterns, refused) in [
            (&["https://evil.com"][..], Some("https://evil.com")),
            (&["https://a.example.com", "*"], Some("*")),
            (&["http://a.example.com"], Some("http://a.example.com")),
            (&[], None),
        ] {
            assert_eq!(
                derive(&parent, &Role::Admin, bound_to(patterns)),
                Err(DeriveDenial::ExceedsParent(Exceeded::AllowedOrigins {
                    pattern: refused.map(|text| OriginPattern::parse(text).unwrap())
                })),
                "{patterns:?}"
            );
        }
        let unbound = Limits::new(Scope::Full);
        assert_eq!(
            derive(&unbound, &Role::Admin, bound_to(&[]))
                .unwrap()
                .allowed_origins,
            None
        );
        assert!(
            derive(&unbound, &Role::Admin, bound_to(&["https://evil.com"]))
                .unwrap()
                .allowed_origins
                .is_some()
        );
    }

    #[test]
    fn grants_may_only_narrow() {
        let parent = bounded_parent();
        let granting = |grants: Grants| LimitsRequest {
            grants: Some(grants),
            ..asking(Scope::ReadOnly)
        };
        let within = Grants::new().with(name("aspects/cpu"), Access::Read);
        assert_eq!(
            derive(&parent, &Role::Admin, granting(within.clone()))
                .unwrap()
                .grants,
            Some(within.clone())
        );
        assert_eq!(
            derive(
                &parent,
                &Role::Admin,
                granting(within.with(name("aspects/mem"), Access::Read))
            ),
            Err(DeriveDenial::ExceedsParent(Exceeded::Grants {
                resource: name("aspects/mem"),
                access: Access::Read
            }))
        );
        let unlimited = Limits::new(Scope::Full);
        let any = Grants::new().with(name("subjects/x"), Access::Delete);
        assert_eq!(
            derive(&unlimited, &Role::Admin, granting(any.clone()))
                .unwrap()
                .grants,
            Some(any)
        );
    }

    #[test]
    fn rate_limits_and_quotas_may_only_narrow_and_are_inherited_when_omitted() {
        let rate = |text: &str| text.parse::<Rate>().unwrap();
        let quota = |text: &str| text.parse::<Quota>().unwrap();
        let parent = Limits {
            rate_limit: Some(rate("100/min")),
            quota: Some(quota("1000/month")),
            ..Limits::new(Scope::Full)
        };
        let inherited = derive(&parent, &Role::Admin, asking(Scope::ReadOnly)).unwrap();
        assert_eq!(
            (inherited.rate_limit, inherited.quota),
            (parent.rate_limit, parent.quota)
        );
        let narrower = LimitsRequest {
            rate_limit: Some(rate("10/min")),
            quota: Some(quota("10/month")),
            ..asking(Scope::ReadOnly)
        };
        let child = derive(&parent, &Role::Admin, narrower).unwrap();
        assert_eq!(
            (child.rate_limit, child.quota),
            (Some(rate("10/min")), Some(quota("10/month")))
        );
        for wider in ["101/min", "2/s", "6000/h"] {
            let request = LimitsRequest {
                rate_limit: Some(rate(wider)),
                ..asking(Scope::ReadOnly)
            };
            assert_eq!(
                derive(&parent, &Role::Admin, request),
                Err(DeriveDenial::ExceedsParent(Exceeded::RateLimit {
                    parent: rate("100/min")
                })),
                "{wider}"
            );
        }
        for wider in ["1001/month", "10/day"] {
            let request = LimitsRequest {
                quota: Some(quota(wider)),
                ..asking(Scope::ReadOnly)
            };
            let refused = derive(&parent, &Role::Admin, request).unwrap_err();
            assert_eq!(
                refused,
                DeriveDenial::ExceedsParent(Exceeded::Quota {
                    parent: quota("1000/month")
                }),
                "{wider}"
            );
            assert_eq!(
                refused.to_string(),
                "the new token would exceed this one in quota: the new token's quota must be \
                 per month and at most this token's 1000/month"
            );
        }
        // A parent without them allows any.
        let unlimited = Limits::new(Scope::Full);
        let request = LimitsRequest {
            rate_limit: Some(rate("1000000/s")),
            quota: Some(quota("5/day")),
            ..asking(Scope::ReadOnly)
        };
        let child = derive(&unlimited, &Role::Admin, request).unwrap();
        assert_eq!(
            (child.rate_limit, child.quota),
            (Some(rate("1000000/s")), Some(quota("5/day")))
        );
    }

    #[test]
    fn publishable_tokens_are_read_only_and_bound_to_origins() {
        let publishable = |scope, patterns: Option<&[&str]>| LimitsRequest {
            kind: TokenKind::Publishable,
            allowed_origins: patterns.map(origins),
            ..asking(scope)
        };
        let unbound = Limits::new(Scope::Full);
        let child = derive(
            &unbound,
            &Role::Admin,
            publishable(Scope::ReadOnly, Some(&["https://shop.example.com"])),
        )
        .unwrap();
        assert_eq!(child.kind, TokenKind::Publishable);
        assert_eq!(
            derive(
                &unbound,
                &Role::Admin,
                publishable(Scope::Edit, Some(&["https://shop.example.com"]))
            ),
            Err(DeriveDenial::Invalid(
                InvalidLimits::PublishableNotReadOnly { scope: Scope::Edit }
            ))
        );
        for patterns in [None, Some(&[][..]), Some(&["*"][..])] {
            assert_eq!(
                derive(
                    &unbound,
                    &Role::Admin,
                    publishable(Scope::ReadOnly, patterns)
                ),
                Err(DeriveDenial::Invalid(
                    InvalidLimits::PublishableWithoutOrigins
                )),
                "{patterns:?}"
            );
        }
        // Inherited origins bind it too.
        let inherited = derive(
            &bounded_parent(),
            &Role::Admin,
            publishable(Scope::ReadOnly, None),
        );
        assert!(inherited.is_ok());
    }

    #[test]
    fn denials_read_as_instructions() {
        let denial = derive(
            &Limits::new(Scope::Full),
            &Role::Reader,
            asking(Scope::Admin),
        )
        .unwrap_err();
        assert_eq!(
            denial.to_string(),
            "scope admin would allow the token to write data, which the user may not \
             (the user's role is reader, and editor or higher is needed); ask for read-only or lower"
        );
        let denial =
            derive(&Limits::new(Scope::Edit), &Role::Admin, asking(Scope::Edit)).unwrap_err();
        assert_eq!(
            denial.to_string(),
            "this token may not create tokens: the token's scope is edit, and to manage the \
             account it needs full or higher"
        );
        let exceeded =
            DeriveDenial::<RoleShortfall>::ExceedsParent(Exceeded::Expiry { parent: at(0) });
        assert_eq!(
            exceeded.to_string(),
            "the new token would exceed this one in expiry: the new token must expire no later \
             than this token (2027-01-15T08:00:00Z)"
        );
    }
}
