//! Differential: `RouteSet::lookup` (a trie walked in one pass) against the plain rule in
//! `tollgate_fuzz::route` (split on `/`, compare whole segments, refuse paths not in normal
//! form). Input: a flags byte (bit 0: ignore ASCII case), a `CORS_ROUTES` value up to the
//! first newline, then the request path. Guarantees, for every set that parses and every
//! path: the same `Listed` / `NotListed` / `NotInNormalForm` answer, and `matches` agreeing
//! with `lookup`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_cors::{RouteCase, RouteMatch, RouteSet};
use tollgate_fuzz::route::{self, Lookup};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Some((value, path)) = text.split_once('\n') else {
        return;
    };
    let case = if flags & 1 == 0 {
        RouteCase::Sensitive
    } else {
        RouteCase::Insensitive
    };
    let Ok(set) = RouteSet::from_env_value(value, case) else {
        return;
    };
    let prefixes: Vec<&str> = set.prefixes().iter().map(|p| p.as_str()).collect();
    let expected = match route::lookup(
        &prefixes,
        set.is_all(),
        case == RouteCase::Insensitive,
        path,
    ) {
        Lookup::Listed => RouteMatch::Listed,
        Lookup::NotListed => RouteMatch::NotListed,
        Lookup::NotInNormalForm => RouteMatch::NotInNormalForm,
    };
    let found = set.lookup(path);
    assert_eq!(found, expected, "routes {set} path {path:?}");
    assert_eq!(set.matches(path), found == RouteMatch::Listed);
});
