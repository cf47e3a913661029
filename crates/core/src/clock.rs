//! Time comes in through a port so that pure logic can be tested with a fixed clock.

use time::OffsetDateTime;

/// A point in time, always UTC.
pub type Timestamp = OffsetDateTime;

/// The source of the current time.
///
/// Domain code never reads the system clock itself: services hold a `Clock`, and tests use a
/// clock they can set and advance.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time in UTC.
    fn now(&self) -> Timestamp;
}
