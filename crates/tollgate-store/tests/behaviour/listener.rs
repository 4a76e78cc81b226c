//! `CachedStorage::listen_for_changes`: a change made through another process's storage on the
//! same PostgreSQL database is heard, with the time to live far too long to explain it, and a
//! lost listener connection never lets the cache answer from before the loss.

use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::{AnyConnection, Connection};
use tollgate_store::{AuthError, CachedStorage, SqlStorage, TokenService};
use tollgate_token::InactiveToken;

use crate::cases::{create, service, user, with_users};

/// Longer than any test: only a notification can make the cache read again.
const NEVER: Duration = Duration::from_secs(3600);

/// How long a change may take to be heard before the test fails: far beyond a notification's
/// round trip, far below the time to live.
const DEADLINE: Duration = Duration::from_secs(10);

/// Instance `a` (no cache) and instance `b` (cached, listening) on one fresh database, and
/// its URL.
async fn two_instances() -> (
    TokenService<SqlStorage>,
    TokenService<CachedStorage<SqlStorage>>,
    String,
) {
    let url = tollgate_test_support::postgres_database_url().await;
    let a = with_users(SqlStorage::open(&url).await.unwrap()).await;
    let cache = CachedStorage::new(SqlStorage::open(&url).await.unwrap())
        .with_time_to_live(NEVER)
        .listen_for_changes()
        .await
        .unwrap();
    (a, service(cache), url)
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
    let (a, b, _url) = two_instances().await;
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
    let (a, b, url) = two_instances().await;
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

/// The listener connections on the database `$1`: those whose last statement was a LISTEN.
const LISTENERS: &str = "FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set TOLLGATE_TEST_POSTGRES_URL"]
async fn a_revocation_while_the_listener_is_cut_off_is_still_heard() {
    let (a, b, url) = two_instances().await;
    let database: String = sqlx::query_scalar("SELECT current_database()::TEXT")
        .fetch_one(&mut AnyConnection::connect(&url).await.unwrap())
        .await
        .unwrap();
    // On the server's first database: a database's connections cannot be barred from itself.
    let admin_url = std::env::var("TOLLGATE_TEST_POSTGRES_URL").unwrap();
    let mut admin = AnyConnection::connect(&admin_url).await.unwrap();
    let allow_connections =
        |allow: bool| format!("ALTER DATABASE {database} WITH ALLOW_CONNECTIONS {allow}");
    for trial in 0..5 {
        let created = create(&a, "alice", &format!("t{trial}")).await;
        let token = created.secret.expose_secret();
        b.authenticate(token, Utc::now()).await.unwrap();
        // Cut the listener off and keep it off (the pools keep the connections they hold),
        // then revoke: the notification is sent while no one listens, and is lost.
        sqlx::raw_sql(sqlx::AssertSqlSafe(allow_connections(false)))
            .execute(&mut admin)
            .await
            .unwrap();
        let cut = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT pg_terminate_backend(pid)::TEXT {LISTENERS}"
        )))
        .bind(&database)
        .fetch_all(&mut admin)
        .await
        .unwrap();
        assert_eq!(cut.len(), 1, "one listener connection");
        a.revoke(created.record.id, Utc::now()).await.unwrap();
        // Only the lost connection can tell b: it must stop answering from its cache.
        until_refused(&b, token).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(allow_connections(true)))
            .execute(&mut admin)
            .await
            .unwrap();
        // Back to listening (within its longest retry wait), and refusing still.
        let start = Instant::now();
        loop {
            let listening = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT pid {LISTENERS}")))
                .bind(&database)
                .fetch_all(&mut admin)
                .await
                .unwrap();
            if !listening.is_empty() {
                break;
            }
            assert!(start.elapsed() < DEADLINE, "the listener did not come back");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        until_refused(&b, token).await;
    }
}
