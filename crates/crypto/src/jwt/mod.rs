//! Access tokens as JWTs (RFC 7519, profile of RFC 9068), ES256 by default, and the ID tokens
//! of OpenID Connect (RS256 or ES256).
//!
//! Signing uses a key pair parsed once per key ring load (aws-lc-rs): `jsonwebtoken::encode`
//! re-parses the PKCS#8 key on every call, which halves ES256 throughput. Verification goes
//! through `jsonwebtoken::decode`, which checks the algorithm, the signature, `iss` and `aud`.

mod ecdsa;
mod id_token;
mod keys;
#[cfg(test)]
mod tests;

pub use keys::EcKeyGenerator;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use keys::{header_b64, parse_pair, parse_rsa, public_jwk, rsa_decoding, rsa_jwk};
use latchkey_access::{AccessClaims, AccessTokenCodec, SigningAlgorithm, SigningKey, VerifyError};
use latchkey_core::BoxError;
use latchkey_tenancy::{OrgAccess, ScopeSet, SignIn};
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
    #[serde(default)]
    auth_time: Option<i64>,
    #[serde(default)]
    amr: Option<Vec<String>>,
    #[serde(default)]
    sid: Option<uuid::Uuid>,
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
    /// A customer's sign-in (RFC 9068 §2.2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amr: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<uuid::Uuid>,
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
    /// Every key, with its algorithm: ID tokens are ES256 or RS256.
    id_verifiers: HashMap<String, (Algorithm, DecodingKey)>,
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
            // An empty JWK Set until the first load, never `null`.
            ring: RwLock::new(Arc::new(Ring {
                jwks: serde_json::json!({ "keys": [] }),
                ..Ring::default()
            })),
            rng: SystemRandom::new(),
        }
    }

    fn ring(&self) -> Arc<Ring> {
        self.ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
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
                    ring.id_verifiers
                        .insert(key.kid.clone(), (Algorithm::ES256, decoding.clone()));
                    ring.verifiers.insert(key.kid.clone(), decoding);
                    ring.active = Some(ActiveKey {
                        header_b64: header_b64("ES256", "at+jwt", &key.kid)?,
                        id_header_b64: header_b64("ES256", "JWT", &key.kid)?,
                        pair,
                    });
                }
                SigningAlgorithm::Rs256 => {
                    let pair = parse_rsa(key)?;
                    let jwk = rsa_jwk(&key.kid, &pair);
                    let decoding = rsa_decoding(&pair);
                    jwks.push(jwk);
                    ring.id_verifiers
                        .insert(key.kid.clone(), (Algorithm::RS256, decoding));
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
            auth_time: claims.sign_in.as_ref().map(|s| s.auth_time),
            amr: claims.sign_in.as_ref().map(|s| s.amr.as_slice()),
            sid: claims.sign_in.as_ref().and_then(|s| s.session),
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
        let mut signature = signature.as_ref().to_vec();
        ecdsa::normalize(&mut signature);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }

    fn jwks(&self) -> serde_json::Value {
        self.ring().jwks.clone()
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        // An access token says so (RFC 9068 §4): an ID token or any other JWT signed by these
        // keys is not one.
        if !header.typ.as_deref().is_some_and(is_access_token_type) {
            return Err(VerifyError::WrongType);
        }
        let ring = self.ring();
        let kid = header.kid.ok_or(VerifyError::UnknownKey)?;
        let key = ring.verifiers.get(&kid).ok_or(VerifyError::UnknownKey)?;
        // Only the low-S form of a signature is accepted: its malleable twin is refused.
        let signature = token.rsplit('.').next().unwrap_or_default();
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| VerifyError::Malformed)?;
        if ecdsa::is_high_s(&signature) {
            return Err(VerifyError::BadSignature);
        }
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
            sign_in: wire.auth_time.map(|auth_time| SignIn {
                auth_time,
                amr: wire.amr.unwrap_or_default(),
                session: wire.sid,
            }),
            credential: wire.credential,
        })
    }
}

/// `at+jwt`, or its full media type `application/at+jwt`, in any case (RFC 9068 §4, RFC 7515
/// §4.1.9).
fn is_access_token_type(typ: &str) -> bool {
    typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
}
