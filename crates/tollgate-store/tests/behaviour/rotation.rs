//! Rotation: a token given a new secret keeps its record; the secret it replaces works for the
//! grace period asked for and then fails; a token has at most two secrets; and only the token
//! itself, or a token it was made from, may rotate it, with its current secret. And leaks: a
//! secret reported as leaked revokes its token while it works, and is told apart from a
//! string that is no secret of the service's.

use core::time::Duration;

use chrono::TimeDelta;
use tollgate_scope::{Limits, LimitsRequest, Scope};
use tollgate_store::{
    AuthError, Authenticated, DeriveError, MAX_ROTATION_GRACE, Reported, SecretMatch, Storage,
    StoreError, TokenRequest, TokenService,
};
use tollgate_token::{InactiveToken, TokenFormat, TokenName};

use crate::cases::{create, t0, tokens_of, user, with_users};

const MINUTE: Duration = Duration::from_secs(60);

/// alice's full-scope token `ci` (which may make tokens), as a request presenting it at `t0`
/// finds it, and its secret.
async fn alices_token<S: Storage>(service: &TokenService<S>) -> (Authenticated, String) {
    let name = TokenName::new("ci").unwrap();
    let request = TokenRequest::new(user("alice"), name, Limits::new(Scope::Full));
    let created = service.create_token(&request, t0()).await.unwrap();
    let secret = created.secret.expose_secret().to_owned();
    (authenticated(service, &secret, 0).await.unwrap(), secret)
}

/// `secret` presented `seconds` after `t0`.
async fn authenticated<S: Storage>(
    service: &TokenService<S>,
    secret: &str,
    seconds: i64,
) -> Result<Authenticated, AuthError> {
    let at = t0() + TimeDelta::seconds(seconds);
    service.authenticate(secret, at).await
}

pub(crate) async fn a_rotated_token_keeps_its_record_and_only_the_new_secret_works<S: Storage>(
    storage: S,
) {
    let service = with_users(storage).await;
    let (ci, old) = alices_token(&service).await;
    let rotated = service
        .rotate_token(&ci, ci.token.id, Duration::ZERO, t0())
        .await
        .unwrap();
    let new = rotated.secret.expose_secret().to_owned();
    assert_ne!(new, old);
    assert_eq!(
        (
            rotated.record.id,
            &rotated.record.name,
            &rotated.record.limits
        ),
        (ci.token.id, &ci.token.name, &ci.token.limits)
    );
    assert_eq!(rotated.record.rotated_at, Some(t0()));
    assert_eq!(rotated.record.previous_secret_until, None);
    assert_eq!(rotated.record.hint, rotated.secret.hint());
    let found = authenticated(&service, &new, 1).await.unwrap();
    assert_eq!(
        (found.token.id, found.secret),
        (ci.token.id, SecretMatch::Current)
    );
    assert!(matches!(
        authenticated(&service, &old, 1).await,
        Err(AuthError::Unknown)
    ));
    let listed = tokens_of(&service, "alice").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].hint, rotated.secret.hint());
    assert_eq!(listed[0].rotated_at, Some(t0()));
}

pub(crate) async fn the_replaced_secret_works_until_its_grace_period_ends<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let (ci, old) = alices_token(&service).await;
    let rotated = service
        .rotate_token(&ci, ci.token.id, MINUTE, t0())
        .await
        .unwrap();
    let end = t0() + TimeDelta::seconds(60);
    assert_eq!(rotated.record.previous_secret_until, Some(end));
    let during = authenticated(&service, &old, 59).await.unwrap();
    assert_eq!(during.secret, SecretMatch::Previous);
    // The replaced secret is a credential that ends with the grace period.
    assert_eq!(during.token.limits.expires_at, Some(end));
    assert!(matches!(
        authenticated(&service, &old, 60).await,
        Err(AuthError::Inactive(InactiveToken::Expired { at })) if at == end
    ));
    let new = rotated.secret.expose_secret();
    assert!(authenticated(&service, new, 3600).await.is_ok());
}

pub(crate) async fn rotating_again_ends_the_grace_period_at_once<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let (ci, first) = alices_token(&service).await;
    let hour = 60 * MINUTE;
    let second = service
        .rotate_token(&ci, ci.token.id, hour, t0())
        .await
        .unwrap();
    let second = second.secret.expose_secret().to_owned();
    // Seen (and, in a cache, kept) before the next rotation.
    assert!(authenticated(&service, &first, 1).await.is_ok());
    let presenting = authenticated(&service, &second, 2).await.unwrap();
    // A credential read before the rotation (as a cache may keep it) still says its secret is
    // the current one: the store refuses it all the same (regression: it rotated, and made
    // tokens without the grace period's end).
    let stale = ci.clone();
    assert_eq!(stale.secret, SecretMatch::Current);
    assert!(matches!(
        service.rotate_token(&stale, ci.token.id, hour, t0()).await,
        Err(StoreError::RotationNotAllowed)
    ));
    let name = TokenName::new("stale").unwrap();
    let made = service
        .derive_token(&stale, name, LimitsRequest::new(Scope::ReadOnly), t0())
        .await;
    assert!(
        matches!(made, Err(DeriveError::Store(StoreError::ParentNotActive))),
        "{made:?}"
    );
    let third = service
        .rotate_token(&presenting, ci.token.id, hour, t0() + TimeDelta::seconds(2))
        .await
        .unwrap();
    assert!(matches!(
        authenticated(&service, &first, 3).await,
        Err(AuthError::Unknown)
    ));
    let found = authenticated(&service, &second, 3).await.unwrap();
    assert_eq!(found.secret, SecretMatch::Previous);
    let third = third.secret.expose_secret();
    assert_eq!(
        authenticated(&service, third, 3).await.unwrap().secret,
        SecretMatch::Current
    );
}

pub(crate) async fn only_the_token_and_the_tokens_it_was_made_from_may_rotate_it<S: Storage>(
    storage: S,
) {
    let service = with_users(storage).await;
    let (ci, old) = alices_token(&service).await;
    let name = |text| TokenName::new(text).unwrap();
    let child = service
        .derive_token(&ci, name("child"), LimitsRequest::new(Scope::Edit), t0())
        .await
        .unwrap();
    let child = authenticated(&service, child.secret.expose_secret(), 0)
        .await
        .unwrap();
    let other = create(&service, "alice", "other").await;
    let bobs = create(&service, "bob", "bobs").await;
    let rotate = |caller: &Authenticated, id, grace| {
        let (service, caller) = (&service, caller.clone());
        async move { service.rotate_token(&caller, id, grace, t0()).await }
    };

    // Not the token it was made from, nor a token of its owner's made outside it, nor
    // someone else's (which it is not told exists).
    for (id, refused) in [
        (ci.token.id, "RotationNotAllowed"),
        (other.record.id, "RotationNotAllowed"),
        (bobs.record.id, "UnknownToken"),
    ] {
        let error = rotate(&child, id, Duration::ZERO).await.unwrap_err();
        assert_eq!(format!("{error:?}"), refused, "{id:?}");
    }
    // The tokens made from it, yes.
    assert!(rotate(&ci, child.token.id, Duration::ZERO).await.is_ok());

    let too_long = MAX_ROTATION_GRACE + Duration::from_secs(1);
    assert!(matches!(
        rotate(&ci, ci.token.id, too_long).await,
        Err(StoreError::GraceTooLong { max }) if max == MAX_ROTATION_GRACE
    ));
    // Nor a token that may not manage the account, such as a read-only one made from it.
    let reader = service
        .derive_token(
            &ci,
            name("reader"),
            LimitsRequest::new(Scope::ReadOnly),
            t0(),
        )
        .await
        .unwrap();
    let reader = authenticated(&service, reader.secret.expose_secret(), 0)
        .await
        .unwrap();
    assert!(matches!(
        rotate(&reader, reader.token.id, Duration::ZERO).await,
        Err(StoreError::RotationNotAllowed)
    ));
    // With the secret a rotation replaced, nothing: it must not make a secret that outlives it.
    assert!(rotate(&ci, ci.token.id, MINUTE).await.is_ok());
    let previous = authenticated(&service, &old, 1).await.unwrap();
    assert!(matches!(
        rotate(&previous, ci.token.id, Duration::ZERO).await,
        Err(StoreError::RotationNotAllowed)
    ));
}

pub(crate) async fn a_restored_token_takes_back_its_current_secret_only<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let (ci, old) = alices_token(&service).await;
    let rotated = service
        .rotate_token(&ci, ci.token.id, 60 * MINUTE, t0())
        .await
        .unwrap();
    service.revoke(ci.token.id, t0()).await.unwrap();
    service.restore(ci.token.id).await.unwrap();
    let listed = tokens_of(&service, "alice").await;
    assert_eq!(listed[0].previous_secret_until, None);
    assert!(matches!(
        authenticated(&service, &old, 1).await,
        Err(AuthError::Unknown)
    ));
    let new = rotated.secret.expose_secret();
    assert!(authenticated(&service, new, 1).await.is_ok());
}

pub(crate) async fn a_revoked_token_is_not_rotated<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let (ci, _) = alices_token(&service).await;
    let name = TokenName::new("child").unwrap();
    let child = service
        .derive_token(&ci, name, LimitsRequest::new(Scope::Edit), t0())
        .await
        .unwrap();
    service.revoke(child.record.id, t0()).await.unwrap();
    assert!(matches!(
        service
            .rotate_token(&ci, child.record.id, Duration::ZERO, t0())
            .await,
        Err(StoreError::AlreadyRevoked)
    ));
    // The revoked token's secret is unchanged.
    assert!(matches!(
        authenticated(&service, child.secret.expose_secret(), 0).await,
        Err(AuthError::Inactive(InactiveToken::Revoked { .. }))
    ));
}

pub(crate) async fn a_token_made_with_a_replaced_secret_expires_with_its_grace_period<
    S: Storage,
>(
    storage: S,
) {
    let service = with_users(storage).await;
    let (ci, old) = alices_token(&service).await;
    service
        .rotate_token(&ci, ci.token.id, MINUTE, t0())
        .await
        .unwrap();
    let previous = authenticated(&service, &old, 1).await.unwrap();
    let name = TokenName::new("late").unwrap();
    let made = service
        .derive_token(
            &previous,
            name,
            LimitsRequest::new(Scope::ReadOnly),
            t0() + TimeDelta::seconds(1),
        )
        .await
        .unwrap();
    assert_eq!(
        made.record.limits.expires_at,
        Some(t0() + TimeDelta::seconds(60))
    );
}

pub(crate) async fn a_reported_secret_revokes_its_token_while_it_works<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let (ci, old) = alices_token(&service).await;
    let name = TokenName::new("child").unwrap();
    let child = service
        .derive_token(&ci, name, LimitsRequest::new(Scope::Edit), t0())
        .await
        .unwrap();
    let rotated = service
        .rotate_token(&ci, ci.token.id, MINUTE, t0())
        .await
        .unwrap();
    let report = |secret: String, seconds: i64| {
        let service = &service;
        async move {
            let at = t0() + TimeDelta::seconds(seconds);
            service.revoke_reported(&secret, at).await.unwrap()
        }
    };
    // An old secret past its grace period no longer works: reported, it revokes nothing.
    let (other, other_old) = {
        let name = TokenName::new("other").unwrap();
        let request = TokenRequest::new(user("alice"), name, Limits::new(Scope::Full));
        let created = service.create_token(&request, t0()).await.unwrap();
        let secret = created.secret.expose_secret().to_owned();
        (authenticated(&service, &secret, 0).await.unwrap(), secret)
    };
    service
        .rotate_token(&other, other.token.id, MINUTE, t0())
        .await
        .unwrap();
    assert_eq!(
        report(other_old, 61).await,
        Reported::Inactive(other.token.id)
    );
    let listed = tokens_of(&service, "alice").await;
    let other_now = listed
        .iter()
        .find(|token| token.id == other.token.id)
        .unwrap();
    assert_eq!(other_now.revoked_at, None);
    // Strings that are no secret of the service's, well formed or not.
    let unknown = TokenFormat::new("tg").unwrap().mint().unwrap();
    for text in [
        unknown.secret.expose_secret().to_owned(),
        "tg_short".to_owned(),
        format!("{}x", rotated.secret.expose_secret()),
        String::new(),
    ] {
        assert_eq!(report(text, 1).await, Reported::NotOurs);
    }
    // The old secret, in its grace period, works: reporting it revokes the token, and with it
    // the token made from it.
    assert_eq!(report(old.clone(), 1).await, Reported::Revoked(ci.token.id));
    assert!(matches!(
        authenticated(&service, rotated.secret.expose_secret(), 2).await,
        Err(AuthError::Inactive(InactiveToken::Revoked { .. }))
    ));
    assert!(
        authenticated(&service, child.secret.expose_secret(), 2)
            .await
            .is_err()
    );
    let new = rotated.secret.expose_secret().to_owned();
    assert_eq!(report(new, 2).await, Reported::Inactive(ci.token.id));
    // A revoked token keeps no replaced secret: the old one is no secret of the service's now.
    assert_eq!(report(old, 2).await, Reported::NotOurs);
}
