//! Fast stand-ins for the crypto ports, for tests about something else: one per port, each
//! running its port's contract suite (see the tests below), so a test over a fake sees the
//! behaviour of the real adapter, only faster. Storage ports need no fake: the memory adapters
//! (`latchkey-memory`) run the same suites and are fast already.
//!
//! Never secure, on purpose: they are SHA-256 constructions without the costs that make the
//! real ones safe (argon2id's memory hardness, a configured key).

mod cipher;
mod hasher;

pub use cipher::FastCipher;
pub use hasher::FastHasher;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts;

    #[tokio::test]
    async fn fast_hasher_honours_the_password_hasher_contract() {
        contracts::password_hasher::run(FastHasher::default).await;
    }

    #[test]
    fn fast_cipher_honours_the_secret_cipher_contract() {
        contracts::secret_cipher::run(|key| FastCipher::new([key; 32]));
    }
}
