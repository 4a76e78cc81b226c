//! The behaviour every backend must show. Each case gets an empty storage.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use tollgate_cors::{AllowedOrigins, OriginPattern};
use tollgate_scope::{
    Access, DeriveDenial, Exceeded, Grants, InvalidLimits, Limits, LimitsRequest, ResourceName,
    Role, Scope, TokenKind,
};
use tollgate_store::{
    AuthError, Authenticated, CreatedToken, DEFAULT_LAST_USE_INTERVAL, DeriveError, MemoryStorage,
    NewToken, PageSize, Storage, StoreError, TokenId, TokenRecord, TokenRequest, TokenService,
    User, UserName,
};
use tollgate_token::{InactiveToken, TokenFormat, TokenName, TokenParseError};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

pub(crate) fn service<S: Storage>(storage: S) -> TokenService<S> {
    TokenService::new(storage, TokenFormat::new("tg").unwrap())
        .with_publishable_format(TokenFormat::new("tgp").unwrap())
        .unwrap()
}

pub(crate) fn user(name: &str) -> UserName {
    UserName::new(name).unwrap()
}

pub(crate) fn request(owner: &str, name: &str) -> TokenRequest {
    TokenRequest::new(
        user(owner),
        TokenName::new(name).unwrap(),
        Limits::new(Scope::Edit),
    )
}

/// A service with users `alice` (editor) and `bob` (reader).
pub(crate) async fn with_users<S: Storage>(storage: S) -> TokenService<S> {
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

/// A request for a token of alice's named `name` with these limits.
fn with_limits(name: &str, limits: Limits) -> TokenRequest {
    TokenRequest {
        limits,
        ..request("alice", name)
    }
}

pub(crate) async fn create<S: Storage>(
    service: &TokenService<S>,
    owner: &str,
    name: &str,
) -> CreatedToken {
    service
        .create_token(&request(owner, name), t0())
        .await
        .unwrap()
}

/// Creates the token `request` describes and authenticates it, as a request presenting it would.
async fn created_and_presented<S: Storage>(
    service: &TokenService<S>,
    request: &TokenRequest,
) -> Authenticated {
    let created = service.create_token(request, t0()).await.unwrap();
    service
        .authenticate(created.secret.expose_secret(), t0())
        .await
        .unwrap()
}

/// A row for `request` whose digest repeats `token`'s: what no minted token can be.
fn with_digest_of<'r>(token: &CreatedToken, request: &'r TokenRequest) -> NewToken<'r> {
    NewToken {
        request,
        parent: None,
        ancestors: Vec::new(),
        hash: tollgate_token::TokenHash::of(token.secret.expose_secret()),
        hint: "tg_...xxxx".parse().unwrap(),
        created_at: t0(),
        max_live_tokens: tollgate_store::DEFAULT_MAX_LIVE_TOKENS,
    }
}

/// A token just created, authenticated with its secret.
async fn presented<S: Storage>(service: &TokenService<S>, created: &CreatedToken) -> Authenticated {
    service
        .authenticate(created.secret.expose_secret(), t0())
        .await
        .unwrap()
}

/// The owner's tokens: one page of the largest size, which must hold them all.
pub(crate) async fn tokens_of<S: Storage>(
    service: &TokenService<S>,
    owner: &str,
) -> Vec<TokenRecord> {
    let page = service
        .list_tokens(&user(owner), None, PageSize::MAX)
        .await
        .unwrap();
    assert!(!page.more, "{owner} has more than one page of tokens");
    page.items
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
        .users(None, PageSize::MAX)
        .await
        .unwrap()
        .items
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
    assert_eq!(found.token.limits.scope, Scope::Edit);
    assert_eq!(found.role, Role::Editor);
    assert_eq!(found.token.last_used_at, Some(t0()));

    let listed = tokens_of(&service, "ALICE").await;
    assert_eq!(listed.len(), 1);
    let shown = format!("{listed:?}");
    assert!(!shown.contains(created.secret.expose_secret()));
    assert!(!shown.contains(&created.secret.hash().to_string()));
    assert!(tokens_of(&service, "bob").await.is_empty());
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
    assert_eq!(tokens_of(&service, "alice").await.len(), 1);
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
    let stranger = service.format(TokenKind::Secret).unwrap().mint().unwrap();
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
            &with_limits(
                "short",
                Limits {
                    expires_at: Some(expires),
                    ..Limits::new(Scope::Edit)
                },
            ),
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
                &with_limits(
                    "past",
                    Limits {
                        expires_at: Some(expires_at),
                        ..Limits::new(Scope::Edit)
                    },
                ),
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

    let result = service
        .delete_token(created.record.id, &user("bob"), t0())
        .await;
    assert!(
        matches!(result, Err(StoreError::UnknownToken)),
        "{result:?}"
    );
    assert!(service.authenticate(token, t0()).await.is_ok());

    service
        .delete_token(created.record.id, &user("alice"), t0())
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

/// A service given another interval writes on that one, not on the default, and says so.
pub(crate) async fn last_use_follows_the_configured_interval<S: Storage>(storage: S) {
    let interval = TimeDelta::seconds(10);
    let service = with_users(storage).await;
    assert_eq!(service.last_use_interval(), DEFAULT_LAST_USE_INTERVAL);
    let service = service.with_last_use_interval(interval);
    assert_eq!(service.last_use_interval(), interval);
    let created = create(&service, "alice", "ci").await;
    let (id, token) = (created.record.id, created.secret.expose_secret());
    service.authenticate(token, t0()).await.unwrap();
    service
        .authenticate(token, t0() + TimeDelta::seconds(5))
        .await
        .unwrap();
    assert_eq!(
        (service.last_use_writes(), stored(&service, id).await),
        (1, Some(t0()))
    );
    // One configured interval later, well within the default one: written.
    let later = t0() + interval;
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

fn origins(patterns: &[&str]) -> AllowedOrigins {
    AllowedOrigins::from_patterns(
        patterns
            .iter()
            .map(|text| OriginPattern::parse(text).unwrap()),
    )
}

fn resource(name: &str) -> ResourceName {
    ResourceName::new(name).unwrap()
}

/// Every limit survives the round trip through the backend, and an empty origin list (which
/// would read back as "any origin") is refused.
pub(crate) async fn limits_round_trip<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let bounded = Limits {
        kind: TokenKind::Publishable,
        scope: Scope::ReadOnly,
        expires_at: Some(t0() + TimeDelta::days(1)),
        allowed_origins: Some(origins(&[
            "https://app.example.com",
            "https://*.example.org",
        ])),
        grants: Some(
            Grants::new()
                .with(resource("aspects/cpu"), Access::Read)
                .with(resource("aspects/cpu"), Access::Delete),
        ),
        rate_limit: Some("100/min".parse().unwrap()),
        quota: Some("10000/month".parse().unwrap()),
        signing_key: Some(tollgate_scope::SignatureKey::Ed25519([7; 32])),
    };
    let nothing_granted = Limits {
        grants: Some(Grants::new()),
        ..Limits::new(Scope::Edit)
    };
    for (name, limits) in [
        ("web", bounded),
        ("none", nothing_granted),
        ("open", Limits::new(Scope::Full)),
    ] {
        let created = service
            .create_token(&with_limits(name, limits.clone()), t0())
            .await
            .unwrap();
        assert_eq!(created.record.limits, limits);
        assert_eq!(created.record.parent_id, None);
        let found = service
            .authenticate(created.secret.expose_secret(), t0())
            .await
            .unwrap();
        assert_eq!(found.token.limits, limits, "{name}");
        assert_eq!(
            service
                .token(created.record.id)
                .await
                .unwrap()
                .unwrap()
                .limits,
            limits
        );
    }
    let bound_nowhere = Limits {
        allowed_origins: Some(AllowedOrigins::none()),
        ..Limits::new(Scope::Edit)
    };
    let result = service
        .create_token(&with_limits("nowhere", bound_nowhere), t0())
        .await;
    assert!(
        matches!(
            result,
            Err(StoreError::InvalidLimits(InvalidLimits::NoAllowedOrigin))
        ),
        "{result:?}"
    );
}

/// Publishable tokens carry their own prefix and authenticate as publishable; a service
/// without a publishable format neither issues nor accepts them.
pub(crate) async fn each_kind_has_its_own_prefix<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let publishable = Limits {
        kind: TokenKind::Publishable,
        allowed_origins: Some(origins(&["https://shop.example.com"])),
        ..Limits::new(Scope::ReadOnly)
    };
    let created = service
        .create_token(&with_limits("page", publishable), t0())
        .await
        .unwrap();
    let secret = created.secret.expose_secret();
    assert!(secret.starts_with("tgp_"), "{secret}");
    let found = service.authenticate(secret, t0()).await.unwrap();
    assert_eq!(found.token.limits.kind, TokenKind::Publishable);
    let plain = create(&service, "alice", "plain").await;
    assert!(plain.secret.expose_secret().starts_with("tg_"));

    // Parsing and the kind check come before any storage: a fresh one will do.
    let secret_only = TokenService::new(MemoryStorage::new(), TokenFormat::new("tg").unwrap());
    secret_only
        .create_user(user("alice"), Role::Editor, t0())
        .await
        .unwrap();
    let result = secret_only.authenticate(secret, t0()).await;
    assert!(
        matches!(
            result,
            Err(AuthError::Malformed(TokenParseError::WrongPrefix))
        ),
        "{result:?}"
    );
    let result = secret_only
        .create_token(
            &with_limits(
                "again",
                Limits {
                    kind: TokenKind::Publishable,
                    ..found.token.limits
                },
            ),
            t0(),
        )
        .await;
    assert!(
        matches!(
            result,
            Err(StoreError::KindNotEnabled(TokenKind::Publishable))
        ),
        "{result:?}"
    );
    let same = TokenService::new(MemoryStorage::new(), TokenFormat::new("tg").unwrap())
        .with_publishable_format(TokenFormat::new("tg").unwrap());
    assert!(matches!(same, Err(StoreError::SamePrefix)));
}

/// A token made by a token records its parent, inherits omitted limits, and is refused when it
/// would exceed the parent.
pub(crate) async fn derived_tokens_stay_within_their_parent<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let expires = t0() + TimeDelta::hours(1);
    let parent = created_and_presented(
        &service,
        &with_limits(
            "parent",
            Limits {
                expires_at: Some(expires),
                allowed_origins: Some(origins(&["https://app.example.com"])),
                ..Limits::new(Scope::Full)
            },
        ),
    )
    .await;
    let name = |text: &str| TokenName::new(text).unwrap();
    let child = service
        .derive_token(
            &parent,
            name("child"),
            LimitsRequest::new(Scope::Edit),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(child.record.parent_id, Some(parent.token.id));
    assert_eq!(child.record.owner, parent.token.owner);
    assert_eq!(
        child.record.limits,
        Limits {
            scope: Scope::Edit,
            ..parent.token.limits.clone()
        }
    );
    let listed = service.token(child.record.id).await.unwrap().unwrap();
    assert_eq!(listed.parent_id, Some(parent.token.id));

    let longer = LimitsRequest {
        expires_at: Some(expires + TimeDelta::seconds(1)),
        ..LimitsRequest::new(Scope::ReadOnly)
    };
    let result = service
        .derive_token(&parent, name("longer"), longer, t0())
        .await;
    assert!(
        matches!(
            result,
            Err(DeriveError::Denied(DeriveDenial::ExceedsParent(
                Exceeded::Expiry { .. }
            )))
        ),
        "{result:?}"
    );
    // alice is an editor: a full-scope child would be above her role.
    let result = service
        .derive_token(&parent, name("full"), LimitsRequest::new(Scope::Full), t0())
        .await;
    assert!(
        matches!(
            result,
            Err(DeriveError::Denied(DeriveDenial::ScopeAboveUser { .. }))
        ),
        "{result:?}"
    );
    let edit = service
        .authenticate(child.secret.expose_secret(), t0())
        .await
        .unwrap();
    let result = service
        .derive_token(
            &edit,
            name("grandchild"),
            LimitsRequest::new(Scope::ReadOnly),
            t0(),
        )
        .await;
    assert!(
        matches!(
            result,
            Err(DeriveError::Denied(DeriveDenial::CannotMint(_)))
        ),
        "{result:?}"
    );
    let names: Vec<String> = tokens_of(&service, "alice")
        .await
        .iter()
        .map(|token| token.name.to_string())
        .collect();
    assert_eq!(names, ["parent", "child"]);
}

/// Revoking or deleting a token revokes every token descending from it, so a leaked token's
/// children cannot outlive it, nor restore it; a child is restored only under an active parent.
pub(crate) async fn revocation_reaches_every_descendant<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let name = |text: &str| TokenName::new(text).unwrap();
    let full = |name: &str| with_limits(name, Limits::new(Scope::Full));
    let root = created_and_presented(&service, &full("root")).await;
    let derive = async |parent: &Authenticated, child: &str, scope| {
        let created = service
            .derive_token(parent, name(child), LimitsRequest::new(scope), t0())
            .await
            .unwrap();
        presented(&service, &created).await
    };
    let child = derive(&root, "child", Scope::Edit).await;
    let sibling = derive(&root, "sibling", Scope::ReadOnly).await;
    let revoked_before = derive(&root, "revoked-before", Scope::ReadOnly).await;
    service.revoke(revoked_before.token.id, t0()).await.unwrap();

    let later = t0() + TimeDelta::seconds(5);
    service.revoke(root.token.id, later).await.unwrap();
    for token in [&child, &sibling] {
        let stored = service.token(token.token.id).await.unwrap().unwrap();
        assert_eq!(stored.revoked_at, Some(later), "{}", stored.name);
    }
    // An earlier revocation keeps its time.
    let stored = service
        .token(revoked_before.token.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.revoked_at, Some(t0()));

    // A child is not restored while its parent is revoked; the parent first, then the child.
    let result = service.restore(child.token.id).await;
    assert!(
        matches!(result, Err(StoreError::ParentNotActive)),
        "{result:?}"
    );
    service.restore(root.token.id).await.unwrap();
    let stored = service.token(child.token.id).await.unwrap().unwrap();
    assert!(
        stored.revoked_at.is_some(),
        "restoring a parent restores no child"
    );
    service.restore(child.token.id).await.unwrap();

    // Deleting a token revokes its descendants; they cannot be restored after.
    service
        .delete_token(root.token.id, &user("alice"), later)
        .await
        .unwrap();
    let stored = service.token(child.token.id).await.unwrap().unwrap();
    assert_eq!(stored.revoked_at, Some(later));
    let result = service.restore(child.token.id).await;
    assert!(
        matches!(result, Err(StoreError::ParentNotActive)),
        "{result:?}"
    );
}

/// Grandchildren too: the walk goes down every generation.
pub(crate) async fn revocation_reaches_grandchildren<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    service
        .create_user(user("root"), Role::Admin, t0())
        .await
        .unwrap();
    let mut chain = vec![
        created_and_presented(
            &service,
            &TokenRequest::new(
                user("root"),
                TokenName::new("g0").unwrap(),
                Limits::new(Scope::Full),
            ),
        )
        .await,
    ];
    for generation in 1..4 {
        let parent = chain.last().unwrap();
        let name = TokenName::new(&format!("g{generation}")).unwrap();
        let created = service
            .derive_token(parent, name, LimitsRequest::new(Scope::Full), t0())
            .await
            .unwrap();
        chain.push(presented(&service, &created).await);
    }
    service.revoke(chain[1].token.id, t0()).await.unwrap();
    assert!(
        service
            .token(chain[0].token.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    for token in &chain[1..] {
        let stored = service.token(token.token.id).await.unwrap().unwrap();
        assert_eq!(stored.revoked_at, Some(t0()), "{}", stored.name);
    }
}

/// A user and their first token are stored together or not at all.
pub(crate) async fn a_user_and_first_token_are_created_together<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    service
        .create_user(user("root"), Role::Admin, t0())
        .await
        .unwrap();
    let root = created_and_presented(
        &service,
        &TokenRequest {
            owner: user("root"),
            name: TokenName::new("root").unwrap(),
            limits: Limits {
                expires_at: Some(t0() + TimeDelta::hours(1)),
                ..Limits::new(Scope::Full)
            },
        },
    )
    .await;
    let carol = User {
        name: user("carol"),
        role: Role::Editor,
    };
    let first = service
        .create_user_with_token(
            &root,
            carol.clone(),
            TokenName::new("initial").unwrap(),
            LimitsRequest::new(Scope::Full),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(first.record.owner, carol.name);
    assert_eq!(first.record.parent_id, Some(root.token.id));
    assert_eq!(first.record.limits.expires_at, root.token.limits.expires_at);
    let found = service
        .authenticate(first.secret.expose_secret(), t0())
        .await
        .unwrap();
    assert_eq!(found.role, Role::Editor);

    // The token insert fails (a repeated digest) after the user insert: no user is left.
    let dave = User {
        name: user("dave"),
        role: Role::Reader,
    };
    let request = TokenRequest::new(
        dave.name.clone(),
        TokenName::new("initial").unwrap(),
        Limits::new(Scope::ReadOnly),
    );
    let failed = service
        .storage()
        .create_user_with_token(&dave, t0(), with_digest_of(&first, &request))
        .await;
    assert!(
        matches!(failed, Err(StoreError::DuplicateTokenName)),
        "{failed:?}"
    );
    assert_eq!(service.user(&dave.name).await.unwrap(), None);
    let result = service
        .create_user_with_token(
            &root,
            carol,
            TokenName::new("again").unwrap(),
            LimitsRequest::new(Scope::Full),
            t0(),
        )
        .await;
    assert!(
        matches!(result, Err(DeriveError::Store(StoreError::DuplicateUser))),
        "{result:?}"
    );
}

pub(crate) async fn get_by_id_and_list_order<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let first = create(&service, "alice", "first").await;
    let second = create(&service, "alice", "second").await;
    let got = service.token(second.record.id).await.unwrap().unwrap();
    assert_eq!(got, second.record);
    let names: Vec<_> = tokens_of(&service, "alice")
        .await
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
        .insert_token(with_digest_of(&first, &again))
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

/// A token presented before its revocation or deletion (as a cache may still hold it) makes no
/// more tokens: the store checks the parent in the same step as the insert, so no token is left
/// behind that the parent's revocation did not reach, and no user either.
pub(crate) async fn a_parent_ended_after_it_authenticated_makes_no_more_tokens<S: Storage>(
    storage: S,
) {
    let service = with_users(storage).await;
    let name = |text: &str| TokenName::new(text).unwrap();
    for delete in [false, true] {
        let parent = created_and_presented(
            &service,
            &with_limits(&format!("parent-{delete}"), Limits::new(Scope::Full)),
        )
        .await;
        if delete {
            service
                .delete_token(parent.token.id, &user("alice"), t0())
                .await
                .unwrap();
        } else {
            service.revoke(parent.token.id, t0()).await.unwrap();
        }
        let child = service
            .derive_token(
                &parent,
                name(&format!("child-{delete}")),
                LimitsRequest::new(Scope::ReadOnly),
                t0(),
            )
            .await;
        assert!(
            matches!(child, Err(DeriveError::Store(StoreError::ParentNotActive))),
            "{child:?}"
        );
        let newcomer = User {
            name: user(&format!("carol-{delete}")),
            role: Role::Reader,
        };
        let first = service
            .create_user_with_token(
                &parent,
                newcomer.clone(),
                name("first"),
                LimitsRequest::new(Scope::ReadOnly),
                t0(),
            )
            .await;
        assert!(
            matches!(first, Err(DeriveError::Store(StoreError::ParentNotActive))),
            "{first:?}"
        );
        assert_eq!(service.user(&newcomer.name).await.unwrap(), None);
    }
    let listed = service
        .list_tokens(&user("alice"), None, PageSize::MAX)
        .await
        .unwrap();
    assert!(listed.items.iter().all(|token| token.parent_id.is_none()));
}
