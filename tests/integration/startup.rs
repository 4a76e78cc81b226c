//! docs/server-api.md "Running", on the built binary `target/debug/examples/server`: invalid
//! settings stop start-up with every problem named and exit status 2; `mint` prints only the
//! token; the server prints `listening on http://ADDR` and serves that token.
//!
//! `cargo test --workspace --all-features` (what `.ci/run` runs) builds the example before any
//! test runs. A run that did not build it (`cargo test --test integration`), or left it older
//! than the sources, skips these tests after saying so.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::{send, skip, sqlite_url};

/// The example binary, when it exists and is newer than every source it was built from (the
/// files its dep-info, `server.d`, lists).
pub(crate) fn server_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let examples = exe.parent()?.parent()?.join("examples");
    let binary = examples.join("server");
    let built = binary.metadata().and_then(|m| m.modified()).ok();
    let sources = std::fs::read_to_string(examples.join("server.d")).ok();
    match (built, sources) {
        (Some(built), Some(sources)) if built >= newest_source(&sources) => Some(binary),
        (Some(_), Some(_)) => {
            skip(&format!("{} is older than its sources", binary.display()));
            None
        }
        _ => {
            skip(&format!("{} is not built", binary.display()));
            None
        }
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

#[test]
fn invalid_settings_exit_2_naming_every_problem() {
    let Some(binary) = server_binary() else {
        return;
    };
    let output = command(
        &binary,
        &[
            ("TOLLGATE_ADDR", "nowhere"),
            ("DATABASE_URL", "mysql://user:s3cret@db"),
            ("REQUIRE_ACCESS_TOKEN", "maybe"),
            ("CORS_ROUTES", "/v1/bots,,v1/rooms"),
            ("CORS_ALLOWED_ORIGINS", "null"),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    for named in [
        "TOLLGATE_ADDR=\"nowhere\"",
        "DATABASE_URL",
        "REQUIRE_ACCESS_TOKEN=\"maybe\"",
        "entry 2 \"\"",
        "entry 3 \"v1/rooms\"",
        "entry 1 \"null\"",
    ] {
        assert!(stderr.contains(named), "{named:?} missing from:\n{stderr}");
    }
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

/// Origin patterns that are too broad or that no browser can send stop start-up too.
#[test]
fn unusable_origin_patterns_exit_2() {
    let Some(binary) = server_binary() else {
        return;
    };
    let output = command(
        &binary,
        &[
            ("CORS_ROUTES", "/v1/subjects"),
            (
                "CORS_ALLOWED_ORIGINS",
                "https://*.github.io,http://127.1,file://host",
            ),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for named in ["entry 1 ", "entry 2 ", "entry 3 "] {
        assert!(stderr.contains(named), "{named:?} missing from:\n{stderr}");
    }
}

#[test]
fn bad_arguments_exit_2() {
    let Some(binary) = server_binary() else {
        return;
    };
    for args in [
        &["serve"][..],
        &["mint"],
        &["mint", "--user", "a"],
        &[
            "mint", "--user", "a", "--role", "root", "--name", "n", "--scope", "full",
        ],
    ] {
        let output = command(
            &binary,
            &[("DATABASE_URL", "sqlite:///nonexistent/dir/x.db")],
        )
        .args(args)
        .output()
        .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minted_token_works_on_the_started_binary() {
    let Some(binary) = server_binary() else {
        return;
    };
    let database_url = sqlite_url();
    let database = [("DATABASE_URL", database_url.as_str())];
    let minted = command(&binary, &database)
        .args([
            "mint",
            "--user",
            "root",
            "--role",
            "admin",
            "--name",
            "bootstrap",
            "--scope",
            "full",
        ])
        .output()
        .unwrap();
    assert!(
        minted.status.success(),
        "{}",
        String::from_utf8_lossy(&minted.stderr)
    );
    let stdout = String::from_utf8(minted.stdout).unwrap();
    let token = stdout.strip_suffix('\n').unwrap();
    assert!(
        token.starts_with("tgsk_") && !token.contains(char::is_whitespace),
        "{stdout:?}"
    );

    let mut server = tokio::process::Command::new(&binary)
        .env_clear()
        .envs(database)
        .env("TOLLGATE_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the server starts in time")
        .unwrap()
        .unwrap();
    let base = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"));
    assert!(base.starts_with("http://127.0.0.1:"), "{line:?}");
    let client = reqwest::Client::new();
    let current = send(
        client
            .get(format!("{base}/v1/tokens/current"))
            .bearer_auth(token),
    )
    .await
    .ok(200);
    assert_eq!(
        (&current["user"], &current["scope"]),
        (&serde_json::json!("root"), &serde_json::json!("full"))
    );
    send(client.get(format!("{base}/v1/subjects")))
        .await
        .missing_token();
    server.kill().await.unwrap();
}
