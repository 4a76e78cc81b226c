//! Quotas: a number of uses per calendar day or month, in UTC.

use core::fmt;
use core::num::NonZeroU64;
use core::str::FromStr;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};

use crate::rate::is_canonical_number;

/// A calendar period in UTC: a day starts at 00:00, a month on its first day at 00:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// A calendar day.
    Day,
    /// A calendar month.
    Month,
}

impl Period {
    /// The first day of the period holding `day`.
    #[must_use]
    pub fn first_day(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => day,
            // Day 1 exists in every month.
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// The first day of the period after the one holding `day`; `None` past chrono's last
    /// date (year 262 142).
    #[must_use]
    pub fn next_first_day(self, day: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::Day => day.checked_add_days(Days::new(1)),
            Self::Month => self.first_day(day).checked_add_months(Months::new(1)),
        }
    }

    /// When the period holding `at` began.
    #[must_use]
    pub fn start(self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.first_day(at.date_naive())
            .and_time(NaiveTime::MIN)
            .and_utc()
    }

    /// When the period after the one holding `at` begins, which is when a quota spent in it is
    /// whole again; `None` past chrono's last date.
    #[must_use]
    pub fn end(self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let next = self.next_first_day(at.date_naive())?;
        Some(next.and_time(NaiveTime::MIN).and_utc())
    }

    /// `day` or `month`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Month => "month",
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Period {
    type Err = QuotaError;

    /// `day` or `month`, in lowercase.
    fn from_str(text: &str) -> Result<Self, QuotaError> {
        match text {
            "day" => Ok(Self::Day),
            "month" => Ok(Self::Month),
            _ => Err(QuotaError::UnknownPeriod),
        }
    }
}

/// At most `limit` uses per calendar [`Period`]: a credit limit. Unlike a [`Rate`](crate::Rate),
/// nothing comes back before the period ends, and then all of it does.
///
/// As text (`FromStr`, `Display`): `{limit}/{period}`, such as `10000/month` or `500/day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    limit: NonZeroU64,
    period: Period,
}

/// A quota that allows nothing, or a period this crate does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuotaError {
    /// The limit is zero.
    #[error("a quota must allow at least one use per period")]
    ZeroLimit,
    /// The period is not `day` or `month`.
    #[error("a quota's period is day or month")]
    UnknownPeriod,
    /// The text is not `{limit}/{period}` with a whole number from 1.
    #[error("a quota is written as {{limit}}/{{period}}, such as 10000/month or 500/day")]
    Syntax,
}

impl Quota {
    /// `limit` uses per `period`.
    ///
    /// # Errors
    ///
    /// [`QuotaError::ZeroLimit`]: a quota must allow something (to allow nothing, revoke the
    /// token).
    pub fn new(limit: u64, period: Period) -> Result<Self, QuotaError> {
        let limit = NonZeroU64::new(limit).ok_or(QuotaError::ZeroLimit)?;
        Ok(Self { limit, period })
    }

    /// How many uses a period allows.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.limit.get()
    }

    /// The period the limit applies to.
    #[must_use]
    pub fn period(&self) -> Period {
        self.period
    }

    /// Whether this quota never allows more than `other`: the same period and no larger
    /// limit. (A daily quota is not within a monthly one: 31 days of it may exceed the month.)
    #[must_use]
    pub fn is_within(&self, other: &Quota) -> bool {
        self.period == other.period && self.limit <= other.limit
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.limit, self.period)
    }
}

impl FromStr for Quota {
    type Err = QuotaError;

    /// `{limit}/{period}` as [`Quota`] describes: ASCII digits without a sign or leading zero.
    fn from_str(text: &str) -> Result<Self, QuotaError> {
        let (limit, period) = text.split_once('/').ok_or(QuotaError::Syntax)?;
        if !is_canonical_number(limit) {
            return Err(QuotaError::Syntax);
        }
        let limit: u64 = limit.parse().map_err(|_| QuotaError::Syntax)?;
        Self::new(limit, period.parse()?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn periods_are_calendar_days_and_months_in_utc() {
        let at = Utc.with_ymd_and_hms(2026, 2, 28, 23, 59, 59).unwrap();
        assert_eq!(
            Period::Day.start(at),
            Utc.with_ymd_and_hms(2026, 2, 28, 0, 0, 0).unwrap()
        );
        assert_eq!(
            Period::Day.end(at),
            Some(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
        );
        assert_eq!(
            Period::Month.start(at),
            Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            Period::Month.end(at),
            Some(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
        );
        // A leap year's February, and the turn of a year.
        assert_eq!(
            Period::Day.next_first_day(day("2028-02-28")),
            Some(day("2028-02-29"))
        );
        assert_eq!(
            Period::Month.next_first_day(day("2026-12-31")),
            Some(day("2027-01-01"))
        );
        assert_eq!(
            Period::Month.first_day(day("2026-01-31")),
            day("2026-01-01")
        );
        assert_eq!(Period::Month.next_first_day(NaiveDate::MAX), None);
        assert_eq!(Period::Day.end(DateTime::<Utc>::MAX_UTC), None);
    }

    #[test]
    fn periods_parse_and_print() {
        for period in [Period::Day, Period::Month] {
            assert_eq!(period.to_string().parse(), Ok(period));
        }
        for text in ["", "Day", "days", "week", "year", " month"] {
            assert_eq!(
                text.parse::<Period>(),
                Err(QuotaError::UnknownPeriod),
                "{text:?}"
            );
        }
    }

    #[test]
    fn quotas_parse_and_print() {
        let quota: Quota = "10000/month".parse().unwrap();
        assert_eq!(quota, Quota::new(10_000, Period::Month).unwrap());
        assert_eq!(quota.to_string(), "10000/month");
        assert_eq!("1/day".parse(), Quota::new(1, Period::Day));
        assert_eq!("0/day".parse::<Quota>(), Err(QuotaError::ZeroLimit));
        assert_eq!("5/week".parse::<Quota>(), Err(QuotaError::UnknownPeriod));
        for text in [
            "",
            "5",
            "/day",
            "05/day",
            "+5/day",
            "5 /day",
            "18446744073709551616/day",
        ] {
            assert_eq!(text.parse::<Quota>(), Err(QuotaError::Syntax), "{text:?}");
        }
    }

    #[test]
    fn a_quota_allows_something_and_within_means_the_same_period_and_no_more() {
        assert_eq!(Quota::new(0, Period::Month), Err(QuotaError::ZeroLimit));
        let month = |limit| Quota::new(limit, Period::Month).unwrap();
        assert_eq!((month(10).limit(), month(10).period()), (10, Period::Month));
        assert!(month(10).is_within(&month(10)));
        assert!(month(9).is_within(&month(10)));
        assert!(!month(11).is_within(&month(10)));
        let daily = Quota::new(1, Period::Day).unwrap();
        assert!(!daily.is_within(&month(1_000)));
        assert!(!month(1).is_within(&Quota::new(1_000, Period::Day).unwrap()));
    }
}
