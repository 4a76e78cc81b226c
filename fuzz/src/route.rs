//! Request paths and route lookup, written from tollgate-cors's documentation (the
//! `RouteSet` docs and the normal-form rule): split on `/`, compare whole segments, and
//! refuse every path not in normal form.
//!
//! A path is in normal form when, before its query (from the first `?`), it starts with
//! `/`, has no `\` or `#`, no empty segment except one trailing `/`, no `.` or `..` segment,
//! and every `%` starts two hexadecimal digits that encode neither `/`, `.` nor `\`.

/// The segments of `path` when it is in normal form; `None` when it is not.
pub fn normal_segments(path: &str) -> Option<Vec<&str>> {
    let before_query = path.split('?').next().unwrap_or("");
    if before_query.contains('\\') || before_query.contains('#') {
        return None;
    }
    let rest = before_query.strip_prefix('/')?;
    let bytes = rest.as_bytes();
    for (at, _) in rest.match_indices('%') {
        let hex = bytes.get(at + 1..at + 3)?;
        let text = std::str::from_utf8(hex).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let value = u8::from_str_radix(text, 16).ok()?;
        if matches!(value, b'/' | b'.' | b'\\') {
            return None;
        }
    }
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let mut segments: Vec<&str> = rest.split('/').collect();
    if segments.last() == Some(&"") {
        segments.pop();
    }
    if segments.iter().any(|s| matches!(*s, "" | "." | "..")) {
        return None;
    }
    Some(segments)
}

/// The reference answer of a route lookup, named as `tollgate_cors::RouteMatch` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Listed,
    NotListed,
    NotInNormalForm,
}

/// Looks `path` up among `prefixes` (texts such as `/v1/bots`), or in the set of every route
/// when `all`: listed when the path's segments start with all of a prefix's segments,
/// compared byte for byte or ignoring ASCII case.
pub fn lookup(prefixes: &[&str], all: bool, ignore_case: bool, path: &str) -> Lookup {
    let Some(segments) = normal_segments(path) else {
        return Lookup::NotInNormalForm;
    };
    if all {
        return Lookup::Listed;
    }
    let same = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let listed = prefixes.iter().any(|prefix| {
        let wanted: Vec<&str> = prefix.split('/').skip(1).collect();
        wanted.len() <= segments.len() && wanted.iter().zip(&segments).all(|(w, s)| same(w, s))
    });
    if listed {
        Lookup::Listed
    } else {
        Lookup::NotListed
    }
}
