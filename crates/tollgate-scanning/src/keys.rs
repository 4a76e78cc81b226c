//! The reporter's public keys, as its key list publishes them, and the check of a report's
//! signature.

use core::fmt;
use core::marker::PhantomData;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::bounded::BoundedArray;

/// The most keys a key list may hold. GitHub's holds a handful (the current key and the
/// retired ones still listed).
pub const MAX_KEYS: usize = 64;

/// The longest `key` text accepted, in bytes. An SPKI PEM P-256 public key is about 180
/// bytes; the rest is room for other line endings and whitespace.
pub const MAX_KEY_PEM_LEN: usize = 4 * 1024;

/// The longest `key_identifier` accepted, in bytes. GitHub's are 64 hexadecimal digits (a
/// SHA-256). A longer key-id header is unknown without further work.
pub const MAX_KEY_ID_LEN: usize = 128;

/// The longest key list accepted, in bytes: room for [`MAX_KEYS`] keys of
/// [`MAX_KEY_PEM_LEN`] bytes with their identifiers and JSON.
pub const MAX_KEY_LIST_LEN: usize = 512 * 1024;

/// The longest signature header accepted, in bytes, refused before it is decoded. An ASN.1
/// DER ECDSA P-256 signature is at most 72 bytes, 96 in base64.
pub const MAX_SIGNATURE_LEN: usize = 256;

/// The header naming the key that signed a GitHub report: one of the list's
/// `key_identifier`s. In lowercase, as `http::HeaderName::from_static` wants it.
pub const GITHUB_KEY_IDENTIFIER_HEADER: &str = "github-public-key-identifier";

/// The header carrying the signature of a GitHub report: base64 of an ASN.1 DER
/// ECDSA P-256 SHA-256 signature of the raw request body. In lowercase.
pub const GITHUB_SIGNATURE_HEADER: &str = "github-public-key-signature";

/// Where GitHub publishes its secret-scanning key list, to be saved by the operator and given
/// to [`ReporterKeys::from_json`] (this crate does no I/O).
pub const GITHUB_KEYS_URL: &str = "https://api.github.com/meta/public_keys/secret_scanning";

/// Standard base64, padded or not; the signature is checked afterwards, so accepting both
/// spellings costs nothing.
const SIGNATURE_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a key list is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeysError {
    /// The text is longer than [`MAX_KEY_LIST_LEN`].
    #[error("the key list is {len} bytes, more than {max}")]
    TooLarge {
        /// The text's length in bytes.
        len: usize,
        /// The limit, [`MAX_KEY_LIST_LEN`].
        max: usize,
    },
    /// The text is not a JSON object with a `public_keys` array of objects, or a field has
    /// the wrong type. The message is serde_json's (the list is public: it holds no secret).
    #[error("the key list is not the expected JSON: {0}")]
    Malformed(String),
    /// The list holds no key: no report could ever be verified.
    #[error("the key list holds no key")]
    Empty,
    /// The list holds more than [`MAX_KEYS`] keys.
    #[error("the key list holds more than {max} keys")]
    TooManyKeys {
        /// The limit, [`MAX_KEYS`].
        max: usize,
    },
    /// An entry of `public_keys` is refused.
    #[error("key {index} of the list ({key_identifier:?}): {reason}")]
    Entry {
        /// The entry's position in `public_keys`, from 0.
        index: usize,
        /// The entry's `key_identifier` as given (empty when absent), cut to
        /// [`MAX_KEY_ID_LEN`] bytes.
        key_identifier: String,
        /// What is wrong with it.
        reason: KeyEntryError,
    },
}

/// What is wrong with one entry of a key list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyEntryError {
    /// The entry has no `key_identifier`.
    #[error("no key_identifier")]
    MissingIdentifier,
    /// The `key_identifier` is empty, longer than [`MAX_KEY_ID_LEN`] bytes, or holds a byte
    /// that is not visible ASCII (a header value could not name it).
    #[error("the key_identifier is not 1 to {MAX_KEY_ID_LEN} visible ASCII characters")]
    InvalidIdentifier,
    /// Another entry before it has the same `key_identifier`.
    #[error("the key_identifier is listed twice")]
    DuplicateIdentifier,
    /// The entry has no `key`.
    #[error("no key")]
    MissingKey,
    /// The `key` is longer than [`MAX_KEY_PEM_LEN`].
    #[error("the key is {len} bytes, more than {max}")]
    KeyTooLong {
        /// The key text's length in bytes.
        len: usize,
        /// The limit, [`MAX_KEY_PEM_LEN`].
        max: usize,
    },
    /// The `key` is not a P-256 public key in SPKI PEM (`-----BEGIN PUBLIC KEY-----`); the
    /// decoder's message says why.
    #[error("the key is not a P-256 public key in SPKI PEM: {0}")]
    InvalidKey(String),
}

/// Why a report's signature is refused. A server answers `401 Unauthorized` to all of them;
/// they are distinct for logs and metrics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The key-id header names no key of the list (or a key dropped by
    /// [`ReporterKeys::current_only`]). The key list may be out of date.
    #[error("the signing key is not in the key list")]
    UnknownKey,
    /// The signature header is longer than [`MAX_SIGNATURE_LEN`]; it was not decoded.
    #[error("the signature is {len} bytes, more than {max}")]
    SignatureTooLong {
        /// The header value's length in bytes.
        len: usize,
        /// The limit, [`MAX_SIGNATURE_LEN`].
        max: usize,
    },
    /// The signature header is not standard base64.
    #[error("the signature is not base64")]
    MalformedBase64,
    /// The decoded signature is not an ASN.1 DER ECDSA P-256 signature.
    #[error("the signature is not an ASN.1 DER ECDSA P-256 signature")]
    MalformedSignature,
    /// The signature is well formed but is not the key's signature of this body: the body
    /// was changed, or was not signed by that key.
    #[error("the signature does not match the body")]
    BadSignature,
}

/// One key of a reporter's key list: its `key_identifier`, the key, and whether the list
/// marks it current (`true` when the entry does not say).
#[derive(Clone)]
struct ReporterKey {
    id: String,
    key: VerifyingKey,
    current: bool,
}

impl fmt::Debug for ReporterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReporterKey")
            .field("id", &self.id)
            .field("is_current", &self.current)
            .finish_non_exhaustive()
    }
}

/// A secret-scanning reporter's public keys: ECDSA P-256 keys, each named by a key
/// identifier, that check the signatures of its reports.
///
/// Read from the key list the reporter publishes, saved by the operator in a file or an
/// environment variable: [`from_json`](Self::from_json). Every listed key is accepted,
/// current or retired, as the reporter may still sign with a key it is retiring;
/// [`current_only`](Self::current_only) keeps only those marked current.
#[derive(Clone, Debug)]
pub struct ReporterKeys {
    keys: Vec<ReporterKey>,
}

impl ReporterKeys {
    /// Reads a key list in the shape GitHub publishes at [`GITHUB_KEYS_URL`]:
    ///
    /// ```json
    /// {"public_keys": [{"key_identifier": "90a4…", "key": "-----BEGIN PUBLIC KEY-----\n…", "is_current": true}]}
    /// ```
    ///
    /// Other fields, at either level, are ignored; `is_current` may be left out (the key then
    /// counts as current). At most [`MAX_KEYS`] keys of at most [`MAX_KEY_PEM_LEN`] bytes,
    /// in a text of at most [`MAX_KEY_LIST_LEN`] bytes.
    ///
    /// # Errors
    ///
    /// [`KeysError::TooLarge`] and [`KeysError::TooManyKeys`] past the bounds,
    /// [`KeysError::Malformed`] when the JSON is not of that shape, [`KeysError::Empty`] for
    /// a list without keys, and [`KeysError::Entry`], naming the entry by position and
    /// identifier, when an entry lacks its identifier or key, repeats an identifier, or its
    /// key is not a P-256 public key in SPKI PEM.
    pub fn from_json(text: &str) -> Result<Self, KeysError> {
        if text.len() > MAX_KEY_LIST_LEN {
            return Err(KeysError::TooLarge {
                len: text.len(),
                max: MAX_KEY_LIST_LEN,
            });
        }
        let mut failure = None;
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let parsed = KeyListSeed {
            failure: &mut failure,
        }
        .deserialize(&mut deserializer)
        .and_then(|keys| deserializer.end().map(|()| keys));
        let keys = match (parsed, failure) {
            (_, Some(refusal)) => return Err(refusal),
            (Err(error), None) => return Err(KeysError::Malformed(error.to_string())),
            (Ok(keys), None) => keys,
        };
        if keys.is_empty() {
            return Err(KeysError::Empty);
        }
        for (index, key) in keys.iter().enumerate() {
            if keys.iter().take(index).any(|earlier| earlier.id == key.id) {
                return Err(KeysError::Entry {
                    index,
                    key_identifier: key.id.clone(),
                    reason: KeyEntryError::DuplicateIdentifier,
                });
            }
        }
        Ok(Self { keys })
    }

    /// The same keys less those the list marks as not current (`"is_current": false`): for a
    /// server that wants retired keys refused as soon as the reporter retires them. A report
    /// signed by a dropped key is then [`VerifyError::UnknownKey`].
    ///
    /// The result may be empty (no report then verifies); [`len`](Self::len) tells.
    #[must_use]
    pub fn current_only(mut self) -> Self {
        self.keys.retain(|key| key.current);
        self
    }

    /// How many keys there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no keys (possible only after [`current_only`](Self::current_only)).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key named `key_id`, if listed.
    fn get(&self, key_id: &[u8]) -> Option<&ReporterKey> {
        if key_id.len() > MAX_KEY_ID_LEN {
            return None;
        }
        self.keys.iter().find(|key| key.id.as_bytes() == key_id)
    }

    /// Checks a report's signature: `signature` (base64 of an ASN.1 DER ECDSA P-256
    /// SHA-256 signature) must be the signature of the raw request `body` by the key named
    /// `key_id`. The two are the header values as received (for GitHub,
    /// [`GITHUB_KEY_IDENTIFIER_HEADER`] and [`GITHUB_SIGNATURE_HEADER`]): `&str`, `&[u8]`
    /// and `http::HeaderValue` are all accepted.
    ///
    /// Call it on the body exactly as received, before parsing it: the signature covers its
    /// bytes, not its meaning.
    ///
    /// # Errors
    ///
    /// [`VerifyError::SignatureTooLong`] before any decoding for a header longer than
    /// [`MAX_SIGNATURE_LEN`], [`VerifyError::UnknownKey`], [`VerifyError::MalformedBase64`],
    /// [`VerifyError::MalformedSignature`] and [`VerifyError::BadSignature`]. A server
    /// answers `401` to each.
    pub fn verify(
        &self,
        key_id: impl AsRef<[u8]>,
        signature: impl AsRef<[u8]>,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        let signature = signature.as_ref();
        if signature.len() > MAX_SIGNATURE_LEN {
            return Err(VerifyError::SignatureTooLong {
                len: signature.len(),
                max: MAX_SIGNATURE_LEN,
            });
        }
        let key = self.get(key_id.as_ref()).ok_or(VerifyError::UnknownKey)?;
        let mut der = [0u8; MAX_SIGNATURE_LEN / 4 * 3];
        let len = SIGNATURE_BASE64
            .decode_slice(signature, &mut der)
            .map_err(|_| VerifyError::MalformedBase64)?;
        let der = der.get(..len).ok_or(VerifyError::MalformedBase64)?;
        let signature = Signature::from_der(der).map_err(|_| VerifyError::MalformedSignature)?;
        key.key
            .verify(body, &signature)
            .map_err(|_| VerifyError::BadSignature)
    }
}

/// An entry of `public_keys` as written, checked by [`check_entry`].
#[derive(Deserialize)]
struct RawKey {
    key_identifier: Option<String>,
    key: Option<String>,
    is_current: Option<bool>,
}

fn check_entry(index: usize, raw: RawKey) -> Result<ReporterKey, KeysError> {
    let refuse = |key_identifier: Option<&str>, reason| KeysError::Entry {
        index,
        key_identifier: key_identifier.map(cut_identifier).unwrap_or_default(),
        reason,
    };
    let Some(id) = raw.key_identifier else {
        return Err(refuse(None, KeyEntryError::MissingIdentifier));
    };
    let id_is_valid = !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id.bytes().all(|byte| byte.is_ascii_graphic());
    if !id_is_valid {
        return Err(refuse(Some(&id), KeyEntryError::InvalidIdentifier));
    }
    let Some(pem) = raw.key else {
        return Err(refuse(Some(&id), KeyEntryError::MissingKey));
    };
    if pem.len() > MAX_KEY_PEM_LEN {
        let reason = KeyEntryError::KeyTooLong {
            len: pem.len(),
            max: MAX_KEY_PEM_LEN,
        };
        return Err(refuse(Some(&id), reason));
    }
    let pem = pem.trim();
    if !pem.starts_with("-----BEGIN PUBLIC KEY-----") {
        let reason = "not a PEM public key: it must start with -----BEGIN PUBLIC KEY-----";
        return Err(refuse(
            Some(&id),
            KeyEntryError::InvalidKey(reason.to_owned()),
        ));
    }
    let key = VerifyingKey::from_public_key_pem(pem)
        .map_err(|error| refuse(Some(&id), KeyEntryError::InvalidKey(error.to_string())))?;
    Ok(ReporterKey {
        id,
        key,
        current: raw.is_current.unwrap_or(true),
    })
}

/// An identifier for an error message: at most [`MAX_KEY_ID_LEN`] bytes, cut at a character
/// boundary.
fn cut_identifier(id: &str) -> String {
    let end = id.floor_char_boundary(MAX_KEY_ID_LEN);
    id.get(..end).unwrap_or_default().to_owned()
}

/// The key list's top level: an object whose `public_keys` is read with a bound, every other
/// field skipped.
struct KeyListSeed<'f> {
    failure: &'f mut Option<KeysError>,
}

impl<'de> DeserializeSeed<'de> for KeyListSeed<'_> {
    type Value = Vec<ReporterKey>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Vec<ReporterKey>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeyListSeed<'_> {
    type Value = Vec<ReporterKey>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a `public_keys` array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<ReporterKey>, A::Error> {
        let mut keys = None;
        while let Some(field) = map.next_key::<String>()? {
            if field != "public_keys" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if keys.is_some() {
                return Err(de::Error::duplicate_field("public_keys"));
            }
            keys = Some(map.next_value_seed(BoundedArray {
                max: MAX_KEYS,
                too_many: KeysError::TooManyKeys { max: MAX_KEYS },
                convert: check_entry,
                failure: &mut *self.failure,
                elements: PhantomData::<fn(RawKey) -> ReporterKey>,
            })?);
        }
        keys.ok_or_else(|| de::Error::missing_field("public_keys"))
    }
}
