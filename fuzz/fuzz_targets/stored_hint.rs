//! Stored token hints read back (`TokenHint::from_str`). Guarantees: text is accepted
//! exactly when it is a valid token prefix (as `TokenFormat::new` accepts it), `_...` and
//! four characters of `[A-Za-z0-9]`; an accepted hint prints as the input and parses back
//! to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_token::{TokenFormat, TokenHint};

fuzz_target!(|text: &str| {
    let bytes = text.as_bytes();
    let shaped = bytes.len() >= 8 && {
        let (head, last) = bytes.split_at(bytes.len() - 4);
        last.iter().all(u8::is_ascii_alphanumeric)
            && head.ends_with(b"_...")
            && std::str::from_utf8(&head[..head.len() - 4])
                .is_ok_and(|p| TokenFormat::new(p).is_ok())
    };
    let parsed = text.parse::<TokenHint>();
    assert_eq!(parsed.is_ok(), shaped, "{text:?}");
    if let Ok(hint) = parsed {
        assert_eq!(hint.as_str(), text);
        assert_eq!(hint.to_string().parse::<TokenHint>(), Ok(hint));
    }
});
