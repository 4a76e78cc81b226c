//! Rate limits and quotas enforced on each use of a token, and its uses counted per day.

use core::num::NonZeroUsize;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;
use tollgate_limit::{
    Allowed, Counting, DEFAULT_MAX_KEYS, Limiter, Period, Quota, QuotaStatus, Rate, Refused,
    Unsaved, UsageMeter,
};

use crate::{Authenticated, DayCount, Storage, StoreError, TokenId, UserName};

/// The most tokens (and owners, for the default rate) whose rate state and saved use counts
/// are kept in memory, tollgate-limit's default: 65 536 (tokens with unsaved uses are kept
/// beyond it until saved; see [`UsageMeter`]).
const MAX_METERED_TOKENS: NonZeroUsize = DEFAULT_MAX_KEYS;

/// Where a use stands against the limits that apply to it, for a response's `RateLimit`
/// headers: of each kind, the limit with the least left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Metered {
    /// The rate limit with the fewest uses left, and what it has left.
    pub rate: Option<(Rate, Allowed)>,
    /// The quota with the fewest uses left, and where it stands.
    pub quota: Option<(Quota, QuotaStatus)>,
}

/// Why a use of a token was refused, or could not be judged.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MeterError {
    /// The token, or a token it derives from, is over its rate limit (or, without one, the
    /// service's default rate).
    #[error("rate limit {rate} reached: retry in {} s", refused.retry_after.as_secs_f64().ceil())]
    RateLimited {
        /// The limit that refused.
        rate: Rate,
        /// The wait, and when the whole allowance is back.
        refused: Refused,
    },
    /// The token, or a token it derives from, used its whole quota for this period.
    #[error("quota {quota} used up for this {}", quota.period())]
    QuotaExceeded {
        /// The quota that refused.
        quota: Quota,
        /// Its state: used, limit, and the period.
        status: QuotaStatus,
    },
    /// The stored counts a quota needs could not be read: the use is refused, never allowed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A token's use counts for the current period of its quota (or, without one, the current
/// month), stored and not yet saved together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUsage {
    /// The period counted: the token's quota's, else a month.
    pub period: Period,
    /// The first day of the period, in UTC.
    pub period_start: NaiveDate,
    /// Uses of the token and of the tokens derived from it in the period.
    pub used: u64,
    /// The token's quota (set or inherited), if any. Uses are also counted against its
    /// ancestors' quotas, which may refuse first.
    pub quota: Option<Quota>,
    /// Uses per day of the period, days without uses left out, oldest first.
    pub days: Vec<(NaiveDate, u64)>,
}

/// The rate limits and quotas of tokens, and their use counts: see
/// [`TokenService::meter`](crate::TokenService::meter).
#[derive(Debug)]
pub(crate) struct Metering {
    rates: Limiter<TokenId>,
    /// The default rate's state, per owner: it bounds all of a user's tokens that have no
    /// rate limit in their chain together, so making tokens adds no capacity under it.
    default_rates: Limiter<UserName>,
    uses: UsageMeter<TokenId>,
    default_rate: Option<Rate>,
    /// Held while a save runs: [`UsageMeter`] takes one save at a time. Holds the last
    /// day old counts were deleted on.
    saving: tokio::sync::Mutex<Option<NaiveDate>>,
}

/// Why [`Metering::count_each`] stopped before counting every member.
enum Stopped {
    /// A quota is used up.
    Exceeded(Quota, QuotaStatus),
    /// The stored counts for the month starting on this day must be read first.
    NeedsStored(NaiveDate),
}

/// One token whose limits a use counts against: the token or one of its ancestors.
struct Member {
    id: TokenId,
    rate: Option<Rate>,
    quota: Option<Quota>,
}

impl Metering {
    /// No default rate.
    pub(crate) fn new() -> Self {
        Self {
            rates: Limiter::with_max_keys(MAX_METERED_TOKENS),
            default_rates: Limiter::with_max_keys(MAX_METERED_TOKENS),
            uses: UsageMeter::new(MAX_METERED_TOKENS),
            default_rate: None,
            saving: tokio::sync::Mutex::const_new(None),
        }
    }

    pub(crate) fn with_default_rate(self, default_rate: Option<Rate>) -> Self {
        Self {
            default_rate,
            ..self
        }
    }

    pub(crate) fn default_rate(&self) -> Option<Rate> {
        self.default_rate
    }

    /// Counts one use of `found` at `at` (UTC) / `now` (monotonic) against its limits and its
    /// ancestors', or refuses it; see [`TokenService::meter`](crate::TokenService::meter).
    pub(crate) async fn meter<S: Storage>(
        &self,
        storage: &S,
        found: &Authenticated,
        at: DateTime<Utc>,
        now: Instant,
    ) -> Result<Metered, MeterError> {
        let members = self.members(found);
        let owner = &found.token.owner;
        let default_rate = self.default_rate.filter(|_| chain_has_no_rate(found));
        let mut metered = Metered::default();
        // Rates first, without spending: a use refused for its rate counts nowhere.
        for member in &members {
            if let Some(rate) = member.rate {
                let allowed = self
                    .rates
                    .peek(&member.id, &rate, now)
                    .map_err(|refused| MeterError::RateLimited { rate, refused })?;
                keep_least(&mut metered.rate, rate, allowed, |allowed| {
                    allowed.remaining
                });
            }
        }
        if let Some(rate) = default_rate {
            let allowed = self
                .default_rates
                .peek(owner, &rate, now)
                .map_err(|refused| MeterError::RateLimited { rate, refused })?;
            keep_least(&mut metered.rate, rate, allowed, |allowed| {
                allowed.remaining
            });
        }
        let today = at.date_naive();
        metered.quota = self.count(storage, &members, today).await?;
        // Then spend them. A spend refused now lost a race with a concurrent use since the
        // peek: the use is refused, its counts taken back (rates spent above stay spent,
        // which only errs towards refusing).
        let spends = members
            .iter()
            .filter_map(|member| {
                member
                    .rate
                    .map(|rate| (rate, self.rates.spend(&member.id, &rate, now)))
            })
            .chain(default_rate.map(|rate| (rate, self.default_rates.spend(owner, &rate, now))));
        for (rate, spent) in spends {
            if let Err(refused) = spent {
                for counted in &members {
                    self.uses.uncount(&counted.id, today);
                }
                return Err(MeterError::RateLimited { rate, refused });
            }
        }
        Ok(metered)
    }

    /// Counts the use for every member, checking their quotas; on a refusal, takes back what
    /// it counted. Reads the stored counts of the members' month when a quota needs them.
    async fn count<S: Storage>(
        &self,
        storage: &S,
        members: &[Member],
        today: NaiveDate,
    ) -> Result<Option<(Quota, QuotaStatus)>, MeterError> {
        // The stored counts are read when a quota needs them (the first time in a month or
        // a save interval); a save or a new month between the read and the count makes them
        // needed again. Three reads at most, then the use is refused: only a save interval far
        // shorter than a read gets there.
        let mut reads = 0;
        loop {
            match self.count_each(members, today) {
                Ok(least) => return Ok(least),
                Err(Stopped::Exceeded(quota, status)) => {
                    return Err(MeterError::QuotaExceeded { quota, status });
                }
                Err(Stopped::NeedsStored(month)) if reads < 3 => {
                    reads += 1;
                    self.load(storage, members, month).await?;
                }
                Err(Stopped::NeedsStored(_)) => {
                    let changing = "the stored use counts changed while being read";
                    return Err(StoreError::Unavailable(changing.into()).into());
                }
            }
        }
    }

    /// Counts the use for each member in turn; at the first that is not counted, takes back
    /// the ones before it and says why. Counted, the quota with the fewest uses left.
    fn count_each(
        &self,
        members: &[Member],
        today: NaiveDate,
    ) -> Result<Option<(Quota, QuotaStatus)>, Stopped> {
        let mut least = None;
        for (index, member) in members.iter().enumerate() {
            let Some(quota) = member.quota else {
                // Without a quota, a use is always counted.
                let _counted = self.uses.count(&member.id, None, today);
                continue;
            };
            let stopped = match self.uses.count(&member.id, Some(&quota), today) {
                Counting::Counted(status) => {
                    if let Some(status) = status {
                        keep_least(&mut least, quota, status, QuotaStatus::remaining);
                    }
                    continue;
                }
                Counting::Exceeded(status) => Stopped::Exceeded(quota, status),
                Counting::NeedsStored { month } => Stopped::NeedsStored(month),
            };
            for counted in &members[..index] {
                self.uses.uncount(&counted.id, today);
            }
            return Err(stopped);
        }
        Ok(least)
    }

    /// Reads the stored counts, for the month starting on `month`, of the members whose quota
    /// needs them (whose counts were not read in this save interval).
    async fn load<S: Storage>(
        &self,
        storage: &S,
        members: &[Member],
        month: NaiveDate,
    ) -> Result<(), StoreError> {
        let ids: Vec<TokenId> = members
            .iter()
            .filter(|member| member.quota.is_some() && !self.uses.is_current(&member.id, month))
            .map(|member| member.id)
            .collect();
        let read_in = self.uses.interval();
        let mut days = by_token(storage.usage_since(&ids, month).await?);
        for id in ids {
            let read = days.remove(&id).unwrap_or_default();
            self.uses.load(&id, month, read, read_in);
        }
        Ok(())
    }

    /// The token and its ancestors, each with the limits worth checking: a limit equal to
    /// the one of the member before it (its parent, or nearer ancestor that set it) is left
    /// out, as every use it sees that one sees too, so it never refuses first.
    fn members(&self, found: &Authenticated) -> Vec<Member> {
        let token = &found.token;
        let chain = token
            .ancestors
            .iter()
            .map(|ancestor| (ancestor.id, ancestor.rate_limit, ancestor.quota))
            .chain([(token.id, token.limits.rate_limit, token.limits.quota)]);
        let (mut last_rate, mut last_quota) = (None, None);
        chain
            .map(|(id, rate, quota)| {
                let member = Member {
                    id,
                    rate: rate.filter(|rate| last_rate != Some(*rate)),
                    quota: quota.filter(|quota| last_quota != Some(*quota)),
                };
                (last_rate, last_quota) = (rate.or(last_rate), quota.or(last_quota));
                member
            })
            .collect()
    }

    /// Saves every use counted and not saved yet; see
    /// [`TokenService::flush_usage`](crate::TokenService::flush_usage).
    pub(crate) async fn flush<S: Storage>(
        &self,
        storage: &S,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut last_deleted = self.saving.lock().await;
        let today = at.date_naive();
        if *last_deleted != Some(today) {
            // Nothing reads counts before the current period; the previous month is kept for
            // people who look.
            let keep_from = Period::Month
                .first_day(today)
                .checked_sub_months(chrono::Months::new(1));
            let deleted = match keep_from {
                Some(day) => storage.delete_usage_before(day).await.map(drop),
                None => Ok(()),
            };
            match deleted {
                Ok(()) => *last_deleted = Some(today),
                Err(error) => {
                    tracing::warn!(%error, "old use counts not deleted; the next save retries");
                }
            }
        }
        let batch = self.uses.take_unsaved();
        if batch.is_empty() {
            // Counts read before now are read again before a quota is checked against them.
            self.uses.next_interval();
            return Ok(0);
        }
        let mut counts: Vec<DayCount> = batch
            .iter()
            .map(|unsaved| DayCount {
                token: unsaved.key,
                day: unsaved.day,
                uses: unsaved.uses,
            })
            .collect();
        // In one order on every instance, so that two saves lock shared rows in the same
        // order and never deadlock each other on PostgreSQL.
        counts.sort_unstable();
        // Unless the write is known to be done, the batch is handed over again, also when the
        // flush is cancelled: counted twice if the write did commit, never lost.
        let mut unconfirmed = Unconfirmed {
            uses: &self.uses,
            batch: Some(batch),
        };
        storage.add_usage(&counts).await?;
        unconfirmed.batch = None;
        // As above; from here on, counts read hold the uses just saved.
        self.uses.next_interval();
        // Saved. Reading the month back lets quotas see the other instances' uses; if the
        // read fails, the counts stay as they are and the next save reads again.
        let month = Period::Month.first_day(at.date_naive());
        let mut ids: Vec<TokenId> = counts.iter().map(|count| count.token).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut read = storage.usage_since(&ids, month).await.map(by_token);
        if let Err(error) = &read {
            tracing::warn!(%error, "use counts saved, but not read back: other instances' uses are seen at the next save");
        }
        for id in &ids {
            let read_back = read
                .as_mut()
                .ok()
                .map(|days| (month, days.remove(id).unwrap_or_default()));
            self.uses.saved(id, read_back);
        }
        Ok(counts.len())
    }

    /// `id`'s counts for the current period of `quota` (a month without one), saved and not.
    pub(crate) async fn usage<S: Storage>(
        &self,
        storage: &S,
        id: TokenId,
        quota: Option<Quota>,
        at: DateTime<Utc>,
    ) -> Result<TokenUsage, StoreError> {
        // Not during a save, whose uses would be both in the store and in memory.
        let _no_save = self.saving.lock().await;
        let period = quota.map_or(Period::Month, |quota| quota.period());
        let today = at.date_naive();
        let start = period.first_day(today);
        let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        let stored = storage.usage_since(&[id], start).await?;
        let stored = stored.into_iter().map(|count| (count.day, count.uses));
        for (day, uses) in stored.chain(self.uses.unsaved_of(&id)) {
            if (start..=today).contains(&day) {
                let total = days.entry(day).or_default();
                *total = total.saturating_add(uses);
            }
        }
        let days: Vec<(NaiveDate, u64)> = days.into_iter().collect();
        Ok(TokenUsage {
            period,
            period_start: start,
            used: days
                .iter()
                .map(|(_, uses)| uses)
                .fold(0, |sum, uses| sum.saturating_add(*uses)),
            quota,
            days,
        })
    }
}

/// A batch handed to a save: given back to the meter ([`UsageMeter::save_failed`]) when
/// dropped unless the save took it (`batch` set to `None`), so also when the save is dropped
/// halfway.
struct Unconfirmed<'m> {
    uses: &'m UsageMeter<TokenId>,
    batch: Option<Vec<Unsaved<TokenId>>>,
}

impl Drop for Unconfirmed<'_> {
    fn drop(&mut self) {
        if let Some(batch) = self.batch.take() {
            self.uses.save_failed(batch);
        }
    }
}

/// Whether the default rate applies to `found`: when the token its chain starts from (its
/// first ancestor, or itself) has no rate limit. Tokens further down may have set one, held
/// within the default (`TokenService::derive_token`); their uses spend it besides the default.
fn chain_has_no_rate(found: &Authenticated) -> bool {
    let token = &found.token;
    token
        .ancestors
        .first()
        .map_or(token.limits.rate_limit, |root| root.rate_limit)
        .is_none()
}

/// Counts grouped by token.
fn by_token(counts: Vec<DayCount>) -> HashMap<TokenId, Vec<(NaiveDate, u64)>> {
    let mut grouped: HashMap<TokenId, Vec<(NaiveDate, u64)>> = HashMap::new();
    for count in counts {
        grouped
            .entry(count.token)
            .or_default()
            .push((count.day, count.uses));
    }
    grouped
}

/// Keeps in `kept` whichever of it and (`limit`, `state`) has the fewest uses `left`.
fn keep_least<L, S, N: Ord>(kept: &mut Option<(L, S)>, limit: L, state: S, left: impl Fn(&S) -> N) {
    if kept
        .as_ref()
        .is_none_or(|(_, least)| left(&state) < left(least))
    {
        *kept = Some((limit, state));
    }
}
