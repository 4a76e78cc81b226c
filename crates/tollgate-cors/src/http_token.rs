//! RFC 9110 `token` syntax, shared by method and header names.

/// Whether `byte` is an RFC 9110 `tchar`.
pub(crate) fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
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
