//! Deterministic "randomness" for tests.

use crate::SecureRandom;
use std::sync::atomic::{AtomicU64, Ordering};

/// A [`SecureRandom`] that yields the same bytes for the same seed: splitmix64 over an atomic
/// counter, so it is lock-free and `Send + Sync`.
///
/// NOT cryptographically secure, and never meant to be: it is a test double that makes issued
/// ids and secrets reproducible. Different seeds give different streams.
#[derive(Debug)]
pub struct SeededRandom {
    state: AtomicU64,
}

/// The splitmix64 increment (2^64 / golden ratio).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SeededRandom {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    /// The next 64 bits of the stream.
    pub fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Default for SeededRandom {
    /// Seed 0.
    fn default() -> Self {
        Self::new(0)
    }
}

impl SecureRandom for SeededRandom {
    fn fill(&self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_the_same_stream() {
        let (a, b) = (SeededRandom::new(42), SeededRandom::new(42));
        assert_eq!(a.secret_bytes(), b.secret_bytes());
        assert_eq!(a.uuid(), b.uuid());
    }

    #[test]
    fn successive_draws_and_other_seeds_differ() {
        let random = SeededRandom::new(42);
        let first = random.secret_bytes();
        assert_ne!(first, random.secret_bytes());
        assert_ne!(first, SeededRandom::new(43).secret_bytes());
        assert_ne!(random.uuid(), random.uuid());
    }

    #[test]
    fn fills_lengths_that_are_not_a_multiple_of_eight() {
        let random = SeededRandom::new(7);
        let mut odd = [0u8; 13];
        random.fill(&mut odd);
        assert!(
            odd[8..].iter().any(|b| *b != 0),
            "the tail must be filled too"
        );
    }

    #[test]
    fn uuids_are_version_4() {
        assert_eq!(SeededRandom::new(1).uuid().get_version_num(), 4);
    }
}
