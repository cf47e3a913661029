//! The contract of [`IdTokenSigner`] (`latchkey_oauth::ports`).
//!
//! `make(keys)` builds a signer whose ring is `keys` (oldest first). Key material comes from the
//! caller's [`KeyGenerator`], and `verifies(token, key)` is the caller's independent answer to
//! "does this compact JWS carry a valid signature by `key`'s public part?": testkit holds no
//! crypto of its own.

use super::access_token_codec::Keys;
use super::begin;
use crate::fixtures::T0;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_access::{KeyGenerator, SigningAlgorithm, SigningKey};
use latchkey_oauth::IdTokenSigner;
use latchkey_tenancy::IdTokenAlg;
use serde_json::{Value, json};
use time::Duration;

/// The keys of the checks: [`Keys`] and a second, newer RS256 key.
#[derive(Debug, Clone)]
pub struct Ring {
    pub keys: Keys,
    /// RS256, created three hours after [`T0`].
    pub rs2: SigningKey,
}

impl Ring {
    pub fn generate(generator: &dyn KeyGenerator) -> Self {
        let private_pkcs8 = generator
            .generate(SigningAlgorithm::Rs256)
            .unwrap_or_else(|e| panic!("generating rs-2: {e}"));
        Self {
            keys: Keys::generate(generator),
            rs2: SigningKey {
                kid: "rs-2".to_owned(),
                algorithm: SigningAlgorithm::Rs256,
                private_pkcs8,
                created_at: T0 + Duration::hours(3),
            },
        }
    }

    /// Every key, oldest first: es-1, rs-1, es-2, rs-2.
    pub fn all(&self) -> Vec<SigningKey> {
        vec![
            self.keys.es1.clone(),
            self.keys.rs1.clone(),
            self.keys.es2.clone(),
            self.rs2.clone(),
        ]
    }
}

/// Runs every check, each on a fresh signer from `make`.
pub fn run<F, S, V>(make: F, generator: &dyn KeyGenerator, verifies: V)
where
    F: Fn(&[SigningKey]) -> S,
    S: IdTokenSigner,
    V: Fn(&str, &SigningKey) -> bool,
{
    let ring = Ring::generate(generator);
    let port = "IdTokenSigner";
    begin(
        port,
        "signs_with_the_newest_key_of_each_algorithm_and_no_other",
    );
    signs_with_the_newest_key_of_each_algorithm_and_no_other(&make(&ring.all()), &ring, &verifies);
    begin(port, "the_payload_is_the_claims_as_given");
    the_payload_is_the_claims_as_given(&make(&ring.all()));
    begin(port, "fails_without_a_key_of_that_algorithm");
    fails_without_a_key_of_that_algorithm(
        &make(&[]),
        &make(std::slice::from_ref(&ring.keys.es1)),
        &make(std::slice::from_ref(&ring.keys.rs1)),
    );
}

/// ID token claims of OpenID Connect Core §2, with a non-ASCII name and an array.
pub fn claims() -> Value {
    json!({
        "iss": "https://id.latchkey.test",
        "sub": "7d3c8a4e-0a52-4d4f-9a3b-2f6f1c0e9b11",
        "aud": "portal",
        "iat": T0.unix_timestamp(),
        "exp": (T0 + Duration::minutes(5)).unix_timestamp(),
        "nonce": "n-0S6_WzA2Mj",
        "name": "Ana Núñez",
        "amr": ["pwd", "otp"],
    })
}

fn sign(signer: &dyn IdTokenSigner, alg: IdTokenAlg, claims: &Value) -> String {
    signer.sign_id_token(alg, claims).unwrap_or_else(|e| {
        panic!("sign_id_token({alg:?}) with a key loaded: expected Ok, got Err({e})")
    })
}

/// The JSON of the header and payload of a compact JWS (RFC 7515 §7.1: three base64url parts
/// without padding).
fn decode(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(
        parts.len(),
        3,
        "an ID token must be a compact JWS of three parts: {token}"
    );
    let json = |part: &str, what: &str| -> Value {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_else(|e| panic!("the {what} must be unpadded base64url: {e}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("the {what} must be JSON: {e}"))
    };
    assert!(
        URL_SAFE_NO_PAD
            .decode(parts[2])
            .is_ok_and(|s| !s.is_empty()),
        "the signature must be non-empty, unpadded base64url"
    );
    (json(parts[0], "header"), json(parts[1], "payload"))
}

/// "A compact JWS of `claims` with the active key of `alg` (the newest key of that algorithm):
/// its header names `alg` and the key's `kid` ... its signature verifies with that key's public
/// part and with no other key."
pub fn signs_with_the_newest_key_of_each_algorithm_and_no_other<V>(
    signer: &dyn IdTokenSigner,
    ring: &Ring,
    verifies: &V,
) where
    V: Fn(&str, &SigningKey) -> bool,
{
    let keys = &ring.keys;
    let cases = [
        (
            IdTokenAlg::Es256,
            "ES256",
            &keys.es2,
            [&keys.es1, &ring.rs2],
        ),
        (
            IdTokenAlg::Rs256,
            "RS256",
            &ring.rs2,
            [&keys.rs1, &keys.es2],
        ),
    ];
    for (alg, name, active, others) in cases {
        let token = sign(signer, alg, &claims());
        let (header, _) = decode(&token);
        assert_eq!(header["alg"], name, "the header must name the algorithm");
        assert_eq!(
            header["kid"], active.kid,
            "a {name} ID token must be signed by the newest {name} key"
        );
        assert!(
            verifies(&token, active),
            "a {name} ID token must verify with the public part of {}",
            active.kid
        );
        for other in others {
            assert!(
                !verifies(&token, other),
                "a {name} ID token must not verify with {}",
                other.kid
            );
        }
    }
}

/// "Its payload is `claims` as given."
pub fn the_payload_is_the_claims_as_given(signer: &dyn IdTokenSigner) {
    for alg in [IdTokenAlg::Es256, IdTokenAlg::Rs256] {
        let (_, payload) = decode(&sign(signer, alg, &claims()));
        assert_eq!(
            payload,
            claims(),
            "the payload of a {alg:?} ID token must be the claims, unchanged"
        );
    }
}

/// "MUST fail when no key of `alg` is loaded": an empty ring, ES256 only, RS256 only.
pub fn fails_without_a_key_of_that_algorithm(
    empty: &dyn IdTokenSigner,
    es256_only: &dyn IdTokenSigner,
    rs256_only: &dyn IdTokenSigner,
) {
    for alg in [IdTokenAlg::Es256, IdTokenAlg::Rs256] {
        assert!(
            empty.sign_id_token(alg, &claims()).is_err(),
            "an empty ring must not sign a {alg:?} ID token"
        );
    }
    assert!(
        es256_only
            .sign_id_token(IdTokenAlg::Rs256, &claims())
            .is_err(),
        "a ring without an RS256 key must not sign an RS256 ID token"
    );
    assert!(
        rs256_only
            .sign_id_token(IdTokenAlg::Es256, &claims())
            .is_err(),
        "a ring without an ES256 key must not sign an ES256 ID token"
    );
    sign(es256_only, IdTokenAlg::Es256, &claims());
    sign(rs256_only, IdTokenAlg::Rs256, &claims());
}
