//! Bounded work per call, on every backend: listings a page at a time, and a cap on the live
//! tokens one user may hold.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::TimeDelta;
use tollgate_scope::{Limits, LimitsRequest, Role, Scope};
use tollgate_store::{
    DEFAULT_MAX_LIVE_TOKENS, DeriveError, PageSize, Storage, StoreError, TokenId, TokenRequest,
    TokenService, User,
};
use tollgate_token::TokenName;

use crate::cases::{create, request, service, t0, tokens_of, user, with_users};

/// The most names the SQL backends bind in one query: `SqlStorage::USERS_PER_QUERY`, which a
/// memory-only build does not have (a build with a SQL backend checks that the two agree).
const USERS_PER_QUERY: usize = 1000;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
const _: () = assert!(USERS_PER_QUERY == tollgate_store::SqlStorage::USERS_PER_QUERY);

fn size(items: usize) -> PageSize {
    PageSize::new(items).unwrap()
}

/// Every user's name, read `per_page` at a time by following each page's last user; and
/// whether each page but the last said that more follow.
async fn every_user<S: Storage>(service: &TokenService<S>, per_page: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut after = None;
    loop {
        let page = service.users(after.as_ref(), size(per_page)).await.unwrap();
        assert!(page.items.len() <= per_page);
        names.extend(page.items.iter().map(|u| u.name.to_string()));
        after = page.items.last().map(|u| u.name.clone());
        if !page.more {
            return names;
        }
        assert_eq!(page.items.len(), per_page, "a page before the last is full");
    }
}

pub(crate) async fn users_are_listed_a_page_at_a_time<S: Storage>(storage: S) {
    let service = service(storage);
    // Created out of order, in mixed case: listed by name ignoring case.
    for name in ["dave", "Bob", "eve", "alice", "Carol", "frank"] {
        service
            .create_user(user(name), Role::Reader, t0())
            .await
            .unwrap();
    }
    let sorted = ["alice", "Bob", "Carol", "dave", "eve", "frank"];
    for per_page in [1, 2, 3, 4, 5, 6, 7, 1000] {
        assert_eq!(every_user(&service, per_page).await, sorted, "{per_page}");
    }
    // A full last page says that nothing follows.
    let first = service.users(None, size(6)).await.unwrap();
    assert_eq!((first.items.len(), first.more), (6, false));
    // After a name that is no user's, the listing goes on where that name would be.
    let page = service.users(Some(&user("BZZ")), size(2)).await.unwrap();
    let names: Vec<_> = page.items.iter().map(|u| u.name.as_str()).collect();
    assert_eq!((names, page.more), (vec!["Carol", "dave"], true));
    let past_the_end = service.users(Some(&user("zz")), size(2)).await.unwrap();
    assert_eq!((past_the_end.items.len(), past_the_end.more), (0, false));
}

pub(crate) async fn tokens_are_listed_a_page_at_a_time<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    // Alice's and Bob's tokens interleaved: each listing holds its owner's only.
    let mut alices = Vec::new();
    for index in 0..5 {
        alices.push(
            create(&service, "alice", &format!("a{index}"))
                .await
                .record
                .id,
        );
        create(&service, "bob", &format!("b{index}")).await;
    }
    let alice = user("ALICE");
    for per_page in [1, 2, 3, 5, 6] {
        let mut seen: Vec<TokenId> = Vec::new();
        let mut after = None;
        loop {
            let page = service
                .list_tokens(&alice, after, size(per_page))
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|token| token.id));
            assert!(
                page.items
                    .iter()
                    .all(|token| token.owner.as_str() == "alice")
            );
            after = seen.last().copied();
            if !page.more {
                break;
            }
        }
        assert_eq!(seen, alices, "{per_page}");
    }
    // A page may start after a token that was deleted meanwhile.
    service.delete_token(alices[1], &alice, t0()).await.unwrap();
    let page = service
        .list_tokens(&alice, Some(alices[1]), size(2))
        .await
        .unwrap();
    let ids: Vec<_> = page.items.iter().map(|token| token.id).collect();
    assert_eq!((ids, page.more), (vec![alices[2], alices[3]], true));
}

/// Asserts that `result` is the cap's refusal, naming `max`.
#[track_caller]
fn assert_capped<T: std::fmt::Debug>(result: Result<T, StoreError>, max: u32) {
    assert!(
        matches!(result, Err(StoreError::TooManyTokens { max: m }) if m == max),
        "{result:?}"
    );
}

pub(crate) async fn live_tokens_are_capped_and_freed<S: Storage>(storage: S) {
    let service = with_users(storage).await.with_max_live_tokens(3);
    let now = t0();
    let mut alices = Vec::new();
    for name in ["a0", "a1"] {
        alices.push(create(&service, "alice", name).await);
    }
    // The third lives an hour.
    let expiring = TokenRequest {
        limits: Limits {
            expires_at: Some(now + TimeDelta::hours(1)),
            ..Limits::new(Scope::Full)
        },
        ..request("alice", "a2")
    };
    alices.push(service.create_token(&expiring, now).await.unwrap());
    assert_capped(service.create_token(&request("alice", "a3"), now).await, 3);
    // The cap is each user's: Bob still creates.
    create(&service, "bob", "b0").await;
    // A token made by a token is refused alike.
    let presented = service
        .authenticate(alices[2].secret.expose_secret(), now)
        .await
        .unwrap();
    let derived = service
        .derive_token(
            &presented,
            TokenName::new("child").unwrap(),
            LimitsRequest::new(Scope::ReadOnly),
            now,
        )
        .await;
    let derived = derived.map_err(|error| match error {
        DeriveError::Store(store) => store,
        other => panic!("{other:?}"),
    });
    assert_capped(derived, 3);
    // Revoking one frees a place; restoring it is an administrator's act and is not refused.
    service.revoke(alices[0].record.id, now).await.unwrap();
    service
        .create_token(&request("alice", "a3"), now)
        .await
        .unwrap();
    assert_capped(service.create_token(&request("alice", "a4"), now).await, 3);
    service.restore(alices[0].record.id).await.unwrap();
    // Deleting frees a place: live are a0, a1, a2 (expiring), a3; deleting two leaves two.
    for token in &alices[..2] {
        service
            .delete_token(token.record.id, &user("alice"), now)
            .await
            .unwrap();
    }
    service
        .create_token(&request("alice", "a4"), now)
        .await
        .unwrap();
    assert_capped(service.create_token(&request("alice", "a5"), now).await, 3);
    // Once the expiring token has expired, it holds no place.
    let later = now + TimeDelta::hours(1);
    service
        .create_token(&request("alice", "a5"), later)
        .await
        .unwrap();
    assert_capped(
        service.create_token(&request("alice", "a6"), later).await,
        3,
    );
    assert_eq!(tokens_of(&service, "alice").await.len(), 4);
}

pub(crate) async fn a_cap_of_zero_creates_nothing_and_leaves_no_user<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    let full = TokenRequest {
        limits: Limits::new(Scope::Full),
        ..request("alice", "root")
    };
    let root = service.create_token(&full, t0()).await.unwrap();
    let root = service
        .authenticate(root.secret.expose_secret(), t0())
        .await
        .unwrap();
    let service = service.with_max_live_tokens(0);
    assert_capped(
        service.create_token(&request("bob", "first"), t0()).await,
        0,
    );
    let carol = User {
        name: user("carol"),
        role: Role::Reader,
    };
    let result = service
        .create_user_with_token(
            &root,
            carol,
            TokenName::new("initial").unwrap(),
            LimitsRequest::new(Scope::ReadOnly),
            t0(),
        )
        .await;
    assert!(
        matches!(
            result,
            Err(DeriveError::Store(StoreError::TooManyTokens { max: 0 }))
        ),
        "{result:?}"
    );
    assert_eq!(service.user(&user("carol")).await.unwrap(), None);
}

/// Twenty creations at once against a cap of five: exactly five land, whatever the order.
pub(crate) async fn concurrent_creates_never_pass_the_cap<S: Storage + 'static>(storage: S) {
    const MAX: u32 = 5;
    let service = Arc::new(with_users(storage).await.with_max_live_tokens(MAX));
    let tasks: Vec<_> = (0..20)
        .map(|index| {
            let service = Arc::clone(&service);
            tokio::spawn(async move {
                let name = format!("race{index}");
                service.create_token(&request("alice", &name), t0()).await
            })
        })
        .collect();
    let (mut created, mut capped) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(StoreError::TooManyTokens { max: MAX }) => capped += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created, capped), (5, 15));
    assert_eq!(tokens_of(&service, "alice").await.len(), 5);
}

/// The default cap is 100 live tokens.
pub(crate) async fn the_default_cap_is_100<S: Storage>(storage: S) {
    assert_eq!(DEFAULT_MAX_LIVE_TOKENS, 100);
    let service = with_users(storage).await;
    for index in 0..100 {
        create(&service, "alice", &format!("t{index}")).await;
    }
    assert_capped(
        service.create_token(&request("alice", "t100"), t0()).await,
        100,
    );
}

/// Many names checked at once, across the SQL backends' chunks: each user found once, by
/// any case of the name, and no one else.
pub(crate) async fn users_are_found_by_many_names_at_once<S: Storage>(storage: S) {
    let service = service(storage);
    // More distinct names than one query binds; every 25th is a user's, in both chunks.
    let count = USERS_PER_QUERY + 100;
    let names: Vec<String> = (0..count).map(|i| format!("w{i:04}")).collect();
    let created: Vec<String> = names.iter().step_by(25).cloned().collect();
    for name in &created {
        service
            .create_user(user(name), Role::Reader, t0())
            .await
            .unwrap();
    }
    // Every name in upper case, and the users' names again as created.
    let mut asked: Vec<_> = names
        .iter()
        .map(|name| user(&name.to_uppercase()))
        .collect();
    asked.extend(created.iter().map(|name| user(name)));
    let found = service.users_named(&asked).await.unwrap();
    let found: Vec<String> = found.iter().map(|u| u.name.to_string()).collect();
    let distinct: BTreeSet<&String> = found.iter().collect();
    assert_eq!(distinct.len(), found.len(), "a user found twice");
    assert_eq!(distinct, created.iter().collect());
    assert!(created.len() > 1 && created.last() > Some(&names[USERS_PER_QUERY]));
    assert_eq!(service.users_named(&[]).await.unwrap(), []);
    let one = service
        .users_named(&[user("NOBODY"), user("W0025")])
        .await
        .unwrap();
    let w0025 = User {
        name: user("w0025"),
        role: Role::Reader,
    };
    assert_eq!(one, [w0025]);
}
