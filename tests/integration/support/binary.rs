//! The built example binary, `target/debug/examples/server`, run as its own process: for tests
//! of what only a process shows (exit status, signals, its output, its memory).
//!
//! `cargo test --workspace --all-features` (the README's test command, and `.ci/run`'s) builds
//! the example before any test runs. A run that did not build it (`cargo test --test
//! integration`), or left it older than its sources, fails these tests, saying how to build it:
//! a stale binary would test yesterday's server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

/// How to build the binary, for the failure messages.
const BUILD: &str = "build it with `cargo build --all-features --example server`, or run \
                     `cargo test --workspace --all-features`, which builds it";

/// The example binary. Fails the test unless it exists and is newer than every source it was
/// built from (the files its dep-info, `server.d`, lists).
pub(crate) fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let examples = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples");
    let binary = examples.join("server");
    let built = binary.metadata().and_then(|m| m.modified()).ok();
    let sources = std::fs::read_to_string(examples.join("server.d")).ok();
    match (built, sources) {
        (Some(built), Some(sources)) if built >= newest_source(&sources) => binary,
        (Some(_), Some(_)) => panic!("{} is older than its sources: {BUILD}", binary.display()),
        _ => panic!("{} is not built: {BUILD}", binary.display()),
    }
}

/// The latest modification time of the sources a dep-info file lists on its first line
/// (`binary: source source ...`, spaces in paths escaped as `\ `). A listed file that is
/// gone counts as newer than anything.
fn newest_source(dep_info: &str) -> SystemTime {
    let first_line = dep_info.lines().next().unwrap_or_default();
    let sources = first_line
        .split_once(": ")
        .map_or("", |(_, sources)| sources);
    let mut newest = SystemTime::UNIX_EPOCH;
    for source in sources.replace("\\ ", "\0").split_whitespace() {
        let path = source.replace('\0', " ");
        match Path::new(&path).metadata().and_then(|m| m.modified()) {
            Ok(modified) => newest = newest.max(modified),
            Err(_) => return SystemTime::now(),
        }
    }
    newest
}

/// The binary with no inherited settings, only `vars`.
pub(crate) fn command(binary: &Path, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary);
    command.env_clear().envs(vars.iter().copied());
    command
}

/// `server mint` for `user` (role admin, scope full) on `database_url`: the printed token.
pub(crate) fn mint(binary: &Path, database_url: &str, user: &str) -> String {
    let minted = command(binary, &[("DATABASE_URL", database_url)])
        .args(["mint", "--user", user, "--role", "admin", "--name"])
        .arg(super::unique_name("bootstrap"))
        .args(["--scope", "full"])
        .output()
        .unwrap();
    assert!(
        minted.status.success(),
        "{}",
        String::from_utf8_lossy(&minted.stderr)
    );
    let stdout = String::from_utf8(minted.stdout).unwrap();
    stdout.strip_suffix('\n').unwrap().to_owned()
}

/// The server binary running with `vars` (and `TOLLGATE_ADDR=127.0.0.1:0`), once it said
/// where it listens. Killed when dropped. Its logs go to the test's stderr, warnings and
/// errors only unless `vars` sets `RUST_LOG`: a line per request would bury the test's own
/// output.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
}

impl Running {
    pub(crate) async fn start(binary: &Path, vars: &[(&str, &str)]) -> Self {
        let mut child = tokio::process::Command::new(binary)
            .env_clear()
            .env("RUST_LOG", "warn")
            .envs(vars.iter().copied())
            .env("TOLLGATE_ADDR", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the server starts in time")
            .unwrap()
            .unwrap();
        let base = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{line:?}"))
            .to_owned();
        Self { child, base }
    }

    /// The address the server listens on.
    pub(crate) fn addr(&self) -> std::net::SocketAddr {
        self.base.trim_start_matches("http://").parse().unwrap()
    }

    /// Sends SIGTERM.
    pub(crate) fn terminate(&self) {
        let pid = self.child.id().expect("still running").to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
    }

    /// A figure in kB of `/proc/PID/status`: `VmRSS` (resident memory now), `VmHWM` (its
    /// peak so far).
    pub(crate) fn memory_kib(&self, field: &str) -> u64 {
        let pid = self.child.id().expect("still running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|value| value.trim().strip_suffix(" kB")?.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in:\n{status}"))
    }

    /// How many connections with clients the server holds open: sockets on its address in
    /// `/proc/net/tcp` that are established, or that the client closed and the server has
    /// not yet (close-wait).
    pub(crate) fn client_connections(&self) -> usize {
        let addr = self.addr();
        let std::net::IpAddr::V4(ip) = addr.ip() else {
            panic!("{addr} is not IPv4");
        };
        // The kernel shows the address as the hex of its bytes in memory, little-endian here.
        let local = format!(
            "{:08X}:{:04X}",
            u32::from_le_bytes(ip.octets()),
            addr.port()
        );
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
        table
            .lines()
            .skip(1)
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .filter(|fields| fields[1] == local && matches!(fields[3], "01" | "08"))
            .count()
    }

    /// Whether the process is still running (it has not exited or crashed).
    pub(crate) fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub(crate) async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }
}
