//! docs/server-api.md "Token page" in a real browser: headless Chromium, driven over WebDriver
//! (chromedriver, started here on a free loopback port), signs in on `/tokens` with a token,
//! creates a token and sees its secret once, finds it listed, revokes it, reads the audit log
//! of all that as an administrator, and signs out; the secret is used with the API in between,
//! accepted and then refused. Screenshots of the main states go to `target/screenshots/`.
//!
//! Ignored unless asked for (`-- --include-ignored`); then it drives the Chromium that
//! `TOLLGATE_TEST_CHROMIUM` names and the chromedriver that `TOLLGATE_TEST_CHROMEDRIVER` names
//! (or `chromium` and `chromedriver` on the `PATH`; `.ci/run` installs Debian's `chromium` and
//! `chromium-driver`), and fails when either is missing.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::support::{Backend, TestServer};

/// How long chromedriver may take to listen, and the page to reach any state it is waited for.
const DEADLINE: Duration = Duration::from_secs(30);

/// The key under which the page keeps the token (`tokens.js`).
const STORAGE_KEY: &str = "tollgate.token";

/// The token the test creates through the page.
const NAME: &str = "browser-made";

/// Its row in the token list (rows carry the token's name in `data-name`).
const ROW: &str = r#"#tokens tbody tr[data-name="browser-made"]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: set TOLLGATE_TEST_CHROMIUM and \
            TOLLGATE_TEST_CHROMEDRIVER, or put chromium and chromedriver on the PATH"]
async fn token_page_creates_shows_once_lists_revokes_and_audits_in_chromium() {
    let chromium = binary("TOLLGATE_TEST_CHROMIUM", "chromium").unwrap_or_else(|| {
        panic!(
            "this test needs Chromium: set TOLLGATE_TEST_CHROMIUM to its binary, or install \
             chromium on the PATH"
        )
    });
    let chromedriver = binary("TOLLGATE_TEST_CHROMEDRIVER", "chromedriver").unwrap_or_else(|| {
        panic!(
            "this test needs chromedriver: set TOLLGATE_TEST_CHROMEDRIVER to its binary, or \
             install chromedriver on the PATH (Debian: chromium-driver)"
        )
    });
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let server = TestServer::start(Backend::Sqlite, &[]).await;
    let admin = server
        .get(&server.admin_token, "/v1/tokens/current")
        .await
        .ok(200);
    let admin_id = admin["id"].as_i64().unwrap();
    let (driver, browser) = start_browser(&chromedriver, &chromium).await;

    // Signed out: the sign-in form only.
    browser.goto(&server.url("/tokens")).await.unwrap();
    wait_displayed(&browser, "#sign-in-form").await;
    assert!(!displayed(&browser, "#signed-in").await);
    assert!(!displayed(&browser, "#sign-out").await);
    screenshot(&browser, &shots, "1-signed-out").await;

    // Sign in with the administrator's token.
    let field = browser.find(Locator::Id("sign-in-token")).await.unwrap();
    field.send_keys(&server.admin_token).await.unwrap();
    click(&browser, "#sign-in-form button[type=submit]").await;
    wait_displayed(&browser, "#who").await;
    assert_eq!(
        text(&browser, "#who").await,
        format!(
            "Signed in as admin, with “{}” (full).",
            admin["name"].as_str().unwrap()
        )
    );
    wait_text(&browser, "#status", "Signed in.").await;
    assert!(displayed(&browser, "#signed-in").await);
    assert!(displayed(&browser, "#admin").await);
    assert!(!displayed(&browser, "#sign-in").await);
    assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(""));
    // The token is in this tab's session storage only: no cookie, nothing in local storage or
    // in the URL.
    let kept = kept_tokens(&browser).await;
    assert_eq!(
        kept,
        json!({"session": server.admin_token, "cookie": "", "local": 0})
    );
    let url = browser.current_url().await.unwrap();
    assert_eq!(url.as_str(), server.url("/tokens"));

    // Create a read-only token: its secret is shown once, with the warning.
    let name = browser.find(Locator::Id("create-name")).await.unwrap();
    name.send_keys(NAME).await.unwrap();
    let scope = browser.find(Locator::Id("create-scope")).await.unwrap();
    scope.select_by_value("read-only").await.unwrap();
    click(&browser, "#create-form button[type=submit]").await;
    wait_displayed(&browser, "#secret").await;
    let secret = browser
        .find(Locator::Id("secret-value"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(secret.starts_with("tgsk_"), "{secret}");
    assert!(
        text(&browser, "#secret .warning")
            .await
            .starts_with("Copy it now: it is shown this once."),
    );
    wait_text(&browser, "#status", &format!("Created “{NAME}”.")).await;
    wait_displayed(&browser, ROW).await;
    // The form is emptied for the next token.
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some(""),
        "the create form is reset"
    );
    screenshot(&browser, &shots, "2-secret-shown-once").await;

    // "I have stored it": the secret leaves the page, and a reload does not bring it back.
    click(&browser, "#secret-done").await;
    assert!(!displayed(&browser, "#secret").await);
    let value = browser.find(Locator::Id("secret-value")).await.unwrap();
    assert_eq!(value.prop("value").await.unwrap().as_deref(), Some(""));
    assert!(
        !page_holds(&browser, &secret).await,
        "the secret after done"
    );
    browser.refresh().await.unwrap();
    wait_displayed(&browser, ROW).await;
    assert!(!displayed(&browser, "#secret").await);
    assert!(
        !page_holds(&browser, &secret).await,
        "the secret after a reload"
    );
    assert_eq!(kept_tokens(&browser).await["session"], server.admin_token);

    // The token is listed: a secret, read-only, active token whose parent is the admin's.
    let cells = row_cells(&browser).await;
    assert_eq!(
        cells[..7],
        [
            NAME,
            "secret",
            "read-only",
            "never",
            "not yet",
            "active",
            &admin_id.to_string()
        ],
        "{cells:?}"
    );

    // The secret works with the API.
    let current = server.get(&secret, "/v1/tokens/current").await.ok(200);
    assert_eq!(current["name"], NAME);
    assert_eq!(current["scope"], "read-only");
    let id = current["id"].as_i64().unwrap();

    // Revoke it from its row, accepting the confirmation: the row shows it revoked, with no
    // Revoke button any more, and the API refuses the secret.
    click(&browser, &format!("{ROW} button.secondary")).await;
    let question = browser.get_alert_text().await.unwrap();
    assert!(
        question.starts_with(&format!("Revoke “{NAME}”")),
        "{question}"
    );
    browser.accept_alert().await.unwrap();
    wait_text(&browser, "#status", &format!("Revoked “{NAME}”.")).await;
    wait_for(&browser, "the row to show revoked", async |browser| {
        row_cells(browser)
            .await
            .get(5)
            .is_some_and(|status| status == "revoked")
    })
    .await;
    let row = browser.find(Locator::Css(ROW)).await.unwrap();
    let buttons = row.find_all(Locator::Css("button")).await.unwrap();
    assert_eq!(texts(&buttons).await, ["Delete"]);
    screenshot(&browser, &shots, "3-token-list-revoked").await;
    server
        .get(&secret, "/v1/tokens/current")
        .await
        .invalid_token();

    // The administrator's audit log holds the creation and the revocation, by admin, of that
    // token; filtered by action, the revocation alone. (The page reloads the log last, after
    // the token list: waited for.)
    let target = format!("token:{id}");
    wait_for(
        &browser,
        "the revocation in the audit log",
        async |browser| {
            let rows = audit_rows(browser).await;
            rows.iter()
                .any(|entry| entry[3] == "token_revoked" && entry[4] == target)
        },
    )
    .await;
    let entries = audit_rows(&browser).await;
    let about: Vec<_> = entries
        .iter()
        .filter(|entry| entry[4] == target)
        .map(|entry| (entry[1].as_str(), entry[2].as_str(), entry[3].as_str()))
        .collect();
    let admin_id_text = admin_id.to_string();
    assert_eq!(
        about,
        [
            ("admin", admin_id_text.as_str(), "token_revoked"),
            ("admin", admin_id_text.as_str(), "token_created"),
        ],
        "{entries:?}"
    );
    // The options carry no value attribute (their text is their value): chosen by label.
    let action = browser.find(Locator::Id("audit-action")).await.unwrap();
    action.select_by_label("token_revoked").await.unwrap();
    click(&browser, "#audit-form button[type=submit]").await;
    wait_for(&browser, "the audit log filtered", async |browser| {
        let rows = audit_rows(browser).await;
        !rows.is_empty() && rows.iter().all(|entry| entry[3] == "token_revoked")
    })
    .await;
    let revocations = audit_rows(&browser).await;
    assert_eq!(revocations.len(), 1, "{revocations:?}");
    assert_eq!(revocations[0][4], target);
    assert_eq!(revocations[0][5], "ok");
    browser
        .execute("document.getElementById('admin').scrollIntoView();", vec![])
        .await
        .unwrap();
    screenshot(&browser, &shots, "4-audit-log").await;

    // Sign out: the token leaves session storage, the lists are emptied, the sign-in form is
    // back, and a reload stays signed out.
    click(&browser, "#sign-out").await;
    wait_displayed(&browser, "#sign-in-form").await;
    assert_eq!(text(&browser, "#status").await, "Signed out.");
    assert_eq!(
        kept_tokens(&browser).await,
        json!({"session": null, "cookie": "", "local": 0})
    );
    assert!(!displayed(&browser, "#signed-in").await);
    assert!(!displayed(&browser, "#who").await);
    let rows = browser
        .find_all(Locator::Css(
            "#tokens tbody tr, #users tbody tr, #audit tbody tr",
        ))
        .await
        .unwrap();
    assert!(rows.is_empty(), "rows left after signing out");
    browser.refresh().await.unwrap();
    wait_displayed(&browser, "#sign-in-form").await;
    assert!(!displayed(&browser, "#signed-in").await);
    assert!(!page_holds(&browser, &server.admin_token).await);

    // A token that stops working while signed in with it (here: deleted from its own row)
    // signs the page out, the refusal shown: no dead token kept, no stale lists.
    let body = json!({"name": "short-lived", "scope": "full"});
    let created = server.post(&server.admin_token, "/v1/tokens", body).await;
    let short_lived = created.ok(201)["token"].as_str().unwrap().to_owned();
    let field = browser.find(Locator::Id("sign-in-token")).await.unwrap();
    field.send_keys(&short_lived).await.unwrap();
    click(&browser, "#sign-in-form button[type=submit]").await;
    let own_row = r#"#tokens tbody tr[data-name="short-lived"]"#;
    wait_displayed(&browser, own_row).await;
    click(&browser, &format!("{own_row} button.danger")).await;
    let question = browser.get_alert_text().await.unwrap();
    assert!(question.starts_with("Delete “short-lived”"), "{question}");
    browser.accept_alert().await.unwrap();
    wait_displayed(&browser, "#sign-in-form").await;
    assert!(!displayed(&browser, "#signed-in").await);
    let error = text(&browser, "#error").await;
    assert!(error.ends_with("(invalid_token)"), "{error}");
    assert_eq!(kept_tokens(&browser).await["session"], Value::Null);

    browser.close().await.unwrap();
    drop(driver);
    server.stop().await;
}

/// The binary the environment variable `var` names, or `name` on the `PATH`, if any.
fn binary(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A running chromedriver, in a process group of its own that the Chromium it starts joins:
/// dropping it kills the group, so a failing test leaves no browser behind either.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(pid) = self.0.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Starts `chromedriver` on a free loopback port and opens a session in a headless `chromium`
/// with a 1280×900 window.
async fn start_browser(chromedriver: &Path, chromium: &Path) -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map(Driver)
        .unwrap_or_else(|error| panic!("{}: {error}", chromedriver.display()));
    let webdriver = format!("http://127.0.0.1:{port}");
    let status = format!("{webdriver}/status");
    let started = Instant::now();
    loop {
        let answer = async { reqwest::get(&status).await.ok()?.json::<Value>().await.ok() };
        if answer
            .await
            .is_some_and(|answer| answer["value"]["ready"] == true)
        {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "chromedriver is not ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,900",
            ],
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("an object")
    };
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&webdriver)
        .await
        .unwrap_or_else(|error| panic!("no Chromium session through chromedriver: {error}"));
    client.set_window_size(1280, 900).await.unwrap();
    (driver, client)
}

/// Saves a PNG of the window as `shots/{name}.png`.
async fn screenshot(browser: &Client, shots: &Path, name: &str) {
    let png = browser.screenshot().await.unwrap();
    std::fs::write(shots.join(format!("{name}.png")), png).unwrap();
}

/// Clicks the element `css` selects.
async fn click(browser: &Client, css: &str) {
    let element = browser.find(Locator::Css(css)).await;
    element
        .unwrap_or_else(|error| panic!("{css}: {error}"))
        .click()
        .await
        .unwrap_or_else(|error| panic!("clicking {css}: {error}"));
}

/// Whether the element `css` selects is shown.
async fn displayed(browser: &Client, css: &str) -> bool {
    let element = browser.find(Locator::Css(css)).await;
    element
        .unwrap_or_else(|error| panic!("{css}: {error}"))
        .is_displayed()
        .await
        .unwrap()
}

/// The visible text of the element `css` selects.
async fn text(browser: &Client, css: &str) -> String {
    let element = browser.find(Locator::Css(css)).await;
    element
        .unwrap_or_else(|error| panic!("{css}: {error}"))
        .text()
        .await
        .unwrap()
}

/// The visible texts of `elements`.
async fn texts(elements: &[Element]) -> Vec<String> {
    let mut texts = Vec::new();
    for element in elements {
        texts.push(element.text().await.unwrap());
    }
    texts
}

/// Waits until `ready` holds, failing with `what` after [`DEADLINE`].
async fn wait_for(browser: &Client, what: &str, ready: impl AsyncFn(&Client) -> bool) {
    let started = Instant::now();
    while !ready(browser).await {
        assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element `css` selects exists and is shown.
async fn wait_displayed(browser: &Client, css: &str) {
    wait_for(
        browser,
        &format!("{css} to be shown"),
        async |browser| match browser.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        },
    )
    .await;
}

/// Waits until the element `css` selects shows `expected`.
async fn wait_text(browser: &Client, css: &str, expected: &str) {
    let what = format!("{css} to read {expected:?}");
    wait_for(browser, &what, async |browser| {
        match browser.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.is_ok_and(|text| text == expected),
            Err(_) => false,
        }
    })
    .await;
}

/// The texts of the cells of the created token's row (empty while it is being redrawn).
async fn row_cells(browser: &Client) -> Vec<String> {
    let cells = browser
        .find_all(Locator::Css(&format!("{ROW} td")))
        .await
        .unwrap();
    let mut texts = Vec::new();
    for cell in cells {
        // A cell replaced meanwhile (the list is redrawn after every change) reads as empty.
        match cell.text().await {
            Ok(text) => texts.push(text),
            Err(_) => return Vec::new(),
        }
    }
    texts
}

/// The audit log's rows as shown, newest first: time, user, token, action, target, outcome,
/// count. Read in one script, as the table may be redrawn between WebDriver calls.
async fn audit_rows(browser: &Client) -> Vec<Vec<String>> {
    let rows = browser
        .execute(
            "return [...document.querySelectorAll('#audit tbody tr')]
                .map((row) => [...row.cells].map((cell) => cell.textContent));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(rows).unwrap()
}

/// Where the page keeps tokens: the session storage entry, the cookies, and how many
/// entries local storage has.
async fn kept_tokens(browser: &Client) -> Value {
    browser
        .execute(
            "return {session: sessionStorage.getItem(arguments[0]), cookie: document.cookie, \
             local: localStorage.length};",
            vec![json!(STORAGE_KEY)],
        )
        .await
        .unwrap()
}

/// Whether `secret` is anywhere in the page: its source, any field's value, the URL or the
/// title.
async fn page_holds(browser: &Client, secret: &str) -> bool {
    let source = browser.source().await.unwrap();
    let found = browser
        .execute(
            "const secret = arguments[0];
             return [...document.querySelectorAll('input, textarea, select')]
                 .some((field) => field.value.includes(secret))
               || location.href.includes(secret)
               || document.title.includes(secret)
               || document.documentElement.outerHTML.includes(secret);",
            vec![json!(secret)],
        )
        .await
        .unwrap();
    source.contains(secret) || found == true
}
