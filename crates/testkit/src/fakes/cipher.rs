//! A secret cipher built from SHA-256: a keystream in counter mode and a keyed tag.

use latchkey_core::{BoxError, SecretHash, ct_eq};
use latchkey_otp::{SealedSecret, SecretCipher};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

const NONCE_LEN: usize = 8;
const TAG_LEN: usize = 32;

/// Nonces: one counter for the whole process, so no two sealings in a test run share one, even
/// across instances of one key.
static NONCES: AtomicU64 = AtomicU64::new(1);

/// A [`SecretCipher`] that honours the AEAD contract (bound to its key and context, a fresh
/// nonce per sealing, any change detected) with nothing but SHA-256. Layout: nonce (8 bytes) ‖
/// ciphertext ‖ tag (32 bytes).
pub struct FastCipher {
    key: [u8; 32],
}

impl fmt::Debug for FastCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FastCipher([REDACTED])")
    }
}

impl FastCipher {
    /// The cipher of `key`: instances of one key open each other's sealed secrets.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// `plain` XOR SHA-256(key ‖ nonce ‖ block number), block by block (encrypts and decrypts).
    fn apply_keystream(&self, nonce: &[u8], data: &mut [u8]) {
        for (block, chunk) in (0u64..).zip(data.chunks_mut(32)) {
            let pad = SecretHash::of(&[&self.key[..], nonce, &block.to_le_bytes()].concat());
            for (byte, pad) in chunk.iter_mut().zip(pad.as_bytes()) {
                *byte ^= pad;
            }
        }
    }

    /// SHA-256(key ‖ "tag" ‖ length of context ‖ context ‖ nonce ‖ ciphertext): the length
    /// keeps context and nonce apart.
    fn tag(&self, context: &[u8], nonce: &[u8], ciphertext: &[u8]) -> [u8; TAG_LEN] {
        let context_len = (context.len() as u64).to_le_bytes();
        let input = [
            &self.key[..],
            b"tag",
            &context_len,
            context,
            nonce,
            ciphertext,
        ]
        .concat();
        *SecretHash::of(&input).as_bytes()
    }
}

impl SecretCipher for FastCipher {
    fn seal(&self, plain: &[u8], context: &[u8]) -> Result<SealedSecret, BoxError> {
        let nonce = NONCES.fetch_add(1, Ordering::Relaxed).to_le_bytes();
        let mut ciphertext = plain.to_vec();
        self.apply_keystream(&nonce, &mut ciphertext);
        let tag = self.tag(context, &nonce, &ciphertext);
        Ok(SealedSecret([&nonce[..], &ciphertext, &tag].concat()))
    }

    fn open(&self, sealed: &SealedSecret, context: &[u8]) -> Result<Vec<u8>, BoxError> {
        if sealed.0.len() < NONCE_LEN + TAG_LEN {
            return Err("sealed secret too short".into());
        }
        let (nonce, rest) = sealed.0.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        if !ct_eq(&self.tag(context, nonce, ciphertext), tag) {
            return Err("the secret does not open with this key and context".into());
        }
        let mut plain = ciphertext.to_vec();
        self.apply_keystream(nonce, &mut plain);
        Ok(plain)
    }
}
