use latchkey_core::{Clock, SecureRandom, Timestamp};

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        time::OffsetDateTime::now_utc()
    }
}

/// A cryptographically secure generator: rand's `ThreadRng` (ChaCha12, one per thread, seeded
/// and periodically reseeded from the operating system). It avoids a system call per draw, which
/// the token endpoint would otherwise pay on every token it signs.
#[derive(Debug, Default, Clone, Copy)]
pub struct ThreadRandom;

impl SecureRandom for ThreadRandom {
    fn fill(&self, dest: &mut [u8]) {
        use rand::Rng as _;
        rand::rng().fill_bytes(dest);
    }
}
