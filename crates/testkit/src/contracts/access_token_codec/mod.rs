//! The contract of [`AccessTokenCodec`] (`latchkey_access::ports`).
//!
//! `make(issuer, audience)` builds a codec with an empty ring; key material comes from the
//! caller's [`KeyGenerator`] (the suite cannot make keys itself: testkit holds no crypto).

mod refusals;

pub use refusals::*;

use super::begin;
use crate::fixtures::{T0, uuid};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_access::{AccessClaims, AccessTokenCodec, KeyGenerator, SigningAlgorithm};
use latchkey_access::{SigningKey, VerifyError};
use latchkey_tenancy::{OrgAccess, Scope, ScopeSet, SignIn};
use time::Duration;

/// The issuer and audience of the codec under test.
pub const ISSUER: &str = "https://id.latchkey.test";
pub const AUDIENCE: &str = "latchkey-api";

/// The keys the checks load: two ES256 keys and an RS256 one, from the caller's generator.
#[derive(Debug, Clone)]
pub struct Keys {
    /// ES256, created at [`T0`].
    pub es1: SigningKey,
    /// RS256, created an hour after [`T0`].
    pub rs1: SigningKey,
    /// ES256, created two hours after [`T0`].
    pub es2: SigningKey,
}

impl Keys {
    /// Makes the keys with `generator`.
    pub fn generate(generator: &dyn KeyGenerator) -> Self {
        let key = |kid: &str, algorithm, hours| {
            let private_pkcs8 = generator
                .generate(algorithm)
                .unwrap_or_else(|e| panic!("generating {kid}: {e}"));
            SigningKey {
                kid: kid.to_owned(),
                algorithm,
                private_pkcs8,
                created_at: T0 + Duration::hours(hours),
            }
        };
        Self {
            es1: key("es-1", SigningAlgorithm::Es256, 0),
            rs1: key("rs-1", SigningAlgorithm::Rs256, 1),
            es2: key("es-2", SigningAlgorithm::Es256, 2),
        }
    }
}

/// Runs every check, each on fresh codecs from `make`, with keys from `generator`.
pub fn run<F, C>(make: F, generator: &dyn KeyGenerator)
where
    F: Fn(&str, &str) -> C,
    C: AccessTokenCodec,
{
    let keys = Keys::generate(generator);
    let fresh = || make(ISSUER, AUDIENCE);
    let port = "AccessTokenCodec";
    begin(port, "a_signed_token_verifies_to_the_same_claims");
    a_signed_token_verifies_to_the_same_claims(&fresh(), &keys);
    begin(port, "verify_does_not_check_expiry");
    verify_does_not_check_expiry(&fresh(), &keys);
    begin(port, "the_newest_es256_key_signs");
    the_newest_es256_key_signs(&fresh(), &keys);
    begin(port, "every_es256_key_of_the_ring_verifies");
    every_es256_key_of_the_ring_verifies(&fresh(), &keys);
    begin(port, "a_key_no_longer_loaded_does_not_verify");
    a_key_no_longer_loaded_does_not_verify(&fresh(), &keys);
    begin(port, "a_failed_load_leaves_the_ring_as_it_was");
    a_failed_load_leaves_the_ring_as_it_was(&fresh(), &keys);
    begin(port, "sign_fails_without_an_es256_key");
    sign_fails_without_an_es256_key(&fresh(), &keys);
    begin(port, "what_is_not_a_jws_is_malformed");
    what_is_not_a_jws_is_malformed(&fresh(), &keys);
    begin(port, "another_key_with_the_same_kid_is_a_bad_signature");
    another_key_with_the_same_kid_is_a_bad_signature(&fresh(), &fresh(), &keys);
    begin(port, "a_changed_token_is_a_bad_signature");
    a_changed_token_is_a_bad_signature(&fresh(), &keys);
    begin(port, "a_token_that_is_not_typed_at_jwt_is_wrong_type");
    a_token_that_is_not_typed_at_jwt_is_wrong_type(&fresh(), &keys);
    begin(
        port,
        "signatures_are_low_s_and_their_high_s_twins_are_refused",
    );
    signatures_are_low_s_and_their_high_s_twins_are_refused(&fresh(), &keys);
    begin(port, "another_issuer_or_audience_is_wrong_audience");
    another_issuer_or_audience_is_wrong_audience(
        &fresh(),
        &make("https://evil.example", AUDIENCE),
        &make(ISSUER, "another-api"),
        &keys,
    );
    begin(
        port,
        "jwks_lists_the_loaded_keys_in_order_without_private_parts",
    );
    jwks_lists_the_loaded_keys_in_order_without_private_parts(&fresh(), &keys);
}

/// A service token's claims (no credential, some orgs), issued by `issuer` for `audience`.
pub fn service_claims(issuer: &str, audience: &str) -> AccessClaims {
    AccessClaims {
        issuer: issuer.to_owned(),
        subject: "billing".to_owned(),
        audience: audience.to_owned(),
        client_id: "billing".to_owned(),
        issued_at: T0.unix_timestamp(),
        expires_at: (T0 + Duration::minutes(15)).unix_timestamp(),
        jwt_id: uuid(1),
        scopes: [Scope::Tokens, Scope::CredentialsRead]
            .into_iter()
            .collect::<ScopeSet>(),
        orgs: OrgAccess::parse(&["masmovil", "yoigo"]).expect("valid org ids"),
        credential: None,
        sign_in: None,
    }
}

/// A customer's token: a credential, every org.
pub(crate) fn customer_claims() -> AccessClaims {
    AccessClaims {
        subject: uuid(3).to_string(),
        client_id: "portal".to_owned(),
        jwt_id: uuid(2),
        scopes: [Scope::CredentialsRead].into_iter().collect(),
        orgs: OrgAccess::All,
        credential: Some(uuid(3)),
        sign_in: Some(SignIn {
            auth_time: T0.unix_timestamp() - 60,
            amr: vec!["pwd".to_owned(), "otp".to_owned(), "mfa".to_owned()],
            session: Some(uuid(4)),
        }),
        ..service_claims(ISSUER, AUDIENCE)
    }
}

pub(crate) fn load(codec: &dyn AccessTokenCodec, keys: &[&SigningKey]) {
    let ring: Vec<SigningKey> = keys.iter().map(|k| (*k).clone()).collect();
    if let Err(e) = codec.load(&ring) {
        panic!("load of a valid ring: expected Ok, got Err({e})");
    }
}

pub(crate) fn sign(codec: &dyn AccessTokenCodec, claims: &AccessClaims) -> String {
    codec
        .sign(claims)
        .unwrap_or_else(|e| panic!("sign with an ES256 key loaded: expected Ok, got Err({e})"))
}

/// "A token this codec signed with its own issuer and audience verifies to the very claims
/// signed", for a service token and a customer's.
pub fn a_signed_token_verifies_to_the_same_claims(codec: &dyn AccessTokenCodec, keys: &Keys) {
    load(codec, &[&keys.es1]);
    for claims in [service_claims(ISSUER, AUDIENCE), customer_claims()] {
        let token = sign(codec, &claims);
        assert_eq!(
            codec.verify(&token),
            Ok(claims),
            "a signed token must verify to the claims signed"
        );
    }
}

/// "MUST NOT check expiry: the caller does, with its clock."
pub fn verify_does_not_check_expiry(codec: &dyn AccessTokenCodec, keys: &Keys) {
    load(codec, &[&keys.es1]);
    let expired = AccessClaims {
        issued_at: 1,
        expires_at: 2,
        ..service_claims(ISSUER, AUDIENCE)
    };
    let token = sign(codec, &expired);
    assert_eq!(
        codec.verify(&token),
        Ok(expired),
        "a token expired long ago must still verify: expiry is the caller's decision"
    );
}

/// "The newest ES256 key signs", even when an RS256 key is newer: the token verifies with that
/// key alone and not with the older one.
pub fn the_newest_es256_key_signs(codec: &dyn AccessTokenCodec, keys: &Keys) {
    let claims = service_claims(ISSUER, AUDIENCE);
    load(codec, &[&keys.es1, &keys.es2, &keys.rs1]);
    let token = sign(codec, &claims);
    load(codec, &[&keys.es2]);
    assert_eq!(
        codec.verify(&token),
        Ok(claims),
        "the token must have been signed by the newest ES256 key"
    );
    load(codec, &[&keys.es1]);
    assert_eq!(
        codec.verify(&token),
        Err(VerifyError::UnknownKey),
        "an older key must not have signed"
    );
}

/// "Every ES256 key of `keys` verifies": a rotation keeps the older key's tokens valid.
pub fn every_es256_key_of_the_ring_verifies(codec: &dyn AccessTokenCodec, keys: &Keys) {
    let claims = service_claims(ISSUER, AUDIENCE);
    load(codec, &[&keys.es1]);
    let older = sign(codec, &claims);
    load(codec, &[&keys.es1, &keys.rs1, &keys.es2]);
    let newer = sign(codec, &claims);
    for token in [&older, &newer] {
        assert_eq!(
            codec.verify(token),
            Ok(claims.clone()),
            "every ES256 key of the ring must verify its tokens"
        );
    }
}

/// "A key no longer in the ring verifies nothing" (`UnknownKey`).
pub fn a_key_no_longer_loaded_does_not_verify(codec: &dyn AccessTokenCodec, keys: &Keys) {
    load(codec, &[&keys.es1]);
    let token = sign(codec, &service_claims(ISSUER, AUDIENCE));
    load(codec, &[&keys.es2]);
    assert_eq!(
        codec.verify(&token),
        Err(VerifyError::UnknownKey),
        "a token of a key no longer loaded must be refused as UnknownKey"
    );
}

/// "MUST fail, leaving the ring as it was, when a key's private part is not a key of its
/// algorithm."
pub fn a_failed_load_leaves_the_ring_as_it_was(codec: &dyn AccessTokenCodec, keys: &Keys) {
    let claims = service_claims(ISSUER, AUDIENCE);
    load(codec, &[&keys.es1]);
    let before = sign(codec, &claims);
    let jwks = codec.jwks();
    let broken = |kid: &str, algorithm, private_pkcs8: &[u8]| SigningKey {
        kid: kid.to_owned(),
        algorithm,
        private_pkcs8: private_pkcs8.to_vec(),
        created_at: T0 + Duration::days(1),
    };
    for bad in [
        broken("bad-es", SigningAlgorithm::Es256, b"not a key"),
        broken("bad-rs", SigningAlgorithm::Rs256, b"not a key"),
        broken("rs-as-es", SigningAlgorithm::Es256, &keys.rs1.private_pkcs8),
    ] {
        let kid = bad.kid.clone();
        let result = codec.load(&[keys.es2.clone(), bad]);
        assert!(result.is_err(), "load with the broken key {kid} must fail");
        assert_eq!(
            codec.verify(&before),
            Ok(claims.clone()),
            "after the failed load of {kid}, the old ring must still verify"
        );
        assert_eq!(
            codec.jwks(),
            jwks,
            "after the failed load of {kid}, the old ring must still be published"
        );
        let after = sign(codec, &claims);
        load(codec, &[&keys.es1]);
        assert_eq!(
            codec.verify(&after),
            Ok(claims.clone()),
            "after the failed load of {kid}, the old key must still sign"
        );
    }
}

/// "MUST fail when the ring holds no ES256 key": nothing loaded, an empty ring, RS256 only.
pub fn sign_fails_without_an_es256_key(codec: &dyn AccessTokenCodec, keys: &Keys) {
    let claims = service_claims(ISSUER, AUDIENCE);
    assert!(
        codec.sign(&claims).is_err(),
        "sign before any load must fail"
    );
    load(codec, &[]);
    assert!(
        codec.sign(&claims).is_err(),
        "sign with an empty ring must fail"
    );
    load(codec, &[&keys.rs1]);
    assert!(
        codec.sign(&claims).is_err(),
        "sign with only an RS256 key must fail: access tokens are ES256"
    );
}

/// "One JWK per loaded key, ES256 and RS256 alike, in the ring's order, each with its `kid`
/// and `alg` and without its private part"; a new ring replaces the published keys.
pub fn jwks_lists_the_loaded_keys_in_order_without_private_parts(
    codec: &dyn AccessTokenCodec,
    keys: &Keys,
) {
    load(codec, &[&keys.es1, &keys.rs1, &keys.es2]);
    assert_eq!(
        published(codec),
        pairs(&[("es-1", "ES256"), ("rs-1", "RS256"), ("es-2", "ES256")]),
        "jwks must list every loaded key, in the ring's order"
    );
    let jwks = codec.jwks();
    for jwk in jwks["keys"].as_array().into_iter().flatten() {
        // RFC 7518 §6.2.2 (EC) and §6.3.2 (RSA): the private members.
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth"] {
            assert!(
                jwk.get(private).is_none(),
                "a published JWK must not hold the private member {private:?}: {}",
                jwk["kid"]
            );
        }
    }
    load(codec, &[&keys.es2]);
    assert_eq!(
        published(codec),
        pairs(&[("es-2", "ES256")]),
        "after a new load, jwks must list only the new ring"
    );
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(kid, alg)| ((*kid).to_owned(), (*alg).to_owned()))
        .collect()
}

/// The `(kid, alg)` of every key of the codec's JWK Set, in order.
fn published(codec: &dyn AccessTokenCodec) -> Vec<(String, String)> {
    let jwks = codec.jwks();
    let Some(list) = jwks["keys"].as_array() else {
        panic!("jwks must be a JWK Set {{\"keys\": [...]}}, got {jwks}");
    };
    list.iter()
        .map(|jwk| {
            let field = |name: &str| {
                jwk[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("every JWK needs a string {name:?}: {jwk}"))
                    .to_owned()
            };
            (field("kid"), field("alg"))
        })
        .collect()
}
