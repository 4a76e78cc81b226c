//! The origin-pattern cases of jub0bs/cors (its `internal/origins` parser tests, v1.0.2),
//! each with the outcome tollgate gives it.
//!
//! The inputs are the cases jub0bs/cors tests; the descriptions, expectations and code are
//! ours. Where the two differ on purpose the case names a [`Deviation`], which README.md
//! explains; every other case must agree on accepting or refusing.

use std::net::Ipv6Addr;

use tollgate_cors::OriginPattern;
use tollgate_cors::error::OriginError;

/// What jub0bs/cors does with a pattern in its allowed origins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Jub0bs {
    /// Parsed and accepted.
    Accepts,
    /// Refused by its parser.
    Refuses,
    /// Parsed, then refused when credentialed access is on (subdomains of a public suffix).
    RefusesWithCredentials,
}

/// A deliberate difference, explained in README.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deviation {
    /// tollgate stores `http://x:80` and `https://x:443` as `http://x` and `https://x`.
    NormalisesDefaultPort,
    /// tollgate lowercases schemes and hosts.
    NormalisesCase,
    /// tollgate refuses wildcards over public suffixes (and single labels) with or without
    /// credentials.
    RefusesEvenWithoutCredentials,
}

struct Case {
    input: String,
    jub0bs: Jub0bs,
    /// The normal form tollgate prints, or its error.
    ours: Result<String, OriginError>,
    deviation: Option<Deviation>,
}

fn accepted(input: &str) -> Case {
    Case {
        input: input.to_owned(),
        jub0bs: Jub0bs::Accepts,
        ours: Ok(input.to_owned()),
        deviation: None,
    }
}

fn refused(input: &str, error: OriginError) -> Case {
    Case {
        input: input.to_owned(),
        jub0bs: Jub0bs::Refuses,
        ours: Err(error),
        deviation: None,
    }
}

fn normalised(input: &str, printed: &str, deviation: Deviation) -> Case {
    Case {
        input: input.to_owned(),
        jub0bs: Jub0bs::Refuses,
        ours: Ok(printed.to_owned()),
        deviation: Some(deviation),
    }
}

fn refused_always(input: &str, error: OriginError) -> Case {
    Case {
        input: input.to_owned(),
        jub0bs: Jub0bs::RefusesWithCredentials,
        ours: Err(error),
        deviation: Some(Deviation::RefusesEvenWithoutCredentials),
    }
}

/// A valid host of `len` bytes: labels of `a` up to 62 long.
fn host_of(len: usize) -> String {
    let mut host = vec!["a".repeat(62); 5].join(".");
    host.truncate(len - 1);
    host.push('b');
    host
}

fn cases() -> Vec<Case> {
    use OriginError::*;
    let h251 = host_of(251);
    let scheme64 = "s".repeat(64);
    let too_long_domain = WildcardDomainTooLong { max: 251 };
    vec![
        // Length limits: a wildcard domain leaves room for one label in front.
        refused(&format!("https://*.a{h251}"), too_long_domain),
        accepted(&format!("https://*.{h251}")),
        refused(&format!("{scheme64}://*.a{h251}:65535"), too_long_domain),
        accepted(&format!("{scheme64}://*.{h251}:65535")),
        // Not origins at all.
        refused("null", Null),
        refused("https://user:password@example.com:6060", UserInfo),
        refused("https://example.com:6060/foo", Path),
        refused("https://example.com:6060?", Path),
        refused("https://example.com:6060?foo=bar", Path),
        refused("https://example.com:6060#nav", Path),
        refused("ab", MissingScheme),
        refused("ab:", MissingScheme),
        refused(" http://example.com:6060 ", InvalidScheme),
        // Schemes: any, but not those without origins of their own.
        accepted("connector://foo"),
        accepted("a://example.com"),
        accepted("b://example.com"),
        accepted("y://example.com"),
        accepted("z://example.com"),
        refused("file:///foo", OpaqueScheme { scheme: "file" }),
        refused("file://example.com", OpaqueScheme { scheme: "file" }),
        refused("42-chrome-extension://foo", InvalidScheme),
        refused("chrome-extension*://foo", InvalidWildcard),
        // Default ports.
        normalised(
            "http://foo:80",
            "http://foo",
            Deviation::NormalisesDefaultPort,
        ),
        normalised(
            "https://foo:443",
            "https://foo",
            Deviation::NormalisesDefaultPort,
        ),
        // Host syntax.
        refused("https://^foo", InvalidHost),
        refused("http://1:6060", InvalidIpv4),
        refused("https://résumé.com", NonAscii),
        refused("https://foo.^bar", InvalidHost),
        // Ports.
        refused("https://foo:", InvalidPort),
        refused("https://foo:-1", InvalidPort),
        refused("https://foo:0", InvalidPort),
        refused("https://foo:abc", InvalidPort),
        refused("https://foo:06060", InvalidPort),
        refused("https://foo:12345foo", InvalidPort),
        refused("https://foo:123456", InvalidPort),
        refused("https://foo:65536", InvalidPort),
        refused("https://foo:12390abc", InvalidPort),
        // A numeric last label makes the host IPv4 for browsers.
        refused("http://foo.bar.255:6060", InvalidIpv4),
        refused(
            "http://foo.bar.baz.012345678901234567890123456789:6060",
            InvalidIpv4,
        ),
        refused("http://[::1]1:6060", InvalidHost),
        refused("http://127.0.0.1:", InvalidPort),
        refused("http://127.0.0.1:-1", InvalidPort),
        refused("http://127.0.0.1:0", InvalidPort),
        accepted("https://127.0.0.1:90"),
        refused("https://127.0.0.1.:90", InvalidIpv4),
        refused("http://127.0.0.1.1", InvalidIpv4),
        accepted("http://69.254.169.254"),
        accepted("http://127.0.0.1:90"),
        refused("http://127.1:3999", InvalidIpv4),
        // IPv6: bracketed, in RFC 5952 form, not IPv4-mapped, no zone.
        accepted("https://[::1]:90"),
        refused("http://[example]:90", InvalidHost),
        refused("https://::1:90", MissingHost),
        refused("http://[::1:90", InvalidHost),
        refused("https://::1]:90", MissingHost),
        refused("https://abc[::1]:90", InvalidHost),
        refused("https://[::1]abc:90", InvalidHost),
        accepted("http://[2001:db8:aaaa:1111::100]:9090"),
        accepted("http://[::1]:90"),
        refused("http://[::::::::::::::::1]:90", InvalidHost),
        refused(
            "http://[2001:4860:4860:0000:0000:0000:0000:8888]:90",
            NonCanonicalIpv6 {
                canonical: Ipv6Addr::new(0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8888),
            },
        ),
        refused("http://[fe80::1ff:fe23:4567:890a%eth2]:90", InvalidHost),
        refused("http://[::ffff:7f7f:7f7f]:90", Ipv4MappedIpv6),
        // Names.
        normalised(
            "http://exAmplE.coM:3999",
            "http://example.com:3999",
            Deviation::NormalisesCase,
        ),
        accepted("http://ex_am-ple.com:3999"),
        accepted("http://example.com.:3999"),
        refused("http://example.com..:3999", InvalidHost),
        refused("http://example..com:3999", InvalidHost),
        refused("http://xn--f", InvalidPunycode),
        // Wildcards.
        accepted("http://*.example.com:3999"),
        accepted("http://*.example.com:*"),
        refused("http://**.example.com:3999", InvalidWildcard),
        refused("http://fooo.*.example.com:3999", InvalidWildcard),
        refused("http://*example.com:3999", InvalidWildcard),
        refused("http://*.[::1]:3999", WildcardOnIpAddress),
        refused("http://*.127.0.0.1:3999", WildcardOnIpAddress),
        // Public suffixes (its effective-TLD test).
        refused_always("https://*.com", WildcardTooBroad),
        refused_always("https://*.github.io", WildcardOnPublicSuffix),
        accepted("https://*.example.com"),
        // The patterns of its insecure-origin test, all parsed there.
        accepted("https://example.com"),
        accepted("http://example.com"),
        accepted("http://*.example.com"),
        accepted("https://localhost"),
        accepted("http://localhost"),
        refused_always("https://*.localhost", WildcardTooBroad),
        refused_always("http://*.localhost", WildcardTooBroad),
        accepted("https://foo.localhost"),
        accepted("http://foo.bar.baz.localhost"),
        accepted("http://alocalhost"),
        refused_always("http://*.alocalhost", WildcardTooBroad),
        accepted("http://foo.alocalhost"),
        refused_always("http://*.localhosta", WildcardTooBroad),
        accepted("https://localhost."),
        refused_always("http://*.localhost.", WildcardTooBroad),
        accepted("http://foo.bar.baz.localhost."),
        refused_always("http://*.alocalhost.", WildcardTooBroad),
        accepted("http://localhosta."),
        accepted("http://127.127.127.127"),
        accepted("http://169.254.169.254:90"),
    ]
}

#[test]
fn every_case_gives_the_expected_outcome() {
    for case in cases() {
        let ours = OriginPattern::parse(&case.input).map(|pattern| pattern.to_string());
        assert_eq!(ours, case.ours, "{:?}", case.input);
    }
}

#[test]
fn agreement_with_jub0bs_is_total_but_for_the_named_deviations() {
    for case in cases() {
        let agrees = match case.deviation {
            None => case.ours.is_ok() == (case.jub0bs == Jub0bs::Accepts),
            Some(Deviation::NormalisesDefaultPort | Deviation::NormalisesCase) => {
                case.ours.is_ok() && case.jub0bs == Jub0bs::Refuses
            }
            Some(Deviation::RefusesEvenWithoutCredentials) => {
                case.ours.is_err() && case.jub0bs == Jub0bs::RefusesWithCredentials
            }
        };
        assert!(agrees, "{:?}", case.input);
    }
}

#[test]
fn accepted_patterns_print_a_normal_form_that_parses_back_to_themselves() {
    for case in cases() {
        if let Ok(pattern) = OriginPattern::parse(&case.input) {
            assert_eq!(
                OriginPattern::parse(&pattern.to_string()),
                Ok(pattern),
                "{:?}",
                case.input
            );
        }
    }
}
