//! Signing requests, for clients and tests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, HeaderValue};
use rand::TryRng;
use rand::rngs::SysRng;
use sfv::{
    BareItem, Dictionary, FieldType, InnerList, Item, KeyRef, ListEntry, StringRef, key_ref,
    string_ref,
};

use crate::component::{BaseError, signature_base};
use crate::{DigestAlgorithm, Request, SigningKey, content_digest};

/// Why a request cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The key id or a covered field's name cannot be written in `Signature-Input`: both are
    /// printable ASCII.
    #[error("a key id or field name is printable ASCII: it cannot be written in Signature-Input")]
    InvalidName,
    /// `created` is past what a structured-field integer holds (999 999 999 999 999).
    #[error("created is past the largest time a signature can carry")]
    CreatedOutOfRange,
    /// The signature base cannot be built, such as for a covered field the request lacks.
    #[error(transparent)]
    Base(#[from] BaseError),
    /// The operating system's random number generator failed to make a nonce.
    #[error("the system's random number generator failed")]
    Random,
}

/// Signs requests with one key under one key id, covering what [`crate::Verifier`]'s default
/// policy requires: `@method`, `@authority`, `@path`, `@query` when there is a query, and
/// `content-digest` when there is a body, plus the fields added with [`Signer::covering`]. The
/// parameters are `created`, `keyid`, `alg` and a random 128-bit `nonce`.
#[derive(Debug, Clone)]
pub struct Signer {
    key_id: sfv::String,
    key: SigningKey,
    fields: Vec<sfv::String>,
}

// Names written in every signature, checked when compiled.
/// The label of the signature a [`Signer`] makes.
const LABEL: &KeyRef = key_ref("sig");
/// The components every signature covers; `@query` and `content-digest` when there are a query
/// and a body.
const ALWAYS_COVERED: [&StringRef; 3] = [
    string_ref("@method"),
    string_ref("@authority"),
    string_ref("@path"),
];
const QUERY: &StringRef = string_ref("@query");
const CONTENT_DIGEST: &StringRef = string_ref("content-digest");
/// The parameters, in the order written.
const PARAMS: [&KeyRef; 4] = [
    key_ref("created"),
    key_ref("keyid"),
    key_ref("alg"),
    key_ref("nonce"),
];

impl Signer {
    /// A signer for `key` under `key_id`, with the label `sig`.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidName`] when `key_id` is not printable ASCII.
    pub fn new(key_id: &str, key: SigningKey) -> Result<Self, SignError> {
        Ok(Self {
            key_id: sf_string(key_id)?,
            key,
            fields: Vec::new(),
        })
    }

    /// Covers the header field `name` too (it must be in every request signed).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidName`] when `name` is not a valid field name.
    pub fn covering(mut self, name: &str) -> Result<Self, SignError> {
        self.fields.push(sf_string(&name.to_ascii_lowercase())?);
        Ok(self)
    }

    /// Signs `request` with `body`, created at `created` (Unix seconds): sets `Content-Digest`
    /// (SHA-256) in `headers` when the body is not empty, then `Signature-Input` and
    /// `Signature`, replacing any there.
    ///
    /// # Errors
    ///
    /// [`SignError`]: a covered field is missing, `created` is out of range, or no nonce could
    /// be made.
    pub fn sign(
        &self,
        request: &Request<'_>,
        headers: &mut HeaderMap,
        body: &[u8],
        created: u64,
    ) -> Result<(), SignError> {
        let created = i64::try_from(created)
            .ok()
            .and_then(|created| sfv::Integer::try_from(created).ok())
            .ok_or(SignError::CreatedOutOfRange)?;
        let mut covered: Vec<sfv::String> = ALWAYS_COVERED.map(ToOwned::to_owned).into();
        if request.query().is_some() {
            covered.push(QUERY.to_owned());
        }
        if !body.is_empty() {
            let digest = content_digest(body, DigestAlgorithm::Sha256);
            headers.insert("content-digest", header_value(&digest)?);
            covered.push(CONTENT_DIGEST.to_owned());
        }
        covered.extend(self.fields.iter().cloned());
        let items = covered
            .into_iter()
            .map(|name| Item::new(BareItem::String(name)))
            .collect();

        let mut input = InnerList::new(items);
        let values = [
            BareItem::Integer(created),
            BareItem::String(self.key_id.clone()),
            BareItem::String(sf_string(self.key.algorithm().name())?),
            BareItem::String(sf_string(&nonce()?)?),
        ];
        for (name, value) in PARAMS.into_iter().zip(values) {
            input.params.insert(name.to_owned(), value);
        }

        let base = signature_base(request, headers, &input)?;
        let signature = self.key.sign(&base);
        let mut inputs = Dictionary::new();
        inputs.insert(LABEL.to_owned(), ListEntry::InnerList(input));
        let mut signatures = Dictionary::new();
        signatures.insert(
            LABEL.to_owned(),
            ListEntry::Item(Item::new(BareItem::ByteSequence(signature))),
        );
        headers.insert(
            "signature-input",
            header_value(&inputs.serialize().unwrap_or_default())?,
        );
        headers.insert(
            "signature",
            header_value(&signatures.serialize().unwrap_or_default())?,
        );
        Ok(())
    }
}

fn sf_string(text: &str) -> Result<sfv::String, SignError> {
    sfv::String::from_string(text.to_owned()).map_err(|_| SignError::InvalidName)
}

fn header_value(text: &str) -> Result<HeaderValue, SignError> {
    HeaderValue::from_str(text).map_err(|_| SignError::InvalidName)
}

/// 128 random bits, base64url without padding.
fn nonce() -> Result<String, SignError> {
    let mut bytes = [0u8; 16];
    SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| SignError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
