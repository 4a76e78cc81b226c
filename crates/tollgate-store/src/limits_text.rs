//! A token's allowed origins and grants as the SQL backends store them: text, one entry a line.
//!
//! Allowed origins: the patterns in normal form, `\n`-separated; the empty text means "any
//! origin" (the service never stores an empty list). Grants: `NULL` means "every resource";
//! otherwise one line per resource, `{resource} {access} {access}...`, and the empty text
//! grants nothing. Resource names, accesses and patterns hold no white space, so the split is
//! unambiguous. Rate limits and quotas are their text forms (`100/min`, `10000/month`), `NULL`
//! for none, and so is a signing key (`ed25519:` and the public key in base64). Ancestors: one line per ancestor, first made first, `{id} {rate limit} {quota}`
//! with `-` for none; the empty text means none. Reading back is strict: anything else is a
//! corrupt row.

use tollgate_cors::{AllowedOrigins, OriginPattern};
use tollgate_scope::{Access, Grants, ResourceName};

use crate::{Ancestor, TokenId};

/// The stored text of a token's allowed origins.
pub(crate) fn origins_text(origins: Option<&AllowedOrigins>) -> String {
    origins.map_or_else(String::new, |allowed| {
        let patterns: Vec<String> = allowed.patterns().iter().map(ToString::to_string).collect();
        patterns.join("\n")
    })
}

/// A token's allowed origins read back from [`origins_text`].
pub(crate) fn origins_from(text: &str) -> Result<Option<AllowedOrigins>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let patterns = text
        .split('\n')
        .map(|line| OriginPattern::parse(line).map_err(|error| error.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(AllowedOrigins::from_patterns(patterns)))
}

/// The stored text of a token's grants.
pub(crate) fn grants_text(grants: Option<&Grants>) -> Option<String> {
    let grants = grants?;
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<&ResourceName> = None;
    for (resource, access) in grants.iter() {
        match lines.last_mut() {
            Some(line) if current == Some(resource) => {
                line.push(' ');
                line.push_str(access.as_str());
            }
            _ => lines.push(format!("{resource} {access}")),
        }
        current = Some(resource);
    }
    Some(lines.join("\n"))
}

/// A token's grants read back from [`grants_text`].
pub(crate) fn grants_from(text: Option<&str>) -> Result<Option<Grants>, String> {
    let Some(text) = text else {
        return Ok(None);
    };
    let mut grants = Grants::new();
    for line in text.split('\n').filter(|line| !line.is_empty()) {
        // The resource, then its accesses after the first space: a line without one lists none.
        let (resource, accesses) = match line.split_once(' ') {
            Some((resource, accesses)) => (resource, Some(accesses)),
            None => (line, None),
        };
        let resource = ResourceName::new(resource).map_err(|error| error.to_string())?;
        let words = accesses
            .into_iter()
            .flat_map(|accesses| accesses.split(' '));
        let mut any = false;
        for word in words {
            let access: Access = word
                .parse()
                .map_err(|_| format!("unknown access {word:?}"))?;
            grants.insert(resource.clone(), access);
            any = true;
        }
        if !any {
            return Err(format!("no access listed for {resource}"));
        }
    }
    Ok(Some(grants))
}

/// The stored text of a token's ancestors.
pub(crate) fn ancestors_text(ancestors: &[Ancestor]) -> String {
    let lines: Vec<String> = ancestors
        .iter()
        .map(|ancestor| {
            let rate = ancestor
                .rate_limit
                .map_or_else(|| "-".to_owned(), |rate| rate.to_string());
            let quota = ancestor
                .quota
                .map_or_else(|| "-".to_owned(), |quota| quota.to_string());
            format!("{} {rate} {quota}", ancestor.id)
        })
        .collect();
    lines.join("\n")
}

/// A token's ancestors read back from [`ancestors_text`].
pub(crate) fn ancestors_from(text: &str) -> Result<Vec<Ancestor>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split('\n')
        .map(|line| {
            let mut words = line.split(' ');
            let (Some(id), Some(rate), Some(quota), None) =
                (words.next(), words.next(), words.next(), words.next())
            else {
                return Err(format!("ancestor {line:?} is not three words"));
            };
            let id = id
                .parse::<i64>()
                .map_err(|error| format!("ancestor id {id:?}: {error}"))?;
            let rate_limit = (rate != "-")
                .then(|| rate.parse())
                .transpose()
                .map_err(|error| format!("ancestor rate limit {rate:?}: {error}"))?;
            let quota = (quota != "-")
                .then(|| quota.parse())
                .transpose()
                .map_err(|error| format!("ancestor quota {quota:?}: {error}"))?;
            Ok(Ancestor {
                id: TokenId(id),
                rate_limit,
                quota,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> ResourceName {
        ResourceName::new(text).unwrap()
    }

    #[test]
    fn origins_round_trip_and_empty_means_any() {
        let allowed = AllowedOrigins::from_patterns(
            ["https://a.example.com", "https://*.example.org:8443"]
                .map(|text| OriginPattern::parse(text).unwrap()),
        );
        let text = origins_text(Some(&allowed));
        assert_eq!(text, "https://a.example.com\nhttps://*.example.org:8443");
        assert_eq!(origins_from(&text), Ok(Some(allowed)));
        assert_eq!(origins_text(None), "");
        assert_eq!(origins_from(""), Ok(None));
        assert!(origins_from("https://a.example.com\n\n").is_err());
        assert!(origins_from("not an origin").is_err());
    }

    #[test]
    fn ancestors_round_trip_and_corrupt_lines_are_refused() {
        let ancestors = vec![
            Ancestor {
                id: TokenId(1),
                rate_limit: None,
                quota: Some("10000/month".parse().unwrap()),
            },
            Ancestor {
                id: TokenId(7),
                rate_limit: Some("100/min".parse().unwrap()),
                quota: None,
            },
        ];
        let text = ancestors_text(&ancestors);
        assert_eq!(text, "1 - 10000/month\n7 100/min -");
        assert_eq!(ancestors_from(&text), Ok(ancestors));
        assert_eq!(ancestors_text(&[]), "");
        assert_eq!(ancestors_from(""), Ok(Vec::new()));
        for corrupt in [
            "1",
            "1 - ",
            "1 - - -",
            "x - -",
            "1 0/min -",
            "1 - 5/week",
            "\n",
        ] {
            assert!(ancestors_from(corrupt).is_err(), "{corrupt:?}");
        }
    }

    #[test]
    fn grants_round_trip_and_null_differs_from_nothing() {
        let grants = Grants::new()
            .with(name("aspects/cpu"), Access::Write)
            .with(name("aspects/cpu"), Access::Read)
            .with(name("subjects/h1"), Access::Delete);
        let text = grants_text(Some(&grants)).unwrap();
        assert_eq!(text, "aspects/cpu read write\nsubjects/h1 delete");
        assert_eq!(grants_from(Some(&text)), Ok(Some(grants)));
        assert_eq!(grants_text(None), None);
        assert_eq!(grants_from(None), Ok(None));
        assert_eq!(grants_text(Some(&Grants::new())).as_deref(), Some(""));
        assert_eq!(grants_from(Some("")), Ok(Some(Grants::new())));
        for corrupt in [
            "aspects/cpu",
            "aspects/cpu ",
            "aspects/cpu read ",
            "aspects/cpu run",
            "bad name read",
        ] {
            assert!(grants_from(Some(corrupt)).is_err(), "{corrupt}");
        }
    }
}
