//! Each crate's "no", mapped to one refusal (the table is the crate's documentation).

use core::time::Duration;

use chrono::{DateTime, Utc};
use http::StatusCode;
use tollgate_cors::{CorsDenial, OriginCheck};
use tollgate_limit::Refused;
use tollgate_scope::{Access, Decision, Denial, DeriveDenial, InvalidLimits, Operation};
use tollgate_sign::VerifyError;
use tollgate_store::{AuthError, Authenticated, DeriveError, MeterError, StoreError};
use tollgate_writers::{Lockout, WriteDenial};

use crate::rate_limit_headers::quota_wait;
use crate::{RateLimitHeaders, Realm, Refusal, cause};

/// 401 for a request that must carry a token and does not.
#[must_use]
pub fn missing_token(realm: &Realm) -> Refusal {
    Refusal::new(
        StatusCode::UNAUTHORIZED,
        "missing_token",
        "this request needs an access token: send `Authorization: Bearer <token>`",
    )
    .with_challenge(realm.missing())
}

/// 401 (or 503 / 500 when the database failed) for a token that did not authenticate.
#[must_use]
pub fn auth_error(error: &AuthError, realm: &Realm) -> Refusal {
    match error {
        AuthError::Store(store) => store_error(store),
        // A well-formed token that does not work gets one message whether it is unknown,
        // revoked or expired: its owner sees which in their token list; anyone else learns
        // nothing about which tokens exist.
        AuthError::Unknown | AuthError::Inactive(_) => Refusal::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the token is not valid: it is unknown, revoked or expired",
        )
        .with_challenge(realm.invalid_token()),
        // Header and token errors never echo the presented text, so their messages are safe.
        other => Refusal::new(StatusCode::UNAUTHORIZED, "invalid_token", other.to_string())
            .with_challenge(realm.invalid_token()),
    }
}

/// 401 for a request that a token with a signing key did not sign as its verifier requires,
/// the challenge naming the code: `signature_required` (no signature by the token's key),
/// `signature_expired` (`created` too old, or `expires` passed), `replayed_request` (a nonce
/// seen before) or `invalid_signature` (anything else: a mismatch, a component not covered, a
/// body that does not match its digest). 503 `unavailable`, with `Retry-After`, when the
/// verifier remembers as many recent nonces as it may, for this key or in all.
#[must_use]
pub fn signature_error(error: &VerifyError, realm: &Realm) -> Refusal {
    let (code, message) = match error {
        VerifyError::Busy { retry_after } => {
            return Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "too many recent signed requests to remember another: wait the number of \
                 seconds in Retry-After",
            )
            .with_retry_after(*retry_after);
        }
        VerifyError::Missing => (
            "signature_required",
            "this token is accepted only on requests it signed: sign the request with its key \
             (HTTP Message Signatures, RFC 9421), keyid = the token's id"
                .to_owned(),
        ),
        VerifyError::Expired => (
            "signature_expired",
            "the signature is too old or has expired: sign the request again".to_owned(),
        ),
        VerifyError::Replayed => (
            "replayed_request",
            "this signed request was received before: sign each request with a new nonce"
                .to_owned(),
        ),
        other => ("invalid_signature", other.to_string()),
    };
    Refusal::new(StatusCode::UNAUTHORIZED, code, message)
        .with_challenge(realm.signature_error(code))
}

/// 408 `request_timeout` for a request whose body had not all arrived within `limit`: the
/// client was too slow (the server should close the connection).
#[must_use]
pub fn request_timeout(limit: Duration) -> Refusal {
    Refusal::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        format!(
            "the request was not received within {} s",
            limit.as_secs_f64()
        ),
    )
}

/// 413 for a request body over `max_bytes`.
#[must_use]
pub fn payload_too_large(max_bytes: usize) -> Refusal {
    Refusal::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("request bodies are limited to {max_bytes} bytes"),
    )
}

/// 403 for a CORS preflight that the policy denies (answered without CORS headers, so the
/// browser refuses the request it asked about).
#[must_use]
pub fn cors_preflight_denied(reason: CorsDenial) -> Refusal {
    Refusal::new(
        StatusCode::FORBIDDEN,
        "cors_preflight_rejected",
        reason.to_string(),
    )
}

/// 400 `bad_request_body` for a request body that could not be read (the connection failed,
/// or its framing is broken): `error` says how, and is the server's own text, never the
/// body's.
#[must_use]
pub fn unreadable_body(error: &dyn core::fmt::Display) -> Refusal {
    Refusal::new(
        StatusCode::BAD_REQUEST,
        "bad_request_body",
        format!("the request body could not be read: {error}"),
    )
}

/// 401 for a request with more than one `Authorization` field: ambiguous, so malformed.
#[must_use]
pub fn repeated_authorization(realm: &Realm) -> Refusal {
    Refusal::new(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "send exactly one Authorization header",
    )
    .with_challenge(realm.invalid_token())
}

/// 429 for credentials from an address that failed to authenticate too often
/// (tollgate-http's `FailureThrottle`), with `Retry-After`.
#[must_use]
pub fn too_many_failures(wait: Refused) -> Refusal {
    Refusal::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_failures",
        "too many failed authentication attempts from your address: wait the number of seconds \
         in Retry-After before sending credentials again",
    )
    .with_retry_after(wait.retry_after)
}

/// 429 for a token over its rate limit (`rate_limited`) or quota (`quota_exceeded`), its own
/// or a token's it derives from, with `Retry-After` and the `RateLimit` fields
/// ([`RateLimitHeaders`]); the store's failure otherwise. `at` is the time now, for the wait
/// until a quota's period ends.
#[must_use]
pub fn meter_error(error: &MeterError, at: DateTime<Utc>) -> Refusal {
    let refusal = match error {
        MeterError::RateLimited { rate, refused } => Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "this token may be used {rate} (with the tokens it derives from or that derive \
                 from it): wait the number of seconds in Retry-After"
            ),
        )
        .with_retry_after(refused.retry_after),
        MeterError::QuotaExceeded { quota, status } => {
            let resets = status.period_end.map_or_else(
                || "never".to_owned(),
                |day| format!("on {day} at 00:00 UTC"),
            );
            Refusal::new(
                StatusCode::TOO_MANY_REQUESTS,
                "quota_exceeded",
                format!(
                    "this token's quota of {} uses per {} is used up (with the tokens it \
                     derives from or that derive from it); it is whole again {resets}",
                    quota.limit(),
                    quota.period()
                ),
            )
            .with_retry_after(quota_wait(quota, at))
        }
        MeterError::Store(store) => return store_error(store),
        other => return internal(other),
    };
    refusal.with_rate_limit(RateLimitHeaders::refused(error, at))
}

/// `?` on a store call in a handler returning `Result<_, Refusal>`: [`store_error`].
impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Self {
        store_error(&error)
    }
}

/// The status for a store failure outside authentication. A 500 or 503 logs its cause (see
/// the crate's documentation, "Logs").
#[must_use]
pub fn store_error(error: &StoreError) -> Refusal {
    let (status, code) = match error {
        StoreError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        StoreError::DuplicateUser | StoreError::DuplicateTokenName => {
            (StatusCode::CONFLICT, "duplicate_name")
        }
        StoreError::UnknownUser => (StatusCode::NOT_FOUND, "unknown_user"),
        StoreError::UnknownToken => (StatusCode::NOT_FOUND, "unknown_token"),
        StoreError::AlreadyRevoked => (StatusCode::BAD_REQUEST, "already_revoked"),
        StoreError::NotRevoked => (StatusCode::BAD_REQUEST, "not_revoked"),
        StoreError::RotationNotAllowed => (StatusCode::FORBIDDEN, "rotation_not_allowed"),
        StoreError::GraceTooLong { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_grace"),
        StoreError::ParentNotActive => (StatusCode::CONFLICT, "parent_not_active"),
        StoreError::ExpiryNotInFuture => (StatusCode::UNPROCESSABLE_ENTITY, "expiry_not_in_future"),
        StoreError::InvalidLimits(invalid) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid_limits_code(*invalid),
        ),
        StoreError::KindNotEnabled(_) => (StatusCode::UNPROCESSABLE_ENTITY, "kind_not_enabled"),
        StoreError::TooManyTokens { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "too_many_tokens"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    match status {
        // Driver and row details go to the server's log, not to clients. An unavailable
        // database is usually a passing state (overload, a restart): ask to come back soon.
        StatusCode::SERVICE_UNAVAILABLE => {
            cause::log(status, code, error);
            Refusal::new(status, code, "the database is unavailable; try again later")
                .with_retry_after(Duration::from_secs(1))
        }
        StatusCode::INTERNAL_SERVER_ERROR => {
            cause::log(status, code, error);
            Refusal::new(status, code, "internal error")
        }
        _ => Refusal::new(status, code, error.to_string()),
    }
}

/// 500 for a failure of the server's own, such as a defect: `error` goes to the log, the
/// client is told only "internal error".
#[must_use]
pub fn internal(error: &(dyn std::error::Error + 'static)) -> Refusal {
    let status = StatusCode::INTERNAL_SERVER_ERROR;
    cause::log(status, "internal", error);
    Refusal::new(status, "internal", "internal error")
}

/// The error code of limits no token may have.
fn invalid_limits_code(invalid: InvalidLimits) -> &'static str {
    match invalid {
        InvalidLimits::PublishableNotReadOnly { .. } => "publishable_read_only",
        InvalidLimits::PublishableWithoutOrigins => "publishable_needs_origins",
        _ => "invalid_allowed_origin",
    }
}

/// 403 for an operation the token may not perform: `not_granted` when its grants refused,
/// `insufficient_scope` (with its challenge) otherwise.
#[must_use]
pub fn scope_denial<S: core::fmt::Display>(denial: &Denial<S>, realm: &Realm) -> Refusal {
    match denial {
        Denial::NotGranted { .. } => {
            Refusal::new(StatusCode::FORBIDDEN, "not_granted", denial.to_string())
        }
        _ => Refusal::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            denial.to_string(),
        )
        .with_challenge(realm.insufficient_scope()),
    }
}

/// The answer to a token that could not be derived: 403 when the presenting token may not
/// create tokens at all, 422 when the request asks for too much (`scope_above_role`,
/// `exceeds_parent`, `publishable_read_only`, `publishable_needs_origins`) or the presenting
/// token is too far down its chain (`derivation_too_deep`), or the store's failure.
#[must_use]
pub fn derive_error(error: &DeriveError, realm: &Realm) -> Refusal {
    let (code, denial) = match error {
        DeriveError::Store(store) => return store_error(store),
        DeriveError::Denied(DeriveDenial::CannotMint(denial)) => {
            return scope_denial(denial, realm);
        }
        DeriveError::Denied(denial @ DeriveDenial::ScopeAboveUser { .. }) => {
            ("scope_above_role", denial)
        }
        DeriveError::Denied(denial @ DeriveDenial::ExceedsParent(_)) => ("exceeds_parent", denial),
        DeriveError::Denied(denial @ DeriveDenial::Invalid(invalid)) => {
            (invalid_limits_code(*invalid), denial)
        }
        too_deep @ DeriveError::TooDeep { .. } => {
            return Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "derivation_too_deep",
                too_deep.to_string(),
            );
        }
    };
    Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, code, denial.to_string())
}

/// `Ok` when this caller may perform `operation` (on `resource`, with that access, when the
/// operation touches a record that grants can name): a token (`Some`) as its limits decide
/// ([`Limits::check_operation`](tollgate_scope::Limits::check_operation): its scope capped by
/// its owner's role, a publishable token only reading, and its grants), an anonymous caller
/// (`None`) only for [`Operation::ReadData`]. Else 401 `missing_token` or the token's 403
/// ([`scope_denial`]), with `realm`'s challenges.
///
/// # Errors
/// The refusal to answer with.
pub fn authorize(
    token: Option<&Authenticated>,
    operation: Operation,
    resource: Option<(&str, Access)>,
    realm: &Realm,
) -> Result<(), Refusal> {
    let Some(found) = token else {
        return match operation {
            Operation::ReadData => Ok(()),
            _ => Err(missing_token(realm)),
        };
    };
    match found
        .token
        .limits
        .check_operation(&found.role, operation, resource)
    {
        Decision::Allow => Ok(()),
        Decision::Deny(denial) => Err(scope_denial(&denial, realm)),
    }
}

/// `Ok` unless a change to a writer list would take away the caller's own write access
/// ([`Lockout::LocksOut`]) and the caller has not confirmed it: then 409 `would_lock_out`,
/// whose message names `confirmation`, how to confirm (such as `?confirm=lockout`).
///
/// # Errors
/// The refusal to answer with.
pub fn lockout(answer: Lockout, confirmation: &str) -> Result<(), Refusal> {
    match answer {
        Lockout::KeepsAccess => Ok(()),
        Lockout::LocksOut => Err(Refusal::new(
            StatusCode::CONFLICT,
            "would_lock_out",
            format!(
                "after this change you could no longer write this record; repeat it with \
                 {confirmation} if that is what you want"
            ),
        )),
    }
}

/// 403 for a writer check that refused, or 401 when the actor is anonymous (a token would help).
#[must_use]
pub fn writer_denial(reason: WriteDenial, realm: &Realm) -> Refusal {
    match reason {
        WriteDenial::Anonymous => missing_token(realm),
        WriteDenial::NotAWriter => Refusal::new(
            StatusCode::FORBIDDEN,
            "not_a_writer",
            "this record has a writer list and you are not on it",
        ),
    }
}

/// 403 for a token whose allowed origins refuse the request's `Origin`; `None` when allowed.
#[must_use]
pub fn origin_refusal(check: OriginCheck) -> Option<Refusal> {
    let message = match check {
        OriginCheck::Allowed => return None,
        OriginCheck::Missing => {
            "this token may only be used from its allowed origins, and the request has no Origin"
        }
        OriginCheck::Invalid => "the request's Origin header is not a valid origin",
        OriginCheck::NotAllowed => "this token may not be used from this origin",
    };
    Some(Refusal::new(
        StatusCode::FORBIDDEN,
        "origin_not_allowed",
        message,
    ))
}

#[cfg(test)]
mod tests {
    use http::header::WWW_AUTHENTICATE;
    use tollgate_scope::{Operation, Role, Scope, check};
    use tollgate_token::TokenParseError;

    use super::*;

    fn realm() -> Realm {
        Realm::new("tollgate").unwrap()
    }

    fn challenge(error: &Refusal) -> Option<&str> {
        error
            .challenge
            .as_ref()
            .and_then(|value| value.to_str().ok())
    }

    #[test]
    fn credentials_map_to_401_with_the_right_challenge() {
        let missing = missing_token(&realm());
        assert_eq!(
            (missing.status, challenge(&missing)),
            (StatusCode::UNAUTHORIZED, Some("Bearer realm=\"tollgate\""))
        );
        let bad = auth_error(
            &AuthError::Malformed(TokenParseError::ChecksumMismatch),
            &realm(),
        );
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            challenge(&bad),
            Some("Bearer realm=\"tollgate\", error=\"invalid_token\"")
        );
        assert_eq!(
            auth_error(&AuthError::Unknown, &realm()).code,
            "invalid_token"
        );
    }

    /// Unknown, revoked and expired tokens read alike, so a caller cannot tell which tokens
    /// exist (regression: the messages used to say "unknown token", "token was revoked at").
    #[test]
    fn unknown_revoked_and_expired_tokens_get_one_answer() {
        let at = chrono::DateTime::UNIX_EPOCH;
        let answers: Vec<(StatusCode, &str, String)> = [
            AuthError::Unknown,
            AuthError::Inactive(tollgate_token::InactiveToken::Revoked { at }),
            AuthError::Inactive(tollgate_token::InactiveToken::Expired { at }),
        ]
        .iter()
        .map(|error| {
            let api = auth_error(error, &realm());
            (api.status, api.code, api.message)
        })
        .collect();
        for answer in &answers {
            assert_eq!(answer, &answers[0]);
        }
        assert_eq!(
            answers[0].2,
            "the token is not valid: it is unknown, revoked or expired"
        );
    }

    #[test]
    fn derive_refusals_name_their_rule() {
        use tollgate_scope::Exceeded;
        let minting = DeriveError::Denied(DeriveDenial::CannotMint(Denial::ScopeTooLow {
            operation: Operation::ManageAccount,
            required: Scope::Full,
            held: Scope::Admin,
        }));
        let api = derive_error(&minting, &realm());
        assert_eq!(
            (api.status, api.code),
            (StatusCode::FORBIDDEN, "insufficient_scope")
        );
        let cases = [
            (
                DeriveDenial::ExceedsParent(Exceeded::AllowedOrigins { pattern: None }),
                "exceeds_parent",
            ),
            (
                DeriveDenial::Invalid(InvalidLimits::PublishableNotReadOnly { scope: Scope::Edit }),
                "publishable_read_only",
            ),
            (
                DeriveDenial::Invalid(InvalidLimits::PublishableWithoutOrigins),
                "publishable_needs_origins",
            ),
            (
                DeriveDenial::Invalid(InvalidLimits::NoAllowedOrigin),
                "invalid_allowed_origin",
            ),
            (
                DeriveDenial::ScopeAboveUser {
                    requested: Scope::Full,
                    highest_usable: Some(Scope::Edit),
                    operation: Operation::ReadSensitive,
                    shortfall: tollgate_scope::RoleShortfall {
                        required: Role::Admin,
                        held: Role::Editor,
                    },
                },
                "scope_above_role",
            ),
        ];
        for (denial, code) in cases {
            let message = denial.to_string();
            let api = derive_error(&DeriveError::Denied(denial), &realm());
            assert_eq!(
                (api.status, api.code, api.message),
                (StatusCode::UNPROCESSABLE_ENTITY, code, message)
            );
        }
        let stored = derive_error(
            &DeriveError::Store(StoreError::DuplicateTokenName),
            &realm(),
        );
        assert_eq!(
            (stored.status, stored.code),
            (StatusCode::CONFLICT, "duplicate_name")
        );
        let too_deep = DeriveError::TooDeep { max: 8 };
        let api = derive_error(&too_deep, &realm());
        assert_eq!(
            (api.status, api.code, api.message),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "derivation_too_deep",
                too_deep.to_string()
            )
        );
    }

    #[test]
    fn meter_errors_are_429_with_their_wait_or_the_stores_status() {
        use chrono::TimeZone;

        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap();
        let rate = MeterError::RateLimited {
            rate: "5/min".parse().unwrap(),
            refused: Refused {
                retry_after: Duration::from_millis(11_500),
                reset: Duration::from_secs(60),
            },
        };
        let api = meter_error(&rate, at);
        assert_eq!(
            (api.status, api.code, api.retry_after),
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited", Some(12))
        );
        assert!(api.message.contains("5/min"), "{}", api.message);
        let quota = MeterError::QuotaExceeded {
            quota: "10/day".parse().unwrap(),
            status: tollgate_limit::QuotaStatus {
                used: 10,
                limit: 10,
                period_start: "2026-11-30".parse().unwrap(),
                period_end: Some("2026-12-01".parse().unwrap()),
            },
        };
        let api = meter_error(&quota, at);
        assert_eq!(
            (api.status, api.code, api.retry_after),
            (StatusCode::TOO_MANY_REQUESTS, "quota_exceeded", Some(3600))
        );
        assert!(
            api.message.contains("on 2026-12-01 at 00:00 UTC"),
            "{}",
            api.message
        );
        let down = MeterError::Store(StoreError::Unavailable("down".into()));
        let api = meter_error(&down, at);
        assert_eq!(
            (api.status, api.code, api.rate_limit),
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None)
        );
    }

    #[test]
    fn grants_refusals_are_not_granted_without_a_scope_challenge() {
        let denial: Denial<tollgate_scope::RoleShortfall> = Denial::NotGranted {
            operation: Operation::WriteData,
            access: tollgate_scope::Access::Write,
        };
        let api = scope_denial(&denial, &realm());
        assert_eq!(
            (api.status, api.code),
            (StatusCode::FORBIDDEN, "not_granted")
        );
        assert!(api.challenge.is_none());
    }

    #[test]
    fn unavailable_database_is_503_and_hides_details() {
        let error = StoreError::Unavailable("connection refused to 10.1.2.3".into());
        let api = auth_error(&AuthError::Store(error), &realm());
        assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(!api.message.contains("10.1.2.3"));
        assert!(api.challenge.is_none());
        assert_eq!(api.retry_after, Some(1));
    }

    #[test]
    fn store_errors_map_to_their_statuses() {
        let cases = [
            (StoreError::DuplicateTokenName, StatusCode::CONFLICT),
            (StoreError::DuplicateUser, StatusCode::CONFLICT),
            (StoreError::UnknownToken, StatusCode::NOT_FOUND),
            (StoreError::AlreadyRevoked, StatusCode::BAD_REQUEST),
            (StoreError::NotRevoked, StatusCode::BAD_REQUEST),
            (StoreError::RotationNotAllowed, StatusCode::FORBIDDEN),
            (
                StoreError::GraceTooLong {
                    max: Duration::from_secs(60),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (StoreError::ParentNotActive, StatusCode::CONFLICT),
            (
                StoreError::ExpiryNotInFuture,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                StoreError::Corrupt("x".into()),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (error, status) in cases {
            let refusal = store_error(&error);
            assert_eq!(refusal.status, status, "{error:?}");
            // `?` in a handler gives the same refusal.
            assert_eq!(Refusal::from(error), refusal);
        }
        let cap = derive_error(
            &DeriveError::Store(StoreError::TooManyTokens { max: 100 }),
            &realm(),
        );
        assert_eq!(
            (cap.status, cap.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "too_many_tokens")
        );
        assert!(cap.message.contains("100"), "{}", cap.message);
    }

    #[test]
    fn scope_denial_is_403_insufficient_scope() {
        let tollgate_scope::Decision::Deny(denial) =
            check(Scope::ReadOnly, &Role::Admin, Operation::WriteData)
        else {
            panic!("read-only must not write");
        };
        let api = scope_denial(&denial, &realm());
        assert_eq!(
            (api.status, api.code),
            (StatusCode::FORBIDDEN, "insufficient_scope")
        );
        let response: http::Response<String> = api.to_response();
        assert_eq!(
            response.headers()[WWW_AUTHENTICATE],
            "Bearer realm=\"tollgate\", error=\"insufficient_scope\""
        );
    }

    #[test]
    fn authorize_lets_anonymous_callers_read_only_and_tokens_as_their_limits_say() {
        use tollgate_scope::Limits;
        use tollgate_store::{TokenId, TokenRecord, UserName};

        assert_eq!(authorize(None, Operation::ReadData, None, &realm()), Ok(()));
        let anonymous = authorize(None, Operation::WriteData, None, &realm()).unwrap_err();
        assert_eq!(anonymous, missing_token(&realm()));

        let found = Authenticated {
            token: TokenRecord {
                id: TokenId(7),
                owner: UserName::new("alice").unwrap(),
                name: tollgate_token::TokenName::new("ci").unwrap(),
                limits: Limits::new(Scope::ReadOnly),
                parent_id: None,
                ancestors: Vec::new(),
                hint: "tg_...abcd".parse().unwrap(),
                created_at: chrono::DateTime::UNIX_EPOCH,
                last_used_at: None,
                revoked_at: None,
                rotated_at: None,
                previous_secret_until: None,
            },
            role: Role::Admin,
            secret: tollgate_store::SecretMatch::Current,
            hash: tollgate_token::TokenHash::from_bytes([0; 32]),
        };
        assert_eq!(
            authorize(
                Some(&found),
                Operation::ReadData,
                Some(("subjects/cpu", Access::Read)),
                &realm()
            ),
            Ok(())
        );
        let write = authorize(Some(&found), Operation::WriteData, None, &realm()).unwrap_err();
        assert_eq!(
            (write.status, write.code, challenge(&write)),
            (
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                Some("Bearer realm=\"tollgate\", error=\"insufficient_scope\"")
            )
        );
    }

    #[test]
    fn an_unconfirmed_lockout_is_409_naming_the_confirmation() {
        assert_eq!(lockout(Lockout::KeepsAccess, "?confirm=lockout"), Ok(()));
        let refused = lockout(Lockout::LocksOut, "?confirm=lockout").unwrap_err();
        assert_eq!(
            (refused.status, refused.code, refused.message.as_str()),
            (
                StatusCode::CONFLICT,
                "would_lock_out",
                "after this change you could no longer write this record; repeat it with \
                 ?confirm=lockout if that is what you want"
            )
        );
    }

    #[test]
    fn writer_and_origin_refusals() {
        assert_eq!(
            writer_denial(WriteDenial::NotAWriter, &realm()).code,
            "not_a_writer"
        );
        assert_eq!(
            writer_denial(WriteDenial::Anonymous, &realm()).status,
            StatusCode::UNAUTHORIZED
        );
        let preflight = cors_preflight_denied(CorsDenial::OriginNotAllowed);
        assert_eq!(
            (preflight.status, preflight.code, preflight.message.as_str()),
            (
                StatusCode::FORBIDDEN,
                "cors_preflight_rejected",
                "origin not allowed"
            )
        );
        assert!(preflight.challenge.is_none());
        let slow = request_timeout(Duration::from_millis(2_500));
        assert_eq!(
            (slow.status, slow.code, slow.message.as_str()),
            (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request was not received within 2.5 s"
            )
        );
        let unreadable = unreadable_body(&"connection reset");
        assert_eq!(
            (
                unreadable.status,
                unreadable.code,
                unreadable.message.as_str()
            ),
            (
                StatusCode::BAD_REQUEST,
                "bad_request_body",
                "the request body could not be read: connection reset"
            )
        );
        assert!(origin_refusal(OriginCheck::Allowed).is_none());
        for check in [
            OriginCheck::Missing,
            OriginCheck::Invalid,
            OriginCheck::NotAllowed,
        ] {
            assert_eq!(
                origin_refusal(check).map(|e| e.code),
                Some("origin_not_allowed")
            );
        }
    }

    #[test]
    fn too_many_failures_is_429_with_retry_after_and_no_challenge() {
        let api = too_many_failures(Refused {
            retry_after: core::time::Duration::from_millis(2_500),
            reset: core::time::Duration::from_secs(60),
        });
        assert_eq!(
            (api.status, api.code, api.retry_after),
            (StatusCode::TOO_MANY_REQUESTS, "too_many_failures", Some(3))
        );
        assert!(api.challenge.is_none());
        assert!(api.message.contains("wait"), "{}", api.message);
    }

    #[test]
    fn realm_is_validated() {
        for bad in ["", "a\"b", "a\\b", "é", "line\nbreak"] {
            assert_eq!(Realm::new(bad), Err(crate::RealmError), "{bad:?}");
        }
    }
}
