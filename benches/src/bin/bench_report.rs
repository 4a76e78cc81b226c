//! The ratio report: every comparison and scaling point of `docs/benchmarks.md`,
//! measured side by side in one process, in well under a minute.
//!
//! ```text
//! cargo run --release -p tollgate-benches --bin bench_report   # the full report
//! cargo run -p tollgate-benches --bin bench_report -- --smoke  # every line, tiny counts (CI)
//! ```
//!
//! Prints one line per comparison, `ratio <name> ours_ns=<f> peer=<peer> peer_ns=<f>
//! speedup=<peer_ns/ours_ns>`, and one per scaling point, `scale <name> n=<N> ns=<f>`, on
//! standard output, and `memory <name> n=<N> bytes=<B> per_key=<B/N>` for the rate limiter's
//! memory; the CPU, the mode and the elapsed time go to standard error. Each
//! comparison first checks that both sides give the same answers, then times them in
//! alternating rounds (ours first in even rounds, the peer first in odd ones) and reports
//! the median time per iteration of each side, so a noisy neighbour slows both. The smoke
//! mode (`--smoke`) runs the same code with one iteration per batch, three rounds and
//! smaller token stores (see `SMOKE_SIZES`): it proves the report runs, not how fast.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program: a broken setup should stop it loudly"
)]

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tollgate_benches::cors::{
    CorsCase, MatchitLookup, ResponseFloor, RouteLookup, check_cors, check_routes, tollgate_cors,
    tower_http_cors,
};
use tollgate_benches::limit::{GovernorCheck, LimitCheck, check_limits};
use tollgate_benches::scope::{ScopeCheck, cedar_scope_check, check_scopes};
use tollgate_benches::sign::{SignAlgorithm, SignCase, SignComparison};
use tollgate_benches::store::{
    CachedTokenAuth, MemoryTokenLookup, SqlSelectByHash, SqlTokenAuth, SqlTokens, check_memory,
    check_sql,
};
use tollgate_benches::token::{MintedTokens, Sha256Alone, TokenComparison};
use tollgate_benches::writers::{WriterCheck, cedar_writer_check, check_writers};
use tollgate_benches::{
    DISTINCT_INPUTS, Sizes, Workload, build_profile, checked, cpu_model, postgres_available,
    resident_bytes,
};

/// How long and how often each side is timed.
#[derive(Debug, Clone, Copy)]
struct Timing {
    /// A batch runs until it takes at least this long (found by doubling its size)...
    batch_time: Duration,
    /// ...but never grows past this many iterations.
    max_batch: usize,
    /// Rounds per measurement; the median is reported.
    rounds: usize,
}

const FULL: Timing = Timing {
    batch_time: Duration::from_millis(4),
    max_batch: 1 << 22,
    rounds: 15,
};

/// Smaller stores for the smoke run, whose builds (one insert per token) dominate its time
/// in a debug build; routes and writers are cheap to build and keep their sizes.
const SMOKE_SIZES: Sizes = Sizes {
    routes: Sizes::FULL.routes,
    writers: Sizes::FULL.writers,
    memory_tokens: [1_000, 2_000, 10_000],
    sqlite_tokens: [1_000, 2_000],
    postgres_tokens: 1_000,
    limit_keys: [1_000, 2_000, 10_000],
};

const SMOKE: Timing = Timing {
    batch_time: Duration::ZERO,
    max_batch: 1,
    rounds: 3,
};

/// Mean time per iteration of one batch of `size` iterations, inputs built beforehand.
fn batch_ns<W: Workload>(workload: &W, size: usize, first: usize) -> f64 {
    let mut inputs: Vec<W::Input> = (first..first + size).map(|n| workload.input(n)).collect();
    let start = Instant::now();
    // Drained, not consumed: the buffer is freed after the clock stops, not inside the timing.
    for input in inputs.drain(..) {
        black_box(workload.run(black_box(input)));
    }
    let elapsed = start.elapsed();
    drop(inputs);
    elapsed.as_nanos() as f64 / size as f64
}

/// The batch size that takes at least `timing.batch_time`, capped at `timing.max_batch`.
fn batch_size<W: Workload>(workload: &W, timing: Timing) -> usize {
    let mut size = 1;
    while size < timing.max_batch {
        let took = batch_ns(workload, size, 0) * size as f64;
        if took >= timing.batch_time.as_nanos() as f64 {
            break;
        }
        size *= 2;
    }
    size.min(timing.max_batch)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median ns per iteration of `ours` and `peer`, timed in alternating rounds.
fn measure_pair<A: Workload, B: Workload>(ours: &A, peer: &B, timing: Timing) -> (f64, f64) {
    let (ours_batch, peer_batch) = (batch_size(ours, timing), batch_size(peer, timing));
    let (mut ours_ns, mut peer_ns) = (Vec::new(), Vec::new());
    for round in 0..timing.rounds {
        let first = round * DISTINCT_INPUTS;
        if round % 2 == 0 {
            ours_ns.push(batch_ns(ours, ours_batch, first));
            peer_ns.push(batch_ns(peer, peer_batch, first));
        } else {
            peer_ns.push(batch_ns(peer, peer_batch, first));
            ours_ns.push(batch_ns(ours, ours_batch, first));
        }
    }
    (median(ours_ns), median(peer_ns))
}

/// Median ns per iteration of one workload.
fn measure<W: Workload>(workload: &W, timing: Timing) -> f64 {
    let batch = batch_size(workload, timing);
    median(
        (0..timing.rounds)
            .map(|round| batch_ns(workload, batch, round * DISTINCT_INPUTS))
            .collect(),
    )
}

fn ratio(name: &str, ours_ns: f64, peer: &str, peer_ns: f64) {
    println!(
        "ratio {name} ours_ns={ours_ns:.1} peer={peer} peer_ns={peer_ns:.1} speedup={:.2}",
        peer_ns / ours_ns
    );
}

fn scale(name: &str, n: usize, ns: f64) {
    println!("scale {name} n={n} ns={ns:.1}");
}

fn token(timing: Timing) {
    let tokens = TokenComparison::new();
    checked("token", tokens.check());
    let (ours, floor) = measure_pair(&tokens.ours, &tokens.floor, timing);
    ratio("token_verify", ours, "sha2", floor);
    let (ours, peer) = measure_pair(&tokens.ours, &tokens.peer, timing);
    ratio("token_verify_peer", ours, "prefixed-api-key", peer);
}

fn memory_store(sizes: Sizes, timing: Timing) {
    let tokens = Arc::new(MintedTokens::new(DISTINCT_INPUTS));
    let [small, medium, large] = sizes.memory_tokens;
    for size in [small, medium] {
        let lookup = MemoryTokenLookup::new(size, Arc::clone(&tokens));
        checked("memory store", check_memory(&lookup));
        scale("memory_token_lookup", size, measure(&lookup, timing));
    }
    let lookup = MemoryTokenLookup::new(large, Arc::clone(&tokens));
    checked("memory store", check_memory(&lookup));
    let (ours, floor) = measure_pair(&lookup, &Sha256Alone(tokens), timing);
    ratio("token_lookup_1m", ours, "sha2", floor);
    scale("memory_token_lookup", large, ours);
}

fn sql_store(sizes: Sizes, timing: Timing) {
    let tokens = Arc::new(MintedTokens::new(DISTINCT_INPUTS));
    let [small, large] = sizes.sqlite_tokens;
    let db = SqlTokens::sqlite(small, Arc::clone(&tokens));
    sql_scaling("sqlite", small, &Arc::new(db), timing);
    let db = Arc::new(SqlTokens::sqlite(large, Arc::clone(&tokens)));
    sql_scaling("sqlite", large, &db, timing);
    cached_ratio("sqlite", &db, &tokens, timing);
    if postgres_available() {
        let size = sizes.postgres_tokens;
        let db = Arc::new(SqlTokens::postgres(size, Arc::clone(&tokens)));
        sql_scaling("postgres", size, &db, timing);
        cached_ratio("postgres", &db, &tokens, timing);
    }
}

/// Ours and the floor query on one database, as scaling points.
fn sql_scaling(backend: &str, size: usize, db: &Arc<SqlTokens>, timing: Timing) {
    checked(backend, check_sql(db));
    let ours = SqlTokenAuth(Arc::clone(db));
    let floor = SqlSelectByHash(Arc::clone(db));
    let (ours_ns, floor_ns) = measure_pair(&ours, &floor, timing);
    scale(&format!("{backend}_token_auth"), size, ours_ns);
    scale(&format!("{backend}_select_by_hash"), size, floor_ns);
}

/// Ours through the cache in front of the database (every token cached by the check) against
/// SHA-256 alone.
fn cached_ratio(backend: &str, db: &Arc<SqlTokens>, tokens: &Arc<MintedTokens>, timing: Timing) {
    let cached = CachedTokenAuth(Arc::clone(db));
    let (ours, floor) = measure_pair(&cached, &Sha256Alone(Arc::clone(tokens)), timing);
    ratio(&format!("{backend}_token_auth_cached"), ours, "sha2", floor);
}

fn cors(sizes: Sizes, timing: Timing) {
    for (name, case) in [
        ("cors_preflight", CorsCase::Preflight),
        ("cors_actual", CorsCase::Actual),
    ] {
        let (ours, peer) = (tollgate_cors(case), tower_http_cors(case));
        checked(name, check_cors(&ours, &peer));
        let (ours, peer) = measure_pair(&ours, &peer, timing);
        ratio(name, ours, "tower-http", peer);
        let floor = measure(&ResponseFloor::new(case), timing);
        eprintln!(
            "note: {name}: the response alone (request in, headers cloned) takes {floor:.1} ns"
        );
    }
    let (ours, peer) = (RouteLookup::new(1_000), MatchitLookup::new(1_000));
    checked("cors_routes_1k", check_routes(&ours, &peer));
    let (ours, peer) = measure_pair(&ours, &peer, timing);
    ratio("cors_routes_1k", ours, "matchit", peer);
    for size in sizes.routes {
        scale(
            "route_match",
            size,
            measure(&RouteLookup::new(size), timing),
        );
    }
}

fn writers(sizes: Sizes, timing: Timing) {
    let (ours, peer) = (WriterCheck::new(10), cedar_writer_check(10));
    checked("writers_check_10", check_writers(&ours, &peer));
    let (ours, peer) = measure_pair(&ours, &peer, timing);
    ratio("writers_check_10", ours, "cedar-policy", peer);
    for size in sizes.writers {
        scale(
            "writer_check",
            size,
            measure(&WriterCheck::new(size), timing),
        );
    }
}

fn scope(timing: Timing) {
    let (ours, peer) = (ScopeCheck::new(), cedar_scope_check());
    checked("scope_check", check_scopes(&ours, &peer));
    let (ours, peer) = measure_pair(&ours, &peer, timing);
    ratio("scope_check", ours, "cedar-policy", peer);
}

/// Ours verifying freshly signed requests against the crypto crates alone on the same bytes,
/// for each algorithm, a GET and a 1 KiB POST. The check runs before the timing, and after it
/// the proof that no request was refused while timed.
fn sign(timing: Timing) {
    for (name, algorithm, case, floor) in [
        (
            "sign_verify_ed25519_get",
            SignAlgorithm::Ed25519,
            SignCase::Get,
            "ed25519-dalek",
        ),
        (
            "sign_verify_ed25519_post_1k",
            SignAlgorithm::Ed25519,
            SignCase::Post1k,
            "ed25519-dalek",
        ),
        (
            "sign_verify_hmac_get",
            SignAlgorithm::HmacSha256,
            SignCase::Get,
            "hmac",
        ),
        (
            "sign_verify_hmac_post_1k",
            SignAlgorithm::HmacSha256,
            SignCase::Post1k,
            "hmac",
        ),
    ] {
        let comparison = SignComparison::new(algorithm, case);
        checked(name, comparison.check());
        let (ours, floor_ns) = measure_pair(&comparison.ours, &comparison.floor, timing);
        checked(name, comparison.ours.none_refused());
        ratio(name, ours, floor, floor_ns);
    }
}

/// Ours against governor on the same 10 000 keys, both on std's clock, then both with more
/// and more keys: the time of a check, and the memory ours holds (measured in a process of
/// its own: see [`limiter_memory`]).
fn limit(sizes: Sizes, timing: Timing) {
    checked("limit_check", check_limits());
    let (ours, peer) = (LimitCheck::new(10_000), GovernorCheck::new(10_000));
    let (ours, peer) = measure_pair(&ours, &peer, timing);
    ratio("limit_check", ours, "governor", peer);
    for keys in sizes.limit_keys {
        let (ours, peer) = (LimitCheck::new(keys), GovernorCheck::new(keys));
        if ours.tracked_keys() != keys {
            eprintln!(
                "note: limit_check n={keys}: {} keys tracked, some forgotten to make room",
                ours.tracked_keys()
            );
        }
        let (ours, peer) = measure_pair(&ours, &peer, timing);
        scale("limit_check", keys, ours);
        scale("governor_check", keys, peer);
        match limiter_memory(keys) {
            Some(bytes) => println!(
                "memory limit_check n={keys} bytes={bytes} per_key={:.1}",
                bytes as f64 / keys as f64
            ),
            None => eprintln!("note: limit_check n={keys}: memory not measured"),
        }
    }
}

/// The resident memory a limiter holding `keys` keys adds to a fresh process: this program
/// run again with `--limiter-memory <keys>`, so that no memory freed by earlier series is
/// reused for it. Page granularity and allocator slack included: a rough figure.
fn limiter_memory(keys: usize) -> Option<u64> {
    let output = std::process::Command::new(std::env::current_exe().ok()?)
        .args(["--limiter-memory", &keys.to_string()])
        .output()
        .ok()?;
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

/// `--limiter-memory <keys>`: prints the resident bytes a limiter of `keys` keys adds.
fn print_limiter_memory(keys: usize) -> ExitCode {
    let before = resident_bytes();
    let limiter = LimitCheck::new(keys);
    let after = resident_bytes();
    match (before, after) {
        (Some(before), Some(after)) => {
            println!("{}", after.saturating_sub(before));
            drop(limiter);
            ExitCode::SUCCESS
        }
        _ => ExitCode::FAILURE,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, sizes, timing) = match args.as_slice() {
        [] => ("full", Sizes::FULL, FULL),
        [flag] if flag == "--smoke" => ("smoke", SMOKE_SIZES, SMOKE),
        [flag, keys] if flag == "--limiter-memory" => match keys.parse() {
            Ok(keys) => return print_limiter_memory(keys),
            Err(_) => return ExitCode::from(2),
        },
        _ => {
            eprintln!("usage: bench_report [--smoke]");
            return ExitCode::from(2);
        }
    };
    let profile = build_profile();
    eprintln!(
        "bench_report: {mode} mode, {profile} build, CPU: {}",
        cpu_model()
    );
    let start = Instant::now();
    token(timing);
    memory_store(sizes, timing);
    sql_store(sizes, timing);
    cors(sizes, timing);
    writers(sizes, timing);
    scope(timing);
    limit(sizes, timing);
    sign(timing);
    eprintln!(
        "bench_report: done in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
