//! The token scope: `read-only < edit < admin < full`, with Part-DB's level codes 1-4.

use core::fmt;
use core::str::FromStr;

use crate::error::ParseScopeError;

/// How much a token may do, before its user's own permissions are applied.
///
/// Scopes are totally ordered, each including everything below it
/// (`ReadOnly < Edit < Admin < Full`), as Part-DB's token levels are. What each one allows is
/// [`Operation::required_scope`](crate::Operation::required_scope).
///
/// The canonical text form ([`Display`](fmt::Display), [`Scope::as_str`], serde) is `read-only`,
/// `edit`, `admin` or `full`. Parsing is more forgiving, in these ways only: any ASCII letter
/// case, `read_only` and `readonly` for `read-only`, and Part-DB's level codes `1`-`4`. Nothing
/// is trimmed: `" edit"` is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Read non-sensitive data. Part-DB level 1.
    ReadOnly,
    /// Also create, update and delete non-sensitive data. Part-DB level 2.
    Edit,
    /// Also read and write sensitive data (users, groups, settings). Part-DB level 3.
    Admin,
    /// Also manage the account: the user's own tokens and password. Part-DB level 4.
    Full,
}

impl Scope {
    /// Every scope, lowest first.
    pub const ALL: [Scope; 4] = [Scope::ReadOnly, Scope::Edit, Scope::Admin, Scope::Full];

    /// The canonical name: `read-only`, `edit`, `admin` or `full`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::ReadOnly => "read-only",
            Scope::Edit => "edit",
            Scope::Admin => "admin",
            Scope::Full => "full",
        }
    }

    /// Part-DB's integer code for this level: 1 (read-only) to 4 (full).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Scope::ReadOnly => 1,
            Scope::Edit => 2,
            Scope::Admin => 3,
            Scope::Full => 4,
        }
    }

    /// The scope with Part-DB's integer code `code` (1-4).
    ///
    /// # Errors
    ///
    /// [`ParseScopeError::UnknownCode`] for any other number.
    pub const fn from_code(code: u64) -> Result<Scope, ParseScopeError> {
        match code {
            1 => Ok(Scope::ReadOnly),
            2 => Ok(Scope::Edit),
            3 => Ok(Scope::Admin),
            4 => Ok(Scope::Full),
            _ => Err(ParseScopeError::UnknownCode { code }),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = ParseScopeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        const SPELLINGS: [(&str, Scope); 10] = [
            ("read-only", Scope::ReadOnly),
            ("read_only", Scope::ReadOnly),
            ("readonly", Scope::ReadOnly),
            ("1", Scope::ReadOnly),
            ("edit", Scope::Edit),
            ("2", Scope::Edit),
            ("admin", Scope::Admin),
            ("3", Scope::Admin),
            ("full", Scope::Full),
            ("4", Scope::Full),
        ];
        SPELLINGS
            .iter()
            .find(|(spelling, _)| spelling.eq_ignore_ascii_case(text))
            .map(|&(_, scope)| scope)
            .ok_or(ParseScopeError::UnknownName)
    }
}

impl TryFrom<&str> for Scope {
    type Error = ParseScopeError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Scope> for u8 {
    fn from(scope: Scope) -> u8 {
        scope.code()
    }
}

impl TryFrom<u8> for Scope {
    type Error = ParseScopeError;

    fn try_from(code: u8) -> Result<Self, Self::Error> {
        Scope::from_code(u64::from(code))
    }
}

impl AsRef<str> for Scope {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn order_is_part_db_level_order() {
        assert!(Scope::ReadOnly < Scope::Edit);
        assert!(Scope::Edit < Scope::Admin);
        assert!(Scope::Admin < Scope::Full);
        let mut sorted = Scope::ALL;
        sorted.sort();
        assert_eq!(sorted, Scope::ALL);
    }

    /// Part-DB's `ApiTokenLevel`: READ_ONLY = 1, EDIT = 2, ADMIN = 3, FULL = 4.
    #[test]
    fn codes_are_part_db_levels() {
        let codes: Vec<u8> = Scope::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [1, 2, 3, 4]);
        assert_eq!(Scope::from_code(3), Ok(Scope::Admin));
        assert_eq!(Scope::try_from(4_u8), Ok(Scope::Full));
        assert_eq!(u8::from(Scope::Edit), 2);
        for bad in [0, 5, 255, u64::MAX] {
            assert_eq!(
                Scope::from_code(bad),
                Err(ParseScopeError::UnknownCode { code: bad })
            );
        }
    }

    #[test]
    fn parses_the_documented_spellings() {
        let cases = [
            ("read-only", Scope::ReadOnly),
            ("READ_ONLY", Scope::ReadOnly),
            ("ReadOnly", Scope::ReadOnly),
            ("1", Scope::ReadOnly),
            ("Edit", Scope::Edit),
            ("2", Scope::Edit),
            ("ADMIN", Scope::Admin),
            ("3", Scope::Admin),
            ("fUlL", Scope::Full),
            ("4", Scope::Full),
        ];
        for (text, scope) in cases {
            assert_eq!(text.parse::<Scope>(), Ok(scope), "{text}");
            assert_eq!(Scope::try_from(text), Ok(scope), "{text}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for text in [
            "",
            " edit",
            "edit ",
            "read only",
            "read-write",
            "0",
            "5",
            "01",
            "+1",
            "root",
            "fullx",
        ] {
            assert_eq!(
                text.parse::<Scope>(),
                Err(ParseScopeError::UnknownName),
                "{text:?}"
            );
        }
    }

    #[test]
    fn display_is_canonical() {
        let names: Vec<String> = Scope::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["read-only", "edit", "admin", "full"]);
        assert_eq!(Scope::Admin.as_ref(), "admin");
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(index in 0_usize..4) {
            let scope = Scope::ALL[index];
            prop_assert_eq!(scope.to_string().parse::<Scope>(), Ok(scope));
            prop_assert_eq!(Scope::from_code(u64::from(scope.code())), Ok(scope));
        }

        #[test]
        fn parsing_never_panics_and_accepts_only_known_spellings(text in "\\PC{0,12}") {
            if let Ok(scope) = text.parse::<Scope>() {
                let lower = text.to_ascii_lowercase();
                let canonical = lower.replace('_', "-");
                prop_assert!(
                    canonical == scope.as_str()
                        || lower == scope.code().to_string()
                        || (scope == Scope::ReadOnly && lower == "readonly")
                );
            }
        }

        #[test]
        fn parsing_ignores_ascii_case(
            index in 0_usize..4,
            upper in proptest::collection::vec(any::<bool>(), 9),
        ) {
            let scope = Scope::ALL[index];
            let mixed: String = scope
                .as_str()
                .chars()
                .zip(upper.iter().chain(core::iter::repeat(&false)))
                .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            prop_assert_eq!(mixed.parse::<Scope>(), Ok(scope));
        }
    }
}
