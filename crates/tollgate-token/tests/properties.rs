//! Property tests: minting, parsing, hashing, header parsing and token names over generated
//! input.

// A test binary: failing loudly on unexpected errors is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use tollgate_token::{
    AcceptedSchemes, HeaderError, NameError, Scheme, TokenFormat, TokenHash, TokenName,
    TokenParseError, parse_authorization,
};

fn format() -> TokenFormat {
    TokenFormat::new("tg").unwrap()
}

/// Characters a single-character change may introduce: the alphabet, the separator, and
/// characters a token never holds.
fn replacement() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::char::range('0', '9'),
        proptest::char::range('A', 'Z'),
        proptest::char::range('a', 'z'),
        Just('_'),
        Just('-'),
        Just(' '),
        Just('é'),
        Just('\0'),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_minted_token_parses_and_verifies(prefix in "[a-z][a-z0-9]{0,15}") {
        let format = TokenFormat::new(&prefix).unwrap();
        let minted = format.mint().unwrap();
        let text = minted.secret.expose_secret();
        prop_assert_eq!(text.len(), format.token_len());
        let token = format.parse(text).unwrap();
        prop_assert!(token.verify(&minted.hash));
        prop_assert_eq!(token.prefix(), prefix.as_str());
    }

    #[test]
    fn every_single_character_change_is_rejected(index in 0usize..52, with in replacement()) {
        let format = format();
        let minted = format.mint().unwrap();
        let original = minted.secret.expose_secret();
        let mut chars: Vec<char> = original.chars().collect();
        prop_assume!(chars[index] != with);
        chars[index] = with;
        let changed: String = chars.into_iter().collect();
        // Either parsing refuses it, or (a checksum collision) the hash does not match.
        match format.parse(&changed) {
            Err(_) => {}
            Ok(token) => prop_assert!(!token.verify(&minted.hash)),
        }
    }

    #[test]
    fn parsing_never_panics(text in any::<String>()) {
        let _ = format().parse(&text);
    }

    #[test]
    fn parsing_errors_are_the_right_kind(text in "tg_[A-Za-z0-9]{49}") {
        // Right prefix, length and alphabet: only the checksum can fail.
        match format().parse(&text) {
            Ok(_) | Err(TokenParseError::ChecksumMismatch) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn hash_text_form_round_trips(bytes in any::<[u8; 32]>()) {
        let hash = TokenHash::from_bytes(bytes);
        let text = hash.to_string();
        prop_assert_eq!(text.len(), 64);
        prop_assert!(text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        prop_assert_eq!(text.parse::<TokenHash>().unwrap(), hash);
    }

    #[test]
    fn hash_parsing_never_panics(text in any::<String>()) {
        let _ = text.parse::<TokenHash>();
    }

    #[test]
    fn header_accepts_bearer_with_any_case_and_spacing(
        scheme in "[bB][eE][aA][rR][eE][rR]",
        before in "[ \t]{0,3}",
        between in "[ \t]{1,3}",
        after in "[ \t]{0,3}",
        token in "[A-Za-z0-9._~+/-]{1,40}={0,2}",
    ) {
        let value = format!("{before}{scheme}{between}{token}{after}");
        let found = parse_authorization(value.as_bytes(), AcceptedSchemes::BEARER).unwrap();
        prop_assert_eq!(found.scheme, Scheme::Bearer);
        prop_assert_eq!(found.token, token.as_str());
    }

    #[test]
    fn header_rejects_unknown_schemes(scheme in "[A-Za-z]{1,10}", token in "[A-Za-z0-9]{1,20}") {
        prop_assume!(!scheme.eq_ignore_ascii_case("bearer") && !scheme.eq_ignore_ascii_case("token"));
        let value = format!("{scheme} {token}");
        let all = AcceptedSchemes::BEARER.and(Scheme::Token).and(Scheme::Raw);
        prop_assert_eq!(parse_authorization(value.as_bytes(), all), Err(HeaderError::UnknownScheme));
    }

    #[test]
    fn header_rejects_bytes_outside_b64token(
        token in "[A-Za-z0-9]{1,10}",
        bad in any::<u8>().prop_filter("outside b64token", |b| {
            !(b.is_ascii_alphanumeric() || b"-._~+/= \t".contains(b))
        }),
    ) {
        let mut value = b"Bearer ".to_vec();
        value.extend_from_slice(token.as_bytes());
        value.push(bad);
        let found = parse_authorization(&value, AcceptedSchemes::BEARER);
        prop_assert_eq!(found, Err(HeaderError::BadCharacter { position: 7 + token.len() }));
    }

    #[test]
    fn a_name_with_any_format_character_is_refused(
        before in "[\\p{L}\\p{N}][^\\p{C}]{0,20}",
        format_character in "\\p{Cf}",
        after in "[^\\p{C}]{0,20}",
    ) {
        // The category comes from the regex engine's Unicode tables, not the crate's.
        let character = format_character.chars().next().unwrap();
        let name = format!("{before}{character}{after}");
        prop_assert_eq!(
            TokenName::new(&name),
            Err(NameError::FormatCharacter { position: before.chars().count(), character })
        );
    }

    #[test]
    fn a_name_without_control_or_format_characters_is_kept_as_given(
        text in "[\\p{L}\\p{N}\\p{P}\\p{S}]([^\\p{C}]{0,58}[\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}])?",
    ) {
        // Letters, marks, numbers, punctuation, symbols and inner separators of any script,
        // not starting or ending with white space.
        let name = TokenName::new(&text);
        prop_assert_eq!(name.as_ref().map(TokenName::as_str), Ok(text.as_str()));
    }

    #[test]
    fn header_parsing_never_panics(value in proptest::collection::vec(any::<u8>(), 0..200)) {
        let all = AcceptedSchemes::BEARER.and(Scheme::Token).and(Scheme::Raw);
        if let Ok(found) = parse_authorization(&value, all) {
            prop_assert!(!found.token.is_empty());
            prop_assert!(found.token.bytes().all(|b| b.is_ascii_graphic()));
        }
    }
}

#[test]
fn huge_input_is_refused_by_length() {
    let huge = format!("tg_{}", "a".repeat(10 << 20));
    assert_eq!(
        format().parse(&huge),
        Err(TokenParseError::WrongLength {
            expected: 52,
            actual: huge.len()
        })
    );
}

#[test]
fn each_parse_error_has_its_own_variant() {
    let format = format();
    let good = format.mint().unwrap();
    let text = good.secret.expose_secret();
    assert_eq!(format.parse(""), Err(TokenParseError::Empty));
    assert_eq!(format.parse("tgx_abc"), Err(TokenParseError::WrongPrefix));
    assert_eq!(format.parse("tg"), Err(TokenParseError::WrongPrefix));
    assert_eq!(
        format.parse(&text.replacen("tg_", "TG_", 1)),
        Err(TokenParseError::WrongPrefix)
    );
    assert_eq!(
        format.parse(&text[..51]),
        Err(TokenParseError::WrongLength {
            expected: 52,
            actual: 51
        })
    );
    let mut bad_char = text.to_owned();
    bad_char.replace_range(10..11, "-");
    assert_eq!(
        format.parse(&bad_char),
        Err(TokenParseError::BadCharacter { position: 10 })
    );
    // A multi-byte character of the right total length is a bad character, not a slice panic.
    let mut wide = text[..50].to_owned();
    wide.push('é');
    assert_eq!(
        format.parse(&wide),
        Err(TokenParseError::BadCharacter { position: 50 })
    );
    let mut swapped = text.to_owned();
    let last = swapped.pop().unwrap();
    swapped.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        format.parse(&swapped),
        Err(TokenParseError::ChecksumMismatch)
    );
}

#[test]
fn prefix_validation() {
    use tollgate_token::PrefixError;
    assert_eq!(TokenFormat::new(""), Err(PrefixError::Empty));
    assert_eq!(TokenFormat::new("1tg"), Err(PrefixError::BadFirstCharacter));
    assert_eq!(TokenFormat::new("Tg"), Err(PrefixError::BadFirstCharacter));
    assert_eq!(
        TokenFormat::new("tg_x"),
        Err(PrefixError::BadCharacter { position: 2 })
    );
    assert_eq!(
        TokenFormat::new("tgX"),
        Err(PrefixError::BadCharacter { position: 2 })
    );
    assert_eq!(
        TokenFormat::new("abcdefghijklmnopq"),
        Err(PrefixError::TooLong {
            actual: 17,
            max: 16
        })
    );
    assert_eq!(
        TokenFormat::new("abcdefghijklmnop").unwrap().prefix(),
        "abcdefghijklmnop"
    );
    assert_eq!("tgs".parse::<TokenFormat>().unwrap().token_len(), 53);
}
