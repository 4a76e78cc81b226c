//! `CORS_ROUTES` values (`RouteSet::from_env_value`). Guarantees: an accepted value prints
//! (`Display`) as a value that parses to the same set, printing the same; every prefix is
//! canonical (`RoutePrefix::parse` of its text gives it back) and, being a path in normal
//! form, is `Listed` by its own set; a refused value is refused with a non-empty list of
//! typed entry errors whose 1-based positions lie within the value's entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_cors::{RouteCase, RouteMatch, RoutePrefix, RouteSet};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(value) = std::str::from_utf8(rest) else {
        return;
    };
    let case = if flags & 1 == 0 {
        RouteCase::Sensitive
    } else {
        RouteCase::Insensitive
    };
    match RouteSet::from_env_value(value, case) {
        Ok(set) => {
            let printed = set.to_string();
            let again = RouteSet::from_env_value(&printed, case).expect("a printed set parses");
            assert_eq!(again.to_string(), printed);
            assert_eq!(
                (again.prefixes(), again.is_all()),
                (set.prefixes(), set.is_all())
            );
            for prefix in set.prefixes() {
                assert_eq!(RoutePrefix::parse(prefix.as_str()).as_ref(), Ok(prefix));
                assert_eq!(set.lookup(prefix.as_str()), RouteMatch::Listed, "{prefix}");
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
