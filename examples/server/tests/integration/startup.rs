//! docs/server-api.md "Running", on the server binary: invalid settings stop start-up with
//! every problem named and exit status 2; `mint` prints only the token; the server prints
//! `listening on http://ADDR` and serves that token.

use crate::support::binary::{Running, command, mint, server_binary};
use crate::support::{send, sqlite_url};

#[test]
fn invalid_settings_exit_2_naming_every_problem() {
    let binary = server_binary();
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
    let binary = server_binary();
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
    let binary = server_binary();
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
    let binary = server_binary();
    let database_url = sqlite_url();
    let token = mint(&binary, &database_url, "root");
    assert!(
        token.starts_with("tgsk_") && !token.contains(char::is_whitespace),
        "{token:?}"
    );

    let server = Running::start(&binary, &[("DATABASE_URL", &database_url)]).await;
    let base = &server.base;
    assert!(base.starts_with("http://127.0.0.1:"), "{base:?}");
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
    server.kill().await;
}
