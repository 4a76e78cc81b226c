//! The cause of a 500 or 503, for the server's log: the client gets a sentence without
//! details, the operator the error and its sources.

use core::fmt;
use std::error::Error;

use http::StatusCode;

/// Logs why a request is answered with `status` and `code`: `error` and its sources, at
/// `warn` for 503 (the database did not answer; the same request may work later) and at
/// `error` otherwise (a defect, or stored data the server cannot read).
///
/// The errors logged here come from the store, which never hands a secret to the database
/// (it stores and looks up hashes), and does not repeat the database URL, which may carry a
/// password; so neither appears in their text.
pub(crate) fn log(status: StatusCode, code: &'static str, error: &(dyn Error + 'static)) {
    // Quoted, with any line break escaped: the text is the driver's, not ours.
    let cause = Chain(error).to_string();
    let cause = cause.as_str();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::warn!(status = status.as_u16(), %code, cause, "the database is unavailable");
    } else {
        tracing::error!(status = status.as_u16(), %code, cause, "internal error");
    }
}

/// An error and its sources, `: `-separated. A source whose text ends the text before it
/// is not repeated: many errors already end with their source's message.
struct Chain<'a>(&'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut next = self.0.source();
        while let Some(source) = next {
            let text = source.to_string();
            if !shown.ends_with(&text) {
                write!(f, ": {text}")?;
            }
            shown = text;
            next = source.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tollgate_store::{AuthError, StoreError};

    use super::*;
    use crate as refusal;
    use crate::Realm;

    /// What `run` logged, as the server's plain-text format writes it.
    fn logged(run: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, run);
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn store_failures_log_their_cause_and_refusals_do_not() {
        let realm = Realm::new("tollgate").unwrap();
        let unavailable = StoreError::Unavailable("connection refused to 10.1.2.3".into());
        let log = logged(|| drop(refusal::auth_error(&AuthError::Store(unavailable), &realm)));
        assert!(log.contains(" WARN "), "{log}");
        let expected = "status=503 code=unavailable \
                        cause=\"the token database is unavailable: connection refused to 10.1.2.3\"";
        assert!(log.contains(expected), "{log}");

        let corrupt = StoreError::Corrupt("column scope: bad".into());
        let log = logged(|| drop(refusal::store_error(&corrupt)));
        assert!(log.contains(" ERROR "), "{log}");
        assert!(log.contains("status=500 code=internal"), "{log}");
        assert!(log.contains("column scope: bad"), "{log}");

        // The driver's text stays on one line, whatever it holds.
        let forged = StoreError::Corrupt("bad\n2026-01-01T00:00:00Z  INFO forged".into());
        let log = logged(|| drop(refusal::store_error(&forged)));
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(log.contains("bad\\n2026"), "{log}");

        let defect = StoreError::Corrupt("a defect".into());
        let log = logged(|| drop(refusal::internal(&defect)));
        assert!(log.contains(" ERROR "), "{log}");
        assert!(log.contains("status=500 code=internal"), "{log}");

        let log = logged(|| drop(refusal::store_error(&StoreError::UnknownToken)));
        assert_eq!(log, "");
    }

    /// An error with a message and an optional source.
    #[derive(Debug)]
    struct Link(&'static str, Option<Box<Link>>);

    impl fmt::Display for Link {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Link {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|link| link as &(dyn Error + 'static))
        }
    }

    fn link(text: &'static str, source: Option<Link>) -> Link {
        Link(text, source.map(Box::new))
    }

    #[test]
    fn chain_names_every_source_once() {
        let io = link("connection refused", None);
        let driver = link(
            "error communicating with database: connection refused",
            Some(io),
        );
        let store = link("the token database is unavailable", Some(driver));
        assert_eq!(
            Chain(&store).to_string(),
            "the token database is unavailable: error communicating with database: connection refused"
        );
        let repeated = link("unavailable: timed out", Some(link("timed out", None)));
        assert_eq!(Chain(&repeated).to_string(), "unavailable: timed out");
    }
}
