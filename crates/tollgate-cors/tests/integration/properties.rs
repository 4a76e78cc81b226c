//! Property tests for the invariants the issue names.

use proptest::prelude::*;
use tollgate_cors::{
    AllowedOrigins, CorsPolicy, CorsRequest, Origin, OriginPattern, RouteCase, RouteMatch,
    RoutePrefix, RouteSet,
};

/// Segments close to one another, so random routes share prefixes and random paths hit them.
const SEGMENTS: &[&str] = &["a", "b", "ab", "A", "bots", "Bots", "x-1"];
/// Pieces a request path may contain, normal or not.
const PATH_PIECES: &[&str] = &[
    "a", "b", "ab", "A", "bots", "Bots", "x-1", "", ".", "..", "%2f", "%2E", "b%5Cc", "c%41",
    "%zz", "a\\b", "q?x=/..", "#f",
];

fn route_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SEGMENTS), 1..4)
        .prop_map(|segments| format!("/{}", segments.join("/")))
}

fn path_text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(PATH_PIECES), 0..5),
        prop::bool::ANY,
    )
        .prop_map(|(pieces, slash)| {
            let path = format!("/{}", pieces.join("/"));
            if slash { format!("{path}/") } else { path }
        })
}

fn case() -> impl Strategy<Value = RouteCase> {
    prop_oneof![Just(RouteCase::Sensitive), Just(RouteCase::Insensitive)]
}

/// A deliberately simple reading of the route rules in the crate README, written independently
/// of the crate.
fn reference_lookup(routes: &[String], path: &str, case: RouteCase) -> RouteMatch {
    let path = path.split('?').next().unwrap_or_default();
    let Some(rest) = path.strip_prefix('/') else {
        return RouteMatch::NotInNormalForm;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        let lower = segment.to_ascii_lowercase();
        let bad_escape = segment.match_indices('%').any(|(at, _)| {
            segment
                .get(at + 1..at + 3)
                .is_none_or(|hex| !hex.chars().all(|c| c.is_ascii_hexdigit()))
        });
        let not_normal = (segment.is_empty() && !last)
            || *segment == "."
            || *segment == ".."
            || ["%2f", "%2e", "%5c", "\\", "#"]
                .iter()
                .any(|bad| lower.contains(bad))
            || bad_escape;
        if not_normal {
            return RouteMatch::NotInNormalForm;
        }
    }
    let fold = |text: &str| match case {
        RouteCase::Sensitive => text.to_owned(),
        RouteCase::Insensitive => text.to_ascii_lowercase(),
    };
    let path = fold(path.strip_suffix('/').unwrap_or(path));
    let listed = routes
        .iter()
        .map(|route| fold(route))
        .any(|route| path == route || path.starts_with(&format!("{route}/")));
    if listed {
        RouteMatch::Listed
    } else {
        RouteMatch::NotListed
    }
}

/// Host names as browsers write them: the last label starts with a letter (else the host is
/// read as IPv4) and no label is Punycode (`xn--`), which has its own validity rules.
fn host_text() -> impl Strategy<Value = String> {
    let label = "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?";
    (
        prop::collection::vec(label, 0..3),
        "[a-z]([a-z0-9-]{0,8}[a-z0-9])?",
    )
        .prop_filter("no Punycode labels", |(labels, last)| {
            !labels
                .iter()
                .chain([last])
                .any(|label| label.starts_with("xn--"))
        })
        .prop_map(|(mut labels, last)| {
            labels.push(last);
            labels.join(".")
        })
}

fn origin_text() -> impl Strategy<Value = (String, String)> {
    let scheme = prop::sample::select(&["http", "https", "ftp", "chrome-extension"][..]);
    let labels = host_text();
    let port = prop::option::of(prop_oneof![Just(80u16), Just(443u16), 1u16..=65535]);
    (
        scheme,
        labels,
        port,
        prop::collection::vec(prop::bool::ANY, 64),
    )
        .prop_map(|(scheme, host, port, upper)| {
            let default = matches!((scheme, port), ("http", Some(80)) | ("https", Some(443)));
            let port_text = port.map(|port| format!(":{port}")).unwrap_or_default();
            let written: String = format!("{scheme}://{host}{port_text}")
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            let normal = if default {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}{port_text}")
            };
            (written, normal)
        })
}

/// Hosts drawn from a few labels, so that patterns and origins often overlap.
fn nearby_host() -> impl Strategy<Value = String> {
    let tail = prop::sample::select(&["example.com", "example.org", "localhost", "co.uk"][..]);
    (
        prop::collection::vec(prop::sample::select(&["a", "b"][..]), 0..3),
        tail,
    )
        .prop_map(|(labels, tail)| {
            labels
                .into_iter()
                .chain([tail])
                .collect::<Vec<_>>()
                .join(".")
        })
}

fn nearby_port() -> impl Strategy<Value = String> {
    prop::sample::select(&["", ":80", ":443", ":3000", ":8080"][..]).prop_map(str::to_owned)
}

/// Patterns of every kind over the nearby hosts; texts that do not parse are skipped.
fn nearby_pattern() -> impl Strategy<Value = OriginPattern> {
    let scheme = prop::sample::select(&["http", "https"][..]);
    let kind = prop::sample::select(&["*", "exact", "subdomains"][..]);
    let port = prop_oneof![nearby_port(), Just(":*".to_owned())];
    (kind, scheme, nearby_host(), port).prop_filter_map(
        "a valid pattern",
        |(kind, scheme, host, port)| {
            let text = match kind {
                "*" => "*".to_owned(),
                "exact" => format!("{scheme}://{host}{port}"),
                _ => format!("{scheme}://*.{host}{port}"),
            };
            OriginPattern::parse(&text).ok()
        },
    )
}

fn nearby_origin() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(&["http", "https"][..]);
    (scheme, nearby_host(), nearby_port())
        .prop_map(|(scheme, host, port)| format!("{scheme}://{host}{port}"))
}

proptest! {
    #[test]
    fn a_covering_pattern_matches_every_origin_the_covered_one_matches(
        parent in nearby_pattern(),
        child in nearby_pattern(),
        origin in nearby_origin(),
    ) {
        prop_assert!(parent.covers(&parent), "{}", parent);
        if parent.covers(&child) && child.matches(origin.as_bytes()) {
            prop_assert!(parent.matches(origin.as_bytes()), "{} covers {} and matches {}", parent, child, origin);
        }
        let list = AllowedOrigins::from_patterns([child.clone()]);
        prop_assert_eq!(list.allows(origin.as_bytes()), child.matches(origin.as_bytes()));
    }

    #[test]
    fn matching_agrees_with_the_reference(routes in prop::collection::vec(route_text(), 0..8), path in path_text(), case in case()) {
        let set = RouteSet::from_env_value(&routes.join(","), case).unwrap();
        prop_assert_eq!(set.lookup(&path), reference_lookup(&routes, &path, case));
    }

    #[test]
    fn route_sets_round_trip_through_their_text(routes in prop::collection::vec(route_text(), 0..8), case in case()) {
        let set = RouteSet::from_env_value(&routes.join(" , "), case).unwrap();
        let again = RouteSet::from_env_value(&set.to_string(), case).unwrap();
        prop_assert_eq!(set.prefixes(), again.prefixes());
    }

    #[test]
    fn parsing_never_panics(text in "\\PC{0,64}", bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = RouteSet::from_env_value(&text, RouteCase::Sensitive);
        let _ = RoutePrefix::parse(&text);
        let _ = AllowedOrigins::from_env_value(&text);
        let _ = OriginPattern::parse(&text);
        let _ = Origin::parse(&text);
        let any = AllowedOrigins::any();
        let _ = any.check(Some(&bytes));
        let _ = any.allows(&bytes);
    }

    #[test]
    fn evaluation_never_panics(method in "[A-Z]{0,8}", path in "\\PC{0,32}", headers in prop::collection::vec(prop::option::of(prop::collection::vec(any::<u8>(), 0..48)), 3)) {
        let policy = CorsPolicy::builder().routes("/a,/b/c").allowed_origins("https://*.example.com").build().unwrap();
        let request = CorsRequest {
            method: &method,
            path: &path,
            origin: headers[0].as_deref(),
            access_control_request_method: headers[1].as_deref(),
            access_control_request_headers: headers[2].as_deref(),
        };
        let _ = policy.evaluate(&request).response_headers();
    }

    #[test]
    fn normalised_origins_round_trip((written, normal) in origin_text()) {
        let origin = Origin::parse(&written).unwrap();
        prop_assert_eq!(origin.as_str(), normal.as_str());
        prop_assert_eq!(Origin::parse(origin.as_str()), Ok(origin.clone()));
        let pattern = OriginPattern::parse(&written).unwrap();
        prop_assert_eq!(OriginPattern::parse(&pattern.to_string()), Ok(pattern.clone()));
        prop_assert!(pattern.matches(written.as_bytes()) && pattern.matches(normal.as_bytes()));
    }

    #[test]
    fn allow_lists_agree_with_their_patterns_in_any_spelling(
        listed in prop::collection::vec(origin_text(), 0..12),
        (written, normal) in origin_text(),
        wildcard in prop::option::of("[a-z]{1,3}\\.[a-z]{1,3}"),
    ) {
        let mut patterns: Vec<OriginPattern> = listed.iter().map(|(text, _)| OriginPattern::parse(text).unwrap()).collect();
        // A generated domain may be a public suffix (`co.uk`), which no wildcard may cover.
        if let Some(Ok(pattern)) = wildcard.map(|domain| OriginPattern::parse(&format!("https://*.{domain}"))) {
            patterns.push(pattern);
        }
        let origins = AllowedOrigins::from_patterns(patterns.clone());
        let expected = patterns.iter().any(|pattern| pattern.matches(normal.as_bytes()));
        prop_assert_eq!(origins.allows(normal.as_bytes()), expected);
        prop_assert_eq!(origins.allows(written.as_bytes()), expected);
        for (listed_written, listed_normal) in &listed {
            prop_assert!(origins.allows(listed_written.as_bytes()), "{}", listed_written);
            prop_assert!(origins.allows(listed_normal.as_bytes()), "{}", listed_normal);
        }
    }

    #[test]
    fn subdomain_patterns_match_exactly_the_subdomains(label in "[a-z0-9]{1,8}", host in "[a-z0-9.]{1,24}") {
        let pattern = OriginPattern::parse("https://*.example.com").unwrap();
        let candidate = format!("https://{host}");
        let expected = Origin::parse(&candidate).is_ok() && host.ends_with(".example.com") && host.len() > ".example.com".len();
        prop_assert_eq!(pattern.matches(candidate.as_bytes()), expected);
        let subdomain = format!("https://{label}.example.com");
        prop_assert!(pattern.matches(subdomain.as_bytes()));
        let suffix_trick = format!("https://{label}.example.com.evil.com");
        prop_assert!(!pattern.matches(suffix_trick.as_bytes()));
    }
}
