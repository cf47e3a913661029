//! A clock that stands still until the test moves it.

use crate::{Clock, Timestamp};
use std::sync::{Mutex, PoisonError};
use time::Duration;
use time::macros::datetime;

/// The instant every test starts at, unless it says otherwise: 2024-01-01 00:00:00 UTC.
pub const T0: Timestamp = datetime!(2024-01-01 00:00:00 UTC);

/// A [`Clock`] that returns the time it was set to, and moves only when told.
///
/// Shared between a service under test and the test itself (`Arc<FixedClock>`), so the test can
/// advance time past an expiry while the service holds the same clock.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<Timestamp>,
}

impl FixedClock {
    /// A clock stopped at `now`.
    pub fn at(now: Timestamp) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: Timestamp) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the time by `by` (negative to go back) and returns the new time.
    pub fn advance(&self, by: Duration) -> Timestamp {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
        *now
    }
}

impl Default for FixedClock {
    /// A clock stopped at [`T0`].
    fn default() -> Self {
        Self::at(T0)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        // A poisoned lock still holds a valid timestamp: the critical sections cannot panic
        // half-way through a write.
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stands_still_until_moved() {
        let clock = FixedClock::at(T0);
        assert_eq!(clock.now(), T0);
        assert_eq!(clock.now(), T0);
        assert_eq!(
            clock.advance(Duration::minutes(5)),
            T0 + Duration::minutes(5)
        );
        assert_eq!(clock.now(), T0 + Duration::minutes(5));
        clock.set(T0 - Duration::days(1));
        assert_eq!(clock.now(), T0 - Duration::days(1));
    }

    #[test]
    fn is_shared_through_an_arc_dyn_clock() {
        let clock = std::sync::Arc::new(FixedClock::default());
        let as_port: std::sync::Arc<dyn Clock> = clock.clone();
        clock.advance(Duration::seconds(30));
        assert_eq!(as_port.now(), T0 + Duration::seconds(30));
    }
}
