//! Counting uses per key and calendar day in memory, checked against quotas, and handed to a
//! store in batches.

use core::hash::Hash;
use core::num::NonZeroUsize;
use std::collections::HashMap;
use std::sync::MutexGuard;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;

use crate::shards::Shards;
use crate::{Period, Quota};

/// Where a key stands against its quota, after the use just counted (or, refused, before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QuotaStatus {
    /// Uses counted in the current period.
    pub used: u64,
    /// The quota's limit.
    pub limit: u64,
    /// The first day of the current period.
    pub period_start: NaiveDate,
    /// The first day of the next period, when the quota is whole again; `None` past chrono's
    /// last date.
    pub period_end: Option<NaiveDate>,
}

impl QuotaStatus {
    /// Uses left in the current period.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// What [`UsageMeter::count`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Counting {
    /// Counted; with a quota, where the key stands after this use.
    Counted(Option<QuotaStatus>),
    /// Not counted: the quota is spent for this period.
    Exceeded(QuotaStatus),
    /// Not counted: the quota cannot be checked until the store's counts for the key's month
    /// starting on `month` are read (for the first time, or again in a new save interval)
    /// and handed to [`UsageMeter::load`]. Count again then.
    NeedsStored {
        /// The first day of the month to read.
        month: NaiveDate,
    },
}

/// Uses of `key` on `day` that the store has not been given yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsaved<K> {
    /// The key (a token's id, a user).
    pub key: K,
    /// The UTC day of the uses.
    pub day: NaiveDate,
    /// How many.
    pub uses: u64,
}

/// Counts of uses per key and UTC day, kept in memory and saved in batches, with quotas
/// checked against them. Pure bookkeeping: the caller reads and writes the store.
///
/// # How the counts stay right
///
/// A key's count in a period is what the store held when last read ([`load`](Self::load),
/// or [`saved`](Self::saved) after each save), plus the uses counted here since and not yet
/// confirmed saved. So on one instance the count is exact: every use counted is either
/// unsaved here or in the store, never both. Instances sharing a store see each other's
/// uses when they read it, and counts read before the current save interval
/// ([`next_interval`](Self::next_interval)) are read again before a quota is checked against
/// them. So a quota may be overshot by what other instances counted and had not saved, or
/// saved after this one last read: with every instance saving each interval, at most the
/// uses the others counted in the last two intervals.
///
/// The saving loop: [`take_unsaved`](Self::take_unsaved) hands over everything unsaved; the
/// caller adds it to the store (atomically, `count = count + uses`), calls
/// [`next_interval`](Self::next_interval), reads the keys' months back, then calls
/// [`saved`](Self::saved) for each key (with what it read, if it could); if the write fails it calls
/// [`save_failed`](Self::save_failed), and the uses are handed over again next time. One save
/// at a time.
///
/// # Memory
///
/// A key holds at most its month's counts (31 numbers) and its unsaved days. A key with no
/// unsaved uses is forgotten when its shard needs room (it is read from the store again the
/// next time a quota needs it); keys with unsaved uses are kept until saved, so they number
/// at most the distinct keys used within one save interval beyond `max_keys`.
#[derive(Debug)]
pub struct UsageMeter<K> {
    shards: Shards<Shard<K>>,
    max_keys_per_shard: usize,
    /// The current save interval: counts read in an earlier one are read again.
    interval: AtomicU64,
}

/// One key's counts.
#[derive(Debug, Default)]
struct Counts {
    /// The store's counts for the days of one month as last read.
    stored: Option<Stored>,
    /// Uses counted here and not handed to a save yet, per day.
    unsaved: Vec<(NaiveDate, u64)>,
    /// Uses handed to the save in progress, per day.
    saving: Vec<(NaiveDate, u64)>,
    /// The save interval in which they were handed over: counts read in a later interval
    /// were read after the save's write, and hold them already.
    saving_interval: u64,
}

/// One lock's share of the keys.
#[derive(Debug)]
struct Shard<K> {
    map: HashMap<K, Counts, ahash::RandomState>,
    /// The size at which the next new key sweeps the saved keys out: twice what a sweep
    /// left, so that a shard full of unsaved keys is not swept again on every new key.
    sweep_at: usize,
}

/// A month of a key's counts as read from the store.
#[derive(Debug)]
struct Stored {
    /// The month's first day.
    month: NaiveDate,
    /// The counts per day.
    days: Vec<(NaiveDate, u64)>,
    /// The save interval they were read in (see [`UsageMeter::next_interval`]).
    interval: u64,
}

const SHARDS: usize = 64;

impl Counts {
    /// Uses in the period starting on `first` up to `day`, if the month holding `day` was read
    /// in the save interval `interval`.
    fn used(&self, first: NaiveDate, day: NaiveDate, interval: u64) -> Option<u64> {
        let stored = self.stored.as_ref()?;
        if stored.month != Period::Month.first_day(day) || stored.interval != interval {
            return None;
        }
        let in_period = |(on, uses): &(NaiveDate, u64)| (first..=day).contains(on).then_some(*uses);
        let saving = if stored.interval > self.saving_interval {
            &[][..]
        } else {
            &self.saving[..]
        };
        let all = stored.days.iter().chain(&self.unsaved).chain(saving);
        Some(all.filter_map(in_period).fold(0, u64::saturating_add))
    }

    fn is_saved(&self) -> bool {
        self.unsaved.is_empty() && self.saving.is_empty()
    }
}

fn add(days: &mut Vec<(NaiveDate, u64)>, day: NaiveDate, uses: u64) {
    match days.iter_mut().find(|(on, _)| *on == day) {
        Some((_, count)) => *count = count.saturating_add(uses),
        None => days.push((day, uses)),
    }
}

impl<K: Hash + Eq + Clone> UsageMeter<K> {
    /// A meter that keeps the counts of at most about `max_keys` keys with nothing unsaved.
    #[must_use]
    pub fn new(max_keys: NonZeroUsize) -> Self {
        Self {
            shards: Shards::new((0..SHARDS).map(|_| Shard {
                map: HashMap::default(),
                sweep_at: max_keys.get().div_ceil(SHARDS),
            })),
            max_keys_per_shard: max_keys.get().div_ceil(SHARDS),
            interval: AtomicU64::new(0),
        }
    }

    /// Starts a new save interval: counts read from the store before it are read again
    /// ([`Counting::NeedsStored`]) before a quota is checked against them, so that a quota
    /// sees the other instances' saved uses within an interval. Call it at each save, after
    /// the store took the uses handed over (so that counts read from then on are known to
    /// hold them) and before reading the saved keys back.
    pub fn next_interval(&self) {
        self.interval.fetch_add(1, Ordering::Relaxed);
    }

    /// The current save interval: read it before reading a key's counts from the store, and
    /// hand it to [`load`](Self::load) with them.
    #[must_use]
    pub fn interval(&self) -> u64 {
        self.interval.load(Ordering::Relaxed)
    }

    /// Whether `key`'s counts for the month holding `day` were read in the current save
    /// interval, so that a quota can be checked without reading them again.
    #[must_use]
    pub fn is_current(&self, key: &K, day: NaiveDate) -> bool {
        let interval = self.interval();
        self.shard(key)
            .map
            .get(key)
            .and_then(|counts| counts.stored.as_ref())
            .is_some_and(|stored| {
                stored.month == Period::Month.first_day(day) && stored.interval == interval
            })
    }

    /// Counts one use of `key` on `day` if `quota` allows it (`None`: no quota, always
    /// counted). Checking and counting are one step, so concurrent uses never both take the
    /// last one.
    pub fn count(&self, key: &K, quota: Option<&Quota>, day: NaiveDate) -> Counting {
        let mut shard = self.shard(key);
        if !shard.map.contains_key(key) && shard.map.len() >= shard.sweep_at {
            shard.map.retain(|_, counts| !counts.is_saved());
            shard.sweep_at = self.max_keys_per_shard.max(2 * shard.map.len());
        }
        let counts = shard.map.entry(key.clone()).or_default();
        let Some(quota) = quota else {
            add(&mut counts.unsaved, day, 1);
            return Counting::Counted(None);
        };
        let first = quota.period().first_day(day);
        let Some(used) = counts.used(first, day, self.interval()) else {
            return Counting::NeedsStored {
                month: Period::Month.first_day(day),
            };
        };
        let mut status = QuotaStatus {
            used,
            limit: quota.limit(),
            period_start: first,
            period_end: quota.period().next_first_day(day),
        };
        if used >= quota.limit() {
            return Counting::Exceeded(status);
        }
        add(&mut counts.unsaved, day, 1);
        status.used += 1;
        Counting::Counted(Some(status))
    }

    /// Takes back one use of `key` on `day` counted by [`count`](Self::count) and not saved
    /// yet: for a request refused after it was counted (by a rate limit, or another key's
    /// quota).
    pub fn uncount(&self, key: &K, day: NaiveDate) {
        if let Some(counts) = self.shard(key).map.get_mut(key)
            && let Some((_, uses)) = counts.unsaved.iter_mut().find(|(on, _)| *on == day)
        {
            *uses = uses.saturating_sub(1);
        }
    }

    /// The store's counts of `key` for the days of the month starting on `month` (each day
    /// once; days without uses may be left out), read in the save interval `read_in` (the
    /// [`interval`](Self::interval) taken before the read began). Counts read in an earlier
    /// interval than the ones already held are dropped: a slow read never replaces a newer
    /// one, and counts read while a save ran are read again before they are trusted.
    pub fn load(&self, key: &K, month: NaiveDate, days: Vec<(NaiveDate, u64)>, read_in: u64) {
        let mut shard = self.shard(key);
        let counts = shard.map.entry(key.clone()).or_default();
        if counts
            .stored
            .as_ref()
            .is_some_and(|held| held.interval > read_in)
        {
            return;
        }
        counts.stored = Some(Stored {
            month,
            days,
            interval: read_in,
        });
    }

    /// `key`'s uses counted here and not confirmed saved, per day.
    #[must_use]
    pub fn unsaved_of(&self, key: &K) -> Vec<(NaiveDate, u64)> {
        let shard = self.shard(key);
        let Some(counts) = shard.map.get(key) else {
            return Vec::new();
        };
        let mut days = Vec::new();
        for &(day, uses) in counts.unsaved.iter().chain(&counts.saving) {
            add(&mut days, day, uses);
        }
        days.retain(|&(_, uses)| uses > 0);
        days
    }

    /// Everything counted and not handed over yet, to add to the store; until
    /// [`saved`](Self::saved) or [`save_failed`](Self::save_failed), it is still counted here.
    #[must_use]
    pub fn take_unsaved(&self) -> Vec<Unsaved<K>> {
        let mut taken = Vec::new();
        let interval = self.interval();
        for mut shard in self.shards.each() {
            for (key, counts) in shard.map.iter_mut() {
                if !counts.unsaved.is_empty() {
                    counts.saving_interval = interval;
                }
                for (day, uses) in core::mem::take(&mut counts.unsaved) {
                    if uses > 0 {
                        taken.push(Unsaved {
                            key: key.clone(),
                            day,
                            uses,
                        });
                        add(&mut counts.saving, day, uses);
                    }
                }
            }
        }
        taken
    }

    /// The save of `key`'s uses went through. `read_back`: the store's counts for the month
    /// starting on the date given, read after the save (they hold this instance's saved uses
    /// and the other instances'), current for this save interval; `None` when they could not
    /// be read, and the saved uses are added to the counts last read instead.
    pub fn saved(&self, key: &K, read_back: Option<(NaiveDate, Vec<(NaiveDate, u64)>)>) {
        let mut shard = self.shard(key);
        let Some(counts) = shard.map.get_mut(key) else {
            return;
        };
        let saving = core::mem::take(&mut counts.saving);
        match (read_back, &mut counts.stored) {
            (Some((month, days)), _) => {
                counts.stored = Some(Stored {
                    month,
                    days,
                    interval: self.interval(),
                });
            }
            (None, Some(stored)) => {
                for (day, uses) in saving {
                    add(&mut stored.days, day, uses);
                }
            }
            // Nothing read before either: nothing to keep current.
            (None, None) => {}
        }
    }

    /// The save of `batch` failed: its uses are counted as unsaved again, for the next save.
    pub fn save_failed(&self, batch: Vec<Unsaved<K>>) {
        for Unsaved { key, day, uses } in batch {
            let mut shard = self.shard(&key);
            let counts = shard.map.entry(key).or_default();
            counts.saving.clear();
            add(&mut counts.unsaved, day, uses);
        }
    }

    /// How many keys are held now (for metrics and tests).
    #[must_use]
    pub fn tracked_keys(&self) -> usize {
        self.shards.each().map(|shard| shard.map.len()).sum()
    }

    fn shard(&self, key: &K) -> MutexGuard<'_, Shard<K>> {
        self.shards.of(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn meter() -> UsageMeter<u32> {
        UsageMeter::new(NonZeroUsize::new(1_000).unwrap())
    }

    fn status(used: u64, limit: u64, start: &str, end: &str) -> QuotaStatus {
        QuotaStatus {
            used,
            limit,
            period_start: day(start),
            period_end: Some(day(end)),
        }
    }

    #[test]
    fn without_a_quota_every_use_is_counted_and_nothing_is_read() {
        let meter = meter();
        for _ in 0..3 {
            assert_eq!(
                meter.count(&1, None, day("2026-11-30")),
                Counting::Counted(None)
            );
        }
        assert_eq!(
            meter.count(&1, None, day("2026-12-01")),
            Counting::Counted(None)
        );
        assert_eq!(
            meter.unsaved_of(&1),
            vec![(day("2026-11-30"), 3), (day("2026-12-01"), 1)]
        );
        assert_eq!(meter.unsaved_of(&2), vec![]);
    }

    #[test]
    fn a_quota_is_checked_against_the_stored_month_and_refuses_at_its_limit() {
        let meter = meter();
        let quota = Quota::new(10, Period::Month).unwrap();
        let today = day("2026-11-30");
        assert_eq!(
            meter.count(&1, Some(&quota), today),
            Counting::NeedsStored {
                month: day("2026-11-01")
            }
        );
        assert_eq!(
            meter.unsaved_of(&1),
            vec![],
            "nothing counted before the check"
        );
        // Last month's uses do not count; this month's do.
        meter.load(
            &1,
            day("2026-11-01"),
            vec![(day("2026-11-02"), 4), (today, 3)],
            meter.interval(),
        );
        for used in 8..=10 {
            assert_eq!(
                meter.count(&1, Some(&quota), today),
                Counting::Counted(Some(status(used, 10, "2026-11-01", "2026-12-01")))
            );
        }
        assert_eq!(
            meter.count(&1, Some(&quota), today),
            Counting::Exceeded(status(10, 10, "2026-11-01", "2026-12-01"))
        );
        // A daily quota of the same key counts today's uses only: 6, not the 4 of another day.
        let daily = Quota::new(7, Period::Day).unwrap();
        assert_eq!(
            meter.count(&1, Some(&daily), today),
            Counting::Counted(Some(status(7, 7, "2026-11-30", "2026-12-01")))
        );
        assert_eq!(
            meter.count(&1, Some(&daily), today),
            Counting::Exceeded(status(7, 7, "2026-11-30", "2026-12-01"))
        );
    }

    #[test]
    fn a_new_month_needs_its_own_counts() {
        let meter = meter();
        let quota = Quota::new(1, Period::Month).unwrap();
        meter.load(
            &1,
            day("2026-11-01"),
            vec![(day("2026-11-30"), 1)],
            meter.interval(),
        );
        assert!(matches!(
            meter.count(&1, Some(&quota), day("2026-11-30")),
            Counting::Exceeded(_)
        ));
        assert_eq!(
            meter.count(&1, Some(&quota), day("2026-12-01")),
            Counting::NeedsStored {
                month: day("2026-12-01")
            }
        );
        meter.load(&1, day("2026-12-01"), vec![], meter.interval());
        assert!(matches!(
            meter.count(&1, Some(&quota), day("2026-12-01")),
            Counting::Counted(Some(QuotaStatus { used: 1, .. }))
        ));
    }

    /// Counts read in an earlier save interval are read again before a quota is checked: an
    /// instance sees the uses other instances saved since.
    #[test]
    fn counts_from_an_earlier_interval_are_read_again() {
        let meter = meter();
        let quota = Quota::new(10, Period::Month).unwrap();
        let today = day("2026-11-30");
        meter.load(&1, day("2026-11-01"), vec![(today, 2)], meter.interval());
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(_)
        ));
        meter.next_interval();
        assert_eq!(
            meter.count(&1, Some(&quota), today),
            Counting::NeedsStored {
                month: day("2026-11-01")
            }
        );
        // Another instance saved six meanwhile; this one's own use is still unsaved here.
        meter.load(&1, day("2026-11-01"), vec![(today, 8)], meter.interval());
        assert_eq!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(Some(status(10, 10, "2026-11-01", "2026-12-01")))
        );
        // Counts without a quota need no read.
        meter.next_interval();
        assert_eq!(meter.count(&1, None, today), Counting::Counted(None));
    }

    /// Counts read while a save is in flight hold its uses when read after its write (a later
    /// interval), and not when read before: either way each use counts once.
    #[test]
    fn counts_read_during_a_save_count_each_use_once() {
        let meter = meter();
        let quota = Quota::new(100, Period::Month).unwrap();
        let today = day("2026-11-30");
        let month = day("2026-11-01");
        meter.load(&1, month, vec![], meter.interval());
        for _ in 0..5 {
            let _ = meter.count(&1, Some(&quota), today);
        }
        let _batch = meter.take_unsaved();
        // Read before the write: the five are not in the store yet.
        meter.load(&1, month, vec![], meter.interval());
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(Some(QuotaStatus { used: 6, .. }))
        ));
        // The write; then a read, which holds them.
        meter.next_interval();
        meter.load(&1, month, vec![(today, 5)], meter.interval());
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(Some(QuotaStatus { used: 7, .. }))
        ));
        meter.saved(&1, Some((month, vec![(today, 5)])));
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(Some(QuotaStatus { used: 8, .. }))
        ));
    }

    /// A slow read, begun before a save, never replaces the counts the save read back.
    #[test]
    fn a_read_begun_before_a_save_does_not_replace_newer_counts() {
        let meter = meter();
        let quota = Quota::new(100, Period::Day).unwrap();
        let today = day("2026-11-30");
        let month = day("2026-11-01");
        meter.load(&1, month, vec![], meter.interval());
        for _ in 0..100 {
            let _ = meter.count(&1, None, today);
        }
        // A request begins a read of the store, which does not hold the hundred yet...
        let read_in = meter.interval();
        let _batch = meter.take_unsaved();
        meter.next_interval();
        meter.saved(&1, Some((month, vec![(today, 100)])));
        // ...and finishes after the save read the hundred back: its counts are dropped.
        meter.load(&1, month, vec![], read_in);
        assert!(meter.is_current(&1, today));
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Exceeded(QuotaStatus { used: 100, .. })
        ));
        // Counts read in an interval already past are not current: they are read again.
        let meter = self::meter();
        let read_in = meter.interval();
        meter.next_interval();
        meter.load(&2, month, vec![], read_in);
        assert!(!meter.is_current(&2, today));
        assert!(matches!(
            meter.count(&2, Some(&quota), today),
            Counting::NeedsStored { .. }
        ));
    }

    #[test]
    fn uncount_takes_back_a_use() {
        let meter = meter();
        let quota = Quota::new(1, Period::Day).unwrap();
        let today = day("2026-11-30");
        meter.load(&1, day("2026-11-01"), vec![], meter.interval());
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(_)
        ));
        meter.uncount(&1, today);
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(_)
        ));
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Exceeded(_)
        ));
    }

    /// Every use is counted exactly once through a save: unsaved, then saving, then in the
    /// store's counts; and a failed save hands the same uses over again.
    #[test]
    fn saving_moves_counts_to_the_store_without_losing_or_doubling_any() {
        let meter = meter();
        let quota = Quota::new(100, Period::Month).unwrap();
        let today = day("2026-11-30");
        let month = day("2026-11-01");
        meter.load(&1, month, vec![(today, 10)], meter.interval());
        for _ in 0..5 {
            let _ = meter.count(&1, Some(&quota), today);
        }
        let _ = meter.count(&2, None, today);
        let mut batch = meter.take_unsaved();
        batch.sort_by_key(|unsaved| unsaved.key);
        assert_eq!(
            batch,
            vec![
                Unsaved {
                    key: 1,
                    day: today,
                    uses: 5
                },
                Unsaved {
                    key: 2,
                    day: today,
                    uses: 1
                },
            ]
        );
        assert_eq!(meter.take_unsaved(), vec![], "handed over once");
        // Counted while the save runs: 10 stored, 5 saving, 1 new.
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(Some(QuotaStatus { used: 16, .. }))
        ));
        assert_eq!(meter.unsaved_of(&1), vec![(today, 6)]);

        // The save fails: the five are unsaved again, along with the new one.
        meter.save_failed(batch);
        let mut batch = meter.take_unsaved();
        batch.sort_by_key(|unsaved| unsaved.key);
        assert_eq!(
            batch[0],
            Unsaved {
                key: 1,
                day: today,
                uses: 6
            }
        );

        // It goes through; the store, read back, holds 16 and another instance's 3.
        meter.saved(&1, Some((month, vec![(today, 19)])));
        assert_eq!(meter.unsaved_of(&1), vec![]);
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(Some(QuotaStatus { used: 20, .. }))
        ));
    }

    /// A save whose counts cannot be read back still leaves them counted.
    #[test]
    fn a_save_not_read_back_adds_what_it_saved() {
        let meter = meter();
        let quota = Quota::new(10, Period::Day).unwrap();
        let today = day("2026-11-30");
        meter.load(&1, day("2026-11-01"), vec![(today, 4)], meter.interval());
        for _ in 0..3 {
            let _ = meter.count(&1, Some(&quota), today);
        }
        let _batch = meter.take_unsaved();
        meter.saved(&1, None);
        assert_eq!(meter.unsaved_of(&1), vec![]);
        assert!(matches!(
            meter.count(&1, Some(&quota), today),
            Counting::Counted(Some(QuotaStatus { used: 8, .. }))
        ));
    }

    #[test]
    fn saved_keys_are_forgotten_when_room_is_needed_unsaved_ones_never() {
        let meter = UsageMeter::new(NonZeroUsize::new(64).unwrap());
        let today = day("2026-11-30");
        for key in 0..10_000_u32 {
            let _ = meter.count(&key, None, today);
        }
        assert_eq!(meter.tracked_keys(), 10_000, "unsaved uses are kept");
        let batch = meter.take_unsaved();
        assert_eq!(batch.len(), 10_000);
        for unsaved in &batch {
            meter.saved(&unsaved.key, Some((day("2026-11-01"), vec![(today, 1)])));
        }
        for key in 10_000..20_000_u32 {
            let _ = meter.count(&key, None, today);
        }
        assert!(
            meter.tracked_keys() <= 10_000 + 64,
            "{}",
            meter.tracked_keys()
        );
    }
}
