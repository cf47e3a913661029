//! Key material, made once per test run (an RSA key takes a while).

use latchkey_access::{KeyGenerator as _, SigningAlgorithm};
use latchkey_crypto::EcKeyGenerator;
use std::sync::OnceLock;

/// A private key of `algorithm` as PKCS#8: the same one for every call of the run.
pub fn material(algorithm: SigningAlgorithm) -> Vec<u8> {
    static KEYS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (es256, rs256) = KEYS.get_or_init(|| {
        (
            EcKeyGenerator.generate(SigningAlgorithm::Es256).unwrap(),
            EcKeyGenerator.generate(SigningAlgorithm::Rs256).unwrap(),
        )
    });
    match algorithm {
        SigningAlgorithm::Es256 => es256.clone(),
        SigningAlgorithm::Rs256 => rs256.clone(),
    }
}

/// Another ES256 key than [`material`]'s, made afresh.
pub fn other_es256() -> Vec<u8> {
    EcKeyGenerator.generate(SigningAlgorithm::Es256).unwrap()
}
