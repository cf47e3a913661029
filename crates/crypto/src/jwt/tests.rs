//! Unit tests of the JWT codec: a token verifies with its own issuer, audience and key only.

#![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

use super::*;
use latchkey_access::KeyGenerator as _;
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
        sign_in: None,
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

#[test]
fn the_key_set_is_empty_not_null_before_the_first_load() {
    let codec = JwtCodec::new("https://issuer".into(), "latchkey".into());
    assert_eq!(codec.jwks(), serde_json::json!({ "keys": [] }));
}

#[test]
fn an_access_token_never_reads_back_as_an_id_token() {
    use latchkey_oauth::IdTokenSigner as _;
    let codec = codec("https://id.example", "api", &key());
    let access = codec.sign(&claims("https://id.example", "api")).unwrap();
    assert!(
        codec
            .verify_id_token(&access, "https://id.example")
            .is_err()
    );
    let id_token = codec
        .sign_id_token(
            latchkey_tenancy::IdTokenAlg::Es256,
            &serde_json::json!({"iss": "https://id.example", "sub": "s", "aud": "c", "exp": 1}),
        )
        .unwrap();
    assert_eq!(
        codec
            .verify_id_token(&id_token, "https://id.example")
            .unwrap()["aud"],
        "c",
        "an expired ID token reads back"
    );
}
