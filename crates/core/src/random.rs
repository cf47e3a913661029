//! Randomness comes in through a port so that tests can be deterministic.

use uuid::Uuid;

/// A cryptographically secure source of random bytes.
pub trait SecureRandom: Send + Sync + std::fmt::Debug {
    /// Fills `dest` with random bytes. MUST use a CSPRNG in production adapters.
    fn fill(&self, dest: &mut [u8]);

    /// A random (version 4) UUID.
    fn uuid(&self) -> Uuid {
        let mut bytes = [0u8; 16];
        self.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// 32 random bytes: 256 bits, the entropy of every secret Latchkey issues.
    fn secret_bytes(&self) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        self.fill(&mut bytes);
        bytes
    }
}
