//! Criterion benches: one group per crate, each holding the tollgate function and its peer (or
//! floor) on identical input, plus the scaling series of docs/benchmarks.md.
//!
//! ```text
//! cargo bench -p tollgate-benches                  # everything
//! cargo bench -p tollgate-benches -- cors/         # one group
//! ```
//!
//! The workloads are shared with the ratio report (`src/bin/bench_report.rs`); see
//! `benches/README.md` for how each pair is made to do the same work.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program: a broken setup should stop it loudly"
)]

use std::sync::Arc;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, criterion_group, criterion_main};
use tollgate_benches::cors::{
    CorsCase, MatchitLookup, ResponseFloor, RouteLookup, check_cors, check_routes, tollgate_cors,
    tower_http_cors,
};
use tollgate_benches::scope::{ScopeCheck, cedar_scope_check, check_scopes};
use tollgate_benches::store::{
    CachedTokenAuth, MemoryTokenLookup, SqlSelectByHash, SqlTokenAuth, SqlTokens, check_memory,
    check_sql,
};
use tollgate_benches::token::{MintedTokens, Sha256Alone, TokenComparison};
use tollgate_benches::writers::{WriterCheck, cedar_writer_check, check_writers};
use tollgate_benches::{DISTINCT_INPUTS, Sizes, Workload, checked, postgres_available};

/// Benchmarks one workload under `id`, its inputs built outside the timed routine.
fn bench<W: Workload>(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, workload: &W) {
    let mut iteration = 0;
    group.bench_function(id, |b| {
        b.iter_batched(
            || {
                iteration += 1;
                workload.input(iteration)
            },
            |input| workload.run(input),
            BatchSize::SmallInput,
        );
    });
}

fn token(c: &mut Criterion) {
    let tokens = TokenComparison::new();
    checked("token", tokens.check());
    let mut group = c.benchmark_group("token");
    bench(&mut group, "verify/tollgate", &tokens.ours);
    bench(&mut group, "verify/sha256-floor", &tokens.floor);
    bench(&mut group, "verify/prefixed-api-key", &tokens.peer);
    group.finish();
}

fn store(c: &mut Criterion) {
    let tokens = Arc::new(MintedTokens::new(DISTINCT_INPUTS));
    let mut group = c.benchmark_group("store");
    bench(
        &mut group,
        "memory/sha256-floor",
        &Sha256Alone(Arc::clone(&tokens)),
    );
    for size in Sizes::FULL.memory_tokens {
        let lookup = MemoryTokenLookup::new(size, Arc::clone(&tokens));
        checked("memory store", check_memory(&lookup));
        bench(&mut group, &format!("memory/tollgate/{size}"), &lookup);
    }
    group.sample_size(20);
    for size in Sizes::FULL.sqlite_tokens {
        let db = Arc::new(SqlTokens::sqlite(size, Arc::clone(&tokens)));
        checked("SQLite store", check_sql(&db));
        let ours = SqlTokenAuth(Arc::clone(&db));
        bench(&mut group, &format!("sqlite/tollgate/{size}"), &ours);
        let cached = CachedTokenAuth(Arc::clone(&db));
        bench(
            &mut group,
            &format!("sqlite/tollgate-cached/{size}"),
            &cached,
        );
        let floor = SqlSelectByHash(db);
        bench(&mut group, &format!("sqlite/select-by-hash/{size}"), &floor);
    }
    if postgres_available() {
        let size = Sizes::FULL.postgres_tokens;
        let db = Arc::new(SqlTokens::postgres(size, Arc::clone(&tokens)));
        checked("PostgreSQL store", check_sql(&db));
        let ours = SqlTokenAuth(Arc::clone(&db));
        bench(&mut group, &format!("postgres/tollgate/{size}"), &ours);
        let cached = CachedTokenAuth(Arc::clone(&db));
        bench(
            &mut group,
            &format!("postgres/tollgate-cached/{size}"),
            &cached,
        );
        let floor = SqlSelectByHash(db);
        bench(
            &mut group,
            &format!("postgres/select-by-hash/{size}"),
            &floor,
        );
    }
    group.finish();
}

fn cors(c: &mut Criterion) {
    let mut group = c.benchmark_group("cors");
    for (name, case) in [
        ("preflight", CorsCase::Preflight),
        ("actual", CorsCase::Actual),
    ] {
        let (ours, peer) = (tollgate_cors(case), tower_http_cors(case));
        checked(name, check_cors(&ours, &peer));
        bench(&mut group, &format!("{name}/tollgate"), &ours);
        bench(&mut group, &format!("{name}/tower-http"), &peer);
        let floor = ResponseFloor::new(case);
        bench(&mut group, &format!("{name}/response-floor"), &floor);
    }
    let (ours, peer) = (RouteLookup::new(1_000), MatchitLookup::new(1_000));
    checked("routes", check_routes(&ours, &peer));
    bench(&mut group, "routes-1000/tollgate", &ours);
    bench(&mut group, "routes-1000/matchit", &peer);
    for size in Sizes::FULL.routes {
        bench(
            &mut group,
            &format!("routes/tollgate/{size}"),
            &RouteLookup::new(size),
        );
    }
    group.finish();
}

fn writers(c: &mut Criterion) {
    let mut group = c.benchmark_group("writers");
    let (ours, peer) = (WriterCheck::new(10), cedar_writer_check(10));
    checked("writers", check_writers(&ours, &peer));
    bench(&mut group, "check-10/tollgate", &ours);
    bench(&mut group, "check-10/cedar-policy", &peer);
    for size in Sizes::FULL.writers {
        bench(
            &mut group,
            &format!("check/tollgate/{size}"),
            &WriterCheck::new(size),
        );
    }
    group.finish();
}

fn scope(c: &mut Criterion) {
    let mut group = c.benchmark_group("scope");
    let (ours, peer) = (ScopeCheck::new(), cedar_scope_check());
    checked("scope", check_scopes(&ours, &peer));
    bench(&mut group, "check/tollgate", &ours);
    bench(&mut group, "check/cedar-policy", &peer);
    group.finish();
}

criterion_group!(benches, token, store, cors, writers, scope);
criterion_main!(benches);
