//! Differential: `TokenFormat::parse` against the token format written from its
//! documentation (`tollgate_fuzz::token`). Guarantees: the same verdict, with the same typed
//! refusal (variant, length and position) as the documented checks taken in their documented
//! order; and for an accepted token, its prefix, hint (`{prefix}_...{last 4}`, which parses
//! back to itself) and hash (SHA-256 of the whole text). The first byte picks the prefix;
//! its top bit asks the harness to write a correct checksum over the input, so that
//! well-formed tokens are reached, not only refusals.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_fuzz::token::{self, Refusal};
use tollgate_token::{TokenFormat, TokenHash, TokenHint, TokenParseError};

const PREFIXES: [&str; 4] = ["tg", "tgs", "a", "abcdefghijklmno9"];

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let prefix = PREFIXES[usize::from(flags) % PREFIXES.len()];
    let mut text = rest.to_vec();
    if flags & 0x80 != 0 && text.len() > token::CHECKSUM_LEN {
        let signed = text.len() - token::CHECKSUM_LEN;
        let sum = token::checksum(&text[..signed]);
        text[signed..].copy_from_slice(&sum);
    }
    let Ok(text) = std::str::from_utf8(&text) else {
        return;
    };
    let format = TokenFormat::new(prefix).expect("a valid prefix");
    let expected = token::check(prefix, text.as_bytes()).map_err(|refusal| match refusal {
        Refusal::Empty => TokenParseError::Empty,
        Refusal::WrongPrefix => TokenParseError::WrongPrefix,
        Refusal::WrongLength { expected, actual } => {
            TokenParseError::WrongLength { expected, actual }
        }
        Refusal::BadCharacter { position } => TokenParseError::BadCharacter { position },
        Refusal::ChecksumMismatch => TokenParseError::ChecksumMismatch,
    });
    let parsed = format.parse(text);
    assert_eq!(parsed.map(|_| ()), expected, "prefix {prefix:?}");
    if let Ok(token) = parsed {
        assert_eq!(token.prefix(), prefix);
        assert_eq!(token.expose_secret(), text);
        let hint = format!("{prefix}_...{}", &text[text.len() - 4..]);
        assert_eq!(token.hint().as_str(), hint);
        assert_eq!(hint.parse::<TokenHint>(), Ok(token.hint()));
        assert!(token.verify(&TokenHash::of(text)));
    }
});
