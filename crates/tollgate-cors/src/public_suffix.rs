//! Public suffixes, from the Public Suffix List as embedded in the `psl` crate.
//!
//! Both sections of the list count: ICANN suffixes (`com`, `co.uk`) and private ones that
//! their operators registered because anyone may publish under them (`github.io`,
//! `herokuapp.com`). The list is the copy the `psl` release was built with; updating the
//! crate updates it.

use crate::host;

/// Whether `domain` (lowercase, a trailing `.` ignored) is itself a public suffix, so that
/// its subdomains are sites anyone can register. Hosts under a top-level domain the list
/// does not know count as registrable below that domain, as browsers treat them.
pub(crate) fn is_public_suffix(domain: &str) -> bool {
    let domain = host::without_trailing_dot(domain);
    psl::suffix(domain.as_bytes())
        .is_some_and(|suffix| suffix.trim().as_bytes() == domain.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icann_and_private_suffixes_count() {
        for domain in [
            "com",
            "co.uk",
            "co.uk.",
            "github.io",
            "herokuapp.com",
            "localhost",
        ] {
            assert!(is_public_suffix(domain), "{domain}");
        }
    }

    #[test]
    fn registrable_domains_and_below_do_not() {
        for domain in [
            "example.com",
            "example.co.uk",
            "example.co.uk.",
            "jub0bs.github.io",
            "a.b.example.com",
            "example.local",
            "example.localhost",
        ] {
            assert!(!is_public_suffix(domain), "{domain}");
        }
    }
}
