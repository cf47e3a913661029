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
    begin(
        port,
        "reads_back_what_any_key_of_the_ring_signed_even_expired",
    );
    reads_back_what_any_key_of_the_ring_signed_even_expired(
        &make(&ring.all()),
        &make(&[ring.keys.es1.clone(), ring.keys.rs1.clone()]),
    );
    begin(port, "refuses_another_issuer_an_unknown_key_and_any_change");
    refuses_another_issuer_an_unknown_key_and_any_change(
        &make(&ring.all()),
        &make(&[ring.keys.es1.clone(), ring.keys.rs1.clone()]),
        &make(&[ring.keys.es2.clone(), ring.rs2.clone()]),
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

/// The `iss` of [`claims`].
const ISSUER: &str = "https://id.latchkey.test";

/// "The claims of `token` when it is an ID token signed by a key of the ring (either
/// algorithm; an older key still loaded too) ... Its expiry is not checked": [`claims`] expired
/// long before the checks run.
pub fn reads_back_what_any_key_of_the_ring_signed_even_expired(
    full: &dyn IdTokenSigner,
    older: &dyn IdTokenSigner,
) {
    for alg in [IdTokenAlg::Es256, IdTokenAlg::Rs256] {
        for (signer, which) in [(full, "the newest"), (older, "an older")] {
            let token = sign(signer, alg, &claims());
            let read = full.verify_id_token(&token, ISSUER).unwrap_or_else(|e| {
                panic!("an expired {alg:?} ID token of {which} key must read back: {e}")
            });
            assert_eq!(read, claims(), "the claims must read back unchanged");
        }
    }
}

/// "MUST fail for a key not loaded, a changed header, payload or signature, another `iss` ...
/// and anything that is not a compact JWS."
pub fn refuses_another_issuer_an_unknown_key_and_any_change(
    full: &dyn IdTokenSigner,
    older: &dyn IdTokenSigner,
    newer_only: &dyn IdTokenSigner,
) {
    for alg in [IdTokenAlg::Es256, IdTokenAlg::Rs256] {
        let token = sign(full, alg, &claims());
        assert!(
            full.verify_id_token(&token, "https://other.example")
                .is_err(),
            "a {alg:?} ID token must not read back for another issuer"
        );
        let mut other = claims();
        other["iss"] = json!("https://other.example");
        let foreign = sign(full, alg, &other);
        assert!(
            full.verify_id_token(&foreign, ISSUER).is_err(),
            "an ID token of another issuer must be refused"
        );
        let parts: Vec<&str> = token.split('.').collect();
        let mut payload = claims();
        payload["sub"] = json!("someone-else");
        let swapped = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default()),
            parts[2]
        );
        assert!(
            full.verify_id_token(&swapped, ISSUER).is_err(),
            "a changed payload must be refused ({alg:?})"
        );
        let mut signature = parts[2].to_owned().into_bytes();
        signature[10] = if signature[10] == b'A' { b'B' } else { b'A' };
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            String::from_utf8(signature).unwrap_or_default()
        );
        assert!(
            full.verify_id_token(&forged, ISSUER).is_err(),
            "a changed signature must be refused ({alg:?})"
        );
    }
    // Signed by es-1 and rs-1, which `newer_only` does not hold.
    for alg in [IdTokenAlg::Es256, IdTokenAlg::Rs256] {
        let token = sign(older, alg, &claims());
        assert!(
            newer_only.verify_id_token(&token, ISSUER).is_err(),
            "a {alg:?} ID token of a key not loaded must be refused"
        );
    }
    for junk in ["", "a.b.c", "not a token", "e30.e30."] {
        assert!(
            full.verify_id_token(junk, ISSUER).is_err(),
            "{junk:?} is not an ID token"
        );
    }
}
