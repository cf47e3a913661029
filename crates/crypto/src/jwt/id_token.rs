//! ID tokens (OpenID Connect Core §2), signed with the active key of the client's algorithm.

use super::JwtCodec;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
}
