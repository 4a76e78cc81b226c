//! The `RateLimit-Policy` and `RateLimit` response fields of
//! [draft-ietf-httpapi-ratelimit-headers](https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/)
//! (revision 10), for a token's rate limit and quota.

use core::time::Duration;

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use tollgate_limit::{Quota, QuotaStatus, Rate};
use tollgate_store::{MeterError, Metered};

use crate::refusal::whole_seconds;

/// `RateLimit-Policy`: the limits that apply, which stay the same from response to response.
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit`: where the caller stands against them now.
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// The two fields for the limits that applied to a request, as structured-field lists of
/// the policies `"rate"` (the token's tightest rate limit) and `"quota"` (its tightest quota):
///
/// ```text
/// RateLimit-Policy: "rate";q=100;w=60, "quota";q=10000;w=2592000
/// RateLimit: "rate";r=99;t=1, "quota";r=9957;t=86400
/// ```
///
/// `q` is the limit, `w` the window in seconds (a rate's period; a quota's current calendar
/// day or month), `r` the uses left now, `t` the seconds, rounded up, until all of it is
/// back: for a rate, until its debt is repaid; for a quota, until its period ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// The `RateLimit-Policy` value.
    pub policy: HeaderValue,
    /// The `RateLimit` value.
    pub state: HeaderValue,
}

/// One policy's numbers.
struct Policy {
    name: &'static str,
    limit: u64,
    window: u64,
    remaining: u64,
    reset: u64,
}

impl RateLimitHeaders {
    /// The fields for an allowed request; `None` when no limit applied.
    #[must_use]
    pub fn allowed(metered: &Metered, at: DateTime<Utc>) -> Option<Self> {
        let rate = metered
            .rate
            .map(|(rate, allowed)| rate_policy(&rate, allowed.remaining, allowed.reset));
        let quota = metered
            .quota
            .map(|(quota, status)| quota_policy(&quota, &status, at));
        Self::of(rate.into_iter().chain(quota))
    }

    /// The fields for a request refused for its rate or quota (the refused limit, with
    /// nothing left); `None` for other errors.
    #[must_use]
    pub fn refused(error: &MeterError, at: DateTime<Utc>) -> Option<Self> {
        match error {
            MeterError::RateLimited { rate, refused } => {
                Self::of([rate_policy(rate, 0, refused.reset)].into_iter())
            }
            MeterError::QuotaExceeded { quota, status } => {
                Self::of([quota_policy(quota, status, at)].into_iter())
            }
            _ => None,
        }
    }

    fn of(policies: impl Iterator<Item = Policy>) -> Option<Self> {
        let (mut policy, mut state) = (Vec::new(), Vec::new());
        for p in policies {
            policy.push(format!("\"{}\";q={};w={}", p.name, p.limit, p.window));
            state.push(format!("\"{}\";r={};t={}", p.name, p.remaining, p.reset));
        }
        if policy.is_empty() {
            return None;
        }
        // Quoted ASCII names and digits only: always a valid field value.
        Some(Self {
            policy: HeaderValue::try_from(policy.join(", ")).ok()?,
            state: HeaderValue::try_from(state.join(", ")).ok()?,
        })
    }

    /// Sets both fields on `headers`.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(RATELIMIT_POLICY, self.policy.clone());
        headers.insert(RATELIMIT, self.state.clone());
    }
}

fn rate_policy(rate: &Rate, remaining: u32, reset: Duration) -> Policy {
    Policy {
        name: "rate",
        limit: u64::from(rate.count()),
        window: whole_seconds(rate.period()),
        remaining: u64::from(remaining),
        reset: whole_seconds(reset),
    }
}

/// The quota's current period is the one holding `at`, as `TokenService::meter` judged it at
/// the same `at`.
fn quota_policy(quota: &Quota, status: &QuotaStatus, at: DateTime<Utc>) -> Policy {
    let period = quota.period();
    let seconds = |from: DateTime<Utc>| {
        period
            .end(at)
            .and_then(|end| (end - from).to_std().ok())
            .map_or(u64::MAX, whole_seconds)
    };
    Policy {
        name: "quota",
        limit: quota.limit(),
        window: seconds(period.start(at)),
        remaining: status.remaining(),
        reset: seconds(at),
    }
}

/// How long from `at` until `quota`, in its period holding `at`, is whole again.
pub(crate) fn quota_wait(quota: &Quota, at: DateTime<Utc>) -> Duration {
    quota
        .period()
        .end(at)
        .and_then(|end| (end - at).to_std().ok())
        .unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use tollgate_limit::{Allowed, Refused};

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap()
    }

    fn status(used: u64, limit: u64) -> QuotaStatus {
        QuotaStatus {
            used,
            limit,
            period_start: "2026-11-01".parse().unwrap(),
            period_end: Some("2026-12-01".parse().unwrap()),
        }
    }

    #[test]
    fn an_allowed_request_shows_both_policies() {
        let metered = Metered {
            rate: Some((
                "100/min".parse().unwrap(),
                Allowed {
                    remaining: 99,
                    reset: Duration::from_millis(600),
                },
            )),
            quota: Some(("10000/month".parse().unwrap(), status(43, 10_000))),
        };
        let headers = RateLimitHeaders::allowed(&metered, at()).unwrap();
        assert_eq!(
            headers.policy,
            "\"rate\";q=100;w=60, \"quota\";q=10000;w=2592000"
        );
        assert_eq!(headers.state, "\"rate\";r=99;t=1, \"quota\";r=9957;t=3600");
        assert_eq!(RateLimitHeaders::allowed(&Metered::default(), at()), None);
    }

    #[test]
    fn a_refusal_shows_the_refused_policy_with_nothing_left() {
        let rate: Rate = "5/min".parse().unwrap();
        let refused = MeterError::RateLimited {
            rate,
            refused: Refused {
                retry_after: Duration::from_secs(12),
                reset: Duration::from_secs(60),
            },
        };
        let headers = RateLimitHeaders::refused(&refused, at()).unwrap();
        assert_eq!(headers.policy, "\"rate\";q=5;w=60");
        assert_eq!(headers.state, "\"rate\";r=0;t=60");
        let exceeded = MeterError::QuotaExceeded {
            quota: "10/day".parse().unwrap(),
            status: QuotaStatus {
                period_start: "2026-11-30".parse().unwrap(),
                ..status(10, 10)
            },
        };
        let headers = RateLimitHeaders::refused(&exceeded, at()).unwrap();
        assert_eq!(headers.policy, "\"quota\";q=10;w=86400");
        assert_eq!(headers.state, "\"quota\";r=0;t=3600");
        let MeterError::QuotaExceeded { quota, .. } = exceeded else {
            unreachable!()
        };
        assert_eq!(quota_wait(&quota, at()), Duration::from_secs(3600));
    }
}
