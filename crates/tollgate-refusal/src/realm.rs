//! `WWW-Authenticate: Bearer` challenges (RFC 6750 section 3).

use std::sync::Arc;

use http::HeaderValue;

use crate::RealmError;

/// The protection space named in challenges, such as `tollgate`.
///
/// Validated once so that every challenge built from it is a valid header value: 1 to 64
/// printable ASCII characters other than `"` and `\`. Cloned into every authenticated
/// request (tollgate-http's `AuthLayer` does), so a clone is one reference count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm(Arc<Challenges>);

/// A realm's three challenges, built once, and its name for the rarer ones.
#[derive(Debug, PartialEq, Eq)]
struct Challenges {
    name: Box<str>,
    missing: HeaderValue,
    invalid_token: HeaderValue,
    insufficient_scope: HeaderValue,
}

impl Realm {
    /// Validates `name` and prepares its three challenges.
    ///
    /// # Errors
    /// [`RealmError`] when `name` is empty, longer than 64 bytes, or holds a character other
    /// than printable ASCII without `"` and `\`.
    pub fn new(name: &str) -> Result<Self, RealmError> {
        let printable = name
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
        if name.is_empty() || name.len() > 64 || !printable {
            return Err(RealmError);
        }
        let value = |suffix: &str| {
            HeaderValue::from_str(&format!("Bearer realm=\"{name}\"{suffix}"))
                .map_err(|_| RealmError)
        };
        Ok(Self(Arc::new(Challenges {
            name: name.into(),
            missing: value("")?,
            invalid_token: value(", error=\"invalid_token\"")?,
            insufficient_scope: value(", error=\"insufficient_scope\"")?,
        })))
    }

    /// For a request without credentials: `Bearer realm="..."`.
    #[must_use]
    pub fn missing(&self) -> HeaderValue {
        self.0.missing.clone()
    }

    /// For malformed, unknown, revoked or expired credentials.
    #[must_use]
    pub fn invalid_token(&self) -> HeaderValue {
        self.0.invalid_token.clone()
    }

    /// For a token whose scope (or user) does not allow the operation.
    #[must_use]
    pub fn insufficient_scope(&self) -> HeaderValue {
        self.0.insufficient_scope.clone()
    }

    /// For a request refused by its signature (HTTP Message Signatures), naming the error:
    /// `Bearer realm="...", error="signature_required"`, and so on.
    #[must_use]
    pub(crate) fn signature_error(&self, code: &'static str) -> HeaderValue {
        // The realm and the code are printable ASCII without quotes, so this is a valid value.
        HeaderValue::from_str(&format!(
            "Bearer realm=\"{}\", error=\"{code}\"",
            self.0.name
        ))
        .unwrap_or_else(|_| self.invalid_token())
    }
}
