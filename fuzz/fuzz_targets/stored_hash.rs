//! Stored token hashes read back (`TokenHash::from_str`). Guarantees: text is accepted
//! exactly when it is 64 hexadecimal digits (either case); a refusal is the typed error for
//! the first problem (`WrongLength` with the length, else `BadCharacter` at the first
//! non-hex byte); an accepted hash prints as the input in lowercase, and survives both text
//! and byte round trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_token::{HashParseError, TokenHash};

fuzz_target!(|text: &str| {
    let expected = if text.len() != 64 {
        Err(HashParseError::WrongLength { actual: text.len() })
    } else if let Some(position) = text.bytes().position(|b| !b.is_ascii_hexdigit()) {
        Err(HashParseError::BadCharacter { position })
    } else {
        Ok(())
    };
    let parsed = text.parse::<TokenHash>();
    assert_eq!(parsed.map(|_| ()), expected, "{text:?}");
    if let Ok(hash) = parsed {
        assert_eq!(hash.to_string(), text.to_ascii_lowercase());
        assert_eq!(hash.to_string().parse::<TokenHash>(), Ok(hash));
        assert_eq!(TokenHash::from_bytes(*hash.as_bytes()), hash);
    }
});
