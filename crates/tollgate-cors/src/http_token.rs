//! RFC 9110 `token` syntax, shared by method and header names.

/// `TCHARS[b]`: whether byte `b` is an RFC 9110 `tchar`, computed at compile time.
static TCHARS: [bool; 256] = tchars();

const fn tchars() -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    let symbols = b"!#$%&'*+-.^_`|~";
    let mut index = 0;
    while index < symbols.len() {
        table[symbols[index] as usize] = true;
        index += 1;
    }
    table
}

/// Whether `byte` is an RFC 9110 `tchar`.
pub(crate) fn is_tchar(byte: u8) -> bool {
    TCHARS[usize::from(byte)]
}

/// The first character of `text` that is not a `tchar`, if any.
pub(crate) fn first_invalid_char(text: &str) -> Option<char> {
    text.chars().find(|&c| !u8::try_from(c).is_ok_and(is_tchar))
}

/// Whether `bytes` is a non-empty token.
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&byte| is_tchar(byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_exactly_the_rfc_9110_tchars() {
        for byte in 0..=u8::MAX {
            let expected = byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
            assert_eq!(is_tchar(byte), expected, "{byte:#04x}");
        }
    }

    #[test]
    fn tokens_are_visible_ascii_without_separators() {
        assert!(is_token(b"X-Custom_Header.1"));
        assert!(!is_token(b""));
        for separator in [" ", "(", ")", ",", "/", ":", ";", "=", "\"", "{", "\u{7f}"] {
            assert!(!is_token(separator.as_bytes()), "{separator:?}");
        }
        assert_eq!(first_invalid_char("ab cd"), Some(' '));
        assert_eq!(first_invalid_char("déjà"), Some('é'));
        assert_eq!(first_invalid_char("ok"), None);
    }
}
