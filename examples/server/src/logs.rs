//! Where the server's logs go (stderr, as plain text) and which are kept (`RUST_LOG`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{Builder, LevelFilter};

/// The `RUST_LOG` setting, checked when the settings are read: its directives (as
/// [`EnvFilter`] reads them, such as `info,sqlx=debug`), or `info` when it is unset or empty
/// (the default).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogFilter(String);

impl LogFilter {
    /// Checks `RUST_LOG`'s value; the problem, naming it, when a directive does not parse.
    pub(crate) fn from_var(value: Option<String>) -> Result<Self, String> {
        let directives = value.unwrap_or_default();
        match builder().parse(&directives) {
            Ok(_) => Ok(Self(directives)),
            Err(error) => Err(format!(
                "RUST_LOG={directives:?} is not a log filter: {error}"
            )),
        }
    }
}

/// The filter's reading of `RUST_LOG`: `info` when there are no directives.
fn builder() -> Builder {
    EnvFilter::builder().with_default_directive(LevelFilter::INFO.into())
}

/// Sends the events `filter` keeps to stderr, one line each, for the rest of the process;
/// stdout stays for what the server prints on purpose (`listening on ...`). Does nothing if
/// logs already go somewhere.
pub fn install(filter: &LogFilter) {
    // The directives were checked by `from_var`, so reading them leniently drops none.
    let filter = builder().parse_lossy(&filter.0);
    let _already_installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_is_checked_and_defaults_to_info() {
        let unset = LogFilter::from_var(None).unwrap();
        assert_eq!(unset, LogFilter::default());
        assert_eq!(builder().parse_lossy(&unset.0).to_string(), "info");
        for valid in ["", "warn", "info,sqlx=debug", "audit=info,request=off"] {
            assert!(
                LogFilter::from_var(Some(valid.to_owned())).is_ok(),
                "{valid}"
            );
        }
        for invalid in ["sqlx=loud", "info,[unclosed"] {
            let problem = LogFilter::from_var(Some(invalid.to_owned())).unwrap_err();
            assert!(
                problem.starts_with(&format!("RUST_LOG={invalid:?} ")),
                "{problem}"
            );
        }
    }
}
