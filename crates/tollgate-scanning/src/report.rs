//! A leak report's body: the tokens found, where, and by which pattern.

use core::fmt;
use core::marker::PhantomData;

use serde::Deserialize;
use serde::de::DeserializeSeed as _;
use tollgate_token::TokenHash;
use zeroize::Zeroize;

use crate::bounded::BoundedArray;

/// How much of a report [`Report::parse_with`] accepts. [`ReportLimits::DEFAULT`] (also
/// [`Default`]) holds the limits [`Report::parse`] applies; change one with struct update
/// syntax: `ReportLimits { max_items: 5000, ..ReportLimits::DEFAULT }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportLimits {
    /// The longest body, in bytes: 1 MiB by default. A server reads at most this much (one
    /// byte more tells it the body is too long) and answers `413` past it.
    pub max_body_len: usize,
    /// The most tokens in one report: 1000 by default. GitHub does not document how many
    /// matches it sends at once; a report with more is refused whole
    /// ([`ReportError::TooManyItems`]), so a server that expects larger batches raises this.
    pub max_items: usize,
    /// The longest `token`, in bytes: 512 by default.
    pub max_token_len: usize,
    /// The longest `type`, in bytes: 256 by default.
    pub max_type_len: usize,
    /// The longest `url`, in bytes: 2048 by default.
    pub max_url_len: usize,
    /// The longest `source`, in bytes: 256 by default.
    pub max_source_len: usize,
}

impl ReportLimits {
    /// The limits of [`Report::parse`].
    pub const DEFAULT: Self = Self {
        max_body_len: 1024 * 1024,
        max_items: 1000,
        max_token_len: 512,
        max_type_len: 256,
        max_url_len: 2048,
        max_source_len: 256,
    };
}

impl Default for ReportLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a report is refused, whole: no token of it is processed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The body is longer than [`ReportLimits::max_body_len`]: `413 Content Too Large`.
    #[error("the report is {len} bytes, more than {max}")]
    TooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The report holds more than [`ReportLimits::max_items`] tokens: `413 Content Too
    /// Large` as well.
    #[error("the report holds more than {max} tokens")]
    TooManyItems {
        /// The limit.
        max: usize,
    },
    /// The body is not a JSON array of objects, or a known field is not a string: `400`.
    /// Only the position is kept, never serde_json's message, which can quote the body and so
    /// a token.
    #[error("the report is not a JSON array of objects (line {line}, column {column})")]
    Malformed {
        /// The line of the error, from 1.
        line: usize,
        /// The column of the error, from 1.
        column: usize,
    },
    /// One element of the array is refused: `400`.
    #[error("token {index} of the report: {reason}")]
    Item {
        /// The element's position in the array, from 0.
        index: usize,
        /// What is wrong with it.
        reason: ItemError,
    },
}

impl ReportError {
    /// Whether the report was refused for its size ([`TooLarge`](Self::TooLarge) or
    /// [`TooManyItems`](Self::TooManyItems)): `413` rather than `400`.
    #[must_use]
    pub fn is_too_large(&self) -> bool {
        matches!(self, Self::TooLarge { .. } | Self::TooManyItems { .. })
    }
}

/// What is wrong with one element of a report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ItemError {
    /// The element has no `token` (or it is `null`).
    #[error("no token")]
    MissingToken,
    /// A field is longer than its limit.
    #[error("the {field} is {len} bytes, more than {max}")]
    TooLong {
        /// The field's name: `token`, `type`, `url` or `source`.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// Its limit.
        max: usize,
    },
}

/// One match of a report: a token the reporter found in public, and where.
///
/// The token is a working credential until it is revoked, so it is kept as a secret: `Debug`
/// shows only its length, reading it takes [`expose_secret`](Self::expose_secret), and its
/// memory is wiped when the value is dropped (best effort: the request body it was read from
/// belongs to the caller).
pub struct ReportedToken {
    token: String,
    token_type: String,
    url: String,
    source: String,
}

impl ReportedToken {
    /// The token's text, as found: to parse and checksum with the issuer's token format
    /// before any lookup.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.token
    }

    /// The SHA-256 of the token's text: what tollgate's stores look tokens up by, and what
    /// [`answer`](crate::answer) sends back in its place.
    #[must_use]
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.token)
    }

    /// The `type` reported: the name of the reporter's pattern that matched, echoed in the
    /// answer. Empty when the report leaves it out.
    #[must_use]
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The public URL where the token was found, for the audit record and the owner's
    /// notice. May be empty (GitHub says so).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the token was found, in the reporter's words (GitHub: `content`, `commit`,
    /// `pull_request_description`, `npm`, …). Empty when the report leaves it out.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for ReportedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token's length, never its text.
        let redacted = format_args!("<redacted, {} bytes>", self.token.len());
        f.debug_struct("ReportedToken")
            .field("token", &redacted)
            .field("token_type", &self.token_type)
            .field("url", &self.url)
            .field("source", &self.source)
            .finish()
    }
}

impl Drop for ReportedToken {
    fn drop(&mut self) {
        self.token.zeroize();
    }
}

/// A leak report: the tokens a secret-scanning service found in public, checked against
/// bounds. Read it after the signature is verified ([`ReporterKeys::verify`]).
///
/// [`ReporterKeys::verify`]: crate::ReporterKeys::verify
#[derive(Debug)]
pub struct Report {
    tokens: Vec<ReportedToken>,
}

impl Report {
    /// Reads a report in GitHub's shape, a JSON array of matches:
    ///
    /// ```json
    /// [{"token": "…", "type": "mycompany_api_token", "url": "https://github.com/…", "source": "content"}]
    /// ```
    ///
    /// with the bounds of [`ReportLimits::DEFAULT`]: a body of at most 1 MiB, at most 1000
    /// tokens, each `token` at most 512 bytes, `type` and `source` at most 256, `url` at most
    /// 2048. `token` is required; `type`, `url` and `source` may be absent or `null` (then
    /// empty); other fields are ignored, as services add some. An empty array is a report of
    /// nothing. Tokens are kept in the report's order, duplicates included.
    ///
    /// # Errors
    ///
    /// [`ReportError::TooLarge`] and [`ReportError::TooManyItems`] past the size bounds
    /// (`413`), [`ReportError::Malformed`] when the body is not a JSON array of objects with
    /// string fields, and [`ReportError::Item`], naming the element, for a missing `token`
    /// or a field too long (`400`).
    pub fn parse(body: &[u8]) -> Result<Self, ReportError> {
        Self::parse_with(body, &ReportLimits::DEFAULT)
    }

    /// [`parse`](Self::parse) with other limits.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse), against `limits`.
    pub fn parse_with(body: &[u8], limits: &ReportLimits) -> Result<Self, ReportError> {
        if body.len() > limits.max_body_len {
            return Err(ReportError::TooLarge {
                len: body.len(),
                max: limits.max_body_len,
            });
        }
        let mut failure = None;
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let parsed = BoundedArray {
            max: limits.max_items,
            too_many: ReportError::TooManyItems {
                max: limits.max_items,
            },
            convert: |index, raw| check_item(index, raw, limits),
            failure: &mut failure,
            elements: PhantomData::<fn(RawItem) -> ReportedToken>,
        }
        .deserialize(&mut deserializer)
        .and_then(|tokens| deserializer.end().map(|()| tokens));
        match (parsed, failure) {
            (_, Some(refusal)) => Err(refusal),
            (Err(error), None) => Err(ReportError::Malformed {
                line: error.line(),
                column: error.column(),
            }),
            (Ok(tokens), None) => Ok(Self { tokens }),
        }
    }

    /// The tokens, in the report's order.
    #[must_use]
    pub fn tokens(&self) -> &[ReportedToken] {
        &self.tokens
    }

    /// How many tokens the report holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the report holds no token.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// An element of a report as written, checked by [`check_item`]. Once an element is read, its
/// token's text is wiped however the check ends: it moves into a [`ReportedToken`] first. An
/// element that fails to deserialize (a field of the wrong type) drops its text unwiped.
#[derive(Deserialize)]
struct RawItem {
    token: Option<String>,
    #[serde(rename = "type")]
    token_type: Option<String>,
    url: Option<String>,
    source: Option<String>,
}

fn check_item(
    index: usize,
    raw: RawItem,
    limits: &ReportLimits,
) -> Result<ReportedToken, ReportError> {
    let refuse = |reason| ReportError::Item { index, reason };
    let Some(token) = raw.token else {
        return Err(refuse(ItemError::MissingToken));
    };
    let reported = ReportedToken {
        token,
        token_type: raw.token_type.unwrap_or_default(),
        url: raw.url.unwrap_or_default(),
        source: raw.source.unwrap_or_default(),
    };
    let fields = [
        ("token", reported.token.len(), limits.max_token_len),
        ("type", reported.token_type.len(), limits.max_type_len),
        ("url", reported.url.len(), limits.max_url_len),
        ("source", reported.source.len(), limits.max_source_len),
    ];
    for (field, len, max) in fields {
        if len > max {
            return Err(refuse(ItemError::TooLong { field, len, max }));
        }
    }
    Ok(reported)
}
