//! The behaviour every backend must show. Each case gets an empty storage.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use tollgate_scope::{Role, Scope};
use tollgate_store::{
    AuthError, CreatedToken, Storage, StoreError, TokenId, TokenRequest, TokenService, UserName,
};
use tollgate_token::{InactiveToken, TokenFormat, TokenName, TokenParseError};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

fn service<S: Storage>(storage: S) -> TokenService<S> {
    TokenService::new(storage, TokenFormat::new("tg").unwrap())
}

fn user(name: &str) -> UserName {
    UserName::new(name).unwrap()
}

fn request(owner: &str, name: &str) -> TokenRequest {
    TokenRequest {
        owner: user(owner),
        name: TokenName::new(name).unwrap(),
        scope: Scope::Edit,
        expires_at: None,
        allowed_origins: Vec::new(),
    }
}

/// A service with users `alice` (editor) and `bob` (reader).
async fn with_users<S: Storage>(storage: S) -> TokenService<S> {
    let service = service(storage);
    service
        .create_user(user("alice"), Role::Editor, t0())
        .await
        .unwrap();
    service
        .create_user(user("bob"), Role::Reader, t0())
        .await
        .unwrap();
    service
}

async fn create<S: Storage>(service: &TokenService<S>, owner: &str, name: &str) -> CreatedToken {
    service
        .create_token(&request(owner, name), t0())
        .await
        .unwrap()
}

fn bearer(created: &CreatedToken) -> String {
    format!("Bearer {}", created.secret.expose_secret())
}

pub(crate) async fn users_are_unique_ignoring_case<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let duplicate = service.create_user(user("ALICE"), Role::Admin, t0()).await;
    assert!(
        matches!(duplicate, Err(StoreError::DuplicateUser)),
        "{duplicate:?}"
    );
    let found = service.user(&user("Alice")).await.unwrap().unwrap();
    assert_eq!((found.name.as_str(), found.role), ("alice", Role::Editor));
    let names: Vec<_> = service
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name.to_string())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(service.user(&user("carol")).await.unwrap(), None);
}

pub(crate) async fn unknown_owner_is_refused<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let result = service.create_token(&request("carol", "ci"), t0()).await;
    assert!(matches!(result, Err(StoreError::UnknownUser)), "{result:?}");
}

pub(crate) async fn created_token_authenticates_and_lists_without_secret<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let created = create(&service, "alice", "ci").await;
    assert_eq!(created.record.owner.as_str(), "alice");
    assert_eq!(created.record.hint, created.secret.hint());
    assert_eq!(created.record.last_used_at, None);

    let found = service
        .authenticate_header(bearer(&created).as_bytes(), t0())
        .await
        .unwrap();
    assert_eq!(found.token.id, created.record.id);
    assert_eq!(found.token.scope, Scope::Edit);
    assert_eq!(found.role, Role::Editor);
    assert_eq!(found.token.last_used_at, Some(t0()));

    let listed = service.list_tokens(&user("ALICE")).await.unwrap();
    assert_eq!(listed.len(), 1);
    let shown = format!("{listed:?}");
    assert!(!shown.contains(created.secret.expose_secret()));
    assert!(!shown.contains(&created.secret.hash().to_string()));
    assert!(service.list_tokens(&user("bob")).await.unwrap().is_empty());
}

pub(crate) async fn token_names_are_unique_per_owner_ignoring_case<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    create(&service, "alice", "Deploy").await;
    let duplicate = service
        .create_token(&request("alice", "dEPLOY"), t0())
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::DuplicateTokenName)),
        "{duplicate:?}"
    );
    // Another owner may use the same name.
    create(&service, "bob", "deploy").await;
}

pub(crate) async fn concurrent_creates_of_one_name_give_exactly_one_success<
    S: Storage + 'static,
>(
    storage: S,
) {
    let service = Arc::new(with_users(storage).await);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let service = Arc::clone(&service);
            let name = if i % 2 == 0 { "race" } else { "RACE" };
            tokio::spawn(async move { service.create_token(&request("alice", name), t0()).await })
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => successes += 1,
            Err(StoreError::DuplicateTokenName) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(successes, 1);
    assert_eq!(service.list_tokens(&user("alice")).await.unwrap().len(), 1);
}

pub(crate) async fn malformed_and_unknown_tokens_are_refused<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let created = create(&service, "alice", "ci").await;
    let mut typo = created.secret.expose_secret().to_owned();
    let last = typo.pop().unwrap();
    typo.push(if last == 'a' { 'b' } else { 'a' });
    let result = service.authenticate(&typo, t0()).await;
    assert!(
        matches!(
            result,
            Err(AuthError::Malformed(TokenParseError::ChecksumMismatch))
        ),
        "{result:?}"
    );

    // Well formed, but never stored: minted by the same format without saving.
    let stranger = service.format().mint().unwrap();
    let result = service
        .authenticate(stranger.secret.expose_secret(), t0())
        .await;
    assert!(matches!(result, Err(AuthError::Unknown)), "{result:?}");

    let result = service.authenticate_header(b"Basic abc", t0()).await;
    assert!(matches!(result, Err(AuthError::Header(_))), "{result:?}");
    let result = service.authenticate("", t0()).await;
    assert!(
        matches!(result, Err(AuthError::Malformed(TokenParseError::Empty))),
        "{result:?}"
    );
}

pub(crate) async fn expiry_is_enforced_at_the_boundary<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let expires = t0() + TimeDelta::hours(1);
    let created = service
        .create_token(
            &TokenRequest {
                expires_at: Some(expires),
                ..request("alice", "short")
            },
            t0(),
        )
        .await
        .unwrap();
    let token = created.secret.expose_secret();
    assert!(
        service
            .authenticate(token, expires - TimeDelta::seconds(1))
            .await
            .is_ok()
    );
    let result = service.authenticate(token, expires).await;
    assert!(
        matches!(result, Err(AuthError::Inactive(InactiveToken::Expired { at })) if at == expires),
        "{result:?}"
    );
}

pub(crate) async fn expiry_must_be_in_the_future<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    for expires_at in [t0(), t0() - TimeDelta::days(1)] {
        let result = service
            .create_token(
                &TokenRequest {
                    expires_at: Some(expires_at),
                    ..request("alice", "past")
                },
                t0(),
            )
            .await;
        assert!(
            matches!(result, Err(StoreError::ExpiryNotInFuture)),
            "{result:?}"
        );
    }
}

pub(crate) async fn revoke_and_restore_have_distinct_errors<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let created = create(&service, "alice", "ci").await;
    let (id, token) = (created.record.id, created.secret.expose_secret());

    let result = service.restore(id).await;
    assert!(matches!(result, Err(StoreError::NotRevoked)), "{result:?}");
    service.revoke(id, t0()).await.unwrap();
    let result = service.authenticate(token, t0()).await;
    assert!(
        matches!(
            result,
            Err(AuthError::Inactive(InactiveToken::Revoked { .. }))
        ),
        "{result:?}"
    );
    let result = service.revoke(id, t0()).await;
    assert!(
        matches!(result, Err(StoreError::AlreadyRevoked)),
        "{result:?}"
    );
    assert_eq!(
        service.token(id).await.unwrap().unwrap().revoked_at,
        Some(t0())
    );

    service.restore(id).await.unwrap();
    assert!(service.authenticate(token, t0()).await.is_ok());

    let unknown = TokenId(id.0 + 1000);
    assert!(matches!(
        service.revoke(unknown, t0()).await,
        Err(StoreError::UnknownToken)
    ));
    assert!(matches!(
        service.restore(unknown).await,
        Err(StoreError::UnknownToken)
    ));
}

pub(crate) async fn deletion_is_effective_at_once_and_owner_only<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let created = create(&service, "alice", "ci").await;
    let token = created.secret.expose_secret();
    assert!(service.authenticate(token, t0()).await.is_ok());

    let result = service.delete_token(created.record.id, &user("bob")).await;
    assert!(
        matches!(result, Err(StoreError::UnknownToken)),
        "{result:?}"
    );
    assert!(service.authenticate(token, t0()).await.is_ok());

    service
        .delete_token(created.record.id, &user("alice"))
        .await
        .unwrap();
    let result = service.authenticate(token, t0()).await;
    assert!(matches!(result, Err(AuthError::Unknown)), "{result:?}");
    assert_eq!(service.token(created.record.id).await.unwrap(), None);
    // The name is free again.
    create(&service, "alice", "ci").await;
}

pub(crate) async fn last_use_is_coalesced_on_elapsed_time<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let created = create(&service, "alice", "ci").await;
    let (id, token) = (created.record.id, created.secret.expose_secret());
    service.authenticate(token, t0()).await.unwrap();
    assert_eq!(
        (service.last_use_writes(), stored(&service, id).await),
        (1, Some(t0()))
    );

    // Within the interval: remembered, not written.
    service
        .authenticate(token, t0() + TimeDelta::seconds(59))
        .await
        .unwrap();
    assert_eq!(
        (service.last_use_writes(), stored(&service, id).await),
        (1, Some(t0()))
    );

    // Exactly one interval after the stored use: written, on total elapsed time.
    let later = t0() + TimeDelta::seconds(60);
    service.authenticate(token, later).await.unwrap();
    assert_eq!(
        (service.last_use_writes(), stored(&service, id).await),
        (2, Some(later))
    );
}

async fn stored<S: Storage>(service: &TokenService<S>, id: TokenId) -> Option<DateTime<Utc>> {
    service.token(id).await.unwrap().unwrap().last_used_at
}

pub(crate) async fn flush_writes_remembered_uses<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let created = create(&service, "alice", "ci").await;
    let (id, token) = (created.record.id, created.secret.expose_secret());
    service.authenticate(token, t0()).await.unwrap();
    let last = t0() + TimeDelta::seconds(30);
    service
        .authenticate(token, t0() + TimeDelta::seconds(10))
        .await
        .unwrap();
    service.authenticate(token, last).await.unwrap();
    assert_eq!(
        service.token(id).await.unwrap().unwrap().last_used_at,
        Some(t0())
    );

    assert_eq!(service.flush_last_use().await.unwrap(), 1);
    assert_eq!(
        service.token(id).await.unwrap().unwrap().last_used_at,
        Some(last)
    );
    // Nothing left to write.
    assert_eq!(service.flush_last_use().await.unwrap(), 0);
}

pub(crate) async fn concurrent_authentications_write_last_use_once<S: Storage + 'static>(
    storage: S,
) {
    let service = Arc::new(with_users(storage).await);
    let created = create(&service, "alice", "ci").await;
    let token: Arc<str> = created.secret.expose_secret().into();
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let (service, token) = (Arc::clone(&service), Arc::clone(&token));
            let now = t0() + TimeDelta::milliseconds(i);
            tokio::spawn(async move { service.authenticate(&token, now).await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(service.last_use_writes(), 1);
}

pub(crate) async fn purge_removes_tokens_unused_since_cutoff<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let never_used = create(&service, "alice", "never").await;
    let used_early = create(&service, "alice", "early").await;
    let used_late = create(&service, "bob", "late").await;
    service
        .authenticate(used_early.secret.expose_secret(), t0() + TimeDelta::days(1))
        .await
        .unwrap();
    service
        .authenticate(used_late.secret.expose_secret(), t0() + TimeDelta::days(10))
        .await
        .unwrap();

    let purged = service
        .purge_unused_since(t0() + TimeDelta::days(5))
        .await
        .unwrap();
    assert_eq!(purged, 2);
    assert_eq!(service.token(never_used.record.id).await.unwrap(), None);
    assert_eq!(service.token(used_early.record.id).await.unwrap(), None);
    assert!(service.token(used_late.record.id).await.unwrap().is_some());
}

pub(crate) async fn allowed_origins_round_trip_and_are_checked<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let origins = vec![
        "https://app.example.com".to_owned(),
        "https://*.example.org".to_owned(),
    ];
    let created = service
        .create_token(
            &TokenRequest {
                allowed_origins: origins.clone(),
                ..request("alice", "web")
            },
            t0(),
        )
        .await
        .unwrap();
    let found = service
        .authenticate(created.secret.expose_secret(), t0())
        .await
        .unwrap();
    assert_eq!(found.token.allowed_origins, origins);

    for (bad, index) in [
        (vec!["".to_owned()], 0),
        (vec!["https://a".to_owned(), "a\nb".to_owned()], 1),
    ] {
        let result = service
            .create_token(
                &TokenRequest {
                    allowed_origins: bad,
                    ..request("alice", "bad")
                },
                t0(),
            )
            .await;
        assert!(
            matches!(result, Err(StoreError::InvalidAllowedOrigin { index: i }) if i == index),
            "{result:?}"
        );
    }
}

pub(crate) async fn get_by_id_and_list_order<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let first = create(&service, "alice", "first").await;
    let second = create(&service, "alice", "second").await;
    let got = service.token(second.record.id).await.unwrap().unwrap();
    assert_eq!(got, second.record);
    let names: Vec<_> = service
        .list_tokens(&user("alice"))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(names, ["first", "second"]);
    assert!(first.record.id < second.record.id);
}

/// Two tokens with one digest cannot be stored (a storage-level guard: minted tokens never
/// collide); the first stays whole.
pub(crate) async fn a_repeated_digest_is_refused<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let first = create(&service, "alice", "ci").await;
    let again = request("alice", "other");
    let repeated = service
        .storage()
        .insert_token(tollgate_store::NewToken {
            request: &again,
            hash: tollgate_token::TokenHash::of(first.secret.expose_secret()),
            hint: "tg_...xxxx".parse().unwrap(),
            created_at: t0(),
        })
        .await;
    assert!(
        matches!(repeated, Err(StoreError::DuplicateTokenName)),
        "{repeated:?}"
    );
    let stored = service.token(first.record.id).await.unwrap().unwrap();
    assert_eq!(stored.name.as_str(), "ci");
    service
        .authenticate(first.secret.expose_secret(), t0())
        .await
        .unwrap();
}
