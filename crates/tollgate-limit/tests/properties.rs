//! Property tests: a rate's guarantees hold for any sequence of peeks and spends.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use core::num::NonZeroUsize;
use core::time::Duration;
use std::time::Instant;

use proptest::prelude::*;
use tollgate_limit::{Limiter, Rate};

/// One step: after `advance_ms`, a peek or a spend by one of four keys.
#[derive(Debug, Clone, Copy)]
struct Step {
    advance_ms: u64,
    key: u8,
    spend: bool,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (
            prop_oneof![Just(0_u64), 0..5_000_u64],
            0..4_u8,
            prop::bool::ANY,
        )
            .prop_map(|(advance_ms, key, spend)| Step {
                advance_ms,
                key,
                spend,
            }),
        1..200,
    )
}

fn rate() -> impl Strategy<Value = Rate> {
    (1..30_u32, 1..120_000_u64)
        .prop_map(|(count, ms)| Rate::new(count, Duration::from_millis(ms)).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A peek answers exactly what a spend at the same moment answers, and spends nothing:
    /// the spends' answers are the same with or without peeks between them.
    #[test]
    fn peek_predicts_spend_and_changes_nothing(rate in rate(), steps in steps()) {
        let with_peeks = Limiter::new();
        let without = Limiter::new();
        let mut now = Instant::now();
        for step in steps {
            now += Duration::from_millis(step.advance_ms);
            let peeked = with_peeks.peek(&step.key, &rate, now);
            if step.spend {
                let spent = with_peeks.spend(&step.key, &rate, now);
                prop_assert_eq!(peeked, spent);
                prop_assert_eq!(without.spend(&step.key, &rate, now), spent);
            }
        }
    }

    /// Between any two moments `t` apart, a key spends at most `count + t / interval`; an
    /// allowed spend leaves fewer than `count`, all of it back within a burst; a refusal's wait is exact: a spend is allowed after it and not a nanosecond before.
    #[test]
    fn spends_stay_within_the_rate_and_waits_are_exact(rate in rate(), steps in steps()) {
        let limiter = Limiter::new();
        let start = Instant::now();
        let mut now = start;
        let mut allowed: Vec<Vec<Instant>> = vec![Vec::new(); 4];
        for step in steps {
            now += Duration::from_millis(step.advance_ms);
            match limiter.spend(&step.key, &rate, now) {
                Ok(left) => {
                    allowed[usize::from(step.key)].push(now);
                    prop_assert!(left.remaining < rate.count());
                    prop_assert!(!left.reset.is_zero() && left.reset <= rate.interval() * rate.count());
                }
                Err(refused) => {
                    let wait = refused.retry_after;
                    prop_assert!(!wait.is_zero());
                    prop_assert!(wait <= rate.interval());
                    prop_assert!(limiter.peek(&step.key, &rate, now + wait).is_ok());
                    let just_before = now + wait - Duration::from_nanos(1);
                    prop_assert!(limiter.peek(&step.key, &rate, just_before).is_err());
                }
            }
        }
        let interval = rate.interval().as_nanos();
        for times in allowed {
            for (first, from) in times.iter().enumerate() {
                for (last, to) in times.iter().enumerate().skip(first) {
                    let spends = u128::try_from(last - first + 1).unwrap();
                    let most = u128::from(rate.count()) + (*to - *from).as_nanos() / interval;
                    prop_assert!(spends <= most, "{} spends in {:?}", spends, *to - *from);
                }
            }
        }
    }

    /// However many distinct keys spend, the limiter never tracks more than its cap.
    #[test]
    fn the_cap_always_holds(
        max_keys in 1..400_usize,
        keys in prop::collection::vec(0..5_000_u32, 1..2_000),
        advance_ms in 0..200_u64,
    ) {
        let rate = Rate::new(5, Duration::from_secs(1)).unwrap();
        let limiter = Limiter::with_max_keys(NonZeroUsize::new(max_keys).unwrap());
        let mut now = Instant::now();
        for key in keys {
            now += Duration::from_millis(advance_ms);
            let _ = limiter.spend(&key, &rate, now);
            prop_assert!(limiter.tracked_keys() <= max_keys);
        }
    }
}
