//! Refocus's CORS behaviour as known answers (measured with Refocus's exact Express version), each row saying what tollgate does and, where it differs,
//! why on purpose.

use tollgate_cors::error::RouteError;
use tollgate_cors::{CorsDecision, CorsHeader, CorsPolicy, CorsRequest, RouteCase, RouteSet};

/// What a `CORS_ROUTES` value does to one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Open,
    Closed,
    /// The value is refused at start-up.
    ConfigError,
}

struct Row {
    routes: &'static str,
    path: &'static str,
    refocus: Outcome,
    tollgate: Outcome,
    /// Why tollgate differs, when it does.
    difference: Option<&'static str>,
}

const fn row(routes: &'static str, path: &'static str, refocus: Outcome, tollgate: Outcome) -> Row {
    Row {
        routes,
        path,
        refocus,
        tollgate,
        difference: None,
    }
}

const fn differs(
    routes: &'static str,
    path: &'static str,
    refocus: Outcome,
    tollgate: Outcome,
    why: &'static str,
) -> Row {
    Row {
        routes,
        path,
        refocus,
        tollgate,
        difference: Some(why),
    }
}

use Outcome::{Closed, ConfigError, Open};

const MATRIX: &[Row] = &[
    // Express prefixes: segment boundary, trailing slash and query ignored. Same in tollgate.
    row("/v1/bots", "/v1/bots", Open, Open),
    row("/v1/bots", "/v1/bots/", Open, Open),
    row("/v1/bots", "/v1/bots/7/x", Open, Open),
    row("/v1/bots", "/v1/bots?x=1", Open, Open),
    row("/v1/bots", "/v1/botsX", Closed, Closed),
    row("/v1/bots", "/v1/botActions", Closed, Closed),
    row(
        "/v1/bots,/v1/botActions,/v1/botData",
        "/v1/botActions/1",
        Open,
        Open,
    ),
    row("/v1/bots/", "/v1/bots/7", Open, Open),
    differs(
        "/v1/bots",
        "/V1/BOTS",
        Open,
        Closed,
        "case-sensitive by default, like the router; RouteCase::Insensitive restores Refocus",
    ),
    // Pitfalls.
    differs(
        "",
        "/v1/anything",
        Open,
        Closed,
        "unset or empty opens nothing, as Refocus's docs promise",
    ),
    differs(
        "/v1/bots,",
        "/v1/anything",
        Open,
        ConfigError,
        "an empty entry is an error, not 'every route'",
    ),
    differs(
        "/v1/bots,,/v1/rooms",
        "/v1/anything",
        Open,
        ConfigError,
        "an empty entry is an error, not 'every route'",
    ),
    differs(
        "/v1/bots, /v1/rooms",
        "/v1/rooms",
        Closed,
        Open,
        "whitespace around entries is trimmed",
    ),
    differs(
        "v1/bots",
        "/v1/bots",
        Closed,
        ConfigError,
        "a missing leading slash is an error, not a silent no-op",
    ),
];

fn tollgate_outcome(routes: &str, path: &str, case: RouteCase) -> Outcome {
    match RouteSet::from_env_value(routes, case) {
        Err(_) => ConfigError,
        Ok(set) if set.matches(path) => Open,
        Ok(_) => Closed,
    }
}

#[test]
fn route_matrix() {
    for row in MATRIX {
        let outcome = tollgate_outcome(row.routes, row.path, RouteCase::Sensitive);
        assert_eq!(
            outcome, row.tollgate,
            "routes {:?}, path {:?}",
            row.routes, row.path
        );
        assert_eq!(
            row.refocus != row.tollgate,
            row.difference.is_some(),
            "row {:?} {:?} must explain any difference",
            row.routes,
            row.path
        );
    }
}

#[test]
fn insensitive_option_reproduces_refocus_where_its_value_is_valid() {
    for row in MATRIX
        .iter()
        .filter(|row| row.tollgate != ConfigError && !row.routes.is_empty())
    {
        let outcome = tollgate_outcome(row.routes, row.path, RouteCase::Insensitive);
        let expected = if row.routes.contains(", ") {
            Open
        } else {
            row.refocus
        };
        assert_eq!(
            outcome, expected,
            "routes {:?}, path {:?}",
            row.routes, row.path
        );
    }
}

#[test]
fn pitfall_errors_name_the_entry() {
    let trailing = RouteSet::from_env_value("/v1/bots,", RouteCase::Sensitive).unwrap_err();
    assert_eq!(
        (
            trailing.as_slice()[0].position,
            trailing.as_slice()[0].error
        ),
        (2, RouteError::Empty)
    );
    let missing = RouteSet::from_env_value("v1/bots", RouteCase::Sensitive).unwrap_err();
    assert_eq!(missing.as_slice()[0].error, RouteError::MissingLeadingSlash);
}

/// Refocus answers listed routes with `Access-Control-Allow-Origin: *` and preflights with 204,
/// methods `GET,HEAD,PUT,PATCH,POST,DELETE` and the requested headers echoed. tollgate with
/// origins `*` gives the same origin and methods; allowed headers are the configured list
/// (default `authorization,content-type`), not an echo of whatever was asked (on purpose: an
/// echo allows every header).
#[test]
fn refocus_headers() {
    let policy = CorsPolicy::builder()
        .routes("/v1/bots")
        .allowed_origins("*")
        .build()
        .unwrap();
    let actual = CorsRequest::new("GET", "/v1/bots").origin(b"https://anyone.example");
    let headers = policy.evaluate(&actual).response_headers();
    assert_eq!(headers.get(CorsHeader::AllowOrigin), Some("*"));
    assert_eq!(headers.get(CorsHeader::Vary), None);

    let preflight = CorsRequest::new("OPTIONS", "/v1/bots")
        .origin(b"https://anyone.example")
        .request_method(b"PATCH")
        .request_headers(b"content-type");
    let CorsDecision::PreflightAllowed(headers) = policy.evaluate(&preflight) else {
        panic!("preflight should be allowed");
    };
    assert_eq!(
        headers.get(CorsHeader::AllowMethods),
        Some("GET,HEAD,PUT,PATCH,POST,DELETE")
    );
    assert_eq!(
        headers.get(CorsHeader::AllowHeaders),
        Some("authorization,content-type")
    );
}
