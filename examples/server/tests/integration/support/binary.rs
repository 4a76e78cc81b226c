//! The server binary run as its own process: for tests of what only a process shows (exit
//! status, signals, its output, its memory). Cargo builds it from the current sources before
//! it runs these tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

/// The server binary of this package.
pub(crate) fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_server"))
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
