#![doc = include_str!("../README.md")]

mod component;
mod content_digest;
mod fields;
mod key;
mod nonces;
mod request;
mod signer;
mod verifier;

pub use component::BaseError;
pub use component::MAX_COVERED_COMPONENTS;
pub use content_digest::{DigestAlgorithm, DigestError, content_digest, verify_content_digest};
pub use fields::MAX_SIGNATURE_FIELD_BYTES;
pub use key::{Algorithm, KeyError, MIN_HMAC_SECRET_LEN, SigningKey, VerifyingKey};
pub use request::Request;
pub use signer::{SignError, Signer};
pub use verifier::{
    DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE, DEFAULT_MAX_NONCES, Verifier, VerifyError,
};

use http::HeaderMap;
use sfv::ListEntry;

/// The signature base (RFC 9421 section 2.5) of the signature labelled `label` in the
/// request's `Signature-Input`: the exact bytes that were signed. For inspecting a signature
/// that does not verify, and for tests; [`Verifier::verify`] builds it itself.
///
/// # Errors
///
/// [`VerifyError::Missing`] when there is no such label, [`VerifyError::Malformed`] when the
/// field is not a dictionary of inner lists, and [`VerifyError::Base`] when a component is
/// unsupported or absent.
pub fn signature_base(
    request: &Request<'_>,
    headers: &HeaderMap,
    label: &str,
) -> Result<Vec<u8>, VerifyError> {
    let inputs = fields::dictionary(headers, "signature-input")
        .map_err(VerifyError::Malformed)?
        .ok_or(VerifyError::Missing)?;
    match inputs.get(label) {
        Some(ListEntry::InnerList(input)) => {
            Ok(component::signature_base(request, headers, input)?)
        }
        Some(ListEntry::Item(_)) => Err(VerifyError::Malformed("a member is not an inner list")),
        None => Err(VerifyError::Missing),
    }
}
