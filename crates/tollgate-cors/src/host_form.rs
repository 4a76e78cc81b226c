//! Hosts as browsers write them: configuration must spell a host exactly as a browser
//! serialises it in `Origin` (the WHATWG URL host serialisation), or no request could match.
//!
//! Request origins get only the syntax check of `host.rs`: a request whose host no browser
//! would write simply matches no configured host, at no extra cost.

use std::net::{Ipv4Addr, Ipv6Addr};

use idna::AsciiDenyList;

use crate::error::OriginError;
use crate::host;

/// Checks a lowercase host that passed [`host::is_valid_host`]:
///
/// - IPv6 must be in RFC 5952 form (what the WHATWG serialiser writes) and not IPv4-mapped;
/// - a host whose last label starts with a digit must be a dotted-quad IPv4 address in
///   decimal without leading zeros (browsers read `127.1`, `0x7f.0.0.1` or `foo.bar.255`
///   as IPv4, then rewrite or refuse them);
/// - `xn--` labels must be valid IDNA, as browsers check them (UTS 46 with the URL
///   Standard's settings).
pub(crate) fn check(host: &str) -> Result<(), OriginError> {
    if let Some(bracketed) = host.strip_prefix('[') {
        let address = bracketed
            .strip_suffix(']')
            .ok_or(OriginError::InvalidHost)?;
        return check_ipv6(address);
    }
    if host::is_ip_address(host) {
        return check_ipv4(host);
    }
    check_punycode(host)
}

fn check_ipv6(text: &str) -> Result<(), OriginError> {
    let address: Ipv6Addr = text.parse().map_err(|_| OriginError::InvalidHost)?;
    if address.to_ipv4_mapped().is_some() {
        return Err(OriginError::Ipv4MappedIpv6);
    }
    // Outside IPv4-mapped addresses, std writes RFC 5952 form, as the URL Standard does.
    if address.to_string() != text {
        return Err(OriginError::NonCanonicalIpv6 { canonical: address });
    }
    Ok(())
}

fn check_ipv4(text: &str) -> Result<(), OriginError> {
    let canonical = text
        .parse::<Ipv4Addr>()
        .is_ok_and(|address| address.to_string() == text);
    if canonical {
        Ok(())
    } else {
        Err(OriginError::InvalidIpv4)
    }
}

fn check_punycode(host: &str) -> Result<(), OriginError> {
    let has_punycode = host
        .split('.')
        .any(|label| label.get(..4).is_some_and(|start| start == "xn--"));
    if !has_punycode {
        return Ok(());
    }
    match idna::domain_to_ascii_cow(host.as_bytes(), AsciiDenyList::URL) {
        Ok(ascii) if ascii == host => Ok(()),
        _ => Err(OriginError::InvalidPunycode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hosts_as_browsers_write_them() {
        for host in [
            "example.com",
            "example.com.",
            "ex_am-ple.com",
            "127.0.0.1",
            "69.254.169.254",
            "[::1]",
            "[2001:db8:aaaa:1111::100]",
            "[2001:db8::1:0:0:1]",
            "[::102:304]",
            "xn--bcher-kva.example",
            "a--b.example",
        ] {
            assert_eq!(check(host), Ok(()), "{host}");
        }
    }

    #[test]
    fn refuses_ipv4_browsers_would_rewrite_or_refuse() {
        for host in [
            "127.1",
            "1",
            "127.0.0.1.1",
            "127.0.0.1.",
            "0x7f.0.0.1",
            "0177.0.0.1",
            "127.0.0.01",
            "256.0.0.1",
            "foo.bar.255",
            "foo.1abc",
            "foo.0x7f",
        ] {
            assert_eq!(check(host), Err(OriginError::InvalidIpv4), "{host}");
        }
    }

    #[test]
    fn refuses_ipv6_not_in_rfc_5952_form() {
        let loopback = Ipv6Addr::LOCALHOST;
        let cases = [
            (
                "[0:0:0:0:0:0:0:1]",
                Err(OriginError::NonCanonicalIpv6 {
                    canonical: loopback,
                }),
            ),
            (
                "[::0:1]",
                Err(OriginError::NonCanonicalIpv6 {
                    canonical: loopback,
                }),
            ),
            ("[::ffff:127.0.0.1]", Err(OriginError::Ipv4MappedIpv6)),
            ("[::ffff:7f7f:7f7f]", Err(OriginError::Ipv4MappedIpv6)),
            (
                "[::1.2.3.4]",
                Err(OriginError::NonCanonicalIpv6 {
                    canonical: "::102:304".parse().unwrap(),
                }),
            ),
            ("[::::::::::::::::1]", Err(OriginError::InvalidHost)),
            ("[1::2::3]", Err(OriginError::InvalidHost)),
        ];
        for (host, expected) in cases {
            assert_eq!(check(host), expected, "{host}");
        }
        assert_eq!(
            check("[2001:4860:4860:0000:0000:0000:0000:8888]").map_err(|e| e.to_string()),
            Err("browsers send this IPv6 address as `[2001:4860:4860::8888]` (RFC 5952: lowercase hex, the longest run of zero groups as `::`, no dotted part): write it that way".into())
        );
    }

    #[test]
    fn refuses_punycode_browsers_refuse() {
        for host in [
            "xn--f",
            "xn--",
            "xn--a.example",
            "a.xn--zz-",
            "xn--abc-.example",
        ] {
            assert_eq!(check(host), Err(OriginError::InvalidPunycode), "{host}");
        }
    }
}
