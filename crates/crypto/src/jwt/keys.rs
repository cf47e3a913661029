//! Key material: parsing the stored PKCS#8 keys, their public JWKs (RFC 7517), the JOSE
//! headers they sign with, and new key pairs.

use super::WireHeader;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use latchkey_access::{KeyGenerator, SigningAlgorithm, SigningKey};
use latchkey_core::BoxError;

pub(super) fn public_jwk(
    kid: &str,
    pair: &EcdsaKeyPair,
) -> Result<(serde_json::Value, DecodingKey), BoxError> {
    // An uncompressed P-256 point: 0x04 || X (32 bytes) || Y (32 bytes).
    let point = pair.public_key().as_ref();
    let (x, y) = match point {
        [4, rest @ ..] if rest.len() == 64 => rest.split_at(32),
        _ => return Err("unexpected P-256 public key encoding".into()),
    };
    let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
    let key = DecodingKey::from_ec_components(&x, &y)?;
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "use": "sig", "alg": "ES256",
    });
    Ok((jwk, key))
}

pub(super) fn parse_pair(key: &SigningKey) -> Result<EcdsaKeyPair, BoxError> {
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &key.private_pkcs8).map_err(|e| {
        format!(
            "signing key {} is not a valid P-256 PKCS#8 key: {e}",
            key.kid
        )
        .into()
    })
}

pub(super) fn parse_rsa(key: &SigningKey) -> Result<RsaKeyPair, BoxError> {
    RsaKeyPair::from_pkcs8(&key.private_pkcs8)
        .map_err(|e| format!("signing key {} is not a valid RSA PKCS#8 key: {e}", key.kid).into())
}

pub(super) fn rsa_jwk(kid: &str, pair: &RsaKeyPair) -> serde_json::Value {
    let public = pair.public_key();
    let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
    let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
    serde_json::json!({
        "kty": "RSA", "n": n, "e": e, "kid": kid, "use": "sig", "alg": "RS256",
    })
}

/// The verifying key of an RSA key pair (ID tokens of RS256 clients).
pub(super) fn rsa_decoding(pair: &RsaKeyPair) -> DecodingKey {
    let public = pair.public_key();
    DecodingKey::from_rsa_raw_components(
        public.modulus().big_endian_without_leading_zero(),
        public.exponent().big_endian_without_leading_zero(),
    )
}

pub(super) fn header_b64(
    alg: &'static str,
    typ: &'static str,
    kid: &str,
) -> Result<String, BoxError> {
    let header = WireHeader { alg, typ, kid };
    Ok(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?))
}

/// Generates key pairs with aws-lc-rs: P-256 for ES256, 2048-bit RSA for RS256.
#[derive(Debug, Default)]
pub struct EcKeyGenerator;

impl KeyGenerator for EcKeyGenerator {
    fn generate(&self, algorithm: SigningAlgorithm) -> Result<Vec<u8>, BoxError> {
        match algorithm {
            SigningAlgorithm::Es256 => {
                let doc = EcdsaKeyPair::generate_pkcs8(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    &SystemRandom::new(),
                )
                .map_err(|e| e.to_string())?;
                Ok(doc.as_ref().to_vec())
            }
            SigningAlgorithm::Rs256 => {
                use aws_lc_rs::encoding::AsDer as _;
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| e.to_string())?;
                let der = pair.as_der().map_err(|e| e.to_string())?;
                Ok(der.as_ref().to_vec())
            }
        }
    }
}
