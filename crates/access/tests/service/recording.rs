//! The real codec with a record of what it signed, so a test can see that nothing was signed,
//! or exactly what was. It honours the codec's contract, checked below.

use latchkey_access::{AccessClaims, AccessTokenCodec, SigningKey, VerifyError};
use latchkey_core::BoxError;
use latchkey_crypto::{EcKeyGenerator, JwtCodec};
use latchkey_testkit::contracts;
use std::sync::{Mutex, PoisonError};

/// A [`JwtCodec`] that keeps the claims and token of every successful `sign`, in order.
#[derive(Debug)]
pub struct RecordingCodec {
    codec: JwtCodec,
    signed: Mutex<Vec<(AccessClaims, String)>>,
}

impl RecordingCodec {
    pub fn new(codec: JwtCodec) -> Self {
        Self {
            codec,
            signed: Mutex::default(),
        }
    }

    /// The claims and token of every token signed so far.
    pub fn signed(&self) -> Vec<(AccessClaims, String)> {
        self.signed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl AccessTokenCodec for RecordingCodec {
    fn load(&self, keys: &[SigningKey]) -> Result<(), BoxError> {
        self.codec.load(keys)
    }

    fn sign(&self, claims: &AccessClaims) -> Result<String, BoxError> {
        let token = self.codec.sign(claims)?;
        self.signed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((claims.clone(), token.clone()));
        Ok(token)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        self.codec.verify(token)
    }

    fn jwks(&self) -> serde_json::Value {
        self.codec.jwks()
    }
}

#[test]
fn recording_codec_honours_the_access_token_codec_contract() {
    contracts::access_token_codec::run(
        |issuer, audience| RecordingCodec::new(JwtCodec::new(issuer.into(), audience.into())),
        &EcKeyGenerator,
    );
}
