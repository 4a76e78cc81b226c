#![doc = include_str!("../README.md")]

mod answer;
mod bounded;
mod keys;
mod report;

pub use answer::{Label, answer};
pub use keys::{
    GITHUB_KEY_IDENTIFIER_HEADER, GITHUB_KEYS_URL, GITHUB_SIGNATURE_HEADER, KeyEntryError,
    KeysError, MAX_KEY_ID_LEN, MAX_KEY_LIST_LEN, MAX_KEY_PEM_LEN, MAX_KEYS, MAX_SIGNATURE_LEN,
    ReporterKeys, VerifyError,
};
pub use report::{ItemError, Report, ReportError, ReportLimits, ReportedToken};

/// Shared types must be usable across threads: a server keeps one `ReporterKeys` for all
/// requests.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ReporterKeys>();
    assert_send_sync::<Report>();
    assert_send_sync::<ReportedToken>();
};
