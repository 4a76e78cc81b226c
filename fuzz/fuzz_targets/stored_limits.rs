//! A token's limits as the SQL backends store them (tollgate-store's `limits_text`, which is
//! crate-private and built only with a SQL driver, so it is fuzzed through the public parsers
//! it is made of, in the stored shape its documentation gives): allowed origins as patterns,
//! one a line; grants as `{resource} {access} {access}...`, one resource a line. The first
//! byte picks which. Guarantees: text whose every line parses is a list that, written back
//! in that shape from the parsed values, reads back to an equal list, and writing that again
//! gives the same text (the stored form is a fixed point); each refused line is refused with
//! a typed error (`OriginError`, `ResourceNameError`, `ParseAccessError`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_cors::{AllowedOrigins, OriginPattern};
use tollgate_scope::{Access, Grants, ResourceName};

fn read_origins(text: &str) -> Option<AllowedOrigins> {
    let patterns: Result<Vec<_>, _> = text.split('\n').map(OriginPattern::parse).collect();
    patterns.ok().map(AllowedOrigins::from_patterns)
}

fn write_origins(list: &AllowedOrigins) -> String {
    list.patterns()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn read_grants(text: &str) -> Option<Grants> {
    let mut grants = Grants::new();
    for line in text.split('\n').filter(|line| !line.is_empty()) {
        let (resource, accesses) = line.split_once(' ')?;
        let resource = ResourceName::new(resource).ok()?;
        for access in accesses.split(' ') {
            grants.insert(resource.clone(), access.parse::<Access>().ok()?);
        }
    }
    Some(grants)
}

fn write_grants(grants: &Grants) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut last: Option<&ResourceName> = None;
    for (resource, access) in grants.iter() {
        match lines.last_mut() {
            Some(line) if last == Some(resource) => line.push_str(&format!(" {access}")),
            _ => lines.push(format!("{resource} {access}")),
        }
        last = Some(resource);
    }
    lines.join("\n")
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if which & 1 == 0 {
        let Some(list) = read_origins(text) else {
            return;
        };
        let stored = write_origins(&list);
        let again = read_origins(&stored).expect("stored origins read back");
        assert_eq!(again, list, "{stored:?}");
        assert_eq!(write_origins(&again), stored);
    } else {
        let Some(grants) = read_grants(text) else {
            return;
        };
        let stored = write_grants(&grants);
        let again = read_grants(&stored).expect("stored grants read back");
        assert_eq!(again, grants, "{stored:?}");
        assert_eq!(write_grants(&again), stored);
        for (resource, access) in grants.iter() {
            assert!(grants.permits(resource.as_str(), access));
        }
    }
});
