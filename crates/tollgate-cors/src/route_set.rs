//! `RouteSet`: which request paths are opened to cross-origin requests.

use std::fmt;

use crate::env_list;
use crate::error::{RouteError, RouteSetErrors};
use crate::request_path::{NotNormalForm, visit_segments};
use crate::route::RoutePrefix;
use crate::route_trie::RouteTrie;

/// The value of a routes setting that opens every route. It must be the whole value.
const ALL_ROUTES: &str = "*";

/// How route segments compare with request path segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RouteCase {
    /// Byte for byte, like a router: `/v1/bots` does not match `/V1/Bots` (the default).
    #[default]
    Sensitive,
    /// ASCII case ignored, like Refocus's Express prefixes: `/v1/bots` matches `/V1/Bots`.
    Insensitive,
}

/// The outcome of looking a request path up in a [`RouteSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteMatch {
    /// The path is at or below a listed prefix (or the set holds every route).
    Listed,
    /// The path is in normal form but under no listed prefix.
    NotListed,
    /// The path is not in normal form (dot or empty segments, encoded `/`, `.` or `\`, ...),
    /// so it matches nothing.
    NotInNormalForm,
}

/// A set of route prefixes, matched by whole path segments.
///
/// `/v1/bots` matches `/v1/bots`, `/v1/bots/`, `/v1/bots/7/x` and `/v1/bots?page=2`, never
/// `/v1/botsX` or `/v1/botActions`. The empty set (the default) matches nothing; the set of
/// every route ([`RouteSet::all`], written `*`) matches every path in normal form. Lookup cost
/// depends on the path, not on the number of prefixes, and allocates nothing.
#[derive(Debug, Clone)]
pub struct RouteSet {
    scope: Scope,
    case: RouteCase,
}

#[derive(Debug, Clone)]
enum Scope {
    Listed {
        prefixes: Vec<RoutePrefix>,
        trie: RouteTrie,
    },
    All,
}

impl RouteSet {
    /// The empty set: no route is opened.
    #[must_use]
    pub fn none() -> Self {
        Self::from_prefixes([], RouteCase::Sensitive)
    }

    /// Every route.
    #[must_use]
    pub fn all() -> Self {
        Self {
            scope: Scope::All,
            case: RouteCase::Sensitive,
        }
    }

    /// The set of the given prefixes. Duplicates are dropped (ignoring case for
    /// [`RouteCase::Insensitive`], where prefixes are stored lowercased).
    #[must_use]
    pub fn from_prefixes(prefixes: impl IntoIterator<Item = RoutePrefix>, case: RouteCase) -> Self {
        let mut prefixes: Vec<RoutePrefix> = match case {
            RouteCase::Sensitive => prefixes.into_iter().collect(),
            RouteCase::Insensitive => prefixes
                .into_iter()
                .map(|prefix| prefix.to_ascii_lowercase())
                .collect(),
        };
        prefixes.sort_unstable();
        prefixes.dedup();
        let trie = RouteTrie::build(&prefixes, case);
        Self {
            scope: Scope::Listed { prefixes, trie },
            case,
        }
    }

    /// Parses a `CORS_ROUTES`-style value: comma-separated prefixes, whitespace around each
    /// trimmed. A blank value is the empty set; `*` alone is every route.
    ///
    /// # Errors
    ///
    /// Every invalid entry, each with its 1-based position: empty entries (`a,,b`, a trailing
    /// comma), a missing leading `/`, `/` alone, dot or empty segments, `%`, `?`, `#`, `;`,
    /// whitespace inside an entry, non-ASCII, and `*` anywhere but as the whole value.
    pub fn from_env_value(value: &str, case: RouteCase) -> Result<Self, RouteSetErrors> {
        let mut entries = env_list::entries(value);
        if let (Some((_, ALL_ROUTES)), None) = (entries.next(), entries.next()) {
            return Ok(Self {
                scope: Scope::All,
                case,
            });
        }
        let prefixes = env_list::parse(value, |entry| match entry {
            ALL_ROUTES => Err(RouteError::Wildcard),
            _ => RoutePrefix::parse(entry),
        })?;
        Ok(Self::from_prefixes(prefixes, case))
    }

    /// Looks `path` up. A query string is ignored; a path not in normal form matches nothing.
    #[must_use]
    pub fn lookup(&self, path: &str) -> RouteMatch {
        let trie = match &self.scope {
            Scope::Listed { trie, .. } => Some(trie),
            Scope::All => None,
        };
        // One pass: the trie is walked until a listed prefix ends or no edge leads on, while
        // the rest of the path is still checked; the answer comes after the whole path.
        let mut walk = Walk::At(RouteTrie::root());
        let checked = visit_segments(path, |segment| {
            if let (Walk::At(node), Some(trie)) = (walk, trie) {
                walk = match trie.child(node, segment) {
                    Some(step) if step.terminal => Walk::Listed,
                    Some(step) => Walk::At(step.node),
                    None => Walk::NotListed,
                };
            }
        });
        match (checked, walk, trie) {
            (Err(NotNormalForm), _, _) => RouteMatch::NotInNormalForm,
            (Ok(()), Walk::Listed, _) | (Ok(()), _, None) => RouteMatch::Listed,
            (Ok(()), Walk::At(_) | Walk::NotListed, Some(_)) => RouteMatch::NotListed,
        }
    }

    /// Whether `path` is listed: shorthand for `lookup(path) == RouteMatch::Listed`.
    #[must_use]
    pub fn matches(&self, path: &str) -> bool {
        self.lookup(path) == RouteMatch::Listed
    }

    /// The listed prefixes, sorted; empty for the empty set and for every route.
    #[must_use]
    pub fn prefixes(&self) -> &[RoutePrefix] {
        match &self.scope {
            Scope::Listed { prefixes, .. } => prefixes,
            Scope::All => &[],
        }
    }

    /// Whether this set holds every route.
    #[must_use]
    pub fn is_all(&self) -> bool {
        matches!(self.scope, Scope::All)
    }

    /// How segments are compared.
    #[must_use]
    pub fn case(&self) -> RouteCase {
        self.case
    }
}

/// Where a lookup's walk down the trie stands.
#[derive(Clone, Copy)]
enum Walk {
    /// At this node, still walking.
    At(usize),
    /// A listed prefix ended on the way.
    Listed,
    /// No edge led on.
    NotListed,
}

impl Default for RouteSet {
    fn default() -> Self {
        Self::none()
    }
}

/// The set in `CORS_ROUTES` syntax: `*`, or the prefixes joined with `,` (empty for none).
impl fmt::Display for RouteSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.scope {
            Scope::All => f.write_str(ALL_ROUTES),
            Scope::Listed { prefixes, .. } => {
                for (index, prefix) in prefixes.iter().enumerate() {
                    if index > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str(prefix.as_str())?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(value: &str) -> RouteSet {
        RouteSet::from_env_value(value, RouteCase::Sensitive).unwrap()
    }

    #[test]
    fn prefixes_match_by_whole_segments() {
        let routes = set("/v1/bots");
        for path in [
            "/v1/bots",
            "/v1/bots/",
            "/v1/bots/7/x",
            "/v1/bots?page=2",
            "/v1/bots/?x",
        ] {
            assert_eq!(routes.lookup(path), RouteMatch::Listed, "{path}");
        }
        for path in [
            "/v1/botsX",
            "/v1/botActions",
            "/v1",
            "/",
            "/v2/bots",
            "/V1/bots",
        ] {
            assert_eq!(routes.lookup(path), RouteMatch::NotListed, "{path}");
        }
    }

    #[test]
    fn the_rest_of_a_matched_path_must_be_in_normal_form() {
        let routes = set("/v1/bots");
        for path in [
            "/v1/bots/../admin",
            "/v1/bots//x",
            "/v1/bots/%2e%2e/admin",
            "/v2/../v1/bots",
            "v1/bots",
            "",
        ] {
            assert_eq!(routes.lookup(path), RouteMatch::NotInNormalForm, "{path}");
        }
    }

    #[test]
    fn blank_value_is_the_empty_set_and_star_is_every_route() {
        for blank in ["", "  "] {
            let routes = set(blank);
            assert!(routes.prefixes().is_empty() && !routes.is_all());
            assert!(!routes.matches("/v1/bots"));
        }
        let all = set(" * ");
        assert!(all.is_all());
        assert!(all.matches("/") && all.matches("/anything/at/all"));
        assert_eq!(all.lookup("/a/../b"), RouteMatch::NotInNormalForm);
    }

    #[test]
    fn star_mixed_with_prefixes_is_an_error() {
        let errors = RouteSet::from_env_value("/v1,*", RouteCase::Sensitive).unwrap_err();
        assert_eq!(errors.as_slice()[0].position, 2);
        assert_eq!(errors.as_slice()[0].error, RouteError::Wildcard);
    }

    #[test]
    fn duplicates_and_trailing_slashes_normalise() {
        let routes = set("/v1/bots/, /v1/bots,/v1/rooms");
        assert_eq!(routes.to_string(), "/v1/bots,/v1/rooms");
    }

    #[test]
    fn insensitive_sets_lowercase_and_match_any_case() {
        let routes = RouteSet::from_env_value("/V1/Bots,/v1/bots", RouteCase::Insensitive).unwrap();
        assert_eq!(routes.to_string(), "/v1/bots");
        assert!(routes.matches("/V1/BOTS/7"));
        assert_eq!(routes.case(), RouteCase::Insensitive);
    }

    #[test]
    fn nested_prefixes_both_match() {
        let routes = set("/v1/bots/admin,/v1/bots");
        assert!(routes.matches("/v1/bots/admin/x"));
        assert!(routes.matches("/v1/bots/other"));
        let deep = set("/v1/bots/admin");
        assert!(!deep.matches("/v1/bots"));
    }
}
