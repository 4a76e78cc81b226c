//! Public suffixes, from the Public Suffix List as embedded in the `psl` crate.
//!
//! Both sections of the list count: ICANN suffixes (`com`, `co.uk`) and private ones that
//! their operators registered because anyone may publish under them (`github.io`,
//! `herokuapp.com`). The list is the copy the `psl` release was built with; updating the
//! crate updates it.

use crate::host;

/// Whether the names one label below `domain` (lowercase, a trailing `.` ignored) are sites
/// anyone can register: `domain` is a public suffix itself (`co.uk`), or the list makes every
/// name below it one (its wildcard rules, such as `*.sch.uk`). Hosts under a top-level domain
/// the list does not know count as registrable below that domain, as browsers treat them.
///
/// Not caught: a suffix deeper down (`s3.amazonaws.com` below `amazonaws.com`): the list has
/// no way to ask for the rules under a name, and a wildcard over a provider's own domain is
/// rare enough to leave to review.
pub(crate) fn has_public_subdomains(domain: &str) -> bool {
    let domain = host::without_trailing_dot(domain);
    let below = format!("x.{domain}");
    psl::suffix(below.as_bytes())
        .is_some_and(|suffix| suffix.trim().as_bytes().len() >= domain.len())
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
            // Wildcard rules: every name below is a suffix.
            "sch.uk",
            "kawasaki.jp",
            // Itself a suffix, by that rule.
            "school.sch.uk",
        ] {
            assert!(has_public_subdomains(domain), "{domain}");
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
            "example.school.sch.uk",
            // An exception to a wildcard rule is registrable.
            "city.kawasaki.jp",
        ] {
            assert!(!has_public_subdomains(domain), "{domain}");
        }
    }
}
