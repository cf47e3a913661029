//! The crypto adapters run the contract suites of their ports (`latchkey-testkit`), like every
//! other adapter, and like the fast fakes that stand in for them in other crates' tests.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
    RSA_PKCS1_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey, VerificationAlgorithm,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_access::{AccessTokenCodec as _, SigningAlgorithm, SigningKey};
use latchkey_crypto::{AesGcmCipher, Argon2Hasher, EcKeyGenerator, JwtCodec, ThreadRandom};
use latchkey_testkit::contracts;
use std::sync::Arc;

#[tokio::test]
async fn argon2_hasher_honours_the_password_hasher_contract() {
    contracts::password_hasher::run(|| Argon2Hasher::new(2, Arc::new(ThreadRandom)).unwrap()).await;
}

#[test]
fn jwt_codec_honours_the_access_token_codec_contract() {
    contracts::access_token_codec::run(
        |issuer, audience| JwtCodec::new(issuer.to_owned(), audience.to_owned()),
        &EcKeyGenerator,
    );
}

#[test]
fn jwt_codec_honours_the_id_token_signer_contract() {
    contracts::id_token_signer::run(
        |keys| {
            let codec = JwtCodec::new("https://id.latchkey.test".into(), "latchkey-api".into());
            codec.load(keys).unwrap();
            codec
        },
        &EcKeyGenerator,
        signed_by,
    );
}

#[test]
fn aes_gcm_cipher_honours_the_secret_cipher_contract() {
    contracts::secret_cipher::run(|key| AesGcmCipher::from_bytes(&[key; 32]).unwrap());
}

/// Whether the compact JWS `token` carries a valid signature by `key`, checked with aws-lc's
/// own verifiers from the key's public part: independent of `JwtCodec`'s signing and JWKs.
fn signed_by(token: &str, key: &SigningKey) -> bool {
    let Some((signed, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let (algorithm, public): (&'static dyn VerificationAlgorithm, Vec<u8>) = match key.algorithm {
        SigningAlgorithm::Es256 => {
            let pair =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &key.private_pkcs8)
                    .unwrap();
            (
                &ECDSA_P256_SHA256_FIXED,
                pair.public_key().as_ref().to_vec(),
            )
        }
        SigningAlgorithm::Rs256 => {
            let pair = RsaKeyPair::from_pkcs8(&key.private_pkcs8).unwrap();
            (
                &RSA_PKCS1_2048_8192_SHA256,
                pair.public_key().as_ref().to_vec(),
            )
        }
    };
    UnparsedPublicKey::new(algorithm, public)
        .verify(signed.as_bytes(), &signature)
        .is_ok()
}
