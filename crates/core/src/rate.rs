//! Rate limits: "at most N events per period" for a key (a credential, a tenant...).
//!
//! The rule is GCRA (the generic cell rate algorithm, as in ATM networks and `redis-cell`): each
//! key keeps one timestamp, its *theoretical arrival time* (TAT). With an emission interval
//! `T = period / limit`, an event at `now` is allowed when `TAT - now <= period - T`, and then
//! the TAT moves to `max(TAT, now) + T`. A burst of `limit` events is allowed at once, after which
//! one event is allowed every `T` (a bucket of `limit` tokens refilled one per `T`): over a long
//! run, `limit` events per `period`. A refused event does not move the TAT. One timestamp per key,
//! exact, and no fixed windows whose edges a client could time a double burst around.
//!
//! [`gcra`] is the pure rule; a [`RateLimiter`] adapter applies it atomically to its stored TAT.

use crate::{StoreError, Timestamp};
use async_trait::async_trait;
use std::fmt;
use std::str::FromStr;
use time::Duration;

/// At most `limit` events in any `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    limit: u32,
    period: Duration,
}

/// Why a rate is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a rate is N/PERIOD with N >= 1 and a period of s, m, h or d (e.g. 5/15m, 100/1m, 20/1h)")]
pub struct RateError;

impl Rate {
    /// `limit` events per `period`; both must be positive.
    pub fn new(limit: u32, period: Duration) -> Result<Self, RateError> {
        if limit == 0 || period <= Duration::ZERO {
            return Err(RateError);
        }
        Ok(Self { limit, period })
    }

    pub fn limit(self) -> u32 {
        self.limit
    }

    pub fn period(self) -> Duration {
        self.period
    }

    /// The time one event "costs": `period / limit`.
    pub fn interval(self) -> Duration {
        self.period / self.limit
    }
}

impl FromStr for Rate {
    type Err = RateError;

    /// Parses `N/PERIOD`: `5/15m`, `100/1m`, `20/1h`, `1000/1d`, `3/30s` (the period's number may
    /// be left out: `10/m`).
    fn from_str(raw: &str) -> Result<Self, RateError> {
        let (limit, period) = raw.trim().split_once('/').ok_or(RateError)?;
        let limit: u32 = limit.trim().parse().map_err(|_| RateError)?;
        let period = period.trim();
        let unit_at = period.len().checked_sub(1).ok_or(RateError)?;
        let (count, unit) = period.split_at(unit_at);
        let count: i64 = if count.is_empty() {
            1
        } else {
            count.parse().map_err(|_| RateError)?
        };
        let period = match unit {
            "s" => Duration::seconds(count),
            "m" => Duration::minutes(count),
            "h" => Duration::hours(count),
            "d" => Duration::days(count),
            _ => return Err(RateError),
        };
        Self::new(limit, period)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.limit, self.period.whole_seconds())
    }
}

/// What a rate limiter decided about one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The event is allowed and counted.
    Allowed,
    /// The event is refused (and not counted); one would be allowed after `retry_after`.
    Limited { retry_after: Duration },
}

/// GCRA: given the key's stored TAT (`None` for a key never seen, or forgotten), decides about an
/// event at `now`. Returns the verdict and the TAT to store (unchanged when limited).
pub fn gcra(tat: Option<Timestamp>, rate: Rate, now: Timestamp) -> (Verdict, Option<Timestamp>) {
    let interval = rate.interval();
    let tat_now = tat.map_or(now, |t| t.max(now));
    // The earliest moment this event fits: `limit` intervals before the new TAT.
    let allowed_from = tat_now + interval - rate.period;
    if now < allowed_from {
        (
            Verdict::Limited {
                retry_after: allowed_from - now,
            },
            tat,
        )
    } else {
        (Verdict::Allowed, Some(tat_now + interval))
    }
}

/// Counts events per key and refuses those over a rate; shared by every server instance when the
/// adapter is (Redis), per instance otherwise (memory).
#[async_trait]
pub trait RateLimiter: Send + Sync + std::fmt::Debug {
    /// Decides about one event of `key` at `now` under `rate`, following [`gcra`] exactly, and
    /// stores the key's new state atomically: of concurrent events of one key, no more are
    /// `Allowed` than the rule allows in sequence. A key's state MAY be forgotten once its TAT is
    /// past (a forgotten key behaves as new). Keys are independent of each other.
    async fn hit(&self, key: &str, rate: Rate, now: Timestamp) -> Result<Verdict, StoreError>;

    /// The verdict [`RateLimiter::hit`] would give an event of `key` at `now` under `rate`,
    /// without counting it: MUST change no state. For limits counted after the fact (failures:
    /// an attempt is refused while its key's failures are spent, and a failure is a `hit`).
    async fn peek(&self, key: &str, rate: Rate, now: Timestamp) -> Result<Verdict, StoreError>;
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: Timestamp = datetime!(2025-01-15 10:30:00 UTC);

    #[test]
    fn rates_parse_from_n_per_period() {
        for (raw, limit, period) in [
            ("5/15m", 5, Duration::minutes(15)),
            (" 100 / 1m ", 100, Duration::minutes(1)),
            ("20/1h", 20, Duration::hours(1)),
            ("1000/1d", 1000, Duration::days(1)),
            ("3/30s", 3, Duration::seconds(30)),
            ("10/m", 10, Duration::minutes(1)),
        ] {
            let rate: Rate = raw.parse().unwrap();
            assert_eq!((rate.limit(), rate.period()), (limit, period), "{raw}");
        }
        for bad in [
            "", "5", "0/1m", "5/0m", "5/1w", "-1/1m", "5/-1m", "x/1m", "5/", "5/1",
        ] {
            assert_eq!(bad.parse::<Rate>(), Err(RateError), "{bad:?}");
        }
    }

    /// Runs events at the given offsets (seconds from T0) and returns which were allowed.
    fn run(rate: Rate, offsets: &[i64]) -> Vec<Verdict> {
        let mut tat = None;
        offsets
            .iter()
            .map(|s| {
                let (verdict, next) = gcra(tat, rate, T0 + Duration::seconds(*s));
                tat = next;
                verdict
            })
            .collect()
    }

    #[test]
    fn allows_a_burst_of_limit_then_one_per_interval() {
        // 3 per minute: interval 20 s.
        let rate: Rate = "3/1m".parse().unwrap();
        let verdicts = run(rate, &[0, 0, 0, 0, 19, 20, 21, 40]);
        let limited = |s| Verdict::Limited {
            retry_after: Duration::seconds(s),
        };
        assert_eq!(
            verdicts,
            vec![
                Verdict::Allowed,
                Verdict::Allowed,
                Verdict::Allowed,
                limited(20),
                limited(1),
                Verdict::Allowed,
                limited(19),
                Verdict::Allowed,
            ]
        );
    }

    #[test]
    fn after_the_burst_events_pass_one_interval_apart() {
        let rate: Rate = "5/1m".parse().unwrap();
        // An event every second for five minutes.
        let offsets: Vec<i64> = (0..300).collect();
        let verdicts = run(rate, &offsets);
        let allowed: Vec<i64> = offsets
            .iter()
            .zip(&verdicts)
            .filter(|(_, v)| **v == Verdict::Allowed)
            .map(|(s, _)| *s)
            .collect();
        let expected: Vec<i64> = (0..5).chain((12..300).step_by(12)).collect();
        assert_eq!(allowed, expected);
    }

    #[test]
    fn a_limited_event_is_not_counted_and_a_quiet_key_recovers() {
        let rate: Rate = "2/10s".parse().unwrap();
        let verdicts = run(rate, &[0, 0, 1, 2, 3, 4, 5, 30, 30, 30]);
        assert_eq!(
            verdicts.iter().filter(|v| **v == Verdict::Allowed).count(),
            5
        );
        assert_eq!(
            verdicts[6],
            Verdict::Allowed,
            "5 s after the burst: one interval"
        );
        assert_eq!(verdicts[7..9], [Verdict::Allowed, Verdict::Allowed]);
        assert!(matches!(verdicts[9], Verdict::Limited { .. }));
    }
}
