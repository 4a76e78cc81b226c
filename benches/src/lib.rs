//! What the benchmarks measure, shared by the criterion benches (`benches/comparisons.rs`) and
//! the ratio report (`src/bin/bench_report.rs`), so both time exactly the same code.
//!
//! A [`Workload`] is one side of a comparison (tollgate, a peer crate, or a physical floor) or
//! one scaling point. Each holds its prepared state; `input` builds the input of one iteration
//! outside the timed region, `run` is the timed work. The two sides of a comparison are built
//! from the same inputs, and each comparison's `check` proves they give the same answers
//! before anything is timed.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::missing_errors_doc,
    clippy::new_without_default,
    reason = "benchmark code: a broken setup should stop it loudly, and only the benches use it"
)]

pub mod cedar;
pub mod cors;
pub mod end_to_end;
pub mod limit;
pub mod scope;
pub mod sign;
pub mod store;
pub mod token;
pub mod writers;

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

/// One measured operation.
pub trait Workload {
    /// What one iteration consumes.
    type Input;

    /// The input of iteration `iteration`: built before the clock starts.
    fn input(&self, iteration: usize) -> Self::Input;

    /// What one iteration answers; the caller passes it through `black_box` and drops it.
    type Output;

    /// One iteration: the work measured.
    fn run(&self, input: Self::Input) -> Self::Output;
}

/// How many items the inputs of each series hold.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Listed route prefixes, for the route-matching series.
    pub routes: [usize; 3],
    /// Writers on one list, for the writer-check series.
    pub writers: [usize; 3],
    /// Tokens in the in-memory store; the last one also serves `token_lookup_1m`.
    pub memory_tokens: [usize; 3],
    /// Tokens in the SQLite database.
    pub sqlite_tokens: [usize; 2],
    /// Tokens in the PostgreSQL database.
    pub postgres_tokens: usize,
    /// Keys a rate limiter tracks, for the limit-check series.
    pub limit_keys: [usize; 3],
}

impl Sizes {
    /// The sizes docs/benchmarks.md names.
    pub const FULL: Sizes = Sizes {
        routes: [10, 1_000, 100_000],
        writers: [1, 100, 100_000],
        memory_tokens: [1_000, 100_000, 1_000_000],
        sqlite_tokens: [1_000, 100_000],
        postgres_tokens: 1_000,
        limit_keys: [1_000, 100_000, 1_000_000],
    };
}

/// This process's resident memory in bytes, from `/proc/self/statm` (Linux; 4 KiB pages, as
/// on the x86-64 machines the report runs on); `None` elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Whether the PostgreSQL series can run: `TOLLGATE_TEST_POSTGRES_URL` names a server whose
/// user may create databases (as for the tests). When not, the series is left out, with a
/// note on standard error.
pub fn postgres_available() -> bool {
    let available = std::env::var_os("TOLLGATE_TEST_POSTGRES_URL").is_some();
    if !available {
        eprintln!("note: TOLLGATE_TEST_POSTGRES_URL is not set: the PostgreSQL series is left out");
    }
    available
}

/// How many distinct inputs each workload cycles through, so that one hot input does not hide
/// cache misses in large tables.
pub const DISTINCT_INPUTS: usize = 256;

/// Polls a future that never waits (in-memory storage, tower services over ready futures)
/// to completion without an executor, so no executor's cost is measured. Inlined, so the
/// future is polled where it is built, as an `async` caller awaits it in place: as a call, it
/// moved the future (456 bytes for `TokenService::authenticate`) into and within itself.
///
/// # Panics
/// If the future is not ready at its first poll: a workload built on the wrong assumption.
#[inline(always)]
pub fn ready_now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a workload's future waited; use a runtime for it"),
    }
}

/// Stops the run when the two sides of a comparison disagree: timing them would mean nothing.
///
/// # Panics
/// When `outcome` is an error.
pub fn checked(what: &str, outcome: Result<(), String>) {
    if let Err(problem) = outcome {
        panic!("{what}: the two sides disagree: {problem}");
    }
}

/// Fails with `what` unless `ours` and `peer` agree.
pub fn same<T: PartialEq + core::fmt::Debug>(what: &str, ours: T, peer: T) -> Result<(), String> {
    if ours == peer {
        Ok(())
    } else {
        Err(format!(
            "{what}: tollgate gives {ours:?}, the peer {peer:?}"
        ))
    }
}

/// The build profile this report was compiled in, for the reports' headers: a debug build's
/// figures mean nothing.
pub fn build_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The CPU model, from `/proc/cpuinfo` where there is one, for the reports' headers.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
