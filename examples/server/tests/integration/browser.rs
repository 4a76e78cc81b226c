//! CORS in a real browser: headless Chromium loads pages from three loopback origins and calls
//! the example server with `fetch`, `Authorization` header included (so every call is preceded
//! by a preflight). The page writes what it could see into the DOM; Chromium's `--dump-dom`
//! hands that back.
//!
//! Origins A and C are allowed on the CORS routes, D is not. A second token may be used only
//! from A. Ignored unless asked for (`-- --include-ignored`); then it drives the Chromium that
//! `TOLLGATE_TEST_CHROMIUM` names, or `chromium` on the `PATH` (`.ci/run` installs Debian's
//! package), and fails when there is none.

use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::support::{Backend, TestServer, unique_name};

/// Chromium is given this long per page before the test fails.
const BROWSER_DEADLINE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium: set TOLLGATE_TEST_CHROMIUM or put chromium on the PATH"]
async fn cors_routes_origins_and_token_origins_hold_in_chromium() {
    let chromium = chromium().unwrap_or_else(|| {
        panic!(
            "this test needs Chromium: set TOLLGATE_TEST_CHROMIUM to its binary, or install \
             chromium on the PATH"
        )
    });
    let (a, c, d) = (Page::bind().await, Page::bind().await, Page::bind().await);
    let allowed = format!("{},{}", a.origin, c.origin);
    let server = TestServer::start(
        Backend::Sqlite,
        &[
            ("CORS_ROUTES", "/v1/subjects,/v1/tokens/current"),
            ("CORS_ALLOWED_ORIGINS", &allowed),
        ],
    )
    .await;
    let restricted = restricted_token(&server, &a.origin).await;
    let script = json!({
        "api": server.base,
        "calls": [
            {"case": "listed", "path": "/v1/subjects", "token": server.admin_token},
            {"case": "unlisted", "path": "/v1/users", "token": server.admin_token},
            {"case": "bad_token", "path": "/v1/subjects", "token": "tgsk_not_a_real_token"},
            {"case": "restricted", "path": "/v1/tokens/current", "token": restricted},
        ],
    });
    let (a, c, d) = (a.serve(&script), c.serve(&script), d.serve(&script));
    let (seen_a, seen_c, seen_d) = tokio::join!(
        visit(&chromium, &a.origin),
        visit(&chromium, &c.origin),
        visit(&chromium, &d.origin),
    );

    // Allowed origin A: the listed route's JSON is readable; the unlisted route is blocked by
    // the browser; a 401 on a listed route is readable, body included; the token restricted to
    // A works from A.
    assert_eq!(seen_a["listed"]["status"], 200, "{seen_a}");
    assert!(seen_a["listed"]["body"].is_array(), "{seen_a}");
    assert_eq!(seen_a["unlisted"], json!({"blocked": true}), "{seen_a}");
    assert_eq!(seen_a["bad_token"]["status"], 401, "{seen_a}");
    assert_eq!(
        seen_a["bad_token"]["body"]["error"]["code"], "invalid_token",
        "{seen_a}"
    );
    assert_eq!(seen_a["restricted"]["status"], 200, "{seen_a}");
    assert_eq!(seen_a["restricted"]["body"]["name"], "web", "{seen_a}");

    // Allowed origin C: the same, except that the token restricted to A is refused, readably.
    assert_eq!(seen_c["listed"]["status"], 200, "{seen_c}");
    assert_eq!(seen_c["unlisted"], json!({"blocked": true}), "{seen_c}");
    assert_eq!(seen_c["restricted"]["status"], 403, "{seen_c}");
    assert_eq!(
        seen_c["restricted"]["body"]["error"]["code"], "origin_not_allowed",
        "{seen_c}"
    );

    // Origin D is not allowed: the browser blocks every call.
    for case in ["listed", "unlisted", "bad_token", "restricted"] {
        assert_eq!(seen_d[case], json!({"blocked": true}), "{case}: {seen_d}");
    }

    for page in [a, c, d] {
        page.task.abort();
    }
    server.stop().await;
}

/// The Chromium binary to drive, if any.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TOLLGATE_TEST_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
}

/// A token named "web" for `admin`, usable only from `origin`.
async fn restricted_token(server: &TestServer, origin: &str) -> String {
    let response = server
        .client
        .post(server.url("/v1/tokens"))
        .bearer_auth(&server.admin_token)
        .json(&json!({"name": "web", "scope": "read-only", "allowed_origins": [origin]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    created["token"].as_str().unwrap().to_owned()
}

/// A static page on its own loopback port: its own origin, as far as the browser is concerned.
struct Page {
    origin: String,
    listener: TcpListener,
}

/// A page being served until the task is aborted.
struct ServedPage {
    origin: String,
    task: JoinHandle<()>,
}

impl Page {
    async fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        Self { origin, listener }
    }

    /// Serves the page that runs `script`'s calls and reports them in `<pre id="results">`.
    fn serve(self, script: &Value) -> ServedPage {
        let html = PAGE.replace("__SCRIPT__", &script.to_string());
        let app = Router::new().route("/", get(move || async move { Html(html) }));
        let listener = self.listener;
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        ServedPage {
            origin: self.origin,
            task,
        }
    }
}

/// Loads `origin` in a fresh headless Chromium and returns the page's results by case.
async fn visit(chromium: &std::path::Path, origin: &str) -> Value {
    let profile = std::env::temp_dir().join(unique_name("chromium"));
    let run = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("{origin}/"))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(BROWSER_DEADLINE, run)
        .await
        .expect("Chromium finished in time")
        .expect("Chromium ran");
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&output.stdout);
    let results = dom
        .split_once(r#"<pre id="results">"#)
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(results, _)| results.replace("&quot;", "\"").replace("&amp;", "&"))
        .unwrap_or_else(|| panic!("no results in the page from {origin}: {dom}"));
    serde_json::from_str(&results).unwrap()
}

/// The page: runs each call in turn, then writes `{case: outcome}` as JSON. An outcome is the
/// status and parsed body when the response was readable, `{"blocked": true}` when the browser
/// refused to hand it over.
const PAGE: &str = r#"<!doctype html>
<html><body><pre id="results"></pre>
<script>
const script = __SCRIPT__;
(async () => {
  const results = {};
  for (const call of script.calls) {
    try {
      const response = await fetch(script.api + call.path, {
        headers: { "Authorization": "Bearer " + call.token },
      });
      results[call.case] = { status: response.status, body: await response.json() };
    } catch (error) {
      results[call.case] = { blocked: true };
    }
  }
  document.getElementById("results").textContent = JSON.stringify(results);
})();
</script></body></html>
"#;
