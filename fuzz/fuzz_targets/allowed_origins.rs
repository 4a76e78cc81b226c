//! `CORS_ALLOWED_ORIGINS` values (`AllowedOrigins::from_env_value`, and through it
//! `OriginPattern::parse`). Guarantees: an accepted list prints (`Display`) as a value that
//! parses to an equal list; each pattern prints as text that parses back to it and covers
//! itself; an exact origin with its own port is admitted when sent as printed; a refused
//! value yields a non-empty list of typed entry errors, positions within the value's entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_cors::{AllowedOrigins, OriginPattern, PortPattern};

fuzz_target!(|value: &str| {
    match AllowedOrigins::from_env_value(value) {
        Ok(list) => {
            let printed = list.to_string();
            assert_eq!(
                AllowedOrigins::from_env_value(&printed).as_ref(),
                Ok(&list),
                "{printed:?}"
            );
            for pattern in list.patterns() {
                let text = pattern.to_string();
                assert_eq!(
                    OriginPattern::parse(&text).as_ref(),
                    Ok(pattern),
                    "{text:?}"
                );
                assert!(pattern.covers(pattern), "{text:?}");
                if let OriginPattern::Exact(origin, PortPattern::Exact) = pattern {
                    assert!(list.allows(origin.as_str().as_bytes()), "{text:?}");
                }
            }
        }
        Err(errors) => {
            let entries = value.split(',').count();
            assert!(!errors.as_slice().is_empty());
            for error in errors.iter() {
                assert!((1..=entries).contains(&error.position), "{error}");
            }
        }
    }
});
