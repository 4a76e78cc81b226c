//! Comma-separated configuration values, as environment variables carry them.
//!
//! A blank value (empty or whitespace only) holds no entries. Otherwise the value is split on
//! `,`, ASCII whitespace around each entry is trimmed, and every entry is parsed; every failure
//! is reported with its 1-based position, so an empty entry (a trailing comma, `a,,b`) is an
//! error rather than an entry that means "everything" (Refocus's pitfall).

use crate::error::{EntryError, ErrorList};

/// The trimmed entries of a list value with their 1-based positions; none for a blank value.
pub(crate) fn entries(value: &str) -> impl Iterator<Item = (usize, &str)> {
    let blank = trim(value).is_empty();
    value
        .split(',')
        .filter(move |_| !blank)
        .map(trim)
        .enumerate()
        .map(|(index, entry)| (index + 1, entry))
}

/// Parses every entry of `value`, collecting all failures.
pub(crate) fn parse<T, E>(
    value: &str,
    mut parse_entry: impl FnMut(&str) -> Result<T, E>,
) -> Result<Vec<T>, ErrorList<EntryError<E>>> {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for (position, entry) in entries(value) {
        match parse_entry(entry) {
            Ok(item) => parsed.push(item),
            Err(error) => errors.push(EntryError {
                position,
                entry: entry.to_owned(),
                error,
            }),
        }
    }
    match ErrorList::from_vec(errors) {
        Some(errors) => Err(errors),
        None => Ok(parsed),
    }
}

fn trim(entry: &str) -> &str {
    entry.trim_matches(|c: char| c.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_value_has_no_entries() {
        assert_eq!(entries("").count(), 0);
        assert_eq!(entries(" \t ").count(), 0);
    }

    #[test]
    fn entries_are_trimmed_and_numbered_from_one() {
        let listed: Vec<_> = entries(" a , b,,c ").collect();
        assert_eq!(listed, [(1, "a"), (2, "b"), (3, ""), (4, "c")]);
    }

    #[test]
    fn parse_reports_every_failure_with_its_position() {
        let result = parse("1,x,3,y", |entry| {
            entry.parse::<u8>().map_err(|_| "not a number")
        });
        let errors = result.err().map(ErrorList::into_vec).unwrap_or_default();
        let positions: Vec<_> = errors
            .iter()
            .map(|error| (error.position, error.entry.as_str()))
            .collect();
        assert_eq!(positions, [(2, "x"), (4, "y")]);
    }
}
