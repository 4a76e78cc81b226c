//! Host syntax for origins: DNS-style labels or a bracketed IPv6 address.

/// The longest host name, as in DNS.
const MAX_HOST_LEN: usize = 253;
/// The longest label, as in DNS.
const MAX_LABEL_LEN: usize = 63;

/// Whether `host` is dot-separated labels (letters, digits, `-`, `_`; 1-63 bytes each, not
/// starting or ending with `-`; 253 bytes in all, with at most one trailing `.`, which
/// browsers keep) or `[` IPv6 `]` (hex digits, `:` and `.`, with at least one `:`). Dotted
/// IPv4 addresses are labels too. Either case is accepted.
///
/// This is the syntax check request origins get; configuration also gets
/// [`host_form::check`](crate::host_form::check).
pub(crate) fn is_valid_host(host: &str) -> bool {
    match host.strip_prefix('[') {
        Some(bracketed) => bracketed.strip_suffix(']').is_some_and(is_ipv6_text),
        None => {
            let labels = host.strip_suffix('.').unwrap_or(host);
            host.len() <= MAX_HOST_LEN && are_labels(labels.as_bytes())
        }
    }
}

/// `host` without its trailing `.`, if it has one.
pub(crate) fn without_trailing_dot(host: &str) -> &str {
    host.strip_suffix('.').unwrap_or(host)
}

/// The last label of a valid host of labels, ignoring a trailing `.`.
pub(crate) fn last_label(host: &str) -> &str {
    let host = without_trailing_dot(host);
    host.rsplit('.').next().unwrap_or(host)
}

/// Whether `host` is taken for an IP address: IPv6 in brackets, or a last label starting
/// with a digit (no DNS top-level domain does, and browsers read a numeric one as IPv4).
pub(crate) fn is_ip_address(host: &str) -> bool {
    host.starts_with('[')
        || last_label(host)
            .bytes()
            .next()
            .is_some_and(|first| first.is_ascii_digit())
}

/// One pass over dot-separated labels.
fn are_labels(host: &[u8]) -> bool {
    let mut label_len = 0;
    let mut previous = b'.';
    for &byte in host {
        if byte == b'.' {
            if label_len == 0 || previous == b'-' {
                return false;
            }
            label_len = 0;
        } else {
            let label_char = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
            if !label_char || (label_len == 0 && byte == b'-') || label_len == MAX_LABEL_LEN {
                return false;
            }
            label_len += 1;
        }
        previous = byte;
    }
    label_len > 0 && previous != b'-'
}

fn is_ipv6_text(address: &str) -> bool {
    (2..=45).contains(&address.len())
        && address.contains(':')
        && address
            .bytes()
            .all(|byte| byte.is_ascii_hexdigit() || byte == b':' || byte == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_ipv4_and_bracketed_ipv6() {
        for host in [
            "example.com",
            "localhost",
            "a-b.x_y.EXAMPLE.com",
            "127.0.0.1",
            "[::1]",
            "[2001:DB8::1]",
            "xn--bcher-kva.example",
            "example.com.",
            "localhost.",
        ] {
            assert!(is_valid_host(host), "{host}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        let long_label = "a".repeat(64);
        let long_host = ["abcdefghi"; 26].join(".");
        for host in [
            "",
            ".",
            "..",
            "example.com..",
            ".example.com",
            "a..b",
            "-a.com",
            "a-.com",
            "a*b.com",
            "[::1",
            "[]",
            "[1.2.3.4]",
            "[::g]",
            &long_label,
            &long_host,
        ] {
            assert!(!is_valid_host(host), "{host}");
        }
    }

    #[test]
    fn recognises_ip_addresses() {
        assert!(is_ip_address("[::1]"));
        assert!(is_ip_address("10.0.0.1"));
        assert!(is_ip_address("10.0.0.1."));
        assert!(is_ip_address("foo.0x7f"));
        assert!(!is_ip_address("example.com"));
        assert!(!is_ip_address("example.com."));
        assert!(!is_ip_address("x1.example.c0m"));
    }
}
