//! `Origin` headers and origins in configuration. Guarantees: an origin `Origin::parse`
//! accepts is normal (lowercase, `scheme://host[:port]` from its own parts, default port
//! dropped) and parses back to itself; the header path (`AllowedOrigins`, which reads raw
//! header bytes) admits it, both under `*` and under a list holding exactly that origin,
//! whatever spelling (case, default port) the input used; and any header bytes at all are
//! either `Allowed` or `Invalid` under `*`, never anything else.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_cors::{AllowedOrigins, Origin, OriginCheck, OriginPattern, PortPattern};

fuzz_target!(|data: &[u8]| {
    let any = AllowedOrigins::any().check(Some(data));
    assert!(
        matches!(any, OriginCheck::Allowed | OriginCheck::Invalid),
        "{any:?}"
    );
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(origin) = Origin::parse(text) else {
        return;
    };
    let port = origin
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    assert_eq!(
        origin.as_str(),
        format!("{}://{}{port}", origin.scheme(), origin.host())
    );
    assert!(!origin.as_str().bytes().any(|b| b.is_ascii_uppercase()));
    assert_eq!(Origin::parse(origin.as_str()).as_ref(), Ok(&origin));
    assert_eq!(any, OriginCheck::Allowed, "{text:?}");
    let only =
        AllowedOrigins::from_patterns([OriginPattern::Exact(origin.clone(), PortPattern::Exact)]);
    assert!(only.allows(data), "{text:?} against {origin:?}");
    assert!(only.allows(origin.as_str().as_bytes()));
});
