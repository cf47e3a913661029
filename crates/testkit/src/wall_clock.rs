//! The real time, for contract checks that must agree with a store's own clock (Redis).

use latchkey_core::{Clock, Timestamp};

/// A [`Clock`] that reads the system time.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock;

impl Clock for WallClock {
    fn now(&self) -> Timestamp {
        time::OffsetDateTime::now_utc()
    }
}
