//! Rate-limit checks: tollgate-limit's keyed limiter against governor's keyed limiter, on the
//! same keys, each side reading the clock once per check as a server does.

use std::num::NonZeroU32;
use std::time::Instant;

use governor::clock::MonotonicClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota as GovernorQuota, RateLimiter};
use tollgate::limit::{Limiter, Rate};

use crate::{Workload, same};

/// A rate no key reaches while measured: every check is allowed, on both sides.
const GENEROUS: u32 = 1_000_000_000;

/// The key of iteration `iteration` among `keys`: scattered, so that neither side walks its
/// table in order.
fn key(iteration: usize, keys: usize) -> u64 {
    (iteration as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) % keys as u64
}

/// tollgate-limit: one spend per check, at the key's rate, with room for twice `keys` keys
/// (a limiter sized for its keys: at its cap, a new key first makes room).
pub struct LimitCheck {
    limiter: Limiter<u64>,
    rate: Rate,
    keys: usize,
}

impl LimitCheck {
    /// A limiter holding `keys` keys, each spent once already.
    pub fn new(keys: usize) -> Self {
        let limiter = Limiter::with_max_keys((2 * keys).try_into().expect("at least one key"));
        let rate = Rate::new(GENEROUS, core::time::Duration::from_secs(1)).expect("a valid rate");
        let now = Instant::now();
        for key in 0..keys as u64 {
            limiter.spend(&key, &rate, now).expect("allowed");
        }
        Self {
            limiter,
            rate,
            keys,
        }
    }

    /// How many keys it tracks.
    pub fn tracked_keys(&self) -> usize {
        self.limiter.tracked_keys()
    }
}

impl Workload for LimitCheck {
    type Input = u64;

    fn input(&self, iteration: usize) -> u64 {
        key(iteration, self.keys)
    }

    type Output = bool;

    fn run(&self, key: u64) -> bool {
        self.limiter.spend(&key, &self.rate, Instant::now()).is_ok()
    }
}

/// governor's keyed limiter on its default map (a `DashMap`), one `check_key` per check, with
/// the same keys already seen, on std's monotonic clock as ours is. (governor's default clock
/// with the `quanta` feature is a cheaper, coarser one; the clock is the caller's choice with
/// tollgate-limit, so both sides read the same one here.)
pub struct GovernorCheck {
    limiter: KeyedGovernor,
    keys: usize,
}

type KeyedGovernor =
    RateLimiter<u64, DashMapStateStore<u64>, MonotonicClock, NoOpMiddleware<Instant>>;

fn keyed_governor(quota: GovernorQuota) -> KeyedGovernor {
    RateLimiter::dashmap_with_clock(quota, MonotonicClock)
}

impl GovernorCheck {
    /// A limiter that has seen `keys` keys, each checked once already.
    pub fn new(keys: usize) -> Self {
        let per_second = NonZeroU32::new(GENEROUS).expect("not zero");
        let limiter = keyed_governor(GovernorQuota::per_second(per_second));
        for key in 0..keys as u64 {
            limiter.check_key(&key).expect("allowed");
        }
        Self { limiter, keys }
    }
}

impl Workload for GovernorCheck {
    type Input = u64;

    fn input(&self, iteration: usize) -> u64 {
        key(iteration, self.keys)
    }

    type Output = bool;

    fn run(&self, key: u64) -> bool {
        self.limiter.check_key(&key).is_ok()
    }
}

/// Both sides give the same answers: three a minute allows three at once, then refuses,
/// for each key on its own.
pub fn check_limits() -> Result<(), String> {
    let ours = Limiter::new();
    let rate = Rate::new(3, core::time::Duration::from_secs(60)).expect("a valid rate");
    let three = NonZeroU32::new(3).expect("not zero");
    let peer = keyed_governor(GovernorQuota::per_minute(three));
    let now = Instant::now();
    for key in [1_u64, 2] {
        for attempt in 0..5 {
            same(
                &format!("key {key}, attempt {attempt}"),
                ours.spend(&key, &rate, now).is_ok(),
                peer.check_key(&key).is_ok(),
            )?;
        }
    }
    Ok(())
}
