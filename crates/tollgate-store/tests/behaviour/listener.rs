//! `CachedStorage::listen_for_changes`: a change made through another process's storage on the
//! same PostgreSQL database is heard, with the time to live far too long to explain it, and a
//! lost listener connection never lets the cache answer from before the loss.

use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::{AnyConnection, Connection};
use tollgate_store::{AuthError, CachedStorage, SqlStorage, TokenService};
use tollgate_token::InactiveToken;

use tollgate_test_support::PostgresRole;

use crate::cases::{create, service, user, with_users};

/// Longer than any test: only a notification can make the cache read again.
const NEVER: Duration = Duration::from_secs(3600);

/// How long a change may take to be heard before the test fails: far beyond a notification's
/// round trip, far below the time to live.
const DEADLINE: Duration = Duration::from_secs(10);

/// Instance `a` (no cache) and instance `b` (cached, listening) on `url`, a fresh database.
async fn two_instances(
    url: &str,
) -> (
    TokenService<SqlStorage>,
    TokenService<CachedStorage<SqlStorage>>,
) {
    let a = with_users(SqlStorage::open(url).await.unwrap()).await;
    let cache = CachedStorage::new(SqlStorage::open(url).await.unwrap())
        .with_time_to_live(NEVER)
        .listen_for_changes()
        .await
        .unwrap();
    (a, service(cache))
}

/// Waits until `b` refuses `token` as inactive; panics after the deadline.
async fn until_refused(b: &TokenService<CachedStorage<SqlStorage>>, token: &str) -> Duration {
    let start = Instant::now();
    loop {
        match b.authenticate(token, Utc::now()).await {
            Ok(_) if start.elapsed() < DEADLINE => {
                tokio::time::sleep(Duration::from_millis(1)).await
            }
            Ok(_) => panic!("still accepted {DEADLINE:?} after the change"),
            Err(AuthError::Inactive(InactiveToken::Revoked { .. }) | AuthError::Unknown) => {
                return start.elapsed();
            }
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn revocations_and_deletions_elsewhere_are_heard() {
    let url = tollgate_test_support::postgres_database_url().await;
    let (a, b) = two_instances(&url).await;
    let mut waits = Vec::new();
    for trial in 0..25 {
        for delete in [false, true] {
            let created = create(&a, "alice", &format!("t{trial}-{delete}")).await;
            let token = created.secret.expose_secret();
            // Warm: b has the token cached, and answers from the cache from now on.
            b.authenticate(token, Utc::now()).await.unwrap();
            if delete {
                a.delete_token(created.record.id, &user("alice"), Utc::now())
                    .await
                    .unwrap();
            } else {
                a.revoke(created.record.id, Utc::now()).await.unwrap();
            }
            waits.push(until_refused(&b, token).await);
        }
    }
    waits.sort_unstable();
    // Printed, not asserted: a shared machine's pauses would make a timed assertion flaky.
    eprintln!(
        "change heard after: median {:?}, 99th percentile {:?}, over {} changes",
        waits[waits.len() / 2],
        waits[waits.len() * 99 / 100],
        waits.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn a_role_changed_with_plain_sql_is_heard() {
    let url = tollgate_test_support::postgres_database_url().await;
    let (a, b) = two_instances(&url).await;
    let created = create(&a, "alice", "ci").await;
    let token = created.secret.expose_secret();
    assert_eq!(
        b.authenticate(token, Utc::now())
            .await
            .unwrap()
            .role
            .as_str(),
        "editor"
    );
    let mut admin = AnyConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE tollgate_users SET role = 'reader' WHERE name_key = 'alice'")
        .execute(&mut admin)
        .await
        .unwrap();
    let start = Instant::now();
    while b
        .authenticate(token, Utc::now())
        .await
        .unwrap()
        .role
        .as_str()
        != "reader"
    {
        assert!(start.elapsed() < DEADLINE, "the role change was not heard");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn a_revocation_while_the_listener_is_cut_off_is_still_heard() {
    let url = tollgate_test_support::postgres_database_url().await;
    let a = with_users(SqlStorage::open(&url).await.unwrap()).await;
    // b logs in as a role of its own, so that its connections alone can be cut off.
    let role = PostgresRole::new(&url).await;
    let b = service(
        CachedStorage::new(SqlStorage::open(role.url()).await.unwrap())
            .with_time_to_live(NEVER)
            .listen_for_changes()
            .await
            .unwrap(),
    );
    for trial in 0..5 {
        let created = create(&a, "alice", &format!("t{trial}")).await;
        let token = created.secret.expose_secret();
        b.authenticate(token, Utc::now()).await.unwrap();
        // Cut b's listener off and keep it off (its pool keeps the connections it holds),
        // then revoke: the notification is sent while b does not listen, and b never gets it.
        role.allow_login(false).await;
        assert_eq!(role.cut_listeners().await, 1, "b listens on one connection");
        a.revoke(created.record.id, Utc::now()).await.unwrap();
        // Only its lost connection can tell b: it must stop answering from its cache.
        until_refused(&b, token).await;
        role.allow_login(true).await;
        let start = Instant::now();
        while role.listeners().await == 0 {
            assert!(start.elapsed() < DEADLINE, "b's listener did not come back");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        until_refused(&b, token).await;
    }
}

/// A replaced secret's grace period ended with plain SQL (as an operator might, to cut it off
/// early) is heard: the trigger watches the rotation's columns too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn a_grace_period_ended_with_plain_sql_is_heard() {
    use tollgate_scope::{Limits, Scope};
    use tollgate_store::{SecretMatch, TokenRequest};
    use tollgate_token::TokenName;

    let url = tollgate_test_support::postgres_database_url().await;
    let (a, b) = two_instances(&url).await;
    let name = TokenName::new("ci").unwrap();
    let request = TokenRequest::new(user("alice"), name, Limits::new(Scope::Full));
    let created = a.create_token(&request, Utc::now()).await.unwrap();
    let old = created.secret.expose_secret();
    let caller = a.authenticate(old, Utc::now()).await.unwrap();
    a.rotate_token(&caller, caller.token.id, NEVER, Utc::now())
        .await
        .unwrap();
    let seen = b.authenticate(old, Utc::now()).await.unwrap();
    assert_eq!(seen.secret, SecretMatch::Previous);
    let mut admin = AnyConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE tollgate_tokens SET previous_until = 0")
        .execute(&mut admin)
        .await
        .unwrap();
    let start = Instant::now();
    while b.authenticate(old, Utc::now()).await.is_ok() {
        assert!(
            start.elapsed() < DEADLINE,
            "the ended grace period was not heard"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
