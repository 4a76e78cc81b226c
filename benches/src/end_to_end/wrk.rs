//! Driving `wrk`, the external load generator: finding it, writing its Lua scripts, running it
//! as a child process and reading the summary its `done` hook prints.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How every side is loaded: the same for all of them, so their figures compare.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// wrk threads (`-t`).
    pub threads: u32,
    /// Open connections, shared among the threads (`-c`).
    pub connections: u32,
    /// How long one measured run lasts (`-d`, whole seconds: wrk takes no finer unit).
    pub duration: Duration,
    /// How long the unmeasured run before each measured one lasts.
    pub warm_up: Duration,
    /// A request not answered within this counts as a timeout (`--timeout`).
    pub timeout: Duration,
}

/// What one wrk run measured, read from the line its `done` hook prints.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    /// Responses received.
    pub requests: u64,
    /// Requests per second: `requests` over the run's measured duration.
    pub rps: f64,
    /// Mean latency, in milliseconds.
    pub mean_ms: f64,
    /// Longest latency, in milliseconds.
    pub max_ms: f64,
    /// Responses with a status of 400 or more (wrk's `errors.status`).
    pub non_2xx: u64,
    /// Requests not answered within [`Load::timeout`].
    pub timeouts: u64,
    /// Connect, read and write errors.
    pub socket_errors: u64,
}

/// The path of the `wrk` executable on `PATH`, or `None` when there is none.
pub fn find_wrk() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("wrk"))
        .find(|candidate| candidate.is_file())
}

/// The Lua `done` hook every script ends with: one machine-readable line, so no unit suffix
/// of wrk's human summary (`us`, `ms`, `k`) has to be parsed. Latencies are in microseconds.
const DONE_HOOK: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk-summary requests=%d duration_us=%d mean_us=%.3f max_us=%d status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency.mean, latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
"#;

/// `text` as a Lua string literal.
///
/// # Panics
/// If `text` holds a control character: the tokens and names put in scripts never do.
pub fn lua_string(text: &str) -> String {
    assert!(
        !text.chars().any(char::is_control),
        "no control characters in a Lua script's strings"
    );
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A Lua list of string literals.
fn lua_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| lua_string(item)).collect();
    format!("{{ {} }}", quoted.join(", "))
}

/// A script sending `GET path` with `Origin: origin` and `Authorization: Bearer <token>`,
/// each request taking the next of `tokens` in turn (per wrk thread).
pub fn read_script(path: &str, origin: &str, tokens: &[String]) -> String {
    let mut script = String::new();
    let _ = write!(
        script,
        r#"local tokens = {tokens}
local path = {path}
local origin = {origin}
local turn = 0
request = function()
  turn = turn % #tokens + 1
  return wrk.format("GET", path, {{ ["Authorization"] = "Bearer " .. tokens[turn], ["Origin"] = origin }})
end
"#,
        tokens = lua_list(tokens),
        path = lua_string(path),
        origin = lua_string(origin),
    );
    script.push_str(DONE_HOOK);
    script
}

/// A script sending `PUT /v1/aspects/<aspect>/samples/<subject>` with a JSON body
/// `{"value": "<n>"}`, the subject taking the next of `subjects` in turn and `n` counting
/// requests (per wrk thread), authenticated by `token`.
pub fn write_script(aspect: &str, subjects: &[String], token: &str) -> String {
    let mut script = String::new();
    let _ = write!(
        script,
        r#"local subjects = {subjects}
local prefix = "/v1/aspects/" .. {aspect} .. "/samples/"
local headers = {{ ["Authorization"] = "Bearer " .. {token}, ["Content-Type"] = "application/json" }}
local turn = 0
request = function()
  turn = turn + 1
  local subject = subjects[turn % #subjects + 1]
  return wrk.format("PUT", prefix .. subject, headers, '{{"value":"' .. turn .. '"}}')
end
"#,
        subjects = lua_list(subjects),
        aspect = lua_string(aspect),
        token = lua_string(token),
    );
    script.push_str(DONE_HOOK);
    script
}

/// Runs wrk for `duration` against `addr` with `script`.
///
/// # Panics
/// If wrk cannot be started, fails, or prints no summary line.
pub fn run(wrk: &Path, load: Load, duration: Duration, addr: SocketAddr, script: &Path) -> Outcome {
    let output = Command::new(wrk)
        .arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg(format!("--timeout={}s", load.timeout.as_secs().max(1)))
        .arg("-s")
        .arg(script)
        .arg(format!("http://{addr}/"))
        .output()
        .expect("wrk starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "wrk failed ({}): {stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(parse_summary)
        .unwrap_or_else(|| panic!("wrk printed no summary line: {stdout}"))
}

/// The [`Outcome`] in a `wrk-summary` line, or `None` for any other line.
fn parse_summary(line: &str) -> Option<Outcome> {
    let fields = line.strip_prefix("wrk-summary ")?;
    let field = |name: &str| -> Option<f64> {
        fields
            .split(' ')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    let count = |name: &str| field(name).map(|value| value as u64);
    let duration_s = field("duration_us")? / 1e6;
    let requests = count("requests")?;
    Some(Outcome {
        requests,
        rps: requests as f64 / duration_s,
        mean_ms: field("mean_us")? / 1e3,
        max_ms: field("max_us")? / 1e3,
        non_2xx: count("status")?,
        timeouts: count("timeout")?,
        socket_errors: count("connect")? + count("read")? + count("write")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_line_is_read() {
        let line = "wrk-summary requests=2000 duration_us=1000000 mean_us=1500.000 max_us=9000 \
                    status=3 connect=1 read=2 write=0 timeout=4";
        let outcome = parse_summary(line).expect("a summary");
        assert_eq!(outcome.requests, 2000);
        assert!((outcome.rps - 2000.0).abs() < 1e-9);
        assert!((outcome.mean_ms - 1.5).abs() < 1e-9);
        assert!((outcome.max_ms - 9.0).abs() < 1e-9);
        assert_eq!(
            (outcome.non_2xx, outcome.socket_errors, outcome.timeouts),
            (3, 3, 4)
        );
        assert!(parse_summary("Requests/sec: 12.0").is_none());
    }

    #[test]
    fn lua_strings_are_escaped() {
        assert_eq!(lua_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
