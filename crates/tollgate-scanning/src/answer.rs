//! The answer to a report: for each token, whether it was a real credential.

use core::fmt;

use serde::Serialize;

use crate::ReportedToken;

/// Whether a reported token was a real credential: the `label` of GitHub's feedback format,
/// which allows exactly these two lowercase values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    /// `true_positive`: the token is one the issuer minted, active or not (already revoked,
    /// expired): the leak was real.
    TruePositive,
    /// `false_positive`: the text only looks like a token: it fails the format's checksum, or
    /// no such token was ever minted.
    FalsePositive,
}

impl Label {
    /// The label's text: `true_positive` or `false_positive`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TruePositive => "true_positive",
            Self::FalsePositive => "false_positive",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of the answer to a report (`200 OK`, `Content-Type: application/json`): a JSON
/// array with one object per token given, in order,
///
/// ```json
/// [{"token_hash":"<SHA-256 of the token, 64 lowercase hex digits>","token_type":"<type as reported>","label":"true_positive"}]
/// ```
///
/// the hashed form of GitHub's feedback format, so the answer never carries a token back.
/// The hash is [`ReportedToken::hash`], the same digest tollgate stores.
///
/// ```
/// use tollgate_scanning::{Label, Report, answer};
///
/// let report = Report::parse(br#"[{"token": "abc", "type": "example_token"}]"#)?;
/// let body = answer(report.tokens().iter().map(|token| (token, Label::FalsePositive)));
/// assert_eq!(
///     body,
///     r#"[{"token_hash":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","token_type":"example_token","label":"false_positive"}]"#
/// );
/// # Ok::<(), tollgate_scanning::ReportError>(())
/// ```
#[must_use]
pub fn answer<'a>(items: impl IntoIterator<Item = (&'a ReportedToken, Label)>) -> String {
    /// One entry of the answer, in the order GitHub's format names its fields.
    #[derive(Serialize)]
    struct Feedback<'t> {
        token_hash: String,
        token_type: &'t str,
        label: &'static str,
    }
    let entries: Vec<Feedback<'_>> = items
        .into_iter()
        .map(|(token, label)| Feedback {
            token_hash: token.hash().to_string(),
            token_type: token.token_type(),
            label: label.as_str(),
        })
        .collect();
    // Strings and a struct of them: serialising cannot fail.
    serde_json::to_string(&entries).unwrap_or_default()
}
