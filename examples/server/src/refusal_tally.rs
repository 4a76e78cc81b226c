//! Refusals summarised for the audit log: how many requests with each token were refused with
//! each code, per minute, rather than one entry per request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use tollgate::http::RefusalCode;
use tollgate::store::{AuditAction, AuditEvent, Storage, TokenId, TokenService, token_target};

/// The most (minute, token, code) counts held between two flushes: a bound on memory that
/// the tokens of a busy minute do not reach (each count is one token that authenticated).
const MAX_COUNTS: usize = 100_000;

/// What refusals are counted by: the minute they fall in, the token, the refusal's code.
type Key = (DateTime<Utc>, TokenId, &'static str);

/// Counts of refused requests by [`Key`], until flushed to the audit log.
#[derive(Debug, Default)]
pub(crate) struct RefusalTally {
    counts: Mutex<HashMap<Key, u64>>,
}

impl RefusalTally {
    /// Counts one refusal with `code` of a request with `token`, at `at`.
    fn count(&self, at: DateTime<Utc>, token: TokenId, code: &'static str) {
        let minute = at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(at);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= MAX_COUNTS && !counts.contains_key(&(minute, token, code)) {
            tracing::warn!(target: "audit", token_id = token.0, code, "refusal_not_tallied");
            return;
        }
        *counts.entry((minute, token, code)).or_default() += 1;
    }

    /// Appends the counts of the minutes before `now`'s (every count when `all`) to the audit
    /// log, one event each. Counts the database refused are put back, for the next flush.
    pub(crate) async fn flush<S: Storage>(
        &self,
        tokens: &TokenService<S>,
        now: DateTime<Utc>,
        all: bool,
    ) {
        let current = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
        let done: Vec<_> = {
            let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
            let keys: Vec<_> = counts
                .keys()
                .filter(|(minute, _, _)| all || *minute < current)
                .copied()
                .collect();
            keys.into_iter()
                .filter_map(|key| counts.remove_entry(&key))
                .collect()
        };
        if done.is_empty() {
            return;
        }
        let mut events: Vec<AuditEvent> = done
            .iter()
            .map(|&((minute, token, code), count)| AuditEvent {
                at: minute,
                actor_user: None,
                actor_token: None,
                action: AuditAction::Refused,
                target: token_target(token),
                outcome: code.to_owned(),
                count,
            })
            .collect();
        events.sort_by_key(|event| event.at);
        if let Err(error) = tokens.storage().append_audit(&events).await {
            tracing::warn!(target: "audit", %error, "refusals not stored; the next flush retries them");
            let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
            for (key, count) in done {
                *counts.entry(key).or_default() += count;
            }
        }
    }
}

/// Middleware: counts every refusal (a response with a refusal code) of a request whose token
/// authenticated (the response names it).
pub(crate) async fn tally(
    State(tally): State<Arc<RefusalTally>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let refused = response.extensions().get::<RefusalCode>().copied();
    if let (Some(code), Some(&token)) = (refused, response.extensions().get::<TokenId>()) {
        tally.count(Utc::now(), token, code.as_str());
    }
    response
}
