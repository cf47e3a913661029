//! Access tokens as JWTs (RFC 7519, profile of RFC 9068), ES256 by default.
//!
//! Signing uses a key pair parsed once per key ring load (aws-lc-rs): `jsonwebtoken::encode`
//! re-parses the PKCS#8 key on every call, which halves ES256 throughput. Verification goes
//! through `jsonwebtoken::decode`, which checks the algorithm, the signature, `iss` and `aud`.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use latchkey_authn::IdTokenSigner;
use latchkey_core::BoxError;
use latchkey_tenancy::IdTokenAlg;
use latchkey_tenancy::{OrgAccess, ScopeSet};
use latchkey_token::{
    AccessClaims, AccessTokenCodec, KeyGenerator, SigningAlgorithm, SigningKey, VerifyError,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

/// The claims as they are read back.
#[derive(Debug, Deserialize)]
struct WireClaims {
    iss: String,
    sub: String,
    aud: String,
    iat: i64,
    exp: i64,
    jti: String,
    client_id: String,
    scope: String,
    orgs: Vec<String>,
    #[serde(default)]
    credential: Option<uuid::Uuid>,
}

/// The claims as they are signed (borrowed: nothing copied per token).
#[derive(Debug, Serialize)]
struct OutgoingClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    client_id: &'a str,
    scope: String,
    orgs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<uuid::Uuid>,
}

#[derive(Debug, Serialize)]
struct WireHeader<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

struct ActiveKey {
    /// The base64url of the JOSE header, which is the same for every token the key signs.
    header_b64: String,
    /// The same for ID tokens (`typ` `JWT`).
    id_header_b64: String,
    pair: EcdsaKeyPair,
}

/// The active RS256 key: it signs the ID tokens of clients that use RS256.
struct RsaKey {
    id_header_b64: String,
    pair: RsaKeyPair,
}

#[derive(Default)]
struct Ring {
    active: Option<ActiveKey>,
    rsa: Option<RsaKey>,
    /// ES256 keys only: access tokens are never RS256.
    verifiers: HashMap<String, DecodingKey>,
    jwks: serde_json::Value,
}

/// Signs and verifies access tokens with the loaded key ring, and publishes it as a JWKS.
pub struct JwtCodec {
    issuer: String,
    audience: String,
    ring: RwLock<Arc<Ring>>,
    rng: SystemRandom,
}

impl std::fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtCodec")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

impl JwtCodec {
    pub fn new(issuer: String, audience: String) -> Self {
        Self {
            issuer,
            audience,
            ring: RwLock::default(),
            rng: SystemRandom::new(),
        }
    }

    fn ring(&self) -> Arc<Ring> {
        self.ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The public keys as a JWK Set (RFC 7517).
    pub fn jwks(&self) -> serde_json::Value {
        self.ring().jwks.clone()
    }

    fn validation(&self) -> Validation {
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is the domain's decision, made with its clock (`AccessTokenVerifier`).
        validation.validate_exp = false;
        validation.leeway = 0;
        validation
    }
}

fn public_jwk(
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

fn parse_pair(key: &SigningKey) -> Result<EcdsaKeyPair, BoxError> {
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &key.private_pkcs8).map_err(|e| {
        format!(
            "signing key {} is not a valid P-256 PKCS#8 key: {e}",
            key.kid
        )
        .into()
    })
}

fn parse_rsa(key: &SigningKey) -> Result<RsaKeyPair, BoxError> {
    RsaKeyPair::from_pkcs8(&key.private_pkcs8)
        .map_err(|e| format!("signing key {} is not a valid RSA PKCS#8 key: {e}", key.kid).into())
}

fn rsa_jwk(kid: &str, pair: &RsaKeyPair) -> serde_json::Value {
    let public = pair.public_key();
    let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
    let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
    serde_json::json!({
        "kty": "RSA", "n": n, "e": e, "kid": kid, "use": "sig", "alg": "RS256",
    })
}

fn header_b64(alg: &'static str, typ: &'static str, kid: &str) -> Result<String, BoxError> {
    let header = WireHeader { alg, typ, kid };
    Ok(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?))
}

impl AccessTokenCodec for JwtCodec {
    fn load(&self, keys: &[SigningKey]) -> Result<(), BoxError> {
        let mut ring = Ring::default();
        let mut jwks = Vec::with_capacity(keys.len());
        // Keys come oldest first: the last one of each algorithm signs.
        for key in keys {
            match key.algorithm {
                SigningAlgorithm::Es256 => {
                    let pair = parse_pair(key)?;
                    let (jwk, decoding) = public_jwk(&key.kid, &pair)?;
                    jwks.push(jwk);
                    ring.verifiers.insert(key.kid.clone(), decoding);
                    ring.active = Some(ActiveKey {
                        header_b64: header_b64("ES256", "at+jwt", &key.kid)?,
                        id_header_b64: header_b64("ES256", "JWT", &key.kid)?,
                        pair,
                    });
                }
                SigningAlgorithm::Rs256 => {
                    let pair = parse_rsa(key)?;
                    jwks.push(rsa_jwk(&key.kid, &pair));
                    ring.rsa = Some(RsaKey {
                        id_header_b64: header_b64("RS256", "JWT", &key.kid)?,
                        pair,
                    });
                }
            }
        }
        ring.jwks = serde_json::json!({ "keys": jwks });
        *self.ring.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(ring);
        Ok(())
    }

    fn sign(&self, claims: &AccessClaims) -> Result<String, BoxError> {
        let ring = self.ring();
        let active = ring.active.as_ref().ok_or("no signing key loaded")?;
        let wire = OutgoingClaims {
            iss: &claims.issuer,
            sub: &claims.subject,
            aud: &claims.audience,
            iat: claims.issued_at,
            exp: claims.expires_at,
            jti: claims.jwt_id.to_string(),
            client_id: &claims.client_id,
            scope: claims.scopes.to_string(),
            orgs: claims.orgs.to_strings(),
            credential: claims.credential,
        };
        let claims_json = serde_json::to_vec(&wire)?;
        let mut token =
            String::with_capacity(active.header_b64.len() + claims_json.len() * 4 / 3 + 100);
        token.push_str(&active.header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims_json, &mut token);
        let signature = active
            .pair
            .sign(&self.rng, token.as_bytes())
            .map_err(|e| e.to_string())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut token);
        Ok(token)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        let ring = self.ring();
        let kid = header.kid.ok_or(VerifyError::UnknownKey)?;
        let key = ring.verifiers.get(&kid).ok_or(VerifyError::UnknownKey)?;
        let data = jsonwebtoken::decode::<WireClaims>(token, key, &self.validation()).map_err(
            |e| match e.kind() {
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => VerifyError::WrongAudience,
                ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => {
                    VerifyError::BadSignature
                }
                ErrorKind::MissingRequiredClaim(_)
                | ErrorKind::InvalidClaimFormat(_)
                | ErrorKind::Json(_) => VerifyError::InvalidClaims,
                _ => VerifyError::Malformed,
            },
        )?;
        let wire = data.claims;
        Ok(AccessClaims {
            issuer: wire.iss,
            subject: wire.sub,
            audience: wire.aud,
            client_id: wire.client_id,
            issued_at: wire.iat,
            expires_at: wire.exp,
            jwt_id: uuid::Uuid::try_parse(&wire.jti).map_err(|_| VerifyError::InvalidClaims)?,
            scopes: ScopeSet::parse_space_delimited(&wire.scope)
                .map_err(|_| VerifyError::InvalidClaims)?,
            orgs: OrgAccess::parse(&wire.orgs).map_err(|_| VerifyError::InvalidClaims)?,
            credential: wire.credential,
        })
    }
}

impl IdTokenSigner for JwtCodec {
    fn sign_id_token(
        &self,
        alg: IdTokenAlg,
        claims: &serde_json::Value,
    ) -> Result<String, BoxError> {
        let ring = self.ring();
        let claims_json = serde_json::to_vec(claims)?;
        let header = match alg {
            IdTokenAlg::Es256 => {
                &ring
                    .active
                    .as_ref()
                    .ok_or("no ES256 key loaded")?
                    .id_header_b64
            }
            IdTokenAlg::Rs256 => {
                &ring
                    .rsa
                    .as_ref()
                    .ok_or("no RS256 key loaded")?
                    .id_header_b64
            }
        };
        let mut token = String::with_capacity(header.len() + claims_json.len() * 4 / 3 + 400);
        token.push_str(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims_json, &mut token);
        let signature = match alg {
            IdTokenAlg::Es256 => {
                let key = ring.active.as_ref().ok_or("no ES256 key loaded")?;
                let signature = key
                    .pair
                    .sign(&self.rng, token.as_bytes())
                    .map_err(|e| e.to_string())?;
                signature.as_ref().to_vec()
            }
            IdTokenAlg::Rs256 => {
                let key = ring.rsa.as_ref().ok_or("no RS256 key loaded")?;
                let mut signature = vec![0; key.pair.public_modulus_len()];
                key.pair
                    .sign(
                        &RSA_PKCS1_SHA256,
                        &self.rng,
                        token.as_bytes(),
                        &mut signature,
                    )
                    .map_err(|e| e.to_string())?;
                signature
            }
        };
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail by panicking")]
    use super::*;
    use latchkey_tenancy::Scope;

    fn key() -> SigningKey {
        SigningKey {
            kid: "k1".into(),
            algorithm: SigningAlgorithm::Es256,
            private_pkcs8: EcKeyGenerator.generate(SigningAlgorithm::Es256).unwrap(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn claims(issuer: &str, audience: &str) -> AccessClaims {
        AccessClaims {
            issuer: issuer.into(),
            subject: "client".into(),
            audience: audience.into(),
            client_id: "client".into(),
            issued_at: 1,
            expires_at: 2,
            jwt_id: uuid::Uuid::nil(),
            scopes: [Scope::Tokens].into_iter().collect(),
            orgs: OrgAccess::All,
            credential: None,
        }
    }

    fn codec(issuer: &str, audience: &str, key: &SigningKey) -> JwtCodec {
        let codec = JwtCodec::new(issuer.into(), audience.into());
        codec.load(std::slice::from_ref(key)).unwrap();
        codec
    }

    #[test]
    fn a_token_verifies_with_its_own_issuer_and_audience() {
        let key = key();
        let codec = codec("https://id.example", "latchkey", &key);
        let token = codec
            .sign(&claims("https://id.example", "latchkey"))
            .unwrap();
        assert_eq!(
            codec.verify(&token),
            Ok(claims("https://id.example", "latchkey"))
        );
    }

    #[test]
    fn another_audience_or_issuer_is_refused_even_with_the_right_key() {
        let key = key();
        let other_audience = codec("https://id.example", "other", &key);
        let token = other_audience
            .sign(&claims("https://id.example", "other"))
            .unwrap();
        assert_eq!(
            codec("https://id.example", "latchkey", &key).verify(&token),
            Err(VerifyError::WrongAudience)
        );
        let other_issuer = codec("https://evil.example", "latchkey", &key);
        let token = other_issuer
            .sign(&claims("https://evil.example", "latchkey"))
            .unwrap();
        assert_eq!(
            codec("https://id.example", "latchkey", &key).verify(&token),
            Err(VerifyError::WrongAudience)
        );
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let key = key();
        let codec = codec("https://id.example", "latchkey", &key);
        let token = codec
            .sign(&claims("https://id.example", "latchkey"))
            .unwrap();
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let forged = claims("https://id.example", "latchkey");
        let payload = serde_json::json!({
            "iss": forged.issuer, "sub": "root", "aud": forged.audience, "iat": 1, "exp": 2,
            "jti": uuid::Uuid::nil().to_string(), "client_id": "root", "scope": "tokens", "orgs": ["*"],
        });
        parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        assert_eq!(
            codec.verify(&parts.join(".")),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn a_key_that_is_no_longer_loaded_does_not_verify() {
        let old = key();
        let codec = codec("https://id.example", "latchkey", &old);
        let token = codec
            .sign(&claims("https://id.example", "latchkey"))
            .unwrap();
        let mut new = key();
        new.kid = "k2".into();
        codec.load(&[new]).unwrap();
        assert_eq!(codec.verify(&token), Err(VerifyError::UnknownKey));
    }
}
