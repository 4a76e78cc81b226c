//! Rate limits, quotas and use counts (`TokenService::meter`, `flush_usage`, `usage`) on
//! every backend.

use core::time::Duration;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use tollgate_limit::{Period, Quota, Rate};
use tollgate_scope::{DeriveDenial, Exceeded, Limits, LimitsRequest, Role, Scope};
use tollgate_store::{
    Authenticated, DayCount, DeriveError, MAX_ANCESTORS, MeterError, Storage, TokenRequest,
    TokenService, User,
};
use tollgate_token::TokenName;

use crate::cases::{service, user};

/// Late on the last day of a month, so that a day and a month turn soon after.
fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn rate(text: &str) -> Rate {
    text.parse().unwrap()
}

fn quota(text: &str) -> Quota {
    text.parse().unwrap()
}

/// alice (admin) with a full token limited by `limits`, authenticated.
async fn alice_with<S: Storage>(
    storage: S,
    rate_limit: Option<Rate>,
    quota: Option<Quota>,
) -> (TokenService<S>, Authenticated) {
    let service = service(storage);
    service
        .create_user(user("alice"), Role::Admin, at())
        .await
        .unwrap();
    let root = authenticated(&service, "root", rate_limit, quota).await;
    (service, root)
}

async fn authenticated<S: Storage>(
    service: &TokenService<S>,
    name: &str,
    rate_limit: Option<Rate>,
    quota: Option<Quota>,
) -> Authenticated {
    let request = TokenRequest::new(
        user("alice"),
        TokenName::new(name).unwrap(),
        Limits {
            rate_limit,
            quota,
            ..Limits::new(Scope::Full)
        },
    );
    let created = service.create_token(&request, at()).await.unwrap();
    service
        .authenticate(created.secret.expose_secret(), at())
        .await
        .unwrap()
}

async fn child<S: Storage>(
    service: &TokenService<S>,
    parent: &Authenticated,
    name: &str,
    limits: LimitsRequest,
) -> Authenticated {
    let created = service
        .derive_token(parent, TokenName::new(name).unwrap(), limits, at())
        .await
        .unwrap();
    service
        .authenticate(created.secret.expose_secret(), at())
        .await
        .unwrap()
}

fn full() -> LimitsRequest {
    LimitsRequest::new(Scope::Full)
}

/// Five a minute: five at once, the sixth refused for twelve seconds; the refusal counts
/// nowhere.
pub(crate) async fn a_rate_limit_refuses_the_sixth_use_in_a_minute<S: Storage>(storage: S) {
    let (service, token) = alice_with(storage, Some(rate("5/min")), None).await;
    let now = Instant::now();
    for left in (0..5).rev() {
        let metered = service.meter(&token, at(), now).await.unwrap();
        let (limit, allowed) = metered.rate.unwrap();
        assert_eq!((limit, allowed.remaining), (rate("5/min"), left));
    }
    let refused = service.meter(&token, at(), now).await.unwrap_err();
    let MeterError::RateLimited {
        rate: limit,
        refused,
    } = refused
    else {
        panic!("{refused:?}");
    };
    assert_eq!(limit, rate("5/min"));
    assert_eq!(refused.retry_after, Duration::from_secs(12));
    assert_eq!(service.usage(&token.token, at()).await.unwrap().used, 5);
    let later = now + Duration::from_secs(12);
    assert!(service.meter(&token, at(), later).await.is_ok());
    assert!(service.meter(&token, at(), later).await.is_err());
}

/// Ten a month: the eleventh is refused until the month turns, before and after the counts
/// are saved; the usage report says so.
pub(crate) async fn a_quota_refuses_the_eleventh_use_until_the_month_turns<S: Storage>(storage: S) {
    let (service, token) = alice_with(storage, None, Some(quota("10/month"))).await;
    let now = Instant::now();
    for used in 1..=10 {
        let metered = service.meter(&token, at(), now).await.unwrap();
        let (limit, status) = metered.quota.unwrap();
        assert_eq!(
            (limit, status.used, status.remaining()),
            (quota("10/month"), used, 10 - used)
        );
        assert_eq!(status.period_start, day("2026-11-01"));
        assert_eq!(status.period_end, Some(day("2026-12-01")));
    }
    let exceeded = |result: Result<_, MeterError>| {
        matches!(
            result,
            Err(MeterError::QuotaExceeded { status, .. }) if status.used == 10 && status.limit == 10
        )
    };
    assert!(exceeded(service.meter(&token, at(), now).await));
    assert_eq!(service.flush_usage(at()).await.unwrap(), 1);
    assert!(exceeded(service.meter(&token, at(), now).await));
    let usage = service.usage(&token.token, at()).await.unwrap();
    assert_eq!(
        (usage.period, usage.period_start, usage.used, usage.quota),
        (
            Period::Month,
            day("2026-11-01"),
            10,
            Some(quota("10/month"))
        )
    );
    assert_eq!(usage.days, vec![(day("2026-11-30"), 10)]);
    // A new month: the quota is whole again; November's uses are not counted in it.
    let december = at() + TimeDelta::hours(2);
    let metered = service.meter(&token, december, now).await.unwrap();
    assert_eq!(metered.quota.unwrap().1.used, 1);
    assert_eq!(service.usage(&token.token, december).await.unwrap().used, 1);
}

/// A child that inherits its parent's quota shares it: their uses together stop at ten. A
/// child with a smaller quota of its own stops at its own, and still counts for the parent.
pub(crate) async fn children_count_against_their_parents_limits<S: Storage>(storage: S) {
    let (service, parent) = alice_with(storage, None, Some(quota("10/month"))).await;
    let now = Instant::now();
    let inheriting = child(&service, &parent, "inheriting", full()).await;
    assert_eq!(inheriting.token.limits.quota, Some(quota("10/month")));
    let smaller = child(
        &service,
        &parent,
        "smaller",
        LimitsRequest {
            quota: Some(quota("3/month")),
            ..full()
        },
    )
    .await;
    for _ in 0..3 {
        service.meter(&smaller, at(), now).await.unwrap();
    }
    assert!(matches!(
        service.meter(&smaller, at(), now).await,
        Err(MeterError::QuotaExceeded { quota: q, .. }) if q == quota("3/month")
    ));
    for _ in 0..4 {
        service.meter(&inheriting, at(), now).await.unwrap();
    }
    for _ in 0..3 {
        service.meter(&parent, at(), now).await.unwrap();
    }
    for token in [&parent, &inheriting] {
        assert!(matches!(
            service.meter(token, at(), now).await,
            Err(MeterError::QuotaExceeded { quota: q, .. }) if q == quota("10/month")
        ));
    }
    // Each token's report counts its own uses and its descendants'.
    let used = |token: &Authenticated| {
        let token = token.token.clone();
        let service = &service;
        async move { service.usage(&token, at()).await.unwrap().used }
    };
    assert_eq!(used(&parent).await, 10);
    assert_eq!(used(&inheriting).await, 4);
    assert_eq!(used(&smaller).await, 3);
}

/// A parent's rate bounds its children together, however many there are.
pub(crate) async fn children_share_their_parents_rate<S: Storage>(storage: S) {
    let (service, parent) = alice_with(storage, Some(rate("4/min")), None).await;
    let now = Instant::now();
    let first = child(&service, &parent, "first", full()).await;
    let second = child(
        &service,
        &parent,
        "second",
        LimitsRequest {
            rate_limit: Some(rate("3/min")),
            ..full()
        },
    )
    .await;
    for token in [&first, &second, &first, &second] {
        service.meter(token, at(), now).await.unwrap();
    }
    for token in [&parent, &first, &second] {
        assert!(matches!(
            service.meter(token, at(), now).await,
            Err(MeterError::RateLimited { rate: r, .. }) if r == rate("4/min")
        ));
    }
}

/// The service's default rate bounds all of a user's tokens with no rate limit in their chain
/// together: making tokens adds nothing under it. A token made by one of them may ask for a
/// rate within the default only, and its uses spend both. A token with a rate limit from the
/// start of its chain is judged by that alone; another user has an allowance of their own.
pub(crate) async fn the_default_rate_bounds_each_users_unlimited_tokens_together<S: Storage>(
    storage: S,
) {
    let (service, first) = alice_with(storage, None, None).await;
    let service = service.with_default_rate_limit(Some(rate("4/h")));
    let now = Instant::now();
    let second = authenticated(&service, "second", None, None).await;
    let inheriting = child(&service, &first, "inheriting", full()).await;
    assert_eq!(
        inheriting.token.limits.rate_limit, None,
        "the default is not copied"
    );
    let too_fast = LimitsRequest {
        rate_limit: Some(rate("5/h")),
        ..full()
    };
    let refused = service
        .derive_token(&first, TokenName::new("too fast").unwrap(), too_fast, at())
        .await;
    assert!(
        matches!(
            refused,
            Err(DeriveError::Denied(DeriveDenial::ExceedsParent(Exceeded::RateLimit { parent })))
                if parent == rate("4/h")
        ),
        "{refused:?}"
    );
    let slower = LimitsRequest {
        rate_limit: Some(rate("1/h")),
        ..full()
    };
    let slower = child(&service, &first, "slower", slower).await;
    for token in [&first, &second, &inheriting] {
        service.meter(token, at(), now).await.unwrap();
    }
    // The slower child spends its own 1/h and alice's fourth.
    service.meter(&slower, at(), now).await.unwrap();
    for token in [&first, &second, &inheriting] {
        assert!(matches!(
            service.meter(token, at(), now).await,
            Err(MeterError::RateLimited { rate: r, .. }) if r == rate("4/h")
        ));
    }
    assert!(service.meter(&slower, at(), now).await.is_err());
    // bob, another user, has four of his own; a token limited from the start, its own rate.
    service
        .create_user(user("bob"), Role::Editor, at())
        .await
        .unwrap();
    let bobs = TokenRequest::new(
        user("bob"),
        TokenName::new("bob's").unwrap(),
        Limits::new(Scope::Edit),
    );
    let created = service.create_token(&bobs, at()).await.unwrap();
    let bobs = service
        .authenticate(created.secret.expose_secret(), at())
        .await
        .unwrap();
    for _ in 0..4 {
        service.meter(&bobs, at(), now).await.unwrap();
    }
    assert!(service.meter(&bobs, at(), now).await.is_err());
    let limited = authenticated(&service, "limited", Some(rate("10/h")), None).await;
    for _ in 0..10 {
        service.meter(&limited, at(), now).await.unwrap();
    }
    assert!(service.meter(&limited, at(), now).await.is_err());
}

/// A new user's first token, made by a token with a quota, keeps within that quota's value
/// but counts its uses against its own: the new user's uses are not the creator's.
pub(crate) async fn a_new_users_first_token_starts_a_chain_of_its_own<S: Storage>(storage: S) {
    let (service, admin) = alice_with(storage, None, Some(quota("3/day"))).await;
    let now = Instant::now();
    let created = service
        .create_user_with_token(
            &admin,
            User {
                name: user("carol"),
                role: Role::Reader,
            },
            TokenName::new("initial").unwrap(),
            LimitsRequest::new(Scope::Full),
            at(),
        )
        .await
        .unwrap();
    assert_eq!(created.record.parent_id, Some(admin.token.id));
    assert_eq!(created.record.ancestors, Vec::new());
    assert_eq!(created.record.limits.quota, Some(quota("3/day")));
    let carol = service
        .authenticate(created.secret.expose_secret(), at())
        .await
        .unwrap();
    for _ in 0..3 {
        service.meter(&carol, at(), now).await.unwrap();
    }
    assert!(service.meter(&carol, at(), now).await.is_err());
    for _ in 0..3 {
        service.meter(&admin, at(), now).await.unwrap();
    }
    assert_eq!(service.usage(&admin.token, at()).await.unwrap().used, 3);
}

/// Uses are counted for every token, limited or not, per day, and saved by a flush, which
/// deletes the counts of days before the previous month.
pub(crate) async fn uses_are_counted_per_day_and_saved<S: Storage>(storage: S) {
    let (service, token) = alice_with(storage, None, None).await;
    let now = Instant::now();
    let old = |day: &str| DayCount {
        token: token.token.id,
        day: day.parse().unwrap(),
        uses: 7,
    };
    service
        .storage()
        .add_usage(&[old("2026-09-30"), old("2026-10-01")])
        .await
        .unwrap();
    let yesterday = at() - TimeDelta::days(1);
    for _ in 0..2 {
        service.meter(&token, yesterday, now).await.unwrap();
    }
    service.meter(&token, at(), now).await.unwrap();
    let before = service.usage(&token.token, at()).await.unwrap();
    assert_eq!(service.flush_usage(at()).await.unwrap(), 2);
    assert_eq!(service.flush_usage(at()).await.unwrap(), 0);
    let after = service.usage(&token.token, at()).await.unwrap();
    assert_eq!(before, after);
    assert_eq!(
        (after.period, after.used, after.quota),
        (Period::Month, 3, None)
    );
    assert_eq!(
        after.days,
        vec![(day("2026-11-29"), 2), (day("2026-11-30"), 1)]
    );
    let stored = service
        .storage()
        .usage_since(&[token.token.id], day("2026-01-01"))
        .await
        .unwrap();
    let mut stored: Vec<(NaiveDate, u64)> =
        stored.iter().map(|count| (count.day, count.uses)).collect();
    stored.sort_unstable();
    assert_eq!(
        stored,
        [
            (day("2026-10-01"), 7),
            (day("2026-11-29"), 2),
            (day("2026-11-30"), 1)
        ]
    );
}

/// A token with the most ancestors may not make tokens; each token keeps its chain.
pub(crate) async fn chains_of_tokens_are_bounded<S: Storage>(storage: S) {
    let (service, root) = alice_with(storage, Some(rate("100/min")), None).await;
    let mut last = root;
    for depth in 1..=MAX_ANCESTORS {
        last = child(&service, &last, &format!("level {depth}"), full()).await;
        assert_eq!(last.token.ancestors.len(), depth);
    }
    assert_eq!(last.token.ancestors[0].rate_limit, Some(rate("100/min")));
    let refused = service
        .derive_token(&last, TokenName::new("too deep").unwrap(), full(), at())
        .await;
    assert!(
        matches!(refused, Err(DeriveError::TooDeep { max }) if max == MAX_ANCESTORS),
        "{refused:?}"
    );
}

/// Two services on one database, as two server instances: a quota counts the uses both
/// saved, and a restarted service refuses what the old one had used up.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) async fn instances_and_restarts_share_saved_counts(url: &str) {
    use tollgate_store::SqlStorage;

    let open = || async { service(SqlStorage::open(url).await.unwrap()) };
    let first = open().await;
    first
        .create_user(user("alice"), Role::Admin, at())
        .await
        .unwrap();
    let request = TokenRequest::new(
        user("alice"),
        TokenName::new("shared").unwrap(),
        Limits {
            quota: Some(quota("10/month")),
            ..Limits::new(Scope::Full)
        },
    );
    let secret = first.create_token(&request, at()).await.unwrap().secret;
    let second = open().await;
    let token = first
        .authenticate(secret.expose_secret(), at())
        .await
        .unwrap();
    let now = Instant::now();
    for _ in 0..6 {
        first.meter(&token, at(), now).await.unwrap();
    }
    first.flush_usage(at()).await.unwrap();
    // The second instance reads the six saved uses on its first check.
    for used in 7..=10 {
        let metered = second.meter(&token, at(), now).await.unwrap();
        assert_eq!(metered.quota.unwrap().1.used, used);
    }
    assert!(matches!(
        second.meter(&token, at(), now).await,
        Err(MeterError::QuotaExceeded { .. })
    ));
    // The first has not seen the second's four: it allows up to four more (the documented
    // overshoot) until the second saves and the first reads them back at its next save.
    first.meter(&token, at(), now).await.unwrap();
    second.flush_usage(at()).await.unwrap();
    first.flush_usage(at()).await.unwrap();
    assert!(matches!(
        first.meter(&token, at(), now).await,
        Err(MeterError::QuotaExceeded { status, .. }) if status.used == 11
    ));
    // A restart: what was saved is what the new service counts.
    second.storage().close().await;
    let restarted = open().await;
    assert!(matches!(
        restarted.meter(&token, at(), now).await,
        Err(MeterError::QuotaExceeded { status, .. }) if status.used == 11
    ));
    assert_eq!(restarted.usage(&token.token, at()).await.unwrap().used, 11);
}

/// A save dropped halfway (its server stopping, a timeout around it) hands its uses back to
/// be saved again: none is lost.
pub(crate) async fn a_save_dropped_halfway_loses_no_use() {
    use tollgate_test_support::ObservedStorage;

    let (service, token) = alice_with(ObservedStorage::default(), None, None).await;
    let now = Instant::now();
    for _ in 0..3 {
        service.meter(&token, at(), now).await.unwrap();
    }
    service.storage().set_stalled(true);
    let save = tokio::time::timeout(Duration::from_millis(50), service.flush_usage(at())).await;
    assert!(save.is_err(), "the save hangs, and is dropped");
    service.storage().set_stalled(false);
    assert_eq!(service.flush_usage(at()).await.unwrap(), 1);
    let stored = service
        .storage()
        .usage_since(&[token.token.id], day("2026-11-01"))
        .await
        .unwrap();
    assert_eq!(stored.iter().map(|count| count.uses).sum::<u64>(), 3);
}

/// A quota whose stored counts cannot be read refuses the use (never allows it); a save that
/// fails keeps the counts for the next one.
pub(crate) async fn unreadable_counts_refuse_and_failed_saves_are_kept() {
    use tollgate_store::StoreError;
    use tollgate_test_support::ObservedStorage;

    let (service, token) = alice_with(ObservedStorage::default(), None, None).await;
    let limited = authenticated(&service, "limited", None, Some(quota("5/day"))).await;
    let now = Instant::now();
    service.storage().set_down(true);
    assert!(matches!(
        service.meter(&limited, at(), now).await,
        Err(MeterError::Store(StoreError::Unavailable(_)))
    ));
    // A token without a quota needs no read.
    service.meter(&token, at(), now).await.unwrap();
    assert!(service.flush_usage(at()).await.is_err());
    service.storage().set_down(false);
    assert_eq!(service.flush_usage(at()).await.unwrap(), 1);
    assert_eq!(service.usage(&token.token, at()).await.unwrap().used, 1);
    assert_eq!(service.usage(&limited.token, at()).await.unwrap().used, 0);
}
