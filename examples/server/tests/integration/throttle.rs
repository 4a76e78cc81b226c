//! docs/server-api.md "Failed-authentication throttle": after too many failed
//! authentications from one address, its requests carrying credentials get 429
//! `too_many_failures` with `Retry-After`; other addresses, and requests without credentials,
//! are not affected. The clients here bind to other loopback addresses (127.0.0.2, 127.0.0.3),
//! which Linux routes to the server on 127.0.0.1.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use crate::api;
use crate::support::{Reply, TestServer, UNKNOWN_TOKEN, send, settings};

const OPTIONAL: &[(&str, &str)] = &[("REQUIRE_ACCESS_TOKEN", "false")];
const THREE_PER_MINUTE: &[(&str, &str)] = &[("TOLLGATE_AUTH_FAILURES_PER_MINUTE", "3")];

on_every_backend![
    an_address_that_keeps_failing_gets_429_and_others_do_not with OPTIONAL,
    a_throttled_address_without_a_token_is_told_it_needs_one with THREE_PER_MINUTE,
];

/// A client whose requests come from `127.0.0.{last}`.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// `GET /v1/subjects` from `client`, with `token` if any.
async fn subjects(server: &TestServer, client: &reqwest::Client, token: Option<&str>) -> Reply {
    let mut request = client.get(server.url("/v1/subjects"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    send(request).await
}

/// Sends unknown tokens from `client` until one is answered 429; returns how many were
/// answered 401 before it, how long that took, and the 429.
async fn fail_until_throttled(
    server: &TestServer,
    client: &reqwest::Client,
) -> (u32, Duration, Reply) {
    let start = Instant::now();
    let mut failures = 0;
    loop {
        let reply = subjects(server, client, Some(UNKNOWN_TOKEN)).await;
        if reply.status != 401 {
            return (failures, start.elapsed(), reply);
        }
        reply.invalid_token();
        failures += 1;
        assert!(failures <= 100, "never throttled");
    }
}

/// Asserts a 429 `too_many_failures` asking to wait between 1 and `most` seconds.
#[track_caller]
fn assert_throttled(reply: &Reply, most: u64) {
    reply.refused(429, "too_many_failures").challenged(None);
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=most).contains(&wait), "Retry-After: {wait}");
}

async fn an_address_that_keeps_failing_gets_429_and_others_do_not(server: &TestServer) {
    let attacker = client_from(2);
    let (failures, took, throttled) = fail_until_throttled(server, &attacker).await;
    // The default: 20 at once, then one more every 3 s.
    let refilled = u32::try_from(took.as_secs() / 3).unwrap();
    assert!(
        (20..=20 + refilled).contains(&failures),
        "{failures} failures in {took:?} before a 429"
    );
    assert_throttled(&throttled, 3);

    // Every request with credentials from there is refused, valid ones too...
    let admin = server.admin_token.as_str();
    assert_throttled(&subjects(server, &attacker, Some(admin)).await, 3);
    assert_throttled(&subjects(server, &attacker, Some("junk")).await, 3);
    // ... but reading without a token still works, as tokens are optional here.
    subjects(server, &attacker, None).await.ok(200);

    // Other addresses are not affected.
    subjects(server, &client_from(3), Some(admin)).await.ok(200);
    server.assert_serving().await;
}

async fn a_throttled_address_without_a_token_is_told_it_needs_one(server: &TestServer) {
    let attacker = client_from(2);
    let (failures, took, throttled) = fail_until_throttled(server, &attacker).await;
    // Three a minute: one more every 20 s.
    let refilled = u32::try_from(took.as_secs() / 20).unwrap();
    assert!(
        (3..=3 + refilled).contains(&failures),
        "{failures} in {took:?}"
    );
    assert_throttled(&throttled, 20);
    subjects(server, &attacker, None).await.missing_token();
    subjects(server, &client_from(3), Some(&server.admin_token))
        .await
        .ok(200);
}

#[test]
fn the_setting_defaults_to_20_per_minute_and_must_be_a_whole_number_from_1() {
    let defaults = api::Settings::from_vars(|_| None).unwrap();
    assert_eq!(defaults.auth_failures.count(), 20);
    assert_eq!(defaults.auth_failures.period(), Duration::from_secs(60));
    let set = settings(
        "sqlite://unused.db",
        &[("TOLLGATE_AUTH_FAILURES_PER_MINUTE", " 5 ")],
    );
    assert_eq!(set.unwrap().auth_failures.count(), 5);
    for bad in ["0", "", "-1", "1.5", "twenty", "99999999999"] {
        let vars = [("TOLLGATE_AUTH_FAILURES_PER_MINUTE", bad)];
        let problems = settings("sqlite://unused.db", &vars)
            .unwrap_err()
            .join("\n");
        assert!(
            problems.contains(&format!("TOLLGATE_AUTH_FAILURES_PER_MINUTE={bad:?}")),
            "{problems}"
        );
    }
}
