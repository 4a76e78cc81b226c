//! URL schemes: their syntax, and the ones whose URLs have no origin of their own.

/// Schemes whose URLs never give a page an origin a browser would send in `Origin`: `file`
/// (opaque; browsers send `null`), `data`, `about` and `javascript` (opaque or inherited from
/// the page that opened them) and `blob` (the origin of the page that made the blob).
const WITHOUT_OWN_ORIGIN: [&str; 5] = ["file", "data", "blob", "about", "javascript"];

/// Whether `scheme` is RFC 3986 `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
pub(crate) fn is_scheme(scheme: &str) -> bool {
    let mut bytes = scheme.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'))
}

/// The scheme, in lowercase, when its URLs have no origin of their own; compared ignoring case.
pub(crate) fn without_own_origin(scheme: &str) -> Option<&'static str> {
    WITHOUT_OWN_ORIGIN
        .into_iter()
        .find(|listed| listed.eq_ignore_ascii_case(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_syntax() {
        for scheme in ["http", "chrome-extension", "a", "z", "coap+tcp", "x.y"] {
            assert!(is_scheme(scheme), "{scheme}");
        }
        for scheme in ["", "1http", "ht tp", "http*", "-a"] {
            assert!(!is_scheme(scheme), "{scheme}");
        }
    }

    #[test]
    fn schemes_without_their_own_origin() {
        assert_eq!(without_own_origin("FILE"), Some("file"));
        assert_eq!(without_own_origin("blob"), Some("blob"));
        assert_eq!(without_own_origin("https"), None);
        assert_eq!(without_own_origin("connector"), None);
        assert_eq!(without_own_origin("files"), None);
    }
}
