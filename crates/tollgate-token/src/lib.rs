#![doc = include_str!("../README.md")]

mod base62;
mod error;
mod format;
mod hash;
mod header;
mod hint;
mod name;
mod secret;
mod token;
mod validity;

pub use error::{
    HashParseError, HeaderError, HintParseError, InactiveToken, MintError, NameError, PrefixError,
    TokenParseError,
};
pub use format::{MAX_PREFIX_LEN, TokenFormat};
pub use hash::TokenHash;
pub use header::{AcceptedSchemes, Credentials, Scheme, parse_authorization};
pub use hint::TokenHint;
pub use name::TokenName;
pub use secret::{MintedToken, TokenSecret};
pub use token::Token;
pub use validity::Validity;

/// Shared types must be usable across threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TokenFormat>();
    assert_send_sync::<TokenHash>();
    assert_send_sync::<TokenHint>();
    assert_send_sync::<TokenSecret>();
    assert_send_sync::<TokenName>();
    assert_send_sync::<Token<'static>>();
    assert_send_sync::<Validity>();
};
