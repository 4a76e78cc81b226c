//! A PostgreSQL cluster of a test's own, which the test may stop and start again: `initdb` and
//! `pg_ctl` from `/usr/lib/postgresql/*/bin` (Debian's layout), as `.ci/postgres.sh` does, in a
//! temporary directory, on a free port of 127.0.0.1. Stopped and removed when dropped, also
//! when the test fails.

use std::path::PathBuf;
use std::process::Command;

use super::unique_name;

#[derive(Debug)]
pub(crate) struct Cluster {
    /// The newest `/usr/lib/postgresql/VERSION/bin`.
    bin: PathBuf,
    /// Holds the data directory `data`, the server's log `log` and its Unix socket.
    dir: PathBuf,
    port: u16,
    /// Run as root: PostgreSQL refuses to, so its commands run as the `postgres` user.
    as_postgres: bool,
}

impl Cluster {
    /// A new cluster, running. Fails the test when PostgreSQL is not installed.
    pub(crate) fn start() -> Self {
        let Some(bin) = binaries() else {
            panic!(
                "this test needs PostgreSQL's server binaries in /usr/lib/postgresql/*/bin \
                 (Debian's postgresql package)"
            );
        };
        let dir = std::env::temp_dir().join(unique_name("pg"));
        std::fs::create_dir(&dir).unwrap();
        let as_postgres = std::fs::metadata("/proc/self").is_ok_and(|me| {
            use std::os::unix::fs::MetadataExt;
            me.uid() == 0
        });
        // From here on, dropping the cluster removes the directory.
        let cluster = Self {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        if as_postgres {
            run(Command::new("chown").arg("postgres").arg(&cluster.dir));
        }
        let data = cluster.data();
        let mut initdb = cluster.command("initdb");
        initdb.arg("-D").arg(&data);
        run(initdb.args(["-U", "postgres", "--auth=trust", "-E", "UTF8"]));
        cluster.resume();
        cluster
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server at once, as a crash or a pulled plug would (`pg_ctl stop -m
    /// immediate`): open connections are cut, new ones refused.
    pub(crate) fn crash(&self) {
        run(&mut self.pg_ctl(&["stop", "-m", "immediate"]));
    }

    /// Starts the server (again), on the same port; returns once it accepts connections.
    pub(crate) fn resume(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off",
            self.port,
            self.dir.display()
        );
        let mut start = self.pg_ctl(&["start", "-w", "-t", "60", "-o", &options]);
        run(start.arg("-l").arg(self.dir.join("log")));
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `pg_ctl -D DATA args`.
    fn pg_ctl(&self, args: &[&str]) -> Command {
        let mut command = self.command("pg_ctl");
        command.arg("-D").arg(self.data()).args(args);
        command
    }

    /// One of PostgreSQL's programs, run as `postgres` when the test runs as root.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Already stopped, or never started: nothing to do.
        let _ = self.pg_ctl(&["stop", "-m", "immediate"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest installed `/usr/lib/postgresql/VERSION/bin` that has `initdb` and `pg_ctl`.
fn binaries() -> Option<PathBuf> {
    let versions = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    let mut found: Vec<(u32, PathBuf)> = versions
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            let complete = ["initdb", "pg_ctl"].iter().all(|p| bin.join(p).is_file());
            complete.then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// A port of 127.0.0.1 that nothing listens on just now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Runs `command`, failing the test with its output when it fails.
fn run(command: &mut Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
