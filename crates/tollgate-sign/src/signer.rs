//! Signing requests, for clients and tests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, HeaderValue};
use rand::TryRng;
use rand::rngs::SysRng;
use sfv::{BareItem, Dictionary, FieldType, InnerList, Item, Key, ListEntry};

use crate::component::{BaseError, signature_base};
use crate::{DigestAlgorithm, Request, SigningKey, content_digest};

/// Why a request cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The key id, the label or a covered field's name cannot be written in the fields (a key
    /// id is printable ASCII; a label is a lowercase structured-field key).
    #[error("the key id, label or a field name cannot be written in Signature-Input")]
    InvalidName,
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
    label: Key,
    fields: Vec<sfv::String>,
}

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
            label: Key::from_string("sig".to_owned()).map_err(|_| SignError::InvalidName)?,
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
    /// [`SignError`]: a covered field is missing, or no nonce could be made.
    pub fn sign(
        &self,
        request: &Request<'_>,
        headers: &mut HeaderMap,
        body: &[u8],
        created: u64,
    ) -> Result<(), SignError> {
        let mut covered = vec!["@method", "@authority", "@path"];
        if request.query().is_some() {
            covered.push("@query");
        }
        if !body.is_empty() {
            let digest = content_digest(body, DigestAlgorithm::Sha256);
            headers.insert("content-digest", header_value(&digest)?);
            covered.push("content-digest");
        }
        let mut items: Vec<Item> = covered
            .into_iter()
            .map(|name| sf_string(name).map(|name| Item::new(BareItem::String(name))))
            .collect::<Result<_, _>>()?;
        items.extend(
            self.fields
                .iter()
                .map(|name| Item::new(BareItem::String(name.clone()))),
        );

        let mut input = InnerList::new(items);
        let created = i64::try_from(created).map_err(|_| SignError::InvalidName)?;
        for (name, value) in [
            (
                "created",
                BareItem::Integer(
                    sfv::Integer::try_from(created).map_err(|_| SignError::InvalidName)?,
                ),
            ),
            ("keyid", BareItem::String(self.key_id.clone())),
            (
                "alg",
                BareItem::String(sf_string(self.key.algorithm().name())?),
            ),
            ("nonce", BareItem::String(sf_string(&nonce()?)?)),
        ] {
            let name = Key::from_string(name.to_owned()).map_err(|_| SignError::InvalidName)?;
            input.params.insert(name, value);
        }

        let base = signature_base(request, headers, &input)?;
        let signature = self.key.sign(&base);
        let mut inputs = Dictionary::new();
        inputs.insert(self.label.clone(), ListEntry::InnerList(input));
        let mut signatures = Dictionary::new();
        signatures.insert(
            self.label.clone(),
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
