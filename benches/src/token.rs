//! `tollgate-token`: verifying a presented token against its stored hash, next to SHA-256
//! alone (the floor) and next to `prefixed-api-key`'s check of its own tokens.

use std::sync::Arc;

use prefixed_api_key::PrefixedApiKeyController;
use prefixed_api_key::rand::rngs::OsRng;
use prefixed_api_key::sha2::Sha256 as PakSha256;
use sha2::{Digest, Sha256};
use tollgate::token::{TokenFormat, TokenHash};

use super::{DISTINCT_INPUTS, Workload, same};

/// Minted tokens (text and stored hash), the inputs of every token workload.
pub struct MintedTokens {
    format: TokenFormat,
    tokens: Vec<(String, TokenHash)>,
}

impl MintedTokens {
    /// `count` tokens of the `tg` format.
    pub fn new(count: usize) -> Self {
        let format = TokenFormat::new("tg").expect("valid prefix");
        let tokens = (0..count)
            .map(|_| {
                let minted = format.mint().expect("the OS random generator works");
                (minted.secret.expose_secret().to_owned(), minted.hash)
            })
            .collect();
        Self { format, tokens }
    }

    /// The format the tokens were minted with.
    pub fn format(&self) -> &TokenFormat {
        &self.format
    }

    /// The text of token `index` (cycling) and its stored hash.
    pub fn get(&self, index: usize) -> (&str, &TokenHash) {
        let (text, hash) = &self.tokens[index % self.tokens.len()];
        (text, hash)
    }
}

/// Ours: parse (prefix, length, alphabet, CRC-32 checksum), SHA-256, constant-time compare.
pub struct TokenVerify(pub Arc<MintedTokens>);

impl Workload for TokenVerify {
    type Input = usize;
    type Output = bool;

    fn input(&self, iteration: usize) -> usize {
        iteration
    }

    fn run(&self, index: usize) -> bool {
        let (text, stored) = self.0.get(index);
        self.0
            .format
            .parse(text)
            .is_ok_and(|token| token.verify(stored))
    }
}

/// The floor: SHA-256 alone of the same bytes.
pub struct Sha256Alone(pub Arc<MintedTokens>);

impl Workload for Sha256Alone {
    type Input = usize;
    type Output = [u8; 32];

    fn input(&self, iteration: usize) -> usize {
        iteration
    }

    fn run(&self, index: usize) -> [u8; 32] {
        Sha256::digest(self.0.get(index).0.as_bytes()).into()
    }
}

/// The peer: `prefixed-api-key` parsing its own token (`mycompany_<short>_<long>`), hashing
/// the long part with SHA-256 to hex, and comparing in constant time with the stored hex.
pub struct PrefixedApiKeyCheck {
    controller: PrefixedApiKeyController<OsRng, PakSha256>,
    keys: Vec<(String, String)>,
}

impl PrefixedApiKeyCheck {
    /// `count` keys of the crate's default shape, with their stored hashes.
    pub fn new(count: usize) -> Self {
        let controller = PrefixedApiKeyController::configure()
            .prefix("mycompany".to_owned())
            .seam_defaults()
            .finalize()
            .expect("complete configuration");
        let keys = (0..count)
            .map(|_| {
                let (key, hash) = controller.generate_key_and_hash();
                (key.to_string(), hash)
            })
            .collect();
        Self { controller, keys }
    }
}

impl Workload for PrefixedApiKeyCheck {
    type Input = usize;
    type Output = bool;

    fn input(&self, iteration: usize) -> usize {
        iteration
    }

    fn run(&self, index: usize) -> bool {
        let (text, stored) = &self.keys[index % self.keys.len()];
        prefixed_api_key::PrefixedApiKey::from_string(text)
            .is_ok_and(|key| self.controller.check_hash(&key, stored))
    }
}

/// The three sides of the token comparisons, built once.
pub struct TokenComparison {
    /// Ours: parse and verify a token against its stored hash.
    pub ours: TokenVerify,
    /// The floor: one SHA-256 of the same token text.
    pub floor: Sha256Alone,
    /// The peer: prefixed-api-key's check of the same kind of token.
    pub peer: PrefixedApiKeyCheck,
}

impl TokenComparison {
    /// The three sides over the same minted tokens.
    pub fn new() -> Self {
        let tokens = Arc::new(MintedTokens::new(DISTINCT_INPUTS));
        Self {
            ours: TokenVerify(Arc::clone(&tokens)),
            floor: Sha256Alone(tokens),
            peer: PrefixedApiKeyCheck::new(DISTINCT_INPUTS),
        }
    }

    /// Every token verifies on both sides, and the floor hashes the bytes ours hashes.
    pub fn check(&self) -> Result<(), String> {
        for index in 0..DISTINCT_INPUTS {
            same("token verifies", self.ours.run(index), self.peer.run(index))?;
            same("token verifies", self.ours.run(index), true)?;
            let (text, _) = self.ours.0.get(index);
            same(
                "floor hash",
                *TokenHash::of(text).as_bytes(),
                self.floor.run(index),
            )?;
        }
        Ok(())
    }
}
