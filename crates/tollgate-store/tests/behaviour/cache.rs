//! `CachedStorage`: what it saves the storage underneath, and that it never answers otherwise
//! than the storage alone would (a model test against `TokenService<MemoryStorage>`).

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use tollgate_scope::{Limits, LimitsRequest, Scope};
use tollgate_store::{
    AuthError, CachedStorage, MemoryStorage, NewToken, Storage, TokenId, TokenService,
};
use tollgate_token::{InactiveToken, MintedToken, TokenFormat, TokenHash, TokenName, TokenSecret};

use tollgate_test_support::ObservedStorage;

use crate::cases::{create, request, t0, user, with_users};

async fn counted() -> TokenService<CachedStorage<ObservedStorage>> {
    with_users(CachedStorage::new(ObservedStorage::default())).await
}

fn counting(service: &TokenService<CachedStorage<ObservedStorage>>) -> &ObservedStorage {
    service.storage().inner()
}

/// A well-formed secret token no storage holds.
fn forged() -> MintedToken {
    TokenFormat::new("tg").unwrap().mint().unwrap()
}

/// A row for alice's token `name` with the digest of `minted`.
fn row_of<'a>(minted: &MintedToken, request: &'a tollgate_store::TokenRequest) -> NewToken<'a> {
    NewToken {
        request,
        parent: None,
        ancestors: Vec::new(),
        hash: minted.hash,
        hint: minted.secret.hint(),
        created_at: t0(),
        max_live_tokens: 100,
    }
}

#[tokio::test]
async fn a_second_authentication_does_not_reach_the_storage() {
    let service = counted().await;
    let created = create(&service, "alice", "ci").await;
    let token = created.secret.expose_secret();
    service.authenticate(token, t0()).await.unwrap();
    let again = service.authenticate(token, t0()).await.unwrap();
    assert_eq!(again.token.id, created.record.id);
    assert_eq!(counting(&service).lookups(), 1);

    // A revocation through the cache is seen by the next authentication, which asks again.
    service.revoke(created.record.id, t0()).await.unwrap();
    let result = service.authenticate(token, t0()).await;
    assert!(
        matches!(
            result,
            Err(AuthError::Inactive(InactiveToken::Revoked { .. }))
        ),
        "{result:?}"
    );
    assert_eq!(counting(&service).lookups(), 2);
}

#[tokio::test]
async fn a_cached_token_expires_at_once() {
    let service = counted().await;
    let expires = t0() + TimeDelta::minutes(1);
    let request = tollgate_store::TokenRequest {
        limits: Limits {
            expires_at: Some(expires),
            ..Limits::new(Scope::Edit)
        },
        ..request("alice", "short")
    };
    let created = service.create_token(&request, t0()).await.unwrap();
    let token = created.secret.expose_secret();
    service.authenticate(token, t0()).await.unwrap();
    let result = service.authenticate(token, expires).await;
    assert!(
        matches!(
            result,
            Err(AuthError::Inactive(InactiveToken::Expired { .. }))
        ),
        "{result:?}"
    );
    assert_eq!(counting(&service).lookups(), 1);
}

#[tokio::test]
async fn an_unknown_hash_is_asked_once_and_a_token_created_later_authenticates() {
    let service = counted().await;
    let minted = forged();
    let token = minted.secret.expose_secret();
    for _ in 0..3 {
        let result = service.authenticate(token, t0()).await;
        assert!(matches!(result, Err(AuthError::Unknown)), "{result:?}");
    }
    assert_eq!(counting(&service).lookups(), 1);

    // The very digest, stored through the cache, authenticates at once.
    let request = request("alice", "later");
    service
        .storage()
        .insert_token(row_of(&minted, &request))
        .await
        .unwrap();
    let found = service.authenticate(token, t0()).await.unwrap();
    assert_eq!(found.token.name.as_str(), "later");
    assert_eq!(counting(&service).lookups(), 2);
}

#[tokio::test]
async fn storage_errors_are_never_cached() {
    let service = counted().await;
    let created = create(&service, "alice", "ci").await;
    let token = created.secret.expose_secret();
    counting(&service).set_down(true);
    for _ in 0..2 {
        let result = service.authenticate(token, t0()).await;
        assert!(matches!(result, Err(AuthError::Store(_))), "{result:?}");
        let result = service
            .authenticate(forged().secret.expose_secret(), t0())
            .await;
        assert!(matches!(result, Err(AuthError::Store(_))), "{result:?}");
    }
    assert_eq!(counting(&service).lookups(), 4);
    counting(&service).set_down(false);
    service.authenticate(token, t0()).await.unwrap();
    assert_eq!(counting(&service).lookups(), 5);
}

#[tokio::test]
async fn a_last_use_write_moves_the_cached_record_forward_without_invalidating() {
    let service = counted().await;
    let created = create(&service, "alice", "ci").await;
    let token = created.secret.expose_secret();
    let later = t0() + TimeDelta::seconds(61);

    service.authenticate(token, t0()).await.unwrap();
    let found = service.authenticate(token, later).await.unwrap();
    assert_eq!(found.token.last_used_at, Some(later));
    assert_eq!(
        (counting(&service).lookups(), counting(&service).uses()),
        (1, 2)
    );
    let cached = service
        .storage()
        .token_by_hash(&TokenHash::of(token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cached.token.last_used_at, Some(later));

    // The cached use is recent: no write is tried within the interval.
    service
        .authenticate(token, later + TimeDelta::seconds(1))
        .await
        .unwrap();
    assert_eq!(
        (counting(&service).lookups(), counting(&service).uses()),
        (1, 2)
    );
}

#[tokio::test]
async fn the_time_to_live_bounds_staleness_of_changes_behind_the_cache() {
    let ttl = Duration::from_millis(100);
    let service =
        with_users(CachedStorage::new(ObservedStorage::default()).with_time_to_live(ttl)).await;
    let created = create(&service, "alice", "ci").await;
    let token = created.secret.expose_secret();
    let minted = forged();
    let cached_at = Instant::now();
    service.authenticate(token, t0()).await.unwrap();
    let result = service
        .authenticate(minted.secret.expose_secret(), t0())
        .await;
    assert!(matches!(result, Err(AuthError::Unknown)), "{result:?}");

    // Changes made on the storage underneath, as another process would.
    let inner = service.storage().inner();
    inner.revoke(created.record.id, t0()).await.unwrap();
    let request = request("alice", "elsewhere");
    inner.insert_token(row_of(&minted, &request)).await.unwrap();
    // Within the time to live the cache still answers as before: it is in use. (Checked only
    // when this machine got here in time, so that a slow run does not fail.)
    let stale = service.authenticate(token, t0()).await;
    if cached_at.elapsed() < ttl {
        assert!(stale.is_ok(), "{stale:?}");
    }

    tokio::time::sleep(ttl * 3).await;
    let result = service.authenticate(token, t0()).await;
    assert!(
        matches!(
            result,
            Err(AuthError::Inactive(InactiveToken::Revoked { .. }))
        ),
        "{result:?}"
    );
    service
        .authenticate(minted.secret.expose_secret(), t0())
        .await
        .unwrap();
}

/// One step of the model test.
#[derive(Debug, Clone)]
enum Op {
    /// A token made by no token (`None`) or derived from the token at this index, expiring
    /// after this many seconds (or never).
    Create {
        parent: Option<usize>,
        expires_in: Option<u8>,
    },
    Authenticate(usize),
    /// Authenticates a well-formed token no one created.
    Forged,
    Revoke(usize),
    Restore(usize),
    Delete(usize),
    /// Purges tokens unused for this many seconds.
    Purge(u8),
    /// Moves the clock forward by this many seconds.
    Advance(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (
            proptest::option::of(any::<usize>()),
            proptest::option::of(1u8..)
        )
            .prop_map(|(parent, expires_in)| Op::Create { parent, expires_in }),
        6 => any::<usize>().prop_map(Op::Authenticate),
        1 => Just(Op::Forged),
        2 => any::<usize>().prop_map(Op::Revoke),
        2 => any::<usize>().prop_map(Op::Restore),
        1 => any::<usize>().prop_map(Op::Delete),
        1 => any::<u8>().prop_map(Op::Purge),
        2 => any::<u8>().prop_map(Op::Advance),
    ]
}

/// One service and the tokens it created, in order.
struct Side<S> {
    service: TokenService<S>,
    tokens: Vec<(TokenId, TokenSecret)>,
}

impl<S: Storage> Side<S> {
    async fn new(storage: S) -> Self {
        Self {
            service: with_users(storage).await,
            tokens: Vec::new(),
        }
    }

    fn token(&self, index: usize) -> Option<&(TokenId, TokenSecret)> {
        self.tokens.get(index.checked_rem(self.tokens.len())?)
    }

    async fn authenticate(&self, token: &str, now: DateTime<Utc>) -> String {
        match self.service.authenticate(token, now).await {
            Ok(found) => format!(
                "ok {} {:?} {:?} {:?} {:?}",
                found.token.name.as_str(),
                found.token.revoked_at,
                found.token.last_used_at,
                found.role,
                found.token.limits,
            ),
            Err(error) => format!("{error:?}"),
        }
    }

    /// Applies `op` at `now` (the `made`th creation names its token `t{made}`), and describes
    /// the answer in terms both sides share.
    async fn apply(&mut self, op: &Op, now: DateTime<Utc>, forged: &str, made: usize) -> String {
        let alice = user("alice");
        match *op {
            Op::Create { parent, expires_in } => {
                let name = TokenName::new(&format!("t{made}")).unwrap();
                let expires_at = expires_in.map(|s| now + TimeDelta::seconds(i64::from(s)));
                let created = match parent.and_then(|index| self.token(index)) {
                    None => {
                        let request = tollgate_store::TokenRequest::new(
                            alice,
                            name,
                            Limits {
                                expires_at,
                                ..Limits::new(Scope::Edit)
                            },
                        );
                        self.service
                            .create_token(&request, now)
                            .await
                            .map_err(|e| format!("{e:?}"))
                    }
                    Some((_, secret)) => {
                        match self.service.authenticate(secret.expose_secret(), now).await {
                            Err(error) => Err(format!("parent {error:?}")),
                            Ok(parent) => self
                                .service
                                .derive_token(
                                    &parent,
                                    name,
                                    LimitsRequest::new(Scope::ReadOnly),
                                    now,
                                )
                                .await
                                .map_err(|e| format!("{e:?}")),
                        }
                    }
                };
                match created {
                    Ok(created) => {
                        let name = created.record.name.as_str().to_owned();
                        self.tokens.push((created.record.id, created.secret));
                        format!("created {name}")
                    }
                    Err(error) => error,
                }
            }
            Op::Authenticate(index) => match self.token(index) {
                Some((_, secret)) => self.authenticate(secret.expose_secret(), now).await,
                None => "none".into(),
            },
            Op::Forged => self.authenticate(forged, now).await,
            Op::Revoke(index) => match self.token(index) {
                Some(&(id, _)) => format!("{:?}", self.service.revoke(id, now).await),
                None => "none".into(),
            },
            Op::Restore(index) => match self.token(index) {
                Some(&(id, _)) => format!("{:?}", self.service.restore(id).await),
                None => "none".into(),
            },
            Op::Delete(index) => match self.token(index) {
                Some(&(id, _)) => {
                    format!("{:?}", self.service.delete_token(id, &alice, now).await)
                }
                None => "none".into(),
            },
            Op::Purge(seconds) => {
                let cutoff = now - TimeDelta::seconds(i64::from(seconds));
                format!("{:?}", self.service.purge_unused_since(cutoff).await)
            }
            Op::Advance(_) => String::new(),
        }
    }
}

/// Compares the two services over `ops`; with `small`, the cache holds two tokens and two
/// unknown hashes, so that eviction happens too.
async fn same_answers(ops: Vec<Op>, small: bool) -> Result<(), TestCaseError> {
    let storage = CachedStorage::new(MemoryStorage::new());
    let storage = if small {
        storage.with_capacity(2, 2)
    } else {
        storage
    };
    let mut cached = Side::new(storage).await;
    let mut plain = Side::new(MemoryStorage::new()).await;
    let forged = forged();
    let forged = forged.secret.expose_secret();
    let mut now = t0();
    let mut made = 0;
    for (step, op) in ops.iter().enumerate() {
        if let Op::Advance(seconds) = *op {
            now += TimeDelta::seconds(i64::from(seconds));
            continue;
        }
        let expected = plain.apply(op, now, forged, made).await;
        let answer = cached.apply(op, now, forged, made).await;
        prop_assert_eq!(answer, expected, "step {} {:?}", step, op);
        if matches!(op, Op::Create { .. }) {
            made += 1;
        }
    }
    // The last answers hold for every token, whatever the sequence left in the cache.
    for index in 0..plain.tokens.len() {
        let op = Op::Authenticate(index);
        let expected = plain.apply(&op, now, forged, made).await;
        let answer = cached.apply(&op, now, forged, made).await;
        prop_assert_eq!(answer, expected, "final {:?}", op);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_cache_answers_as_the_storage_alone(
        ops in proptest::collection::vec(op(), 1..60),
        small in any::<bool>(),
    ) {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(same_answers(ops, small))?;
    }
}
