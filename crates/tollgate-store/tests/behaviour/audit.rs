//! The audit log (`Storage::append_audit`, `audit_entries`, `delete_audit_before`) on every
//! backend: events read back whole, newest first, filtered and paged; old ones deleted.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use tollgate_store::{
    AuditAction, AuditEntry, AuditEvent, AuditQuery, Storage, TokenId, UserName, token_target,
};

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

fn event(
    minutes: i64,
    by: Option<(&str, i64)>,
    action: AuditAction,
    target: &str,
    outcome: &str,
    count: u64,
) -> AuditEvent {
    AuditEvent {
        at: at(minutes),
        actor_user: by.map(|(user, _)| UserName::new(user).unwrap()),
        actor_token: by.map(|(_, token)| TokenId(token)),
        action,
        target: target.to_owned(),
        outcome: outcome.to_owned(),
        count,
    }
}

/// The log the cases start from, oldest first.
fn log() -> Vec<AuditEvent> {
    vec![
        event(
            0,
            Some(("Admin", 1)),
            AuditAction::UserCreated,
            "user:alice",
            "ok",
            1,
        ),
        event(
            1,
            Some(("Admin", 1)),
            AuditAction::TokenCreated,
            "token:2",
            "parent 1",
            1,
        ),
        event(
            2,
            Some(("alice", 2)),
            AuditAction::TokenCreated,
            "token:3",
            "parent 2",
            1,
        ),
        event(
            3,
            Some(("alice", 2)),
            AuditAction::WritersChanged,
            "aspects/cpu",
            "+bob",
            1,
        ),
        event(
            4,
            None,
            AuditAction::Refused,
            "token:3",
            "insufficient_scope",
            17,
        ),
        event(
            5,
            Some(("admin", 1)),
            AuditAction::TokenRevoked,
            "token:2",
            "ok",
            1,
        ),
        event(
            6,
            None,
            AuditAction::TokensPurged,
            "tokens",
            "unused since 2026-09-01",
            4,
        ),
    ]
}

/// The events of `entries`, oldest first.
fn events(mut entries: Vec<AuditEntry>) -> Vec<AuditEvent> {
    entries.reverse();
    entries.into_iter().map(|entry| entry.event).collect()
}

pub(crate) async fn events_read_back_whole_newest_first<S: Storage>(storage: S) {
    storage.append_audit(&log()).await.unwrap();
    let all = storage
        .audit_entries(&AuditQuery::default(), 100)
        .await
        .unwrap();
    assert!(
        all.windows(2).all(|pair| pair[0].id > pair[1].id),
        "newest first"
    );
    assert_eq!(events(all.clone()), log());
    // Pages: the newest three, then the three before the last of them.
    let first = storage
        .audit_entries(&AuditQuery::default(), 3)
        .await
        .unwrap();
    assert_eq!(first, all[..3]);
    let before_id = Some(first[2].id);
    let query = AuditQuery {
        before_id,
        ..AuditQuery::default()
    };
    let second = storage.audit_entries(&query, 3).await.unwrap();
    assert_eq!(second, all[3..6]);
    // Nothing appended when nothing is given.
    storage.append_audit(&[]).await.unwrap();
    assert_eq!(
        storage
            .audit_entries(&AuditQuery::default(), 100)
            .await
            .unwrap(),
        all
    );
}

pub(crate) async fn filters_each_narrow_the_log<S: Storage>(storage: S) {
    storage.append_audit(&log()).await.unwrap();
    let find = |query: AuditQuery| {
        let storage = &storage;
        async move { events(storage.audit_entries(&query, 100).await.unwrap()) }
    };
    let log = log();
    // By user, ignoring case: `Admin` and `admin` are one user.
    let by_admin = find(AuditQuery {
        actor_user: Some(UserName::new("ADMIN").unwrap()),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(by_admin, [log[0].clone(), log[1].clone(), log[5].clone()]);
    // By token: what it did, and what was done to it.
    let token_2 = find(AuditQuery {
        token: Some(TokenId(2)),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(
        token_2,
        [
            log[1].clone(),
            log[2].clone(),
            log[3].clone(),
            log[5].clone()
        ]
    );
    assert_eq!(token_target(TokenId(2)), "token:2");
    let refused = find(AuditQuery {
        action: Some(AuditAction::Refused),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(refused, [log[4].clone()]);
    // A time range: at or after `since`, before `until`.
    let range = find(AuditQuery {
        since: Some(at(2)),
        until: Some(at(4)),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(range, [log[2].clone(), log[3].clone()]);
    // Conditions together.
    let both = find(AuditQuery {
        actor_user: Some(UserName::new("alice").unwrap()),
        action: Some(AuditAction::TokenCreated),
        token: Some(TokenId(3)),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(both, [log[2].clone()]);
    let none = find(AuditQuery {
        actor_user: Some(UserName::new("carol").unwrap()),
        ..AuditQuery::default()
    })
    .await;
    assert!(none.is_empty());
}

pub(crate) async fn old_entries_are_deleted_and_ids_keep_growing<S: Storage>(storage: S) {
    storage.append_audit(&log()).await.unwrap();
    let newest = storage
        .audit_entries(&AuditQuery::default(), 1)
        .await
        .unwrap()[0]
        .id;
    assert_eq!(storage.delete_audit_before(at(3)).await.unwrap(), 3);
    assert_eq!(
        events(
            storage
                .audit_entries(&AuditQuery::default(), 100)
                .await
                .unwrap()
        ),
        log()[3..]
    );
    // Everything deleted: a new entry still comes after every entry there was.
    assert_eq!(storage.delete_audit_before(at(60)).await.unwrap(), 4);
    assert!(
        storage
            .audit_entries(&AuditQuery::default(), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let later = event(
        61,
        None,
        AuditAction::TokensPurged,
        "tokens",
        "unused since 2026-09-01",
        0,
    );
    storage
        .append_audit(std::slice::from_ref(&later))
        .await
        .unwrap();
    let entries = storage
        .audit_entries(&AuditQuery::default(), 100)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].id > newest, "{} after {newest}", entries[0].id);
    assert_eq!(entries[0].event, later);
}
