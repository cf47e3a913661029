//! The refusals of the [`AccessTokenCodec`] contract: what is not a token of this ring, of its
//! issuer and audience, typed `at+jwt`, in the one (low-S) text of its signature, does not
//! verify.

use super::*;

/// "MUST refuse with `VerifyError::Malformed` what is not a compact JWS."
pub fn what_is_not_a_jws_is_malformed(codec: &dyn AccessTokenCodec, keys: &Keys) {
    load(codec, &[&keys.es1]);
    for garbage in ["", "not-a-jwt", "a.b.c", "..", "Bearer x.y.z"] {
        assert_eq!(
            codec.verify(garbage),
            Err(VerifyError::Malformed),
            "{garbage:?} must be refused as Malformed"
        );
    }
}

/// "`VerifyError::BadSignature` [for] one whose signature does not verify with the ring's key
/// of that `kid` (signed by another key)": the same kid on other key material.
pub fn another_key_with_the_same_kid_is_a_bad_signature(
    codec: &dyn AccessTokenCodec,
    impostor: &dyn AccessTokenCodec,
    keys: &Keys,
) {
    load(codec, &[&keys.es1]);
    let forged_key = SigningKey {
        kid: keys.es1.kid.clone(),
        ..keys.es2.clone()
    };
    load(impostor, &[&forged_key]);
    let forged = sign(impostor, &service_claims(ISSUER, AUDIENCE));
    assert_eq!(
        codec.verify(&forged),
        Err(VerifyError::BadSignature),
        "a token signed by another key under a known kid must be a BadSignature"
    );
}

/// "... or changed": a token's payload or signature swapped for another token's.
pub fn a_changed_token_is_a_bad_signature(codec: &dyn AccessTokenCodec, keys: &Keys) {
    load(codec, &[&keys.es1]);
    let first = sign(codec, &service_claims(ISSUER, AUDIENCE));
    let second = sign(codec, &customer_claims());
    let parts = |token: &str| -> Vec<String> { token.split('.').map(str::to_owned).collect() };
    let (a, b) = (parts(&first), parts(&second));
    assert_eq!(
        (a.len(), b.len()),
        (3, 3),
        "a signed token is a compact JWS"
    );
    let payload_swapped = format!("{}.{}.{}", a[0], b[1], a[2]);
    let signature_swapped = format!("{}.{}.{}", a[0], a[1], b[2]);
    for changed in [payload_swapped, signature_swapped] {
        assert_eq!(
            codec.verify(&changed),
            Err(VerifyError::BadSignature),
            "a changed token must be a BadSignature"
        );
    }
}

/// "MUST refuse with `VerifyError::WrongType` one whose header's `typ` is not `at+jwt`": the
/// header of a signed token retyped (`JWT`, as an ID token's) or its `typ` left out.
pub fn a_token_that_is_not_typed_at_jwt_is_wrong_type(codec: &dyn AccessTokenCodec, keys: &Keys) {
    load(codec, &[&keys.es1]);
    let token = sign(codec, &service_claims(ISSUER, AUDIENCE));
    let parts: Vec<&str> = token.split('.').collect();
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .unwrap_or_else(|| panic!("a signed token's header is base64url JSON"));
    assert_eq!(header["typ"], "at+jwt", "access tokens are typed at+jwt");
    for typ in [Some("JWT"), Some("id+jwt"), None] {
        let mut retyped = header.clone();
        match typ {
            Some(t) => retyped["typ"] = serde_json::json!(t),
            None => {
                if let Some(h) = retyped.as_object_mut() {
                    h.remove("typ");
                }
            }
        }
        let forged = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(retyped.to_string()),
            parts[1],
            parts[2]
        );
        assert_eq!(
            codec.verify(&forged),
            Err(VerifyError::WrongType),
            "a token typed {typ:?} must be refused as WrongType"
        );
    }
}

/// The order of P-256, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `n - s` of a fixed-size ES256 signature `r || s`: its malleable twin.
fn twin(signature: &[u8]) -> Vec<u8> {
    let mut twin = signature.to_vec();
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut digit = i16::from(P256_ORDER[i]) - i16::from(signature[32 + i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        twin[32 + i] = u8::try_from(digit).unwrap_or_default();
    }
    twin
}

/// "Signs ... in the low-S form" and "MUST refuse with `VerifyError::BadSignature` ... the
/// high-S twin of a signature" (ECDSA malleability): every signature's `s` is at most `n/2`,
/// and the same signature with `n - s`, which verifies mathematically, is refused.
pub fn signatures_are_low_s_and_their_high_s_twins_are_refused(
    codec: &dyn AccessTokenCodec,
    keys: &Keys,
) {
    load(codec, &[&keys.es1]);
    // Half of all ECDSA signatures are high-S: 32 tokens all low-S is no accident.
    for n in 0..32 {
        let claims = AccessClaims {
            jwt_id: uuid(100 + n),
            ..service_claims(ISSUER, AUDIENCE)
        };
        let token = sign(codec, &claims);
        let (signed, signature) = token.rsplit_once('.').unwrap_or_default();
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .unwrap_or_else(|e| panic!("a signature is base64url: {e}"));
        assert_eq!(
            signature.len(),
            64,
            "an ES256 signature is r || s, 64 bytes"
        );
        let high = twin(&signature);
        assert!(
            high[32..] > signature[32..],
            "signature {n} has a low s (its twin is the high one)"
        );
        let forged = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(&high));
        assert_eq!(
            codec.verify(&forged),
            Err(VerifyError::BadSignature),
            "the high-S twin of signature {n} must be refused"
        );
        assert_eq!(codec.verify(&token), Ok(claims));
    }
}

/// "`VerifyError::WrongAudience` [for] one whose issuer or audience is not this codec's", even
/// when signed with the ring's own key.
pub fn another_issuer_or_audience_is_wrong_audience(
    codec: &dyn AccessTokenCodec,
    other_issuer: &dyn AccessTokenCodec,
    other_audience: &dyn AccessTokenCodec,
    keys: &Keys,
) {
    for c in [codec, other_issuer, other_audience] {
        load(c, &[&keys.es1]);
    }
    let evil = sign(
        other_issuer,
        &service_claims("https://evil.example", AUDIENCE),
    );
    let elsewhere = sign(other_audience, &service_claims(ISSUER, "another-api"));
    for (token, what) in [(evil, "another issuer"), (elsewhere, "another audience")] {
        assert_eq!(
            codec.verify(&token),
            Err(VerifyError::WrongAudience),
            "a token of {what} must be refused as WrongAudience"
        );
    }
}
