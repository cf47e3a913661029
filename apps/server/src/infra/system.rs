use latchkey_core::{Clock, SecureRandom, Timestamp};

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        time::OffsetDateTime::now_utc()
    }
}

/// The operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, dest: &mut [u8]) {
        // getrandom fails only when the OS has no entropy source at all, which no supported
        // platform lacks; continuing with predictable bytes would be worse than stopping.
        #[expect(
            clippy::expect_used,
            reason = "no entropy source means no safe way to go on"
        )]
        getrandom::fill(dest).expect("the operating system's random source failed");
    }
}
