//! ID tokens (OpenID Connect Core §2), signed with the active key of the client's algorithm,
//! and read back (an `id_token_hint`) with any key of the ring.

use super::JwtCodec;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Validation;
use latchkey_core::BoxError;
use latchkey_oauth::IdTokenSigner;
use latchkey_tenancy::IdTokenAlg;

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

    fn verify_id_token(&self, token: &str, issuer: &str) -> Result<serde_json::Value, BoxError> {
        let header = jsonwebtoken::decode_header(token)?;
        // An access token is signed by the same ES256 keys: its `typ` tells it apart (RFC 9068
        // §4), so it never passes for an ID token.
        if header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("at+jwt"))
        {
            return Err("an access token is not an ID token".into());
        }
        let ring = self.ring();
        let kid = header.kid.ok_or("the token names no key")?;
        let (alg, key) = ring.id_verifiers.get(&kid).ok_or("no such key")?;
        let mut validation = Validation::new(*alg);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["iss", "sub", "aud"]);
        // The audience is the client, which the caller reads from the claims; an expired hint
        // is still a hint (RP-Initiated Logout 1.0 §2).
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.leeway = 0;
        Ok(jsonwebtoken::decode::<serde_json::Value>(token, key, &validation)?.claims)
    }
}
