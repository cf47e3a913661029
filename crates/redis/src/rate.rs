//! Rate limits (GCRA, the rule of `latchkey_core::gcra`) as one Lua script: shared by every
//! server instance.

use crate::{RedisDatabase, millis};
use async_trait::async_trait;
use latchkey_core::{Rate, RateLimiter, StoreError, Timestamp, Verdict, gcra};
use redis::Script;
use std::sync::LazyLock;
use time::Duration;

/// KEYS: the key's TAT (ms since the epoch). ARGV: now ms, interval ms, period ms. Returns 0 when
/// allowed (and stores the new TAT until it passes), else the milliseconds until it would be.
static HIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local now = tonumber(ARGV[1])
        local interval = tonumber(ARGV[2])
        local period = tonumber(ARGV[3])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then tat = now end
        local allowed_from = tat + interval - period
        if now < allowed_from then return allowed_from - now end
        redis.call('SET', KEYS[1], tat + interval, 'PX', tat + interval - now)
        return 0
        ",
    )
});

/// The `RateLimiter` on Redis. Times are whole milliseconds.
#[derive(Debug, Clone)]
pub struct RedisRateLimiter {
    db: RedisDatabase,
}

impl RedisRateLimiter {
    pub(crate) fn new(db: RedisDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, rate: Rate, now: Timestamp) -> Result<Verdict, StoreError> {
        let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        let mut connection = self.db.connection()?;
        let mut invocation = HIT.prepare_invoke();
        invocation
            .key(self.db.key("rate", key, ""))
            .arg(now_ms)
            .arg(millis(rate.interval()))
            .arg(millis(rate.period()));
        let wait: i64 = self
            .db
            .run(invocation.invoke_async(&mut connection))
            .await?;
        Ok(if wait > 0 {
            Verdict::Limited {
                retry_after: Duration::milliseconds(wait),
            }
        } else {
            Verdict::Allowed
        })
    }

    async fn peek(&self, key: &str, rate: Rate, now: Timestamp) -> Result<Verdict, StoreError> {
        let mut connection = self.db.connection()?;
        let mut command = redis::cmd("GET");
        command.arg(self.db.key("rate", key, ""));
        let tat_ms: Option<i64> = self.db.run(command.query_async(&mut connection)).await?;
        let tat = tat_ms
            .and_then(|ms| Timestamp::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok());
        Ok(gcra(tat, rate, now).0)
    }
}
