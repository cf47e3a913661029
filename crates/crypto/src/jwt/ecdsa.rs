//! ECDSA P-256 signatures in their one canonical ("low-S") form.
//!
//! An ECDSA signature `(r, s)` has a twin, `(r, n - s)`, that verifies just as well: anyone can
//! turn a token into a second, different token text with the same claims (malleability). Every
//! signature this codec makes is normalised to the low half (`s <= n/2`, as Bitcoin's BIP 62
//! and libsecp256k1 do), and verification refuses the high half, so each token has exactly one
//! accepted text: what is revoked, cached or logged by its text cannot be dodged with its twin.

/// The order `n` of the P-256 group, big-endian (SEC 2 §2.4.2).
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `n / 2`, rounded down: the largest low `s`.
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// The length of a fixed-size ES256 signature, `r || s` (RFC 7518 §3.4).
pub(super) const SIGNATURE_LEN: usize = 64;

/// Whether a fixed-size ES256 signature has the high `s` (`s > n/2`); anything that is not 64
/// bytes is not one of ours either.
pub(super) fn is_high_s(signature: &[u8]) -> bool {
    match signature.get(32..SIGNATURE_LEN) {
        Some(s) if signature.len() == SIGNATURE_LEN => s > &HALF_ORDER[..],
        _ => true,
    }
}

/// Replaces a high `s` by `n - s`, in place: the same signature in its low form.
pub(super) fn normalize(signature: &mut [u8]) {
    if signature.len() != SIGNATURE_LEN || !is_high_s(signature) {
        return;
    }
    let s = &mut signature[32..];
    let mut borrow = 0u16;
    for i in (0..32).rev() {
        let (n, x) = (u16::from(ORDER[i]), u16::from(s[i]) + borrow);
        let (digit, next) = if n >= x { (n - x, 0) } else { (n + 256 - x, 1) };
        s[i] = u8::try_from(digit).unwrap_or_default();
        borrow = next;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;
    use crate::jwt::{EcKeyGenerator, JwtCodec};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use latchkey_access::{
        AccessClaims, AccessTokenCodec as _, KeyGenerator as _, SigningAlgorithm, SigningKey,
        VerifyError,
    };
    use latchkey_oauth::IdTokenSigner as _;
    use latchkey_tenancy::{IdTokenAlg, OrgAccess, ScopeSet};

    fn codec() -> JwtCodec {
        let codec = JwtCodec::new("https://id.example".into(), "latchkey".into());
        let key = SigningKey {
            kid: "k1".into(),
            algorithm: SigningAlgorithm::Es256,
            private_pkcs8: EcKeyGenerator.generate(SigningAlgorithm::Es256).unwrap(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        codec.load(&[key]).unwrap();
        codec
    }

    /// An ES256 ID token signed by the same key, whose claims read exactly like an access
    /// token's (issuer, audience and all): only its `typ` tells it apart.
    #[test]
    fn an_id_token_with_the_claims_of_an_access_token_is_not_one() {
        let codec = codec();
        let claims = serde_json::json!({
            "iss": "https://id.example", "sub": "client", "aud": "latchkey", "iat": 1,
            "exp": 4_000_000_000_i64, "jti": uuid::Uuid::nil().to_string(),
            "client_id": "client", "scope": "tokens", "orgs": ["*"],
        });
        let id_token = codec.sign_id_token(IdTokenAlg::Es256, &claims).unwrap();
        assert_eq!(codec.verify(&id_token), Err(VerifyError::WrongType));
    }

    #[test]
    fn the_codec_signs_low_s_and_refuses_the_high_s_twin() {
        let codec = codec();
        for n in 0..16_u128 {
            let claims = AccessClaims {
                issuer: "https://id.example".into(),
                subject: "client".into(),
                audience: "latchkey".into(),
                client_id: "client".into(),
                issued_at: 1,
                expires_at: 2,
                jwt_id: uuid::Uuid::from_u128(n),
                scopes: ScopeSet::CUSTOMER_DEFAULT,
                orgs: OrgAccess::All,
                credential: None,
                sign_in: None,
            };
            let token = codec.sign(&claims).unwrap();
            let (signed, signature) = token.rsplit_once('.').unwrap();
            let mut signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
            assert!(!is_high_s(&signature));
            // The twin: n - s.
            let low = signature.clone();
            let s = &mut signature[32..];
            let mut borrow = 0i16;
            for i in (0..32).rev() {
                let mut d = i16::from(ORDER[i]) - i16::from(low[32 + i]) - borrow;
                borrow = i16::from(d < 0);
                if d < 0 {
                    d += 256;
                }
                s[i] = u8::try_from(d).unwrap();
            }
            assert!(is_high_s(&signature));
            let twin = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(&signature));
            assert_eq!(codec.verify(&twin), Err(VerifyError::BadSignature));
            assert_eq!(codec.verify(&token), Ok(claims));
        }
    }

    #[test]
    fn half_the_order_is_the_largest_low_s() {
        let mut signature = [0u8; 64];
        signature[32..].copy_from_slice(&HALF_ORDER);
        assert!(!is_high_s(&signature));
        signature[63] += 1;
        assert!(is_high_s(&signature));
        assert!(is_high_s(&[0u8; 63]), "not a fixed-size signature");
    }

    #[test]
    fn normalising_gives_n_minus_s_and_leaves_a_low_s_alone() {
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&[7; 32]);
        // s = n - 1 (high) becomes 1.
        signature[32..].copy_from_slice(&ORDER);
        signature[63] -= 1;
        normalize(&mut signature);
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(&signature[32..], &one[..]);
        assert_eq!(&signature[..32], &[7; 32][..], "r is untouched");
        normalize(&mut signature);
        assert_eq!(&signature[32..], &one[..]);
        // s = n/2 + 1 becomes n/2 (n is odd).
        signature[32..].copy_from_slice(&HALF_ORDER);
        signature[63] += 1;
        normalize(&mut signature);
        assert_eq!(&signature[32..], &HALF_ORDER[..]);
    }
}
