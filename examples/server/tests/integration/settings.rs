//! docs/server-api.md "Running" and "CORS": settings are validated all at once,
//! every problem named; `CORS_ROUTES` is trimmed, strict, and matched by whole segments.

use tollgate::cors::RouteMatch;
use tollgate::http::TokenRequirement;

use crate::api;
use crate::support::settings;

/// The problems `vars` cause, joined, on a valid database URL; panics if there are none.
fn problems(vars: &[(&str, &str)]) -> String {
    match settings("sqlite://unused.db", vars) {
        Ok(settings) => panic!("{vars:?} accepted: {settings:?}"),
        Err(problems) => problems.join("\n"),
    }
}

/// How a `CORS_ROUTES` value that is valid classifies `path`.
fn lookup(routes: &str, path: &str) -> RouteMatch {
    let settings = settings("sqlite://unused.db", &[("CORS_ROUTES", routes)])
        .unwrap_or_else(|problems| panic!("{routes:?} refused: {problems:?}"));
    settings.cors.routes().lookup(path)
}

#[test]
fn defaults_are_loopback_8080_sqlite_tokens_required_and_no_cors_route() {
    let defaults = api::Settings::from_vars(|_| None).unwrap();
    assert_eq!(defaults.addr.to_string(), "127.0.0.1:8080");
    assert_eq!(defaults.database_url, "sqlite://tollgate.db");
    assert_eq!(defaults.requirement, TokenRequirement::Required);
    for path in ["/", "/v1/subjects", "/v1/tokens/current"] {
        assert_eq!(
            defaults.cors.routes().lookup(path),
            RouteMatch::NotListed,
            "{path}"
        );
    }
    // CORS_ALLOWED_ORIGINS defaults to `*`.
    assert!(defaults.cors.origins().is_any());
    let seconds = |n| std::time::Duration::from_secs(n);
    assert_eq!(defaults.timers.header_read, seconds(10));
    assert_eq!(defaults.timers.keep_alive, seconds(5));
    assert_eq!(defaults.timers.shutdown_grace, seconds(10));
    assert_eq!(defaults.request_timeout, seconds(30));
    assert_eq!(defaults.database_timeout, seconds(1));
    assert_eq!(
        defaults.token_cache,
        api::TokenCache {
            time_to_live: seconds(30),
            capacity: 100_000
        }
    );
    assert_eq!(defaults.default_rate_limit, None);
    assert_eq!(defaults.usage_save_interval, seconds(10));
    assert_eq!(defaults.audit_retention, seconds(90 * 86_400));
    assert_eq!(defaults.purge_unused_after, None);
    let set = settings(
        "sqlite://unused.db",
        &[
            ("TOLLGATE_AUDIT_RETENTION", "3650d"),
            ("TOLLGATE_PURGE_UNUSED_AFTER", "1d"),
        ],
    )
    .unwrap();
    assert_eq!(set.audit_retention, seconds(3650 * 86_400));
    assert_eq!(set.purge_unused_after, Some(seconds(86_400)));
}

#[test]
fn the_token_cache_takes_a_duration_and_a_capacity_from_1_to_10_million() {
    let set = |ttl: &str, capacity: &str| {
        let vars = [
            ("TOLLGATE_TOKEN_CACHE_TTL", ttl),
            ("TOLLGATE_TOKEN_CACHE_CAPACITY", capacity),
        ];
        settings("sqlite://unused.db", &vars)
    };
    for (ttl, capacity, expected) in [
        ("1ms", "1", (1, 1)),
        ("5s", " 10000000 ", (5000, 10_000_000)),
    ] {
        let cache = set(ttl, capacity).unwrap().token_cache;
        assert_eq!((cache.time_to_live.as_millis(), cache.capacity), expected);
    }
    for capacity in ["0", "10000001", "-1", "1e6", "", "many"] {
        let problems = set("30s", capacity).unwrap_err().join("\n");
        assert!(
            problems.contains(&format!("TOLLGATE_TOKEN_CACHE_CAPACITY={capacity:?}")),
            "{capacity:?}: {problems}"
        );
    }
    let problems = set("0s", "1").unwrap_err().join("\n");
    assert!(
        problems.contains("TOLLGATE_TOKEN_CACHE_TTL=\"0s\""),
        "{problems}"
    );
}

#[test]
fn durations_are_whole_seconds_or_milliseconds_from_1ms_to_an_hour() {
    for (text, millis) in [
        ("1ms", 1),
        ("500ms", 500),
        (" 10s ", 10_000),
        ("3600s", 3_600_000),
    ] {
        let settings = settings("sqlite://unused.db", &[("TOLLGATE_REQUEST_TIMEOUT", text)])
            .unwrap_or_else(|problems| panic!("{text:?} refused: {problems:?}"));
        assert_eq!(settings.request_timeout.as_millis(), millis, "{text:?}");
    }
    for text in [
        "",
        "0ms",
        "3600001ms",
        "1.5s",
        "1m",
        "s",
        "ms",
        "10 s",
        "1e3ms",
    ] {
        let problems = problems(&[("TOLLGATE_REQUEST_TIMEOUT", text)]);
        assert!(
            problems.contains("TOLLGATE_REQUEST_TIMEOUT"),
            "{text:?}: {problems}"
        );
    }
}

#[test]
fn every_invalid_setting_is_named_at_once() {
    let vars = |name: &str| -> Option<String> {
        let value = match name {
            "TOLLGATE_ADDR" => "localhost:http",
            "DATABASE_URL" => "mysql://db/tollgate",
            "REQUIRE_ACCESS_TOKEN" => "maybe",
            "CORS_ROUTES" => "/v1/bots,v1/rooms",
            "CORS_ALLOWED_ORIGINS" => "https://app.example.com,null",
            "TOLLGATE_HEADER_READ_TIMEOUT" => "10",
            "TOLLGATE_KEEP_ALIVE_TIMEOUT" => "0s",
            "TOLLGATE_REQUEST_TIMEOUT" => "2h",
            "TOLLGATE_DATABASE_TIMEOUT" => "-1s",
            "TOLLGATE_SHUTDOWN_GRACE" => "3601s",
            "TOLLGATE_TOKEN_CACHE_TTL" => "forever",
            "TOLLGATE_TOKEN_CACHE_CAPACITY" => "0",
            "TOLLGATE_DEFAULT_RATE_LIMIT" => "100 per minute",
            "TOLLGATE_USAGE_SAVE_INTERVAL" => "0ms",
            "TOLLGATE_AUDIT_RETENTION" => "0d",
            "TOLLGATE_PURGE_UNUSED_AFTER" => "90 days",
            _ => return None,
        };
        Some(value.to_owned())
    };
    let problems = api::Settings::from_vars(vars).unwrap_err().join("\n");
    for named in [
        "TOLLGATE_ADDR=\"localhost:http\"",
        "DATABASE_URL",
        "REQUIRE_ACCESS_TOKEN=\"maybe\"",
        "entry 2 \"v1/rooms\": a route prefix must start with `/`",
        "allowed origins: entry 2 \"null\"",
        "TOLLGATE_HEADER_READ_TIMEOUT=\"10\"",
        "TOLLGATE_KEEP_ALIVE_TIMEOUT=\"0s\"",
        "TOLLGATE_REQUEST_TIMEOUT=\"2h\"",
        "TOLLGATE_DATABASE_TIMEOUT=\"-1s\"",
        "TOLLGATE_SHUTDOWN_GRACE=\"3601s\"",
        "TOLLGATE_TOKEN_CACHE_TTL=\"forever\"",
        "TOLLGATE_TOKEN_CACHE_CAPACITY=\"0\"",
        "TOLLGATE_DEFAULT_RATE_LIMIT=\"100 per minute\": a rate is written as {count}/{unit}",
        "TOLLGATE_USAGE_SAVE_INTERVAL=\"0ms\"",
        "TOLLGATE_AUDIT_RETENTION=\"0d\" must be a whole number of days from 1 to 3650",
        "TOLLGATE_PURGE_UNUSED_AFTER=\"90 days\"",
    ] {
        assert!(
            problems.contains(named),
            "{named:?} missing from:\n{problems}"
        );
    }
}

#[test]
fn every_bad_cors_route_is_named_with_its_position() {
    let value = "/v1/ok,,v1/x,/,/v1/./x,/v1/../x,/v1//x,/v1/a%20b,/v1/a?x,/v1/a#x,/v1/a;x,/v1/é,/v1/a b,/v1/*,*,/v1/a\\b,";
    let problems = problems(&[("CORS_ROUTES", value)]);
    for (position, entry) in [
        (2, ""),
        (3, "v1/x"),
        (4, "/"),
        (5, "/v1/./x"),
        (6, "/v1/../x"),
        (7, "/v1//x"),
        (8, "/v1/a%20b"),
        (9, "/v1/a?x"),
        (10, "/v1/a#x"),
        (11, "/v1/a;x"),
        (12, "/v1/é"),
        (13, "/v1/a b"),
        (14, "/v1/*"),
        (15, "*"),
        (16, "/v1/a\\b"),
        (17, ""),
    ] {
        let named = format!("entry {position} {entry:?}:");
        assert!(
            problems.contains(&named),
            "{named} missing from:\n{problems}"
        );
    }
    assert!(problems.contains("16 problems"), "{problems}");
    assert!(!problems.contains("entry 1 "), "{problems}");
}

#[test]
fn every_bad_allowed_origin_is_named_with_its_position() {
    let value = "https://ok.example.com,,null,https://app.example.com/,app.example.com,https://*.com,https://a.example.com:0,*,https://APP.example.com";
    let problems = problems(&[
        ("CORS_ROUTES", "/v1/subjects"),
        ("CORS_ALLOWED_ORIGINS", value),
    ]);
    for (position, entry) in [
        (2, ""),
        (3, "null"),
        (4, "https://app.example.com/"),
        (5, "app.example.com"),
        (6, "https://*.com"),
        (7, "https://a.example.com:0"),
    ] {
        let named = format!("entry {position} {entry:?}:");
        assert!(
            problems.contains(&named),
            "{named} missing from:\n{problems}"
        );
    }
    assert!(!problems.contains("entry 1 "), "{problems}");
}

/// Wildcards over public suffixes, and patterns no browser can send, are configuration errors;
/// a wildcard under a public suffix, a port wildcard and a trailing full stop are fine.
#[test]
fn too_broad_or_unsendable_origin_patterns_are_refused() {
    let refused = [
        "https://*.co.uk",
        "https://*.github.io",
        "http://127.1",
        "http://foo.bar.255",
        "http://1:6060",
        "http://127.0.0.1.1",
        "http://[0:0:0:0:0:0:0:1]",
        "http://[::ffff:127.0.0.1]",
        "http://xn--f",
        "file://host",
    ];
    for pattern in refused {
        let problems = problems(&[
            ("CORS_ROUTES", "/v1/subjects"),
            ("CORS_ALLOWED_ORIGINS", pattern),
        ]);
        assert!(problems.contains("entry 1 "), "{pattern}: {problems}");
    }
    for pattern in [
        "https://*.example.co.uk",
        "http://localhost:*",
        "https://*.example.com:*",
        "http://example.com.:3999",
        "http://[::1]:8080",
    ] {
        let vars = [
            ("CORS_ROUTES", "/v1/subjects"),
            ("CORS_ALLOWED_ORIGINS", pattern),
        ];
        assert!(
            settings("sqlite://unused.db", &vars).is_ok(),
            "{pattern} refused"
        );
    }
}

#[test]
fn valid_route_values_normalise_silently() {
    for value in [
        "",
        " \t ",
        "/v1/subjects",
        " /v1/subjects , /v1/aspects/ ",
        "/v1/subjects,/v1/subjects",
        "*",
        " * ",
    ] {
        assert!(
            settings("sqlite://unused.db", &[("CORS_ROUTES", value)]).is_ok(),
            "{value:?}"
        );
    }
    // A leading space does not silently drop an entry (Refocus's pitfall).
    assert_eq!(
        lookup("/v1/bots, /v1/rooms", "/v1/rooms/7"),
        RouteMatch::Listed
    );
    // Unset or blank: no route.
    assert_eq!(lookup("", "/v1/bots"), RouteMatch::NotListed);
    assert_eq!(lookup("*", "/anything/at/all"), RouteMatch::Listed);
}

#[test]
fn routes_match_by_whole_segments_in_normal_form() {
    let routes = "/v1/bots/";
    for listed in [
        "/v1/bots",
        "/v1/bots/",
        "/v1/bots/7/x",
        "/v1/bots?x=1",
        "/v1/bots/7?y=/../",
    ] {
        assert_eq!(lookup(routes, listed), RouteMatch::Listed, "{listed}");
    }
    for not_listed in [
        "/v1/botsX",
        "/v1/botActions",
        "/v1/bot",
        "/v1",
        "/",
        "/V1/BOTS",
        "/v2/bots",
    ] {
        assert_eq!(
            lookup(routes, not_listed),
            RouteMatch::NotListed,
            "{not_listed}"
        );
    }
    for not_normal in [
        "/v1/bots/../users",
        "/v1/./bots",
        "/v1//bots",
        "/v1/bots/%2e%2e/x",
        "/v1/bots/a%2Fb",
        "/v1/bots/a%5Cb",
    ] {
        assert_eq!(
            lookup(routes, not_normal),
            RouteMatch::NotInNormalForm,
            "{not_normal}"
        );
    }
}

#[test]
fn require_access_token_is_true_or_false() {
    for ok in ["true", "false", " false "] {
        assert!(
            settings("sqlite://unused.db", &[("REQUIRE_ACCESS_TOKEN", ok)]).is_ok(),
            "{ok:?}"
        );
    }
    for bad in ["", "yes", "0", "1", "off"] {
        let problems = problems(&[("REQUIRE_ACCESS_TOKEN", bad)]);
        assert!(
            problems.contains(&format!("REQUIRE_ACCESS_TOKEN={bad:?}")),
            "{problems}"
        );
    }
}

#[test]
fn database_urls_are_sqlite_or_postgres() {
    for ok in ["sqlite://x.db", "postgres://u@h/db", "postgresql://u@h/db"] {
        assert!(settings(ok, &[]).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "x.db",
        "mysql://h/db",
        "SQLITE://x.db",
        "mysql://user:s3cret@h/db",
    ] {
        let problems = settings(bad, &[]).unwrap_err().join("\n");
        assert!(problems.contains("DATABASE_URL"), "{problems}");
        // The URL may hold a password: it is not repeated.
        assert!(!problems.contains("s3cret"), "{problems}");
    }
}
