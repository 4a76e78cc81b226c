//! The end-to-end overhead benchmark: HTTP throughput of servers run in this process on
//! loopback ports, loaded by `wrk` (an external load generator, which must be on `PATH`).
//!
//! ```text
//! cargo run --release -p tollgate-benches --bin end_to_end             # full: 3 rounds of 5 s
//! cargo run -p tollgate-benches --bin end_to_end -- --smoke            # 1 round of 1 s (CI)
//! ```
//!
//! On SQLite, and on PostgreSQL when `TOLLGATE_BENCH_POSTGRES_URL` (or
//! `TOLLGATE_TEST_POSTGRES_URL`) names a server whose user may create databases, it prints on
//! standard output:
//!
//! - `ratio server_stack<_postgres> ours_rps=<f> peer=bare peer_rps=<f> speedup=<ours/bare>`:
//!   the tollgate stack (CORS, authentication through `TokenService<CachedStorage<SqlStorage>>`
//!   with a failure throttle, the scope check) around a trivial handler, against the handler
//!   alone;
//! - `ratio server_stack_vs_sql_lookup<_postgres> ours_rps=<f> peer=sql_lookup peer_rps=<f>
//!   speedup=<ours/peer>`: the same stack against an API-key middleware doing one SQL lookup
//!   per request;
//! - `measure server_writes_<sqlite|postgres> rps=<f> mean_ms=<f> max_ms=<f> errors=<n>`: sample
//!   `PUT`s through the example server's whole stack.
//!
//! The three read sides are measured in alternating order within each round (the first side
//! rotating from round to round), each run preceded by a warm-up run; the median of the
//! rounds is reported. Any refused request or socket error on a read side stops the run: a
//! benchmark of refusals measures nothing. Notes (CPU, latencies, skipped parts) go to
//! standard error.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program: a broken setup should stop it loudly"
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tollgate_benches::end_to_end::database::{self, Backend};
use tollgate_benches::end_to_end::probe::expect_status;
use tollgate_benches::end_to_end::sql_lookup::{KeyPool, sql_lookup_app};
use tollgate_benches::end_to_end::stack::{
    BODY, ORIGIN, ROUTE, Served, bare_app, serve, tollgate_app, tollgate_tokens,
};
use tollgate_benches::end_to_end::writes::{ASPECT, start_server};
use tollgate_benches::end_to_end::wrk::{self, Load, Outcome};
use tollgate_benches::{build_profile, cpu_model};

/// Tokens (and API keys) the read requests cycle through, so the token cache holds more than
/// one hot entry. Below the token service's cap on one user's live tokens (100).
const TOKENS: usize = 64;
/// Subjects the writes cycle through.
const SUBJECTS: usize = 64;

/// How a mode loads and repeats.
#[derive(Debug, Clone, Copy)]
struct Mode {
    name: &'static str,
    load: Load,
    rounds: usize,
}

const FULL: Mode = Mode {
    name: "full",
    load: Load {
        threads: 2,
        connections: 32,
        duration: Duration::from_secs(5),
        warm_up: Duration::from_secs(1),
        timeout: Duration::from_secs(5),
    },
    rounds: 3,
};

const SMOKE: Mode = Mode {
    name: "smoke",
    load: Load {
        duration: Duration::from_secs(1),
        ..FULL.load
    },
    rounds: 1,
};

/// What the run shares: the runtime serving every side, wrk, and a scratch directory.
struct Bench {
    runtime: Runtime,
    wrk: PathBuf,
    scratch: PathBuf,
    mode: Mode,
}

impl Bench {
    /// Writes `script` into the scratch directory as `name`.
    fn script(&self, name: &str, script: &str) -> PathBuf {
        let path = self.scratch.join(name);
        std::fs::write(&path, script).expect("write a wrk script");
        path
    }

    /// A warm-up run, then a measured one, against `addr`.
    fn load(&self, addr: SocketAddr, script: &Path) -> (Outcome, Outcome) {
        let load = self.mode.load;
        let warm = wrk::run(&self.wrk, load, load.warm_up, addr, script);
        let measured = wrk::run(&self.wrk, load, load.duration, addr, script);
        (warm, measured)
    }
}

/// A read side under load.
struct Side {
    name: &'static str,
    served: Served,
}

/// Stops the run unless every request of `outcome` was answered 2xx.
fn clean(side: &str, outcome: &Outcome) {
    assert!(
        outcome.requests > 0
            && outcome.non_2xx == 0
            && outcome.timeouts == 0
            && outcome.socket_errors == 0,
        "{side}: {} requests, {} refused (status >= 400), {} timeouts, {} socket errors: \
         a benchmark of refusals measures nothing",
        outcome.requests,
        outcome.non_2xx,
        outcome.timeouts,
        outcome.socket_errors
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Checks what each read side answers to one request like wrk's: 200 with the handler's body,
/// and from the tollgate stack the CORS header; and that the two guarded sides refuse a
/// request without a token, so that a layer left out cannot pass unnoticed.
fn check_read_sides(sides: &[Side], token: &str) {
    let bearer = format!("Bearer {token}");
    let headers = [("Authorization", bearer.as_str()), ("Origin", ORIGIN)];
    for side in sides {
        let reply = expect_status(side.served.addr, "GET", ROUTE, &headers, "", 200);
        assert!(
            reply.rest.ends_with(BODY),
            "{}: body {}",
            side.name,
            reply.rest
        );
        if side.name == "ours" {
            assert_eq!(
                reply.header("access-control-allow-origin"),
                Some(ORIGIN),
                "the tollgate stack answers with CORS headers"
            );
        }
        if side.name != "bare" {
            expect_status(
                side.served.addr,
                "GET",
                ROUTE,
                &[("Origin", ORIGIN)],
                "",
                401,
            );
        }
    }
}

/// The tollgate stack, the bare handler and the SQL-lookup peer on `backend`, in alternating
/// rounds; prints the two ratio lines.
fn reads(bench: &Bench, backend: &Backend) {
    let database = bench.runtime.block_on(database::fresh(backend, "reads"));
    let (tokens, secrets) = bench
        .runtime
        .block_on(tollgate_tokens(&database.url, TOKENS));
    let (keys, sides) = bench.runtime.block_on(async {
        let keys = KeyPool::open(&database.url).await;
        keys.create_keys(&secrets).await;
        let sides = vec![
            Side {
                name: "ours",
                served: serve(tollgate_app(Arc::clone(&tokens))).await,
            },
            Side {
                name: "bare",
                served: serve(bare_app()).await,
            },
            Side {
                name: "sql_lookup",
                served: serve(sql_lookup_app(keys.clone())).await,
            },
        ];
        (keys, sides)
    });
    check_read_sides(&sides, &secrets[0]);
    let script = bench.script(
        &format!("read-{}.lua", backend.name()),
        &wrk::read_script(ROUTE, ORIGIN, &secrets),
    );
    let mut measured: Vec<Vec<Outcome>> = vec![Vec::new(); sides.len()];
    for round in 0..bench.mode.rounds {
        for turn in 0..sides.len() {
            let index = (round + turn) % sides.len();
            let side = &sides[index];
            let (warm, outcome) = bench.load(side.served.addr, &script);
            clean(side.name, &warm);
            clean(side.name, &outcome);
            measured[index].push(outcome);
        }
    }
    let rps = |index: usize| median(measured[index].iter().map(|o| o.rps).collect());
    let (ours, bare, peer) = (rps(0), rps(1), rps(2));
    let suffix = backend.suffix();
    println!(
        "ratio server_stack{suffix} ours_rps={ours:.1} peer=bare peer_rps={bare:.1} speedup={:.2}",
        ours / bare
    );
    println!(
        "ratio server_stack_vs_sql_lookup{suffix} ours_rps={ours:.1} peer=sql_lookup \
         peer_rps={peer:.1} speedup={:.2}",
        ours / peer
    );
    for (side, outcomes) in sides.iter().zip(&measured) {
        let mean = median(outcomes.iter().map(|o| o.mean_ms).collect());
        let max = outcomes.iter().map(|o| o.max_ms).fold(0.0, f64::max);
        eprintln!(
            "note: {} reads, {}: median mean latency {mean:.3} ms, max {max:.3} ms",
            backend.name(),
            side.name
        );
    }
    for side in sides {
        side.served.stop();
    }
    bench.runtime.block_on(async {
        keys.close().await;
        tokens.storage().inner().close().await;
        database.remove().await;
    });
}

/// Sample `PUT`s through the example server on `backend`; prints the `measure` line.
fn writes(bench: &Bench, backend: &Backend) {
    let database = bench.runtime.block_on(database::fresh(backend, "writes"));
    let mut server = bench.runtime.block_on(start_server(database));
    server.create_records(SUBJECTS);
    let script = bench.script(
        &format!("write-{}.lua", backend.name()),
        &wrk::write_script(ASPECT, &server.subjects, &server.token),
    );
    let mut measured = Vec::new();
    let mut warm_up_errors = 0;
    for _ in 0..bench.mode.rounds {
        let (warm, outcome) = bench.load(server.addr, &script);
        warm_up_errors += errors(&warm);
        measured.push(outcome);
    }
    let rps = median(measured.iter().map(|o| o.rps).collect());
    let mean = median(measured.iter().map(|o| o.mean_ms).collect());
    let max = measured.iter().map(|o| o.max_ms).fold(0.0, f64::max);
    let errors: u64 = measured.iter().map(errors).sum();
    println!(
        "measure server_writes_{} rps={rps:.1} mean_ms={mean:.3} max_ms={max:.3} errors={errors}",
        backend.name()
    );
    if warm_up_errors > 0 {
        eprintln!(
            "note: {} writes: {warm_up_errors} errors during the warm-up runs",
            backend.name()
        );
    }
    bench.runtime.block_on(server.stop());
}

/// Requests of a write run that failed: a status of 400 or more, a timeout, a socket error.
fn errors(outcome: &Outcome) -> u64 {
    outcome.non_2xx + outcome.timeouts + outcome.socket_errors
}

/// The PostgreSQL server to use, if one is named.
fn postgres_url() -> Option<String> {
    ["TOLLGATE_BENCH_POSTGRES_URL", "TOLLGATE_TEST_POSTGRES_URL"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|url| !url.is_empty()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.as_slice() {
        [] => FULL,
        [flag] if flag == "--smoke" => SMOKE,
        _ => {
            eprintln!("usage: end_to_end [--smoke]");
            return ExitCode::from(2);
        }
    };
    let Some(wrk) = wrk::find_wrk() else {
        eprintln!(
            "end_to_end: `wrk` is not on PATH; install it first (Debian: apt-get install wrk)"
        );
        return ExitCode::from(2);
    };
    let profile = build_profile();
    eprintln!(
        "end_to_end: {} mode, {profile} build, CPU: {}, {} cores; wrk -t{} -c{}, {} s runs \
         after {} s warm-ups, {} round(s)",
        mode.name,
        cpu_model(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        mode.load.threads,
        mode.load.connections,
        mode.load.duration.as_secs(),
        mode.load.warm_up.as_secs(),
        mode.rounds
    );
    let start = Instant::now();
    // One worker thread per core (tokio's default), serving every side; this thread waits on
    // wrk, which runs as a child process on the same machine.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let scratch = std::env::temp_dir().join(format!("tollgate-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let bench = Bench {
        runtime,
        wrk,
        scratch: scratch.clone(),
        mode,
    };
    let mut backends = vec![Backend::Sqlite(scratch.clone())];
    match postgres_url() {
        Some(url) => backends.push(Backend::Postgres(url)),
        None => eprintln!(
            "note: PostgreSQL skipped: set TOLLGATE_BENCH_POSTGRES_URL (or \
             TOLLGATE_TEST_POSTGRES_URL) to a server whose user may create databases"
        ),
    }
    for backend in &backends {
        reads(&bench, backend);
        writes(&bench, backend);
    }
    drop(bench);
    // Only scripts and emptied database files are left in it.
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!("end_to_end: done in {:.1} s", start.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
